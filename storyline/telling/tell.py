"""Telling a story: headline, digest and timeline from its articles.

The pieces are made by :mod:`storyline.telling.digest` and :mod:`storyline.telling.timeline`;
this module decides what a story's telling is made from. When a stored story is told again is
the runner's business (:func:`storyline.runner.refresh_tellings`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from storyline.records import Article, Telling, TimeExpr, is_analyzed
from storyline.telling import TOLD_ARTICLES
from storyline.telling.digest import headline, summarize
from storyline.telling.sentences import split
from storyline.telling.timeline import timeline

__all__ = ["DIGEST_WORDS", "TIMELINE_DATES", "TOLD_ARTICLES", "tell", "told_articles"]

#: Size of a stored story's digest and timeline (the page a reader sees first).
DIGEST_WORDS = 120
TIMELINE_DATES = 10
TIMELINE_PER_DATE = 2


def told_articles(ids: Sequence[str], at_most: int | None = None) -> list[str]:
    """Which of a story's articles (ids in publication order) tell it: all of them, or
    ``at_most`` spread evenly over that order, first and last included, so that every
    stretch of the story's days keeps its share (the newest alone would drop its history,
    a random sample would change with every telling). ``at_most`` defaults to
    :data:`TOLD_ARTICLES`."""
    at_most = TOLD_ARTICLES if at_most is None else at_most
    if len(ids) <= at_most:
        return list(ids)
    if at_most < 2:
        return list(ids[len(ids) - at_most :])
    step = (len(ids) - 1) / (at_most - 1)
    return [ids[round(i * step)] for i in range(at_most)]


def tell(
    story_id: str,
    articles: Sequence[Article],
    times: Mapping[str, Sequence[TimeExpr]] | None = None,
    spans: Mapping[str, Sequence[tuple[int, int]]] | None = None,
    size: int | None = None,
) -> Telling:
    """The telling of one story from its articles, wire copies included.

    Copies are kept on purpose: a sentence that several outlets ran is one digest line that
    cites all of them. ``times`` are the articles' time expressions as the time stage found
    them (by article id); without them the timeline finds them itself. ``spans`` are the
    articles' sentence spans as the store keeps them (by article id); the articles without
    them are split here. ``size`` is how many articles the story has, when ``articles`` are
    some of them (:func:`told_articles`); the telling records it, so it is not stale.
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
        len(articles) if size is None else size,
    )
