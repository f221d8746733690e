"""Telling a story: headline, digest and timeline from its articles.

The pieces are made by :mod:`storyline.telling.digest` and :mod:`storyline.telling.timeline`;
this module decides what a story's telling is made from. When a stored story is told again is
the runner's business (:func:`storyline.runner.refresh_tellings`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from storyline.records import Article, Telling, TimeExpr, is_analyzed
from storyline.telling.digest import headline, summarize
from storyline.telling.sentences import split
from storyline.telling.timeline import timeline

__all__ = ["DIGEST_WORDS", "TIMELINE_DATES", "tell"]

#: Size of a stored story's digest and timeline (the page a reader sees first).
DIGEST_WORDS = 120
TIMELINE_DATES = 10
TIMELINE_PER_DATE = 2


def tell(
    story_id: str,
    articles: Sequence[Article],
    times: Mapping[str, Sequence[TimeExpr]] | None = None,
    spans: Mapping[str, Sequence[tuple[int, int]]] | None = None,
) -> Telling:
    """The telling of one story from its articles, wire copies included.

    Copies are kept on purpose: a sentence that several outlets ran is one digest line that
    cites all of them. ``times`` are the articles' time expressions as the time stage found
    them (by article id); without them the timeline finds them itself. ``spans`` are the
    articles' sentence spans as the store keeps them (by article id); the articles without
    them are split here.
    """
    english = [a for a in articles if is_analyzed(a)]
    sentences = list(split(english, spans))  # once, for the digest and the timeline
    return Telling(
        story_id,
        headline(english or articles),
        tuple(summarize(english, DIGEST_WORDS, sentences=sentences)),
        tuple(
            timeline(
                english,
                dates=TIMELINE_DATES,
                per_date=TIMELINE_PER_DATE,
                times=times,
                sentences=sentences,
            )
        ),
        len(articles),
    )
