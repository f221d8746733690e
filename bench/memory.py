"""Peak memory of `storyline ingest` as the input grows: it must not grow with the input.

    python bench/memory.py [--sizes 1000,10000,100000] [--no-analyze] [--seed 7]

For each size N, a JSONL file of N generated articles (the sentences of bench/throughput.py;
15% are wire copies of one of the previous 1,000 articles with a new first sentence) is
written, streamed, then `storyline ingest FILE --db NEW.db --quiet` runs as a user runs it,
in a child process, with every default stage (analysis in worker processes, placement,
telling) unless --no-analyze. Reported: wall time and peak resident memory: a small wrapper
process runs the command and reads RUSAGE_CHILDREN, whose ``ru_maxrss`` is the peak of the
largest process among the ingest and its analysis workers (each is counted alone, not
summed).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from throughput import TOPICS, _sentence

WRAPPER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)
"""


def write_corpus(path: Path, size: int, seed: int) -> int:
    """Write ``size`` generated articles, streamed; returns the number of words."""
    rng = random.Random(seed)
    recent: list[str] = []
    words = 0
    with path.open("w", encoding="utf-8") as out:
        for index in range(size):
            if recent and rng.random() < 0.15:
                text = _sentence(rng) + "\n\n" + rng.choice(recent)
            else:
                sentences = [_sentence(rng) for _ in range(rng.randint(6, 18))]
                text = "\n\n".join(
                    " ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)
                )
            recent = [*recent[-999:], text]
            words += len(text.split())
            record = {
                "id": f"mem-{seed}-{index}",
                "title": f"Report {index} on {rng.choice(TOPICS)}",
                "published": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "source": f"Outlet {rng.randint(1, 40)}",
                "text": text,
            }
            out.write(json.dumps(record) + "\n")
    return words


def measure(size: int, seed: int, analyze: bool, folder: Path) -> dict[str, float]:
    corpus = folder / f"corpus-{size}.jsonl"
    words = write_corpus(corpus, size, seed)
    db = folder / f"store-{size}.db"
    command = [sys.executable, "-m", "storyline.cli", "ingest", str(corpus), "--db", str(db)]
    command += ["--quiet"] + ([] if analyze else ["--no-analyze"])
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-c", WRAPPER, *command], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    peak_kb, code = (int(x) for x in run.stdout.split()[-2:])
    if code != 0:
        raise SystemExit(f"storyline ingest failed on {size} articles: {run.stderr.strip()}")
    return {"articles": size, "words": words, "seconds": seconds, "peak_mb": peak_kb / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-analyze", action="store_true", help="Ingest only (the store path).")
    args = parser.parse_args()
    print(f"{'articles':>9} {'words':>11} {'seconds':>8} {'art/s':>7} {'peak RSS MB':>12}")
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as folder:
        for size in (int(x) for x in args.sizes.split(",")):
            row = measure(size, args.seed, not args.no_analyze, Path(folder))
            print(
                f"{row['articles']:>9,} {row['words']:>11,} {row['seconds']:>8.1f}"
                f" {row['articles'] / row['seconds']:>7.1f} {row['peak_mb']:>12.0f}",
                flush=True,
            )
            for leftover in Path(folder).iterdir():
                leftover.unlink()


if __name__ == "__main__":
    main()
