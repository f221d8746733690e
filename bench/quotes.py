"""Quote attribution on a PolNeAR-format split, scored by the reference scorer.

    python bench/quotes.py DATASET_DIR [--out PRED.jsonl] [--scorer PATH] [--method tagger|rules]
                                       [--compare]

Runs ``storyline analyze`` on DATASET_DIR/articles.jsonl (the CLI, as a user would) with the
quote method given (``STORYLINE_QUOTES``; default: the learned tagger), turns each article's
``quotes`` into the prediction format of FORMATS.md and calls
``../shared/bench/score/quotes_score.py``. Prints the scorer's table, then the cost of
attribution: the same command with ``--stages entities`` alone, timed in the same run.
``--compare`` also runs and scores the other method, and prints both costs side by side.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from common import OUT, SCORERS, run_analyze, score, words, write_jsonl


def predictions(analyses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": analysis["id"],
            "quotes": [
                {"content": q["content"], "speaker": q["speaker"], "cue": q["cue"]}
                for q in analysis["quotes"]
            ],
        }
        for analysis in analyses
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--out", type=Path, default=OUT / "quotes.jsonl")
    parser.add_argument("--scorer", type=Path, default=SCORERS / "quotes_score.py")
    parser.add_argument("--method", choices=("tagger", "rules"), default="tagger")
    parser.add_argument("--compare", action="store_true", help="Also run the other method.")
    args = parser.parse_args()
    methods = [args.method] + (
        [m for m in ("tagger", "rules") if m != args.method] if args.compare else []
    )
    total = words(args.dataset)
    _, entities_only = run_analyze(args.dataset, "entities")
    costs = []
    for method in methods:
        env = {"STORYLINE_QUOTES": method}
        analyses, elapsed = run_analyze(args.dataset, "entities,quotes", env=env)
        out = (
            args.out
            if method == args.method
            else args.out.with_name(f"{args.out.stem}-{method}.jsonl")
        )
        write_jsonl(out, predictions(analyses))
        print(f"== quote method: {method} ({out})")
        score(args.scorer, args.dataset, out)
        costs.append(f"entities+quotes ({method}) {elapsed:.1f} s (x{elapsed / entities_only:.2f})")
    print(
        f"storyline analyze, whole command incl. model load: entities {entities_only:.1f} s, "
        + ", ".join(costs)
        + f"; {total:,} words"
    )


if __name__ == "__main__":
    main()
