"""The learned attribution tagger: cues, sources and contents tagged token by token.

A small transformer encoder (all-MiniLM-L6-v2, six layers, fine-tuned on the PolNeAR train
split by ``scripts/train_quotes_model.py``) labels every word piece of a paragraph as the
beginning or inside of a cue, a source or a content, or as outside. What ships is the model
exported to ONNX and quantised to 8-bit integers (``data/quote_tagger/``), run by
onnxruntime with the ``tokenizers`` word-piece tokenizer: neither needs PyTorch, and both
install from PyPI as wheels.

This module owns what training and use must agree on, so they cannot drift: the labels,
the windows a text is cut into (:func:`windows`), the labels of a window's tokens from gold
spans (:func:`token_labels`, used by training only) and the spans read back from predicted
labels (:func:`decode`). It imports no spaCy and no PyTorch, so that the training script can
use it too; :func:`tag` runs the shipped model.

Why token classification and not the parse: the cue model and rules over spaCy's parse
(:mod:`storyline.analysis.quotes`) decide cue by cue and then read the spans off a parse of
the small English model; their errors compound (a wrong attachment moves the content's
edge). The tagger reads the spans directly, as the annotators marked them.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from storyline.errors import StorylineError

if TYPE_CHECKING:  # pragma: no cover
    from tokenizers import Tokenizer

ROLES = ("cue", "source", "content")
#: BIO labels: index 0 is outside; then B and I of each role, in ROLES order.
LABELS = ("O", "B-cue", "I-cue", "B-source", "I-source", "B-content", "I-content")
#: Word pieces per window, the two special tokens included. Paragraphs are joined into one
#: window while they fit (a quotation often runs on into the next paragraph, and a speaker
#: named in one is quoted in the next); a longer paragraph is cut at sentence ends.
MAX_TOKENS = 256
MODEL_DIR = "quote_tagger"


@dataclass(frozen=True, slots=True)
class Window:
    """A stretch of the text the model reads at once, with its word pieces' offsets."""

    start: int
    end: int
    ids: tuple[int, ...]
    #: (start, end) character offsets of each word piece in the whole text; (0, 0) for the
    #: special tokens.
    offsets: tuple[tuple[int, int], ...]
    #: The word each piece belongs to (numbered through the text; -1 for the special
    #: tokens): "Gennifer" is "gen" + "##nifer", one word.
    words: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Tagged:
    """One role span read back from the labels, with the model's mean probability."""

    role: str
    start: int
    end: int
    confidence: float


def paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """Character bounds of the non-blank lines of a text."""
    position = 0
    for line in text.split("\n"):
        end = position + len(line)
        if line.strip():
            yield position, end
        position = end + 1


def windows(text: str, tokenizer: Tokenizer, *, max_tokens: int = MAX_TOKENS) -> list[Window]:
    """The windows of a text: its paragraphs joined while they fit in ``max_tokens`` word
    pieces, and a paragraph too long for one window cut at sentence ends (else anywhere)."""
    limit = max_tokens - 2
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    if cls_id is None or sep_id is None:  # pragma: no cover - a tokenizer of another family
        raise ValueError("the tagger's tokenizer has no [CLS] or [SEP] token")
    pieces: list[tuple[list[int], list[tuple[int, int]], list[int]]] = []
    numbered = 0
    for start, end in paragraphs(text):
        encoding = tokenizer.encode(text[start:end], add_special_tokens=False)
        ids = list(encoding.ids)
        offsets = [(start + s, start + e) for s, e in encoding.offsets]
        words = [numbered + (w or 0) for w in encoding.word_ids]
        numbered = (max(words) + 1) if words else numbered
        while len(ids) > limit:
            cut = _sentence_cut(text, offsets, limit)
            pieces.append((ids[:cut], offsets[:cut], words[:cut]))
            ids, offsets, words = ids[cut:], offsets[cut:], words[cut:]
        if ids:
            pieces.append((ids, offsets, words))
    result: list[Window] = []
    current: tuple[list[int], list[tuple[int, int]], list[int]] = ([], [], [])
    for ids, offsets, words in pieces:
        if current[0] and len(current[0]) + len(ids) > limit:
            result.append(_window(*current, cls_id, sep_id))
            current = ([], [], [])
        current[0].extend(ids)
        current[1].extend(offsets)
        current[2].extend(words)
    if current[0]:
        result.append(_window(*current, cls_id, sep_id))
    return result


def _sentence_cut(text: str, offsets: list[tuple[int, int]], limit: int) -> int:
    for index in range(limit - 1, limit // 2, -1):
        start, end = offsets[index]
        if text[start:end] in (".", "!", "?"):
            return index + 1
    return limit


def _window(
    ids: list[int], offsets: list[tuple[int, int]], words: list[int], cls_id: int, sep_id: int
) -> Window:
    return Window(
        start=offsets[0][0],
        end=offsets[-1][1],
        ids=(cls_id, *ids, sep_id),
        offsets=((0, 0), *offsets, (0, 0)),
        words=(-1, *words, -1),
    )


def token_labels(
    window: Window, spans: Iterable[tuple[str, int, int]], text_length: int
) -> list[int]:
    """Label indices of a window's tokens from gold (role, start, end) spans.

    A token takes the role of its first character. Cues and sources are painted over
    contents: an attribution inside another's content ("X said Y believes Z") keeps its own
    cue and source visible, at the cost of cutting the outer content there. A token begins a
    span when its first character belongs to a different gold span than the previous token's.
    """
    role = [0] * text_length
    owner = [-1] * text_length
    ordered = sorted(spans, key=lambda span: ROLES.index(span[0]), reverse=True)
    for number, (name, start, end) in enumerate(ordered):
        for index in range(max(0, start), min(end, text_length)):
            role[index] = ROLES.index(name) + 1
            owner[index] = number
    labels: list[int] = []
    previous_owner = -1
    for start, end in window.offsets:
        if start == end:
            labels.append(-100)  # special tokens: no loss
            continue
        kind = role[start]
        if kind == 0:
            labels.append(0)
            previous_owner = -1
            continue
        begins = owner[start] != previous_owner
        labels.append(2 * kind - 1 if begins else 2 * kind)
        previous_owner = owner[start]
    return labels


def decode(window: Window, labels: Sequence[int], probabilities: Sequence[float]) -> list[Tagged]:
    """Role spans from a window's predicted labels: a run of one role's tokens, starting
    anew at each B (an I after another role starts a span too). A word is labelled by its
    first piece, and a span takes whole words: the model's label on a word's later pieces
    ("##nifer") would otherwise start or end a span inside the word."""
    runs: list[tuple[str, int, int, list[float]]] = []
    open_run = False
    previous_word = -1
    words = window.words or tuple(range(len(window.offsets)))
    for (start, end), word, label, probability in zip(
        window.offsets, words, labels, probabilities, strict=True
    ):
        if start == end:
            continue
        if word == previous_word:  # a later piece of the word: goes where its first piece went
            if open_run:
                name, first, _, probs = runs[-1]
                runs[-1] = (name, first, end, probs)
            continue
        previous_word = word
        if label == 0:
            open_run = False
            continue
        role = ROLES[(label - 1) // 2]
        begins = label % 2 == 1
        if runs and open_run and not begins and runs[-1][0] == role:
            name, first, _, probs = runs[-1]
            probs.append(probability)
            runs[-1] = (name, first, end, probs)
        else:
            runs.append((role, start, end, [probability]))
        open_run = True
    return [
        Tagged(role, start, end, round(sum(probs) / len(probs), 3))
        for role, start, end, probs in runs
    ]


#: Groups of (allowed previous labels, labels they may precede) for one step of the decoding.
_Steps = tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]


@lru_cache(maxsize=1)
def _transitions() -> tuple[_Steps, _Steps, tuple[bool, ...]]:
    """The label pairs a BIO sequence allows, as the previous labels each label may follow,
    grouped by that set: between two words, an I-x only after B-x or I-x (O and B-x after
    anything); within one word, a later piece only continues its first piece's span (O after
    O, I-x after B-x or I-x, never a B); and no sequence starts with an I. Grouped, because
    the labels that may follow anything share one best predecessor: a step of the decoding
    is then four comparisons of a few numbers, not a 7 x 7 table (twice as fast as numpy's
    per-step calls on windows of this size). Made once for every window of every article."""
    size = len(LABELS)

    def grouped(allowed: dict[int, tuple[int, ...]]) -> _Steps:
        groups: dict[tuple[int, ...], list[int]] = {}
        for label in range(size):
            groups.setdefault(allowed[label], []).append(label)
        return tuple((before, tuple(labels)) for before, labels in groups.items())

    anything = tuple(range(size))
    across: dict[int, tuple[int, ...]] = {}
    within: dict[int, tuple[int, ...]] = {0: (0,)}
    for begin in range(1, size, 2):
        inside = begin + 1
        across[begin] = anything
        across[inside] = within[inside] = (begin, inside)
        within[begin] = ()
    across[0] = anything
    starts = tuple(label == 0 or label % 2 == 1 for label in range(size))
    return grouped(across), grouped(within), starts


def best_labels(window: Window, probabilities: Any) -> list[int]:
    """The most probable label sequence of a window's pieces that is well formed BIO (see
    :func:`_transitions`), by Viterbi over the model's per-piece distributions
    (``probabilities``: pieces x LABELS, special tokens included; they get O).

    Why not each piece's most probable label: the model decides piece by piece, and a
    content the model is unsure of for one word in the middle ("O" at 0.51) was cut in two,
    or an I after an O started a new span (in 136 of 155 windows of 30 PolNeAR dev articles
    the piece-by-piece labels are not well formed). A CRF layer would learn the same
    constraints; here they are imposed at decoding, with no parameter to tune. Chosen on
    PolNeAR train (content exact F1 0.568 -> 0.599, attribution 0.744 -> 0.758), before dev
    was scored. Ties go to the lower label.
    """
    import numpy as np

    across, within, starts = _transitions()
    pieces = [i for i, (start, end) in enumerate(window.offsets) if start != end]
    labels = [0] * len(window.offsets)
    if not pieces:
        return labels
    words = window.words or tuple(range(len(window.offsets)))
    scores = np.log(np.asarray(probabilities, dtype=np.float64)[pieces] + 1e-12).tolist()
    impossible = float("-inf")
    total = [score if ok else impossible for score, ok in zip(scores[0], starts, strict=True)]
    back: list[list[int]] = []
    for step in range(1, len(pieces)):
        row, came_from = scores[step], [0] * len(LABELS)
        new = [impossible] * len(LABELS)
        same_word = words[pieces[step]] == words[pieces[step - 1]]
        for before, labels_after in within if same_word else across:
            best, best_total = 0, impossible  # no label allowed before: unreachable
            if before:
                best, best_total = before[0], total[before[0]]
                for label in before[1:]:
                    if total[label] > best_total:
                        best, best_total = label, total[label]
            for label in labels_after:
                new[label] = best_total + row[label]
                came_from[label] = best
        total = new
        back.append(came_from)
    label = max(range(len(LABELS)), key=total.__getitem__)
    for step in range(len(pieces) - 1, -1, -1):
        labels[pieces[step]] = label
        if step:
            label = back[step - 1][label]
    return labels


# -- the shipped model --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def load_tagger() -> tuple[Tokenizer, Any]:
    """The tokenizer and the onnxruntime session of the shipped model (loaded once)."""
    import onnxruntime
    from tokenizers import Tokenizer

    folder = resources.files("storyline") / "data" / MODEL_DIR
    options = onnxruntime.SessionOptions()
    # In a worker process (analysis runs one per core) one thread; in the main process, when
    # analysis runs in one process for a short input, every core.
    worker = multiprocessing.parent_process() is not None
    options.intra_op_num_threads = 1 if worker else (os.cpu_count() or 1)
    options.inter_op_num_threads = 1
    # No memory arena: it keeps the largest batch's activations for the process's life.
    options.enable_cpu_mem_arena = False
    try:
        tokenizer = Tokenizer.from_str((folder / "tokenizer.json").read_text(encoding="utf-8"))
        session = onnxruntime.InferenceSession(
            (folder / "model.onnx").read_bytes(), options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # a broken install: one line, not a runtime's traceback
        raise StorylineError(
            f"the quote tagger in {folder} cannot be loaded ({type(exc).__name__}: {exc});"
            " reinstall storyline, or set STORYLINE_QUOTES=rules"
        ) from exc
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer, session


def model_facts() -> dict[str, Any]:
    folder = resources.files("storyline") / "data" / MODEL_DIR
    facts: dict[str, Any] = json.loads((folder / "facts.json").read_text(encoding="utf-8"))
    return facts


def tag(text: str) -> list[Tagged]:
    """Role spans of a text from the shipped model."""
    import numpy as np

    tokenizer, session = load_tagger()
    found: list[Tagged] = []
    # One window a run, not batches: with the 8-bit model, batches of 16 windows (padded to
    # the longest) took twice as long as the same windows one by one, on one thread or two
    # (bench/RESULTS.md), and each window's activations are then quantised on their own
    # scale, not on one shared with whatever windows the batch held.
    for window in windows(text, tokenizer):
        ids = np.array([window.ids], dtype=np.int64)
        (logits,) = session.run(None, {"input_ids": ids})  # one window: no padding, no mask
        shifted = np.exp(logits[0] - logits[0].max(axis=-1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=-1, keepdims=True)
        labels = best_labels(window, probabilities)
        best = probabilities[np.arange(len(labels)), labels]
        found += decode(window, labels, best.tolist())
    return sorted(found, key=lambda t: t.start)
