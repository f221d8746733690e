"""Loading the Parquet tables of a Spark job (:mod:`storyline.spark.job`) into the SQLite store.

``storyline load DIR`` needs pyarrow only, not Spark: a cluster writes the tables, a laptop
loads them and serves them with the CLI and the web UI. Loading is idempotent and resumable
like ingestion: each step checks what the store has (an article, its analysis, its story)
and each write is its own transaction, so an interrupted load is finished by running it again
and a second load changes nothing. The stories are then told by the runner
(:func:`storyline.runner.refresh_tellings`), as after an ingest.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from storyline.errors import StorylineError
from storyline.records import (
    ARTICLE_FIELDS,
    Analysis,
    Article,
    Duplicate,
    Problem,
    arrival_key,
)
from storyline.runner import mark_furniture, refresh_tellings
from storyline.store import Store

#: The tables ``load`` reads (the job writes a few more for querying: entities, quotes...).
NEEDED = ("articles", "duplicates", "analyses", "story_members", "story_redirects", "errors")

#: The article columns the job writes and the store keeps; the store stamps ``ingested_at``.
_ARTICLE_FIELDS = tuple(name for name in ARTICLE_FIELDS if name != "ingested_at")


@dataclass(frozen=True, slots=True)
class LoadReport:
    articles: int
    analyses: int
    placed: int
    told: int
    errors: int

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def read_table(directory: Path, name: str) -> list[dict[str, Any]]:
    """Every row of one table of a job's output folder."""
    import pyarrow.parquet as pq

    folder = directory / name
    if not folder.is_dir():
        raise StorylineError(
            f"{folder}: no {name!r} table (is {directory} the --out folder of `storyline spark`?)"
        )
    try:
        rows: list[dict[str, Any]] = pq.read_table(folder).to_pylist()
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError...: name the table
        raise StorylineError(f"{folder}: not a readable Parquet table ({exc})") from exc
    return rows


def load_tables(
    store: Store, directory: Path, *, progress: Callable[[int], None] | None = None
) -> LoadReport:
    """Bring a job's articles, copies, analyses and stories into ``store``; tell the stories."""
    with store.writer():
        return _load(store, directory, progress)


def _load(store: Store, directory: Path, progress: Callable[[int], None] | None) -> LoadReport:
    for name in NEEDED:  # all present before anything is written
        if not (directory / name).is_dir():
            read_table(directory, name)
    rows = sorted(read_table(directory, "articles"), key=lambda row: row["seq"])
    copies = {row["article_id"]: row for row in read_table(directory, "duplicates")}
    added = analysed = 0
    with store.batched():  # committed together, each article whole (Store.batched)
        for row in rows:
            if not store.has_article(row["id"]):
                copy = copies.get(row["id"])
                article = Article(**{name: row[name] for name in _ARTICLE_FIELDS})
                with store.transaction():
                    store.insert_article(
                        article,
                        signature=bytes(row["signature"]),
                        duplicate=None
                        if copy is None
                        else Duplicate(
                            copy["article_id"],
                            copy["canonical_id"],
                            copy["similarity"],
                            copy["method"],
                        ),
                    )
                    # Furniture as ingestion marks it, in the job's read order: the job analysed
                    # each article with the lines its outlet had learned by the end.
                    mark_furniture(store, article, counted=copy is None)
                added += 1
            if progress is not None:
                progress(1)
        for row in read_table(directory, "analyses"):
            if store.get_analysis(row["article_id"]) is None:
                store.save_analysis(Analysis.from_dict(json.loads(row["analysis"])))
                analysed += 1
    placed = _place(store, rows, directory)
    errors = [Problem(row["origin"], row["reason"]) for row in read_table(directory, "errors")]
    known = store.known_problems(stage="spark")
    new_errors = [p for p in errors if (p.origin, p.reason) not in known]
    store.record_problems(new_errors, stage="spark")
    return LoadReport(added, analysed, placed, refresh_tellings(store), len(new_errors))


def _place(store: Store, rows: list[dict[str, Any]], directory: Path) -> int:
    """Record the job's story of every article without one, in arrival order; a story's
    first recorded article also records the ids merged into it (they redirect to it)."""
    members = {row["article_id"]: row for row in read_table(directory, "story_members")}
    merged: dict[str, list[str]] = defaultdict(list)
    for row in read_table(directory, "story_redirects"):
        merged[row["new_id"]].append(row["old_id"])
    placed = 0
    arrival = sorted(rows, key=lambda row: arrival_key(row["published"], row["seq"]))
    for row in arrival:
        member = members.get(row["id"])
        if member is None or store.story_of(row["id"]) is not None:
            continue
        story_id = member["story_id"]
        store.assign_story(
            row["id"], story_id, member["similarity"], tuple(merged.pop(story_id, ()))
        )
        placed += 1
    return placed
