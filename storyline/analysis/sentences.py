"""Sentences as a story's telling reads them: the rule of spaCy's ``sentencizer`` over tokens.

The analysis keeps these spans for every article it parses
(``Analysis.telling_sentences``), from the tokens its parse has already made, so that telling
a growing story never splits its articles again: splitting 1,000 articles took half the time
of their digest (bench/RESULTS.md). Telling splits the articles that have no stored spans
(wire copies, which are never analysed, and articles of an older store) with the same rule
over spaCy's blank English tokenizer, which tokenizes exactly as the model's own (checked on
3,851 benchmark articles). The parser's or sentence recogniser's sentences
(``Analysis.sentences``) are the stages' business and differ.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import numpy as np
from spacy.pipeline import Sentencizer
from spacy.strings import get_string_id
from spacy.tokens import Doc

__all__ = ["sentence_spans"]

#: The ids of the characters that end a sentence (the sentencizer's own list). A string's id
#: is its hash, the same in every vocabulary.
_ENDS = np.array(
    sorted(get_string_id(char) for char in Sentencizer.default_punct_chars), dtype=np.uint64
)


def sentence_spans(text: str, doc: Doc) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (tokenized as ``doc``), trimmed of
    surrounding space, a line break always ending one, each opening quotation mark given to
    the sentence it opens."""
    return _quotes_moved(text, _tickers_joined(text, _spans(text, _sentences(doc))))


def _sentences(doc: Doc) -> list[tuple[int, int]]:
    """Character spans of the sentences spaCy's ``sentencizer`` would find, computed over the
    token arrays at once: its loop creates a Python object per token, which made it half the
    cost of telling a big story. The rule is the same: a sentence starts at the first token
    that is no punctuation after a token that ends a sentence."""
    if not len(doc):
        return []
    table = doc.to_array(["ORTH", "IS_PUNCT", "IDX", "LENGTH"])
    ending = np.isin(table[:, 0], _ENDS)
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


#: Line breaks end a sentence: any run of them, but one before a comma or a semicolon. No
#: line starts with one; a scraped page breaks its line where a link ended ("Sen. Ada Marr
#: (D-Ore.) | , who chairs the panel, said ..."), and the digest showed ", who chairs the
#: panel, said". A blank stretch that holds line breaks is one match of ``_BLANK``; what
#: follows it decides for all its runs of breaks (``_BREAKS``).
_BLANK = re.compile(r"\n\s*")
_BREAKS = re.compile(r"\n+")


def _lines(segment: str) -> list[str]:
    """``segment`` split at its runs of line breaks that end a sentence.

    Once a regular expression, ``\\n+(?!\\s*[,;])``: its look-ahead read the whole blank
    stretch after every run of breaks, so a page's reader comments, blanked as furniture (a
    long stretch of spaces and line breaks inside one sentence), cost time in the square of
    their length: 48 of 113 s of analysing 300 real pages (bench/RESULTS.md). This reads each
    stretch once and splits exactly where the expression did
    (tests/analysis/test_sentence_spans.py).
    """
    pieces: list[str] = []
    at = 0
    for blank in _BLANK.finditer(segment):
        if segment[blank.end() : blank.end() + 1] in (",", ";"):
            continue
        for run in _BREAKS.finditer(segment, blank.start(), blank.end()):
            pieces.append(segment[at : run.start()])
            at = run.end()
    pieces.append(segment[at:])
    return pieces


def _spans(text: str, sents: Iterable[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    for sent_start, sent_end in sents:
        # Articles given one sentence per line keep their line breaks as boundaries.
        offset = sent_start
        for piece in _lines(text[sent_start:sent_end]):
            stripped = piece.strip()
            if stripped:
                start = text.index(stripped, offset)
                yield start, start + len(stripped)
            offset += len(piece) + 1


#: A stock ticker broken at its dot by a page given one sentence per line: "... shares of
#: Acme (ACM." | "N) fell ...". The two pieces are one sentence.
_TICKER_OPEN = re.compile(r"\([A-Za-z]{1,6}\.$")
_TICKER_CLOSE = re.compile(r"[A-Z]{1,3}\)")


def _tickers_joined(text: str, spans: Iterable[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Sentence spans with the pieces of a ticker broken across a line joined again."""
    held: tuple[int, int] | None = None
    for start, end in spans:
        if (
            held is not None
            and _TICKER_OPEN.search(text, held[0], held[1])
            and _TICKER_CLOSE.match(text, start)
            and not text[held[1] : start].strip()
        ):
            held = (held[0], end)
            continue
        if held is not None:
            yield held
        held = (start, end)
    if held is not None:
        yield held


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
