"""Quote attribution on a PolNeAR-format split, scored by the reference scorer.

    python bench/quotes.py DATASET_DIR [--out PRED.jsonl] [--scorer PATH]

Runs ``storyline analyze`` on DATASET_DIR/articles.jsonl (the CLI, as a user would), turns
each article's ``quotes`` into the prediction format of FORMATS.md and calls
``../shared/bench/score/quotes_score.py``. Prints the scorer's table, then the cost of
attribution: the same command with ``--stages entities`` alone, timed in the same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCORER = ROOT.parent / "shared" / "bench" / "score" / "quotes_score.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "quotes.jsonl")
    parser.add_argument("--scorer", type=Path, default=SCORER)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    run, elapsed = analyse(args.dataset, "entities,quotes")
    _, entities_only = analyse(args.dataset, "entities")
    with args.out.open("w", encoding="utf-8") as out:
        for line in run.stdout.decode().splitlines():
            analysis = json.loads(line)
            quotes = [
                {"content": q["content"], "speaker": q["speaker"], "cue": q["cue"]}
                for q in analysis["quotes"]
            ]
            out.write(json.dumps({"id": analysis["id"], "quotes": quotes}) + "\n")
    subprocess.run(
        [sys.executable, str(args.scorer), "--gold", str(args.dataset), "--pred", str(args.out)],
        check=True,
    )
    words = sum(
        len(json.loads(line)["text"].split())
        for line in (args.dataset / "articles.jsonl").open(encoding="utf-8")
    )
    print(
        f"storyline analyze, whole command incl. model load: entities {entities_only:.1f} s,"
        f" entities+quotes {elapsed:.1f} s (x{elapsed / entities_only:.2f});"
        f" {words:,} words, {1_000_000 * elapsed / words:.0f} ms per 1,000 words"
    )


def analyse(dataset: Path, stages: str) -> tuple[subprocess.CompletedProcess[bytes], float]:
    started = time.perf_counter()
    with (dataset / "articles.jsonl").open("rb") as articles:
        run = subprocess.run(
            [sys.executable, "-m", "storyline.cli", "analyze", "-", "--stages", stages],
            stdin=articles,
            capture_output=True,
            check=False,
        )
    if run.returncode not in (0, 1):
        sys.exit(run.stderr.decode())
    return run, time.perf_counter() - started


if __name__ == "__main__":
    main()
