"""The learned attribution tagger: windows, labels, decoding, grouping and the shipped model."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pytest

from storyline.analysis import tagger
from storyline.analysis.pipeline import analyze
from storyline.analysis.quotes import (
    find_attributions,
    link_features,
    quote_method,
    tagged_attributions,
)
from storyline.analysis.tagger import (
    LABELS,
    Tagged,
    best_labels,
    decode,
    load_tagger,
    model_facts,
    paragraphs,
    tag,
    token_labels,
    windows,
)
from storyline.errors import StorylineError
from storyline.ingest.extract import build_article
from storyline.records import Analysis


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    return load_tagger()[0]


def test_paragraphs_skip_blank_lines() -> None:
    text = "One.\n\n  \nTwo and three.\nFour"
    assert [text[s:e] for s, e in paragraphs(text)] == ["One.", "Two and three.", "Four"]


def test_windows_join_paragraphs_and_cut_long_ones_at_sentence_ends(tokenizer: Any) -> None:
    text = "Short one.\n\nAnother short one.\n\n" + "Word after word goes on. " * 60
    found = windows(text, tokenizer, max_tokens=64)
    assert found[0].start == 0 and "Another" in text[found[0].start : found[0].end]
    for window in found:
        assert len(window.ids) <= 64
        assert window.offsets[0] == window.offsets[-1] == (0, 0)  # [CLS] ... [SEP]
    # every character of text is in exactly one window, and long ones end on a full stop
    pieces = [(s, e) for w in found for s, e in w.offsets[1:-1]]
    assert pieces == sorted(pieces) and len(pieces) == len(set(pieces))
    assert all(text[w.end - 1] == "." for w in found[1:-1])


def test_labels_round_trip_through_decode(tokenizer: Any) -> None:
    text = "Marta Castell said the treaty stands, officials reported."
    gold = [("source", 0, 13), ("cue", 14, 18), ("content", 19, 36)]
    (window,) = windows(text, tokenizer)
    labels = token_labels(window, gold, len(text))
    assert labels[0] == labels[-1] == -100
    assert LABELS[labels[1]] == "B-source" and LABELS[labels[2]] == "I-source"
    spans = decode(window, [max(0, x) for x in labels], [1.0] * len(labels))
    assert [(t.role, text[t.start : t.end]) for t in spans] == [
        ("source", "Marta Castell"),
        ("cue", "said"),
        ("content", "the treaty stands"),
    ]


def _distributions(window: Any, per_word: list[dict[str, float]]) -> list[list[float]]:
    """Per-piece label distributions: the special tokens certain O, each piece its word's
    given probabilities, a B turned I on a word's later pieces (the rest of a row's mass
    spread evenly over the other labels)."""
    rows, previous = [], -1
    for (start, end), word in zip(window.offsets, window.words, strict=True):
        chosen = {"O": 1.0} if start == end else dict(per_word[word])
        if start != end and word == previous:
            chosen = {label.replace("B-", "I-"): p for label, p in chosen.items()}
        previous = word
        rest = (1.0 - sum(chosen.values())) / max(1, len(LABELS) - len(chosen))
        rows.append([chosen.get(label, rest) for label in LABELS])
    return rows


def test_best_labels_keep_a_span_whole_where_one_word_is_unsure(tokenizer: Any) -> None:
    text = "Kessler said the harbour will reopen soon."
    (window,) = windows(text, tokenizer)
    sure = {"I-content": 0.9}
    wanted = [{"B-source": 0.9}, {"B-cue": 0.9}, {"B-content": 0.9}, sure, sure]
    # "reopen": outside by a hair; "soon" continues the content, "." is outside.
    wanted += [{"O": 0.46, "I-content": 0.44}, sure, {"O": 0.9}]
    probabilities = _distributions(window, wanted)
    argmax = [max(range(len(LABELS)), key=row.__getitem__) for row in probabilities]
    cut = decode(window, argmax, [1.0] * len(argmax))
    assert [text[t.start : t.end] for t in cut if t.role == "content"] == [
        "the harbour will",
        "soon",
    ]
    labels = best_labels(window, probabilities)
    whole = decode(window, labels, [1.0] * len(labels))
    assert [(t.role, text[t.start : t.end]) for t in whole] == [
        ("source", "Kessler"),
        ("cue", "said"),
        ("content", "the harbour will reopen soon"),
    ]


def test_best_labels_are_well_formed_bio(tokenizer: Any) -> None:
    text = "Kessler said the harbour will reopen soon."
    (window,) = windows(text, tokenizer)
    # Every word most likely I-cue: no span may start with I, so the first is B-cue.
    probabilities = _distributions(window, [{"I-cue": 0.6, "B-cue": 0.3}] * len(window.ids))
    labels = best_labels(window, probabilities)
    names = [LABELS[label] for label in labels]
    assert names[0] == names[-1] == "O" and names[1] == "B-cue"
    assert set(names[2:-1]) == {"I-cue"}


def _well_formed(names: list[str], words: list[int]) -> bool:
    """BIO spelled out: no I first or after another role; a word's later pieces continue
    its first piece (O after O, I-x after B-x or I-x)."""
    for index, name in enumerate(names):
        before = names[index - 1] if index else "O"
        same_word = index > 0 and words[index] == words[index - 1]
        continues = name.startswith("I-") and before[2:] == name[2:]
        if same_word and not (name == before == "O" or continues):
            return False
        if name.startswith("I-") and not continues:
            return False
    return True


@pytest.mark.parametrize("seed", range(12))
def test_best_labels_are_the_most_probable_well_formed_sequence(tokenizer: Any, seed: int) -> None:
    import itertools
    import random

    text = "Castell warned reporters."  # five pieces: castell / warned / reporters / .
    (window,) = windows(text, tokenizer)
    rng = random.Random(seed)
    pieces = [i for i, (s, e) in enumerate(window.offsets) if s != e]
    rows = [[1.0] + [0.0] * (len(LABELS) - 1) for _ in window.offsets]
    for index in pieces:
        # half the seeds peaked (argmax often already well formed), half flat (often not)
        weights = [rng.random() ** (8 if seed % 2 else 1) for _ in LABELS]
        rows[index] = [w / sum(weights) for w in weights]
    words = [window.words[i] for i in pieces]

    def score(sequence: tuple[int, ...]) -> float:
        return sum(
            math.log(rows[i][label] + 1e-12) for i, label in zip(pieces, sequence, strict=True)
        )

    best = max(
        (
            sequence
            for sequence in itertools.product(range(len(LABELS)), repeat=len(pieces))
            if _well_formed([LABELS[label] for label in sequence], words)
        ),
        key=score,
    )
    labels = best_labels(window, rows)
    assert [labels[i] for i in pieces] == list(best)
    assert labels[0] == labels[-1] == 0


#: "Ortiz said that Brandt believes the vote will pass." as the tagger reads it.
NESTED = [
    ("source", "Ortiz"),
    ("cue", "said"),
    ("content", "that"),
    ("source", "Brandt"),
    ("cue", "believes"),
    ("content", "the vote will pass"),
]


def test_an_inner_cue_is_painted_over_the_outer_content(tokenizer: Any) -> None:
    text = "Ortiz said that Brandt believes the vote will pass."
    gold = [
        ("source", 0, 5),
        ("cue", 6, 10),
        ("content", 11, 50),
        ("source", 16, 22),
        ("cue", 23, 31),
        ("content", 32, 50),
    ]
    (window,) = windows(text, tokenizer)
    labels = token_labels(window, gold, len(text))
    spans = decode(window, [max(0, x) for x in labels], [1.0] * len(labels))
    assert [(t.role, text[t.start : t.end]) for t in spans] == NESTED


def _spans(text: str, *marked: tuple[str, str]) -> list[Tagged]:
    """Tagged spans at the first occurrence of each marked string (after the previous one)."""
    spans, position = [], 0
    for role, words in marked:
        start = text.index(words, position)
        spans.append(Tagged(role, start, start + len(words), 0.9))
        position = start + len(words)
    return spans


def _speakers(text: str, found: list[Any]) -> dict[str, tuple[int, int] | None]:
    """Each attribution's cue words and its speaker's offsets."""
    return {text[f.cue_span[0] : f.cue_span[1]]: f.speaker for f in found if f.cue_span}


def _found(nlp: Any, text: str, *marked: tuple[str, str]) -> list[Any]:
    """The attributions grouped from spans marked as in :func:`_spans`."""
    return tagged_attributions(nlp(text), _spans(text, *marked))


def _grouped_contents(nlp: Any, text: str, *marked: tuple[str, str]) -> list[list[str]]:
    """Each attribution's content pieces, from spans marked as in :func:`_spans`."""
    return [[text[s:e] for s, e in f.content] for f in _found(nlp, text, *marked)]


def test_grouping_nearest_cue_shared_source_continued_quotation(nlp: Any) -> None:
    text = (
        "“We are ready,” Castell said, “and we will sign,” and added that talks go on.\n"
        "“The port stays open.”\n"
        "Ortiz said that Brandt believes the vote will pass."
    )
    spans = _spans(
        text,
        ("content", "“We are ready,”"),
        ("source", "Castell"),
        ("cue", "said"),
        ("content", "“and we will sign,”"),
        ("cue", "added"),
        ("content", "that talks go on"),
        ("content", "“The port stays open.”"),
        *NESTED,
    )
    found = tagged_attributions(nlp(text), spans)
    rows = [
        (
            text[f.cue_span[0] : f.cue_span[1]] if f.cue_span else None,
            text[f.speaker[0] : f.speaker[1]] if f.speaker else None,
            [text[s:e] for s, e in f.content],
        )
        for f in found
    ]
    assert rows == [
        ("said", "Castell", ["“We are ready,”", "“and we will sign,”"]),
        # shares the source; takes the quotation that runs on into the next paragraph
        ("added", "Castell", ["that talks go on", "“The port stays open.”"]),
        # the outer content holds the inner attribution
        ("said", "Ortiz", ["that Brandt believes the vote will pass"]),
        ("believes", "Brandt", ["the vote will pass"]),
    ]
    # A closed quotation holds nothing: the source after it begins an attribution of its own.
    text = "Castell said “the port is open” Ortiz added that ferries run."
    assert _grouped_contents(
        nlp,
        text,
        ("source", "Castell"),
        ("cue", "said"),
        ("content", "“the port is open”"),
        ("source", "Ortiz"),
        ("cue", "added"),
        ("content", "that ferries run"),
    ) == [
        ["“the port is open”"],
        ["that ferries run"],
    ]


ENVOY = (
    "The harbour envoy accused Varnland, one of the sponsors, of arming the rebels and"
    " urged Kessel to withdraw."
)


def _envoy_spans(
    *between: tuple[str, str],
    accused: tuple[tuple[str, str], ...] = (("content", "of arming the rebels"),),
) -> list[Tagged]:
    """ENVOY's spans, with ``between`` as the tagger read the apposition and ``accused`` as
    it read what the envoy accused Varnland of."""
    return _spans(
        ENVOY,
        ("source", "The harbour envoy"),
        ("cue", "accused"),
        ("content", "Varnland"),
        *between,
        *accused,
        ("cue", "urged"),
        ("content", "Kessel to withdraw"),
    )


def test_a_source_inside_what_a_cue_says_is_no_speaker_of_the_next_cue(nlp: Any) -> None:
    # "one" in the apposition is tagged a source (as the shipped model does on the seed page);
    # the next cue's nearest source is then the envoy, not it.
    spans = _envoy_spans(("source", "one"), ("content", "of the sponsors"))
    speakers = _speakers(ENVOY, tagged_attributions(nlp(ENVOY), spans))
    envoy = (0, len("The harbour envoy"))
    assert speakers == {"accused": envoy, "urged": envoy}


def test_sources_are_whole_phrases_and_an_apposition_is_nobodys(nlp: Any) -> None:
    # As the tagger might read it: the envoy's source stops before "to the talks", the
    # apposition's at "the"; both are whole, and the apposition speaks for nobody.
    text = (
        "The harbour envoy to the talks praised Varnland, one of the sponsors, for backing the"
        " rebels and urged Kessel to withdraw."
    )
    spans = _spans(
        text,
        ("source", "The harbour envoy"),
        ("cue", "praised"),
        ("content", "Varnland"),
        ("source", "one of the"),
        ("cue", "backing"),
        ("content", "the rebels"),
        ("cue", "urged"),
        ("content", "Kessel to withdraw"),
    )
    speakers = _speakers(text, tagged_attributions(nlp(text), spans))
    envoy = (0, len("The harbour envoy to the talks"))
    assert speakers["praised"] == envoy and speakers["urged"] == envoy
    assert speakers["backing"] != (text.index("one"), text.index(", for"))
    # An adverbial between a source and its cue stays out of it.
    text = "The harbour minister on Tuesday said ferries run."
    marked = (("source", "The harbour minister"), ("cue", "said"), ("content", "ferries run"))
    (found,) = _found(nlp, text, *marked)
    assert found.speaker == (0, len("The harbour minister"))


def test_a_cue_after_of_is_inside_another_attributions_words(nlp: Any) -> None:
    # The tagger read "arming" as a cue of its own (PolNeAR marks "support" and the like
    # as cues); after "of" it is the accusation's content: nobody is quoted as arming.
    spans = _envoy_spans(accused=(("cue", "arming"), ("content", "the rebels")))
    found = tagged_attributions(nlp(ENVOY), spans)
    said = {ENVOY[f.cue_span[0] : f.cue_span[1]]: f for f in found if f.cue_span}
    assert set(said) == {"accused", "urged"}
    assert [ENVOY[s:e] for s, e in said["accused"].content] == [
        "Varnland, one of the sponsors, of arming the rebels"
    ]


def test_a_content_cut_by_a_source_goes_on_with_its_own_cue(nlp: Any) -> None:
    # The tagger cut "accused"'s words around an apposition it read as a source; the second
    # piece is nearer "urged" but has no cue before it since the first: it is still accused's.
    text = ENVOY
    found = tagged_attributions(nlp(text), _envoy_spans(("source", "one of the sponsors")))
    said = {text[f.cue_span[0] : f.cue_span[1]]: f for f in found if f.cue_span}
    assert [text[s:e] for s, e in said["accused"].content] == ["Varnland", "of arming the rebels"]
    assert [text[s:e] for s, e in said["urged"].content] == ["Kessel to withdraw"]
    envoy = (0, len("The harbour envoy"))
    assert said["accused"].speaker == envoy and said["urged"].speaker == envoy
    # A new sentence starts anew: the nearest cue takes it.
    text = "Brandt said the port is open. The ferries run, Kessel added."
    assert _grouped_contents(
        nlp,
        text,
        ("source", "Brandt"),
        ("cue", "said"),
        ("content", "the port is open"),
        ("content", "The ferries run"),
        ("source", "Kessel"),
        ("cue", "added"),
    ) == [
        ["the port is open"],
        ["The ferries run"],
    ]


def test_a_cue_the_model_doubts_is_no_cue(nlp: Any) -> None:
    text = "Brandt said the ferries keep supporting the islands."
    spans = _spans(
        text,
        ("source", "Brandt"),
        ("cue", "said"),
        ("content", "the ferries"),
        ("cue", "keep supporting"),
        ("content", "the islands"),
    )
    doubted = [
        replace(s, confidence=0.45) if s.role == "cue" and s.start > 10 else s for s in spans
    ]
    found = tagged_attributions(nlp(text), doubted)
    assert [text[f.cue_span[0] : f.cue_span[1]] for f in found if f.cue_span] == ["said"]
    found = tagged_attributions(nlp(text), spans)
    assert len(found) == 2


def test_a_transcript_label_is_the_layouts_to_read(nlp: Any) -> None:
    # The tagger read LINDQVIST's colon as a cue and ended the turn at its first sentence; the
    # layout runs the turn on to the next label.
    text = (
        "MODERATOR: Good evening and welcome.\n"
        "LINDQVIST: Thank you. Our members have waited three years.\n"
        "They deserve better.\n"
    )
    doc = nlp(text)
    colon = text.index(": Thank")
    doc._.attribution_tags = [
        [t.role, t.start, t.end, t.confidence]
        for t in [
            *_spans(text, ("source", "LINDQVIST")),
            Tagged("cue", colon, colon + 1, 0.9),
            *_spans(text, ("content", "Thank you.")),
        ]
    ]
    found = find_attributions(doc)
    (turn,) = [f for f in found if f.speaker and text[f.speaker[0] : f.speaker[1]] == "LINDQVIST"]
    assert [text[s:e] for s, e in turn.content] == [
        "Thank you. Our members have waited three years.",
        "They deserve better.",
    ]


def test_content_pieces_with_no_cue_or_source_between_are_one(nlp: Any) -> None:
    text = 'Brandt said the ferries will run — weather allowing, "from Monday" to Kessel.'
    spans = _spans(
        text,
        ("source", "Brandt"),
        ("cue", "said"),
        ("content", "the ferries will"),
        ("content", "weather allowing"),
        ("content", '"from Monday" to Kessel'),
    )
    (found,) = tagged_attributions(nlp(text), spans)
    assert [text[s:e] for s, e in found.content] == [
        'the ferries will run — weather allowing, "from Monday" to Kessel'
    ]
    # A source and cue between two pieces keep them apart ('"A," X said, "B."').
    text = '"We sail," Brandt said, "at dawn."'
    spans = _spans(
        text,
        ("content", '"We sail,"'),
        ("source", "Brandt"),
        ("cue", "said"),
        ("content", '"at dawn."'),
    )
    (found,) = tagged_attributions(nlp(text), spans)
    assert len(found.content) == 2


def test_a_cue_with_no_source_of_its_own_takes_none(nlp: Any) -> None:
    # PolNeAR marks "seemed" an attribution with no source; the nearest source of the
    # paragraph is the previous sentence's speaker, which the learned linker leaves alone.
    text = "Castell said the port is open. The talks seemed likely to fail."
    spans = _spans(
        text,
        ("source", "Castell"),
        ("cue", "said"),
        ("content", "the port is open"),
        ("content", "The talks"),
        ("cue", "seemed"),
        ("content", "likely to fail"),
    )
    found = tagged_attributions(nlp(text), spans)
    speakers = _speakers(text, found)
    assert speakers == {"said": (0, len("Castell")), "seemed": None}


def test_the_linker_chooses_among_the_paragraphs_sources(nlp: Any) -> None:
    text = "Brandt told Ortiz that Kessel said the vote will pass."
    spans = _spans(
        text,
        ("source", "Brandt"),
        ("cue", "told Ortiz"),
        ("content", "that"),
        ("source", "Kessel"),
        ("cue", "said"),
        ("content", "the vote will pass"),
    )
    doc = nlp(text)
    offered: list[list[str]] = []

    def last(doc: Any, cue: Tagged, candidates: list[Tagged], *_: Any) -> Tagged:
        offered.append([text[c.start : c.end] for c in candidates])
        return candidates[-1]

    found = tagged_attributions(doc, spans, link=last)
    assert offered == [["Brandt", "Kessel"], ["Brandt", "Kessel"]]
    assert {f.speaker for f in found} == {(text.index("Kessel"), text.index("Kessel") + 6)}
    found = tagged_attributions(doc, spans)  # the shipped linker: each cue its own speaker
    speakers = _speakers(text, found)
    assert speakers == {
        "told Ortiz": (0, 6),
        "said": (text.index("Kessel"), text.index("Kessel") + 6),
    }


def test_a_cue_left_without_words_takes_the_quotation_beside_it(nlp: Any) -> None:
    # The tagger read "believes" inside the quotation as the only cue with words; the
    # minister's "said" had none. The marks say whose words they are.
    text = "“Varnland is committed and believes that talks help,” the harbour minister said."
    spans = _spans(
        text,
        ("cue", "believes"),
        ("content", "that talks help"),
        ("source", "the harbour minister"),
        ("cue", "said"),
    )
    found = tagged_attributions(nlp(text), spans)
    said = next(f for f in found if f.cue_span and text[f.cue_span[0] : f.cue_span[1]] == "said")
    assert [text[s:e] for s, e in said.content] == [
        "“Varnland is committed and believes that talks help,”"
    ]
    assert said.speaker == (text.index("the harbour"), text.index(" said"))
    # A quotation another cue holds whole stays its own.
    text = "“We sail at dawn,” Brandt said. Kessel agreed."
    spans = _spans(
        text,
        ("content", "“We sail at dawn,”"),
        ("source", "Brandt"),
        ("cue", "said"),
        ("source", "Kessel"),
        ("cue", "agreed"),
    )
    found = tagged_attributions(nlp(text), spans)
    assert [text[f.cue_span[0] : f.cue_span[1]] for f in found if f.cue_span] == ["said"]


def test_link_features_say_where_the_candidate_lies(nlp: Any) -> None:
    text = "Ortiz spoke. Brandt, the mayor, said it rains."
    doc = nlp(text)
    spans = _spans(text, ("source", "Ortiz"), ("source", "Brandt"), ("cue", "said"))
    ortiz, brandt, said = spans
    near = link_features(doc, said, brandt, [ortiz, brandt], [said], [])
    far = link_features(doc, said, ortiz, [ortiz, brandt], [said], [])
    assert {"side=before", "sentence=same", "rank=0", "comma_between=True", "cue=say"} <= set(near)
    assert {"side=before", "sentence=other", "rank=1", "sources_between=1"} <= set(far)


def test_a_cue_without_content_is_no_attribution(nlp: Any) -> None:
    text = "The mayor said nothing."
    assert (
        tagged_attributions(nlp(text), _spans(text, ("source", "The mayor"), ("cue", "said"))) == []
    )


def test_the_shipped_model_is_small_and_says_what_it_is() -> None:
    facts = model_facts()
    assert facts["labels"] == list(LABELS)
    assert "PolNeAR" in facts["trained_on"]


def test_the_shipped_model_tags_plain_reported_speech(nlp: Any) -> None:
    text = (
        "Marta Castell, the foreign minister, said on Tuesday that the treaty would stand.\n\n"
        "“We will not sign it,” Hugo Brandt told reporters."
    )
    roles = {(t.role, text[t.start : t.end]) for t in tag(text)}
    assert ("cue", "said") in roles
    assert ("cue", "told") in roles
    assert ("content", "“We will not sign it,”") in roles
    (analysis,) = analyze([build_article(text=text, origin="test")], nlp=nlp)
    assert isinstance(analysis, Analysis)
    by_speaker = {q.speaker_name: q for q in analysis.quotes}
    assert set(by_speaker) == {"Marta Castell", "Hugo Brandt"}
    assert by_speaker["Marta Castell"].role == "foreign minister"
    assert all(q.confidence is not None and 0 < q.confidence <= 1 for q in analysis.quotes)


def test_a_missing_model_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tagger, "MODEL_DIR", "no_such_model")
    tagger.load_tagger.cache_clear()
    try:
        with pytest.raises(StorylineError, match=r"quote tagger .* cannot be loaded"):
            tagger.load_tagger()
    finally:
        monkeypatch.undo()
        tagger.load_tagger.cache_clear()


def test_an_unknown_quote_method_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORYLINE_QUOTES", "bogus")
    with pytest.raises(StorylineError, match="use one of tagger, rules"):
        quote_method()
