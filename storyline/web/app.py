"""The web shell: HTML pages, a JSON API (documented at ``/docs`` by OpenAPI) and Atom feeds.

Every page has its JSON twin under ``/api`` built from the same function of
:mod:`storyline.views`, so the browser and a script see the same data. Routes only call the
views, which only read the store; one handler
maps errors to one JSON shape, ``{"error": {"status": int, "message": str}}`` (an HTML page for
browser paths), and no stack trace ever leaves the server.

Article text is hostile input: Jinja2 escapes everything it prints, pages carry a strict
Content-Security-Policy (no script at all, styles from our own file only), and the server is
read-only: no route writes to the store, so there is nothing for a token to guard yet.
"""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from importlib import resources
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from anyio import to_thread
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storyline.errors import BadRequest, NotFound
from storyline.store import Store, open_store
from storyline.store.export import EXPORTS, FORMATS
from storyline.store.export import write as write_table
from storyline.views import (
    article_data,
    entity_data,
    search_data,
    stories_data,
    story_data,
    to_markdown,
)

__all__ = ["CSP", "DOCS_CSP", "app_from_environment", "create_app"]

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none';"
    " form-action 'self'; frame-ancestors 'none'"
)
_PACKAGE = resources.files("storyline.web")
#: Threads one server process renders pages in (see ``create_app``).
SERVER_THREADS = 2
#: Bytes of the store each server connection reads through a memory map.
MMAP_BYTES = 1024 * 1024 * 1024
#: Bytes of rendered pages kept in memory (a story page is about 8 KB, a search page 25 KB).
CACHE_BYTES = 64 * 1024 * 1024
_UNCACHED = ("/static", "/export")
#: The API documentation (Swagger UI 5, the files the fastapi-offline package ships) is the one
#: page that runs scripts: its own files and ours, nothing inline, nothing from elsewhere.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_COMMON_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)
_SECURITY_HEADERS = ((b"content-security-policy", CSP.encode()), *_COMMON_HEADERS)
_DOCS_HEADERS = ((b"content-security-policy", DOCS_CSP.encode()), *_COMMON_HEADERS)
_DOCS_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Storyline API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script></body>
</html>
"""


def _span(start: int | None, end: int | None) -> tuple[int, int] | None:
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise BadRequest("give both start and end, or neither")
    return (start, end)


#: Characters XML 1.0 forbids anywhere, even escaped (C0 controls but tab, CR and LF; lone
#: surrogates; U+FFFE and U+FFFF): a title carrying one would make the whole feed invalid.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(value: str) -> str:
    """Text for an XML element or a double-quoted attribute: forbidden characters dropped,
    markup and quotes escaped."""
    return escape(_NOT_XML.sub("", value), {'"': "&quot;"})


def atom(title: str, link: str, entries: list[dict[str, Any]]) -> str:
    """An Atom 1.0 feed; every string is cleaned and escaped (:func:`_xml`)."""
    updated = max((e["updated"] for e in entries), default="1970-01-01")
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{_xml(title)}</title>",
        f'<link href="{_xml(link)}"/>',
        f"<id>{_xml(link)}</id>",
        f"<updated>{_xml(_atom_time(updated))}</updated>",
    ]
    for entry in entries:
        parts += [
            "<entry>",
            f"<title>{_xml(entry['title'])}</title>",
            f'<link href="{_xml(entry["link"])}"/>',
            f"<id>{_xml(entry['id'])}</id>",
            f"<updated>{_xml(_atom_time(entry['updated']))}</updated>",
            f"<summary>{_xml(entry['summary'])}</summary>",
            "</entry>",
        ]
    parts.append("</feed>")
    return "\n".join(parts) + "\n"


def _entry(base: str, article: dict[str, Any], summary: str) -> dict[str, Any]:
    """An Atom entry for an article (a view's article summary), linking to its page: its
    opening, then ``summary`` (who carried it)."""
    link = f"{base}/article/{quote(article['id'], safe='')}"
    return {
        "title": article["title"] or article["id"],
        "link": link,
        "id": link,
        "updated": article["published"] or "",
        "summary": f"{article['lead']} ({summary})" if summary else article["lead"],
    }


def _atom_time(value: str) -> str:
    return value if "T" in value else f"{value[:10] or '1970-01-01'}T00:00:00Z"


# -- the application -------------------------------------------------------------------------


#: ``?min_confidence=`` on story and person pages and their JSON: keep the quotes the cue
#: model is at least this sure of (0 to 1; quotes found by their layout always pass).
#: ``?page=`` on lists a page at a time (stories, search results, a person's quotes).
_PAGE = Query(1, ge=1, le=100_000, alias="page")
#: The story page shows this many quotes of each of its this many most quoted speakers; the
#: others are a link away (the largest real-news story holds 6,700 quotes: a 2.2 MB page).
QUOTES_SHOWN = 5
SPEAKERS_SHOWN = 30
#: Speakers after those named in one line, each a link to their quotes (that story: 2,000).
ALSO_SHOWN = 100
_CONFIDENCE = Query(0.0, ge=0.0, le=1.0, description="Least cue-model confidence of a quote.")


#: The environment variable that carries ``storyline serve``'s settings to its worker processes.
SETTINGS_VARIABLE = "STORYLINE_SERVE"


def settings_text(db_path: str, base_url: str, *, cache: bool) -> str:
    return json.dumps({"db": db_path, "base_url": base_url, "cache": cache})


def app_from_environment() -> FastAPI:
    """The app of one of ``storyline serve --workers N``'s processes (a uvicorn factory)."""
    settings = json.loads(os.environ[SETTINGS_VARIABLE])
    return create_app(settings["db"], settings["base_url"], cache=settings["cache"])


def create_app(
    db_path: str, base_url: str = "http://127.0.0.1:8000", *, cache: bool = True
) -> FastAPI:
    """The web application over the store at ``db_path`` (one connection per server thread,
    kept between requests; read-only use).

    ``cache``: keep rendered pages until the store changes (:class:`PageCache`); off, every
    request is rendered from the store (what a page costs, for ``bench/web.py --no-cache``).

    ``base_url`` is where readers reach the server: absolute links (Atom feeds) are built from
    it, never from a request's Host header, which any client may set (and which a shared page
    cache would then hand to every later reader).
    """
    base = base_url.rstrip("/")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Routes read SQLite and render in threads; a few threads keep the cores busy, while
        # anyio's default of 40 made 50 readers thrash the GIL and 40 cold connections.
        to_thread.current_default_thread_limiter().total_tokens = SERVER_THREADS
        yield

    app = FastAPI(
        lifespan=lifespan,
        docs_url=None,  # served below, from the package: no CDN
        redoc_url=None,
        title="Storyline",
        description="Stories, digests, timelines, quotes and actors from the news store.",
        version="1",
    )
    templates = Jinja2Templates(directory=str(_PACKAGE / "templates"))
    templates.env.filters["segment"] = lambda value: quote(str(value), safe="")
    app.mount("/static", StaticFiles(directory=str(_PACKAGE / "static")), name="static")
    swagger = resources.files("fastapi_offline") / "static"
    app.mount("/docs/assets", StaticFiles(directory=str(swagger)), name="docs-assets")

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(_DOCS_PAGE)

    kept = threading.local()

    @contextmanager
    def store() -> Iterator[Store]:
        # One connection per server thread, kept between requests: a new connection starts
        # with an empty page cache and must read the schema again, which made a search over a
        # 100,000-article store cost 70 ms instead of 5. Reads are autocommit statements, each
        # seeing the latest commit, so a kept connection never serves old data.
        opened: Store | None = getattr(kept, "store", None)
        if opened is None:
            opened = kept.store = open_store(db_path)
            # Read through a memory map: the threads' connections then share the operating
            # system's copy of the pages instead of each warming a private cache.
            opened.conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        yield opened

    def page(request: Request, name: str, data: dict[str, Any]) -> HTMLResponse:
        return templates.TemplateResponse(request, name, {"data": data})

    # The last added is the outermost: security headers on every answer, then the methods a
    # read-only server takes, then the cache, which answers a cached page before routing.
    if cache:
        app.add_middleware(PageCache, db_path=db_path)
    app.add_middleware(ReadOnlyMethods)
    app.add_middleware(SecurityHeaders)

    def error(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith(("/api", "/export")) or request.url.path.endswith(
            (".atom", ".md")
        ):
            return JSONResponse({"error": {"status": status, "message": message}}, status)
        return templates.TemplateResponse(
            request, "error.html", {"data": {"status": status, "message": message}}, status
        )

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return error(request, 404, str(exc))

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, exc: BadRequest) -> Response:
        return error(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x not in ("query", "path"))
        return error(request, 400, f"{where}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        return error(request, 500, "internal error; see the server log")

    # JSON API --------------------------------------------------------------------------------

    @app.get("/api/stories", summary="Stories, newest activity first, a page at a time")
    def api_stories(
        entity: str | None = None,
        start: str | None = None,
        end: str | None = None,
        page: int = Query(1, ge=1, le=100_000),
        order: str = "latest",
        outlet: str | None = None,
        min_size: int = Query(1, ge=1),
    ) -> dict[str, Any]:
        with store() as opened:
            return stories_data(
                opened,
                entity,
                start,
                end,
                page=page,
                order=order,
                outlet=outlet,
                min_size=min_size,
            )

    @app.get("/api/story/{story_id:path}", summary="One story: headline, digest, timeline, quotes")
    def api_story(story_id: str, min_confidence: float = _CONFIDENCE) -> dict[str, Any]:
        with store() as opened:
            return story_data(opened, story_id, min_confidence=min_confidence)

    @app.get("/api/article/{article_id:path}", summary="One article with its analysis")
    def api_article(
        article_id: str, start: int | None = None, end: int | None = None
    ) -> dict[str, Any]:
        with store() as opened:
            return article_data(opened, article_id, _span(start, end))

    @app.get("/api/entity/{name:path}", summary="Everything a person or organisation said")
    def api_entity(
        name: str, min_confidence: float = _CONFIDENCE, page_number: int = _PAGE
    ) -> dict[str, Any]:
        with store() as opened:
            return entity_data(opened, name, min_confidence=min_confidence, page=page_number)

    @app.get("/api/search", summary="Full-text, entity and date search, grouped by story")
    def api_search(
        q: str | None = Query(None, max_length=500),
        entity: str | None = None,
        start: str | None = None,
        end: str | None = None,
        page_number: int = _PAGE,
    ) -> dict[str, Any]:
        with store() as opened:
            return search_data(opened, q, entity, start, end, page=page_number)

    # Pages -----------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def stories_page(
        request: Request,
        entity: str | None = None,
        start: str | None = None,
        end: str | None = None,
        page_number: int = Query(1, ge=1, le=100_000, alias="page"),
        order: str = "latest",
        outlet: str | None = None,
        min_size: int = Query(1, ge=1),
    ) -> HTMLResponse:
        with store() as opened:
            data = stories_data(
                opened,
                entity,
                start,
                end,
                page=page_number,
                order=order,
                outlet=outlet,
                min_size=min_size,
            )
            return page(request, "stories.html", data)

    # Ids may hold any character, "/" included: every id route takes a path, and links quote
    # ids as one path segment (the ``segment`` filter). One route serves a story's page, feed
    # and Markdown, so that an id ending in ".md" or ".atom" still names its own page.
    @app.get("/story/{story_id:path}", include_in_schema=False)
    def story_route(
        request: Request,
        story_id: str,
        min_confidence: float = _CONFIDENCE,
        articles_page: int = Query(1, ge=1, le=100_000, alias="articles"),
        speaker: str | None = Query(None, max_length=500, description="Only this speaker."),
    ) -> Response:
        with store() as opened:
            fmt = None
            if opened.resolve_story(story_id) is None:
                for suffix in (".atom", ".md"):
                    if story_id.endswith(suffix):
                        story_id, fmt = story_id.removesuffix(suffix), suffix
                        break
            # The page reads only the quotes it shows (a few of the most quoted speakers', or
            # one speaker's all); the feed and Markdown need none or all.
            few: tuple[int, int | None] | None = None
            if fmt is None:
                few = (SPEAKERS_SHOWN, QUOTES_SHOWN) if speaker is None else (1, None)
            data = story_data(
                opened,
                story_id,
                min_confidence=min_confidence,
                shown=few,
                only_speaker=speaker if fmt is None else None,
            )
        if fmt == ".md":
            return PlainTextResponse(to_markdown(data), media_type="text/markdown")
        if fmt == ".atom":
            entries = [_entry(base, a, ", ".join(a["carried_by"])) for a in data["articles"]]
            link = f"{base}/story/{quote(data['id'], safe='')}"
            body = atom(data["headline"] or data["id"], link, entries)
            return Response(body, media_type="application/atom+xml")
        # The page lists its articles 50 at a time, and a few quotes of its most quoted
        # speakers (one speaker's all with ``speaker``); the JSON and Markdown give them all.
        shown: dict[str, Any] = {"articles_page": articles_page, "speaker": speaker}
        if speaker is None:
            shown |= {"speakers_shown": SPEAKERS_SHOWN, "quotes_shown": QUOTES_SHOWN}
            shown["also_shown"] = ALSO_SHOWN
        else:
            shown |= {"speakers_shown": 1, "quotes_shown": None, "also_shown": 0}
        return page(request, "story.html", {**data, **shown})

    @app.get("/article/{article_id:path}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(
        request: Request, article_id: str, start: int | None = None, end: int | None = None
    ) -> HTMLResponse:
        with store() as opened:
            return page(
                request, "article.html", article_data(opened, article_id, _span(start, end))
            )

    @app.get("/entity/{name:path}", response_class=HTMLResponse, include_in_schema=False)
    def entity_page(
        request: Request,
        name: str,
        min_confidence: float = _CONFIDENCE,
        page_number: int = _PAGE,
    ) -> HTMLResponse:
        with store() as opened:
            data = entity_data(opened, name, min_confidence=min_confidence, page=page_number)
            return page(request, "entity.html", data)

    @app.get("/export/{table}.{fmt}", summary="Download a table as JSONL, CSV or Parquet")
    def export_table(table: str, fmt: str) -> Response:
        if table not in EXPORTS or fmt not in FORMATS:
            raise NotFound(f"no export {table}.{fmt}")
        buffer = io.BytesIO()
        with store() as opened:
            write_table(opened, table, fmt, buffer)
        media = {"jsonl": "application/x-ndjson", "csv": "text/csv"}.get(
            fmt, "application/vnd.apache.parquet"
        )
        return Response(
            buffer.getvalue(),
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{table}.{fmt}"'},
        )

    @app.get("/search.atom", include_in_schema=False)
    def search_feed(q: str = Query(..., min_length=1, max_length=500)) -> Response:
        with store() as opened:
            data = search_data(opened, q, None, None, None)
        entries = [
            _entry(base, a, a["outlet"] or "") for g in data["groups"] for a in g["articles"]
        ]
        return Response(
            atom(f"Storyline search: {q}", f"{base}/search", entries),
            media_type="application/atom+xml",
        )

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search_page(
        request: Request,
        q: str | None = Query(None, max_length=500),
        entity: str | None = None,
        start: str | None = None,
        end: str | None = None,
        page_number: int = _PAGE,
    ) -> HTMLResponse:
        with store() as opened:
            data = search_data(opened, q, entity, start, end, page=page_number)
            return page(request, "search.html", data)

    return app


class SecurityHeaders:
    """ASGI middleware: the CSP and related headers on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # A new message: the page cache keeps the one it was given.
                docs = scope.get("path", "") in ("/docs", "/static/docs.js") or scope.get(
                    "path", ""
                ).startswith("/docs/")
                added = _DOCS_HEADERS if docs else _SECURITY_HEADERS
                headers = [*message.get("headers", []), *added]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, add_headers if scope["type"] == "http" else send)


class ReadOnlyMethods:
    """ASGI middleware: the methods of a read-only server. HEAD is answered as GET without
    the body, OPTIONS lists the methods, and any other method is refused with 405 and an
    ``Allow`` header (every route is a GET)."""

    ALLOW = b"GET, HEAD, OPTIONS"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "OPTIONS":
            headers = [(b"allow", self.ALLOW), (b"content-length", b"0")]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        if method not in ("GET", "HEAD"):
            headers = [
                (b"allow", self.ALLOW),
                (b"content-type", b"application/json"),
            ]
            body = b'{"error": {"status": 405, "message": "method not allowed: read-only server"}}'
            headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": 405, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        if method == "GET":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


class PageCache:
    """ASGI middleware: GET responses kept until the store changes.

    Pages are pure functions of the store, so any commit, by any process, changes the key.
    Written as plain ASGI rather than ``@app.middleware`` because that wrapper costs more than
    serving a cached page (bench/web.py).
    """

    def __init__(self, app: ASGIApp, db_path: str) -> None:
        self.app = app
        # SQLite's data_version changes when any other connection, in any process, commits;
        # unlike file times it ignores checkpoints, which rewrite files without changing data.
        self.watch = sqlite3.connect(db_path, check_same_thread=False)
        self.pages: OrderedDict[tuple[str, bytes, int], tuple[Message, bytes]] = OrderedDict()
        self.held = 0

    def _version(self) -> int:
        return int(self.watch.execute("PRAGMA data_version").fetchone()[0])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "GET" or path.startswith(_UNCACHED):
            await self.app(scope, receive, send)
            return
        key = (path, scope.get("query_string", b""), self._version())
        if key in self.pages:
            self.pages.move_to_end(key)
            start, body = self.pages[key]
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        parts: list[bytes] = []
        started: list[Message] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.append(message)
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, keep)
        if started and started[0]["status"] == 200:
            body = b"".join(parts)
            self.pages[key] = (started[0], body)
            self.held += len(body)
            while self.held > CACHE_BYTES:
                self.held -= len(self.pages.popitem(last=False)[1][1])


def is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or re.fullmatch(r"127(\.\d+){3}", host) is not None
