"""Could the quote tagger's encoder stand in for spaCy's entity recogniser and tagger?

    python bench/encoder_heads.py TRAIN_DIR... --test DIR [--per-file 60] [--chars 4000]

Issue 23's last target (the whole ``ingest`` at 2.0x spaCy's full pipeline on generated
articles, two cores) needs the analysis at well under the reference's CPU, while its two
models, spaCy's entity recogniser and the quote tagger's encoder, already cost about as much
as the reference each. The one way to pay for only one of them: heads on the encoder the
tagger runs anyway, trained on spaCy's own output, in place of spaCy's tok2vec, tagger and
entity recogniser. This measures how well such heads reproduce spaCy, cheaply and before
anything is built: the shipped encoder is frozen (retraining it would change the quotes),
its hidden states after a few of its six layers are read out (the ONNX graph given extra
outputs in memory; needs the ``onnx`` package of ``scripts/requirements-train.txt``), and a
scikit-learn multi-layer perceptron is fitted per feature set on the spaCy tokens of the
TRAIN_DIRs' pages (each token read at its first word piece), then scored on DIR's pages,
another story with other names:

* entity F1 against spaCy's entities (exact token span and type: BIO labels decoded greedily);
* fine-grained tag accuracy against spaCy's tagger (``token.tag_``, what the stages read);
* with the token's and its neighbours' shape flags (capitalised, all capitals, digits, ...)
  beside the encoder's states, and with the flags alone, because the encoder is uncased
  (its word pieces are lower-cased: it cannot see that "Bush" is capitalised).

Datasets are folders with ``articles.jsonl`` (for example Timeline17's topics); only each
page's first ``--chars`` characters are read, whatever they hold (spaCy labels furniture too).
"""

from __future__ import annotations

import argparse
import bisect
import json
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from storyline.analysis.pipeline import load_nlp
from storyline.analysis.tagger import MODEL_DIR, load_tagger, windows

#: Encoder layers whose output is read (0-based; the sixth, 5, is the one the tagger's own
#: head reads, the most fitted to quotes).
LAYERS = (2, 3, 5)
FEATURE_SETS = (("shape",), (3, "shape"), (2, 3, "shape"), (5, "shape"))
ENTITY_KINDS = ("PERSON", "ORG", "GPE", "DATE")


def session_with_layers() -> Any:
    try:
        import onnx
    except ImportError:
        sys.exit(
            "needs the onnx package: pip install onnx==1.23.2 (scripts/requirements-train.txt)"
        )
    path = resources.files("storyline") / "data" / MODEL_DIR / "model.onnx"
    model = onnx.load_from_string(path.read_bytes())
    for layer in LAYERS:
        name = f"/model/bert/encoder/layer.{layer}/output/LayerNorm/LayerNormalization_output_0"
        model.graph.output.append(
            onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None)
        )
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    return onnxruntime.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )


def pages(folder: Path, count: int, chars: int) -> list[str]:
    texts: list[str] = []
    with (folder / "articles.jsonl").open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if len(texts) >= count:
                break
            try:
                texts.append(json.loads(line)["text"][:chars])
            except (json.JSONDecodeError, KeyError) as exc:
                sys.exit(f"{folder}/articles.jsonl:{number}: no article ({exc})")
    return texts


def _shape(doc: Any, i: int) -> list[bool]:
    token = doc[i]
    before = doc[i - 1] if i else None
    after = doc[i + 1] if i + 1 < len(doc) else None
    return [
        token.is_title,
        token.is_upper,
        token.is_digit,
        token.is_alpha,
        token.like_num,
        token.is_punct,
        bool(token.is_sent_start),
        bool(before is not None and before.is_title),
        bool(after is not None and after.is_title),
        bool(before is not None and before.is_upper),
        bool(after is not None and after.is_upper),
    ]


def featurize(texts: list[str], session: Any, label: str) -> dict[str, Any]:
    """Per spaCy token: the encoder's states at its first word piece, its shape flags, and
    spaCy's entity label (BIO-type) and fine tag; the page each token is on."""
    tokenizer, _ = load_tagger()
    states: dict[Any, list[Any]] = {layer: [] for layer in (*LAYERS, "shape")}
    entity: list[str] = []
    tags: list[str] = []
    page: list[int] = []
    encoder = 0.0
    for number, doc in enumerate(load_nlp(parse=False).pipe(texts, batch_size=16)):
        hidden: dict[int, list[Any]] = {layer: [] for layer in LAYERS}
        offsets: list[tuple[int, int]] = []
        for window in windows(doc.text, tokenizer):
            started = time.process_time()
            outputs = session.run(None, {"input_ids": np.array([window.ids], dtype=np.int64)})
            encoder += time.process_time() - started
            for layer, output in zip(LAYERS, outputs[1:], strict=True):
                hidden[layer].append(output[0])
            offsets.extend(window.offsets)
        stacked = {layer: np.concatenate(hidden[layer]) for layer in LAYERS if hidden[layer]}
        first_piece: dict[int, int] = {}
        for index, (start, end) in enumerate(offsets):
            if start != end:
                first_piece.setdefault(start, index)
        starts = sorted(first_piece)
        for token in doc:
            if token.is_space:
                continue
            at = bisect.bisect_left(starts, token.idx)
            if at == len(starts) or starts[at] >= token.idx + len(token.text):
                continue  # no word piece starts inside the token (a control character)
            piece = first_piece[starts[at]]
            for layer in LAYERS:
                states[layer].append(stacked[layer][piece])
            states["shape"].append(_shape(doc, token.i))
            entity.append("O" if token.ent_iob_ == "O" else f"{token.ent_iob_}-{token.ent_type_}")
            tags.append(token.tag_)
            page.append(number)
        if (number + 1) % 50 == 0:
            print(f"  {label}: {number + 1} of {len(texts)} pages", file=sys.stderr)
    return {
        "states": {key: np.asarray(value, dtype=np.float32) for key, value in states.items()},
        "entity": np.asarray(entity),
        "tags": np.asarray(tags),
        "page": page,
        "encoder_s": encoder,
    }


def entity_spans(labels: list[str], page: list[int]) -> set[tuple[int, int, str]]:
    """(first token, end token, type) of each entity a BIO sequence gives, read greedily: an
    I- of another type or after O begins one, as spaCy's own reading of its labels would."""
    spans: set[tuple[int, int, str]] = set()
    current: list[Any] | None = None
    for index, (label, number) in enumerate(zip(labels, page, strict=True)):
        if current and (
            label == "O" or label[:2] == "B-" or label[2:] != current[2] or number != current[3]
        ):
            spans.add((current[0], current[1], current[2]))
            current = None
        if label != "O":
            if current is None:
                current = [index, index + 1, label[2:], number]
            else:
                current[1] = index + 1
    if current:
        spans.add((current[0], current[1], current[2]))
    return spans


def f1(gold: set[Any], found: set[Any], kind: str | None = None) -> float:
    if kind is not None:
        gold = {span for span in gold if span[2] == kind}
        found = {span for span in found if span[2] == kind}
    hits = len(gold & found)
    precision, recall = hits / max(1, len(found)), hits / max(1, len(gold))
    return 2 * precision * recall / max(1e-9, precision + recall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("train", nargs="+", type=Path, help="dataset folders to fit the heads on")
    parser.add_argument("--test", type=Path, required=True, help="dataset folder to score on")
    parser.add_argument("--per-file", type=int, default=60, help="pages read from each folder")
    parser.add_argument("--chars", type=int, default=4000, help="characters read from each page")
    args = parser.parse_args()
    session = session_with_layers()
    train_texts = [t for folder in args.train for t in pages(folder, args.per_file, args.chars)]
    test_texts = pages(args.test, args.per_file + args.per_file // 3, args.chars)
    train = featurize(train_texts, session, "train")
    test = featurize(test_texts, session, "test")
    print(
        f"{len(train_texts)} training pages ({len(train['entity']):,} tokens), {len(test_texts)}"
        f" test pages ({len(test['entity']):,} tokens); the encoder's CPU"
        f" {train['encoder_s'] + test['encoder_s']:.1f} s\n"
    )
    gold = entity_spans(list(test["entity"]), test["page"])
    print(
        "| features | token label accuracy | entity F1 | "
        + " | ".join(ENTITY_KINDS)
        + " | tag accuracy |"
    )
    print("|---|---:|---:|" + "---:|" * len(ENTITY_KINDS) + "---:|")
    for features in FEATURE_SETS:
        fit_x = np.hstack([train["states"][key] for key in features])
        score_x = np.hstack([test["states"][key] for key in features])
        scaler = StandardScaler().fit(fit_x)
        fit_x, score_x = scaler.transform(fit_x), scaler.transform(score_x)
        results = []
        for target in ("entity", "tags"):
            head = MLPClassifier((256,), max_iter=30, early_stopping=True, random_state=0)
            head.fit(fit_x, train[target])
            results.append(head.predict(score_x))
        labels, tags = results
        found = entity_spans(list(labels), test["page"])
        name = " + ".join(
            "shape flags" if key == "shape" else f"layer {key + 1}" for key in features
        )
        print(
            f"| {name} | {np.mean(labels == test['entity']):.4f} | {f1(gold, found):.4f} | "
            + " | ".join(f"{f1(gold, found, kind):.4f}" for kind in ENTITY_KINDS)
            + f" | {np.mean(tags == test['tags']):.4f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
