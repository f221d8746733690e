"""Archives at scale: the single-machine pipeline distributed by Apache Spark (PySpark).

``storyline spark SOURCE... --out DIR`` reads WARC / WARC.gz and JSONL files (local paths and
globs, or any URI Spark's Hadoop filesystem reads: ``hdfs://``, ``s3a://``, ``file://``),
then extracts, deduplicates, analyses and groups articles into stories, and writes Parquet
tables (:data:`TABLES`) that DuckDB, pandas and Spark read directly; ``storyline load DIR``
(:mod:`storyline.load`) brings them into the SQLite store.

The stages are the single-machine functions; Spark only distributes them:

1. **Read**: one task per input file runs :func:`storyline.sources.read_sources` (local
   paths: streamed from disk) or :func:`storyline.sources.read_bytes` (URIs: the file's bytes
   as Spark's ``binaryFiles`` reads them). Every record gets its ingestion order ``seq``
   (input file, then record), which the single-machine path gets from its insertion order.
2. **Deduplicate across the whole archive**: exact copies by content hash, then a banded LSH
   join over :func:`storyline.dedupe.signature` with the same bands (b bands of r rows) as
   datasketch's index at :data:`~storyline.dedupe.DUPLICATE_THRESHOLD`, so the candidates are
   the ones the single-machine index would return. A copy links to the earlier article it
   resembles most, and chains are followed to their first article by pointer jumping.
3. **Analyse** the canonical articles with :func:`storyline.analyze.analyze`, partition by
   partition: the spaCy model is loaded once per Python worker process (``load_nlp`` is
   cached and Spark reuses its workers), never per record.
4. **Stories**: the same online :class:`~storyline.stories.StoryClusterer`, fed in arrival
   order (publication date, then ``seq``) on the driver. The terms each article contributes
   are computed on the executors; the driver only adds sparse vectors (about 2 ms an
   article, against ~30 ms of parsing), so the stories are the single-machine stories by
   construction. A two-stage scheme (cluster per time window, merge across windows) would
   spread this last step too, at the cost of agreeing with the single machine only
   approximately; at Common Crawl News volumes (tens of thousands of articles a day) the
   sequential step stays well behind the parsing.

Failures: ids are deterministic (the single machine's), every stage is a deterministic
function of its input, and shuffles partition by a hash of the key, never round-robin (a
round-robin repartition of a recomputed partition can send rows to other tasks on a retry),
so a retried task recomputes exactly the rows it lost and Spark's output committer keeps one
copy. A malformed record becomes a row of the ``errors`` table and the job goes on.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from storyline.analyze import ANALYSED_LANGUAGES, analyze, load_nlp
from storyline.dedupe import DUPLICATE_THRESHOLD, NUM_PERM, signature, to_bytes
from storyline.records import Analysis, Article, Problem, published_date
from storyline.sources import SourceOptions, read_bytes, read_sources
from storyline.stories import StoryClusterer, article_terms

if TYPE_CHECKING:
    from pyspark import RDD
    from pyspark.sql import DataFrame, SparkSession

#: The Parquet tables of an output folder, each in its own sub-folder.
TABLES = (
    "articles",
    "duplicates",
    "analyses",
    "entities",
    "quotes",
    "times",
    "stories",
    "story_members",
    "story_redirects",
    "errors",
)
#: Records handed to spaCy at a time inside a partition.
BATCH_SIZE = 64
#: A band bucket larger than this (a boilerplate page repeated thousands of times) pairs each
#: member with its BUCKET_PAIRS earliest and BUCKET_PAIRS preceding members only, so one
#: bucket never costs n² comparisons. Any earlier member that is a copy leads to the same
#: first article, so the canonical found is the same in all but contrived cases.
BUCKET_PAIRS = 64
#: Pointer-jumping rounds allowed when following copy chains (each round halves them).
MAX_JUMPS = 40
#: Records per file are numbered below this, so (file, record) fits in one 64-bit ``seq``.
FILE_STRIDE = 1 << 32

T = TypeVar("T")
log = logging.getLogger(__name__)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


@dataclass(frozen=True, slots=True)
class SparkReport:
    articles: int
    copies: int
    analysed: int
    stories: int
    errors: int

    def to_dict(self) -> dict[str, int]:
        return {
            "articles": self.articles,
            "copies": self.copies,
            "analysed": self.analysed,
            "stories": self.stories,
            "errors": self.errors,
        }


def session(master: str | None = None, *, app_name: str = "storyline") -> SparkSession:
    """A Spark session: ``master`` if given; under ``spark-submit`` the submitted one; else
    ``local[*]``. Executors run the driver's Python unless PYSPARK_PYTHON says otherwise."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # set by spark-submit
    if master is not None or not submitted:
        master = master or "local[*]"
        builder = builder.master(master)
    if master is not None and master.startswith("local"):
        # One machine: no UI server and few shuffle files. (Local mode retries a failed task
        # only when the master says so: ``local[2,4]`` allows 4 attempts.)
        cores = _local_cores(master)
        builder = (
            builder.config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", str(max(2, cores * 2)))
            .config("spark.default.parallelism", str(max(2, cores * 2)))
        )
    return builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()


def _local_cores(master: str) -> int:
    found = re.match(r"local\[(\d+|\*)", master)
    if found is None or found.group(1) == "*":
        return os.cpu_count() or 1
    return int(found.group(1))


# -- the job ------------------------------------------------------------------------------------


def run(
    spark: SparkSession,
    sources: Sequence[str],
    out: str,
    *,
    partitions: int | None = None,
) -> SparkReport:
    """Run the whole pipeline on SOURCES and write every table of :data:`TABLES` under OUT
    (replacing what was there)."""
    from pyspark import StorageLevel

    sc = spark.sparkContext
    # Several partitions per core: parsing time varies with the articles, and small tasks
    # keep every core busy to the end instead of waiting on the slowest of a few big ones.
    partitions = partitions or max(2, 4 * sc.defaultParallelism)
    inputs, missing = expand(spark, sources)
    items = _read(spark, inputs).persist(StorageLevel.MEMORY_AND_DISK)

    problems = items.filter(lambda item: item[0] == "error").map(lambda item: item[1])
    if missing:
        problems = problems.union(sc.parallelize(missing, 1))
    # One article per id (a URL crawled twice, a JSONL line repeated): the first read wins,
    # as in the store, where a second ingest of the same id changes nothing.
    articles = (
        items.filter(lambda item: item[0] == "article")
        .map(lambda item: (item[1][1].id, item[1]))
        .reduceByKey(_first, numPartitions=partitions)
        .values()
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    # Cached by duplicates() itself (each pointer-jumping round is).
    copies = duplicates(
        articles.map(lambda row: (row[1].id, row[0], row[1].content_hash, row[2])), partitions
    )
    canonical = (
        articles.map(lambda row: (row[1].id, row))
        .subtractByKey(copies, numPartitions=partitions)
        .values()
    )
    results = canonical.mapPartitions(_analyse_partition).persist(StorageLevel.MEMORY_AND_DISK)
    problems = problems.union(
        results.filter(lambda item: item[0] == "error").map(lambda item: item[1])
    )

    with _phase("read, deduplicate and analyse"):
        results.count()
    with _phase("group into stories (driver)"):
        members, redirects = _stories(
            results.filter(lambda item: item[0] == "terms").map(lambda item: item[1]), copies
        )
    frames = _frames(spark, articles, copies, results, problems, members, redirects)
    with _phase("write the tables"):
        for name in TABLES:
            frames[name].write.mode("overwrite").parquet(_join(out, name))
    # Counted from the written files' metadata: no table is computed twice.
    written = {name: spark.read.parquet(_join(out, name)).count() for name in TABLES}
    for rdd in (items, articles, copies, results):
        rdd.unpersist()
    return SparkReport(
        articles=written["articles"],
        copies=written["duplicates"],
        analysed=written["analyses"],
        stories=written["stories"],
        errors=written["errors"],
    )


@contextmanager
def _phase(name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    log.info("%s: %.1f s", name, time.perf_counter() - started)


def expand(
    spark: SparkSession, sources: Sequence[str]
) -> tuple[list[tuple[str, bool]], list[Any]]:
    """Input files in order, each with whether Spark's filesystem must read it, and an
    ``errors`` row for each SOURCE that matched nothing.

    Local globs are expanded here (folders and missing files are left to the readers, which
    report them); URIs are listed by Hadoop's filesystem, which understands their globs.
    """
    inputs: list[tuple[str, bool]] = []
    missing: list[Any] = []
    for source in sources:
        if _SCHEME.match(source) and not source.startswith(("http://", "https://")):
            found = [(uri, True) for uri in _hadoop_glob(spark, source)]
        elif glob.has_magic(source):
            found = [(path, False) for path in sorted(glob.glob(source, recursive=True))]
        else:
            found = [(source, False)]
        if not found:
            missing.append((source, "no file matches", "read"))
        inputs.extend(found)
    return inputs, missing


def _hadoop_glob(spark: SparkSession, uri: str) -> list[str]:
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    path = jvm.org.apache.hadoop.fs.Path(uri)
    filesystem = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    statuses = filesystem.globStatus(path) or []
    found: list[str] = []
    for status in statuses:
        if status.isDirectory():
            found.extend(
                str(child.getPath().toString())
                for child in filesystem.listStatus(status.getPath())
                if child.isFile() and not child.getPath().getName().startswith(("_", "."))
            )
        else:
            found.append(str(status.getPath().toString()))
    return sorted(found)


def _read(spark: SparkSession, inputs: list[tuple[str, bool]]) -> RDD[tuple[str, Any]]:
    """One task per input file: ("article", (seq, article, signature)) and ("error", row)."""
    sc = spark.sparkContext
    local = [(n, path) for n, (path, remote) in enumerate(inputs) if not remote]
    remote = [(n, uri) for n, (uri, remote) in enumerate(inputs) if remote]
    parts: list[RDD[tuple[str, Any]]] = []
    if local:
        parts.append(
            sc.parallelize(local, len(local)).flatMap(
                lambda item: _read_items(item[0], read_sources([item[1]], SourceOptions()))
            )
        )
    for n, uri in remote:
        parts.append(sc.binaryFiles(uri).flatMap(partial(_read_file_bytes, n)))
    if not parts:
        return sc.emptyRDD()
    return parts[0] if len(parts) == 1 else sc.union(parts)


def _read_items(ordinal: int, items: Iterable[Article | Problem]) -> Iterator[tuple[str, Any]]:
    for number, item in enumerate(_failing_first_attempt("read", items)):
        if isinstance(item, Problem):
            yield "error", (item.origin, item.reason, "read")
        else:
            # The signature is computed here, once, as ingest computes it before storing.
            minhash = to_bytes(signature(item.text))
            yield "article", (ordinal * FILE_STRIDE + number, item, minhash)


def _read_file_bytes(ordinal: int, pair: tuple[str, bytes]) -> Iterator[tuple[str, Any]]:
    uri, data = pair
    return _read_items(ordinal, read_bytes(data, uri, SourceOptions()))


#: Local property (``sparkContext.setLocalProperty``) naming the stages ("read", "analyse",
#: comma-separated) whose tasks fail on their first attempt after one record: how the tests
#: make Spark retry tasks half-way through their output.
FAIL_FIRST_ATTEMPT = "storyline.fail_first_attempt"


def _failing_first_attempt(stage: str, rows: Iterable[T]) -> Iterator[T]:
    from pyspark import TaskContext

    context = TaskContext.get()
    doomed = (
        context is not None
        and context.attemptNumber() == 0
        and stage in (context.getLocalProperty(FAIL_FIRST_ATTEMPT) or "").split(",")
    )
    for n, row in enumerate(rows):
        if doomed and n == 1:
            raise RuntimeError(f"failure injected in the first attempt of a {stage} task")
        yield row


def _first(a: tuple[int, Article, bytes], b: tuple[int, Article, bytes]) -> Any:
    return a if a[0] <= b[0] else b


# -- near-duplicates ----------------------------------------------------------------------------


def lsh_bands() -> tuple[int, int]:
    """(bands, rows per band) of datasketch's index at our threshold: the same candidates."""
    from datasketch import MinHashLSH

    index = MinHashLSH(threshold=DUPLICATE_THRESHOLD, num_perm=NUM_PERM)
    return int(index.b), int(index.r)


def duplicates(
    rows: RDD[tuple[str, int, str, bytes]], partitions: int
) -> RDD[tuple[str, tuple[str, float, str]]]:
    """(copy id, (canonical id, similarity, method)) for (id, seq, content hash, signature).

    As in :func:`storyline.ingest.add_article`: an exact copy links to the first article with
    its content hash; otherwise the earlier article whose signature is most similar (at least
    DUPLICATE_THRESHOLD; ties to the earliest) is the match, and the copy links to the first
    article of the match's group.
    """
    first_by_hash = rows.map(lambda row: (row[2], (row[1], row[0]))).reduceByKey(
        min, numPartitions=partitions
    )
    exact = (
        rows.map(lambda row: (row[2], row[0]))
        .join(first_by_hash)
        .filter(lambda kv: kv[1][0] != kv[1][1][1])
        .map(lambda kv: (kv[1][0], (kv[1][1][1], 1.0, "exact")))
    )
    # Only the first article of each content hash takes part in LSH: a later exact copy would
    # lead any match to the same first article.
    representatives = (
        rows.map(lambda row: (row[0], row))
        .subtractByKey(exact, numPartitions=partitions)
        .values()
        .map(lambda row: (row[0], (row[1], row[3])))
    )
    bands, width = lsh_bands()

    def band_keys(item: tuple[str, tuple[int, bytes]]) -> Iterator[tuple[bytes, tuple[int, str]]]:
        article_id, (seq, sig) = item
        step = width * 8  # bytes per band: 64-bit hash values
        for band in range(bands):
            yield bytes([band]) + sig[band * step : (band + 1) * step], (seq, article_id)

    pairs = (
        representatives.flatMap(band_keys)
        .groupByKey(numPartitions=partitions)
        .flatMap(lambda kv: _bucket_pairs(sorted(kv[1])))
        .distinct(numPartitions=partitions)
    )
    scored = (
        pairs.join(representatives, numPartitions=partitions)  # (later, (earlier, (seq, sig)))
        .map(lambda kv: (kv[1][0], (kv[0], kv[1][1][1])))
        .join(representatives, numPartitions=partitions)  # (earlier, ((later, sig), (seq, sig)))
        .map(
            lambda kv: (
                kv[1][0][0],
                (_similarity(kv[1][0][1], kv[1][1][1]), -kv[1][1][0], kv[0]),
            )
        )
        .filter(lambda kv: kv[1][0] >= DUPLICATE_THRESHOLD)
        .reduceByKey(max, numPartitions=partitions)
        .mapValues(lambda best: (best[2], round(best[0], 4), "minhash"))
    )
    return _follow_chains(exact.union(scored), partitions)


def _bucket_pairs(members: list[tuple[int, str]]) -> Iterator[tuple[str, str]]:
    """(later id, earlier id) for the members of one band bucket, sorted by seq."""
    for position, (_, later) in enumerate(members):
        if position <= 2 * BUCKET_PAIRS:
            earlier = members[:position]
        else:
            earlier = members[:BUCKET_PAIRS] + members[position - BUCKET_PAIRS : position]
        for _, other in earlier:
            yield later, other


def _similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures, as ``MinHash.jaccard`` computes it."""
    left = np.frombuffer(a, dtype=np.uint64)
    right = np.frombuffer(b, dtype=np.uint64)
    return float(np.count_nonzero(left == right)) / float(len(left))


def _follow_chains(
    links: RDD[tuple[str, tuple[str, float, str]]], partitions: int
) -> RDD[tuple[str, tuple[str, float, str]]]:
    """Replace each link's target by the first article of its chain (pointer jumping)."""
    for _ in range(MAX_JUMPS):
        targets = links.mapValues(lambda link: link[0])
        jumped = (
            links.map(lambda kv: (kv[1][0], (kv[0], kv[1])))
            .leftOuterJoin(targets, numPartitions=partitions)
            .map(
                lambda kv: (
                    kv[1][0][0],
                    kv[1][0][1] if kv[1][1] is None else (kv[1][1], *kv[1][0][1][1:]),
                )
            )
            .cache()
        )
        moved = jumped.join(targets).filter(lambda kv: kv[1][0][0] != kv[1][1]).count()
        links = jumped
        if moved == 0:
            return links
    raise RuntimeError(f"copy chains longer than 2**{MAX_JUMPS}: the duplicate links loop")


# -- analysis -----------------------------------------------------------------------------------


def _analyse_partition(rows: Iterable[tuple[int, Article, bytes]]) -> Iterator[tuple[str, Any]]:
    """Analyse a partition's canonical articles; emits analyses, table rows, story terms and
    errors, all tagged with their table."""
    nlp = load_nlp()  # once per Python worker process: load_nlp is cached
    iterator = iter(_failing_first_attempt("analyse", rows))
    while batch := list(islice(iterator, BATCH_SIZE)):
        english = [row[1] for row in batch if row[1].language in ANALYSED_LANGUAGES | {None}]
        mentions: dict[str, Any] = {}
        for result in _analyse_batch(english, nlp):
            if isinstance(result, Problem):
                yield "error", (result.origin, result.reason, "analyze")
                continue
            mentions[result.article_id] = result.mentions
            yield from _analysis_rows(result, _text_of(batch, result.article_id))
        for seq, article, _ in batch:
            terms = article_terms(article.text, mentions.get(article.id, ()))
            day = (article.published or "9999")[:10]
            yield "terms", (day, seq, article.id, article.published, sorted(terms.items()))


def _analyse_batch(articles: list[Article], nlp: Any) -> list[Analysis | Problem]:
    """One batch, or article by article when the batch fails, so one article the pipeline
    chokes on costs only itself."""
    try:
        return list(analyze(articles, nlp=nlp))
    except Exception:  # a bug or a pathological text: find the article, keep the rest
        results: list[Analysis | Problem] = []
        for article in articles:
            try:
                results.extend(analyze([article], nlp=nlp))
            except Exception as exc:
                results.append(
                    Problem(
                        article.origin or article.id,
                        f"analysis failed ({type(exc).__name__}: {exc})",
                    )
                )
        return results


def _text_of(batch: list[tuple[int, Article, bytes]], article_id: str) -> str:
    return next(article.text for _, article, _ in batch if article.id == article_id)


def _analysis_rows(analysis: Analysis, text: str) -> Iterator[tuple[str, Any]]:
    aid = analysis.article_id
    yield "analysis", (aid, json.dumps(analysis.to_dict(), ensure_ascii=False, sort_keys=True))
    for n, mention in enumerate(analysis.mentions):
        yield (
            "entity",
            (
                aid,
                n,
                mention.start,
                mention.end,
                mention.text,
                mention.label,
                mention.canonical,
                mention.entity_label,
            ),
        )
    for n, quote in enumerate(analysis.quotes):
        start, end = quote.content[0].start, quote.content[-1].end
        yield (
            "quote",
            (
                aid,
                n,
                " … ".join(text[span.start : span.end] for span in quote.content),
                start,
                end,
                quote.speaker.start if quote.speaker else None,
                quote.speaker.end if quote.speaker else None,
                quote.cue.start if quote.cue else None,
                quote.cue.end if quote.cue else None,
                quote.kind,
                quote.speaker_name,
                quote.role,
                quote.affiliation,
                quote.speaker_kind,
            ),
        )
    for n, expr in enumerate(analysis.times):
        yield "time", (aid, n, expr.start, expr.end, expr.text, expr.type, expr.value)


# -- stories ------------------------------------------------------------------------------------


def _stories(
    terms: RDD[tuple[str, int, str, str | None, list[tuple[str, int]]]],
    copies: RDD[tuple[str, tuple[str, float, str]]],
) -> tuple[list[tuple[str, str, float]], list[tuple[str, str]]]:
    """(article id, story id, similarity) for every article, and (old, new) story redirects.

    The canonical articles stream to the driver in arrival order and go through the one
    online clusterer, exactly as :func:`storyline.stories.assign_stories` feeds it; copies
    then join their canonical article's story.
    """
    clusterer = StoryClusterer()
    placed: dict[str, tuple[str, float]] = {}
    ordered = terms.sortBy(lambda row: (row[0], row[1]))
    for _, _, article_id, published, counts in ordered.toLocalIterator(prefetchPartitions=True):
        result = clusterer.add(article_id, Counter(dict(counts)), published_date(published))
        placed[article_id] = (result.story_id, result.similarity)
    members = [
        (article_id, clusterer.resolve(story_id), similarity)
        for article_id, (story_id, similarity) in placed.items()
    ]
    for copy_id, (canonical_id, similarity, _) in copies.toLocalIterator():
        if canonical_id in placed:
            members.append((copy_id, clusterer.resolve(placed[canonical_id][0]), similarity))
    redirects = sorted((old, clusterer.resolve(old)) for old in clusterer.redirects)
    return members, redirects


# -- tables -------------------------------------------------------------------------------------


def schemas() -> dict[str, Any]:
    """The Spark schema of every table (written to Parquet as is)."""
    from pyspark.sql.types import (
        BinaryType,
        DoubleType,
        IntegerType,
        LongType,
        StringType,
        StructField,
        StructType,
    )

    def struct(*fields: tuple[str, Any, bool]) -> StructType:
        return StructType([StructField(name, kind(), nullable) for name, kind, nullable in fields])

    s, i, n = StringType, IntegerType, True
    return {
        "articles": struct(
            ("id", s, False),
            ("seq", LongType, False),
            ("title", s, n),
            ("text", s, False),
            ("url", s, n),
            ("outlet", s, n),
            ("author", s, n),
            ("published", s, n),
            ("published_source", s, False),
            ("language", s, n),
            ("content_hash", s, False),
            ("origin", s, False),
            ("signature", BinaryType, False),
        ),
        "duplicates": struct(
            ("article_id", s, False),
            ("canonical_id", s, False),
            ("similarity", DoubleType, False),
            ("method", s, False),
        ),
        "analyses": struct(("article_id", s, False), ("analysis", s, False)),
        "entities": struct(
            ("article_id", s, False),
            ("n", i, False),
            ("start", i, False),
            ("end", i, False),
            ("text", s, False),
            ("label", s, False),
            ("canonical", s, False),
            ("entity_label", s, False),
        ),
        "quotes": struct(
            ("article_id", s, False),
            ("n", i, False),
            ("content", s, False),
            ("content_start", i, False),
            ("content_end", i, False),
            ("speaker_start", i, n),
            ("speaker_end", i, n),
            ("cue_start", i, n),
            ("cue_end", i, n),
            ("kind", s, False),
            ("speaker_name", s, n),
            ("role", s, n),
            ("affiliation", s, n),
            ("speaker_kind", s, n),
        ),
        "times": struct(
            ("article_id", s, False),
            ("n", i, False),
            ("start", i, False),
            ("end", i, False),
            ("text", s, False),
            ("type", s, False),
            ("value", s, False),
        ),
        "story_members": struct(
            ("article_id", s, False), ("story_id", s, False), ("similarity", DoubleType, False)
        ),
        "story_redirects": struct(("old_id", s, False), ("new_id", s, False)),
        "errors": struct(("origin", s, False), ("reason", s, False), ("stage", s, False)),
    }


def _frames(
    spark: SparkSession,
    articles: RDD[tuple[int, Article, bytes]],
    copies: RDD[tuple[str, tuple[str, float, str]]],
    results: RDD[tuple[str, Any]],
    problems: RDD[Any],
    members: list[tuple[str, str, float]],
    redirects: list[tuple[str, str]],
) -> dict[str, DataFrame]:
    """Every output table as a DataFrame, rows sorted by their key so reruns write the same
    files' contents."""
    from pyspark.sql import functions as F

    shapes = schemas()

    def frame(name: str, rdd: RDD[Any], *keys: str) -> DataFrame:
        return spark.createDataFrame(rdd, shapes[name]).orderBy(*keys)

    def tagged(tag: str) -> RDD[Any]:
        return results.filter(lambda item: item[0] == tag).map(lambda item: item[1])

    frames = {
        "articles": frame("articles", articles.map(_article_row), "seq"),
        "duplicates": frame("duplicates", copies.map(lambda kv: (kv[0], *kv[1])), "article_id"),
        "analyses": frame("analyses", tagged("analysis"), "article_id"),
        "entities": frame("entities", tagged("entity"), "article_id", "n"),
        "quotes": frame("quotes", tagged("quote"), "article_id", "n"),
        "times": frame("times", tagged("time"), "article_id", "n"),
        "story_members": spark.createDataFrame(members, shapes["story_members"]).orderBy(
            "article_id"
        ),
        "story_redirects": spark.createDataFrame(redirects, shapes["story_redirects"]).orderBy(
            "old_id"
        ),
        "errors": frame("errors", problems, "stage", "origin", "reason"),
    }
    joined = frames["story_members"].join(
        frames["articles"], frames["articles"].id == F.col("article_id")
    )
    frames["stories"] = (
        joined.groupBy("story_id")
        .agg(
            F.count("*").alias("articles"),
            F.countDistinct("outlet").alias("outlets"),
            F.min("published").alias("first"),
            F.max("published").alias("last"),
            F.expr("transform(array_sort(collect_list(struct(seq, id))), m -> m.id)").alias(
                "members"
            ),
        )
        .orderBy("story_id")
    )
    return frames


def _article_row(row: tuple[int, Article, bytes]) -> tuple[Any, ...]:
    seq, a, minhash = row
    return (
        a.id,
        seq,
        a.title,
        a.text,
        a.url,
        a.outlet,
        a.author,
        a.published,
        a.published_source,
        a.language,
        a.content_hash,
        a.origin,
        bytearray(minhash),
    )


def _join(base: str, name: str) -> str:
    return base.rstrip("/") + "/" + name


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point for ``spark-submit storyline/spark.py SOURCE... --out DIR``."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="+")
    parser.add_argument("--out", required=True)
    parser.add_argument("--partitions", type=int)
    args = parser.parse_args(argv)
    spark = session()
    try:
        report = run(spark, args.sources, args.out, partitions=args.partitions)
    finally:
        spark.stop()
    print(json.dumps(report.to_dict()))


if __name__ == "__main__":
    main()
