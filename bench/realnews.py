"""Real news pages, as the web gives them: how much of what a store tells is page furniture.

    python bench/realnews.py ../shared/bench/timeline/t17/* [--db OUT.db] [--variants FILE]
    python bench/realnews.py --ecbplus ../shared/bench/clustering/ecbplus/dev

The first form ingests the articles of each DATASET_DIR (``articles.jsonl``, Timeline17's
format: real pages with their furniture and reader comments) into a fresh store with
``storyline ingest`` (read, dedupe, analyse, place, tell) and reports:

- the share of told lines (headlines, digest lines, timeline lines) and of quotes that are
  furniture or reader comments;
- the top 20 speakers, with those that are junk flagged;
- spelling variant groups merged, and wrong merges, against the hand-written list
  ``bench/realnews_variants.json`` (names only, written by us for the dev topics): a group
  counts when two or more of its spellings occur as person mentions, and is merged when the
  mentions of each spelling went mostly to one and the same person entity;
- how many story and article pages, their JSON, Markdown and Atom open (a real server);
- the ingest time.

Furniture is defined here for scoring the way a reader would see it, independently of the
code that finds it (``storyline.ingest.furniture``), so that the measure can disagree with the
method: a *furniture sentence* is a normalised sentence (the line split after ``. ! ?``,
lower-cased, punctuation dropped, four words or more) that one outlet prints in five or more
of its articles; *comments* are everything from a page's first comment byline ("NAME
wrote:", "Posted by:", "Report abuse", "Added:") to its end, on a page with two bylines or
more, and everything from a line that speaks to readers about their comments (it names
"comments" and welcomes, moderates, edits or publishes them, or says they represent no one
but their writers) to the page's end: sites print their comments under such a notice, some
with no byline at all. A told line or quote is furniture when its cited span overlaps a
furniture sentence or comments by at least half its length, or its text contains a furniture
sentence. Headlines have no citation: one is furniture when it contains, or is contained in, a
furniture sentence.

Photo captions are counted apart, so the figure above stays comparable with earlier runs: a
*caption* is what a reader sees as the words of a photo, the sentence (the bench's own cut)
printed just before a credit ("Photograph: NAME", "Photo: NAME", "Picture: NAME"; the label
and a capitalised word), or, where the label is followed by a sentence of its own ("PHOTO: A
guard wears a mask ..."), the rest of that line. A told line is a caption by the same
overlap rule as furniture.

The second form takes an ECB+-format split, injects furniture into a copy of it (written by
us: per fictional outlet a promo and a disclaimer line, and under every third article a
comment section with user names and timestamps), clusters both with ``storyline cluster``
and scores BCubed with the reference scorer, then ingests the injected copy into a new store
(``storyline ingest``: analysed, grouped and told) and counts the digest lines of its stories
that come from the injected text.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from common import OUT, SCORERS, headline, run_cli, served, write_jsonl

from storyline.analysis.gazetteer import name_key
from storyline.store import Store, open_store

ROOT = Path(__file__).resolve().parent
MIN_WORDS = 4
OUTLET_ARTICLES = 5
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_BYLINE = re.compile(r"\bwrote:|\bPosted by:|\bReport (?:abuse|as abusive)\b|^Added:", re.M)
# A photo credit's label, then a capitalised word: a name ("Photograph: Ana Ruiz/AP") or the
# caption itself when it opens with an article ("PHOTO: A guard wears a mask ...").
_CREDIT = re.compile(
    r"(?<!\w)(?:Photograph|Photo|Picture|Illustration|Image)s?(?: credit)?: +(?=[A-Z])",
    re.IGNORECASE,
)
_CAPTION_AFTER = re.compile(r"(?:A|An|The) ")
_NOTICE = re.compile(
    r"^(?=[^\n]*\bcomments\b)[^\n]*\b(?:welcome|moderat\w*|edit|published|represent)\b",
    re.IGNORECASE | re.MULTILINE,
)
_PRONOUNS = {"he", "she", "they", "it", "we", "i", "you", "this", "that", "which", "who"}


def normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def sentences(text: str) -> list[tuple[int, int, str]]:
    """(start, end, normalised) of each sentence of each line, by the bench's own simple cut."""
    found = []
    for line in re.finditer(r"[^\n]+", text):
        at = line.start()
        for piece in _SENTENCE_END.split(line.group(0)):
            start = text.index(piece, at) if piece else at
            key = normal(piece)
            if len(key.split()) >= MIN_WORDS:
                found.append((start, start + len(piece), key))
            at = start + len(piece)
    return found


class ReaderFurniture:
    """The bench's definition of furniture over a store's articles (module docstring)."""

    def __init__(self, store: Store) -> None:
        counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.texts: dict[str, str] = {}
        self.outlet: dict[str, str] = {}
        for article in store.iter_articles():
            self.texts[article.id] = article.text
            self.outlet[article.id] = article.outlet or ""
            counts[article.outlet or ""].update({key for _, _, key in sentences(article.text)})
        self.repeated = {
            outlet: {key for key, n in counted.items() if n >= OUTLET_ARTICLES}
            for outlet, counted in counts.items()
        }
        self.all_repeated = set().union(*self.repeated.values()) if self.repeated else set()
        self._spans: dict[str, list[tuple[int, int]]] = {}
        self._captions: dict[str, list[tuple[int, int]]] = {}

    def captions(self, article_id: str) -> list[tuple[int, int]]:
        """The photo captions of an article, by the bench's definition (module docstring)."""
        if article_id not in self._captions:
            text = self.texts.get(article_id, "")
            found = []
            for credit in _CREDIT.finditer(text):
                if _CAPTION_AFTER.match(text, credit.end()):
                    line_end = text.find("\n", credit.end())
                    found.append((credit.end(), len(text) if line_end < 0 else line_end))
                    continue
                end = len(text[: credit.start()].rstrip())
                before = [(s, e) for s, e, _ in sentences(text[:end]) if e >= end - 1]
                if before:
                    found.append(before[-1][:2])
            self._captions[article_id] = found
        return self._captions[article_id]

    def caption_texts(self) -> set[str]:
        return {normal(self.texts[a][s:e]) for a in self.texts for s, e in self.captions(a)} - {""}

    def spans(self, article_id: str) -> list[tuple[int, int]]:
        if article_id not in self._spans:
            text = self.texts.get(article_id, "")
            learned = self.repeated.get(self.outlet.get(article_id, ""), set())
            found = [(s, e) for s, e, key in sentences(text) if key in learned]
            bylines = [byline.start() for byline in _BYLINE.finditer(text)]
            if len(bylines) >= 2:
                found.append((text.rfind("\n", 0, bylines[0]) + 1, len(text)))
            if notice := _NOTICE.search(text):
                found.append((notice.start(), len(text)))
            self._spans[article_id] = found
        return self._spans[article_id]

    def covers(self, article_id: str, start: int, end: int, *, captions: bool = False) -> bool:
        length = max(1, end - start)
        spans = self.captions(article_id) if captions else self.spans(article_id)
        inside = sum(max(0, min(end, e) - max(start, s)) for s, e in spans)
        return inside >= length / 2

    def in_text(self, text: str) -> bool:
        key = normal(text)
        return any(sentence in key for sentence in self._keys_in(key))

    def _keys_in(self, key: str) -> list[str]:
        # The repeated sentences that could be inside ``key`` (cheap prefilter on first word).
        first = set(key.split())
        return [s for s in self.all_repeated if s.split(" ", 1)[0] in first]


def told_lines(store: Store) -> list[tuple[str, str, list[tuple[str, int, int]]]]:
    """(kind, text, citations) of every told line of every story."""
    lines: list[tuple[str, str, list[tuple[str, int, int]]]] = []
    story_ids = [str(r[0]) for r in store.conn.execute("SELECT story_id FROM story_tellings")]
    for story_id in story_ids:
        telling = store.get_telling(story_id)
        if telling is None:
            continue
        if telling.headline:
            lines.append(("headline", telling.headline, []))
        for line in telling.digest:
            cites = [(c.article_id, c.start, c.end) for c in line.citations]
            lines.append(("digest", line.text, cites))
        for entry in telling.timeline:
            for tline in entry.lines:
                cites = [(c.article_id, c.start, c.end) for c in tline.citations]
                lines.append(("timeline", tline.text, cites))
    return lines


def is_furniture(reader: ReaderFurniture, text: str, cites: list[tuple[str, int, int]]) -> bool:
    if cites:
        return any(reader.covers(a, s, e) for a, s, e in cites) or reader.in_text(text)
    key = normal(text)
    return reader.in_text(text) or any(key and key in s for s in reader._keys_in(key))


def print_shares(
    title: str, found: dict[str, int], shares: dict[str, list[int]], examples: list[str]
) -> int:
    """Print how many told lines of each kind are in ``found``; returns how many in all."""
    print(f"\n{title}:")
    all_lines = sum(count for _, count in shares.values())
    for kind, (_, count) in sorted(shares.items()):
        n = found.get(kind, 0)
        print(f"  {kind:<9} {n:>5} of {count:>5}  {n / max(1, count):6.1%}")
    total = sum(found.values())
    print(f"  {'all':<9} {total:>5} of {all_lines:>5}  {total / max(1, all_lines):6.1%}")
    for example in examples:
        print(f"    e.g. {example}")
    return total


def is_caption(
    reader: ReaderFurniture, captions: set[str], text: str, cites: list[tuple[str, int, int]]
) -> bool:
    if cites:
        return any(reader.covers(a, s, e, captions=True) for a, s, e in cites)
    key = normal(text.rstrip("\u2026"))
    return bool(key) and any(key in caption or caption in key for caption in captions)


def quotes_from_furniture(store: Store, reader: ReaderFurniture) -> tuple[int, int, Counter[str]]:
    total = bad = 0
    by_speaker: Counter[str] = Counter()
    for article_id, spans, speaker in store.conn.execute(
        "SELECT article_id, spans, speaker_name FROM quotes"
    ):
        total += 1
        content = json.loads(spans).get("content", [])
        if any(reader.covers(article_id, s["start"], s["end"]) for s in content):
            bad += 1
            by_speaker[speaker or ""] += 1
    return total, bad, by_speaker


def junk_reason(speaker: dict[str, Any], from_furniture: int) -> str | None:
    name = speaker["name"]
    words = name.split()
    if speaker["label"] not in ("PERSON", "ORG", "NORP"):
        return f"a {speaker['label']}"
    if name.lower() in _PRONOUNS or not any(w[:1].isupper() for w in words):
        return "not a name"
    if any(ch.isdigit() for ch in name):
        return "has digits"
    if from_furniture * 2 > speaker["quotes"]:
        return "quoted mostly from furniture"
    return None


def variants(store: Store, path: Path) -> dict[str, Any]:
    """Variant groups merged and wrong merges (see realnews_variants.json)."""
    listed = json.loads(path.read_text(encoding="utf-8"))

    # Where each spelling's mentions went: the person entity holding most mentions written so
    # (a surname alone is an alias of several people, each in their own articles).
    holders: defaultdict[str, Counter[int]] = defaultdict(Counter)
    for text, entity_id in store.conn.execute(
        "SELECT m.text, m.entity_id FROM mentions m JOIN entities e ON e.id = m.entity_id"
        " WHERE e.label = 'PERSON'"
    ):
        holders[name_key(text)][entity_id] += 1

    def ids(name: str) -> set[int]:
        counted = holders.get(name_key(name))
        return {counted.most_common(1)[0][0]} if counted else set()

    merged = measured = 0
    split: list[list[str]] = []
    owner: dict[int, int] = {}
    wrong: list[str] = []
    for number, group in enumerate(listed["groups"]):
        found = {name: ids(name) for name in group["names"]}
        present = {name: found_ids for name, found_ids in found.items() if found_ids}
        for found_ids in present.values():
            for entity_id in found_ids:
                if owner.setdefault(entity_id, number) != number:
                    other = listed["groups"][owner[entity_id]]["names"][0]
                    wrong.append(f"{group['names'][0]} / {other}")
        if len(present) < 2:
            continue
        measured += 1
        common = set.intersection(*present.values())
        if common and all(len(found_ids) == 1 for found_ids in present.values()):
            merged += 1
        else:
            split.append(sorted(present))
    for first, second in listed.get("apart", []):
        if ids(first) & ids(second):
            wrong.append(f"{first} / {second}")
    return {
        "groups measured": measured,
        "merged": merged,
        "split": split,
        "wrong merges": sorted(set(wrong)),
    }


def pages_open(db: Path, sample: int, seed: int) -> tuple[int, int, list[str]]:
    """Every story's page, JSON, Markdown and Atom, and a sample of article pages and JSON,
    from a real server; (opened, asked, failures)."""
    failures: list[str] = []
    asked = 0
    with served(db) as base:
        with open_store(db) as store:
            stories = [str(r[0]) for r in store.conn.execute("SELECT story_id FROM story_tellings")]
            articles = [str(r[0]) for r in store.conn.execute("SELECT id FROM articles")]
        chosen = random.Random(seed).sample(articles, min(sample, len(articles)))
        paths = []
        for story_id in stories:
            segment = quote(story_id, safe="")
            paths += [f"/story/{segment}", f"/api/story/{segment}", f"/story/{segment}.md"]
            paths.append(f"/story/{segment}.atom")
        for article_id in chosen:
            segment = quote(article_id, safe="")
            paths += [f"/article/{segment}", f"/api/article/{segment}"]
        with httpx.Client(base_url=base, timeout=60) as client:
            for path in paths:
                asked += 1
                status = client.get(path).status_code
                if status != 200:
                    failures.append(f"{status} {path}")
    return asked - len(failures), asked, failures


def real_pages(args: argparse.Namespace) -> None:
    db = args.db
    ingest_seconds = float("nan")
    if not args.score_only:
        if db.exists():
            db.unlink()
        files = [str(folder / "articles.jsonl") for folder in args.datasets]
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "storyline.cli", "ingest", *files, "--db", str(db), "--quiet"],
            check=False,
        )
        ingest_seconds = time.perf_counter() - started
    with open_store(db, create=False) as store:
        stats = store.stats()
        reader = ReaderFurniture(store)
        lines = told_lines(store)
        shares: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        examples: list[str] = []
        captions = reader.caption_texts()
        captioned: dict[str, int] = Counter()
        caption_examples: list[str] = []
        for kind, text, cites in lines:
            bad = is_furniture(reader, text, cites)
            shares[kind][0] += bad
            shares[kind][1] += 1
            if bad and len(examples) < 10:
                examples.append(f"{kind}: {text[:110]}")
            if is_caption(reader, captions, text, cites):
                captioned[kind] += 1
                if len(caption_examples) < 10:
                    caption_examples.append(f"{kind}: {text[:110]}")
        total, bad_quotes, by_speaker = quotes_from_furniture(store, reader)
        speakers = store.speakers(limit=20)
        found = variants(store, args.variants)
    opened, asked, failures = pages_open(db, args.sample, args.seed)
    print(f"store: {stats}")
    print(f"ingest (read, dedupe, analyse, place, tell): {ingest_seconds:.1f} s")
    all_lines = sum(v[1] for v in shares.values())
    all_bad = print_shares(
        "told lines that are furniture or comments",
        {kind: bad for kind, (bad, _) in shares.items()},
        shares,
        examples,
    )
    all_captions = print_shares(
        "told lines that are photo captions", captioned, shares, caption_examples
    )
    print(f"\nquotes from furniture: {bad_quotes} of {total} ({bad_quotes / max(1, total):.1%})")
    print("\ntop 20 speakers:")
    junk = 0
    for speaker in speakers:
        reason = junk_reason(speaker, by_speaker.get(speaker["name"], 0))
        junk += reason is not None
        flag = f"  <- junk: {reason}" if reason else ""
        print(f"  {speaker['quotes']:>5}  {speaker['name']} ({speaker['label']}){flag}")
    print(f"  junk among the top 20: {junk}")
    print(
        f"\nvariant groups ({args.variants.name}): {found['merged']} of"
        f" {found['groups measured']} merged; wrong merges: {len(found['wrong merges'])}"
    )
    for names in found["split"]:
        print(f"  split: {' | '.join(names)}")
    for pair in found["wrong merges"]:
        print(f"  wrong merge: {pair}")
    print(f"\npages that open: {opened} of {asked}")
    for failure in failures[:10]:
        print(f"  {failure}")
    summary = {
        "told_furniture_share": round(all_bad / max(1, all_lines), 4),
        "quote_furniture_share": round(bad_quotes / max(1, total), 4),
        "told_caption_share": round(all_captions / max(1, all_lines), 4),
        "junk_top20": junk,
        "variants_merged": f"{found['merged']}/{found['groups measured']}",
        "wrong_merges": len(found["wrong merges"]),
        "pages_open": f"{opened}/{asked}",
        "ingest_s": round(ingest_seconds, 1),
    }
    print(json.dumps(summary))


# -- ECB+ with furniture injected ---------------------------------------------------------------

_OUTLETS = ("Northgate Wire", "The Harbor Ledger", "Eastbrook Times", "Valley Courier")
_PROMOS = {
    "Northgate Wire": "Get the Northgate morning briefing delivered to your inbox before seven.",
    "The Harbor Ledger": "Our harbour desk is on the water every day so you do not have to be.",
    "Eastbrook Times": "Eastbrook Times reporters contributed to this report from three cities.",
    "Valley Courier": "Listen to the Courier podcast for the stories behind the headlines.",
}
_DISCLAIMERS = {
    "Northgate Wire": "This copy may be revised as the wire desk learns more.",
    "The Harbor Ledger": "All rights reserved by the Ledger and its licensed partners worldwide.",
    "Eastbrook Times": "Opinions voiced by readers below are their own and not the paper's.",
    "Valley Courier": "Material on this page may not be republished without written consent.",
}
_USERS = ("quietriver", "Tomas_K", "lakeview77", "Ms Amberly", "northwind", "jo.bell")
_OPINIONS = (
    "Nobody in charge ever learns from this.",
    "I read this twice and still do not believe it.",
    "Where were the inspectors when it mattered?",
    "Thoughts with everyone affected tonight.",
    "The council should resign, all of them.",
    "Same story every year and nothing changes.",
)


def inject(articles: list[dict[str, Any]], seed: int) -> tuple[list[dict[str, Any]], set[str]]:
    """The articles with furniture added, and the injected sentences (normalised)."""
    rng = random.Random(seed)
    injected: set[str] = set()
    out = []
    for number, article in enumerate(articles):
        outlet = _OUTLETS[number % len(_OUTLETS)]
        lines = [article["text"].rstrip(), _PROMOS[outlet], _DISCLAIMERS[outlet]]
        injected |= {normal(_PROMOS[outlet]), normal(_DISCLAIMERS[outlet])}
        if number % 3 == 0:
            for _ in range(rng.randint(2, 4)):
                user, opinion = rng.choice(_USERS), rng.choice(_OPINIONS)
                day, hour, minute = rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59)
                stamp = f"{day} March 2025 {hour:02d}:{minute:02d}"
                lines.append(f"Posted by: {user} | {stamp} | Report abuse")
                lines.append(opinion)
                injected.add(normal(opinion))
        out.append({**article, "text": "\n".join(lines), "source": outlet})
    return out, injected


def bcubed(scorer: Path, dataset: Path, articles: list[dict[str, Any]], name: str) -> float:
    folder = OUT / name
    folder.mkdir(parents=True, exist_ok=True)
    write_jsonl(folder / "articles.jsonl", articles)
    stories = run_cli(["cluster", "-", "--quiet"], folder / "articles.jsonl")
    pred = folder / "stories.jsonl"
    pred.write_text(stories, encoding="utf-8")
    scored = headline(scorer, dataset, pred)
    return float(scored.get("bcubed_f1", scored.get("f1", 0.0)))


def ecbplus(args: argparse.Namespace) -> None:
    dataset: Path = args.ecbplus
    with (dataset / "articles.jsonl").open(encoding="utf-8") as lines:
        articles = [json.loads(line) for line in lines]
    injected_articles, injected = inject(articles, args.seed)
    scorer = SCORERS / "clustering_score.py"
    clean = bcubed(scorer, dataset, articles, "ecbplus_clean")
    dirty = bcubed(scorer, dataset, injected_articles, "ecbplus_injected")
    print(
        f"BCubed F1 without furniture {clean:.4f}, with injected furniture {dirty:.4f}"
        f" (drop {clean - dirty:+.4f})"
    )
    # What a store tells from it: the injected split ingested (and told) as a user would, every
    # digest line of every story checked for injected text.
    folder = OUT / "ecbplus_injected"
    db = folder / "store.db"
    for stale in folder.glob("store.db*"):
        stale.unlink()
    command = [sys.executable, "-m", "storyline.cli", "ingest", str(folder / "articles.jsonl")]
    subprocess.run([*command, "--db", str(db), "--quiet"], check=False)
    told = bad = 0
    with open_store(db, create=False) as store:
        for kind, text, _ in told_lines(store):
            if kind != "digest":
                continue
            told += 1
            key = normal(text)
            bad += any(part in key for part in injected)
    print(f"digest lines of a store of the injected split from injected furniture: {bad} of {told}")
    print(
        json.dumps(
            {
                "bcubed_clean": round(clean, 4),
                "bcubed_injected": round(dirty, 4),
                "digest_lines_from_furniture": bad,
                "digest_lines": told,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", type=Path, nargs="*")
    parser.add_argument("--db", type=Path, default=OUT / "realnews.db")
    parser.add_argument("--variants", type=Path, default=ROOT / "realnews_variants.json")
    parser.add_argument("--sample", type=int, default=300, help="article pages to open")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--ecbplus", type=Path, help="an ECB+-format split to inject into")
    parser.add_argument(
        "--score-only", action="store_true", help="score the store at --db as it is, no ingest"
    )
    args = parser.parse_args()
    if args.ecbplus:
        ecbplus(args)
    elif args.datasets or args.score_only:
        real_pages(args)
    else:
        parser.error("give DATASET_DIRs or --ecbplus DIR")


if __name__ == "__main__":
    main()
