"""Do the Spark job's stories agree with the single machine's? On an ECB+-format split.

    python bench/spark_stories.py DATASET_DIR [--master local[2]] [--scorer PATH]

Runs, on DATASET_DIR/articles.jsonl:

* the Spark job (``storyline spark``'s ``run``, local mode) and reads its ``story_members``;
* the single machine: what ``storyline ingest`` does (ingest with near-duplicate links,
  analysis, online stories) into a new SQLite file;

prints the BCubed F1 between the two groupings (1.0: identical), and scores both against the
gold labels with the reference scorer (``../shared/bench/score/clustering_score.py``).
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

from common import OUT, SCORERS, score, write_jsonl

from storyline.load import read_table
from storyline.runner import analyze_pending, ingest_sources, place_stories
from storyline.spark import job as spark
from storyline.store import open_store
from storyline.stories.clusterer import bcubed_f1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--scorer", type=Path, default=SCORERS / "clustering_score.py")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="  %(name)s: %(message)s")
    source = str(args.dataset / "articles.jsonl")
    with tempfile.TemporaryDirectory(prefix="storyline-spark-stories-") as tmp:
        started = time.perf_counter()
        session = spark.session(args.master, app_name="bench-stories")
        session.sparkContext.setLogLevel("ERROR")
        try:
            report = spark.run(session, [source], f"{tmp}/out")
        finally:
            session.stop()
        print(f"spark {args.master}: {time.perf_counter() - started:.1f} s; {report.to_dict()}")
        distributed = {
            row["article_id"]: row["story_id"]
            for row in read_table(Path(tmp) / "out", "story_members")
        }
        started = time.perf_counter()
        with open_store(Path(tmp) / "single.db") as store:
            ingest_sources(store, [source])
            analyze_pending(store)
            place_stories(store)
            single = {a.id: store.story_of(a.id) or "" for a in store.iter_articles()}
        print(f"single machine (ingest, analyse, stories): {time.perf_counter() - started:.1f} s")
    print(f"articles: spark {len(distributed)}, single machine {len(single)}")
    print(f"BCubed F1, Spark vs single machine: {bcubed_f1(distributed, single):.4f}")
    for name, grouping in (("spark", distributed), ("single", single)):
        pred = OUT / f"stories-{name}.jsonl"
        write_jsonl(pred, [{"id": key, "story": value} for key, value in grouping.items()])
        print(f"-- {name} against the gold labels:")
        score(args.scorer, args.dataset, pred)
    print(json.dumps({"agreement_bcubed_f1": round(bcubed_f1(distributed, single), 4)}))


if __name__ == "__main__":
    main()
