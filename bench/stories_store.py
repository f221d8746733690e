"""Cost of placing a new batch of articles in stories as the store grows.

    python bench/stories_store.py [--sizes 2000,20000] [--batch 500] [--seed 7]

For each size N: a fresh SQLite store receives N synthetic articles (the stream of
bench/stories_scale.py written out as text, one transaction per article, no analysis) and
``place_stories`` places them all; then a batch of new articles is stored and
``place_stories`` runs again, as the next ``storyline ingest`` would. That second run is
timed: it starts from the clusterer state saved by the first, so its cost should follow the
batch, not N. The saved state's size is reported too.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from stories_scale import stream

from storyline.records import Article, content_hash
from storyline.runner import place_stories
from storyline.store import Store, open_store


def _store_articles(store: Store, rows: list[tuple[str, str, str]]) -> None:
    for article_id, text, day in rows:
        with store.transaction():
            store.insert_article(
                Article(
                    id=article_id,
                    text=text,
                    published=day,
                    origin="bench",
                    content_hash=content_hash(text),
                )
            )


#: The generator's terms ("w123", "E:person5") as words the tokenizer keeps ("wbcd",
#: "personf"): digits spelled as letters, no entity prefix (there is no analysis here).
_SPELL = str.maketrans("0123456789", "abcdefghij", ":")


def run(size: int, batch: int, seed: int, folder: Path) -> dict[str, float]:
    rows = [
        (article_id, " ".join(terms.elements()).translate(_SPELL), day.isoformat())
        for article_id, terms, day in stream(size + batch, seed)
    ]
    store = open_store(folder / f"stories-{size}.db")
    try:
        _store_articles(store, rows[:size])
        started = time.perf_counter()
        place_stories(store)
        first = time.perf_counter() - started
        _store_articles(store, rows[size:])
        started = time.perf_counter()
        placed = place_stories(store)
        second = time.perf_counter() - started
        saved = store.story_state()
        return {
            "size": size,
            "first_s": first,
            "placed": placed,
            "second_s": second,
            "state_mb": len(saved[1]) / 1e6 if saved else 0.0,
        }
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,20000")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(
        "| articles stored | placing them all, s | new batch | placing the batch, s"
        " | ms per new article | saved state MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for size in (int(s) for s in args.sizes.split(",")):
            r = run(size, args.batch, args.seed, Path(folder))
            print(
                f"| {size:,} | {r['first_s']:.1f} | {r['placed']:,} | {r['second_s']:.2f} |"
                f" {1000 * r['second_s'] / max(1, r['placed']):.2f} | {r['state_mb']:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
