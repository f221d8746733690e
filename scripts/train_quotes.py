"""Train the cue classifier of storyline/quotes.py on the PolNeAR train split.

    python scripts/train_quotes.py [../shared/bench/quotes/polnear/train]

Writes storyline/data/quote_model.json: logistic-regression weights over the features of
``storyline.analysis.quotes.cue_features`` (feature names and numbers only; no annotated
text). Needs scikit-learn (a runtime dependency). The dev split is never read here.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from storyline.analysis.pipeline import load_nlp
from storyline.analysis.quotes import cue_features, find_quotations, is_candidate

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT.parent / "shared" / "bench" / "quotes" / "polnear" / "train"
OUT = ROOT / "storyline" / "data" / "quote_model.json"
#: Features seen fewer times than this are dropped (they would only memorise the corpus).
MIN_COUNT = 5
#: Inverse regularisation strength; scikit-learn's default, not tuned.
C = 1.0


def write_logistic(
    path: Path,
    about: str,
    rows: list[list[str]],
    labels: list[int],
    *,
    min_weight: float,
    **counts: int,
) -> int:
    """Fit logistic regression over string features and write its weights (those of at least
    ``min_weight``) to PATH as the runtime reads them (``quotes.cue_probability``); the number
    of weights kept. Shared by the cue model and the source linker
    (``scripts/train_source_linker.py``)."""
    seen = Counter(feature for row in rows for feature in row)
    data = [{f: 1.0 for f in row if seen[f] >= MIN_COUNT} for row in rows]
    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform(data)
    model = LogisticRegression(C=C, max_iter=2000)
    model.fit(matrix, labels)
    weights = {
        name: round(float(weight), 4)
        for name, weight in zip(vectorizer.get_feature_names_out(), model.coef_[0], strict=True)
        if abs(weight) >= min_weight
    }
    record = {
        "about": about,
        **counts,
        "positives": sum(labels),
        "bias": round(float(model.intercept_[0]), 4),
        "weights": dict(sorted(weights.items())),
    }
    path.write_text(json.dumps(record, indent=0) + "\n", encoding="utf-8")
    return len(weights)


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    articles = [json.loads(line) for line in (folder / "articles.jsonl").open(encoding="utf-8")]
    gold = {
        record["id"]: record
        for record in map(json.loads, (folder / "gold.jsonl").open(encoding="utf-8"))
    }
    nlp = load_nlp()
    rows: list[list[str]] = []
    labels: list[int] = []
    started = time.perf_counter()
    for article, doc in zip(articles, nlp.pipe(a["text"] for a in articles), strict=True):
        cue_chars = set()
        for attribution in gold[article["id"]]["attributions"]:
            for start, end in attribution["cue"]:
                cue_chars.update(range(start, end))
        quotes = find_quotations(doc.text)
        for token in doc:
            if is_candidate(token):
                rows.append(cue_features(token, quotes))
                labels.append(int(token.idx in cue_chars))
    kept = write_logistic(
        OUT,
        "Cue classifier for storyline.analysis.quotes, trained by"
        " scripts/train_quotes.py on the PolNeAR train split (feature weights only).",
        rows,
        labels,
        min_weight=0.05,
        candidates=len(labels),
    )
    print(
        f"{len(labels)} candidates, {sum(labels)} cues, {kept} weights"
        f" -> {OUT} ({time.perf_counter() - started:.0f} s)"
    )


if __name__ == "__main__":
    main()
