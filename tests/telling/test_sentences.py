from __future__ import annotations

from storyline.records import Article, one_line
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


def test_a_line_break_ends_a_sentence_unless_a_comma_follows_it() -> None:
    # A scraped page breaks its line where a link ended; no line starts with a comma.
    text = (
        "Flood barriers\nSenator Ada Marr (D-Ore.)\n, who chairs the panel, said the work was"
        " late.\n\n; a note\nThe army left."
    )
    sentences = list(split([Article(id="a1", text=text)]))
    assert [one_line(s.text) for s in sentences] == [
        "Flood barriers",
        "Senator Ada Marr (D-Ore.) , who chairs the panel, said the work was late.",
        "; a note",  # after a full stop: a new sentence all the same
        "The army left.",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)


def test_a_ticker_broken_across_a_line_stays_in_its_sentence() -> None:
    text = "Shares of Acme (ACM.\nN) fell 4 percent on Monday.\nThe board met (again.\nIt did."
    sentences = list(split([Article(id="a1", text=text)]))
    assert [one_line(s.text) for s in sentences] == [
        "Shares of Acme (ACM. N) fell 4 percent on Monday.",
        "The board met (again.",  # a word, not a ticker, before the break
        "It did.",
    ]


def test_the_analysis_keeps_the_sentences_telling_would_find(nlp: object) -> None:
    from storyline.analysis.pipeline import analyze
    from storyline.records import Analysis
    from storyline.telling.sentences import spans_of

    text = (
        'Gen. Orla Venn of the U.S. Harbor Corps said on Monday: "We will stay.\n'
        "The ferries resume on Friday.\" Kessel's council met at 9 a.m.; it voted 7-2."
        "\n\nA second paragraph ... ends here!"
    )
    article = Article(id="a1", text=text)
    (analysis,) = analyze([article], nlp=nlp)  # type: ignore[arg-type]
    assert isinstance(analysis, Analysis)
    kept = [(s.start, s.end) for s in analysis.telling_sentences]
    assert kept == next(spans_of([article]))
    assert len(kept) >= 4
