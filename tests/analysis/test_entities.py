from __future__ import annotations

from spacy.tokens import Doc
from spacy.vocab import Vocab

from storyline.analysis.entities import (
    _labels_agreed,
    _longer_name,
    _people_by_word,
    find_mentions,
)
from storyline.records import Mention


def _mention(name: str, label: str, at: int = 0) -> Mention:
    return Mention(at, at + len(name), name, label, name, label)


def test_a_name_takes_the_kind_most_of_its_mentions_in_the_article_have() -> None:
    mentions = [_mention("Dunmore", "GPE", n) for n in range(3)] + [_mention("Dunmore", "PERSON")]
    agreed = _labels_agreed(mentions)
    assert [m.entity_label for m in agreed] == ["GPE"] * 4
    # What spaCy said stays on the mention; only the entity it refers to changes.
    assert agreed[-1].label == "PERSON"


def test_a_tie_or_another_name_changes_nothing() -> None:
    tie = [_mention("Corran", "ORG"), _mention("Corran", "PERSON")]
    assert _labels_agreed(tie) == tie
    apart = [_mention("Ada Okafor", "PERSON"), _mention("Okafor Bank", "ORG")]
    assert _labels_agreed(apart) == apart
    # Kinds that are no actor (a date, a nationality) are left alone.
    other = [_mention("Dunmore", "GPE"), _mention("Dunmore", "GPE"), _mention("Dunmore", "NORP")]
    assert _labels_agreed(other)[-1].entity_label == "NORP"


def _doc(words: list[str], ents: list[str]) -> Doc:
    """A doc of these words, each followed by a space, with these IOB entity tags."""
    return Doc(Vocab(), words=words, ents=ents)


def test_a_dash_set_off_by_spaces_cuts_a_name_in_two() -> None:
    # A photo credit read as one person: the photographer, and the agency.
    doc = _doc(
        ["Photo", ":", "Ivo", "Marren", "-", "Fleet", "Wire", ".", "Said", "Ola", "Brandt-Kessel"],
        ["O", "O", "B-PERSON", *["I-PERSON"] * 4, "O", "O", "B-PERSON", "I-PERSON"],
    )
    assert [(m.text, m.entity_label) for m in find_mentions(doc)] == [
        ("Ivo Marren", "PERSON"),
        ("Fleet Wire", "PERSON"),  # under the span's kind: the store's evidence decides
        ("Ola Brandt-Kessel", "PERSON"),  # a hyphen inside a name cuts nothing
    ]
    # A part that is no name (lower case) is left out.
    doc = _doc(["storms", "-", "Varla"], ["B-PERSON", "I-PERSON", "I-PERSON"])
    assert [m.text for m in find_mentions(doc)] == ["Varla"]


def test_a_span_without_a_letter_is_no_entity() -> None:
    doc = _doc(["It", "cost", ".30", "at", "Dunmore"], ["O", "O", "B-ORG", "O", "B-GPE"])
    assert [m.text for m in find_mentions(doc)] == ["Dunmore"]
    # Nor is a name with no letter once "the" is gone.
    doc = _doc(["the", "2010", "in", "Dunmore"], ["B-EVENT", "I-EVENT", "O", "B-GPE"])
    assert [m.text for m in find_mentions(doc)] == ["Dunmore"]


def test_a_person_with_a_digit_in_the_name_is_no_entity() -> None:
    doc = _doc(["The", "K7N2", "virus", "hit", "Ada", "Okafor"], ["O", "B-PERSON", "O", "O", *_ADA])
    assert [(m.text, m.entity_label) for m in find_mentions(doc)] == [("Ada Okafor", "PERSON")]


_ADA = ["B-PERSON", "I-PERSON"]


def test_a_short_word_in_capitals_before_a_full_name_is_no_part_of_it() -> None:
    ada = ["B-PERSON", "I-PERSON"]  # "ADA Brandt": a name in capitals stays whole
    # A live page's time and zone before a name ("1201 KST Ivo Marren said").
    doc = _doc(
        ["1201", "KST", "Ivo", "Marren", "said", ".", "JJ", "Orle", "and", "ADA", "Brandt"],
        ["O", "B-PERSON", "I-PERSON", "I-PERSON", "O", "O", "B-PERSON", "I-PERSON", "O", *ada],
    )
    assert [m.text for m in find_mentions(doc)] == ["Ivo Marren", "JJ Orle", "ADA Brandt"]


def test_a_surname_alone_is_the_full_name_of_the_article_even_with_a_suffix() -> None:
    people = ["Odell R. Marsh Jr.", "Ada Okafor"]
    assert _longer_name("Marsh", _people_by_word(people)) == "Odell R. Marsh Jr."
    assert _longer_name("Okafor", _people_by_word(people)) == "Ada Okafor"
    assert _longer_name("Odell", _people_by_word(people)) == "Odell R. Marsh Jr."
    # Two people of that surname (a father and his son): neither.
    assert _longer_name("Marsh", _people_by_word([*people, "Odell Marsh Sr."])) is None
    assert _longer_name("Jr.", _people_by_word(people)) is None
    # Two spellings of one person are one name, the one written most.
    spellings = ["Hank Marsh", "Henry Marsh", "Henry Marsh"]
    assert _longer_name("Marsh", _people_by_word(spellings)) == "Henry Marsh"


def test_a_surname_read_as_an_organisation_is_the_person_named_in_full() -> None:
    words = ["Ada", "Okafor", "spoke", ".", "Okafor", "left", "Okafor", "Bank", "and", "Ada", "."]
    ents = [*_ADA, "O", "O", "B-ORG", "O", "B-ORG", "I-ORG", "O", "B-ORG", "O"]
    found = [(m.text, m.canonical, m.entity_label) for m in find_mentions(_doc(words, ents))]
    assert found == [
        ("Ada Okafor", "Ada Okafor", "PERSON"),
        ("Okafor", "Ada Okafor", "PERSON"),
        # An organisation of more words is one, and a first name alone is no surname.
        ("Okafor Bank", "Okafor Bank", "ORG"),
        ("Ada", "Ada", "ORG"),
    ]


def test_an_outlet_naming_itself_is_no_actor_of_its_own_article() -> None:
    from storyline.analysis.entities import names_outlet

    def org(name: str, label: str = "ORG") -> Mention:
        return _mention(name, label)

    for name, outlet in [
        ("Lakeside Daily", "lakesidedaily"),
        ("Lakeside Daily Radio", "Lakeside Daily"),
        ("LDN", "LDN News - World"),
        ("Northgate Wire", "The Northgate Wire: Top stories"),
    ]:
        assert names_outlet(org(name), outlet), (name, outlet)
    for name, outlet in [
        ("Lakeside", "Lakeside Daily"),  # a place's name before the paper's word
        ("Fox", "foxwire"),
        ("Thomas Wire", "wire"),
        ("Lakeside Daily", None),
        ("Lakeside Daily", "Valley Courier"),  # another outlet stays an actor
    ]:
        assert not names_outlet(org(name), outlet), (name, outlet)
    assert not names_outlet(org("Lakeside Daily", "PERSON"), "Lakeside Daily")
    # The stage leaves it out of the article's mentions and entities.
    from storyline.analysis.entities import entities_stage
    from storyline.analysis.stage import Parsed
    from storyline.records import Analysis, Article

    words = ["Ada", "Okafor", "told", "Lakeside", "Daily", "and", "Valley", "Courier", "."]
    ents = [*_ADA, "O", "B-ORG", "I-ORG", "O", "B-ORG", "I-ORG", "O"]
    doc = _doc(words, ents)
    article = Article(id="x", text=doc.text, outlet="Lakeside Daily")
    (item,) = entities_stage([Parsed(article, doc, Analysis("x"))])
    assert [m.text for m in item.analysis.mentions] == ["Ada Okafor", "Valley Courier"]
    assert [e.canonical for e in item.analysis.entities] == ["Ada Okafor", "Valley Courier"]


def test_a_time_zone_after_a_clock_time_is_no_organisation() -> None:
    doc = _doc(
        ["at", "1400", "BST", "(", "1300", "GMT", ")", "10:46", "BST", "HALVARD", "and", "BST"],
        ["O", "O", "B-ORG", "O", "O", "B-ORG", "O", "O", "B-GPE", "I-GPE", "O", "B-ORG"],
    )
    # The zone goes with its time, and leaves the place it ran into; alone it stays a name.
    assert [m.text for m in find_mentions(doc)] == ["HALVARD", "BST"]


def test_an_organisation_leaves_the_rank_of_the_person_after_it() -> None:
    words = ["Retired", "Harbour", "Guard", "Rear", "Adm.", "Ada", "Okafor", "spoke", "to", "the"]
    words += ["Office", "of", "the", "President", "and", "Former", "Varn", "Union", "."]
    ents = ["B-ORG", *["I-ORG"] * 4, *_ADA, "O", "O", "O", "B-ORG", *["I-ORG"] * 3, "O"]
    doc = _doc(words, [*ents, "B-ORG", "I-ORG", "I-ORG", "O"])
    # The small model tags a capitalised "Retired" as a proper noun.
    tags = [*["NNP"] * 7, "VBD", "IN", "DT", "NNP", "IN", "DT", "NNP", "CC", "NNP", "NNP"]
    for token, tag in zip(doc, [*tags, "NNP", "."], strict=True):
        token.tag_ = tag
        token.pos_ = "PROPN" if tag == "NNP" else "X"
    assert [(m.text, m.entity_label) for m in find_mentions(doc)] == [
        ("Harbour Guard", "ORG"),
        ("Ada Okafor", "PERSON"),
        # No name after them: their last and first words stay.
        ("Office of the President", "ORG"),
        ("Former Varn Union", "ORG"),
    ]
