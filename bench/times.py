"""Time expressions on a TempEval-3-format split, scored by the reference scorer.

    python bench/times.py DATASET_DIR [--out PRED.jsonl] [--scorer PATH]

Runs ``storyline analyze --stages times`` on DATASET_DIR/articles.jsonl (the CLI, as a user
would; each article's ``published`` is its document creation time), writes the ``times`` of
each article in the prediction format of FORMATS.md and calls
``../shared/bench/score/temporal_score.py``. Prints the scorer's table and the tagger's cost.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCORER = ROOT.parent / "shared" / "bench" / "score" / "temporal_score.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "times.jsonl")
    parser.add_argument("--scorer", type=Path, default=SCORER)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with (args.dataset / "articles.jsonl").open("rb") as articles:
        run = subprocess.run(
            [sys.executable, "-m", "storyline.cli", "analyze", "-", "--stages", "times"],
            stdin=articles,
            capture_output=True,
            check=False,
        )
    elapsed = time.perf_counter() - started
    if run.returncode not in (0, 1):
        sys.exit(run.stderr.decode())
    with args.out.open("w", encoding="utf-8") as out:
        for line in run.stdout.decode().splitlines():
            analysis = json.loads(line)
            out.write(json.dumps({"id": analysis["id"], "times": analysis["times"]}) + "\n")
    subprocess.run(
        [sys.executable, str(args.scorer), "--gold", str(args.dataset), "--pred", str(args.out)],
        check=True,
    )
    words = sum(
        len(json.loads(line)["text"].split())
        for line in (args.dataset / "articles.jsonl").open(encoding="utf-8")
    )
    print(
        f"storyline analyze --stages times (spaCy parse + tagger, incl. model load):"
        f" {elapsed:.1f} s for {words:,} words"
    )


if __name__ == "__main__":
    main()
