"""The SQLite store: one file, WAL mode, versioned migrations, FTS5 over articles.

Every write that belongs together happens in one transaction (:meth:`Store.transaction`), so
a process killed half-way leaves whole articles or none; ingestion is keyed on deterministic
article ids, so a rerun skips what is stored and completes the rest.

The schema version is SQLite's ``PRAGMA user_version``; :data:`MIGRATIONS` is append-only.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storyline.errors import StoreError
from storyline.gazetteer import name_key
from storyline.records import (
    Analysis,
    Article,
    DigestLine,
    Problem,
    Quote,
    Telling,
    TimelineEntry,
)

DEFAULT_DB = "storyline.db"
DB_ENV = "STORYLINE_DB"

#: Append-only: migration N brings the schema from version N to N+1. Never edit a shipped one.
MIGRATIONS: tuple[str, ...] = (
    # 1: articles, full-text index, near-duplicate links, analyses, entities, problems.
    """
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        url TEXT,
        outlet TEXT,
        title TEXT,
        author TEXT,
        published TEXT,
        published_source TEXT NOT NULL DEFAULT 'none',
        language TEXT,
        text TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        origin TEXT NOT NULL,
        ingested_at TEXT NOT NULL
    );
    CREATE INDEX articles_url ON articles(url);
    CREATE INDEX articles_content_hash ON articles(content_hash);
    CREATE INDEX articles_published ON articles(published);

    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, content='articles', content_rowid='rowid', tokenize='porter unicode61'
    );
    CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
    END;
    CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.rowid, old.title, old.text);
    END;

    CREATE TABLE minhashes (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        signature BLOB NOT NULL
    );

    CREATE TABLE duplicates (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        canonical_id TEXT NOT NULL REFERENCES articles(id),
        similarity REAL NOT NULL,
        method TEXT NOT NULL
    );
    CREATE INDEX duplicates_canonical ON duplicates(canonical_id);

    CREATE TABLE analyses (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        stages TEXT NOT NULL,
        data TEXT NOT NULL,
        analyzed_at TEXT NOT NULL
    );

    CREATE TABLE entities (
        id INTEGER PRIMARY KEY,
        canonical TEXT NOT NULL,
        label TEXT NOT NULL,
        UNIQUE (canonical, label)
    );
    CREATE TABLE mentions (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        text TEXT NOT NULL,
        label TEXT NOT NULL,
        entity_id INTEGER NOT NULL REFERENCES entities(id),
        PRIMARY KEY (article_id, start, end)
    );
    CREATE INDEX mentions_entity ON mentions(entity_id);

    CREATE TABLE problems (
        id INTEGER PRIMARY KEY,
        stage TEXT NOT NULL,
        origin TEXT NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL
    );
    """,
    # 2: one entity across articles (a spelling-insensitive key, aliases) and quotes.
    """
    ALTER TABLE entities ADD COLUMN key TEXT NOT NULL DEFAULT '';
    UPDATE entities SET key = storyline_name_key(canonical);
    CREATE INDEX entities_key ON entities(label, key);
    CREATE TABLE entity_aliases (
        entity_id INTEGER NOT NULL REFERENCES entities(id),
        alias TEXT NOT NULL,
        key TEXT NOT NULL,
        PRIMARY KEY (entity_id, alias)
    );
    CREATE INDEX entity_aliases_key ON entity_aliases(key);
    CREATE TABLE quotes (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        kind TEXT NOT NULL,
        content TEXT NOT NULL,
        speaker_text TEXT,
        speaker_name TEXT,
        role TEXT,
        affiliation TEXT,
        entity_id INTEGER REFERENCES entities(id),
        spans TEXT NOT NULL,
        PRIMARY KEY (article_id, n)
    );
    CREATE INDEX quotes_entity ON quotes(entity_id);
    """,
    # 3: stories, their articles, and the ids of merged stories.
    """
    CREATE TABLE story_articles (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        story_id TEXT NOT NULL,
        similarity REAL NOT NULL,
        assigned_at TEXT NOT NULL
    );
    CREATE INDEX story_articles_story ON story_articles(story_id);
    CREATE TABLE story_redirects (
        old_id TEXT PRIMARY KEY,
        new_id TEXT NOT NULL
    );
    """,
    # 4: what each story says (headline, digest, timeline), made from `articles` articles.
    """
    CREATE TABLE story_tellings (
        story_id TEXT PRIMARY KEY,
        headline TEXT,
        digest TEXT NOT NULL,
        timeline TEXT NOT NULL,
        articles INTEGER NOT NULL,
        made_at TEXT NOT NULL
    );
    """,
    # 5: the story clusterer's state, so a run starts from it instead of replaying the store.
    """
    CREATE TABLE story_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        covered INTEGER NOT NULL,
        state BLOB NOT NULL,
        saved_at TEXT NOT NULL
    );
    """,
    # 6: stories that split off another (a story that turned out to be two).
    """
    CREATE TABLE story_splits (
        to_id TEXT PRIMARY KEY,
        from_id TEXT NOT NULL,
        articles INTEGER NOT NULL,
        split_at TEXT NOT NULL
    );
    CREATE INDEX story_splits_from ON story_splits(from_id);
    """,
)

#: Ids of the analysed articles that name an entity, given as any spelling of its name.
_NAMING = (
    "SELECT m.article_id FROM mentions m JOIN entities e ON e.id = m.entity_id"
    " WHERE e.key = storyline_name_key(?)"
)

ARTICLE_COLUMNS = (
    "id",
    "url",
    "outlet",
    "title",
    "author",
    "published",
    "published_source",
    "language",
    "text",
    "content_hash",
    "origin",
    "ingested_at",
)


def default_db_path() -> str:
    return os.environ.get(DB_ENV) or DEFAULT_DB


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def fts_query(text: str) -> str:
    """Turn what a user typed into a safe FTS5 query: every word must occur (prefixes allowed
    with a trailing ``*``). Quoting each term keeps FTS5 syntax errors away from users."""
    terms = re.findall(r"[\w'-]+\*?", text)
    quoted = []
    for term in terms:
        star = term.endswith("*")
        word = term.rstrip("*").replace('"', "")
        if word:
            quoted.append(f'"{word}"' + ("*" if star else ""))
    return " ".join(quoted)


@dataclass(frozen=True, slots=True)
class Duplicate:
    article_id: str
    canonical_id: str
    similarity: float
    method: str


class Store:
    """A Storyline database. Open with :func:`open_store`; use as a context manager."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
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

    # -- articles ----------------------------------------------------------------------------

    def has_article(self, article_id: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row is not None

    def has_url(self, url: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM articles WHERE url = ?", (url,)).fetchone()
        return row is not None

    def find_by_hash(self, digest: str) -> str | None:
        row = self.conn.execute(
            "SELECT id FROM articles WHERE content_hash = ? ORDER BY rowid LIMIT 1", (digest,)
        ).fetchone()
        return None if row is None else str(row[0])

    def insert_article(
        self,
        article: Article,
        *,
        signature: bytes | None = None,
        duplicate: Duplicate | None = None,
    ) -> None:
        """Insert one article with its MinHash signature and duplicate link.

        Call inside :meth:`transaction`; the caller has checked :meth:`has_article`. An
        article without ``ingested_at`` is stamped with the current time.
        """
        if article.ingested_at is None:
            article = replace(article, ingested_at=now_iso())
        values = [getattr(article, column) for column in ARTICLE_COLUMNS]
        placeholders = ", ".join("?" for _ in ARTICLE_COLUMNS)
        self.conn.execute(
            f"INSERT INTO articles ({', '.join(ARTICLE_COLUMNS)}) VALUES ({placeholders})", values
        )
        if signature is not None:
            self.conn.execute(
                "INSERT INTO minhashes (article_id, signature) VALUES (?, ?)",
                (article.id, signature),
            )
        if duplicate is not None:
            self.conn.execute(
                "INSERT INTO duplicates (article_id, canonical_id, similarity, method)"
                " VALUES (?, ?, ?, ?)",
                (
                    duplicate.article_id,
                    duplicate.canonical_id,
                    duplicate.similarity,
                    duplicate.method,
                ),
            )

    def get_article(self, article_id: str) -> Article | None:
        row = self.conn.execute(
            f"SELECT {', '.join(ARTICLE_COLUMNS)} FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        return None if row is None else _article(row)

    def find_article(self, prefix: str) -> Article | None:
        """An article by id or by an unambiguous id prefix (as users type them)."""
        exact = self.get_article(prefix)
        if exact is not None or len(prefix) < 4:
            return exact
        rows = self.conn.execute(
            "SELECT id FROM articles WHERE id LIKE ? ESCAPE '\\' LIMIT 2",
            (prefix.replace("%", "\\%").replace("_", "\\_") + "%",),
        ).fetchall()
        return self.get_article(rows[0][0]) if len(rows) == 1 else None

    def articles(
        self,
        *,
        query: str | None = None,
        limit: int = 20,
        offset: int = 0,
        entity: str | None = None,
        start: str | None = None,
        end: str | None = None,
    ) -> list[Article]:
        """Newest first, or by full-text relevance when ``query`` is given.

        ``entity`` keeps articles that name it (any spelling; copies through their original's
        analysis); ``start``/``end`` (ISO dates, inclusive) bound the publication date.
        """
        columns = ", ".join(f"a.{column}" for column in ARTICLE_COLUMNS)
        where: list[str] = []
        params: list[Any] = []
        if entity:
            where.append(
                "COALESCE((SELECT canonical_id FROM duplicates WHERE article_id = a.id), a.id)"
                f" IN ({_NAMING})"
            )
            params.append(entity)
        if start:
            where.append("a.published >= ?")
            params.append(start)
        if end:
            where.append("a.published < date(?, '+1 day')")
            params.append(end)
        if query:
            match = fts_query(query)
            if not match:
                return []
            rows = self.conn.execute(
                f"SELECT {columns} FROM articles_fts"
                " JOIN articles a ON a.rowid = articles_fts.rowid"
                " WHERE articles_fts MATCH ?"
                + "".join(f" AND {w}" for w in where)
                + " ORDER BY bm25(articles_fts, 5.0, 1.0) LIMIT ? OFFSET ?",
                (match, *params, limit, offset),
            ).fetchall()
        else:
            rows = self.conn.execute(
                f"SELECT {columns} FROM articles a"
                + (" WHERE " + " AND ".join(where) if where else "")
                + " ORDER BY a.published IS NULL, a.published DESC, a.rowid DESC LIMIT ? OFFSET ?",
                (*params, limit, offset),
            ).fetchall()
        return [_article(row) for row in rows]

    def iter_articles(self) -> Iterator[Article]:
        """Every article in ingestion order."""
        cursor = self.conn.execute(
            f"SELECT {', '.join(ARTICLE_COLUMNS)} FROM articles ORDER BY rowid"
        )
        for row in cursor:
            yield _article(row)

    # -- near-duplicates ---------------------------------------------------------------------

    def signatures(self) -> Iterator[tuple[str, bytes, str]]:
        """(article id, MinHash signature, canonical id) of every article, in ingestion order."""
        yield from self.conn.execute(
            "SELECT m.article_id, m.signature, COALESCE(d.canonical_id, m.article_id)"
            " FROM minhashes m JOIN articles a ON a.id = m.article_id"
            " LEFT JOIN duplicates d ON d.article_id = m.article_id ORDER BY a.rowid"
        )

    def duplicate_of(self, article_id: str) -> Duplicate | None:
        row = self.conn.execute(
            "SELECT article_id, canonical_id, similarity, method FROM duplicates"
            " WHERE article_id = ?",
            (article_id,),
        ).fetchone()
        return None if row is None else Duplicate(*row)

    def canonical_id(self, article_id: str) -> str:
        duplicate = self.duplicate_of(article_id)
        return article_id if duplicate is None else duplicate.canonical_id

    def copies(self, canonical_id: str) -> list[tuple[Article, Duplicate | None]]:
        """The canonical article and every copy linked to it, in ingestion order."""
        rows = self.conn.execute(
            f"SELECT {', '.join('a.' + c for c in ARTICLE_COLUMNS)},"
            " d.article_id, d.canonical_id, d.similarity, d.method"
            " FROM articles a LEFT JOIN duplicates d ON d.article_id = a.id"
            " WHERE a.id = ? OR d.canonical_id = ? ORDER BY a.rowid",
            (canonical_id, canonical_id),
        ).fetchall()
        width = len(ARTICLE_COLUMNS)
        return [
            (_article(row[:width]), Duplicate(*row[width:]) if row[width] else None) for row in rows
        ]

    def duplicate_groups(self) -> list[tuple[str, int, list[str]]]:
        """(canonical id, number of copies, outlets) for every group with at least one copy."""
        rows = self.conn.execute(
            "SELECT d.canonical_id, COUNT(*) FROM duplicates d GROUP BY d.canonical_id"
            " ORDER BY COUNT(*) DESC, d.canonical_id"
        ).fetchall()
        groups = []
        for canonical_id, count in rows:
            outlets = [a.outlet or "?" for a, _ in self.copies(canonical_id)]
            groups.append((canonical_id, int(count), outlets))
        return groups

    # -- analysis ----------------------------------------------------------------------------

    def pending_analysis(self, *, language: str = "en") -> list[Article]:
        """Canonical articles in ``language`` (or of unknown language) without a stored
        analysis, in ingestion order.

        Copies are not analysed: they share their canonical article's analysis.
        """
        rows = self.conn.execute(
            f"SELECT {', '.join('a.' + c for c in ARTICLE_COLUMNS)} FROM articles a"
            " LEFT JOIN analyses x ON x.article_id = a.id"
            " LEFT JOIN duplicates d ON d.article_id = a.id"
            " WHERE x.article_id IS NULL AND d.article_id IS NULL"
            " AND (a.language = ? OR a.language IS NULL)"
            " ORDER BY a.rowid",
            (language,),
        ).fetchall()
        return [_article(row) for row in rows]

    def save_analysis(self, analysis: Analysis) -> None:
        """Store (or replace) one article's analysis and its entity mentions atomically."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM mentions WHERE article_id = ?", (analysis.article_id,))
            conn.execute(
                "INSERT OR REPLACE INTO analyses (article_id, stages, data, analyzed_at)"
                " VALUES (?, ?, ?, ?)",
                (
                    analysis.article_id,
                    ",".join(analysis.stages),
                    json.dumps(analysis.to_dict(), ensure_ascii=False),
                    now_iso(),
                ),
            )
            for mention in analysis.mentions:
                entity_id = self._entity_id(mention.canonical, mention.entity_label)
                self._add_alias(entity_id, mention.text)
                conn.execute(
                    "INSERT OR IGNORE INTO mentions"
                    " (article_id, start, end, text, label, entity_id)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        analysis.article_id,
                        mention.start,
                        mention.end,
                        mention.text,
                        mention.label,
                        entity_id,
                    ),
                )
            conn.execute("DELETE FROM quotes WHERE article_id = ?", (analysis.article_id,))
            article = self.get_article(analysis.article_id)
            text = article.text if article is not None else ""
            for n, quote in enumerate(analysis.quotes):
                self._save_quote(analysis.article_id, n, quote, text)

    def _entity_id(self, name: str, label: str) -> int:
        """The stored entity for a name: the same key (Sergey/Sergei), a known alias, or for a
        surname alone ("Okafor") the one stored person with that surname; else a new entity."""
        key = name_key(name)
        row = (
            self.conn.execute(
                "SELECT id, canonical FROM entities WHERE label = ? AND key = ?"
                " ORDER BY id LIMIT 1",
                (label, key),
            ).fetchone()
            or self.conn.execute(
                "SELECT e.id, e.canonical FROM entity_aliases a"
                " JOIN entities e ON e.id = a.entity_id"
                " WHERE e.label = ? AND a.key = ? ORDER BY e.id LIMIT 1",
                (label, key),
            ).fetchone()
        )
        if row is None and label == "PERSON" and " " not in key:
            rows = self.conn.execute(
                "SELECT id, canonical FROM entities WHERE label = 'PERSON' AND key LIKE ? LIMIT 2",
                ("% " + key,),
            ).fetchall()
            row = rows[0] if len(rows) == 1 else None
        if row is not None:
            if name != row[1]:
                self._add_alias(int(row[0]), name)
            return int(row[0])
        cursor = self.conn.execute(
            "INSERT INTO entities (canonical, label, key) VALUES (?, ?, ?)", (name, label, key)
        )
        return int(cursor.lastrowid or 0)

    def _add_alias(self, entity_id: int, alias: str) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO entity_aliases (entity_id, alias, key) VALUES (?, ?, ?)",
            (entity_id, alias, name_key(alias)),
        )

    def _save_quote(self, article_id: str, n: int, quote: Quote, text: str) -> None:
        entity_id = None
        if quote.speaker_name and quote.speaker_kind in _SPEAKER_LABELS:
            entity_id = self._entity_id(quote.speaker_name, _SPEAKER_LABELS[quote.speaker_kind])
        content = " … ".join(text[span.start : span.end] for span in quote.content)
        speaker_text = text[quote.speaker.start : quote.speaker.end] if quote.speaker else None
        self.conn.execute(
            "INSERT INTO quotes (article_id, n, kind, content, speaker_text, speaker_name, role,"
            " affiliation, entity_id, spans) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article_id,
                n,
                quote.kind,
                content,
                speaker_text,
                quote.speaker_name,
                quote.role,
                quote.affiliation,
                entity_id,
                json.dumps(quote.to_dict()),
            ),
        )

    def speakers(self, *, limit: int = 20) -> list[dict[str, Any]]:
        """Who is quoted most: name, kind, number of quotes and articles, roles seen."""
        rows = self.conn.execute(
            "SELECT e.id, e.canonical, e.label, COUNT(*), COUNT(DISTINCT q.article_id),"
            " GROUP_CONCAT(DISTINCT q.role), GROUP_CONCAT(DISTINCT q.affiliation)"
            " FROM quotes q JOIN entities e ON e.id = q.entity_id"
            " GROUP BY e.id ORDER BY COUNT(*) DESC, e.canonical LIMIT ?",
            (limit,),
        ).fetchall()
        return [
            {
                "entity_id": r[0],
                "name": r[1],
                "label": r[2],
                "quotes": r[3],
                "articles": r[4],
                "roles": sorted(set((r[5] or "").split(",")) - {""}),
                "affiliations": sorted(set((r[6] or "").split(",")) - {""}),
            }
            for r in rows
        ]

    def find_entities(self, name: str) -> list[tuple[int, str, str]]:
        """(id, canonical, label) of the entities a user's name means: the same key as the
        canonical name or an alias, else a surname ("Lavrov")."""
        key = name_key(name)
        rows = self.conn.execute(
            "SELECT id, canonical, label FROM entities WHERE key = ?"
            " UNION SELECT e.id, e.canonical, e.label FROM entity_aliases a"
            " JOIN entities e ON e.id = a.entity_id WHERE a.key = ?",
            (key, key),
        ).fetchall()
        if not rows:
            rows = self.conn.execute(
                "SELECT id, canonical, label FROM entities WHERE key LIKE ? AND label = 'PERSON'",
                ("% " + key.replace("%", ""),),
            ).fetchall()
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    def quotes_by(self, entity_ids: list[int], *, limit: int = 50) -> list[dict[str, Any]]:
        """Quotes of these entities across the store, newest article first."""
        if not entity_ids:
            return []
        marks = ", ".join("?" for _ in entity_ids)
        rows = self.conn.execute(
            "SELECT q.content, q.kind, q.speaker_name, q.role, q.affiliation, q.speaker_text,"
            f" {_QUOTE_DATES}, a.id, a.title, a.outlet, a.published FROM quotes q JOIN articles a"
            f" ON a.id = q.article_id WHERE q.entity_id IN ({marks})"
            " ORDER BY a.published IS NULL, a.published DESC, a.rowid DESC, q.n LIMIT ?",
            (*entity_ids, limit),
        ).fetchall()
        keys = (
            "content",
            "kind",
            "speaker",
            "role",
            "affiliation",
            "mention",
            "dates",
            "article_id",
            "title",
            "outlet",
            "published",
        )
        return [_with_dates(dict(zip(keys, row, strict=True))) for row in rows]

    def article_quotes(self, article_id: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT q.content, q.kind, q.speaker_name, q.role, q.affiliation, q.speaker_text,"
            f" {_QUOTE_DATES} FROM quotes q WHERE q.article_id = ? ORDER BY q.n",
            (article_id,),
        ).fetchall()
        keys = ("content", "kind", "speaker", "role", "affiliation", "mention", "dates")
        return [_with_dates(dict(zip(keys, row, strict=True))) for row in rows]

    def get_analysis(self, article_id: str) -> Analysis | None:
        row = self.conn.execute(
            "SELECT data FROM analyses WHERE article_id = ?", (article_id,)
        ).fetchone()
        return None if row is None else Analysis.from_dict(json.loads(row[0]))

    def top_entities(self, *, limit: int = 10) -> list[tuple[str, str, int]]:
        """(canonical name, label, number of articles naming it), most widely named first."""
        rows = self.conn.execute(
            "SELECT e.canonical, e.label, COUNT(DISTINCT m.article_id) AS n"
            " FROM mentions m JOIN entities e ON e.id = m.entity_id"
            " WHERE e.label IN ('PERSON', 'ORG', 'GPE', 'LOC')"
            " GROUP BY e.id ORDER BY n DESC, e.canonical LIMIT ?",
            (limit,),
        ).fetchall()
        return [(str(name), str(label), int(n)) for name, label, n in rows]

    # -- stories -----------------------------------------------------------------------------

    def unassigned(self) -> Iterator[Article]:
        """Articles without a story, in arrival order."""
        rows = self.conn.execute(
            f"SELECT {', '.join('a.' + c for c in ARTICLE_COLUMNS)} FROM articles a"
            " LEFT JOIN story_articles s ON s.article_id = a.id WHERE s.article_id IS NULL"
            " ORDER BY COALESCE(substr(a.published, 1, 10), '9999'), a.rowid"
        ).fetchall()
        return (_article(row) for row in rows)

    def assignments_after(self, covered: int) -> Iterator[tuple[Article, str]]:
        """(article, story id) of the assignments recorded after the first ``covered``, copies
        left out, in the articles' arrival order."""
        rows = self.conn.execute(
            f"SELECT {', '.join('a.' + c for c in ARTICLE_COLUMNS)}, s.story_id"
            " FROM story_articles s JOIN articles a ON a.id = s.article_id"
            " LEFT JOIN duplicates d ON d.article_id = a.id"
            " WHERE s.rowid > ? AND d.article_id IS NULL"
            " ORDER BY COALESCE(substr(a.published, 1, 10), '9999'), a.rowid",
            (covered,),
        ).fetchall()
        return ((_article(row[:-1]), str(row[-1])) for row in rows)

    def last_assignment(self) -> int:
        """A mark of the assignments recorded so far (they are numbered in order)."""
        row = self.conn.execute("SELECT MAX(rowid) FROM story_articles").fetchone()
        return int(row[0] or 0)

    def redirects_of(self, story_ids: list[str]) -> dict[str, str]:
        """Which of ``story_ids`` were merged away, and into which story."""
        found: dict[str, str] = {}
        for first in range(0, len(story_ids), 500):
            chunk = story_ids[first : first + 500]
            found.update(
                self.conn.execute(
                    "SELECT old_id, new_id FROM story_redirects"
                    f" WHERE old_id IN ({', '.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
            )
        return found

    def story_state(self) -> tuple[int, bytes] | None:
        """The saved clusterer state and how many assignments it covers, if one is saved."""
        row = self.conn.execute("SELECT covered, state FROM story_state WHERE id = 1").fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    def save_story_state(self, covered: int, state: bytes) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO story_state (id, covered, state, saved_at)"
                " VALUES (1, ?, ?, ?)",
                (covered, state, now_iso()),
            )

    def story_of(self, article_id: str) -> str | None:
        row = self.conn.execute(
            "SELECT story_id FROM story_articles WHERE article_id = ?", (article_id,)
        ).fetchone()
        return None if row is None else str(row[0])

    def assign_story(
        self,
        article_id: str,
        story_id: str,
        similarity: float,
        merged: tuple[str, ...] = (),
        moved: tuple[str, str, tuple[str, ...]] | None = None,
    ) -> None:
        """Record one assignment, the merges it caused and the split it caused (``moved``:
        from story, to story, the articles that left), in one transaction."""
        with self.transaction() as conn:
            for old in merged:
                conn.execute(
                    "UPDATE story_articles SET story_id = ? WHERE story_id = ?", (story_id, old)
                )
                # The merged-away story is told no more; its id redirects to this one.
                conn.execute("DELETE FROM story_tellings WHERE story_id = ?", (old,))
                conn.execute(
                    "UPDATE story_redirects SET new_id = ? WHERE new_id = ?", (story_id, old)
                )
                conn.execute(
                    "UPDATE story_splits SET from_id = ? WHERE from_id = ?", (story_id, old)
                )
                conn.execute(
                    "INSERT OR REPLACE INTO story_redirects (old_id, new_id) VALUES (?, ?)",
                    (old, story_id),
                )
            conn.execute(
                "INSERT OR REPLACE INTO story_articles (article_id, story_id, similarity,"
                " assigned_at) VALUES (?, ?, ?, ?)",
                (article_id, story_id, similarity, now_iso()),
            )
            if moved is not None:
                self._move_articles(conn, *moved)

    def _move_articles(
        self, conn: sqlite3.Connection, from_id: str, to_id: str, articles: tuple[str, ...]
    ) -> None:
        # Copies go with their canonical article. Rows are written anew (INSERT OR REPLACE
        # gives them new rowids), so a run that starts from a state saved before this split
        # replays the move (``assignments_after``).
        moved = 0
        for first in range(0, len(articles), 500):
            chunk = articles[first : first + 500]
            marks = ", ".join("?" * len(chunk))
            rows = conn.execute(
                "SELECT article_id, similarity FROM story_articles WHERE story_id = ? AND"
                f" (article_id IN ({marks}) OR article_id IN"
                f" (SELECT article_id FROM duplicates WHERE canonical_id IN ({marks})))",
                (from_id, *chunk, *chunk),
            ).fetchall()
            conn.executemany(
                "INSERT OR REPLACE INTO story_articles (article_id, story_id, similarity,"
                " assigned_at) VALUES (?, ?, ?, ?)",
                [(row[0], to_id, row[1], now_iso()) for row in rows],
            )
            moved += len(rows)
        # The story that split is told anew (its article count alone may not show it), and
        # a reader of it can follow the articles that left.
        conn.execute("DELETE FROM story_tellings WHERE story_id = ?", (from_id,))
        conn.execute(
            "INSERT OR REPLACE INTO story_splits (to_id, from_id, articles, split_at)"
            " VALUES (?, ?, ?, ?)",
            (to_id, from_id, moved, now_iso()),
        )

    def story_splits(self, story_id: str) -> dict[str, Any]:
        """Where a story came from if it split off another (``from``), and the stories that
        split off it (``into``): each with its current id (after merges), the articles that
        moved, and when."""

        def entry(other: str, articles: int, at: str) -> dict[str, Any]:
            return {"story": self.resolve_story(other) or other, "articles": articles, "at": at}

        origin = self.conn.execute(
            "SELECT from_id, articles, split_at FROM story_splits WHERE to_id = ?", (story_id,)
        ).fetchone()
        into = self.conn.execute(
            "SELECT to_id, articles, split_at FROM story_splits WHERE from_id = ?"
            " ORDER BY split_at, to_id",
            (story_id,),
        ).fetchall()
        return {
            "from": None if origin is None else entry(*origin),
            "into": [entry(*row) for row in into],
        }

    def resolve_story(self, story_id: str) -> str | None:
        """The current id of a story (following merges), or None if there is no such story."""
        row = self.conn.execute(
            "SELECT new_id FROM story_redirects WHERE old_id = ?", (story_id,)
        ).fetchone()
        current = story_id if row is None else str(row[0])
        exists = self.conn.execute(
            "SELECT 1 FROM story_articles WHERE story_id = ? LIMIT 1", (current,)
        ).fetchone()
        return current if exists else None

    def stories(
        self,
        *,
        limit: int = 20,
        entity: str | None = None,
        start: str | None = None,
        end: str | None = None,
    ) -> list[dict[str, Any]]:
        """Stories with the newest activity first: size, outlets, first and last article.

        ``entity`` keeps stories that name it (any spelling of its name); ``start``/``end``
        (ISO dates) keep stories with an article published in that window.
        """
        where, params = [], []
        if entity:
            where.append(
                "s.story_id IN (SELECT story_id FROM story_articles"
                f" WHERE article_id IN ({_NAMING}))"
            )
            params.append(entity)
        having = []
        if start:
            having.append("MAX(a.published) >= ?")
            params.append(start)
        if end:
            having.append("MIN(a.published) < date(?, '+1 day')")
            params.append(end)
        rows = self.conn.execute(
            "SELECT s.story_id, COUNT(*), COUNT(DISTINCT a.outlet), MIN(a.published),"
            " MAX(a.published) FROM story_articles s JOIN articles a ON a.id = s.article_id"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " GROUP BY s.story_id"
            + (" HAVING " + " AND ".join(having) if having else "")
            + " ORDER BY MAX(a.published) DESC, s.story_id LIMIT ?",
            (*params, limit),
        ).fetchall()
        return [
            {
                "id": r[0],
                "articles": r[1],
                "outlets": r[2],
                "first": r[3],
                "last": r[4],
                "headline": self._story_headline(str(r[0])),
                "top_entities": self.story_entities(str(r[0]), limit=3),
            }
            for r in rows
        ]

    def story_articles(self, story_id: str) -> list[Article]:
        rows = self.conn.execute(
            f"SELECT {', '.join('a.' + c for c in ARTICLE_COLUMNS)} FROM story_articles s"
            " JOIN articles a ON a.id = s.article_id WHERE s.story_id = ?"
            " ORDER BY COALESCE(a.published, '9999'), a.rowid",
            (story_id,),
        ).fetchall()
        return [_article(row) for row in rows]

    def story_entities(self, story_id: str, *, limit: int = 10) -> list[tuple[str, str, int]]:
        rows = self.conn.execute(
            "SELECT e.canonical, e.label, COUNT(DISTINCT m.article_id) FROM story_articles s"
            " JOIN mentions m ON m.article_id = s.article_id JOIN entities e ON e.id = m.entity_id"
            " WHERE s.story_id = ? AND e.label IN ('PERSON', 'ORG', 'GPE', 'LOC')"
            " GROUP BY e.id ORDER BY COUNT(DISTINCT m.article_id) DESC, e.canonical LIMIT ?",
            (story_id, limit),
        ).fetchall()
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]

    def _story_headline(self, story_id: str) -> str | None:
        # The told headline; the first article's title until the story has been told.
        row = self.conn.execute(
            "SELECT headline FROM story_tellings WHERE story_id = ?", (story_id,)
        ).fetchone()
        if row is not None and row[0]:
            return str(row[0])
        row = self.conn.execute(
            "SELECT a.title FROM story_articles s JOIN articles a ON a.id = s.article_id"
            " WHERE s.story_id = ? ORDER BY COALESCE(a.published, '9999'), a.rowid LIMIT 1",
            (story_id,),
        ).fetchone()
        return None if row is None else row[0]

    def stale_tellings(self) -> list[str]:
        """Stories whose telling is missing or was made from a different set of articles."""
        rows = self.conn.execute(
            "SELECT s.story_id FROM story_articles s LEFT JOIN story_tellings t"
            " ON t.story_id = s.story_id GROUP BY s.story_id"
            " HAVING MAX(t.articles) IS NULL OR MAX(t.articles) != COUNT(*) ORDER BY s.story_id"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def save_telling(self, telling: Telling) -> None:
        """Store a story's telling, replacing the old one."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO story_tellings (story_id, headline, digest, timeline,"
                " articles, made_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    telling.story_id,
                    telling.headline,
                    json.dumps([line.to_dict() for line in telling.digest], ensure_ascii=False),
                    json.dumps([e.to_dict() for e in telling.timeline], ensure_ascii=False),
                    telling.articles,
                    now_iso(),
                ),
            )

    def get_telling(self, story_id: str) -> Telling | None:
        row = self.conn.execute(
            "SELECT headline, digest, timeline, articles FROM story_tellings WHERE story_id = ?",
            (story_id,),
        ).fetchone()
        if row is None:
            return None
        return Telling(
            story_id,
            row[0],
            tuple(DigestLine.from_dict(d) for d in json.loads(row[1])),
            tuple(TimelineEntry.from_dict(e) for e in json.loads(row[2])),
            int(row[3]),
        )

    # -- problems and statistics -------------------------------------------------------------

    def record_problems(self, problems: Iterable[Problem], *, stage: str) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO problems (stage, origin, reason, at) VALUES (?, ?, ?, ?)",
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


#: Which entity label a quote's speaker kind is stored under.
_SPEAKER_LABELS = {"person": "PERSON", "organisation": "ORG", "place": "GPE"}


#: The dates a stored quote refers to, from the quote's JSON (quotes stored before the times
#: stage dated them have none).
_QUOTE_DATES = "COALESCE(json_extract(q.spans, '$.dates'), '[]')"


def _with_dates(row: dict[str, Any]) -> dict[str, Any]:
    row["dates"] = json.loads(row["dates"])
    return row


def _article(row: tuple[Any, ...] | sqlite3.Row) -> Article:
    return Article(**dict(zip(ARTICLE_COLUMNS, row, strict=True)))


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to date, one migration per transaction. Returns the new version."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > len(MIGRATIONS):
        raise StoreError(
            f"database schema version {version} is newer than this Storyline"
            f" ({len(MIGRATIONS)}); upgrade Storyline"
        )
    for number in range(version, len(MIGRATIONS)):
        # executescript() commits first, so run the statements one by one inside our own
        # transaction: a migration applies completely, with its version bump, or not at all.
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split_sql(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return len(MIGRATIONS)


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (trigger bodies hold ``;`` so use sqlite3's parser)."""
    statements: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements


def open_store(path: str | os.PathLike[str] | None = None) -> Store:
    """Open (creating and migrating as needed) the store at ``path`` (default: see README)."""
    target = str(path) if path is not None else default_db_path()
    if target != ":memory:":
        parent = Path(target).resolve().parent
        if not parent.is_dir():
            raise StoreError(f"{target}: folder {parent} does not exist")
    conn = None
    try:
        conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.create_function("storyline_name_key", 1, name_key, deterministic=True)
        migrate(conn)
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        raise StoreError(f"{target}: cannot open as a Storyline database ({exc})") from exc
    return Store(conn, target)
