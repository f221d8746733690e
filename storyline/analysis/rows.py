"""An analysis as the rows it is kept as: one shape for the store and the Spark job's tables.

Both keep an article's entity mentions, quotes and time expressions as rows, each numbered
(``n``) in the analysis's order; they pick the columns they keep from these dictionaries, so a
field is computed once (the quote's text, its speaker's words, its spans as JSON).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from storyline.records import Analysis, Quote, Span

__all__ = ["AnalysisRows", "analysis_rows", "cue_words", "quote_text"]

#: What joins the pieces of a quote's content interrupted by its attribution.
QUOTE_JOIN = " … "


def quote_text(text: str, quote: Quote) -> str:
    """The words of a quote, its pieces joined (``"We will go," he said, "and soon."``)."""
    return QUOTE_JOIN.join(text[span.start : span.end] for span in quote.content)


def cue_words(text: str, cue: Span | None) -> str | None:
    """The words of a quote's cue ("said", "pleaded not guilty"), shown before reported
    speech; None for a cue of punctuation alone (a headline's "NAME: words")."""
    words = (text[cue.start : cue.end] if cue else "").lstrip(_SPACES).rstrip(_TRAILING)
    return words if _A_LETTER.search(words) else None


#: A cue with words. ASCII letters, as the store's migration 19 tests with GLOB: the cues
#: of English.
_A_LETTER = re.compile("[A-Za-z]")
#: What a cue's words are kept without, before and after: a cue "says:" is kept "says", and
#: the pages add the one colon. The same characters as migration 19's trim.
_SPACES = " \t\n"
_TRAILING = _SPACES + ":,;-\u2013\u2014"  # and the en and em dashes


@dataclass(frozen=True, slots=True)
class AnalysisRows:
    article_id: str
    #: The analysis as JSON (keys sorted: the same analysis is always the same string).
    analysis: str
    mentions: tuple[dict[str, Any], ...]
    quotes: tuple[dict[str, Any], ...]
    times: tuple[dict[str, Any], ...]


def analysis_rows(analysis: Analysis, text: str) -> AnalysisRows:
    """The rows of one article's ``analysis``; ``text`` is the article's text."""
    mentions = tuple({"n": n, **mention.to_dict()} for n, mention in enumerate(analysis.mentions))
    quotes = tuple(_quote_row(n, quote, text) for n, quote in enumerate(analysis.quotes))
    times = tuple({"n": n, **time.to_dict()} for n, time in enumerate(analysis.times))
    return AnalysisRows(
        analysis.article_id,
        json.dumps(analysis.to_dict(), ensure_ascii=False, sort_keys=True),
        mentions,
        quotes,
        times,
    )


def _quote_row(n: int, quote: Quote, text: str) -> dict[str, Any]:
    speaker, cue = quote.speaker, quote.cue
    return {
        "n": n,
        "content": quote_text(text, quote),
        "content_start": quote.content[0].start,
        "content_end": quote.content[-1].end,
        "speaker_start": speaker.start if speaker else None,
        "speaker_end": speaker.end if speaker else None,
        "speaker_text": text[speaker.start : speaker.end] if speaker else None,
        "cue_start": cue.start if cue else None,
        "cue_end": cue.end if cue else None,
        "cue": cue_words(text, cue),
        "kind": quote.kind,
        "speaker_name": quote.speaker_name,
        "role": quote.role,
        "affiliation": quote.affiliation,
        "speaker_kind": quote.speaker_kind,
        "confidence": quote.confidence,
        "polarity": quote.polarity,
        "spans": json.dumps(quote.to_dict()),
    }
