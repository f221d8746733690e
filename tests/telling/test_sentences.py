from __future__ import annotations

from storyline.records import Article
from storyline.telling.sentences import split


def test_an_opening_quotation_mark_goes_with_the_sentence_it_opens() -> None:
    text = (
        'Talks on the Varn barriers ended late on Monday. "We will rebuild them before the'
        ' autumn rains," the mayor said. "Nobody in Kessel wants another flood." The army'
        " left the town on Tuesday."
    )
    sentences = list(split([Article(id="a1", text=text)]))
    assert [s.text for s in sentences] == [
        "Talks on the Varn barriers ended late on Monday.",
        '"We will rebuild them before the autumn rains," the mayor said.',
        '"Nobody in Kessel wants another flood."',
        "The army left the town on Tuesday.",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)
    assert [s.position for s in sentences] == [0, 1, 2, 3]
