"""Throughput of ``storyline spark`` with 1 and 2 local cores, next to the single machine.

    python bench/spark.py [--articles 20000] [--files 8] [--seed 7] [--skip-single]

Generates a WARC corpus (``--files`` gzipped archives of HTML pages; the articles of
``bench/throughput.py``: fictional names, 120-400 words, 15% wire copies), then, in one run:

* ``local[1]`` and ``local[2]``: the whole Spark job (read, extract, deduplicate across the
  archive, analyse, group into stories, write the Parquet tables), each in a new session;
* single machine: what ``storyline ingest`` runs, phase by phase in this process (ingest
  with dedupe, analysis, stories; then telling the stories, which the Spark job leaves to
  ``storyline load``), into a new SQLite file.

Reports wall-clock seconds, articles/s, the 1→2 core scaling ratio, and how far the Spark
stories agree with the single machine's (BCubed F1). Spark's figures include starting the
JVM and Python workers, as a user's run does.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

from throughput import generate
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storyline.load import read_table
from storyline.runner import analyze_pending, ingest_sources, place_stories, refresh_tellings
from storyline.spark import job as spark
from storyline.store import open_store
from storyline.stories.clusterer import bcubed_f1


def page(record: dict[str, Any]) -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in record["text"].split("\n\n"))
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{record['title']}</title>"
        f'<meta property="og:site_name" content="{record["source"]}">'
        f'<meta property="article:published_time" content="{record["published"]}">'
        f"</head><body><nav><a href='/'>Home</a></nav><article><h1>{record['title']}</h1>"
        f"{paragraphs}</article><footer>A generated page</footer></body></html>"
    ).encode()


def write_corpus(folder: Path, records: list[dict[str, Any]], files: int) -> list[str]:
    paths = []
    for n in range(files):
        path = folder / f"news-{n:02d}.warc.gz"
        with path.open("wb") as handle:
            writer = WARCWriter(handle, gzip=True)
            for index in range(n, len(records), files):
                record = records[index]
                outlet = record["source"].replace(" ", "").lower()
                headers = StatusAndHeaders(
                    "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
                )
                warc = writer.create_warc_record(
                    f"https://{outlet}.example/{record['published']}/{record['id']}",
                    "response",
                    payload=BytesIO(page(record)),
                    http_headers=headers,
                )
                writer.write_record(warc)
                warc.raw_stream.close()
        paths.append(str(path))
    return paths


def run_spark(paths: list[str], out: Path, cores: int) -> tuple[float, spark.SparkReport]:
    started = time.perf_counter()
    session = spark.session(f"local[{cores}]", app_name=f"bench-{cores}")
    session.sparkContext.setLogLevel("ERROR")
    try:
        report = spark.run(session, paths, str(out))
    finally:
        session.stop()
    return time.perf_counter() - started, report


def run_single(paths: list[str], db: Path) -> dict[str, float]:
    seconds: dict[str, float] = {}
    with open_store(db) as store:
        for phase, work in (
            ("ingest", lambda: ingest_sources(store, paths)),
            ("analyse", lambda: analyze_pending(store)),
            ("stories", lambda: place_stories(store)),
            ("tell", lambda: refresh_tellings(store)),
        ):
            started = time.perf_counter()
            work()
            seconds[phase] = time.perf_counter() - started
            print(f"  single machine {phase}: {seconds[phase]:.1f} s", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=20000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-single", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="  %(name)s: %(message)s")
    with tempfile.TemporaryDirectory(prefix="storyline-spark-") as tmp:
        folder = Path(tmp)
        records = generate(args.articles, args.seed)
        paths = write_corpus(folder, records, args.files)
        size = sum(os.path.getsize(p) for p in paths)
        words = sum(len(r["text"].split()) for r in records)
        print(
            f"corpus: {len(records):,} articles, {words:,} words, {len(paths)} WARC.gz files,"
            f" {size / 1e6:.1f} MB; {platform.python_version()}, {os.cpu_count()} cores",
            flush=True,
        )
        timings: dict[int, float] = {}
        for cores in (1, 2):
            timings[cores], report = run_spark(paths, folder / f"out-{cores}", cores)
            print(
                f"spark local[{cores}]: {timings[cores]:.1f} s,"
                f" {report.articles / timings[cores]:.1f} articles/s; {report.to_dict()}",
                flush=True,
            )
        print(f"scaling local[1] -> local[2]: {timings[1] / timings[2]:.2f}x", flush=True)
        if args.skip_single:
            return
        seconds = run_single(paths, folder / "single.db")
        like = seconds["ingest"] + seconds["analyse"] + seconds["stories"]
        print(
            f"single machine (storyline ingest's phases): {like:.1f} s without telling,"
            f" {like + seconds['tell']:.1f} s with it;"
            f" {args.articles / like:.1f} articles/s",
            flush=True,
        )
        with open_store(folder / "single.db") as store:
            single = {a.id: store.story_of(a.id) or "" for a in store.iter_articles()}
        members = read_table(folder / "out-2", "story_members")
        distributed = {row["article_id"]: row["story_id"] for row in members}
        print(f"stories, Spark vs single machine: BCubed F1 {bcubed_f1(distributed, single):.4f}")


if __name__ == "__main__":
    sys.exit(main())
