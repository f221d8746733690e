"""Articles and their copies: insert, read back, near-duplicate links."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

import numpy as np

from storyline.errors import NotFound
from storyline.ingest.bands import band_keys
from storyline.records import (
    Article,
    Duplicate,
    Furniture,
)
from storyline.store.base import (
    A_COLUMNS,
    ARTICLE_COLUMNS,
    StoreBase,
    _article,
    in_chunks,
    now_iso,
)

#: Longest list of a line's printers kept (characters of comma-separated rowids, about 500
#: articles): only uncounted copies can grow a list this far; past it the list is dropped
#: and learning the line falls back to a phrase search.
PRINTERS_BOUND = 4096

#: Most candidates read from one LSH band (see :meth:`ArticleQueries.copy_candidates`).
#: Chosen before measuring: real news stores share a band among a few articles (at most 2
#: in the 2,927-article Timeline17 store); only a store of near-identical templates reaches
#: this.
BAND_CANDIDATES = 64

#: Most candidates whose signatures are read for one new article, those sharing the most
#: bands first (see :meth:`ArticleQueries.copy_candidates`). Chosen before measuring, as the
#: per-band bound: real news stays far below it.
CANDIDATES = 64

#: Most rows written to each level of the two indexes of random keys (the LSH band keys
#: of every signature, ``bands_0`` to ``bands_3``, and each outlet's line keys, ``lines_0`` to
#: ``lines_3``) but the last, which is unbounded: about 2,000, 20,000 and 200,000 articles'
#: band keys (25 an article). Why levels: a new article's keys are random, and once one
#: B-tree of them is much larger than what a commit writes, every key lands on a leaf page
#: of its own, written to the WAL and again at the checkpoint (47 pages an article at
#: 400,000 articles against 3.3 in an empty store; bench/store_scale.py). Keys go to the
#: small first level, whose few hundred pages a commit's keys share; a level past its bound
#: is merged into the next in key order (each page of the next level written once for the
#: whole merge) and emptied. A key is written once per level, and a lookup reads four small
#: indexes instead of one: the scheme of a log-structured merge tree, kept in SQLite tables
#: so that a merge is one more statement of the transaction that stores the article. The
#: factor of ten between levels is the usual choice of such trees (fewer levels to read
#: against more rewriting), not measured here.
LEVEL_ROWS = (50_000, 500_000, 5_000_000)
_BAND_TABLES = ("bands_0", "bands_1", "bands_2", "bands_3")
_LINE_TABLES = ("lines_0", "lines_1", "lines_2", "lines_3")
_LEVEL_TABLES = {"bands": _BAND_TABLES, "lines": _LINE_TABLES}
#: How a level of each index goes into the next: a band key is there or not; a line's
#: counts add up and its printers are joined (dropped, as "not known", past their bound or
#: once the line was learned before: see ArticleQueries.count_lines).
_MERGES = {
    "bands": "INSERT OR IGNORE INTO {target} (key, article)"
    " SELECT key, article FROM {source} ORDER BY key, article",
    "lines": "INSERT INTO {target} (outlet, key, articles, printers)"
    " SELECT outlet, key, articles, printers FROM {source} WHERE true ORDER BY outlet, key"
    " ON CONFLICT (outlet, key) DO UPDATE SET articles = articles + excluded.articles,"
    " printers = CASE WHEN articles + excluded.articles > :learn_after"
    " OR length(printers) + length(excluded.printers) > :bound THEN NULL"
    " ELSE printers || ',' || excluded.printers END",
}


class ArticleQueries(StoreBase):
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
        bands: list[int] | None = None,
    ) -> None:
        """Insert one article with its MinHash signature (and its LSH band keys: ``bands``, or
        computed from the signature) and duplicate link.

        Call inside :meth:`transaction`; the caller has checked :meth:`has_article`. An
        article without ``ingested_at`` is stamped with the current time.
        """
        if article.ingested_at is None:
            article = replace(article, ingested_at=now_iso())
        values = [getattr(article, column) for column in ARTICLE_COLUMNS]
        placeholders = ", ".join("?" for _ in ARTICLE_COLUMNS)
        cursor = self.conn.execute(
            f"INSERT INTO articles ({', '.join(ARTICLE_COLUMNS)}) VALUES ({placeholders})", values
        )
        if signature is not None:
            self.conn.execute(
                "INSERT INTO minhashes (article_id, signature) VALUES (?, ?)",
                (article.id, signature),
            )
            self._index_bands(int(cursor.lastrowid or 0), bands or band_keys(signature))
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
        """An article by id or by an unambiguous id prefix (as users type them); an ambiguous
        prefix is a :class:`~storyline.errors.NotFound` that lists the candidates."""
        exact = self.get_article(prefix)
        if exact is not None or len(prefix) < 4:
            return exact
        rows = self.conn.execute(
            "SELECT id FROM articles WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 11",
            (prefix.replace("%", "\\%").replace("_", "\\_") + "%",),
        ).fetchall()
        if len(rows) > 1:
            shown = ", ".join(str(row[0]) for row in rows[:10])
            more = " ..." if len(rows) > 10 else ""
            raise NotFound(f"{prefix!r} is the start of several article ids: {shown}{more}")
        return self.get_article(rows[0][0]) if rows else None

    def iter_articles(self) -> Iterator[Article]:
        """Every article in ingestion order."""
        cursor = self.conn.execute(
            f"SELECT {', '.join(ARTICLE_COLUMNS)} FROM articles ORDER BY rowid"
        )
        for row in cursor:
            yield _article(row)

    # -- near-duplicates ---------------------------------------------------------------------

    def copy_candidates(self, keys: list[int]) -> list[tuple[str, bytes]]:
        """(canonical id, signature) of the stored articles that share an LSH band with a
        signature whose :func:`~storyline.ingest.bands.band_keys` are ``keys``, earliest
        stored first: what an in-memory LSH index over every stored signature would
        propose, read through the band index instead, and bounded per band and in all."""
        if not keys:
            return []
        # At most BAND_CANDIDATES articles from one band (the earliest stored): a band that
        # thousands of stored articles share is common text (a template, a boilerplate
        # paragraph), and reading all of their signatures made every insert cost more as
        # the store grew. A copy shares most of its bands with what it copies, and the
        # copies of one story are all candidates for each other: any of them links it.
        # The band index is in levels (LEVEL_ROWS); the top first, as it holds the
        # earliest stored articles.
        levels = " UNION ALL ".join(
            f"SELECT article FROM {table} WHERE key = ?" for table in reversed(_BAND_TABLES)
        )
        one_band = f"SELECT * FROM ({levels} LIMIT {BAND_CANDIDATES})"
        rows = self.conn.execute(
            " UNION ALL ".join(one_band for _ in keys),
            [key for key in keys for _ in _BAND_TABLES],
        ).fetchall()
        # And at most CANDIDATES signatures in all, those sharing the most bands first. The
        # band index proposes, besides the copies, every stored article that shares one band
        # by chance, and their number grows in proportion to the store (74 an article at
        # 400,000 generated articles: reading their signatures made each article cost more
        # as the store grew, bench/store_scale.py). A copy well above the threshold shares
        # several bands (at a Jaccard of 0.8, 8 of 25 on average), a chance collision one,
        # so the bound drops chance collisions first; a copy near the threshold (0.5: one
        # band on average) competes with them. Real news stays far below the bound.
        shared = Counter(int(article) for (article,) in rows)
        kept = [article for article, _ in shared.most_common(CANDIDATES)]
        if not kept:
            return []
        found = self.conn.execute(
            "SELECT COALESCE(d.canonical_id, a.id), m.signature FROM articles a"
            " JOIN minhashes m ON m.article_id = a.id"
            " LEFT JOIN duplicates d ON d.article_id = a.id"
            f" WHERE a.rowid IN ({', '.join('?' for _ in kept)}) ORDER BY a.rowid",
            kept,
        ).fetchall()
        return [(str(canonical), bytes(data)) for canonical, data in found]

    def _index_bands(self, article: int, keys: Iterable[int]) -> None:
        """Add an article's band keys (by its rowid) to the first level of the band index."""
        added = self.conn.executemany(
            "INSERT OR IGNORE INTO bands_0 (key, article) VALUES (?, ?)",
            [(key, article) for key in keys],
        ).rowcount
        self._written("bands", added, {})

    def _written(self, index: str, added: int, params: dict[str, int]) -> None:
        """Count ``added`` rows written to the first level of ``index``, and merge each level
        that passes its bound (:data:`LEVEL_ROWS`) into the next. A level's count is of the
        rows written to it since it was last emptied: its rows or more (a line's row is
        written again by each article that prints it), so a level is merged at its bound or
        before."""
        tables = _LEVEL_TABLES[index]
        rows = self._add_level_rows(index, 0, added)
        for level, bound in enumerate(LEVEL_ROWS):
            if rows <= bound:
                break
            # In key order, the next level's pages are each written once for the whole merge.
            merge = _MERGES[index].format(source=tables[level], target=tables[level + 1])
            moved = self.conn.execute(merge, params).rowcount
            self.conn.execute(f"DELETE FROM {tables[level]}")
            self._add_level_rows(index, level, -rows)
            rows = self._add_level_rows(index, level + 1, moved)

    def _add_level_rows(self, index: str, level: int, added: int) -> int:
        """Add ``added`` to the row count of one level of an index; returns the count."""
        row = self.conn.execute(
            "UPDATE index_levels SET rows = rows + ? WHERE name = ? AND level = ? RETURNING rows",
            (added, index, level),
        ).fetchone()
        return int(row[0])

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

    def story_copies(self, story_id: str) -> dict[str, str]:
        """{copy id: canonical id} for the copies among a story's articles, in one statement."""
        rows = self.conn.execute(
            "SELECT d.article_id, d.canonical_id FROM story_articles s"
            " JOIN duplicates d ON d.article_id = s.article_id WHERE s.story_id = ?",
            (story_id,),
        ).fetchall()
        return {str(copy): str(canonical) for copy, canonical in rows}

    def copies(self, canonical_id: str) -> list[tuple[Article, Duplicate | None]]:
        """The canonical article and every copy linked to it, in ingestion order."""
        # Two lookups by index, not one "a.id = ? OR d.canonical_id = ?": an OR across the
        # two tables of a join reads every article (50 ms an article page at 100,000).
        width = len(ARTICLE_COLUMNS)
        columns = f"{A_COLUMNS}, d.article_id, d.canonical_id, d.similarity, d.method, a.rowid"
        rows = self.conn.execute(
            f"SELECT {columns} FROM articles a LEFT JOIN duplicates d ON d.article_id = a.id"
            " WHERE a.id = ? UNION ALL"
            f" SELECT {columns} FROM duplicates d JOIN articles a ON a.id = d.article_id"
            f" WHERE d.canonical_id = ? ORDER BY {width + 5}",  # the rowid
            (canonical_id, canonical_id),
        ).fetchall()
        return [
            (_article(row[:width]), Duplicate(*row[width:-1]) if row[width] else None)
            for row in rows
        ]

    def duplicate_groups(self) -> list[tuple[str, int, list[str]]]:
        """(canonical id, number of copies, outlets) for every group with at least one copy,
        largest first; outlets in ingestion order, the canonical's among them."""
        # In one statement: a lookup of copies() for each group took 11 ms a group at 20,000
        # articles, and `storyline stats` minutes on a store of 100,000.
        rows = self.conn.execute(
            "SELECT g.canonical_id, a.outlet, a.rowid FROM"
            " (SELECT DISTINCT canonical_id FROM duplicates) g"
            " JOIN articles a ON a.id = g.canonical_id"
            " UNION ALL"
            " SELECT d.canonical_id, a.outlet, a.rowid FROM duplicates d"
            " JOIN articles a ON a.id = d.article_id"
            " ORDER BY 3"
        ).fetchall()
        outlets: dict[str, list[str]] = {}
        for canonical_id, outlet, _ in rows:
            outlets.setdefault(str(canonical_id), []).append(outlet or "?")
        return sorted(
            ((canonical_id, len(names) - 1, names) for canonical_id, names in outlets.items()),
            key=lambda group: (-group[1], group[0]),
        )

    # -- page furniture ----------------------------------------------------------------------

    def count_lines(
        self, outlet: str, article_id: str, keys: Iterable[int], learn_after: int, *, counted: bool
    ) -> tuple[list[int], set[int]]:
        """Note that article ``article_id`` of ``outlet`` prints each of ``keys`` and, when
        ``counted``, count it; returns the keys that reached ``learn_after`` counted articles
        just now (learned now: none when not counted) and those the outlet has learned (as
        :meth:`learned_lines`, read in the same lookup). Call inside :meth:`transaction`."""
        noted = list(keys)
        row = self.conn.execute("SELECT rowid FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise NotFound(f"no article {article_id!r}")
        # A line's printers are kept until it is learned (then its later printers are marked
        # as they arrive); copies are noted but not counted, so a list is bounded in length.
        # Its count and printers are spread over the levels of the index (LEVEL_ROWS).
        added = self.conn.executemany(
            "INSERT INTO lines_0 (outlet, key, articles, printers) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (outlet, key) DO UPDATE SET articles = articles + excluded.articles,"
            " printers = CASE WHEN articles >= ? OR length(printers) > ? THEN NULL"
            " ELSE printers || ',' || excluded.printers END",
            [
                (outlet, key, int(counted), str(row[0]), learn_after, PRINTERS_BOUND)
                for key in noted
            ],
        ).rowcount
        self._written("lines", added, {"learn_after": learn_after, "bound": PRINTERS_BOUND})
        counts = self._line_counts(outlet, noted)
        now = [key for key, n in counts.items() if n == learn_after] if counted else []
        return now, {key for key, n in counts.items() if n >= learn_after}

    def learned_lines(self, outlet: str | None, keys: Iterable[int], learn_after: int) -> set[int]:
        """Those of ``keys`` that ``outlet`` prints in ``learn_after`` or more articles."""
        if outlet is None:
            return set()
        counts = self._line_counts(outlet, list(keys))
        return {key for key, n in counts.items() if n >= learn_after}

    def _line_counts(self, outlet: str, keys: list[int]) -> dict[int, int]:
        """How many counted articles of ``outlet`` print each of ``keys`` (those it has
        noted), summed over the levels of the index."""
        counts: dict[int, int] = {}
        for chunk, marks in in_chunks(keys):
            levels = " UNION ALL ".join(
                f"SELECT key, articles FROM {table} WHERE outlet = ? AND key IN ({marks})"
                for table in _LINE_TABLES
            )
            rows = self.conn.execute(
                f"SELECT key, SUM(articles) FROM ({levels}) GROUP BY key",
                [value for _ in _LINE_TABLES for value in (outlet, *chunk)],
            ).fetchall()
            counts.update((int(key), int(n)) for key, n in rows)
        return counts

    def outlet_articles_with(self, outlet: str, key: int, line: str) -> list[Article]:
        """The articles of ``outlet`` that print the line ``line`` (its key ``key``), in
        ingestion order: read from the line's printers where they are known (see
        :meth:`count_lines`), else found by a full-text phrase search, which may also find
        the words inside a longer line."""
        rows = self.conn.execute(
            " UNION ALL ".join(
                f"SELECT printers FROM {table} WHERE outlet = ? AND key = ?"
                for table in _LINE_TABLES
            ),
            [value for _ in _LINE_TABLES for value in (outlet, key)],
        ).fetchall()
        if rows and all(printers is not None for (printers,) in rows):
            rowids = sorted({int(n) for (printers,) in rows for n in str(printers).split(",")})
            found: list[Article] = []
            for chunk, marks in in_chunks(rowids):
                rows = self.conn.execute(
                    f"SELECT {A_COLUMNS} FROM articles a WHERE a.rowid IN ({marks})"
                    " ORDER BY a.rowid",
                    chunk,
                ).fetchall()
                found += [_article(r) for r in rows]
            return found
        words = re.findall(r"\w+", line)
        if not words:
            return []
        phrase = '"' + " ".join(words) + '"'
        rows = self.conn.execute(
            f"SELECT {A_COLUMNS} FROM articles_fts f JOIN articles a ON a.rowid = f.rowid"
            " WHERE articles_fts MATCH ? AND a.outlet = ? ORDER BY a.rowid",
            ("text : " + phrase, outlet),
        ).fetchall()
        return [_article(row) for row in rows]

    def set_furniture(self, article_id: str, furniture: Iterable[Furniture]) -> bool:
        """Replace an article's furniture and mark it marked; returns whether it changed.
        Call inside :meth:`transaction`."""
        new = tuple(furniture)
        changed = new != self.furniture(article_id)
        if changed:
            self.conn.execute("DELETE FROM furniture WHERE article_id = ?", (article_id,))
            # The sentences were read from the text without its furniture: read them again.
            self.conn.execute("DELETE FROM sentence_spans WHERE article_id = ?", (article_id,))
            self.conn.executemany(
                "INSERT INTO furniture (article_id, start, end, kind) VALUES (?, ?, ?, ?)",
                [(article_id, f.start, f.end, f.kind) for f in new],
            )
        self.conn.execute("UPDATE articles SET furniture_marked = 1 WHERE id = ?", (article_id,))
        return changed

    def furniture(self, article_id: str) -> tuple[Furniture, ...]:
        rows = self.conn.execute(
            "SELECT start, end, kind FROM furniture WHERE article_id = ? ORDER BY start",
            (article_id,),
        ).fetchall()
        return tuple(Furniture(int(r[0]), int(r[1]), str(r[2])) for r in rows)

    # -- sentences as a telling reads them ---------------------------------------------------

    def save_sentences(self, article_id: str, spans: Sequence[tuple[int, int]]) -> None:
        """Keep an article's sentence spans (:mod:`storyline.analysis.sentences`), replacing
        any it had."""
        packed = np.asarray(spans, dtype="<u4").reshape(-1, 2).tobytes()
        self.conn.execute(
            "INSERT OR REPLACE INTO sentence_spans (article_id, spans) VALUES (?, ?)",
            (article_id, packed),
        )

    def stored_sentences(self, article_ids: Sequence[str]) -> dict[str, list[tuple[int, int]]]:
        """The kept sentence spans of those of ``article_ids`` that have them."""
        found: dict[str, list[tuple[int, int]]] = {}
        for chunk, marks in in_chunks(article_ids):
            rows = self.conn.execute(
                f"SELECT article_id, spans FROM sentence_spans WHERE article_id IN ({marks})",
                tuple(chunk),
            )
            for article_id, packed in rows:
                pairs = np.frombuffer(packed, dtype="<u4").reshape(-1, 2).tolist()
                found[str(article_id)] = [(start, end) for start, end in pairs]
        return found

    def unmarked(self) -> Iterator[Article]:
        """Articles stored before furniture was marked (an older store), in ingestion order."""
        rows = self.conn.execute(
            "SELECT a.id FROM articles a WHERE a.furniture_marked = 0 ORDER BY a.rowid"
        ).fetchall()
        return self.stream_articles([str(row[0]) for row in rows])

    def stream_articles(self, ids: Sequence[str]) -> Iterator[Article]:
        """The stored articles of ``ids`` in that order, read a chunk at a time (ids not
        stored are left out).

        What a run walks through (articles to analyse, to place) is taken as a list of ids
        when it starts, so writes during the walk change nothing of it, but the articles are
        read as they are reached: held whole, texts included, the list of a 100,000-article
        run was what made the ingest's memory grow with its input (bench/RESULTS.md).
        """
        for chunk, marks in in_chunks(ids):
            rows = self.conn.execute(
                f"SELECT {A_COLUMNS} FROM articles a WHERE a.id IN ({marks})", tuple(chunk)
            ).fetchall()
            found = {article.id: article for article in map(_article, rows)}
            yield from (found[i] for i in chunk if i in found)

    def forget_analysis(self, article_id: str) -> None:
        """Drop an article's analysis (mentions and quotes too) and its story's telling, so the
        next run analyses it again and tells its story again (its furniture changed). Call
        inside :meth:`transaction`."""
        for table in ("analyses", "mentions", "quotes"):
            self.conn.execute(f"DELETE FROM {table} WHERE article_id = ?", (article_id,))
        self.conn.execute(
            "DELETE FROM story_tellings WHERE story_id IN"
            " (SELECT story_id FROM story_articles WHERE article_id = ?)",
            (article_id,),
        )
