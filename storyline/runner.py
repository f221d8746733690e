"""The runner: the one place that knows the pipeline's order and where its results are kept.

    ingest ──► analyse ──► place in stories ──► tell
    (read, dedupe,   (spaCy once,    (the online         (headline, digest,
     store)           stages, store)  clusterer, store)   timeline, store)

The steps (:mod:`storyline.ingest`, :mod:`storyline.analysis`, :mod:`storyline.stories`,
:mod:`storyline.telling`) are plain functions over records; this module adapts them to the
store, each write in its own transaction, so that an interrupted run is completed by running
it again. Every shell uses it: the CLI (``ingest``, ``analyze --stored``, ``demo``), ``load``
(the Spark job's tables), tests and bench scripts. The Spark job runs the same steps on its
executors and the same :class:`~storyline.stories.clusterer.Placement` on its driver.
"""

from __future__ import annotations

import functools
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Concatenate, ParamSpec, TypeVar

from spacy.language import Language

from storyline.analysis import DEFAULT_STAGES
from storyline.analysis.pipeline import analyze
from storyline.analysis.times import find_times
from storyline.errors import SourceError
from storyline.ingest.bands import band_keys
from storyline.ingest.dedupe import (
    DUPLICATE_THRESHOLD,
    best_match,
    copy_rule,
    hash_values,
    signature,
    to_bytes,
)
from storyline.ingest.feeds import feed_facts, max_age, next_poll
from storyline.ingest.fetch import Fetcher
from storyline.ingest.furniture import (
    LEARN_AFTER,
    blank,
    find_furniture,
    keyed_pieces,
    line_keys,
)
from storyline.ingest.sources import SourceOptions, read_feed, read_sources
from storyline.records import Article, Feed, Problem, TimeExpr, is_analyzed, published_date
from storyline.store import Store
from storyline.store.stories import Placed
from storyline.stories.clusterer import (
    Arrival,
    Placement,
    StoryClusterer,
    article_terms,
    decode_state,
    encode_state,
)
from storyline.telling.sentences import spans_of
from storyline.telling.tell import tell, told_articles

__all__ = [
    "CHECKPOINT_EVERY",
    "IngestReport",
    "PollReport",
    "RunReport",
    "add_article",
    "analyze_pending",
    "ingest_sources",
    "mark_furniture",
    "mark_unmarked",
    "news",
    "place_and_tell",
    "place_stories",
    "poll_feeds",
    "refresh_tellings",
    "run",
    "story_times",
]

P = ParamSpec("P")
R = TypeVar("R")


def _writing(function: Callable[Concatenate[Store, P], R]) -> Callable[Concatenate[Store, P], R]:
    """Run ``function`` as the store's only writer (:meth:`Store.writer`): concurrent ingests,
    analyses and placements take turns and give what a sequential run gives."""

    @functools.wraps(function)
    def wrapper(store: Store, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with store.writer():
            return function(store, *args, **kwargs)

    return wrapper


#: Fewest articles to analyse for worker processes to pay for their start (about a second):
#: below it one process parses. Measured with bench/throughput.py (bench/RESULTS.md).
PARALLEL_FROM = 200


def worker_count(workers: int | None, articles: int) -> int:
    """How many processes analyse ``articles``: ``workers`` (None: every core) for a run long
    enough to gain from them, one otherwise."""
    wanted = workers if workers is not None else (os.cpu_count() or 1)
    return max(1, wanted) if articles >= PARALLEL_FROM else 1


#: Decisions per committed batch of assignments (with the clusterer's state after them). A
#: kill loses at most one batch of work, redone by the rerun; the state costs one write a batch.
CHECKPOINT_EVERY = 1000


# -- ingest ----------------------------------------------------------------------------------


@dataclass(slots=True)
class IngestReport:
    added: int = 0
    #: Articles already in the store (same id): nothing was written for them.
    unchanged: int = 0
    #: Added articles that are copies of a stored article (subset of ``added``).
    copies: int = 0
    problems: list[Problem] = field(default_factory=list)


@_writing
def ingest_sources(
    store: Store,
    sources: Iterable[str],
    options: SourceOptions | None = None,
    *,
    on_item: Callable[[Article | Problem], None] | None = None,
) -> IngestReport:
    """Read every source into the store; problems are reported, stored, and skipped.

    Re-ingesting is a no-op (article ids are deterministic and checked first; URLs already
    stored are not fetched again), and an interrupted run leaves only whole articles behind.
    """
    options = options or SourceOptions()
    options.known_url = store.has_url
    report = IngestReport()
    store_items(store, read_sources(sources, options), report, on_item=on_item)
    return report


def store_items(
    store: Store,
    items: Iterable[Article | Problem],
    report: IngestReport,
    *,
    stage: str = "ingest",
    on_item: Callable[[Article | Problem], None] | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """Store each article a reader yields (:func:`add_article`) and record each problem under
    ``stage``; ``stop`` is asked between two items (a signal to end cleanly).

    Articles are committed in batches (:meth:`Store.batched`), each one whole: a reader of the
    store sees a running ingest's articles at most half a second (and one item's reading)
    after they are stored.
    """
    with store.batched():
        for item in items:
            if isinstance(item, Problem):
                report.problems.append(item)
                store.record_problems([item], stage=stage)
            else:
                add_article(store, item, report)
            if on_item is not None:
                on_item(item)
            if stop():
                break


def add_article(store: Store, article: Article, report: IngestReport) -> None:
    """Store one article with its signature and, if it copies a stored one, the link.

    A near-copy's candidates come from the store's index of LSH bands, not from an index of
    every stored signature held in memory: memory stays the same however large the store.
    """
    if store.has_article(article.id):
        report.unchanged += 1
        return
    minhash = signature(article.text)
    data = to_bytes(minhash)
    bands = band_keys(data)
    exact = store.find_by_hash(article.content_hash)
    if exact is not None:
        duplicate = copy_rule(article.id, store.canonical_id(exact), None)
    else:
        candidates = ((c, hash_values(d)) for c, d in store.copy_candidates(bands))
        match = best_match(minhash, candidates, DUPLICATE_THRESHOLD)
        duplicate = copy_rule(article.id, None, match)
    with store.transaction():
        store.insert_article(article, signature=data, duplicate=duplicate, bands=bands)
        mark_furniture(store, article, counted=duplicate is None)
    report.added += 1
    if duplicate is not None:
        report.copies += 1


# -- page furniture --------------------------------------------------------------------------


def mark_furniture(store: Store, article: Article, *, counted: bool) -> None:
    """Mark ``article``'s furniture (:mod:`storyline.ingest.furniture`); call inside the
    transaction that stores it.

    Its lines are noted for its outlet first, and counted with ``counted`` (an article that
    copies no stored one: the copies of one story are not an outlet's furniture). A line
    that reaches :data:`~storyline.ingest.furniture.LEARN_AFTER` articles just now is
    furniture from now on, and the outlet's stored articles that print it are marked again:
    an analysed one is analysed again by the next run (its quotes, entities and times came
    from furniture), and its story told again.
    """
    keyed = keyed_pieces(article.text)
    keys = line_keys(article.text, keyed)
    learned_now: list[int] = []
    learned: set[int] = set()
    if article.outlet:
        learned_now, learned = store.count_lines(
            article.outlet, article.id, keys, LEARN_AFTER, counted=counted
        )
    store.set_furniture(article.id, find_furniture(article.text, learned, keyed))
    for key in learned_now:
        for earlier in store.outlet_articles_with(article.outlet or "", key, keys[key]):
            if earlier.id == article.id:
                continue
            earlier_keyed = keyed_pieces(earlier.text)
            earlier_keys = line_keys(earlier.text, earlier_keyed)
            if key not in earlier_keys:  # a phrase search also finds longer lines
                continue
            known = store.learned_lines(earlier.outlet, earlier_keys, LEARN_AFTER)
            if store.set_furniture(earlier.id, find_furniture(earlier.text, known, earlier_keyed)):
                store.forget_analysis(earlier.id)


@_writing
def mark_unmarked(store: Store) -> int:
    """Mark the furniture of articles stored before it was marked (a store from an older
    Storyline), in ingestion order, as ingestion would have; returns how many."""
    done = 0
    for article in store.unmarked():
        with store.transaction():
            mark_furniture(store, article, counted=store.duplicate_of(article.id) is None)
            if store.furniture(article.id):
                store.forget_analysis(article.id)
        done += 1
    return done


def news(store: Store, article: Article) -> Article:
    """``article`` as the stages read it: its furniture blanked (offsets unchanged)."""
    furniture = store.furniture(article.id)
    return replace(article, text=blank(article.text, furniture)) if furniture else article


# -- analyse ---------------------------------------------------------------------------------


@_writing
def analyze_pending(
    store: Store,
    *,
    stages: Sequence[str] = DEFAULT_STAGES,
    nlp: Language | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    total: Callable[[int], None] | None = None,
) -> tuple[int, list[Problem]]:
    """Analyse and store every stored canonical article in an analysed language that has no
    analysis yet. Each analysis is saved in its own transaction, so an interrupted run keeps
    what it finished and the next run picks up the rest. Analysis runs in ``workers``
    processes (None: every core) when there are enough articles (:func:`worker_count`); this
    process, the one writer, stores the results. ``total`` is told how
    many articles are about to be analysed, ``progress`` each one done."""
    done = 0
    problems: list[Problem] = []
    mark_unmarked(store)
    store.settle_kinds()
    ids = store.pending_analysis_ids()
    if total is not None:
        total(len(ids))
    processes = worker_count(workers, len(ids))
    pending = (news(store, article) for article in store.stream_articles(ids))
    for result in analyze(pending, stages=stages, nlp=nlp, workers=processes):
        if isinstance(result, Problem):
            problems.append(result)
        else:
            store.save_analysis(result)
            done += 1
        if progress is not None:
            progress(1)
    if problems:
        store.record_problems(problems, stage="analyze")
    return done, problems


# -- place in stories ------------------------------------------------------------------------


@_writing
def place_stories(store: Store) -> int:
    """Give every stored article without a story one, in arrival order; returns how many.

    The clusterer starts from the state saved by the previous run (its centroids, document
    frequencies and redirects), so a run costs what its new articles cost, not what the whole
    store holds. Assignments stored after that state was saved (a run interrupted between
    checkpoints, or stories brought in by ``storyline load``) are replayed into it first, with
    their merges and splits. New articles then go through the one
    :class:`~storyline.stories.clusterer.Placement` loop.

    Assignments are committed in batches of :data:`CHECKPOINT_EVERY` decisions, each in one
    transaction with the clusterer's state after it (``Store.record_placements``): a run killed
    anywhere leaves the stories of a batch boundary and the matching state, so the rerun makes
    exactly the decisions an uninterrupted run makes (issue 22: committing each assignment
    alone and the state every 1,000 left reruns that replayed assignments approximately).
    """
    covered, clusterer = _saved_clusterer(store)
    for article, story_id in store.assignments_after(covered):
        clusterer.place(
            article.id, _terms(store, article), published_date(article.published), story_id
        )
    for old, new in store.redirects_of(list(clusterer.stories)).items():
        clusterer.merge_stored(old, new)
    placement = Placement(clusterer, store.story_of)
    batch: list[Placed] = []
    assigned = decided = 0
    for result in placement.run(_arrivals(store)):
        split = result.split
        moved = None if split is None else (split.from_id, split.to_id, split.articles)
        batch.append((result.article_id, result.story_id, result.similarity, result.merged, moved))
        assigned += 1
        if not result.is_copy:
            decided += 1
            if decided % CHECKPOINT_EVERY == 0:
                # The state is taken between two decisions: it describes exactly the batch.
                store.record_placements(batch, encode_state(clusterer))
                batch = []
    if batch or covered != store.last_assignment():
        store.record_placements(batch, encode_state(clusterer))
    return assigned


def _arrivals(store: Store) -> Iterator[Arrival]:
    for article in store.unassigned():
        day = published_date(article.published)
        duplicate = store.duplicate_of(article.id)
        if duplicate is not None:
            yield Arrival(article.id, day, copy=duplicate)
        else:
            yield Arrival(article.id, day, _terms(store, article))


def _terms(store: Store, article: Article) -> Counter[str]:
    analysis = store.get_analysis(article.id)
    return article_terms(news(store, article).text, analysis.mentions if analysis else ())


def _saved_clusterer(store: Store) -> tuple[int, StoryClusterer]:
    """(assignments covered, clusterer) from the saved state; a fresh one without it."""
    saved = store.story_state()
    clusterer = decode_state(saved[1]) if saved is not None else None
    if saved is None or clusterer is None:
        # No state (a store made before it was saved) or an older format: replay everything.
        return 0, StoryClusterer()
    return saved[0], clusterer


# -- tell ------------------------------------------------------------------------------------


def story_times(store: Store, articles: Sequence[Article]) -> dict[str, tuple[TimeExpr, ...]]:
    """The time expressions of each article, as the time stage stored them.

    A copy has its own text and publication date, so its expressions are found in it (the
    same function the time stage runs); so are those of an article analysed without the
    time stage.
    """
    times: dict[str, tuple[TimeExpr, ...]] = {}
    for article in articles:
        analysis = store.get_analysis(article.id)
        if analysis is not None and "times" in analysis.stages:
            times[article.id] = analysis.times
        else:
            times[article.id] = tuple(find_times(article.text, article.published))
    return times


def story_sentences(store: Store, articles: Sequence[Article]) -> dict[str, list[tuple[int, int]]]:
    """The sentence spans of each article, as the store keeps them; those of the articles it
    has none for (copies, which are not analysed, and articles of an older store) are found
    and kept, so the story's next telling splits nothing again. Articles in a language the
    telling leaves out have none."""
    spans = store.stored_sentences([article.id for article in articles])
    missing = [a for a in articles if is_analyzed(a) and a.id not in spans]
    if missing:
        with store.transaction():
            for article, found in zip(missing, spans_of(missing), strict=True):
                store.save_sentences(article.id, found)
                spans[article.id] = found
    return spans


@_writing
def refresh_tellings(
    store: Store,
    *,
    total: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Tell again every story that gained or lost articles since it was last told
    (``total`` is told how many, ``progress`` each one told)."""
    stale = store.stale_tellings()
    if total is not None:
        total(len(stale))
    for story_id in stale:
        ids = store.story_article_ids(story_id)
        articles = [news(store, a) for a in store.articles_in_order(told_articles(ids))]
        spans = story_sentences(store, articles)
        times = story_times(store, articles)
        store.save_telling(tell(story_id, articles, times, spans, size=len(ids)))
        if progress is not None:
            progress(1)
    return len(stale)


@_writing
def place_and_tell(store: Store) -> int:
    """Place newly analysed articles in stories, then tell again the stories that changed;
    returns how many articles were placed."""
    placed = place_stories(store)
    refresh_tellings(store)
    return placed


# -- the whole pipeline ----------------------------------------------------------------------


@dataclass(slots=True)
class RunReport:
    ingest: IngestReport
    analyzed: int = 0
    placed: int = 0
    problems: list[Problem] = field(default_factory=list)


@_writing
def run(
    store: Store,
    sources: Iterable[str],
    options: SourceOptions | None = None,
    *,
    analyze: bool = True,
    on_item: Callable[[Article | Problem], None] | None = None,
    on_analysis: Callable[[int], None] | None = None,
    on_problem: Callable[[Problem], None] | None = None,
    pending: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> RunReport:
    """Ingest SOURCES, then (with ``analyze``) analyse what is new, place it in stories and
    tell the stories that changed: what ``storyline ingest`` and ``demo`` run.

    ``on_item`` sees every ingested record, ``pending`` the number of articles about to be
    analysed, ``on_analysis`` each analysed one, ``on_problem`` each analysis problem.
    """
    report = RunReport(ingest_sources(store, sources, options, on_item=on_item))
    if not analyze:
        return report
    report.analyzed, report.problems = analyze_pending(
        store, progress=on_analysis, workers=workers, total=pending
    )
    for problem in report.problems:
        if on_problem is not None:
            on_problem(problem)
    report.placed = place_and_tell(store)
    return report


# -- following feeds -------------------------------------------------------------------------


@dataclass(slots=True)
class PollReport:
    polled: int = 0
    not_modified: int = 0
    failed: int = 0
    added: int = 0
    copies: int = 0
    analyzed: int = 0
    placed: int = 0
    problems: list[Problem] = field(default_factory=list)


@_writing
def poll_feeds(
    store: Store,
    fetcher: Fetcher,
    *,
    every: float,
    options: SourceOptions | None = None,
    analyze: bool = True,
    stop: Callable[[], bool] = lambda: False,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_item: Callable[[Article | Problem], None] | None = None,
) -> PollReport:
    """Poll every subscribed feed that is due, store its new items, then analyse, place and
    tell as ``ingest`` does.

    A conditional GET (the ETag and Last-Modified of the last answer) makes an unchanged feed
    a 304 and nothing more; only items whose pages are not stored are fetched (politely,
    through ``fetcher``); a page that fails keeps the feed item's own title, summary and date.
    Each article is its own transaction and each feed's poll is recorded when it ends, so a
    crash loses at most the feed in hand, and ``stop`` (a signal) is obeyed between articles.
    """
    options = options or SourceOptions()
    options.known_url = store.has_url
    options.fetcher = fetcher
    report = PollReport()
    for feed in store.due_feeds(now().isoformat(timespec="seconds")):
        if stop():
            break
        report.polled += 1
        headers = {}
        if feed.etag:
            headers["If-None-Match"] = feed.etag
        if feed.last_modified:
            headers["If-Modified-Since"] = feed.last_modified
        started = now()
        try:
            response = fetcher.get(feed.url, headers=headers)
        except SourceError as exc:
            _poll_failed(store, feed, exc, every, started, report)
            continue
        waits = [max_age(response.header("cache-control"))]
        if response.status == 304:
            report.not_modified += 1
            store.record_poll(
                replace(
                    feed,
                    last_poll=started.isoformat(timespec="seconds"),
                    status="not modified",
                    failures=0,
                    next_poll=next_poll(started, every, at_least=waits),
                )
            )
            continue
        title, ttl = feed_facts(response.content)
        added = IngestReport()
        try:
            items = read_feed(response.content, feed.url, options)
            store_items(store, items, added, stage="watch", on_item=on_item, stop=stop)
        except SourceError as exc:
            _poll_failed(store, feed, exc, every, started, report)
            continue
        report.added += added.added
        report.copies += added.copies
        report.problems += added.problems
        store.record_poll(
            replace(
                feed,
                title=title or feed.title,
                etag=response.header("etag"),
                last_modified=response.header("last-modified"),
                last_poll=started.isoformat(timespec="seconds"),
                status="ok",
                articles_added=feed.articles_added + added.added,
                failures=0,
                next_poll=next_poll(started, every, at_least=[*waits, ttl]),
            )
        )
    if analyze and report.added:
        report.analyzed, problems = analyze_pending(store)
        report.problems += problems
        report.placed = place_and_tell(store)
    return report


def _poll_failed(
    store: Store, feed: Feed, error: SourceError, every: float, at: datetime, report: PollReport
) -> None:
    """A poll that failed: recorded, and the next one put off (doubling with each failure)."""
    report.failed += 1
    problem = Problem(error.origin, error.reason)
    report.problems.append(problem)
    store.record_problems([problem], stage="watch")
    retry_after = getattr(error, "retry_after", None)
    store.record_poll(
        replace(
            feed,
            last_poll=at.isoformat(timespec="seconds"),
            status=error.reason,
            failures=feed.failures + 1,
            next_poll=next_poll(at, every, failures=feed.failures + 1, at_least=[retry_after]),
        )
    )
