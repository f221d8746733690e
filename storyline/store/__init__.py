"""The store: one SQLite file, WAL mode, versioned migrations, FTS5 over articles.

Owns every SQL statement; nothing outside this package and the shells writes SQL. Split by
concern: :mod:`~storyline.store.schema` (migrations), :mod:`~storyline.store.articles`
(articles and copies), :mod:`~storyline.store.analyses` (analyses, entities, quotes),
:mod:`~storyline.store.stories` (stories, tellings, the clusterer's state),
:mod:`~storyline.store.search` (listing and full-text search), :mod:`~storyline.store.export`
(table exports). Methods return records (:mod:`storyline.records`) or plain rows for listings.

Every write that belongs together happens in one transaction (:meth:`Store.transaction`), so
a process killed half-way leaves whole articles or none; ingestion is keyed on deterministic
article ids, so a rerun skips what is stored and completes the rest.

May import: :mod:`storyline.records`, :mod:`storyline.errors` and
:func:`storyline.analysis.gazetteer.name_key` (the store-wide entity key, a SQL function).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from storyline.analysis.gazetteer import name_key
from storyline.errors import StoreError
from storyline.ingest.bands import band_key
from storyline.records import Duplicate, Feed, Problem
from storyline.store.base import ARTICLE_COLUMNS, now_iso
from storyline.store.feeds import FeedQueries
from storyline.store.schema import MIGRATIONS, migrate
from storyline.store.search import SearchQueries, fts_query
from storyline.store.stories import StoryQueries

__all__ = [
    "ARTICLE_COLUMNS",
    "DB_ENV",
    "DEFAULT_DB",
    "MIGRATIONS",
    "Duplicate",
    "Feed",
    "Store",
    "default_db_path",
    "fts_query",
    "now_iso",
    "open_store",
]

DEFAULT_DB = "storyline.db"
DB_ENV = "STORYLINE_DB"


def default_db_path() -> str:
    return os.environ.get(DB_ENV) or DEFAULT_DB


class Store(SearchQueries, FeedQueries, StoryQueries):
    """A Storyline database. Open with :func:`open_store`; use as a context manager."""

    # -- problems and statistics -------------------------------------------------------------

    def record_problems(self, problems: Iterable[Problem], *, stage: str) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO problems (stage, origin, reason, at) VALUES (?, ?, ?, ?)",
                [(stage, p.origin, p.reason, now_iso()) for p in problems],
            )

    def known_problems(self, *, stage: str) -> set[tuple[str, str]]:
        """(origin, reason) of every problem recorded for ``stage``."""
        rows = self.conn.execute(
            "SELECT origin, reason FROM problems WHERE stage = ?", (stage,)
        ).fetchall()
        return {(str(origin), str(reason)) for origin, reason in rows}

    def stats(self) -> dict[str, Any]:
        def count(sql: str) -> int:
            return int(self.conn.execute(sql).fetchone()[0])

        return {
            "articles": count("SELECT COUNT(*) FROM articles"),
            "outlets": count("SELECT COUNT(DISTINCT outlet) FROM articles"),
            "copies": count("SELECT COUNT(*) FROM duplicates"),
            "analysed": count("SELECT COUNT(*) FROM analyses"),
            "entities": count("SELECT COUNT(*) FROM entities"),
            "problems": count("SELECT COUNT(*) FROM problems"),
            "stories": count("SELECT COUNT(DISTINCT story_id) FROM story_articles"),
            "languages": dict(
                self.conn.execute(
                    "SELECT COALESCE(language, '?'), COUNT(*) FROM articles"
                    " GROUP BY 1 ORDER BY 2 DESC"
                ).fetchall()
            ),
        }


def _set_up(conn: sqlite3.Connection) -> None:
    """WAL mode and the schema, retried while another process sets the same new file up.

    Switching a new file to WAL needs it alone, and SQLite answers "database is locked" at
    once, without waiting out the busy timeout, when waiting could deadlock (two processes
    opening one new store together each hold a read lock the other's switch needs).
    """
    deadline = time.monotonic() + 10
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            migrate(conn)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def open_store(path: str | os.PathLike[str] | None = None, *, create: bool = True) -> Store:
    """Open (creating and migrating as needed) the store at ``path`` (default: see README).

    With ``create=False`` a missing file is an error instead of a new, empty store: what a
    command that only reads wants (a mistyped ``--db`` must not answer "no such story").
    """
    target = str(path) if path is not None else default_db_path()
    if target != ":memory:":
        parent = Path(target).resolve().parent
        if not parent.is_dir():
            raise StoreError(f"{target}: folder {parent} does not exist")
        if not create and not Path(target).is_file():
            raise StoreError(f"{target}: no such store (run storyline ingest first)")
    conn = None
    try:
        conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        # The busy timeout first: switching a new file to WAL takes a lock that another
        # process opening the same new store may hold for a moment.
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("PRAGMA synchronous = NORMAL")
        # A merge of the band index's large levels (store.articles.LEVEL_ROWS) writes
        # hundreds of MB to the WAL in one transaction; without a limit the WAL file would
        # keep that size on disk after the checkpoint.
        conn.execute("PRAGMA journal_size_limit = 67108864")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.create_function("storyline_name_key", 1, name_key, deterministic=True)
        conn.create_function("storyline_band_key", 2, band_key, deterministic=True)
        _set_up(conn)
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        raise StoreError(f"{target}: cannot open as a Storyline database ({exc})") from exc
    return Store(conn, target)
