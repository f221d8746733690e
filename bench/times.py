"""Time expressions on a TempEval-3-format split, scored by the reference scorer.

    python bench/times.py DATASET_DIR [--out PRED.jsonl] [--scorer PATH]

Runs ``storyline analyze --stages times`` on DATASET_DIR/articles.jsonl (the CLI, as a user
would; each article's ``published`` is its document creation time), writes the ``times`` of
each article in the prediction format of FORMATS.md and calls
``../shared/bench/score/temporal_score.py``. Prints the scorer's table and the run's time.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from common import OUT, SCORERS, run_analyze, score, words, write_jsonl


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--out", type=Path, default=OUT / "times.jsonl")
    parser.add_argument("--scorer", type=Path, default=SCORERS / "temporal_score.py")
    args = parser.parse_args()
    analyses, elapsed = run_analyze(args.dataset, "times")
    write_jsonl(args.out, [{"id": a["id"], "times": a["times"]} for a in analyses])
    score(args.scorer, args.dataset, args.out)
    print(
        "storyline analyze --stages times (spaCy pipeline, incl. model load):"
        f" {elapsed:.1f} s for {words(args.dataset):,} words"
    )


if __name__ == "__main__":
    main()
