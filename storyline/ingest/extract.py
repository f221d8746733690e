"""From raw content to an :class:`~storyline.records.Article`: text, metadata, language.

HTML goes through trafilatura (main text, title, author, site name, date from the page's own
markup). What trafilatura does not decide we add here: where the date came from (page markup,
feed, web address or nowhere), language identification (py3langid, which ships its model),
and the checks that turn unusable input into a named :class:`ExtractionError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import py3langid
import trafilatura
from trafilatura.settings import use_config
from trafilatura.utils import decode_file

from storyline.errors import ExtractionError
from storyline.ingest import DEFAULT_MAX_BYTES
from storyline.records import Article, DateSource, content_hash, make_id

#: Inputs above this size are refused before parsing (a news page is rarely over 2 MB).
#: Below this many characters of main text a page is not taken as an article. trafilatura's
#: default (250) drops short wire briefs, which are exactly what news monitoring needs.
MIN_TEXT_CHARS = 80
#: Language identification on very short texts is a guess; below this we store ``None``.
MIN_LANGUAGE_CHARS = 40

_TRAFILATURA_CONFIG = use_config()
_TRAFILATURA_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", str(MIN_TEXT_CHARS))
_TRAFILATURA_CONFIG.set("DEFAULT", "MIN_OUTPUT_SIZE", str(MIN_TEXT_CHARS))
# Dates only from the page's markup: the text body and the web address are judged separately
# so that Article.published_source can say where a date came from.
_TRAFILATURA_CONFIG.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")

_URL_DATE = re.compile(
    r"/(?P<y>(?:19|20)\d{2})[/-](?P<m>0[1-9]|1[0-2])[/-](?P<d>0[1-9]|[12]\d|3[01])(?:/|[-_.]|$)"
)


@dataclass(frozen=True, slots=True)
class Hints:
    """What the source knows about a page before extraction (a feed entry, a WARC header)."""

    url: str | None = None
    title: str | None = None
    published: str | None = None
    published_source: DateSource = "none"
    outlet: str | None = None
    author: str | None = None


def detect_language(text: str) -> str | None:
    sample = text[:4000]
    if len(sample.strip()) < MIN_LANGUAGE_CHARS:
        return None
    language, _score = py3langid.classify(sample)
    return str(language)


def outlet_from_url(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def date_from_url(url: str | None) -> str | None:
    """A publication date written in a web address (``/2017/02/17/``), if any and valid."""
    if not url:
        return None
    match = _URL_DATE.search(urlsplit(url).path)
    if match is None:
        return None
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
    except ValueError:
        return None


def check_bytes(data: bytes, origin: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Refuse empty, oversized and binary content with a reason a user can act on."""
    if not data.strip():
        raise ExtractionError(origin, "empty file")
    if len(data) > max_bytes:
        raise ExtractionError(
            origin, f"too large ({len(data):,} bytes; limit {max_bytes:,}, see --max-bytes)"
        )
    head = data[:8192]
    if b"\x00" in head and not (head.startswith((b"\xff\xfe", b"\xfe\xff"))):
        raise ExtractionError(origin, "binary content, not HTML or text")


def article_from_html(
    html: bytes | str,
    origin: str,
    *,
    hints: Hints | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Article:
    """Extract one article from an HTML page. Raises :class:`ExtractionError` when unusable."""
    hints = hints or Hints()
    data = html.encode("utf-8") if isinstance(html, str) else html
    check_bytes(data, origin, max_bytes=max_bytes)
    try:
        # trafilatura decodes bytes itself (declared charset, then detection), which copes
        # with wrong and mixed encodings better than a strict decode here would.
        meta = _extract(data)
        if len(meta.get("text") or "") < MIN_TEXT_CHARS:
            # libxml2's HTML parser stops at 256 levels of nesting and drops what is deeper
            # (issue 22); a page whose text was lost is parsed again without that limit.
            deep = _extract(_parse_deep(data))
            if len(deep.get("text") or "") > len(meta.get("text") or ""):
                meta = deep
    except Exception as exc:  # trafilatura raises assorted lxml/parser errors
        raise ExtractionError(origin, f"cannot parse HTML ({type(exc).__name__}: {exc})") from exc
    if not meta:
        raise ExtractionError(origin, "no article text found in the page")
    text = _strip_title_line(meta.get("text") or "", meta.get("title"))
    if len(text) < MIN_TEXT_CHARS:
        raise ExtractionError(
            origin, f"article text too short ({len(text)} characters; at least {MIN_TEXT_CHARS})"
        )
    published, source = _choose_date(meta.get("date"), hints)
    return build_article(
        text=text,
        title=hints.title or meta.get("title"),
        url=hints.url,
        outlet=hints.outlet or meta.get("sitename") or outlet_from_url(hints.url),
        author=hints.author or meta.get("author"),
        published=published,
        published_source=source,
        origin=origin,
    )


def _extract(page: bytes | lxml.html.HtmlElement) -> dict[str, Any]:
    """trafilatura's text and metadata of a page ({} when it finds none).

    No url is given: htmldate would read a date out of the address and we could no longer
    tell a date in the page's markup from one in its URL (judged in _choose_date)."""
    document = trafilatura.bare_extraction(
        page,
        with_metadata=True,
        favor_recall=True,
        include_comments=False,
        include_tables=False,
        config=_TRAFILATURA_CONFIG,
    )
    if document is None:
        return {}
    return document if isinstance(document, dict) else dict(document.as_dict())


def _parse_deep(data: bytes) -> lxml.html.HtmlElement:
    """The page parsed with libxml2's limits lifted (decoded as trafilatura decodes it)."""
    parser = lxml.html.HTMLParser(huge_tree=True)
    return lxml.html.fromstring(decode_file(data), parser=parser)


def build_article(
    *,
    text: str,
    origin: str,
    article_id: str | None = None,
    title: str | None = None,
    url: str | None = None,
    outlet: str | None = None,
    author: str | None = None,
    published: str | None = None,
    published_source: DateSource = "none",
) -> Article:
    """Make an article with its derived fields (id, content hash, language).

    The id is the record's own when it has one, else derived from the URL, else from the text:
    the same input always gets the same id, which is what makes re-ingestion a no-op.
    """
    digest = content_hash(text)
    if article_id is None:
        article_id = make_id("url", url) if url else make_id("text", digest)
    return Article(
        id=article_id,
        text=text,
        title=(title or "").strip() or None,
        url=url,
        outlet=(outlet or "").strip() or None,
        author=(author or "").strip() or None,
        published=published,
        published_source=published_source if published else "none",
        language=detect_language(text),
        content_hash=digest,
        origin=origin,
    )


def _choose_date(page_date: str | None, hints: Hints) -> tuple[str | None, DateSource]:
    # The page's own markup is the most specific; a feed's date is next (feeds often give the
    # update time); a date in the address is last.
    if page_date:
        return page_date, "metadata"
    if hints.published:
        return hints.published, hints.published_source
    url_date = date_from_url(hints.url)
    if url_date:
        return url_date, "url"
    return None, "none"


def _strip_title_line(text: str, title: str | None) -> str:
    """trafilatura keeps the page's <h1> as the first line; the title is stored apart."""
    text = text.strip()
    if title:
        first, _, rest = text.partition("\n")
        if first.strip() == title.strip() and rest.strip():
            return rest.strip()
    return text
