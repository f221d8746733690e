"""Peak memory of `storyline ingest` as the input grows: it must not grow with the input.

    python bench/memory.py [--sizes 1000,10000,100000] [--no-analyze] [--stories] [--seed 7]

For each size N, a JSONL file of N generated articles (the sentences of bench/throughput.py;
15% are wire copies of one of the previous 1,000 articles with a new first sentence) is
written, streamed, then `storyline ingest FILE --db NEW.db --quiet` runs as a user runs it,
in a child process, with every default stage (analysis in worker processes, placement,
telling) unless --no-analyze. Reported: wall time and peak resident memory: a small wrapper
process runs the command and reads RUSAGE_CHILDREN, whose ``ru_maxrss`` is the peak of the
largest process among the ingest and its analysis workers (each is counted alone, not
summed).

bench/throughput.py's sentences draw every name from one shared cast, so the store groups
the whole corpus into one story, and telling it is the peak (it grows with the story). With
--stories the corpus is a stream of many stories instead, as news is: 300 articles a day,
a new story one article in ten, each with its own cast of generated names (people, a place,
an organisation, a topic) and lasting a few days, an article drawing most of its sentences
from its story's cast.
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
from datetime import date, timedelta
from pathlib import Path

from throughput import DAYS, ROLES, TOPICS, VERBS, _sentence

WRAPPER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)
"""


#: Syllables of generated names (--stories): invented, so no real person or place is named.
SYLLABLES = "ka lo ve nar tis bel mon dra sul fen ori gat rum pel os vin tar ech lu zan".split()
ARTICLES_A_DAY = 300
NEW_STORY_SHARE = 0.1
STORY_DAYS = 4


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def _cast(rng: random.Random, day: int) -> dict[str, object]:
    """A new story's own names and its first day."""
    return {
        "people": [f"{_name(rng, 2)} {_name(rng, 3)}" for _ in range(3)],
        "place": _name(rng, 3),
        "org": f"the {_name(rng, 3)} {rng.choice(['Council', 'Union', 'Agency', 'Alliance'])}",
        "topic": f"the {_name(rng, 2).lower()} {rng.choice(['dispute', 'inquiry', 'talks'])}",
        "day": day,
    }


def _story_sentence(rng: random.Random, cast: dict[str, object]) -> str:
    """A sentence of ``cast``'s story; one in five is the shared kind (any story's)."""
    if rng.random() < 0.2:
        return _sentence(rng)
    people = cast["people"]
    assert isinstance(people, list)
    person, place, org, topic = rng.choice(people), cast["place"], cast["org"], cast["topic"]
    day, verb, role = rng.choice(DAYS), rng.choice(VERBS), rng.choice(ROLES)
    n = rng.randint(2, 900)
    return rng.choice(
        [
            f'"We will not accept any delay to {topic}", {role} {person} {verb} {day}.',
            f"{person}, the {role} of {org}, {verb} that {topic} in {place} would resume {day}.",
            f"More than {n} people gathered in {place} {day} as {org} discussed {topic}.",
            f"In {place}, {person} {verb} {day} that {org} had not been told of {topic}.",
        ]
    )


def write_corpus(path: Path, size: int, seed: int, *, stories: bool = False) -> int:
    """Write ``size`` generated articles, streamed; returns the number of words."""
    rng = random.Random(seed)
    recent: list[str] = []
    active: list[dict[str, object]] = []
    words = 0
    with path.open("w", encoding="utf-8") as out:
        for index in range(size):
            day = index // ARTICLES_A_DAY
            if stories:
                active = [c for c in active if day - int(str(c["day"])) < STORY_DAYS]
                if not active or rng.random() < NEW_STORY_SHARE:
                    active.append(_cast(rng, day))
                cast = rng.choice(active)
            if recent and rng.random() < 0.15:
                text = _sentence(rng) + "\n\n" + rng.choice(recent)
            else:
                count = rng.randint(6, 18)
                if stories:
                    sentences = [_story_sentence(rng, cast) for _ in range(count)]
                else:
                    sentences = [_sentence(rng) for _ in range(count)]
                text = "\n\n".join(
                    " ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)
                )
            recent = [*recent[-999:], text]
            words += len(text.split())
            record = {
                "id": f"mem-{seed}-{index}",
                "title": f"Report {index} on {rng.choice(TOPICS)}",
                "published": (
                    (date(2025, 1, 1) + timedelta(days=day)).isoformat()
                    if stories
                    else f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                ),
                "source": f"Outlet {rng.randint(1, 40)}",
                "text": text,
            }
            out.write(json.dumps(record) + "\n")
    return words


def measure(
    size: int, seed: int, analyze: bool, folder: Path, *, stories: bool = False
) -> dict[str, float]:
    corpus = folder / f"corpus-{size}.jsonl"
    words = write_corpus(corpus, size, seed, stories=stories)
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
    parser.add_argument(
        "--stories", action="store_true", help="A stream of many stories (see above)."
    )
    args = parser.parse_args()
    print(f"{'articles':>9} {'words':>11} {'seconds':>8} {'art/s':>7} {'peak RSS MB':>12}")
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as folder:
        for size in (int(x) for x in args.sizes.split(",")):
            row = measure(size, args.seed, not args.no_analyze, Path(folder), stories=args.stories)
            print(
                f"{row['articles']:>9,} {row['words']:>11,} {row['seconds']:>8.1f}"
                f" {row['articles'] / row['seconds']:>7.1f} {row['peak_mb']:>12.0f}",
                flush=True,
            )
            for leftover in Path(folder).iterdir():
                leftover.unlink()


if __name__ == "__main__":
    main()
