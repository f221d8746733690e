"""Quote attribution on a PolNeAR-format split, scored by the reference scorer.

    python bench/quotes.py DATASET_DIR [--out PRED.jsonl] [--scorer PATH]

Runs ``storyline analyze`` on DATASET_DIR/articles.jsonl (the CLI, as a user would), turns
each article's ``quotes`` into the prediction format of FORMATS.md and calls
``../shared/bench/score/quotes_score.py``. Prints the scorer's table, then the cost of
attribution: the same command with ``--stages entities`` alone, timed in the same run.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from common import OUT, SCORERS, run_analyze, score, words, write_jsonl


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--out", type=Path, default=OUT / "quotes.jsonl")
    parser.add_argument("--scorer", type=Path, default=SCORERS / "quotes_score.py")
    args = parser.parse_args()
    analyses, elapsed = run_analyze(args.dataset, "entities,quotes")
    _, entities_only = run_analyze(args.dataset, "entities")
    write_jsonl(
        args.out,
        [
            {
                "id": analysis["id"],
                "quotes": [
                    {"content": q["content"], "speaker": q["speaker"], "cue": q["cue"]}
                    for q in analysis["quotes"]
                ],
            }
            for analysis in analyses
        ],
    )
    score(args.scorer, args.dataset, args.out)
    total = words(args.dataset)
    print(
        f"storyline analyze, whole command incl. model load: entities {entities_only:.1f} s,"
        f" entities+quotes {elapsed:.1f} s (x{elapsed / entities_only:.2f});"
        f" {total:,} words, {1_000_000 * elapsed / total:.0f} ms per 1,000 words"
    )


if __name__ == "__main__":
    main()
