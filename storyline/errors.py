"""Storyline's exceptions, one small hierarchy::

    StorylineError
    ├── SourceError        a file, record or URL that cannot be turned into an article
    │   ├── FetchError     the network answered with an error, timed out or refused
    │   └── ExtractionError the content was read but holds no usable article
    ├── StoreError         the database cannot be opened, migrated or written
    ├── NotFound           no story, article or entity with that id or name
    └── BadRequest         a query that cannot be answered (a bad date, an empty span)

Third-party errors are wrapped where they enter (``raise SourceError(...) from exc``) so that
callers handle one family. A :class:`SourceError` always names its origin; batch code turns it
into a :class:`storyline.records.Problem` and carries on with the next record.
"""

from __future__ import annotations


class StorylineError(Exception):
    """Base class of every error Storyline raises on purpose."""


class SourceError(StorylineError):
    """An input that cannot become an article: names the file, record or URL and the reason."""

    def __init__(self, origin: str, reason: str) -> None:
        super().__init__(f"{origin}: {reason}")
        self.origin = origin
        self.reason = reason


class FetchError(SourceError):
    """Fetching a URL failed (HTTP error status, timeout, refused connection, robots.txt)."""

    #: Seconds the server asked us to wait (Retry-After on a 429/503), when it said.
    retry_after: float | None = None


class ExtractionError(SourceError):
    """The input was read but no article text could be extracted from it."""


class StoreError(StorylineError):
    """The SQLite store cannot be opened, migrated or written."""


class NotFound(StorylineError):
    """No such story, article or entity."""


class BadRequest(StorylineError):
    """A query that cannot be answered (a bad date, a span outside the article)."""
