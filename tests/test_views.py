"""The read side: what every shell shows, built once."""

from __future__ import annotations

from storyline.records import Article
from storyline.views import outlets_of


def test_carried_by_counts_outlets_not_articles() -> None:
    articles = [
        Article(id="a1", text="x", outlet="bbc"),
        Article(id="a2", text="x", outlet="Reuters"),
        Article(id="a3", text="x", outlet="bbc"),  # the same outlet's second article
        Article(id="a4", text="x"),  # no outlet: the article stands for itself
    ]
    assert outlets_of(articles) == ["bbc", "Reuters", "a4"]
