"""The connection every part of the store shares: transactions and the row → record helpers."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Self

from storyline.records import (
    ARTICLE_FIELDS,
    Article,
)

#: The ``articles`` columns: the fields of :class:`~storyline.records.Article`.
ARTICLE_COLUMNS = ARTICLE_FIELDS
#: The article columns of the ``articles`` table aliased ``a``, for SELECT lists.
A_COLUMNS = ", ".join("a." + column for column in ARTICLE_COLUMNS)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


#: Ids of the analysed articles that name an entity, given as any spelling of its name.
_NAMING = (
    "SELECT m.article_id FROM mentions m JOIN entities e ON e.id = m.entity_id"
    " WHERE e.key = storyline_name_key(?)"
)


class StoreBase:
    """A Storyline database connection. Open with :func:`storyline.store.open_store`."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All statements inside commit together or not at all."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])


def _article(row: tuple[Any, ...] | sqlite3.Row) -> Article:
    return Article(**dict(zip(ARTICLE_COLUMNS, row, strict=True)))
