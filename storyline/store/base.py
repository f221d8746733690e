"""The connection every part of the store shares: transactions and the row → record helpers."""

from __future__ import annotations

import fcntl
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import IO, Any, Self, TypeVar

from storyline.records import (
    ARTICLE_FIELDS,
    Article,
)

#: The ``articles`` columns: the fields of :class:`~storyline.records.Article`.
ARTICLE_COLUMNS = ARTICLE_FIELDS
#: The article columns of the ``articles`` table aliased ``a``, for SELECT lists.
A_COLUMNS = ", ".join("a." + column for column in ARTICLE_COLUMNS)


_T = TypeVar("_T")
#: Longest a batch of transactions stays uncommitted (:meth:`StoreBase.batched`), seconds:
#: what a killed ingest can lose, and how stale a reader's view of a running one can be.
BATCH_SECONDS = 0.5
#: Values bound in one ``IN (...)`` list: SQLite before 3.32 allows 999 bound parameters.
IN_CHUNK = 500


def in_chunks(values: Sequence[_T]) -> Iterator[tuple[Sequence[_T], str]]:
    """``values`` a chunk of IN_CHUNK at a time, each with its ``?, ?, ...`` placeholders."""
    for at in range(0, len(values), IN_CHUNK):
        chunk = values[at : at + IN_CHUNK]
        yield chunk, ", ".join("?" for _ in chunk)


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
        #: Called once when :meth:`writer` has to wait for another process's writer.
        self.on_wait: Callable[[], None] | None = None
        self._lock: IO[bytes] | None = None
        self._writers = 0
        #: Inside :meth:`batched`; when its open transaction began (None: none open); how
        #: many transactions are open inside one another.
        self._batching = False
        self._batch_began: float | None = None
        self._depth = 0

    @contextmanager
    def writer(self) -> Iterator[None]:
        """Be the store's only writer for the duration (reentrant within this process).

        Two ingests at once would each check "is this id stored?", "which stored article does
        this copy?" and "what is not analysed yet?" before the other committed, and store what
        a sequential run would not (duplicate inserts, missed copy links, double analyses). An
        exclusive lock on ``PATH.lock`` (``flock``: released by the kernel when a process dies,
        so a killed writer never leaves it held) makes concurrent writers take turns; readers
        (``serve``, ``stories``...) never take it.
        """
        if self._writers == 0 and self.path != ":memory:":
            handle = open(self.path + ".lock", "ab")  # noqa: SIM115 (held across the yield)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if self.on_wait is not None:
                    self.on_wait()
                fcntl.flock(handle, fcntl.LOCK_EX)
            self._lock = handle
        self._writers += 1
        try:
            yield
        finally:
            self._writers -= 1
            if self._writers == 0 and self._lock is not None:
                fcntl.flock(self._lock, fcntl.LOCK_UN)
                self._lock.close()
                self._lock = None

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        self.conn.close()
        if self._lock is not None:  # closed inside writer(): the lock goes with it
            self._lock.close()
            self._lock = None
            self._writers = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All statements inside commit together or not at all.

        Inside :meth:`batched` (or another transaction) it is a savepoint: rolled back alone
        if it fails, committed with the batch when the batch is due.
        """
        if not self._batching and self._depth == 0:
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            finally:
                self._depth = 0
            self.conn.execute("COMMIT")
            return
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
            self._batch_began = time.monotonic()
        name = f"storyline_{self._depth}"
        self.conn.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield self.conn
        except BaseException:
            if self.conn.in_transaction:  # an I/O error may have ended it already
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
            raise
        finally:
            self._depth -= 1
        self.conn.execute(f"RELEASE {name}")
        began = self._batch_began
        if self._depth == 0 and began is not None and time.monotonic() - began >= BATCH_SECONDS:
            self._commit_batch()

    @contextmanager
    def batched(self) -> Iterator[None]:
        """Let the transactions inside commit together, a batch at most every BATCH_SECONDS.

        Why: each commit writes every page its statements touched, and an article's rows land
        on pages all over the store's indexes (its lines, its LSH bands, its words), so as the
        store grew one commit an article cost more and more (bench/store_scale.py). Each
        transaction inside stays whole (a savepoint: one that fails is rolled back alone); when
        the block ends, normally or by an error or an interruption, the whole ones done are
        committed. A killed process loses at most the last BATCH_SECONDS of work, which the
        next run does again (ingestion is idempotent).
        """
        if self._batching or self._depth:
            yield
            return
        self._batching = True
        try:
            yield
        finally:
            self._batching = False
            if self.conn.in_transaction:
                self._commit_batch()

    def _commit_batch(self) -> None:
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error:
            self.conn.execute("ROLLBACK")
            raise
        finally:
            self._batch_began = None

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])


def _article(row: tuple[Any, ...] | sqlite3.Row) -> Article:
    return Article(**dict(zip(ARTICLE_COLUMNS, row, strict=True)))
