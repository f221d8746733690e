"""Following feeds: when to poll a subscribed feed again, and OPML lists of feeds.

Plain functions over :class:`~storyline.records.Feed` records; polling them into the store is
the runner's business (:func:`storyline.runner.poll_feeds`).

When to poll again: every ``every`` seconds, but never sooner than the server asked
(``Cache-Control: max-age``, an RSS ``<ttl>`` in minutes, ``Retry-After``), and after failures
ever later (doubling, at most a day), so a broken feed costs little and a healthy one is read
as often as the user wants and its publisher allows.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable
from datetime import datetime, timedelta
from xml.sax.saxutils import quoteattr

from storyline.errors import SourceError
from storyline.records import Feed

__all__ = ["MAX_BACKOFF", "feed_facts", "max_age", "next_poll", "opml", "read_opml"]

#: The longest wait after failures, in seconds.
MAX_BACKOFF = 24 * 3600

_MAX_AGE = re.compile(r"(?:^|[,\s])(?:s-)?max-age\s*=\s*(\d+)", re.I)
_TTL = re.compile(rb"<ttl>\s*(\d+)\s*</ttl>", re.I)
_TITLE = re.compile(rb"<title[^>]*>\s*(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?\s*</title>", re.I | re.S)


def max_age(cache_control: str | None) -> float | None:
    """Seconds a ``Cache-Control`` header lets a copy be reused, if it says."""
    found = _MAX_AGE.search(cache_control or "")
    return float(found.group(1)) if found else None


def feed_facts(content: bytes) -> tuple[str | None, float | None]:
    """(title, seconds of its ``<ttl>``) of a feed's bytes, where it gives them."""
    head = content[:65536]
    title = _TITLE.search(head)
    ttl = _TTL.search(head)
    name = title.group(1).decode("utf-8", "replace").strip() if title else None
    return name or None, (float(ttl.group(1)) * 60 if ttl else None)


def next_poll(
    now: datetime,
    every: float,
    *,
    failures: int = 0,
    at_least: Iterable[float | None] = (),
) -> str:
    """When to poll a feed again (ISO time): ``every`` seconds from ``now``, doubled for each
    failure in a row (at most :data:`MAX_BACKOFF`), and no sooner than any of ``at_least``."""
    wait = every * 2**failures if failures else every
    wait = min(wait, max(every, MAX_BACKOFF))
    wait = max([wait, *(seconds for seconds in at_least if seconds is not None)])
    return (now + timedelta(seconds=wait)).isoformat(timespec="seconds")


def read_opml(content: bytes, origin: str) -> list[str]:
    """The feed URLs an OPML file lists (``outline`` elements with an ``xmlUrl``), in order."""
    try:
        root = ElementTree.fromstring(content)  # expat: no external entities, bounded expansion
    except ElementTree.ParseError as exc:
        raise SourceError(origin, f"not an OPML file ({exc})") from exc
    urls = [node.get("xmlUrl") or "" for node in root.iter("outline")]
    return list(dict.fromkeys(url.strip() for url in urls if url.strip()))


def opml(feeds: Iterable[Feed], *, title: str = "Storyline subscriptions") -> str:
    """An OPML 2.0 document listing ``feeds``."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<opml version="2.0">',
        f"<head><title>{_text(title)}</title></head>",
        "<body>",
    ]
    for feed in feeds:
        name = feed.title or feed.url
        lines.append(
            f'<outline type="rss" text={quoteattr(name)} title={quoteattr(name)}'
            f" xmlUrl={quoteattr(feed.url)}/>"
        )
    lines += ["</body>", "</opml>"]
    return "\n".join(lines) + "\n"


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
