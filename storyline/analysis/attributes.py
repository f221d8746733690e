"""Token attributes for less: parts of speech by lookup, lemmas on demand.

Two components of the English pipeline cost far more than what the stages read of them
(bench/RESULTS.md, "Parse only what is needed"): the attribute ruler and the lemmatizer. Both
are replaced by equivalents that give every token the same values.

**The attribute rules by lookup.**
The pipeline's ``attribute_ruler`` maps fine-grained tags to coarse parts of speech and
morphology (the tag map) and then sets exceptions ("that" as a relative pronoun, "gonna",
"'ll"). spaCy runs it as a Matcher of 179 patterns over every token, which cost about a sixth
of the whole English pipeline on real pages (2.9 s of 16.7 s for 150 Timeline17 pages; the
matcher's cost grows with its patterns times the tokens, bench/RESULTS.md). Almost all of
those patterns read one token and only its tag, lowercase form, dependency label and whether
it is a space, so the patterns that match a token depend on those four values alone: they
are found once per distinct combination, by spaCy's own matcher on a one-token document, and
remembered. The few patterns over two tokens still run as a Matcher over the document.

Exactly what spaCy's component does (tests compare every token attribute on our own texts,
with and without the parse): all matches are found before any is applied, and their
attributes are written in the ruler's pattern order, so a later pattern's value wins.
:func:`lookup_ruler` gives spaCy's component back unchanged when the model's rules read
anything else.

**Lemmas on demand.** The rule lemmatizer sets a lemma on every token, in Python, token by
token (1.6 s of the 16.7); the stages read the lemma of a few verbs (cue candidates, a quote's
polarity). :func:`lemmas_on_demand` takes the lemmatizer out of the pipe and :func:`lemma`
asks it for one token when a stage reads that token's lemma: the same method on the same
part of speech and morphology, so the same value. Every stage reads lemmas through
:func:`lemma`, never ``token.lemma_`` (a test checks the sources).
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler, Lemmatizer
from spacy.tokens import Doc, Token
from spacy.tokens._retokenize import set_token_attrs
from spacy.vocab import Vocab

#: What one-token patterns may read for the lookup to be exact: a token's matches are then a
#: function of these values.
READ = ("TAG", "LOWER", "DEP", "IS_SPACE")
#: Combinations remembered at most; past it the memory starts afresh (a long stream meets new
#: words for ever).
CACHE_LIMIT = 200_000

#: An attribute write: the pattern's order in the ruler and the attributes it sets.
_Write = tuple[int, dict[int, int]]


class LookupRuler:
    """spaCy's attribute ruler, its one-token patterns looked up per distinct token."""

    def __init__(self, ruler: AttributeRuler) -> None:
        self.ruler = ruler
        self.single: set[int] = set()
        self.multi = Matcher(ruler.vocab)
        for order, pattern in enumerate(ruler.patterns):
            tokens: list[list[dict[str, Any]]] = pattern["patterns"]  # type: ignore[assignment]
            if all(len(p) == 1 for p in tokens):
                self.single.add(order)
            else:
                self.multi.add(str(order), tokens)
        self._writes: dict[tuple[int, int, int, int], tuple[_Write, ...]] = {}
        self._merged: dict[tuple[int, int, int, int], dict[int, int]] = {}

    def __call__(self, doc: Doc) -> Doc:
        later: dict[int, list[_Write]] = {}
        for match_id, start, end in self.multi(doc, allow_missing=True, as_spans=False):
            order = int(self.ruler.vocab.strings[match_id])
            index = self.ruler.indices[order]
            token = doc[start:end][index].i  # as spaCy's: a bad index raises there too
            later.setdefault(token, []).append((order, self.ruler.attrs[order]))
        rows = doc.to_array(list(READ)).tolist()
        for i, (tag, lower, dep, space) in enumerate(rows):
            key = (tag, lower, dep, space)
            merged = self._merged.get(key)
            if merged is None:
                merged = self._learn(doc, i, key)
            if i in later:
                merged = _merge([*self._writes[key], *later[i]])
            if merged:
                # What spaCy's own ruler writes with (private, of the pinned spaCy).
                set_token_attrs(doc[i], merged)
        return doc

    def _learn(self, doc: Doc, i: int, key: tuple[int, int, int, int]) -> dict[int, int]:
        """The one-token patterns that match a token with these values, found by spaCy's
        matcher on a document of that token alone (tag and dependency copied over)."""
        if len(self._merged) >= CACHE_LIMIT:
            self._merged.clear()
            self._writes.clear()
        token = doc[i]
        probe = Doc(doc.vocab, words=[token.text], spaces=[False])
        probe[0].tag = token.tag
        if token.dep:
            probe[0].dep = token.dep
        writes: list[_Write] = []
        for match_id, _start, _end in self.ruler.matcher(probe, allow_missing=True, as_spans=False):
            order = int(self.ruler.vocab.strings[match_id])
            if order in self.single:
                writes.append((order, self.ruler.attrs[order]))
        self._writes[key] = tuple(sorted(writes, key=lambda write: write[0]))
        merged = _merge(writes)
        self._merged[key] = merged
        return merged


def _merge(writes: list[_Write]) -> dict[int, int]:
    """The attributes a token ends with when the writes are applied in pattern order."""
    merged: dict[int, int] = {}
    for _order, attrs in sorted(writes, key=lambda write: write[0]):
        merged.update(attrs)
    return merged


def readable(ruler: AttributeRuler) -> bool:
    """Whether every one-token pattern reads only :data:`READ` (else the lookup would not be
    exact, and spaCy's component stays)."""
    for pattern in ruler.patterns:
        alternatives: list[list[dict[str, Any]]] = pattern["patterns"]  # type: ignore[assignment]
        for tokens in alternatives:
            if len(tokens) == 1 and any(name not in READ for name in tokens[0]):
                return False
    return True


LOOKUP_PIPE = "storyline_attribute_lookup"


@Language.factory(LOOKUP_PIPE)
def _lookup_factory(nlp: Language, name: str) -> Any:
    ruler = nlp.get_pipe("attribute_ruler")
    assert isinstance(ruler, AttributeRuler)  # checked by lookup_ruler, which adds this pipe
    return LookupRuler(ruler)


def lookup_ruler(nlp: Language) -> Language:
    """The pipeline with its attribute ruler applied by lookup (in place; returned)."""
    if "attribute_ruler" not in nlp.pipe_names:
        return nlp
    ruler = nlp.get_pipe("attribute_ruler")
    if not isinstance(ruler, AttributeRuler) or not readable(ruler):
        return nlp
    nlp.add_pipe(LOOKUP_PIPE, after="attribute_ruler")
    nlp.disable_pipe("attribute_ruler")
    return nlp


#: The lemmatizer taken out of each pipeline, by its vocabulary (every doc of a pipeline,
#: those rebuilt from its worker processes too, shares it). At most the two pipelines
#: :func:`storyline.analysis.pipeline.load_nlp` keeps.
_LEMMATIZERS: dict[int, tuple[Vocab, Lemmatizer]] = {}


def lemmas_on_demand(nlp: Language) -> Language:
    """The pipeline without its lemmatizer, which :func:`lemma` then runs token by token
    (in place; returned)."""
    if "lemmatizer" not in nlp.pipe_names:
        return nlp
    lemmatizer = nlp.get_pipe("lemmatizer")
    if not isinstance(lemmatizer, Lemmatizer) or lemmatizer.overwrite:
        return nlp  # an overwriting lemmatizer would change the ruler's lemmas: keep it whole
    nlp.disable_pipe("lemmatizer")
    _LEMMATIZERS[id(nlp.vocab)] = (nlp.vocab, lemmatizer)
    return nlp


def lemma(token: Token) -> str:
    """A token's lemma: the one the pipeline set (the attribute rules set some), else the
    lemmatizer's for it now, remembered on the token."""
    if token.lemma:
        return str(token.lemma_)
    entry = _LEMMATIZERS.get(id(token.vocab))
    if entry is None or entry[0] is not token.vocab:
        return str(token.lemma_)  # a pipeline without a lemmatizer: as spaCy leaves it
    value = str(entry[1].lemmatize(token)[0])
    token.lemma_ = value
    return value
