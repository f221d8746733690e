"""Time to tell one big story: digest and timeline of N articles taken as one story.

    python bench/tell_speed.py ARTICLES.jsonl [--n 1000]

Reads the first N articles of ARTICLES.jsonl (benchmark format), then times, in this process,
``summarize`` (100 words) and ``timeline`` (10 dates, 2 sentences each) on them.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from storyline.ingest.sources import article_from_record
from storyline.telling.digest import summarize
from storyline.telling.timeline import timeline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("articles", type=Path)
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args()
    with args.articles.open(encoding="utf-8") as lines:
        records = [json.loads(line) for _, line in zip(range(args.n), lines, strict=False)]
    articles = [article_from_record(r, f"{args.articles}#{i}") for i, r in enumerate(records)]
    words = sum(a.words for a in articles)
    started = time.perf_counter()
    digest = summarize(articles, 100)
    digest_secs = time.perf_counter() - started
    started = time.perf_counter()
    entries = timeline(articles, dates=10, per_date=2)
    timeline_secs = time.perf_counter() - started
    print(f"{len(articles)} articles, {words} words")
    print(f"digest   {digest_secs:6.2f} s  ({len(digest)} sentences)")
    print(f"timeline {timeline_secs:6.2f} s  ({len(entries)} dates)")


if __name__ == "__main__":
    main()
