"""Subscribed feeds: what ``storyline feeds`` manages and ``storyline watch`` polls."""

from __future__ import annotations

import sqlite3

from storyline.records import Feed
from storyline.store.base import now_iso

__all__ = ["FeedQueries"]


_COLUMNS = (
    "url",
    "title",
    "added_at",
    "etag",
    "last_modified",
    "last_poll",
    "status",
    "articles_added",
    "next_poll",
    "failures",
)


class FeedQueries:
    """Mixed into :class:`~storyline.store.Store`."""

    conn: sqlite3.Connection

    def add_feed(self, url: str) -> bool:
        """Subscribe to ``url``; False when it was subscribed already."""
        cursor = self.conn.execute(
            "INSERT OR IGNORE INTO feeds (url, added_at, status) VALUES (?, ?, 'new')",
            (url, now_iso()),
        )
        return cursor.rowcount == 1

    def remove_feed(self, url: str) -> bool:
        return self.conn.execute("DELETE FROM feeds WHERE url = ?", (url,)).rowcount == 1

    def feeds(self) -> list[Feed]:
        rows = self.conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM feeds ORDER BY url")
        return [Feed(*row) for row in rows]

    def due_feeds(self, now: str) -> list[Feed]:
        """Feeds never polled or whose next poll has come, the longest waiting first."""
        rows = self.conn.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM feeds WHERE next_poll IS NULL OR next_poll <= ?"
            " ORDER BY COALESCE(next_poll, ''), url",
            (now,),
        )
        return [Feed(*row) for row in rows]

    def record_poll(self, feed: Feed) -> None:
        """Keep what a poll learned (the feed as it stands after the poll)."""
        self.conn.execute(
            "UPDATE feeds SET title = ?, etag = ?, last_modified = ?, last_poll = ?, status = ?,"
            " articles_added = ?, next_poll = ?, failures = ? WHERE url = ?",
            (
                feed.title,
                feed.etag,
                feed.last_modified,
                feed.last_poll,
                feed.status,
                feed.articles_added,
                feed.next_poll,
                feed.failures,
                feed.url,
            ),
        )
