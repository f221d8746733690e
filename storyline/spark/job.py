"""Archives at scale: the single-machine pipeline distributed by Apache Spark (PySpark).

``storyline spark SOURCE... --out DIR`` reads WARC / WARC.gz and JSONL files (local paths and
globs, or any URI Spark's Hadoop filesystem reads: ``hdfs://``, ``s3a://``, ``file://``),
then extracts, deduplicates, analyses and groups articles into stories, and writes Parquet
tables (:data:`OUTPUT_TABLES`) that DuckDB, pandas and Spark read directly; ``storyline load DIR``
(:mod:`storyline.load`) brings them into the SQLite store.

The stages are the single-machine functions; Spark only distributes them:

1. **Read**: one task per input file runs :func:`storyline.ingest.sources.read_sources` (local
   paths: streamed from disk) or :func:`storyline.ingest.sources.read_bytes` (URIs: the file's bytes
   as Spark's ``binaryFiles`` reads them). Every record gets its ingestion order ``seq``
   (input file, then record), which the single-machine path gets from its insertion order.
2. **Deduplicate across the whole archive**: exact copies by content hash, then a banded LSH
   self-join (Spark SQL) over :func:`storyline.ingest.dedupe.signature` with the same bands (b bands
   of r rows) as datasketch's index at :data:`~storyline.ingest.dedupe.DUPLICATE_THRESHOLD`, so the
   candidates are the ones the single-machine index would return, and the same similarity
   estimate (the share of equal values), computed in the JVM. A copy links to the earlier
   article it resembles most, and chains are followed to their first article by pointer
   jumping.
3. **Analyse** the canonical articles with :func:`storyline.analysis.pipeline.analyze`, partition by
   partition: the spaCy model is loaded once per Python worker process (``load_nlp`` is
   cached and Spark reuses its workers), never per record.
4. **Stories**: the same online :class:`~storyline.stories.clusterer.StoryClusterer`, fed in arrival
   order (publication date, then ``seq``) on the driver. The terms each article contributes
   are computed on the executors; the driver only adds sparse vectors (about 2 ms an
   article, against ~30 ms of parsing), so the stories are the single-machine stories by
   construction. A two-stage scheme (cluster per time window, merge across windows) would
   spread this last step too, at the cost of agreeing with the single machine only
   approximately; at Common Crawl News volumes (tens of thousands of articles a day) the
   sequential step stays well behind the parsing.

Each stage's Python output becomes a DataFrame cached in the JVM, so later stages filter and
join it there instead of unpickling every row in Python again (this took the job from 1.5 to
1.9 times faster on two cores than on one; bench/RESULTS.md).

Failures: ids are deterministic (the single machine's), every stage is a deterministic
function of its input, and shuffles partition by a hash of the key, never round-robin (a
round-robin repartition of a recomputed partition can send rows to other tasks on a retry),
so a retried task recomputes exactly the rows it lost and Spark's output committer keeps one
copy. A malformed record becomes a row of the ``errors`` table and the job goes on.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

from storyline.analysis import DEFAULT_STAGES
from storyline.analysis.pipeline import analyze, load_nlp, needs_parse
from storyline.analysis.rows import analysis_rows
from storyline.ingest.dedupe import DUPLICATE_THRESHOLD, lsh_bands, signature, to_bytes
from storyline.ingest.furniture import LEARN_AFTER, line_keys, news
from storyline.ingest.sources import SourceOptions, read_bytes, read_sources
from storyline.records import (
    ARTICLE_FIELDS as _RECORD_FIELDS,
)
from storyline.records import (
    Analysis,
    Article,
    Duplicate,
    Problem,
    arrival_key,
    is_analyzed,
    published_date,
)
from storyline.spark.faults import failing_first_attempt
from storyline.stories.clusterer import Arrival, Placement, StoryClusterer, article_terms

if TYPE_CHECKING:
    from pyspark import RDD
    from pyspark.sql import DataFrame, SparkSession

#: The Parquet tables of an output folder, each in its own sub-folder.
OUTPUT_TABLES = (
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
#: Columns of the ``articles`` table, in order: the article's fields (the store stamps
#: ``ingested_at`` when it loads them), its read order and its MinHash signature.
ARTICLE_FIELDS = (
    "id",
    "seq",
    *(name for name in _RECORD_FIELDS if name not in ("id", "ingested_at")),
    "signature",
)
#: Article fields that always have a value (the others may be null).
_REQUIRED = frozenset({"id", "seq", "text", "published_source", "content_hash", "origin"})
#: Records handed to spaCy at a time inside a partition.
BATCH_SIZE = 64
#: A band bucket larger than this (a boilerplate page repeated thousands of times) pairs each
#: member with its BUCKET_PAIRS earliest and BUCKET_PAIRS preceding members only, so one
#: bucket never yields n² pairs to score. Any earlier member that is a copy leads to the same
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
        return asdict(self)


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
    """Run the whole pipeline on SOURCES and write every table of :data:`OUTPUT_TABLES` under OUT
    (replacing what was there)."""
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    sc = spark.sparkContext
    # Several partitions per core: parsing time varies with the articles, and small tasks
    # keep every core busy to the end instead of waiting on the slowest of a few big ones.
    partitions = partitions or max(2, 4 * sc.defaultParallelism)
    shapes = schemas()
    inputs, missing = expand(spark, sources)
    # Python work leaves each stage as a DataFrame, cached in the JVM in columnar form: later
    # stages filter and join it there, without unpickling every row in Python again.
    items = spark.createDataFrame(_read(spark, inputs), shapes["items"]).persist(
        StorageLevel.MEMORY_AND_DISK
    )
    # One article per id (a URL crawled twice, a JSONL line repeated): the first read wins,
    # as in the store, where a second ingest of the same id changes nothing.
    first = Window.partitionBy("id").orderBy("seq")
    articles = (
        items.where(F.col("reason").isNull())
        .drop("reason")
        .withColumn("_n", F.row_number().over(first))
        .where("_n = 1")
        .drop("_n")
        .repartition(partitions, "id")
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    with _phase("read and extract"):
        articles.count()
    with _phase("deduplicate"):
        copies = duplicates(articles, partitions).persist(StorageLevel.MEMORY_AND_DISK)
        copies.count()
    # An explicit partition count: adaptive execution would otherwise coalesce the join's
    # output by bytes, leaving a cluster's cores idle during the costliest stage.
    canonical = articles.join(copies, articles.id == copies.article_id, "left_anti").repartition(
        partitions, "id"
    )
    # Each outlet's furniture lines, counted over the articles that copy no other, as the
    # store counts them one by one (storyline.runner.mark_furniture): the learned keys are
    # the same as a store's after the same articles, and `storyline load` marks them again.
    with _phase("learn furniture"):
        learned = sc.broadcast(_learned_lines(canonical))
    results = spark.createDataFrame(
        canonical.rdd.map(_article_from_row).mapPartitions(
            partial(_analyze_partition, learned=learned)
        ),
        shapes["results"],
    ).persist(StorageLevel.MEMORY_AND_DISK)
    with _phase("analyse"):
        results.count()
    with _phase("group into stories (driver)"):
        members, redirects = _stories(results, copies)
    frames = _frames(spark, items, articles, copies, results, missing, members, redirects)
    with _phase("write the tables"):
        for name in OUTPUT_TABLES:
            frames[name].write.mode("overwrite").parquet(_join(out, name))
    # Counted from the written files' metadata: no table is computed twice.
    written = {name: spark.read.parquet(_join(out, name)).count() for name in OUTPUT_TABLES}
    for frame in (items, articles, copies, results):
        frame.unpersist()
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


def expand(spark: SparkSession, sources: Sequence[str]) -> tuple[list[tuple[str, bool]], list[Any]]:
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


def _read(spark: SparkSession, inputs: list[tuple[str, bool]]) -> RDD[tuple[Any, ...]]:
    """One task per input file, yielding rows of the ``items`` schema."""
    sc = spark.sparkContext
    local = [(n, path) for n, (path, remote) in enumerate(inputs) if not remote]
    remote = [(n, uri) for n, (uri, remote) in enumerate(inputs) if remote]
    parts: list[RDD[tuple[Any, ...]]] = []
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


def _read_items(ordinal: int, items: Iterable[Article | Problem]) -> Iterator[tuple[Any, ...]]:
    """Rows of the ``items`` schema: an article (``reason`` empty) or a problem."""
    for number, item in enumerate(failing_first_attempt("read", items)):
        seq = ordinal * FILE_STRIDE + number
        if isinstance(item, Problem):
            values: dict[str, Any] = {"origin": item.origin, "seq": seq}
            yield (*(values.get(field) for field in ARTICLE_FIELDS), None, item.reason)
        else:
            # The signature is computed here, once, as ingest computes it before storing.
            minhash = signature(item.text)
            values = {field: getattr(item, field, None) for field in ARTICLE_FIELDS}
            values.update(seq=seq, signature=bytearray(to_bytes(minhash)))
            yield (
                *(values[field] for field in ARTICLE_FIELDS),
                [int(value) for value in minhash.hashvalues],
                None,
            )


def _article_from_row(row: Any) -> tuple[int, Article, bytes]:
    fields = {name: row[name] for name in ARTICLE_FIELDS if name not in ("seq", "signature")}
    return row["seq"], Article(**fields), bytes(row["signature"])


def _read_file_bytes(ordinal: int, pair: tuple[str, bytes]) -> Iterator[tuple[Any, ...]]:
    uri, data = pair
    return _read_items(ordinal, read_bytes(data, uri, SourceOptions()))


# -- near-duplicates ----------------------------------------------------------------------------


def duplicates(articles: DataFrame, partitions: int) -> DataFrame:
    """Copies among ``articles`` (``id``, ``seq``, ``content_hash``, ``minhash``): a table of
    ``article_id``, ``canonical_id``, ``similarity``, ``method``, computed in the JVM.

    The copy rule of :func:`storyline.ingest.dedupe.copy_rule`, as a join: an exact
    copy links to the first article with its content hash; otherwise the earlier article
    whose signature is most similar (at least DUPLICATE_THRESHOLD; ties to the earliest) is
    the match, and the copy links to the first article of the match's group. Candidates are
    the articles sharing a band with it, as in datasketch's index; the similarity is
    datasketch's estimate (the share of equal values).
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    rows = articles.select("id", "seq", "content_hash", "minhash")
    by_hash = Window.partitionBy("content_hash").orderBy("seq")
    ranked = rows.withColumn("first", F.first("id").over(by_hash))
    exact = ranked.where(F.col("id") != F.col("first")).select(
        F.col("id").alias("article_id"),
        F.col("first").alias("canonical_id"),
        F.lit(1.0).alias("similarity"),
        F.lit("exact").alias("method"),
    )
    # Only the first article of each content hash takes part in LSH: a later exact copy would
    # lead any match to the same first article.
    representatives = ranked.where(F.col("id") == F.col("first")).drop("first")
    bands, width = lsh_bands()
    keyed = representatives.select(
        "id",
        "seq",
        "minhash",
        F.posexplode(
            F.array(*(F.slice("minhash", band * width + 1, width) for band in range(bands)))
        ).alias("band", "key"),
    )
    in_bucket = Window.partitionBy("band", "key").orderBy("seq")
    keyed = keyed.withColumn("rank", F.row_number().over(in_bucket))
    later, earlier = keyed.alias("later"), keyed.alias("earlier")
    pairs = later.join(
        earlier,
        (F.col("later.band") == F.col("earlier.band"))
        & (F.col("later.key") == F.col("earlier.key"))
        & (F.col("earlier.rank") < F.col("later.rank"))
        & (
            (F.col("earlier.rank") <= BUCKET_PAIRS)
            | (F.col("later.rank") - F.col("earlier.rank") <= BUCKET_PAIRS)
        ),
    ).select(
        F.col("later.id").alias("article_id"),
        F.col("earlier.id").alias("match_id"),
        F.col("earlier.seq").alias("match_seq"),
        F.col("later.minhash").alias("a"),
        F.col("earlier.minhash").alias("b"),
    )
    equal = "aggregate(zip_with(a, b, (x, y) -> IF(x = y, 1, 0)), 0, (n, v) -> n + v)"
    scored = (
        pairs.dropDuplicates(["article_id", "match_id"])
        .withColumn("similarity", F.expr(equal) / F.size("a"))
        .where(F.col("similarity") >= DUPLICATE_THRESHOLD)
    )
    best = Window.partitionBy("article_id").orderBy(F.desc("similarity"), "match_seq")
    near = (
        scored.withColumn("n", F.row_number().over(best))
        .where("n = 1")
        .select(
            "article_id",
            F.col("match_id").alias("canonical_id"),
            F.round("similarity", 4).alias("similarity"),
            F.lit("minhash").alias("method"),
        )
    )
    return _follow_chains(exact.unionByName(near), partitions)


def _follow_chains(links: DataFrame, partitions: int) -> DataFrame:
    """Replace each link's target by the first article of its chain (pointer jumping: each
    round follows one more link of every chain, so the rounds halve the chains)."""
    from pyspark.sql import functions as F

    links = links.repartition(partitions, "article_id").localCheckpoint()
    for _ in range(MAX_JUMPS):
        targets = links.select(
            F.col("article_id").alias("target"), F.col("canonical_id").alias("next")
        )
        joined = links.join(targets, links.canonical_id == targets.target, "left")
        if joined.where(F.col("next").isNotNull()).isEmpty():
            return links
        links = joined.select(
            "article_id",
            F.coalesce("next", "canonical_id").alias("canonical_id"),
            "similarity",
            "method",
        ).localCheckpoint()
    raise RuntimeError(f"copy chains longer than 2**{MAX_JUMPS}: the duplicate links loop")


# -- analysis -----------------------------------------------------------------------------------


def _learned_lines(canonical: DataFrame) -> dict[str, frozenset[int]]:
    """{outlet: keys of the lines it prints in LEARN_AFTER or more of these articles}."""
    from operator import add

    counted = (
        canonical.select("outlet", "text")
        .where("outlet IS NOT NULL AND outlet != ''")
        .rdd.flatMap(lambda row: [((row[0], key), 1) for key in line_keys(row[1])])
        .reduceByKey(add)
        .filter(lambda pair: pair[1] >= LEARN_AFTER)
        .keys()
        .collect()
    )
    learned: dict[str, set[int]] = {}
    for outlet, key in counted:
        learned.setdefault(outlet, set()).add(key)
    return {outlet: frozenset(keys) for outlet, keys in learned.items()}


def _analyze_partition(
    rows: Iterable[tuple[int, Article, bytes]], *, learned: Any = None
) -> Iterator[tuple[Any, ...]]:
    """Analyse a partition's canonical articles, their page furniture blanked (``learned``: a
    broadcast of :func:`_learned_lines`): rows of the ``results`` schema, one slot filled per
    row (an analysis, an entity, a quote, a time, story terms or an error)."""
    nlp = load_nlp(parse=needs_parse(DEFAULT_STAGES))  # once per worker process: cached
    lines: dict[str, frozenset[int]] = learned.value if learned is not None else {}
    shown = (
        (seq, news(article, lines.get(article.outlet or "", frozenset())), signed)
        for seq, article, signed in rows
    )
    iterator = iter(failing_first_attempt("analyse", shown))
    while batch := list(islice(iterator, BATCH_SIZE)):
        english = [row[1] for row in batch if is_analyzed(row[1])]
        mentions: dict[str, Any] = {}
        for result in _analyze_batch(english, nlp):
            if isinstance(result, Problem):
                yield _result("error", (result.origin, result.reason, "analyze"))
                continue
            mentions[result.article_id] = result.mentions
            for tag, values in _analysis_rows(result, _text_of(batch, result.article_id)):
                yield _result(tag, values)
        for seq, article, _ in batch:
            terms = article_terms(article.text, mentions.get(article.id, ()))
            day, _ = arrival_key(article.published, seq)
            yield _result("terms", (day, seq, article.id, article.published, sorted(terms.items())))


#: The slots of a ``results`` row, after its tag.
_RESULT_SLOTS = ("analysis", "entity", "quote", "time", "terms", "error")


def _result(tag: str, values: tuple[Any, ...]) -> tuple[Any, ...]:
    return (tag, *(values if slot == tag else None for slot in _RESULT_SLOTS))


def _analyze_batch(articles: list[Article], nlp: Any) -> list[Analysis | Problem]:
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


#: The columns of the entities, quotes and times tables after ``article_id`` (the shared rows
#: of :func:`storyline.analysis.rows.analysis_rows` hold them all).
_MENTION_COLUMNS = ("n", "start", "end", "text", "label", "canonical", "entity_label")
_QUOTE_COLUMNS = (
    "n",
    "content",
    "content_start",
    "content_end",
    "speaker_start",
    "speaker_end",
    "cue_start",
    "cue_end",
    "cue",
    "kind",
    "speaker_name",
    "role",
    "affiliation",
    "speaker_kind",
    "confidence",
    "polarity",
)
_TIME_COLUMNS = ("n", "start", "end", "text", "type", "value")


def _analysis_rows(analysis: Analysis, text: str) -> Iterator[tuple[str, Any]]:
    rows = analysis_rows(analysis, text)
    aid = rows.article_id
    yield "analysis", (aid, rows.analysis)
    for tag, found, columns in (
        ("entity", rows.mentions, _MENTION_COLUMNS),
        ("quote", rows.quotes, _QUOTE_COLUMNS),
        ("time", rows.times, _TIME_COLUMNS),
    ):
        for row in found:
            yield tag, (aid, *(row[column] for column in columns))


# -- stories ------------------------------------------------------------------------------------


def _stories(
    results: DataFrame, copies: DataFrame
) -> tuple[list[tuple[str, str, float]], list[tuple[str, str]]]:
    """(article id, story id, similarity) for every article, and (old, new) story redirects.

    The canonical articles stream to the driver in arrival order and go through the one
    :class:`~storyline.stories.clusterer.Placement` loop, as the store's runner feeds it;
    copies then join their canonical article's story.
    """
    placement = Placement(StoryClusterer())
    ordered = results.where("tag = 'terms'").select("terms.*").orderBy("day", "seq")

    def arrivals() -> Iterator[Arrival]:
        for row in ordered.toLocalIterator(prefetchPartitions=True):
            terms = Counter({pair["term"]: pair["count"] for pair in row["terms"]})
            yield Arrival(row["article_id"], published_date(row["published"]), terms)
        for copy in copies.toLocalIterator():
            duplicate = Duplicate(
                copy["article_id"], copy["canonical_id"], copy["similarity"], copy["method"]
            )
            yield Arrival(copy["article_id"], copy=duplicate)

    similarity = {result.article_id: result.similarity for result in placement.run(arrivals())}
    members = []
    for article_id, score in similarity.items():
        story_id = placement.story_of(article_id)
        assert story_id is not None  # every article in ``similarity`` was placed
        members.append((article_id, story_id, score))
    clusterer = placement.clusterer
    redirects = sorted((old, clusterer.resolve(old)) for old in clusterer.redirects)
    return members, redirects


# -- tables -------------------------------------------------------------------------------------


def schemas() -> dict[str, Any]:
    """The Spark schema of every table (written to Parquet as is)."""
    from pyspark.sql.types import (
        ArrayType,
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
    tables: dict[str, Any] = {
        "articles": struct(
            *(
                (
                    name,
                    {"seq": LongType, "signature": BinaryType}.get(name, s),
                    name not in _REQUIRED and name != "signature",
                )
                for name in ARTICLE_FIELDS
            )
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
            ("cue", s, n),
            ("kind", s, False),
            ("speaker_name", s, n),
            ("role", s, n),
            ("affiliation", s, n),
            ("speaker_kind", s, n),
            ("confidence", DoubleType, n),
            ("polarity", s, False),
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
    articles = tables["articles"]
    # What the read stage yields: an article, or a problem (origin, seq and reason only).
    tables["items"] = StructType(
        [StructField(f.name, f.dataType, True) for f in articles.fields]
        # The signature's values again, as numbers the JVM compares (dedupe), not written.
        + [StructField("minhash", ArrayType(LongType(), containsNull=False), True)]
        + [StructField("reason", s(), True)]
    )
    terms = struct(
        ("day", s, False),
        ("seq", LongType, False),
        ("article_id", s, False),
        ("published", s, n),
    ).add(
        "terms",
        ArrayType(struct(("term", s, False), ("count", i, False)), containsNull=False),
        False,
    )
    # What the analysis yields: a tag, and the one slot it names filled.
    tables["results"] = StructType(
        [StructField("tag", s(), False)]
        + [
            StructField(slot, tables[table] if slot != "terms" else terms, True)
            for slot, table in zip(
                _RESULT_SLOTS,
                ("analyses", "entities", "quotes", "times", "terms", "errors"),
                strict=True,
            )
        ]
    )
    return tables


def _frames(
    spark: SparkSession,
    items: DataFrame,
    articles: DataFrame,
    copies: DataFrame,
    results: DataFrame,
    missing: list[Any],
    members: list[tuple[str, str, float]],
    redirects: list[tuple[str, str]],
) -> dict[str, DataFrame]:
    """Every output table as a DataFrame, rows sorted by their key so that a rerun writes
    the same rows in the same order."""
    from pyspark.sql import functions as F

    shapes = schemas()

    def slot(tag: str) -> DataFrame:
        return results.where(F.col("tag") == tag).select(f"{tag}.*")

    errors = (
        items.where(F.col("reason").isNotNull())
        .select("origin", "reason", F.lit("read").alias("stage"))
        .unionByName(slot("error"))
        .unionByName(spark.createDataFrame(missing, shapes["errors"]))
    )
    story_members = spark.createDataFrame(members, shapes["story_members"])
    stories = (
        story_members.join(articles, articles.id == story_members.article_id)
        .groupBy("story_id")
        .agg(
            F.count("*").alias("articles"),
            F.countDistinct("outlet").alias("outlets"),
            F.min("published").alias("first"),
            F.max("published").alias("last"),
            F.expr("transform(array_sort(collect_list(struct(seq, id))), m -> m.id)").alias(
                "members"
            ),
        )
    )
    return {
        "articles": articles.drop("minhash").orderBy("seq"),
        "duplicates": copies.orderBy("article_id"),
        "analyses": slot("analysis").orderBy("article_id"),
        "entities": slot("entity").orderBy("article_id", "n"),
        "quotes": slot("quote").orderBy("article_id", "n"),
        "times": slot("time").orderBy("article_id", "n"),
        "stories": stories.orderBy("story_id"),
        "story_members": story_members.orderBy("article_id"),
        "story_redirects": spark.createDataFrame(redirects, shapes["story_redirects"]).orderBy(
            "old_id"
        ),
        "errors": errors.orderBy("stage", "origin", "reason"),
    }


def _join(base: str, name: str) -> str:
    return base.rstrip("/") + "/" + name
