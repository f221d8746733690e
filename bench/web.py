"""Latency of the web UI with a big store: story page and search, p50/p95, 1 and 50 clients.

    python bench/web.py [--articles 100000] [--requests 1000] [--db PATH] [--no-cache]
                        [--workers N]

Builds (once; reused if PATH exists) a store of generated articles: 20 per story, readable
sentences from small vocabularies, one outlet in five. The articles go straight into the
store's tables in large transactions (ingest and analysis are measured by
bench/throughput.py; here only serving is timed), and the stories the benchmark asks for are
told. Then it starts the real server (`storyline serve`, one process unless --workers) and
sends requests from 1 and from 50 concurrent clients over loopback (wrk when it is installed,
Debian package `wrk`; else httpx with asyncio, which costs the client more CPU than the
server): the story page (HTML) of a random told story, and a search for a random topic word.
Every distinct page is first requested once from 4 clients ("4 cold": rendered from the
store, timed with httpx); the 1- and 50-client figures are for the warm server that follows.
With --no-cache the server keeps no page (`storyline serve --no-cache`): every request is
rendered from the store. --workers N starts N server processes (`storyline serve --workers N`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
from common import served

from storyline.records import Article, content_hash
from storyline.store import open_store
from storyline.telling.tell import tell

PER_STORY = 20
TOLD = 200
OUTLETS = [f"Outlet {n}" for n in range(40)]
VERBS = "said announced warned reported confirmed denied promised rejected".split()
NOUNS = "talks vote strike flood outbreak trial deal protest budget election".split()


def generate(db: Path, articles: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = [
        f"{rng.choice('bdfgklmnprstvz')}{rng.choice('aeiou')}{rng.choice('lmnrst')}o"
        for _ in range(3000)
    ]
    start = date(2024, 1, 1)
    story_ids: list[str] = []
    with open_store(db) as store, store.transaction() as conn:
        for s in range(articles // PER_STORY):
            story = f"s-bench-{s}"
            story_ids.append(story)
            topic = rng.sample(words, 8)
            person = f"{rng.choice(words).title()} {rng.choice(words).title()}"
            noun = rng.choice(NOUNS)
            day = start + timedelta(days=s // 50)
            for n in range(PER_STORY):
                sentences = [
                    f"{person} {rng.choice(VERBS)} on Monday that the {noun} in"
                    f" {topic[0].title()} would go on."
                ] + [
                    " ".join(rng.choice(topic + words[:200]) for _ in range(14)).capitalize() + "."
                    for _ in range(12)
                ]
                text = " ".join(sentences)
                article = Article(
                    id=f"b{s}-{n}",
                    text=text,
                    title=f"{noun.title()} in {topic[0].title()}: {person} speaks",
                    outlet=rng.choice(OUTLETS),
                    published=(day + timedelta(days=n // 5)).isoformat(),
                    published_source="record",
                    language="en",
                    content_hash=content_hash(text),
                    origin="bench/web.py",
                )
                store.insert_article(article)
                conn.execute(
                    "INSERT INTO story_articles (article_id, story_id, similarity, assigned_at)"
                    " VALUES (?, ?, 1.0, '2024-01-01')",
                    (article.id, story),
                )
    told = rng.sample(story_ids, min(TOLD, len(story_ids)))
    with open_store(db) as store:
        for story in told:
            store.save_telling(tell(story, store.story_articles(story)))
    return told


async def load(base: str, paths: list[str], clients: int) -> list[float]:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for path in paths:
        queue.put_nowait(path)
    latencies: list[float] = []

    async def client(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            path = queue.get_nowait()
            started = time.perf_counter()
            response = await http.get(base + path)
            latencies.append(time.perf_counter() - started)
            response.raise_for_status()

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=60) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return latencies


WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
request = function() return wrk.format("GET", paths[math.random(#paths)]) end
done = function(summary, latency, requests)
  io.write(string.format("WRK %f %f %d %f\\n", latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, summary.requests, summary.duration / 1e6))
end
"""


def wrk_load(base: str, paths: list[str], clients: int, seconds: int) -> tuple[float, float, float]:
    """p50 ms, p95 ms and requests/s from wrk (C, one thread per core), paths drawn at random."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "paths.txt").write_text("\n".join(paths) + "\n", encoding="utf-8")
        (Path(folder) / "load.lua").write_text(WRK_SCRIPT, encoding="utf-8")
        run = subprocess.run(
            [
                "wrk",
                f"-t{min(2, clients)}",
                f"-c{clients}",
                f"-d{seconds}s",
                "-s",
                f"{folder}/load.lua",
                base,
            ],
            env={**os.environ, "WRK_PATHS": f"{folder}/paths.txt"},
            capture_output=True,
            text=True,
            check=True,
        )
    line = next(x for x in run.stdout.splitlines() if x.startswith("WRK "))
    p50, p95, count, duration = (float(x) for x in line.split()[1:])
    return p50, p95, count / duration


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--db", type=Path, default=Path("bench/out/web.db"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--seconds", type=int, default=10, help="Per wrk run.")
    parser.add_argument(
        "--no-cache", action="store_true", help="Serve with `--no-cache`: every page rendered."
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="Server processes (`storyline serve --workers`)."
    )
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    if args.db.exists():
        with open_store(args.db) as store:
            told = [r[0] for r in store.conn.execute("SELECT story_id FROM story_tellings")]
    else:
        started = time.perf_counter()
        told = generate(args.db, args.articles, args.seed)
        print(
            f"built {args.db} ({args.articles} articles) in {time.perf_counter() - started:.0f} s"
        )
    options = [*(["--no-cache"] if args.no_cache else []), "--workers", str(args.workers)]
    with served(args.db, *options) as base:
        rng = random.Random(args.seed)
        with open_store(args.db) as store:
            titles = [r[0] for r in store.conn.execute("SELECT title FROM articles LIMIT 2000")]
        queries = [t.split(":")[0].split()[-1] for t in titles]
        pages = {
            "story page": [f"/story/{rng.choice(told)}" for _ in range(args.requests)],
            "search": [f"/search?q={rng.choice(queries)}" for _ in range(args.requests)],
        }
        use_wrk = shutil.which("wrk") is not None
        print(f"load from {'wrk' if use_wrk else 'httpx (install wrk for a lighter client)'}")
        print(f"{'page':<12} {'clients':>7} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7}")
        for name, paths in pages.items():
            # Warm-up: every distinct page once, rendered from the store (cold), 4 clients.
            cold = sorted(1000 * x for x in asyncio.run(load(base, sorted(set(paths)), 4)))
            print(
                f"{name:<12} {'4 cold':>7} {statistics.median(cold):>8.1f}"
                f" {cold[int(0.95 * (len(cold) - 1))]:>8.1f} {'':>7}"
            )
            for clients in (1, 50):
                if use_wrk:
                    p50, p95, rate = wrk_load(base, paths, clients, args.seconds)
                else:
                    started = time.perf_counter()
                    latencies = asyncio.run(load(base, paths, clients))
                    rate = len(latencies) / (time.perf_counter() - started)
                    ms = sorted(1000 * x for x in latencies)
                    p50, p95 = statistics.median(ms), ms[int(0.95 * (len(ms) - 1))]
                print(f"{name:<12} {clients:>7} {p50:>8.1f} {p95:>8.1f} {rate:>7.0f}")


if __name__ == "__main__":
    main()
