"""Timelines on a Timeline17-format folder, scored by the reference tilse/ROUGE scorer.

    python bench/timeline.py DATASET_DIR [--out PRED.jsonl]

DATASET_DIR holds topic folders (``articles.jsonl`` and ``tasks.jsonl`` each), or is one. For
each task, runs ``storyline timeline - --dates L --per-date K --start S --end E`` on the
topic's articles (the CLI, as a user would; the task's sizes and window, nothing else), then
calls ``../shared/bench/score/timeline_score.py`` with the interpreter of ``make bench-tools``.
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
    parser.add_argument("--out", type=Path, default=OUT / "timeline.jsonl")
    args = parser.parse_args()
    topics = (
        [args.dataset]
        if (args.dataset / "tasks.jsonl").exists()
        else sorted(p for p in args.dataset.iterdir() if (p / "tasks.jsonl").exists())
    )
    rows, started, articles = [], time.perf_counter(), 0
    for topic in topics:
        for line in (topic / "tasks.jsonl").read_text(encoding="utf-8").splitlines():
            task = json.loads(line)
            out = run_cli(
                [
                    "timeline", "-",
                    "--dates", str(task["n_dates"]),
                    "--per-date", str(task["sents_per_date"]),
                    "--start", task["start"],
                    "--end", task["end"],
                    "--topic", task["topic"],
                ],
                topic / "articles.jsonl",
            )  # fmt: skip
            predicted = json.loads(out)
            rows.append({"topic": task["topic"], "tl_id": task["tl_id"], **predicted})
            with (topic / "articles.jsonl").open(encoding="utf-8") as lines:
                articles += sum(1 for _ in lines)
    elapsed = time.perf_counter() - started
    write_jsonl(args.out, rows)
    score(SCORERS / "timeline_score.py", args.dataset, args.out, python=SCORE_PYTHON)
    print(
        f"{len(rows)} timelines in {elapsed:.1f} s;"
        f" {1000 * elapsed / articles:.1f} s per 1,000 articles read (CLI start included)"
    )


if __name__ == "__main__":
    main()
