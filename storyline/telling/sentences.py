"""Sentences and their words, shared by the digest and the timeline.

Sentences follow spaCy's rule-based ``sentencizer`` over a blank English tokenizer: it keeps the
tokenizer's abbreviations ("U.S.", "Gen.") whole and costs a fraction of a parse, so a story of
1,000 articles splits in seconds. Words for scoring are lower-cased and lightly normalised (see
:func:`terms`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import spacy
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc

from storyline.records import Article

__all__ = ["Sentence", "content_words", "is_stopword", "split", "terms"]

_SCORING_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
#: Sentences shorter or longer than these (in words) are not picked for a digest or timeline:
#: short ones are captions and datelines, long ones run several sentences together.
MIN_WORDS = 6
MAX_WORDS = 60


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of an article, with where it is."""

    article_id: str
    start: int
    end: int
    text: str
    position: int  # index of the sentence in its article, from 0
    published: str | None

    @property
    def words(self) -> int:
        return len(self.text.split())


@lru_cache(maxsize=1)
def _splitter() -> tuple[Any, np.ndarray]:
    """spaCy's English tokenizer (untyped: a Cython class), and the ids of the characters
    that end a sentence (the sentencizer's own list)."""
    nlp = spacy.blank("en")
    # spaCy refuses texts over 1,000,000 characters (E088) because a parser or tagger needs
    # about 1 GB per 100,000 words; the tokenizer needs a small part of that, and ingestion
    # already bounds a document's size (--max-bytes). An article too long to analyse can still
    # be told (issue 22: one such article broke every later telling).
    nlp.max_length = 1 << 40
    ends = np.array(
        sorted(nlp.vocab.strings.add(char) for char in Sentencizer.default_punct_chars),
        dtype=np.uint64,
    )
    return nlp.tokenizer, ends


def split(articles: Iterable[Article]) -> Iterator[Sentence]:
    """The sentences of every article, in order, trimmed of surrounding space."""
    tokenizer, ends = _splitter()
    listed = list(articles)
    texts = (article.text for article in listed)
    for article, doc in zip(listed, tokenizer.pipe(texts, batch_size=64), strict=True):
        spans = _quotes_moved(article.text, _spans(article.text, _sentences(doc, ends)))
        for position, (start, end) in enumerate(spans):
            yield Sentence(
                article.id, start, end, article.text[start:end], position, article.published
            )


def _sentences(doc: Doc, ends: np.ndarray) -> list[tuple[int, int]]:
    """Character spans of the sentences spaCy's ``sentencizer`` would find, computed over the
    token arrays at once: its loop creates a Python object per token, which made it half the
    cost of telling a big story. The rule is the same: a sentence starts at the first token
    that is no punctuation after a token that ends a sentence."""
    if not len(doc):
        return []
    table = doc.to_array(["ORTH", "IS_PUNCT", "IDX", "LENGTH"])
    ending = np.isin(table[:, 0], ends)
    plain = ~ending & (table[:, 1] == 0)
    seen = np.cumsum(ending)
    plain_at = np.flatnonzero(plain)
    # A plain token starts a sentence when a sentence end came since the plain token before.
    before = np.concatenate(([0], seen[plain_at[:-1]]))
    starts = plain_at[(seen[plain_at] - ending[plain_at]) > before]
    starts = np.concatenate(([0], starts[starts > 0]))
    last = np.concatenate((starts[1:] - 1, [len(doc) - 1]))
    begin = table[starts, 2]
    finish = table[last, 2] + table[last, 3]
    return list(zip(begin.tolist(), finish.tolist(), strict=True))


def _spans(text: str, sents: Iterable[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    for sent_start, sent_end in sents:
        # Articles given one sentence per line keep their line breaks as boundaries.
        offset = sent_start
        for piece in re.split(r"\n+", text[sent_start:sent_end]):
            stripped = piece.strip()
            if stripped:
                start = text.index(stripped, offset)
                yield start, start + len(stripped)
            offset += len(piece) + 1


#: A quotation mark left at the end of a sentence, after a space: the sentencizer gives the mark
#: that opens the next sentence's quotation to the sentence before ('... the summit. "Now they
#: are ...'), which leaves both unbalanced, and neither reads on its own.
_OPENING_LEFT_BEHIND = re.compile(r"\s+(\"|\u201c|``)$")


def _quotes_moved(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence spans with each opening quotation mark given to the sentence it opens."""
    moved = list(spans)
    for i in range(len(moved) - 1):
        start, end = moved[i]
        mark = _OPENING_LEFT_BEHIND.search(text, start, end)
        following_start, following_end = moved[i + 1]
        if mark and mark.start() > start and not text[end:following_start].strip():
            moved[i] = (start, mark.start())
            moved[i + 1] = (mark.start(1), following_end)
    return moved


@lru_cache(maxsize=1 << 16)
def _normal(word: str) -> str:
    # Cached: a big story says the same few thousand words a million times.
    # No stemmer ships with the stack (spaCy's lemmatizer needs a tagger pass, about a minute
    # per 1,000 articles), so plurals and possessives are folded by hand; this is what matters
    # most when counting the same concept in different sentences.
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def is_stopword(word: str) -> bool:
    return word in STOP_WORDS


def terms(text: str) -> list[str]:
    """Lower-cased, normalised word tokens of ``text``, stop words kept."""
    return [_normal(word) for word in _SCORING_WORD.findall(text.lower())]


def content_words(text: str) -> list[str]:
    """The ``terms`` of ``text`` that are not stop words."""
    return [word for word in terms(text) if not is_stopword(word)]
