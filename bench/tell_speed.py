"""Time to tell one big story: headline, digest and timeline of N articles taken as one story.

    python bench/tell_speed.py ARTICLES.jsonl [--n 1000]

Reads the first N articles of ARTICLES.jsonl (benchmark format) and finds their time
expressions and sentence spans first, as the analysis stores them (not timed: a stored
story's telling reads them from the store, ``runner.story_times`` and
``runner.story_sentences``). Then times, in this process, ``headline``, ``summarize`` (100
words) and ``timeline`` (10 dates, 2 sentences each) on their own, each making its sentences
from the kept spans, ``tell`` (what the store runs: the sentences made once for the digest and
the timeline), and, for comparison, splitting the articles anew (what a story without kept
spans costs first).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from storyline.analysis.times import find_times
from storyline.ingest.sources import article_from_record
from storyline.telling.digest import headline, summarize
from storyline.telling.sentences import Sentence, spans_of, split
from storyline.telling.tell import tell
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
    times = {a.id: find_times(a.text, a.published) for a in articles}
    spans = dict(zip((a.id for a in articles), spans_of(articles), strict=True))

    def sentences() -> list[Sentence]:
        return list(split(articles, spans))

    timed = {}
    for name, call in (
        ("headline", lambda: headline(articles)),
        ("digest", lambda: summarize(articles, 100, sentences=sentences())),
        (
            "timeline",
            lambda: timeline(articles, dates=10, per_date=2, times=times, sentences=sentences()),
        ),
        ("tell", lambda: tell("bench", articles, times, spans)),
        ("split anew", lambda: list(split(articles))),
    ):
        started = time.perf_counter()
        call()
        timed[name] = time.perf_counter() - started
    print(f"{len(articles)} articles, {words} words")
    for name, seconds in timed.items():
        print(f"{name:11s}{seconds:6.2f} s")


if __name__ == "__main__":
    main()
