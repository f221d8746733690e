"""Listing and full-text search of articles (FTS5), by entity and date."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from storyline.errors import BadRequest
from storyline.records import (
    Article,
)
from storyline.store.base import _NAMING, A_COLUMNS, _article

#: Distinct words a search may have: each costs a pass over its postings (issue 22: 166
#: prefix terms took a second, ten such searches at once 7.6 s each).
MAX_TERMS = 12
#: Letters a prefix needs before its ``*``: "a*" would match most of the index.
MIN_PREFIX = 3
#: Matches a search ranks: the newest this many (in the order they were stored). FTS5 scores
#: every match before it can return the best 50, at about 0.7 microseconds each: a word half
#: of a 100,000-article store prints cost 100 ms a search, and its newest 1,000 matches cost
#: 1 to 3 ms. A word in fewer articles is ranked over all of them, as before. News readers
#: want the recent reports of a common word first; an older one is found by adding a word or
#: a date (the filters apply before the window).
SEARCH_WINDOW = 1000


def fts_query(text: str) -> str:
    """Turn what a user typed into a safe FTS5 query: every word must occur (prefixes allowed
    with a trailing ``*``). Quoting each term keeps FTS5 syntax errors away from users; the
    cost is bounded: repeated words count once, a prefix needs MIN_PREFIX letters (a shorter
    one is taken as a word), and more than MAX_TERMS words is a :class:`BadRequest`."""
    quoted: list[str] = []
    for term in re.findall(r"[\w'-]+\*?", text):
        word = term.rstrip("*").replace('"', "")
        star = term.endswith("*") and len(word) >= MIN_PREFIX
        item = f'"{word}"' + ("*" if star else "")
        if word and item not in quoted:
            quoted.append(item)
    if len(quoted) > MAX_TERMS:
        raise BadRequest(f"too many search words ({len(quoted)}; at most {MAX_TERMS})")
    return " ".join(quoted)


class SearchQueries:
    """Mixed into :class:`~storyline.store.Store`."""

    conn: sqlite3.Connection

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
        columns = A_COLUMNS
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
            # FTS5 hands matches out newest first (by rowid) without sorting, so the inner
            # query stops after SEARCH_WINDOW of them; only those are scored and ranked. The
            # articles are joined there only for filters, and the page is cut from the ranked
            # rowids before the articles' columns are read: joined to the whole window, SQLite
            # read every article's row (text included) into its sorter, half a search's SQL
            # time on a 100,000-article store (bench/RESULTS.md).
            joined = " JOIN articles a ON a.rowid = articles_fts.rowid" if where else ""
            rows = self.conn.execute(
                f"SELECT {columns} FROM (SELECT found, score FROM ("
                " SELECT articles_fts.rowid AS found, bm25(articles_fts, 5.0, 1.0) AS score"
                f" FROM articles_fts{joined}"
                " WHERE articles_fts MATCH ?"
                + "".join(f" AND {w}" for w in where)
                + " ORDER BY articles_fts.rowid DESC LIMIT ?"
                ") ORDER BY score, found DESC LIMIT ? OFFSET ?)"
                " JOIN articles a ON a.rowid = found ORDER BY score, found DESC",
                (match, *params, SEARCH_WINDOW, limit, offset),
            ).fetchall()
        else:
            rows = self.conn.execute(
                f"SELECT {columns} FROM articles a"
                + (" WHERE " + " AND ".join(where) if where else "")
                + " ORDER BY a.published IS NULL, a.published DESC, a.rowid DESC LIMIT ? OFFSET ?",
                (*params, limit, offset),
            ).fetchall()
        return [_article(row) for row in rows]
