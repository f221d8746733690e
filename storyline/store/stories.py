"""Stories: assignments, merges and splits, the clusterer's saved state, tellings."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from storyline.records import (
    ARRIVAL_SQL,
    Article,
    DigestLine,
    Telling,
    TimelineEntry,
)
from storyline.store.analyses import AnalysisQueries
from storyline.store.base import _NAMING, A_COLUMNS, _article, in_chunks, now_iso

#: A story's articles in publication order, undated last, then in ingestion order.
_STORY_ORDER = " ORDER BY COALESCE(a.published, '9999'), a.rowid"

#: One assignment as the store records it: article, story, similarity, the stories merged
#: into that story, and the split it caused (from story, to story, the articles that left).
Placed = tuple[str, str, float, tuple[str, ...], tuple[str, str, tuple[str, ...]] | None]


class StoryQueries(AnalysisQueries):
    # -- stories -----------------------------------------------------------------------------

    def unassigned(self) -> Iterator[Article]:
        """Articles without a story, in arrival order."""
        rows = self.conn.execute(
            "SELECT a.id FROM articles a"
            " LEFT JOIN story_articles s ON s.article_id = a.id WHERE s.article_id IS NULL"
            f" ORDER BY {ARRIVAL_SQL}"
        ).fetchall()
        return self.stream_articles([str(row[0]) for row in rows])

    def assignments_after(self, covered: int) -> Iterator[tuple[Article, str]]:
        """(article, story id) of the assignments recorded after the first ``covered``, copies
        left out, in the articles' arrival order."""
        rows = self.conn.execute(
            "SELECT a.id, s.story_id"
            " FROM story_articles s JOIN articles a ON a.id = s.article_id"
            " LEFT JOIN duplicates d ON d.article_id = a.id"
            " WHERE s.rowid > ? AND d.article_id IS NULL"
            f" ORDER BY {ARRIVAL_SQL}",
            (covered,),
        ).fetchall()
        stories = dict(rows)
        return ((a, str(stories[a.id])) for a in self.stream_articles([r[0] for r in rows]))

    def last_assignment(self) -> int:
        """A mark of the assignments recorded so far (they are numbered in order)."""
        row = self.conn.execute("SELECT MAX(rowid) FROM story_articles").fetchone()
        return int(row[0] or 0)

    def redirects_of(self, story_ids: list[str]) -> dict[str, str]:
        """Which of ``story_ids`` were merged away, and into which story."""
        found: dict[str, str] = {}
        for chunk, marks in in_chunks(story_ids):
            found.update(
                self.conn.execute(
                    f"SELECT old_id, new_id FROM story_redirects WHERE old_id IN ({marks})",
                    tuple(chunk),
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
        self.record_placements([(article_id, story_id, similarity, merged, moved)], None)

    def record_placements(
        self,
        assignments: Sequence[Placed],
        state: bytes | None,
    ) -> None:
        """Record a batch of assignments (as :meth:`assign_story` takes them) and the
        clusterer's state after them, in one transaction: a run killed at any point leaves
        the store at a batch boundary with the state that matches it, so the rerun decides
        the rest exactly as an uninterrupted run would."""
        with self.transaction() as conn:
            for assignment in assignments:
                self._assign(conn, assignment)
            if state is not None:
                covered = conn.execute("SELECT MAX(rowid) FROM story_articles").fetchone()[0]
                conn.execute(
                    "INSERT OR REPLACE INTO story_state (id, covered, state, saved_at)"
                    " VALUES (1, ?, ?, ?)",
                    (int(covered or 0), state, now_iso()),
                )

    def _assign(self, conn: sqlite3.Connection, placed: Placed) -> None:
        article_id, story_id, similarity, merged, moved = placed
        for old in merged:
            conn.execute(
                "UPDATE story_articles SET story_id = ? WHERE story_id = ?", (story_id, old)
            )
            # The merged-away story is told no more; its id redirects to this one.
            conn.execute("DELETE FROM story_tellings WHERE story_id = ?", (old,))
            conn.execute("UPDATE story_redirects SET new_id = ? WHERE new_id = ?", (story_id, old))
            conn.execute("UPDATE story_splits SET from_id = ? WHERE from_id = ?", (story_id, old))
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
        offset: int = 0,
        entity: str | None = None,
        start: str | None = None,
        end: str | None = None,
        outlet: str | None = None,
        min_size: int = 1,
        order: str = "latest",
    ) -> list[dict[str, Any]]:
        """Stories, newest activity first (``order="biggest"``: most articles first): size,
        outlets, first and last article.

        ``entity`` keeps stories that name it (any spelling of its name); ``start``/``end``
        (ISO dates) keep stories with an article published in that window; ``outlet`` those
        an outlet carried; ``min_size`` those of at least that many articles.
        """
        where: list[str] = []
        params: list[Any] = []
        if entity:
            where.append(
                "s.story_id IN (SELECT story_id FROM story_articles"
                f" WHERE article_id IN ({_NAMING}))"
            )
            params.append(entity)
        if outlet:
            where.append(
                "s.story_id IN (SELECT x.story_id FROM story_articles x"
                " JOIN articles y ON y.id = x.article_id WHERE y.outlet = ?)"
            )
            params.append(outlet)
        having = ["COUNT(*) >= ?"]
        params.append(min_size)
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
            + (
                " ORDER BY COUNT(*) DESC, MAX(a.published) DESC, s.story_id"
                if order == "biggest"
                else " ORDER BY MAX(a.published) DESC, s.story_id"
            )
            + " LIMIT ? OFFSET ?",
            (*params, limit, offset),
        ).fetchall()
        headlines = self.story_headlines([str(r[0]) for r in rows])
        return [
            {
                "id": r[0],
                "articles": r[1],
                "outlets": r[2],
                "first": r[3],
                "last": r[4],
                "headline": headlines.get(str(r[0])),
                "top_entities": self.story_entities(str(r[0]), limit=3),
            }
            for r in rows
        ]

    def story_articles(self, story_id: str) -> list[Article]:
        """A story's articles, copies included, in publication order (undated last)."""
        rows = self.conn.execute(
            f"SELECT {A_COLUMNS} FROM story_articles s"
            f" JOIN articles a ON a.id = s.article_id WHERE s.story_id = ?{_STORY_ORDER}",
            (story_id,),
        ).fetchall()
        return [_article(row) for row in rows]

    def story_article_ids(self, story_id: str) -> list[str]:
        """The ids of :meth:`story_articles`, in the same order, without reading any text."""
        rows = self.conn.execute(
            "SELECT a.id FROM story_articles s JOIN articles a ON a.id = s.article_id"
            f" WHERE s.story_id = ?{_STORY_ORDER}",
            (story_id,),
        )
        return [str(r[0]) for r in rows]

    def articles_in_order(self, ids: Sequence[str]) -> list[Article]:
        """The stored articles of ``ids``, in that order (ids not stored are left out)."""
        return list(self.stream_articles(ids))

    def story_entities(self, story_id: str, *, limit: int = 10) -> list[tuple[str, str, int]]:
        """(canonical name, label, articles naming it) of a story's most named actors."""
        return [(name, label, n) for _, name, label, n in self.story_actors(story_id, limit)]

    def story_actors(self, story_id: str, limit: int) -> list[tuple[int, str, str, int]]:
        """(entity id, canonical name, label, articles naming it), most named first: in the
        most articles, then the most often."""
        rows = self.conn.execute(
            "SELECT e.id, e.canonical, e.label, COUNT(DISTINCT m.article_id) FROM story_articles s"
            " JOIN mentions m ON m.article_id = s.article_id JOIN entities e ON e.id = m.entity_id"
            " WHERE s.story_id = ? AND e.label IN ('PERSON', 'ORG', 'GPE', 'LOC')"
            # Ties in articles go to the name they name more often (the actors of a story of
            # one article were in alphabetical order); then the name, for a stable order.
            " GROUP BY e.id ORDER BY COUNT(DISTINCT m.article_id) DESC, COUNT(*) DESC,"
            " e.canonical LIMIT ?",
            (story_id, limit),
        ).fetchall()
        return [(int(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows]

    def articles_naming(self, story_id: str, entity_ids: Sequence[int]) -> int:
        """How many of a story's articles name any of these entities."""
        marks = ", ".join("?" for _ in entity_ids)
        (count,) = self.conn.execute(
            "SELECT COUNT(DISTINCT m.article_id) FROM story_articles s"
            " JOIN mentions m ON m.article_id = s.article_id"
            f" WHERE s.story_id = ? AND m.entity_id IN ({marks})",
            (story_id, *entity_ids),
        ).fetchone()
        return int(count)

    def stories_of(self, article_ids: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        """The story (through its original, for a copy) and that story's headline
        (:meth:`story_headlines`) of each of these articles that has one, in three statements
        for all of them: a search page lists 50 articles, and three lookups each cost more
        than the search itself."""
        if not article_ids:
            return {}
        marks = ", ".join("?" for _ in article_ids)
        rows = self.conn.execute(
            "SELECT x.id, s.story_id FROM articles x"
            " LEFT JOIN duplicates d ON d.article_id = x.id"
            " JOIN story_articles s ON s.article_id = COALESCE(d.canonical_id, x.id)"
            f" WHERE x.id IN ({marks})",
            tuple(article_ids),
        ).fetchall()
        stories = {str(a): str(s) for a, s in rows}
        headlines = self.story_headlines(sorted(set(stories.values())))
        return {a: (s, headlines.get(s)) for a, s in stories.items()}

    def story_headline(self, story_id: str) -> str | None:
        return self.story_headlines([story_id]).get(story_id)

    def story_headlines(self, story_ids: Sequence[str]) -> dict[str, str | None]:
        """Each story's told headline; the first article's title until it has been told. Two
        statements for any number of stories (a list or a search page shows dozens)."""
        headlines: dict[str, str | None] = {}
        for chunk, marks in in_chunks(story_ids):
            headlines.update(
                self.conn.execute(
                    "SELECT story_id, headline FROM story_tellings"
                    f" WHERE headline != '' AND story_id IN ({marks})",
                    tuple(chunk),
                ).fetchall()
            )
        untold = [s for s in story_ids if s not in headlines]
        for chunk, marks in in_chunks(untold):
            headlines.update(
                self.conn.execute(
                    "SELECT story_id, title FROM (SELECT s.story_id, a.title, ROW_NUMBER() OVER"
                    " (PARTITION BY s.story_id ORDER BY COALESCE(a.published, '9999'), a.rowid)"
                    " AS n FROM story_articles s JOIN articles a ON a.id = s.article_id"
                    f" WHERE s.story_id IN ({marks})) WHERE n = 1",
                    tuple(chunk),
                ).fetchall()
            )
        return headlines

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
