"""Exports of the store's tables as JSONL, CSV or Parquet.

One row shape per table, shared by the CLI (``storyline export``) and the web UI's download
links. Parquet goes through pyarrow so that DuckDB, Spark and pandas read the files directly.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from storyline.errors import StorylineError
from storyline.store import Store

__all__ = ["EXPORTS", "FORMATS", "rows", "write"]

EXPORTS: dict[str, str] = {
    "articles": (
        "SELECT a.id, a.url, a.outlet, a.title, a.author, a.published, a.language,"
        " s.story_id AS story, d.canonical_id AS copy_of, a.text FROM articles a"
        " LEFT JOIN duplicates d ON d.article_id = a.id"
        " LEFT JOIN story_articles s ON s.article_id = COALESCE(d.canonical_id, a.id)"
        " ORDER BY a.rowid"
    ),
    "quotes": (
        "SELECT q.article_id AS article, q.n, q.kind, q.cue, q.content, q.speaker_name AS speaker,"
        " q.role, q.affiliation, q.speaker_text AS mention, a.published, a.outlet"
        " FROM quotes q JOIN articles a ON a.id = q.article_id ORDER BY a.rowid, q.n"
    ),
    "entities": (
        "SELECT e.canonical AS name, e.label, COUNT(DISTINCT m.article_id) AS articles,"
        " (SELECT group_concat(alias, '|') FROM entity_aliases x WHERE x.entity_id = e.id)"
        " AS aliases FROM entities e LEFT JOIN mentions m ON m.entity_id = e.id"
        " GROUP BY e.id ORDER BY articles DESC, e.canonical"
    ),
    "stories": (
        "SELECT s.story_id AS story, t.headline, COUNT(*) AS articles,"
        " MIN(a.published) AS first, MAX(a.published) AS last"
        " FROM story_articles s JOIN articles a ON a.id = s.article_id"
        " LEFT JOIN story_tellings t ON t.story_id = s.story_id"
        " GROUP BY s.story_id ORDER BY last DESC"
    ),
}
FORMATS = ("jsonl", "csv", "parquet")


class ExportError(StorylineError):
    """An unknown table or format."""


def rows(store: Store, table: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """Column names and rows of one exported table."""
    if table not in EXPORTS:
        raise ExportError(f"no table {table!r}; choose from {', '.join(EXPORTS)}")
    cursor = store.conn.execute(EXPORTS[table])
    return [d[0] for d in cursor.description], iter(cursor)


def write(store: Store, table: str, fmt: str, out: BinaryIO) -> int:
    """Write ``table`` to ``out`` in ``fmt``; the number of rows written."""
    if fmt not in FORMATS:
        raise ExportError(f"no format {fmt!r}; choose from {', '.join(FORMATS)}")
    columns, data = rows(store, table)
    count = 0
    if fmt == "parquet":
        import pyarrow as pa  # only this format needs it
        import pyarrow.parquet as pq

        listed = list(data)
        arrays = {c: [row[i] for row in listed] for i, c in enumerate(columns)}
        pq.write_table(pa.table(arrays), out)
        return len(listed)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    if fmt == "csv":
        writer = csv.writer(text)
        writer.writerow(columns)
        for row in data:
            writer.writerow(row)
            count += 1
    else:
        for row in data:
            text.write(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False) + "\n")
            count += 1
    text.detach()
    return count
