"""Cost per article of online story assignment as the stream grows.

    python bench/stories_scale.py [--sizes 10000,100000] [--seed 7]

A synthetic stream of articles, 300 a day: new stories keep starting, each article belongs to
one (its own names, places and topic words from Zipf-like vocabularies, plus common words),
arriving in date order. ``StoryClusterer.add`` alone is timed. The figures are the mean cost
per article in the first and the last 10% of the stream, the stories still held (the active
ones: cold stories are dropped), the peak memory of the process, and the size of the state
``storyline`` saves in the store at the end of a run, with the time to save and load it.
Flat cost means the last 10% of a 100k stream costs what the last 10% of a 10k stream costs:
the first days are cheaper only because few stories exist yet. Entity features come from the
generator (the spaCy parse is measured by bench/throughput.py, not here).
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from collections import Counter
from datetime import date, timedelta
from itertools import accumulate

from storyline.stories.clusterer import StoryClusterer, decode_state, encode_state

COMMON = """government officials said people city week report new year time police country
court police plan public state local company market months million support statement
leaders security election health workers talks deal prices""".split()


def stream(size: int, seed: int):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(50_000)]
    names = [f"person{i}" for i in range(200_000)]
    places = [f"place{i}" for i in range(20_000)]
    cumulative = list(accumulate(1 / (r + 1) for r in range(len(vocabulary))))
    day = date(2025, 1, 1)
    active: list[tuple[list[str], list[str]]] = []
    for index in range(size):
        if index % 300 == 0:
            day += timedelta(days=1)
            active = active[-60:]
        if not active or rng.random() < 0.08:
            topic = rng.choices(vocabulary, cum_weights=cumulative, k=12)
            entities = rng.sample(names, 3) + rng.sample(places, 1)
            active.append((topic, entities))
        topic, entities = rng.choice(active)
        terms: Counter[str] = Counter(rng.choices(COMMON, k=40))
        terms.update(rng.choices(topic, k=30))
        terms.update(rng.choices(vocabulary, cum_weights=cumulative, k=40))
        terms.update("E:" + e for e in rng.choices(entities, k=6))
        yield f"a{index}", terms, day


def run(size: int, seed: int) -> dict[str, float]:
    clusterer = StoryClusterer()
    costs = []
    for article_id, terms, day in stream(size, seed):
        started = time.perf_counter()
        clusterer.add(article_id, terms, day)
        costs.append(time.perf_counter() - started)
    tenth = max(1, size // 10)
    started = time.perf_counter()
    blob = encode_state(clusterer)
    saved = time.perf_counter() - started
    started = time.perf_counter()
    decode_state(blob)
    loaded = time.perf_counter() - started
    return {
        "state_mb": len(blob) / 1e6,
        "save_s": saved,
        "load_s": loaded,
        "articles": size,
        "first_ms": 1000 * sum(costs[:tenth]) / tenth,
        "last_ms": 1000 * sum(costs[-tenth:]) / tenth,
        "stories": len(clusterer.stories),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(
        "| articles | ms/article, first 10% | ms/article, last 10% | last/first |"
        " stories | peak RSS MB | saved state MB | save s | load s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in (int(s) for s in args.sizes.split(",")):
        r = run(size, args.seed)
        print(
            f"| {r['articles']:,} | {r['first_ms']:.3f} | {r['last_ms']:.3f} |"
            f" {r['last_ms'] / r['first_ms']:.2f}x | {r['stories']:,} | {r['peak_rss_mb']:.0f} |"
            f" {r['state_mb']:.1f} | {r['save_s']:.2f} | {r['load_s']:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
