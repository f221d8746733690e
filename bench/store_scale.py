"""Cost per article of the store path as the store grows to a million articles.

    python bench/store_scale.py [--size 1000000] [--parts 10] [--seed 7] [--db PATH]

The input is cut in ``--parts`` equal parts of generated articles (bench/memory.py's
generator: 15% are wire copies of a recent article), and each part is ingested into the same
store by its own ``storyline ingest PART --no-analyze --quiet``, as a user adding a day's
archive runs it: read, copy detection against everything stored (the band index), write. A
part's wall time over its articles is its cost per article; the issue asks the last part (the
last 10% of a million) to cost within 1.5x of the first. Also reported: the peak resident
memory of each run and the store's size on disk. Placement in stories is measured alone at 1M
by bench/stories_scale.py (it needs the analysis' entities, which this path does not run).
On a shared machine the wall time of a part depends on what else runs; the CPU time of its
process (user + system, from RUSAGE_CHILDREN) much less, so both are reported per article.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from memory import write_corpus

WRAPPER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[1:])
used = resource.getrusage(resource.RUSAGE_CHILDREN)
print(used.ru_maxrss, used.ru_utime + used.ru_stime, code)
"""


def ingest_part(corpus: Path, db: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one ``storyline ingest --no-analyze``."""
    command = [sys.executable, "-m", "storyline.cli", "ingest", str(corpus), "--db", str(db)]
    command += ["--quiet", "--no-analyze"]
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-c", WRAPPER, *command], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    peak_kb, cpu, code = run.stdout.split()[-3:]
    if int(code) != 0:
        raise SystemExit(f"storyline ingest failed on {corpus.name}: {run.stderr.strip()}")
    return seconds, float(cpu), int(peak_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--parts", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", type=Path, help="Store to build (default: a temporary file).")
    args = parser.parse_args()
    part_size = args.size // args.parts
    print(
        f"{'part':>4} {'stored before':>14} {'seconds':>8} {'ms/article':>11}"
        f" {'CPU ms/article':>15} {'peak MB':>8}"
    )
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as folder:
        db = args.db or Path(folder) / "store.db"
        costs, cpu_costs = [], []
        for part in range(args.parts):
            corpus = Path(folder) / f"part-{part}.jsonl"
            # A seed per part keeps the ids of the parts apart (bench/memory.py's ids carry it).
            write_corpus(corpus, part_size, args.seed * 1000 + part)
            seconds, cpu, peak = ingest_part(corpus, db)
            corpus.unlink()
            costs.append(1000 * seconds / part_size)
            cpu_costs.append(1000 * cpu / part_size)
            print(
                f"{part + 1:>4} {part * part_size:>14,} {seconds:>8.1f} {costs[-1]:>11.3f}"
                f" {cpu_costs[-1]:>15.3f} {peak:>8.0f}",
                flush=True,
            )
        size_mb = sum(p.stat().st_size for p in db.parent.glob(db.name + "*")) / 2**20
        print(
            f"last part / first part: {costs[-1] / costs[0]:.2f}x wall,"
            f" {cpu_costs[-1] / cpu_costs[0]:.2f}x CPU;"
            f" store {size_mb:,.0f} MB for {args.size:,} articles"
        )


if __name__ == "__main__":
    main()
