"""Readers for every kind of source; each yields articles and problems, never raises for one
bad record.

==========  ====================================================================
kind        what a SOURCE argument can be
==========  ====================================================================
jsonl       a ``.jsonl`` file or ``-`` (stdin), one article per line (FORMATS.md)
html        an ``.html`` file, or a folder holding any of these kinds
feed        an RSS/Atom file or URL; the pages it links to are fetched
url         an ``http(s)`` address of an article page
urls        a ``.txt`` / ``.urls`` file listing addresses, one a line
warc        a ``.warc`` / ``.warc.gz`` archive; HTML responses only
==========  ====================================================================

A file's kind comes from its extension, or from its first bytes when the extension says
nothing. Every reader takes the same :class:`SourceOptions` and yields
``Article | Problem``; :func:`read_sources` composes them.
"""

from __future__ import annotations

import html
import io
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import feedparser
from warcio.archiveiterator import ArchiveIterator

from storyline.errors import SourceError
from storyline.ingest import DEFAULT_MAX_BYTES, KINDS
from storyline.ingest.extract import MIN_TEXT_CHARS, Hints, article_from_html, build_article
from storyline.ingest.fetch import Fetcher, FetchOptions, allow_private_from_env
from storyline.records import Article, Problem

Item = Article | Problem

_EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".rss": "feed",
    ".atom": "feed",
    ".xml": "feed",
    ".warc": "warc",
    ".warc.gz": "warc",
    ".txt": "urls",
    ".urls": "urls",
}
#: Kinds read when walking a folder; URL lists are left out so that a folder never starts
#: network traffic the user did not ask for by name.
_FOLDER_KINDS = frozenset({"jsonl", "html", "feed", "warc"})


@dataclass(slots=True)
class SourceOptions:
    max_bytes: int = DEFAULT_MAX_BYTES
    #: Force one kind for every SOURCE instead of guessing it.
    kind: str | None = None
    #: Tells whether a URL is stored already, so that reruns skip fetching it.
    known_url: Callable[[str], bool] = field(default=lambda url: False)
    fetcher: Fetcher | None = None
    stdin: IO[bytes] | None = None

    def get_fetcher(self) -> Fetcher:
        if self.fetcher is None:
            self.fetcher = Fetcher(FetchOptions(allow_private=allow_private_from_env()))
        return self.fetcher


def read_sources(sources: Iterable[str], options: SourceOptions | None = None) -> Iterator[Item]:
    """Every article and problem from every source, in order."""
    options = options or SourceOptions()
    for source in sources:
        try:
            yield from read_source(source, options)
        except SourceError as exc:
            yield Problem(exc.origin, exc.reason)
        except OSError as exc:
            yield Problem(source, f"cannot read ({exc.strerror or exc})")


def read_source(source: str, options: SourceOptions) -> Iterator[Item]:
    if source == "-":
        stream = options.stdin or sys.stdin.buffer
        yield from read_jsonl(stream, "<stdin>", options)
        return
    if source.startswith(("http://", "https://")):
        yield from read_remote(source, options)
        return
    path = Path(source)
    if path.is_dir():
        yield from read_folder(path, options)
        return
    if not path.exists():
        raise SourceError(source, "no such file or folder")
    kind = options.kind or kind_of(path)
    yield from read_file(path, kind, options)


def kind_of(path: Path) -> str:
    """The kind of a file from its name, or from its first bytes when the name says nothing."""
    name = path.name.lower()
    for extension, kind in _EXTENSIONS.items():
        if name.endswith(extension):
            return kind
    with path.open("rb") as handle:
        head = handle.read(512)
    return sniff(head, str(path))


def sniff(head: bytes, origin: str) -> str:
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"\x1f\x8b") or stripped.startswith(b"warc/"):
        return "warc"
    if stripped.startswith(b"{"):
        return "jsonl"
    if stripped.startswith((b"<rss", b"<feed", b"<rdf")) or (
        stripped.startswith(b"<?xml") and (b"<rss" in stripped or b"<feed" in stripped)
    ):
        return "feed"
    if stripped.startswith(b"<"):
        return "html"
    if stripped.startswith((b"http://", b"https://")):
        return "urls"
    raise SourceError(origin, "unrecognised file type (use --kind to say what it is)")


def read_file(path: Path, kind: str, options: SourceOptions) -> Iterator[Item]:
    origin = str(path)
    if kind == "jsonl":
        with path.open("rb") as handle:
            yield from read_jsonl(handle, origin, options)
    elif kind == "html":
        yield _guard(
            origin,
            lambda: article_from_html(
                _read_limited(path, options.max_bytes), origin, max_bytes=options.max_bytes
            ),
        )
    elif kind == "feed":
        yield from read_feed(_read_limited(path, options.max_bytes), origin, options)
    elif kind == "urls":
        yield from read_url_list(path, options)
    elif kind == "warc":
        yield from read_warc(path, options)
    else:
        raise SourceError(origin, f"unknown kind {kind!r} (one of {', '.join(KINDS)})")


def read_folder(folder: Path, options: SourceOptions) -> Iterator[Item]:
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        try:
            kind = options.kind or kind_of(path)
        except SourceError:
            continue  # not ours (a README, an image); files named by the user are judged
        if kind in _FOLDER_KINDS:
            try:
                yield from read_file(path, kind, options)
            except SourceError as exc:
                yield Problem(exc.origin, exc.reason)


def _read_limited(path: Path, max_bytes: int) -> bytes:
    size = path.stat().st_size
    if size > max_bytes:
        raise SourceError(
            str(path), f"too large ({size:,} bytes; limit {max_bytes:,}, see --max-bytes)"
        )
    return path.read_bytes()


def _guard(origin: str, make: Callable[..., Article], *args: Any, **kwargs: Any) -> Item:
    """``make(*args, **kwargs)``, or the problem it raised: one bad record never stops a batch."""
    try:
        return make(*args, **kwargs)
    except SourceError as exc:
        return Problem(exc.origin, exc.reason)


# -- JSONL ------------------------------------------------------------------------------------

_JSONL_FIELDS = {"id", "text", "title", "published", "source", "url", "author"}


def read_jsonl(stream: IO[bytes], origin: str, options: SourceOptions) -> Iterator[Item]:
    """Articles from JSONL, one per line; a bad line is a problem and the next line goes on."""
    records = 0
    for number, (raw, size) in enumerate(bounded_lines(stream, options.max_bytes), start=1):
        where = f"{origin}:{number}"
        if raw is None:
            yield Problem(where, f"line too long ({size:,} bytes; limit {options.max_bytes:,})")
            records += 1
            continue
        if not raw.strip():
            continue
        records += 1
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            yield Problem(
                where, f"not UTF-8 (byte {exc.start}: {raw[exc.start : exc.start + 1]!r})"
            )
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            # Some of json's messages end in "at" ("Invalid control character at").
            message = exc.msg.removesuffix(" at")
            yield Problem(where, f"invalid JSON ({message} at column {exc.colno})")
            continue
        except ValueError as exc:  # an integer of more digits than Python converts
            yield Problem(where, f"invalid JSON ({exc})")
            continue
        except RecursionError:
            yield Problem(where, "invalid JSON (nested too deeply)")
            continue
        yield _guard(where, article_from_record, record, where)
    if records == 0:
        yield Problem(origin, "no records (the file is empty)")


#: Bytes read at a time while skipping the rest of a line that is over the limit.
_SKIP_CHUNK = 1 << 20


def bounded_lines(stream: IO[bytes], limit: int) -> Iterator[tuple[bytes | None, int]]:
    """Each line of ``stream`` with its size in bytes; a line over ``limit`` bytes comes as
    ``None`` with its size, skipped in chunks: it is never held whole in memory."""
    while raw := stream.readline(limit + 1):
        if len(raw) <= limit:
            yield raw, len(raw)
            continue
        size = len(raw)
        while not raw.endswith(b"\n") and (raw := stream.readline(_SKIP_CHUNK)):
            size += len(raw)
        yield None, size


def article_from_record(record: Any, origin: str) -> Article:
    """An article from one record of the shared JSONL format (FORMATS.md)."""
    if not isinstance(record, dict):
        raise SourceError(origin, f"expected a JSON object, got {type(record).__name__}")
    for key in _JSONL_FIELDS & record.keys():
        if record[key] is not None and not isinstance(record[key], str):
            raise SourceError(
                origin, f"field {key!r} must be a string, got {type(record[key]).__name__}"
            )
    text = record.get("text")
    if not text or not text.strip():
        raise SourceError(origin, "missing field 'text'" if text is None else "empty 'text'")
    published = record.get("published")
    if published is not None:
        published = _iso_date(published, origin)
    label = origin if record.get("id") is None else f"{origin} (id {record['id']})"
    return build_article(
        text=text,
        origin=label,
        article_id=record.get("id") or None,
        title=record.get("title"),
        url=record.get("url"),
        outlet=record.get("source"),
        author=record.get("author"),
        published=published,
        published_source="record",
    )


def _iso_date(value: str, origin: str) -> str:
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        raise SourceError(origin, f"'published' is not an ISO-8601 date: {value!r}") from None


# -- feeds and URLs ---------------------------------------------------------------------------


def read_remote(url: str, options: SourceOptions) -> Iterator[Item]:
    """A URL: a feed when it parses as one, otherwise an article page."""
    if options.known_url(url):
        return
    response = options.get_fetcher().get(url)
    looks_like_feed = (
        any(marker in response.content_type for marker in ("xml", "rss", "atom"))
        and "html" not in response.content_type
    )
    if looks_like_feed:
        yield from read_feed(response.content, url, options)
    else:
        yield _guard(
            url,
            lambda: article_from_html(
                response.content, url, hints=Hints(url=response.url), max_bytes=options.max_bytes
            ),
        )


def read_feed(content: bytes, origin: str, options: SourceOptions) -> Iterator[Item]:
    parsed = feedparser.parse(content)
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS/Atom feed found"
        raise SourceError(origin, f"not a feed ({reason})")
    outlet = parsed.feed.get("title")
    for number, entry in enumerate(parsed.entries, start=1):
        link = entry.get("link")
        if not link:
            yield Problem(f"{origin} entry {number}", "feed entry has no link")
            continue
        if options.known_url(link):
            continue
        hints = Hints(
            url=link,
            title=entry.get("title"),
            published=_feed_date(entry),
            published_source="feed",
            outlet=outlet,
            author=entry.get("author"),
        )
        page = _fetch_page(link, hints, options)
        kept = _from_feed_item(entry, hints, origin) if isinstance(page, Problem) else None
        if kept is None or not isinstance(page, Problem):
            yield page
            continue
        # The page failed but the feed carried the item's own words: they stand in for it.
        yield Problem(page.origin, f"{page.reason} (kept the feed's own title and summary)")
        yield kept


def _from_feed_item(entry: Any, hints: Hints, origin: str) -> Article | None:
    """An article from a feed item's own summary (or content), when it says enough."""
    body = entry.get("summary") or ""
    for part in entry.get("content") or ():
        if len(part.get("value") or "") > len(body):
            body = part["value"]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
    if len(text) < MIN_TEXT_CHARS:
        return None
    return build_article(
        text=text,
        title=hints.title,
        url=hints.url,
        outlet=hints.outlet,
        author=hints.author,
        published=hints.published,
        published_source=hints.published_source,
        origin=f"{origin} item {hints.url}",
    )


def read_url_list(path: Path, options: SourceOptions) -> Iterator[Item]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.decode("utf-8", errors="replace").strip()
            if not line or line.startswith("#"):
                continue
            if not line.startswith(("http://", "https://")):
                yield Problem(f"{path}:{number}", f"not an http(s) URL: {line[:80]!r}")
                continue
            if options.known_url(line):
                continue
            yield _fetch_page(line, Hints(url=line), options)


def _fetch_page(url: str, hints: Hints, options: SourceOptions) -> Item:
    try:
        response = options.get_fetcher().get(url)
        return article_from_html(response.content, url, hints=hints, max_bytes=options.max_bytes)
    except SourceError as exc:
        return Problem(exc.origin, exc.reason)


def _feed_date(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            return datetime(*value[:6]).date().isoformat()
    return None


# -- WARC -------------------------------------------------------------------------------------


def read_warc(path: Path, options: SourceOptions) -> Iterator[Item]:
    """HTML responses of a WARC / WARC.gz archive; a truncated archive yields what precedes the
    damage and one problem naming the offset."""
    with path.open("rb") as handle:
        yield from read_warc_stream(handle, str(path), options)


def read_warc_stream(handle: IO[bytes], origin: str, options: SourceOptions) -> Iterator[Item]:
    """:func:`read_warc` over an open, seekable binary stream (a file, or bytes that Spark
    read from HDFS or S3)."""
    size = handle.seek(0, 2)
    handle.seek(0)
    end = 0  # where the last complete record ended
    records = ArchiveIterator(handle, arc2warc=True)
    while True:
        try:
            record = next(records)
            item = _warc_item(record, origin, options)
            records.read_to_end(record)
            # A record cut short by the end of the file reads quietly; its reader still owes
            # the bytes that its Content-Length promised.
            missing = getattr(record.raw_stream, "limit", 0)
            if missing:
                yield Problem(
                    f"{origin} at byte {end:,}",
                    f"truncated or corrupt WARC (the last record lacks {missing:,} bytes)",
                )
                return
            end = records.get_record_offset() + records.get_record_length()
        except StopIteration:
            break
        except Exception as exc:  # warcio raises ArchiveLoadFailed, zlib, EOF and OS errors
            yield Problem(
                f"{origin} at byte {end:,}",
                f"truncated or corrupt WARC ({type(exc).__name__}: {exc})",
            )
            return
        if item is not None:
            yield item
    # warcio stops quietly at a gzip member cut short; the offsets tell.
    handle.seek(end)
    if handle.read(4096).strip(b"\r\n\x00 "):
        yield Problem(
            f"{origin} at byte {end:,}",
            f"truncated or corrupt WARC ({size - end:,} bytes after the last"
            " complete record could not be read)",
        )


def read_bytes(data: bytes, origin: str, options: SourceOptions) -> Iterator[Item]:
    """Articles and problems from a whole file's bytes (JSONL or WARC, told by its name or
    its first bytes), for files that only a distributed filesystem can open."""
    name = origin.lower()
    kind = options.kind or next(
        (kind for ext, kind in _EXTENSIONS.items() if name.endswith(ext)), None
    )
    if kind is None:
        try:
            kind = sniff(data[:512], origin)
        except SourceError as exc:
            yield Problem(exc.origin, exc.reason)
            return
    stream = io.BytesIO(data)
    if kind == "jsonl":
        yield from read_jsonl(stream, origin, options)
    elif kind == "warc":
        yield from read_warc_stream(stream, origin, options)
    else:
        yield Problem(origin, f"not read: {kind} files are read from local paths only")


def _warc_item(record: Any, origin: str, options: SourceOptions) -> Item | None:
    if record.rec_type != "response" or record.http_headers is None:
        return None
    content_type = record.http_headers.get_header("Content-Type") or ""
    status = record.http_headers.get_statuscode()
    if "html" not in content_type.lower() or status != "200":
        return None
    url = record.rec_headers.get_header("WARC-Target-URI")
    record_id = record.rec_headers.get_header("WARC-Record-ID") or url
    where = f"{origin}#{record_id}"
    payload = record.content_stream().read(options.max_bytes + 1)
    if options.known_url(url):
        return None
    if len(payload) > options.max_bytes:
        # Only max_bytes + 1 bytes were read: the size to report is the record's own.
        length = record.rec_headers.get_header("Content-Length") or "?"
        size = f"{int(length):,}" if length.isdigit() else length
        return Problem(
            where,
            f"too large (WARC record of {size} bytes; limit {options.max_bytes:,},"
            " see --max-bytes)",
        )
    return _guard(
        where,
        lambda: article_from_html(
            payload, where, hints=Hints(url=url), max_bytes=options.max_bytes
        ),
    )


__all__ = [
    "KINDS",
    "Item",
    "SourceOptions",
    "read_bytes",
    "read_source",
    "read_sources",
    "sniff",
]
