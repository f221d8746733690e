"""Sentences and their words, shared by the digest and the timeline.

Sentences follow spaCy's rule-based ``sentencizer`` over the English tokenizer
(:mod:`storyline.analysis.sentences`): it keeps the tokenizer's abbreviations ("U.S.", "Gen.")
whole and costs a fraction of a parse. The analysis keeps each article's spans, so a stored
story is split only where they are missing. Words for scoring are lower-cased and lightly
normalised (see :func:`terms`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import spacy
from spacy.lang.en.stop_words import STOP_WORDS

from storyline.analysis.sentences import sentence_spans
from storyline.records import Article

__all__ = ["Sentence", "content_words", "is_stopword", "spans_of", "split", "terms"]

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
def _tokenizer() -> Any:
    """spaCy's English tokenizer (untyped: a Cython class); it tokenizes as the analysis
    model's does, so spans found here equal those the analysis keeps."""
    nlp = spacy.blank("en")
    # spaCy refuses texts over 1,000,000 characters (E088) because a parser or tagger needs
    # about 1 GB per 100,000 words; the tokenizer needs a small part of that, and ingestion
    # already bounds a document's size (--max-bytes). An article too long to analyse can still
    # be told (issue 22: one such article broke every later telling).
    nlp.max_length = 1 << 40
    return nlp.tokenizer


def spans_of(articles: Sequence[Article]) -> Iterator[list[tuple[int, int]]]:
    """The sentence spans of each article (:func:`~storyline.analysis.sentences.sentence_spans`),
    in order, for articles that have none kept."""
    docs = _tokenizer().pipe((article.text for article in articles), batch_size=64)
    for article, doc in zip(articles, docs, strict=True):
        yield sentence_spans(article.text, doc)


def split(
    articles: Iterable[Article], known: Mapping[str, Sequence[tuple[int, int]]] | None = None
) -> Iterator[Sentence]:
    """The sentences of every article, in order, trimmed of surrounding space. ``known``:
    the spans of articles already split (as the store keeps them, by article id); only the
    others are tokenized."""
    listed = list(articles)
    known = known or {}
    unknown = iter(spans_of([a for a in listed if a.id not in known]))
    for article in listed:
        spans = known[article.id] if article.id in known else next(unknown)
        for position, (start, end) in enumerate(spans):
            yield Sentence(
                article.id, start, end, article.text[start:end], position, article.published
            )


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
