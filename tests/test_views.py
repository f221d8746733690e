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


def test_an_article_as_a_dict_has_every_field_and_a_lead_of_its_opening() -> None:
    from dataclasses import asdict

    from storyline.views import LEAD_CHARS, _summary

    article = Article(id="a/1", text="Opening  words\n\n" + "and more words " * 200, title="T")
    assert article.to_dict() == asdict(article)
    lead = _summary(article)["lead"]
    assert lead.startswith("Opening words and more") and lead.endswith(" …")
    assert len(lead) <= LEAD_CHARS + 2
    # An opening that is mostly blanks still gives a lead of words, as the whole text would.
    blank_first = Article(id="b", text=" " * 2000 + "late words " * 100)
    assert _summary(blank_first)["lead"].startswith("late words late words")
