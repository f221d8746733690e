"""Train the source linker of storyline/analysis/quotes.py on the PolNeAR train split.

    python scripts/train_source_linker.py [../shared/bench/quotes/polnear/train] [--out PATH]

The linker decides which of its paragraph's sources a cue of the tagger takes, if any. It
learns from what the tagger's decoding reads when the tagger is right: each article's gold
spans turned into word-piece labels and decoded as the model's labels are
(``tagger.token_labels``, ``tagger.decode``), then grouped as at run time
(``quotes.tagged_attributions``); every (cue, candidate) pair it meets is labelled by whether
the candidate overlaps the gold source of that cue's attribution (none, for an attribution
without a source). Writes ``storyline/data/source_model.json``: logistic-regression weights
over ``quotes.link_features`` (feature names and numbers only; no annotated text). Needs
scikit-learn (a runtime dependency). The dev split is never read here.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from spacy.tokens import Doc
from train_quotes import write_logistic  # the script's folder is on the path

from storyline.analysis.pipeline import load_nlp
from storyline.analysis.quotes import link_features, tagged_attributions
from storyline.analysis.tagger import Tagged, decode, load_tagger, token_labels, windows

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT.parent / "shared" / "bench" / "quotes" / "polnear" / "train"
OUT = ROOT / "storyline" / "data" / "source_model.json"


def gold_tags(text: str, attributions: list[dict[str, list[list[int]]]]) -> list[Tagged]:
    """The spans the tagger's decoding reads from the gold labels (cues and sources painted
    over contents, as in training the tagger)."""
    tokenizer, _ = load_tagger()
    spans = [
        (role, start, end)
        for attribution in attributions
        for role in ("cue", "source", "content")
        for start, end in attribution[role]
    ]
    found: list[Tagged] = []
    for window in windows(text, tokenizer):
        labels = [max(0, label) for label in token_labels(window, spans, len(text))]
        found += decode(window, labels, [1.0] * len(labels))
    return sorted(found, key=lambda span: span.start)


def pairs(
    doc: Doc, attributions: list[dict[str, list[list[int]]]]
) -> tuple[list[list[str]], list[int]]:
    """Features and labels of every (cue, candidate source) pair of one article."""
    rows: list[list[str]] = []
    labels: list[int] = []

    def chars(spans: list[list[int]]) -> set[int]:
        return {i for start, end in spans for i in range(start, end)}

    def record(
        doc: Doc,
        cue: Tagged,
        candidates: list[Tagged],
        cues: list[Tagged],
        contents: list[Tagged],
    ) -> None:
        cue_chars = set(range(cue.start, cue.end))
        gold = set().union(
            *(chars(a["source"]) for a in attributions if chars(a["cue"]) & cue_chars)
        )
        for candidate in candidates:
            rows.append(link_features(doc, cue, candidate, candidates, cues, contents))
            labels.append(int(bool(gold & set(range(candidate.start, candidate.end)))))

    tagged_attributions(doc, gold_tags(doc.text, attributions), link=record)
    return rows, labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("train", type=Path, nargs="?", default=DEFAULT)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    articles = [json.loads(line) for line in (args.train / "articles.jsonl").open(encoding="utf-8")]
    gold = {
        record["id"]: record["attributions"]
        for record in map(json.loads, (args.train / "gold.jsonl").open(encoding="utf-8"))
    }
    nlp = load_nlp(parse=False)
    rows: list[list[str]] = []
    labels: list[int] = []
    started = time.perf_counter()
    for number, (article, doc) in enumerate(
        zip(articles, nlp.pipe(a["text"] for a in articles), strict=True), 1
    ):
        more_rows, more_labels = pairs(doc, gold.get(article["id"], []))
        rows += more_rows
        labels += more_labels
        if number % 100 == 0:
            print(f"{number}/{len(articles)} articles, {len(rows)} pairs", flush=True)
    kept = write_logistic(
        args.out,
        "Source linker for storyline.analysis.quotes, trained by"
        " scripts/train_source_linker.py on the PolNeAR train split (feature weights only).",
        rows,
        labels,
        min_weight=0.01,
        articles=len(articles),
        pairs=len(labels),
    )
    print(
        f"{len(articles)} articles, {len(labels)} pairs, {sum(labels)} links,"
        f" {kept} weights -> {args.out} ({time.perf_counter() - started:.0f} s)"
    )


if __name__ == "__main__":
    main()
