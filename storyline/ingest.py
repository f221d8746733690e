"""Ingestion: sources → articles → near-duplicate check → store, one transaction per article.

Re-ingesting is a no-op (article ids are deterministic and checked first; URLs already
stored are not fetched again), and an interrupted run leaves only whole articles behind, so
running the same command again completes the work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from storyline.dedupe import Deduplicator, signature, to_bytes
from storyline.records import Article, Problem
from storyline.sources import SourceOptions, read_sources
from storyline.store import Duplicate, Store


@dataclass(slots=True)
class IngestReport:
    added: int = 0
    #: Articles already in the store (same id): nothing was written for them.
    unchanged: int = 0
    #: Added articles that are copies of a stored article (subset of ``added``).
    copies: int = 0
    problems: list[Problem] = field(default_factory=list)


def ingest_sources(
    store: Store,
    sources: Iterable[str],
    options: SourceOptions | None = None,
    *,
    on_item: Callable[[Article | Problem], None] | None = None,
) -> IngestReport:
    """Read every source into the store; problems are reported, stored, and skipped."""
    options = options or SourceOptions()
    options.known_url = store.has_url
    deduplicator = Deduplicator()
    deduplicator.load(store.signatures())
    report = IngestReport()
    for item in read_sources(sources, options):
        if isinstance(item, Problem):
            report.problems.append(item)
            store.record_problems([item], stage="ingest")
        else:
            add_article(store, deduplicator, item, report)
        if on_item is not None:
            on_item(item)
    return report


def add_article(
    store: Store, deduplicator: Deduplicator, article: Article, report: IngestReport
) -> None:
    if store.has_article(article.id):
        report.unchanged += 1
        return
    minhash = signature(article.text)
    duplicate: Duplicate | None = None
    exact = store.find_by_hash(article.content_hash)
    if exact is not None:
        duplicate = Duplicate(article.id, store.canonical_id(exact), 1.0, "exact")
    else:
        match = deduplicator.find(minhash)
        if match is not None:
            duplicate = Duplicate(
                article.id, match.canonical_id, round(match.similarity, 4), "minhash"
            )
    with store.transaction():
        store.insert_article(article, signature=to_bytes(minhash), duplicate=duplicate)
    # Indexed only once committed, so the in-memory index never holds an unstored article.
    deduplicator.add(article.id, minhash, duplicate.canonical_id if duplicate else None)
    report.added += 1
    if duplicate is not None:
        report.copies += 1
