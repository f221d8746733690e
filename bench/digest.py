"""Multi-document digests on a DUC-format split, scored by the reference ROUGE-1.5.5 scorer.

    python bench/digest.py DATASET_DIR [--words 100] [--out PRED.jsonl]

For each cluster of DATASET_DIR/clusters.jsonl, runs ``storyline summarize --words N`` on its
articles (the CLI, as a user would), and calls ``../shared/bench/score/digest_score.py`` with
the interpreter of ``make bench-tools``. Prints the scorer's table, then the time per cluster.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from common import OUT, SCORE_PYTHON, SCORERS, run_cli, score, write_jsonl


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--words", type=int, default=100)
    parser.add_argument("--out", type=Path, default=OUT / "digest.jsonl")
    args = parser.parse_args()
    clusters = [
        json.loads(line)
        for line in (args.dataset / "clusters.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    rows, started = [], time.perf_counter()
    for cluster in clusters:
        out = run_cli(
            ["summarize", "-", "--words", str(args.words)],
            args.dataset / cluster["id"] / "articles.jsonl",
        )
        rows.append({"id": cluster["id"], "summary": out.strip()})
    elapsed = time.perf_counter() - started
    write_jsonl(args.out, rows)
    score(SCORERS / "digest_score.py", args.dataset, args.out, python=SCORE_PYTHON)
    print(f"{len(rows)} clusters, {elapsed / len(rows):.2f} s per cluster (CLI start included)")


if __name__ == "__main__":
    main()
