"""Story clustering on an ECB+-format split, scored by the reference scorer.

    python bench/stories.py DATASET_DIR [--out PRED.jsonl] [--scorer PATH] [--orders N]

Runs ``storyline cluster`` (the online algorithm, in input order: the split has no dates) on
DATASET_DIR/articles.jsonl and calls ``../shared/bench/score/clustering_score.py``.

An online grouping depends on the order the articles arrive in, and a split's file order is
only one of many. ``--orders N`` also runs it on the same articles shuffled N times (seeds 1 to
N), scores each order with the reference scorer and prints their BCubed figures and mean: what
to expect on a split in another order.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from common import OUT, SCORERS, headline, run_cli, score, write_jsonl


def _cluster(articles: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in run_cli(["cluster", "-"], articles).splitlines()]


def _orders(scorer: Path, dataset: Path, count: int) -> None:
    lines = (dataset / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    figures = []
    with tempfile.TemporaryDirectory() as scratch:
        for seed in range(1, count + 1):
            shuffled = list(lines)
            random.Random(seed).shuffle(shuffled)
            articles = Path(scratch) / "articles.jsonl"
            articles.write_text("\n".join(shuffled) + "\n", encoding="utf-8")
            pred = Path(scratch) / "pred.jsonl"
            write_jsonl(pred, _cluster(articles))
            figures.append(headline(scorer, dataset, pred))
            f1, p, r = (figures[-1][k] for k in ("bcubed_f1", "bcubed_p", "bcubed_r"))
            print(f"order {seed}/{count}: BCubed F1 {f1:.4f} (P {p:.4f}, R {r:.4f})", flush=True)
    mean = sum(figure["bcubed_f1"] for figure in figures) / len(figures)
    print(f"shuffled orders: mean BCubed F1 {mean:.4f} over {len(figures)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--out", type=Path, default=OUT / "stories.jsonl")
    parser.add_argument("--scorer", type=Path, default=SCORERS / "clustering_score.py")
    parser.add_argument(
        "--orders", type=int, default=0, metavar="N", help="also score N shuffled input orders"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    predictions = _cluster(args.dataset / "articles.jsonl")
    elapsed = time.perf_counter() - started
    write_jsonl(args.out, predictions)
    score(args.scorer, args.dataset, args.out)
    print(f"storyline cluster (entity analysis + online clustering): {elapsed:.1f} s")
    if args.orders:
        _orders(args.scorer, args.dataset, args.orders)


if __name__ == "__main__":
    main()
