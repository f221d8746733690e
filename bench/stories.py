"""Story clustering on an ECB+-format split, scored by the reference scorer.

    python bench/stories.py DATASET_DIR [--out PRED.jsonl] [--scorer PATH]

Runs ``storyline cluster`` (the online algorithm, in input order: the split has no dates) on
DATASET_DIR/articles.jsonl and calls ``../shared/bench/score/clustering_score.py``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from common import OUT, SCORERS, score, write_jsonl


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--out", type=Path, default=OUT / "stories.jsonl")
    parser.add_argument("--scorer", type=Path, default=SCORERS / "clustering_score.py")
    args = parser.parse_args()
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "storyline.cli", "cluster", str(args.dataset / "articles.jsonl")],
        capture_output=True,
        check=False,
    )
    if run.returncode not in (0, 1):
        sys.exit(run.stderr.decode())
    elapsed = time.perf_counter() - started
    write_jsonl(args.out, [json.loads(line) for line in run.stdout.decode().splitlines()])
    score(args.scorer, args.dataset, args.out)
    print(f"storyline cluster (entity analysis + online clustering): {elapsed:.1f} s")


if __name__ == "__main__":
    main()
