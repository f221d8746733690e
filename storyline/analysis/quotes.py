"""Attribution stage: who said (or believes, or announced) what, with the speaker resolved.

spaCy gives the parse; the attribution logic is ours, in three steps:

1. **Cues.** Every verb (and "according to") is a candidate cue. A logistic-regression model
   trained on the PolNeAR train split (``scripts/train_quotes.py``; weights in
   ``data/quote_model.json``, a few hundred KB of feature weights, no text) scores it from the
   lemma and the shape of its parse (a clausal complement, a subject, a quotation nearby).
   A lexicon alone cannot tell "said" the cue from "said" inside a quote, nor "called" the
   cue from "called off".
2. **Spans.** For a cue, the speaker is its subject (or the object of "according to", or the
   subject of the verb it hangs from: "..., adding that"); the content is its clausal
   complement, or the quotation(s) beside it ("“X,” he said, “Y.”"), or its object.
   Quotations run across sentences and, by the news convention, across paragraphs when a
   paragraph ends without a closing mark.
3. **Speakers.** Pronouns and role nouns resolve to the speaker of the previous attribution
   or the last person named nearby; the words around a name give its role and affiliation
   ("Iranian Deputy Foreign Minister ... Hossein Jaberi Ansari").

Spans follow PolNeAR's conventions: direct content keeps its quotation marks; reported content
keeps "that" and drops the sentence's final punctuation.

Steps 1 and 2 have a learned replacement, now the default: the tagger of
:mod:`storyline.analysis.tagger` marks cues, sources and contents token by token, and
:func:`tagged_attributions` groups its spans into attributions; step 3 and the layout rules
(transcript labels, epigraphs, continued quotations) serve both. ``STORYLINE_QUOTES=rules``
selects the cue model and parse rules instead (kept to compare, and as the cheaper path).
"""

from __future__ import annotations

import bisect
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from importlib import resources

from spacy.language import Language
from spacy.tokens import Doc, Token

from storyline.analysis.attributes import lemma as lemma_of
from storyline.analysis.gazetteer import CANONICAL, ROLE_NOUNS, TITLES, without_generation
from storyline.analysis.stage import Parsed
from storyline.analysis.tagger import ROLES, Tagged, tag
from storyline.errors import StorylineError
from storyline.records import Mention, Quote, Span

#: Probability above which a candidate is taken as a cue. 0.5 is the classifier's own
#: decision boundary; it was not tuned on the dev split.
CUE_THRESHOLD = 0.5

OPENING = '“"«'
#: Some newsrooms open quotations with two apostrophes or two backticks instead of a mark.
_OPENING_PAIRS = ("''", "``")
_SUBJECTS = ("nsubj", "nsubjpass", "csubj")
_CONTENT_DEPS = ("ccomp",)
_OBJECT_DEPS = ("dobj", "xcomp", "attr", "oprd")
_EDGE_PUNCT = set(".,;:!?—–-")
#: Characters allowed between a quotation and its cue or speaker ("”, Mr. X said on Monday").
_QUOTE_GAP = 80
_ASIDE_DEPS = frozenset({"relcl"})
#: Words up to which a quotation beside a cue is a name or a scare quote rather than speech.
_SHORT_QUOTATION = 5
_SENTENCE_END = re.compile(r"[.!?]\s")
_PRONOUNS = {
    "he": "person",
    "she": "person",
    "him": "person",
    "her": "person",
    "they": "group",
    "it": "thing",
    "i": "self",
    "we": "self",
    # PolNeAR marks a possessive as the source of "his claim that ...", and an interview's
    # "you" as the source of "you said": no name to give ("you" is whoever is asked).
    "his": "person",
    "its": "thing",
    "their": "group",
    "you": "self",
}
#: Indefinite pronouns as sources ("some said", "others argued"): nobody to name.
_INDEFINITE = frozenset(
    "some many others one everyone anyone someone somebody everybody nobody few several most"
    " all both none".split()
)
#: Relative pronouns, which PolNeAR marks as sources ("Ada Marr, who said ..."): the speaker is
#: the name or noun phrase they refer back to, not the pronoun.
_RELATIVES = frozenset({"who", "which", "that"})
#: What may stand between a relative pronoun and the name it refers back to: a comma, a party
#: and state in brackets ("Sen. Ada Marr (D-Ore.), who ..."), a line break.
_TO_ANTECEDENT = re.compile(r"\s*(?:\([^()\n]{0,40}\))?\s*,?\s*")
#: A person's apposition up to an organisation or place that ends it: ", a law professor at ".
_APPOSITION = re.compile(r",\s+(?:a|an|the)\s[^,;.\n]{0,80}")
#: Parts of speech of a noun phrase read back from its last word ("local health officials").
_NOUN_PHRASE_POS = frozenset({"NOUN", "PROPN", "ADJ", "DET", "NUM"})
_NOUN_PHRASE_WORDS = 6


# -- quotations -------------------------------------------------------------------------------


def _text(doc: Doc) -> str:
    """``doc.text``, computed once per document: spaCy joins every token again on each call,
    and the attribution rules ask for it inside loops (a page of 10,000 words took minutes)."""
    text: str | None = doc.user_data.get(_TEXT_KEY)
    if text is None:
        text = doc.user_data[_TEXT_KEY] = doc.text
    return text


_TEXT_KEY = "storyline_text"


def find_quotations(text: str) -> list[tuple[int, int]]:
    """Spans of quoted passages, marks included. A paragraph that ends inside a quotation
    closes it there (the next paragraph reopens it with a new mark, by news convention).
    Straight marks (``"`` and the ``''`` of some newsrooms) open and close in turn."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    index = 0
    while index < len(text):
        char = text[index]
        width = 2 if text.startswith("''", index) or text.startswith("``", index) else 1
        if char == "\n":
            if start is not None and index - start > 3:
                spans.append((start, index))
            start = None
        elif char == '"' or width == 2:
            if start is None:
                start = index
            else:
                spans.append((start, index + width))
                start = None
        elif char in "“«":
            start = index
        elif char in "”»" and start is not None:
            spans.append((start, index + 1))
            start = None
        index += width
    if start is not None and len(text) - start > 3:
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if e - s > 3]


# -- the model --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def cue_model() -> tuple[dict[str, float], float]:
    path = resources.files("storyline") / "data" / "quote_model.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["weights"], float(data["bias"])


def cue_features(token: Token, quotes: list[tuple[int, int]]) -> list[str]:
    """Features of one candidate cue (shared by training and use, so they cannot drift)."""
    children = list(token.children)
    deps = {child.dep_ for child in children}
    lemma = lemma_of(token).lower()
    in_quote = any(s < token.idx < e for s, e in quotes)
    sent = token.sent
    near_quote = any(
        (sent.start_char <= s < sent.end_char or sent.start_char < e <= sent.end_char)
        and not (s < token.idx < e)
        for s, e in quotes
    )
    subject = next((c for c in children if c.dep_ in _SUBJECTS), None)
    subject_kind = "none"
    if subject is not None:
        if subject.pos_ == "PRON":
            subject_kind = "pron"
        elif subject.ent_type_:
            subject_kind = "ent:" + subject.ent_type_
        else:
            subject_kind = subject.pos_
    colon = token.i + 1 < len(token.doc) and token.doc[token.i + 1].text == ":"
    shape = f"ccomp={'ccomp' in deps}|subj={subject is not None}|quote={near_quote}|in={in_quote}"
    features = [
        f"lemma={lemma}",
        f"tag={token.tag_}",
        f"dep={token.dep_}",
        f"shape={shape}",
        f"lemma_shape={lemma}|{shape}",
        f"lemma_dep={lemma}|{token.dep_}",
        f"subj={subject_kind}",
        f"lemma_subj={lemma}|{subject_kind}",
        f"head_lemma={lemma_of(token.head).lower() if token.head.i != token.i else 'ROOT'}",
        f"colon={colon}",
        f"in_quote={in_quote}",
    ]
    features += [f"child={d}" for d in sorted(deps)]
    features += [
        f"lemma_child={lemma}|{d}"
        for d in sorted(deps)
        if d in ("ccomp", "dobj", "xcomp", "prep", "prt", "agent")
    ]
    return features


def is_candidate(token: Token) -> bool:
    if token.pos_ == "VERB":
        return True
    return (
        token.lower_ == "according"
        and token.i + 1 < len(token.doc)
        and (token.doc[token.i + 1].lower_ == "to")
    )


def cue_probability(features: list[str], weights: dict[str, float], bias: float) -> float:
    score = bias + sum(weights.get(feature, 0.0) for feature in features)
    return 1.0 / (1.0 + math.exp(-score))


# -- spans ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Found:
    cue: Token
    speaker: tuple[int, int] | None
    content: tuple[tuple[int, int], ...]
    speaker_head: Token | None
    #: The cue model's probability; None for a quote found by its layout.
    confidence: float | None = None
    #: The cue's character span when it is more than the one token ``cue`` ("according to").
    cue_span: tuple[int, int] | None = None


def _trim(tokens: list[Token]) -> tuple[int, int]:
    while len(tokens) > 1 and (tokens[-1].text in _EDGE_PUNCT or tokens[-1].is_space):
        tokens = tokens[:-1]
    while len(tokens) > 1 and (tokens[0].text in _EDGE_PUNCT or tokens[0].is_space):
        tokens = tokens[1:]
    return tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)


def _speaker_of(cue: Token) -> Token | None:
    """The head token of the cue's speaker."""
    if cue.lower_ == "according":
        to = next((c for c in cue.children if c.lower_ == "to"), None)
        return next((c for c in to.children if c.dep_ == "pobj"), None) if to else None
    for child in cue.children:
        if child.dep_ == "agent":
            by = next((c for c in child.children if c.dep_ == "pobj"), None)
            if by is not None:
                return by
    subject = next((c for c in cue.children if c.dep_ in ("nsubj", "csubj")), None)
    if subject is not None:
        return subject
    if cue.dep_ in ("advcl", "xcomp", "conj") and cue.head.i != cue.i:
        return _speaker_of(cue.head)
    if cue.dep_ == "relcl":
        return cue.head
    if cue.dep_ == "acl" and cue.head.dep_ in ("dobj", "pobj") and cue.head.head.i != cue.i:
        # "defended the proposition, stressing that ...": the one who defended it
        return _speaker_of(cue.head.head) if cue.head.head.pos_ == "VERB" else None
    following = cue.doc[cue.i + 1] if cue.i + 1 < len(cue.doc) else None
    if following is not None and following.pos_ == "PROPN":
        return following  # inverted, the parser missing it: "Said Ellis, ..."
    # Otherwise the subject of the nearest clause above ("... was able to tout", "telling").
    head = cue.head
    for _ in range(3):
        if head.i == cue.i or head.sent.start != cue.sent.start:
            break
        subject = next((c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is not None and subject.i != cue.i:
            return subject
        if head.head.i == head.i:
            break
        head = head.head
    return None


def _speaker_span(head: Token, cue: Token) -> tuple[int, int]:
    if cue.dep_ == "relcl" and head.i == cue.head.i:
        tokens = [t for t in head.subtree if t.i <= head.i]
        return _trim(tokens)
    inside_cue = {t.i for t in cue.subtree}
    tokens = [t for t in head.subtree if not (t.i >= cue.i and t.i in inside_cue)]
    # Stop at a relative clause or apposition that runs past the cue: keep the noun phrase.
    tokens = [t for t in tokens if t.i < cue.i or head.i > cue.i]
    if not tokens:
        tokens = [head]
    # The small model often leaves a title or an organisation out of a name's subtree
    # ("said Liwa Shuhada al-Islam representative Said Naqrash"): take the words before it.
    doc = head.doc
    first = min(t.i for t in tokens)
    while head.i > cue.i and first - 1 > cue.i:
        previous = doc[first - 1]
        if previous.pos_ in ("PROPN", "NOUN", "ADJ") or previous.text == "-":
            first -= 1
        else:
            break
    tokens = [doc[i] for i in range(first, min(t.i for t in tokens))] + tokens
    return _trim(tokens)


def _content_of(
    cue: Token, quotes: list[tuple[int, int]], speaker: Token | None
) -> list[tuple[int, int]]:
    doc = cue.doc
    if cue.lower_ == "according":
        clause = cue.head
        while clause.pos_ not in ("VERB", "AUX") and clause.head.i != clause.i:
            clause = clause.head
        phrase = set(cue.subtree)
        tokens = [t for t in clause.subtree if t not in phrase]
        before = [t for t in tokens if t.i < cue.i]
        after = [t for t in tokens if t.i > cue.i]
        side = after if len(after) >= len(before) else before
        return [_trim(side)] if side else []
    para_start, para_end = _paragraph(cue)
    left, right = cue.idx, cue.idx + len(cue.text)
    if speaker is not None:
        left, right = min(left, speaker.left_edge.idx), max(right, speaker.idx + len(speaker))
    beside = [
        (s, e)
        for s, e in quotes
        if not (s < cue.idx < e)
        and para_start <= s < para_end
        # next to the cue and speaker: "“X,” he said", "he said: “X”", not a quote elsewhere
        # in a long sentence or after the sentence ended
        and (
            (
                0 <= left - e <= _QUOTE_GAP
                and not _SENTENCE_END.search(_text(doc)[e:left])
                # “The probe is ongoing.” He said ...: a full stop inside the closing mark
                # ended that sentence; the quotation is not this cue's.
                and not _text(doc)[s:e].rstrip("”\"'` ").endswith(".")
            )
            or (0 <= s - right <= _QUOTE_GAP and not _SENTENCE_END.search(_text(doc)[right:s]))
        )
    ]
    if cue.dep_ == "parataxis" and not beside:
        # "The museum, Mr. Obama said, would make visitors ...": what was said is the clause
        # the cue interrupts, on both sides of it.
        inner = set(t.i for t in cue.subtree)
        tokens = [
            t for t in cue.head.subtree if t.i not in inner and para_start <= t.idx < para_end
        ]
        return _runs(tokens)
    runs = _complement_runs(cue, speaker)
    if runs:
        start, end = runs[0][0], runs[-1][1]
        # A complement that runs into a quotation takes the whole quotation.
        touched = False
        for s, e in quotes:
            if s < end and e > start:
                start, end = min(start, s), max(end, e)
                touched = True
        # The complement is what was said when no quotation stands beside the cue, when it
        # holds them, when it is a clause the cue introduces, or when the quotations beside are
        # short (a show's name, scare quotes: 'said on ''This Week'' that ...'); otherwise the
        # quotation beside the cue is.
        if (
            not beside
            or any(s >= start and e <= end for s, e in beside)
            or any(c.dep_ in _CONTENT_DEPS for c in cue.children)
            or all(len(_text(doc)[s:e].split()) <= _SHORT_QUOTATION for s, e in beside)
        ):
            return [(start, end)] if touched else runs
    if beside:
        return sorted(beside)
    colon = cue.i + 1 < len(doc) and doc[cue.i + 1].text == ":"
    if colon:
        following = [(s, e) for s, e in quotes if s >= doc[cue.i + 1].idx]
        if following:
            return [following[0]]
    return []


#: "warned of X", "called for X": what was said is X, without the preposition.
_DROPPED_PREPS = frozenset({"about", "for", "on", "of"})


def _complement_runs(cue: Token, speaker: Token | None) -> list[tuple[int, int]]:
    """What the cue introduces: its clausal complement, else its object together with what
    completes it ("called it “a disaster”"), else an "of/about" phrase ("warned of ...")."""
    start, end = _paragraph(cue)
    children = [
        c for c in cue.children if (speaker is None or c.i != speaker.i) and start <= c.idx < end
    ]
    after = [c for c in children if c.i > cue.i]
    # A clausal complement may come first ("“We are ready,” he said"); objects follow the cue.
    # Of several, the nearest: the parser sometimes hangs the next clause on the cue too.
    complement = sorted(
        (c for c in children if c.dep_ in _CONTENT_DEPS), key=lambda c: abs(c.i - cue.i)
    )[:1]
    if not complement:
        complement = [
            c
            for c in after
            if c.dep_ in _OBJECT_DEPS
            # "told reporters": the object of "tell" is who listened, not what was said
            and not (c.dep_ == "dobj" and lemma_of(cue).lower() == "tell")
        ]
        if complement:
            # "thanked his supporters for ...", "view Clinton as ...": the phrase that
            # completes the object belongs to what was said.
            last = max(c.i for c in complement)
            complement += [
                c
                for c in after
                if c.dep_ == "prep" and c.i > last and c.lower_ in ("for", "as", "of")
            ]
    if not complement:
        complement = [
            c
            for c in after
            if c.dep_ == "prep" and c.lower_ in ("of", "about", "for", "on", "that")
        ][:1]
    if not complement:
        # "said in a statement that ...": the parser hangs the clause on the noun.
        complement = [
            clause
            for prep in after
            if prep.dep_ == "prep"
            for noun in prep.children
            if noun.dep_ == "pobj"
            for clause in noun.children
            if clause.dep_ in ("acl", "ccomp", "relcl")
            and any(m.dep_ == "mark" and m.lower_ == "that" for m in clause.children)
        ][:1]
    if not complement:
        return []
    tokens = [t for child in complement for t in child.subtree if start <= t.idx < end]
    tokens.sort(key=lambda t: t.i)
    if len(tokens) > 1 and tokens[0].dep_ == "prep" and tokens[0].lower_ in _DROPPED_PREPS:
        tokens = tokens[1:]  # "warned of X", "called for X": what was said is X
    # Asides set off by a comma or dash ("..., which subsidizes single parents", "economies -
    # which include Europe - will grow") are the writer's, not what was said.
    aside: set[int] = set()
    for token in tokens:
        if token.dep_ in _ASIDE_DEPS and token.left_edge.i > tokens[0].i:
            before = token.doc[token.left_edge.i - 1]
            if before.text in (",", "-", "—", "–") and before.i not in aside:
                aside.update(t.i for t in token.subtree)
                aside.add(before.i)
    return _runs([t for t in tokens if t.i not in aside])


def _runs(tokens: list[Token]) -> list[tuple[int, int]]:
    """Contiguous runs of tokens as trimmed spans (punctuation-only runs dropped)."""
    runs: list[list[Token]] = []
    for token in sorted(tokens, key=lambda t: t.i):
        if runs and token.i == runs[-1][-1].i + 1:
            runs[-1].append(token)
        else:
            runs.append([token])
    return [_trim(run) for run in runs if any(not (t.is_punct or t.is_space) for t in run)]


def _paragraph(token: Token) -> tuple[int, int]:
    """Character bounds of the paragraph (line) holding the token: spans never cross it."""
    text = _text(token.doc)
    start = text.rfind("\n", 0, token.idx) + 1
    end = text.find("\n", token.idx)
    return start, len(text) if end < 0 else end


#: Verbs that raise their subject out of what is believed: "the vote is expected to pass"
#: reports (someone's) expectation that the vote passes, so the subject belongs to the content
#: and the source goes unnamed.
_RAISING = frozenset({"seem", "appear"})
_RAISING_PASSIVE = frozenset({"expect", "believe", "think", "say", "report", "project"})


def _raised_content(cue: Token) -> list[tuple[int, int]]:
    lemma = lemma_of(cue).lower()
    passive = any(c.dep_ == "auxpass" for c in cue.children)
    if not (lemma in _RAISING or (passive and lemma in _RAISING_PASSIVE)):
        return []
    subject = next((c for c in cue.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    clause = next((c for c in cue.children if c.dep_ == "xcomp" and c.i > cue.i), None)
    if subject is None or clause is None or subject.i > cue.i:
        return []
    start, end = _paragraph(cue)
    tokens = [t for t in (*subject.subtree, *clause.subtree) if start <= t.idx < end]
    return _runs(tokens)


def _outside_quotations(
    speaker: Token | None, cue: Token, quotes: list[tuple[int, int]]
) -> Token | None:
    """A speaker the parse found inside a quotation the cue is not in ("“We were wrong,” Ramos,
    58, told AFP": the parser's subject is "We") is the name between the quotation and the cue,
    if there is one."""
    if speaker is None:
        return None
    inside = next(((s, e) for s, e in quotes if s <= speaker.idx < e), None)
    if inside is None or inside[0] <= cue.idx < inside[1]:
        return speaker
    nearby = cue.doc[max(0, cue.i - 12) : cue.i]
    between = [t for t in nearby if t.idx >= inside[1] and t.pos_ in ("PROPN", "PRON")]
    return between[0] if between else None


#: How quotes are found: "tagger" (the learned tagger, the default) or "rules" (the cue model
#: and the parse). Read from ``STORYLINE_QUOTES`` when the stage runs.
METHODS = ("tagger", "rules")
TAGGER_PIPE = "storyline_quote_tagger"

if not Doc.has_extension("attribution_tags"):
    Doc.set_extension("attribution_tags", default=None)


@Language.component(TAGGER_PIPE)
def _tag_doc(doc: Doc) -> Doc:
    """The tagger as a spaCy component, so that it runs wherever the parse runs (in each
    analysis worker process, :func:`storyline.analysis.pipeline.analyze`). Plain lists, as
    a doc's user data must be to travel between processes."""
    doc._.attribution_tags = [[t.role, t.start, t.end, t.confidence] for t in tag(doc.text)]
    return doc


def quote_method() -> str:
    method = os.environ.get("STORYLINE_QUOTES", "tagger")
    if method not in METHODS:
        raise StorylineError(f"STORYLINE_QUOTES={method!r}: use one of {', '.join(METHODS)}")
    return method


def doc_tags(doc: Doc) -> list[Tagged]:
    """The tagger's spans of a doc: from the component if it ran, else tagged now."""
    stored = doc._.attribution_tags
    if stored is None:
        return tag(_text(doc))
    return [Tagged(str(role), int(start), int(end), float(p)) for role, start, end, p in stored]


def find_attributions(doc: Doc, *, method: str = "tagger") -> list[_Found]:
    quotes = find_quotations(_text(doc))
    if method == "tagger":
        found = tagged_attributions(doc, doc_tags(doc), quotations=quotes)
    else:
        found = _rule_attributions(doc, quotes)
    found = _attach_continuations(found, quotes, doc)
    labelled = _labelled_lines(doc) + _signed_quotes(doc, quotes)
    if labelled:
        if method == "tagger":
            # A transcript's "NAME:" label is the layout's to read: a tagged content that runs
            # over the label goes, and so does the tagger's own reading of the label's colon
            # as a cue (it sees one window, not the turn: it may end the turn's words at the
            # first sentence, where the layout runs them on to the next label); otherwise the
            # tagger's reading of the line stands.
            labels = [item.cue.idx for item in labelled]
            found = [
                item
                for item in found
                if item.cue.idx not in labels
                and not any(s <= label < e for s, e in item.content for label in labels)
            ]
            taken = [span for item in found for span in item.content]
            labelled = [
                item
                for item in labelled
                if not any(s < item.content[0][1] and item.content[0][0] < e for s, e in taken)
            ]
        else:
            taken_exact = {span for item in found for span in item.content}
            labelled = [item for item in labelled if item.content[0] not in taken_exact]
        found = sorted(found + labelled, key=lambda item: item.cue.i)
    return found


def _rule_attributions(
    doc: Doc, quotes: list[tuple[int, int]], *, threshold: float = CUE_THRESHOLD
) -> list[_Found]:
    weights, bias = cue_model()
    found: list[_Found] = []
    for token in doc:
        if not is_candidate(token):
            continue
        probability = cue_probability(cue_features(token, quotes), weights, bias)
        if probability < threshold:
            continue
        confidence = round(probability, 3)
        raised = _raised_content(token)
        if raised:
            found.append(_Found(token, None, tuple(raised), None, confidence))
            continue
        speaker_head = _outside_quotations(_speaker_of(token), token, quotes)
        content = _content_of(token, quotes, speaker_head)
        if not content:
            continue
        speaker = _speaker_span(speaker_head, token) if speaker_head is not None else None
        found.append(_Found(token, speaker, tuple(content), speaker_head, confidence))
    return found


#: A tagged cue counts when the model's mean probability of its labels is at least this.
TAGGED_CUE_THRESHOLD = 0.5

#: Paragraphs back that a content with no cue of its own may look for one ("“...,” he
#: said.¶“More.”": a quotation running on into the next paragraph).
_CONTINUED_PARAGRAPHS = 1
_OF_BEFORE = re.compile(r"\bof\s+$")


def tagged_attributions(
    doc: Doc,
    spans: list[Tagged],
    *,
    link: Linker | None = None,
    quotations: list[tuple[int, int]] | None = None,
) -> list[_Found]:
    """Attributions from the tagger's spans.

    The tagger marks roles, not which cue each span belongs to. A cue it is unsure of
    (``TAGGED_CUE_THRESHOLD``) is dropped. Contents are grouped by the annotation
    convention: a content goes to the nearest cue of its paragraph (else to the last cue of
    the paragraph before: a quotation running on), unless it goes on the content before it
    in the same sentence with no cue between; a cue left with none takes the direct
    quotation beside it. A cue whose content stops where another attribution starts holds
    that attribution ("X said that Y believes Z": X's content is "that Y believes Z"),
    because training paints the inner cue and source over the outer content; a closed
    quotation holds nothing.
    Which of its paragraph's sources a cue takes, if any (several cues may share one: "X
    said ... and added ..."; some have none: "seemed"), is learned: ``link``, by default
    :func:`linked_source`. ``quotations``: :func:`find_quotations` of the text, when the
    caller has them already.
    """
    link = link or linked_source
    text = _text(doc)
    breaks = [match.start() for match in re.finditer("\n", text)]

    def paragraph(position: int) -> int:
        return bisect.bisect_right(breaks, position)

    by_role: dict[str, list[Tagged]] = {role: [] for role in ROLES}
    for span in spans:
        if span.role != "content":
            by_role[span.role].append(span)
            continue
        # A content is one fragment per paragraph (the scorer reads characters, not fragments;
        # a reader sees where each paragraph's words are).
        position = span.start
        for line in text[span.start : span.end].split("\n"):
            piece = _trimmed(text, replace(span, start=position, end=position + len(line)))
            if piece is not None:
                by_role["content"].append(piece)
            position += len(line) + 1
    _names_back(doc, by_role)
    by_role["source"] = _whole_sources(text, by_role["source"], spans, by_role["cue"])
    # A cue the model is less sure of than of all other readings together is no cue: its
    # words go to the cues around it (fixed at the model's even odds, like the linker's).
    cues = [cue for cue in by_role["cue"] if cue.confidence >= TAGGED_CUE_THRESHOLD]
    # A cue right after "of" is a verb inside another attribution's words ("accused Turkey
    # ... of continuing to support 'terrorist' groups"), not speech of its own: its words are
    # content. (Held-out train: 1 tagged cue in 84 articles, not a gold cue; 3 gold cues of
    # 1,683 follow "of", none tagged.)
    nested = {
        cue: of.start()
        for cue in cues
        if (of := _OF_BEFORE.search(text, max(0, cue.start - 8), cue.start))
    }
    if nested:
        cues = [cue for cue in cues if cue not in nested]
        by_role["content"] += [
            replace(cue, role="content", start=start) for cue, start in nested.items()
        ]
    if not cues:
        return []
    cue_paragraphs = [paragraph(cue.start) for cue in cues]
    owned: dict[int, list[Tagged]] = {index: [] for index in range(len(cues))}
    last: tuple[Tagged, int] | None = None  # the previous content and the cue it went to
    for said in sorted(by_role["content"], key=lambda span: span.start):
        here = paragraph(said.start)
        same = [i for i, at in enumerate(cue_paragraphs) if at == here]
        if same:
            owner = min(same, key=lambda i: _gap(cues[i], said))
            if last is not None and _continues(text, last[0], said, cues):
                owner = last[1]
            owned[owner].append(said)
            last = (said, owner)
            continue
        before = [
            i
            for i, cue in enumerate(cues)
            if cue.end <= said.start and here - cue_paragraphs[i] <= _CONTINUED_PARAGRAPHS
        ]
        if before:
            owned[before[-1]].append(said)
    _quotations_beside(text, cues, owned, by_role["source"], quotations)
    # What each cue says after it, first to last fragment: a "source" inside another cue's
    # words is part of them ("accused Turkey, one of the sponsors, of ...": "one" is no
    # speaker of the next cue).
    said_after = {
        index: (min(after), max(span.end for span in owned[index]))
        for index, cue in enumerate(cues)
        if (after := [span.start for span in owned[index] if span.start >= cue.end])
    }
    claimed = sorted((span.start, span.end) for span in (*cues, *by_role["source"]))
    # A source set off by commas right after a cue's words is an apposition inside them
    # ("accused Turkey, one of the sponsors, of ..."): nobody's speaker.
    appositions = {
        source.start
        for source in by_role["source"]
        for pieces in owned.values()
        for piece in pieces
        if _APPOSITION_BEFORE.fullmatch(text, piece.end, source.start)
        and _APPOSITION_AFTER.match(text, source.end)
    }
    found: list[_Found] = []
    for index, cue in enumerate(cues):
        contents = sorted(owned[index], key=lambda span: span.start)
        if not contents:
            continue
        here = cue_paragraphs[index]
        sources = [
            s
            for s in by_role["source"]
            if paragraph(s.start) == here
            and s.start not in appositions
            and not any(c.start <= s.start < c.end for c in contents)
            and not any(
                start <= s.start < end
                for other, (start, end) in said_after.items()
                if other != index
            )
        ]
        source = link(doc, cue, sources, cues, contents) if sources else None
        content = _joined(
            text,
            claimed,
            _holding_inner(
                text,
                [(span.start, span.end) for span in contents],
                cue,
                index,
                cues,
                owned,
                by_role["source"],
            ),
        )
        cue_tokens = doc.char_span(cue.start, cue.end, alignment_mode="expand")
        if cue_tokens is None or not len(cue_tokens):
            continue
        head = None
        if source is not None:
            source_tokens = doc.char_span(source.start, source.end, alignment_mode="expand")
            # The parse may be absent on this path: an English noun phrase ends in its head.
            head = source_tokens[-1] if source_tokens is not None and len(source_tokens) else None
        found.append(
            _Found(
                _cue_word(cue_tokens),
                (source.start, source.end) if source is not None else None,
                tuple(content),
                head,
                cue.confidence,
                (cue.start, cue.end),
            )
        )
    return found


def _quotations_beside(
    text: str,
    cues: list[Tagged],
    owned: dict[int, list[Tagged]],
    sources: list[Tagged],
    quotations: list[tuple[int, int]] | None,
) -> None:
    """A cue the tagger gave no content takes the direct quotation beside it: one that ends
    where its clause begins ('“...,” the minister said', with nothing but a source, spaces
    and a comma between) or opens where it ends ('said: “...”'), in one paragraph. The
    tagger sometimes reads a cue inside the quotation ("... and believes that ...") as the
    only one and gives it the words, leaving the speaker's own "said" with none; the marks
    say whose words they are. A quotation another cue holds whole stays that cue's."""
    if all(owned.values()):  # every cue has words: nothing to look for
        return
    held = [span for spans in owned.values() for span in spans]
    source_chars = {i for span in sources for i in range(span.start, span.end)}
    if quotations is None:
        quotations = find_quotations(text)

    def only_joiners(start: int, end: int) -> bool:
        return all(text[i] in " \t,:" or i in source_chars for i in range(start, end))

    for index, cue in enumerate(cues):
        if owned[index]:
            continue
        beside = [
            (start, end)
            for start, end in quotations
            if (end <= cue.start and only_joiners(end, cue.start))
            or (start >= cue.end and only_joiners(cue.end, start))
        ]
        free = [
            (start, end)
            for start, end in beside
            if not any(span.start <= start + 1 and span.end >= end - 1 for span in held)
        ]
        if free:
            start, end = min(free, key=lambda q: max(0, q[0] - cue.end, cue.start - q[1]))
            owned[index].append(Tagged("content", start, end, cue.confidence))


#: Chooses a cue's source among the candidates of its paragraph, or none:
#: (doc, cue, candidates, every cue, the cue's contents) -> source.
Linker = Callable[[Doc, Tagged, list[Tagged], list[Tagged], list[Tagged]], "Tagged | None"]
#: A candidate is a cue's source when the linker gives it at least this probability (the
#: logistic model's own even odds, fixed before any scoring).
LINK_THRESHOLD = 0.5
_WORDS = re.compile(r"\w+")


@lru_cache(maxsize=1)
def source_model() -> tuple[dict[str, float], float]:
    path = resources.files("storyline") / "data" / "source_model.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["weights"], float(data["bias"])


def _bucket(count: int) -> str:
    for limit, name in ((0, "0"), (1, "1"), (2, "2"), (5, "3-5"), (10, "6-10"), (20, "11-20")):
        if count <= limit:
            return name
    return "21+" if count <= 40 else "41+"


def link_features(
    doc: Doc,
    cue: Tagged,
    source: Tagged,
    candidates: list[Tagged],
    cues: list[Tagged],
    contents: list[Tagged],
) -> list[str]:
    """Features of one (cue, candidate source) pair, shared by training
    (``scripts/train_source_linker.py``) and use, so they cannot drift: where the candidate
    lies (side, words between, same sentence, how many candidates are nearer), what lies
    between (other cues and sources, the cue's own content, a comma, a quotation mark), what
    the candidate is (a pronoun, a "who", a name) and which cue it is (lemma, tag)."""
    text = _text(doc)
    if source.end <= cue.start:
        side, low, high = "before", source.end, cue.start
    elif source.start >= cue.end:
        side, low, high = "after", cue.end, source.start
    else:
        side, low, high = "overlap", cue.start, cue.start
    between = text[low:high]
    words = _bucket(len(_WORDS.findall(between)))
    rank = sum(_gap(other, cue) < _gap(source, cue) for other in candidates)
    cue_tokens = doc.char_span(cue.start, cue.end, alignment_mode="expand")
    source_tokens = doc.char_span(source.start, source.end, alignment_mode="expand")
    nearest_cue = min(cues, key=lambda other: _gap(other, source)) is cue
    features = [
        f"side={side}",
        f"words={side}|{words}",
        f"rank={min(rank, 2)}",
        f"cues_between={min(sum(low <= c.start < high for c in cues), 2)}",
        f"sources_between={min(sum(low <= c.start < high for c in candidates), 2)}",
        f"contents_between={any(low <= c.start < high for c in contents)}",
        f"comma_between={',' in between}",
        f"mark_between={any(mark in between for mark in OPENING + '”')}",
        f"nearest_cue={nearest_cue}",
        f"candidates={min(len(candidates), 3)}",
    ]
    if not cue_tokens or not source_tokens:  # offsets off the tokens: where they lie only
        return features
    word = _cue_word(cue_tokens)
    lemma = lemma_of(word).lower()
    first, head = source_tokens[0], source_tokens[-1]
    return [
        *features,
        f"sentence={'same' if first.sent.start == cue_tokens[0].sent.start else 'other'}",
        f"source_first={first.lower_ if first.tag_ in ('PRP', 'WP', 'WDT', 'DT') else first.tag_}",
        f"source_head={head.tag_}",
        f"source_words={min(len(source_tokens), 4)}",
        f"cue={lemma}",
        f"cue_side={lemma}|{side}",
        f"cue_tag={word.tag_}",
        f"cue_words={min(len(cue_tokens), 3)}",
    ]


def linked_source(
    doc: Doc,
    cue: Tagged,
    candidates: list[Tagged],
    cues: list[Tagged],
    contents: list[Tagged],
) -> Tagged | None:
    """The candidate the source linker finds most probable, if it is probable enough.

    Why a learned linker and not the nearest source: in PolNeAR one attribution in 14 has
    no source ("seemed", "signs of", "is expected"), and a paragraph's sources are shared
    out among several cues. With gold role spans, the nearest source gave a wrong or
    unwanted source to 9% of the attributions of held-out train articles (bench/RESULTS.md).
    Logistic regression over :func:`link_features`, trained on PolNeAR train."""
    weights, bias = source_model()
    best, best_probability = None, 0.0
    for candidate in candidates:
        probability = cue_probability(
            link_features(doc, cue, candidate, candidates, cues, contents), weights, bias
        )
        if probability > best_probability:
            best, best_probability = candidate, probability
    return best if best_probability >= LINK_THRESHOLD else None


#: Auxiliaries and modals a multi-word cue starts with ("did not deny", "would say").
_AUXILIARIES = frozenset("be do have will would shall should can could may might must".split())


def _cue_word(tokens: Iterable[Token]) -> Token:
    """The word a cue span turns on, without the parse: its first verb that is no auxiliary
    ("declined to comment": declined; "did not deny": deny), else its first word."""
    words = list(tokens)
    for token in words:
        if token.tag_.startswith("VB") and lemma_of(token).lower() not in _AUXILIARIES:
            return token
    return words[0]


def _names_back(doc: Doc, by_role: dict[str, list[Tagged]]) -> None:
    """A "cue" that spaCy tags as a proper noun next to a source is part of a name: the
    tagger reads lower-cased word pieces, so "representative Said Naqrash" looks to it like
    "representative said Naqrash". The word and the sources beside it become one source."""
    sources = by_role["source"]
    for cue in list(by_role["cue"]):
        tokens = doc.char_span(cue.start, cue.end, alignment_mode="expand")
        if tokens is None or len(tokens) != 1 or tokens[0].tag_ != "NNP":
            continue
        beside = [
            s
            for s in sources
            if not _text(doc)[min(s.end, cue.end) : max(s.start, cue.start)].strip()
        ]
        if not beside:
            continue
        merged = Tagged(
            "source",
            min(s.start for s in (*beside, cue)),
            max(s.end for s in (*beside, cue)),
            min(s.confidence for s in (*beside, cue)),
        )
        by_role["cue"].remove(cue)
        sources[:] = sorted(
            [s for s in sources if s not in beside] + [merged], key=lambda s: s.start
        )


#: What no content starts or ends with, by the annotation convention: the comma, dash or
#: colon that joins it to the rest of its sentence. (Quotation marks and full stops stay: direct
#: content keeps its marks.)
_JOINERS = " \t\n\u00a0,;:—–-"


#: A lone apostrophe before a space opens nothing: the second half of a newsroom's ''.
_STRAY_MARK = re.compile(r"^['’`]+\s+")


def _trimmed(text: str, span: Tagged) -> Tagged | None:
    piece = text[span.start : span.end]
    stray = _STRAY_MARK.match(piece)
    if stray is not None:
        span = replace(span, start=span.start + stray.end())
        piece = piece[stray.end() :]
    start = span.start + len(piece) - len(piece.lstrip(_JOINERS))
    end = span.start + len(piece.rstrip(_JOINERS))
    if end <= start:
        return None
    return replace(span, start=start, end=end)


def _joined(
    text: str, claimed: list[tuple[int, int]], content: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Fragments of one content as one span where no cue or source lies between them, in one
    paragraph: the model leaves a comma, a dash or a word inside a content outside it now and
    then ("... after a disappointing [third-place] finish"); the annotators marked one
    stretch. Chosen on PolNeAR train (content exact F1 0.5458 -> 0.5655; punctuation-only
    gaps alone gave 0.5533)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(content):
        if merged:
            gap_start = merged[-1][1]
            free = not any(s < start and e > gap_start for s, e in claimed)
            if free and "\n" not in text[gap_start:start]:
                merged[-1] = (merged[-1][0], max(gap_start, end))
                continue
        merged.append((start, end))
    return merged


#: Closing quotation marks: a sentence may end inside them; a content ending in one is a
#: closed quotation.
_CLOSING = "”\"'’"
_CLAUSE_END = re.compile(rf"[.!?][{_CLOSING}]*\s")
_APPOSITION_BEFORE = re.compile(r"\s*,\s*")
_APPOSITION_AFTER = re.compile(r"\s*,")
#: Words a noun phrase does not end in: a source the tagger stopped there ("one of the")
#: takes the words after it.
_OPEN_ENDS = frozenset("the a an of to for in on at by with and or from".split())
_NEXT_WORD = re.compile(r"\s+[\w'’-]+")
#: A prepositional postmodifier between a source and its cue ("the envoy [to the talks]
#: accused"): "to", "of" and "for" with up to four words, none capitalised after the
#: first, so that "on Tuesday" or "in a statement" (adverbials) stay out.
_POSTMODIFIER = re.compile(
    r"\s+(?:to|of|for)\s+(?:the\s+|a\s+|an\s+)?[A-Za-z][\w'’-]*(?:\s+[a-z][\w'’-]*){0,2}?\s+"
)


def _whole_sources(
    text: str, sources: list[Tagged], spans: list[Tagged], cues: list[Tagged]
) -> list[Tagged]:
    """Sources as whole noun phrases: the tagger sometimes stops one at a function word
    ("one of the" sponsors) or before a postmodifier that runs up to the cue ("The Syrian
    government's envoy" to the talks accused); PolNeAR's sources are the whole phrase. Only
    untagged words are taken. Chosen on held-out train (source exact 0.7151 -> 0.7172, the
    apposition rule included)."""
    cue_starts = {cue.start for cue in cues}
    whole = []
    for source in sources:
        end = source.end
        for _ in range(3):
            words = text[source.start : end].split()
            following = _NEXT_WORD.match(text, end)
            if not words or words[-1].lower() not in _OPEN_ENDS or following is None:
                break
            if any(t.start < following.end() and t.end > end for t in spans if t != source):
                break
            end = following.end()
        modifier = _POSTMODIFIER.match(text, end)
        if modifier is not None and modifier.end() in cue_starts:
            end += len(modifier.group().rstrip())
        whole.append(replace(source, end=end) if end != source.end else source)
    return whole


def _continues(text: str, before: Tagged, said: Tagged, cues: list[Tagged]) -> bool:
    """Whether a content goes on the one before it: the same sentence, no cue between. The
    tagger may cut one content around words it reads as a source ("accused Turkey, [one of
    the sponsors], of continuing to support ... and urged ..."); the nearest cue would then
    take the second piece ("urged", five characters on, not "accused"), though a cue's words
    are not split by another's source without its cue."""
    between = text[before.end : said.start]
    return (
        "\n" not in between
        and _CLAUSE_END.search(between) is None
        and not any(before.end <= cue.start < said.start for cue in cues)
    )


def _gap(a: Tagged, b: Tagged) -> int:
    """Characters between two spans (0 when they touch or overlap)."""
    return max(0, b.start - a.end, a.start - b.end)


def _holding_inner(
    text: str,
    content: list[tuple[int, int]],
    cue: Tagged,
    index: int,
    cues: list[Tagged],
    owned: dict[int, list[Tagged]],
    sources: list[Tagged],
) -> list[tuple[int, int]]:
    """The last content run extended over an attribution that starts right after it."""
    last_start, last_end = content[-1]
    if last_start < cue.end or text[last_start:last_end].endswith(tuple(_CLOSING)):
        # A quotation closed: the source after it speaks it ('“...,” Beck joked'), it
        # holds nothing.
        return content
    starts = {s.start: s for s in sources} | {
        c.start: c for i, c in enumerate(cues) if i != index and owned[i]
    }
    following = next(
        (
            starts[position]
            for position in sorted(starts)
            # right after it, in the same paragraph
            if position >= last_end and not text[last_end:position].strip(" \t")
        ),
        None,
    )
    if following is None:
        return content
    inner = next(
        (
            i
            for i, c in enumerate(cues)
            if i != index
            and owned[i]
            and c.start >= following.start
            and "\n" not in text[following.start : c.start]
        ),
        None,
    )
    if inner is None:
        return content
    end = max(span.end for span in owned[inner])
    return [*content[:-1], (last_start, max(last_end, end))]


_LABEL = re.compile(
    r"^(?P<name>(?:[A-Z][\w.'’-]*)(?: [A-Z][\w.'’-]*){0,3}) ?: +(?P<content>\S.*)$",
    re.MULTILINE,
)
#: Line labels that are not speakers.
_NOT_SPEAKERS = frozenset(
    "note editor update updated photo photos video watch read related source sources"
    " correction disclosure q a advertisement caption".split()
)


_SIGNATURE = re.compile(r"\s*([―—–-])\s*([A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3})\.?\s*(?:\n|$)")


def _signed_quotes(doc: Doc, quotes: list[tuple[int, int]]) -> list[_Found]:
    """Epigraph style: “Words, words.” ― Name, at the end of a line."""
    found = []
    for start, end in quotes:
        match = _SIGNATURE.match(_text(doc), end)
        if match is None:
            continue
        cue = doc.char_span(match.start(1), match.end(1), alignment_mode="expand")
        if cue is None:
            continue
        found.append(_Found(cue[0], (match.start(2), match.end(2)), ((start, end),), None))
    return found


_NUMBER_ONLY = re.compile(r"^[\d,.%$ ]+$")


def _without_full_stop(text: str, item: _Found) -> _Found:
    (start, end), *rest = item.content
    line = text[start:end].rstrip()
    if rest or _opens_quotation(text, start) or not line.endswith("."):
        return item
    return replace(item, content=((start, start + len(line) - 1),))


def _labelled_lines(doc: Doc) -> list[_Found]:
    """Transcripts and headlines: "PENCE: Well, look, ..." — the label speaks the line. In a
    transcript (two labels or more) the unlabelled lines that follow belong to the last one."""
    text = _text(doc)
    found: list[_Found] = []
    for match in _LABEL.finditer(text):
        if match["name"].lower().rstrip(".") in _NOT_SPEAKERS:
            continue
        colon = doc.char_span(match.end("name"), match.start("content"), alignment_mode="expand")
        if colon is None:
            continue
        cue = next((t for t in colon if t.text == ":"), None)
        if cue is None:
            continue
        content_end = match.end("content")
        if _NUMBER_ONLY.match(match["content"]):
            continue  # a tally ("Pledged: 781."), not a line someone spoke
        found.append(
            _Found(
                cue,
                (match.start("name"), match.end("name")),
                ((match.start("content"), content_end),),
                None,
            )
        )
    if len(found) < 2:
        # A headline ("Warren: Trump Is a 'Proven Failure' in Business.") is reported
        # content, which drops its final full stop unless a quotation closes there.
        return [_without_full_stop(text, item) for item in found]
    # continuation lines of a transcript
    result = []
    for index, item in enumerate(found):
        limit = found[index + 1].speaker[0] if index + 1 < len(found) else len(text)  # type: ignore[index]
        spans = list(item.content)
        position = spans[-1][1]
        for line in re.finditer(r"[^\n]+", text[position:limit]):
            spans.append((position + line.start(), position + line.end()))
        result.append(replace(item, content=tuple(spans)))
    return result


def _attach_continuations(
    found: list[_Found], quotes: list[tuple[int, int]], doc: Doc
) -> list[_Found]:
    """A quotation with no cue of its own, right after a quoted attribution, continues it."""
    used = {span for item in found for span in item.content}
    covered = [span for item in found for span in item.content]
    result = list(found)
    for s, e in quotes:
        if (s, e) in used or any(a <= s and e <= b for a, b in covered):
            continue
        previous = [i for i, item in enumerate(result) if item.content[-1][1] <= s]
        if not previous:
            continue
        index = previous[-1]
        item = result[index]
        last_end = item.content[-1][1]
        gap = _text(doc)[last_end:s]
        if len(gap) < 200 and _opens_quotation(_text(doc), item.content[-1][0]):
            if "\n" in gap and not _opens_next_paragraph(_text(doc), gap, s, e):
                continue
            result[index] = replace(item, content=(*item.content, (s, e)))
    return result


_ENDS_SENTENCE = re.compile(r"[.!?][”\"'`]*\s*$")


def _opens_next_paragraph(text: str, gap: str, start: int, end: int) -> bool:
    """A whole quoted sentence that opens the paragraph right after the attribution goes on
    with it (“…,” she said.¶“More.”), as long as it is not attributed itself (checked by the
    caller: it has no cue)."""
    before, _, after = gap.rpartition("\n")
    paragraph_end = start - len(after) - 1
    return (
        not after.strip()
        and before.count("\n") <= 1
        and bool(_ENDS_SENTENCE.search(text, max(0, paragraph_end - 8), paragraph_end))
        and bool(_ENDS_SENTENCE.search(text, start, end))
    )


# -- speakers, roles, affiliations ------------------------------------------------------------


def _mention_at(mentions: tuple[Mention, ...], start: int, end: int) -> list[Mention]:
    return [m for m in mentions if m.start >= start and m.end <= end]


def describe_speaker(
    text: str, span: tuple[int, int], mentions: tuple[Mention, ...]
) -> tuple[str, str | None, str | None, str]:
    """(name, role, affiliation, kind) of a speaker mention span.

    The speaker is named by the head of the span: a dateline or kicker before a dash
    ("DAMASCUS, Syria (Reuters) - Government forces") and a relative clause after the head
    ("X, who is an ally of Y's government,") name no speaker.
    """
    start, end = _speaker_head(text, span)
    inside = _mention_at(mentions, start, end)
    persons = [m for m in inside if m.entity_label == "PERSON"]
    people = [m for m in persons if _may_speak(text, start, end, m)]
    words = text[start:end]
    if people:
        person = people[-1]
        # Another person named before this one ("the co-chairs, Ada Marr and Ivo Brandt",
        # "Mr Marr's wife, Lena") takes no part in this one's role: only the words after that
        # name can give it.
        since = max([start, *(m.end for m in persons if m.end <= person.start)])
        before = text[since : person.start].strip().rstrip(",").strip()
        after = text[person.end : end].strip().lstrip(",").strip()
        role, affiliation = _role_and_affiliation(before, text, start, inside, person)
        if role is None and after and text[person.end : end].lstrip().startswith(","):
            # "Dr Ada Marr, a virologist at ...": an honorific before the name is no role,
            # the apposition after it is.
            role, later = _role_and_affiliation(after, text, start, inside, person)
            affiliation = affiliation or later
        return person.canonical, role, affiliation, "person"
    surname, title = words.strip(), None
    titled = surname.split(maxsplit=1)
    if len(titled) == 2 and titled[0].lower().rstrip(".") in _TITLE_WORDS:
        # "Mr Marr", "Judge Marr": the person of that surname too, the title a role.
        surname = titled[1]
        if _looks_like_role(titled[0]) and not titled[0].isupper():
            title = titled[0]
    if surname[:1].isupper() and (" " not in surname or surname.isupper()):
        # The small model sometimes labels a lone surname ORG ("Brandt said"), and a
        # transcript's label in capitals ("VAN DER MEER:") is often no entity at all: the
        # person of that surname named in the article is meant.
        tail = " " + surname.casefold()
        named = {
            m.canonical
            for m in mentions
            if m.entity_label == "PERSON"
            and (" " + without_generation(m.canonical).casefold()).endswith(tail)
        }
        if len(named) == 1:
            return named.pop(), title, None, "person"
    # A name the model missed here but found elsewhere in the article ("BP said", "the White
    # House said", with "BP" and "White House" tagged in other sentences) is that entity.
    bare = _bare(words)
    if not inside and bare[:1].isupper():
        same = {
            (m.canonical, m.entity_label)
            for m in mentions
            if m.entity_label in ("PERSON", "ORG") and text[m.start : m.end] == bare
        }
        if len(same) == 1:
            canonical, label = same.pop()
            return canonical, None, None, "person" if label == "PERSON" else "organisation"
    groups = [m for m in inside if m.entity_label in ("ORG", "GPE", "NORP")]
    if groups and _bare(text[groups[0].start : groups[0].end]) == bare:
        kind = "organisation" if groups[0].entity_label == "ORG" else "place"
        return groups[0].canonical, None, None, kind
    possessive = words.split("'s ", 1) if "'s " in words else words.split("’s ", 1)
    if len(possessive) == 2:
        owner = possessive[0].removeprefix("The ").removeprefix("the ").strip()
        # "the BBC's Ada Marr in the capital": a name the model missed is no role either.
        # What an owner has speaks for it ("the ministry's report", "Marr's office", "the
        # agency's website"): a role only when it is somebody ("the agency's chief scientist").
        title = _title_only(possessive[1])
        said_as = title if title and _names_somebody(title) else None
        return words.strip(), said_as, owner, "description"
    return words.strip(), None, None, "description"


#: Words that put a name inside a phrase that names someone else: the object of a preposition
#: ("a senior adviser to Ada Marr", "Representatives of the cleric Ivo Brandt", "a book by
#: Lena Ost", "a commission set up by ..."). English prepositions, not words of any page.
_PREPOSITIONS = frozenset(
    "of to by for with under at from in on about against among between like including than"
    " via toward towards without behind near after before during despite amid over through"
    " within across around into upon".split()
)
#: Titles and honorifics, which may stand between a preposition and its name ("an adviser to
#: President Marr") without ending the phrase the way a capitalised name does ("Secretary of
#: State Ada Marr": "State" closes "of State", so Ada Marr is the one named).
_TITLE_WORDS = (TITLES | ROLE_NOUNS) - {"defence", "defense", "finance", "foreign", "interior"}


def _may_speak(text: str, start: int, end: int, person: Mention) -> bool:
    """Whether a person named in a speaker span can be its speaker: not when the name is an
    owner ("Marr's office", "Marr's family"), a modifier ("the Marr administration") or the
    object of a preposition ("an adviser to Ada Marr", "the daughter of the singer Lena Ost").

    Without a parse (the default pipeline has none), the words around the name decide. Back
    to the last comma, dash or bracket: a preposition reached across nothing but titles
    ("an adviser to President Marr") or across a determiner ("of the singer") makes the name
    its object; bare lowercase words after it belong to a title ("Head of security Ada Marr",
    "editor at large"); and a capitalised word of another kind keeps the name its speaker's
    when the preposition stands inside a name or title ("Secretary of State Ada Marr"), not
    when it follows a common word ("a spokesman for Veldora Gov. Ada Marr").
    """
    rest = text[person.end : end].strip()
    if rest.startswith(("'s", "’s")):
        rest = rest[2:].strip()
        if rest:  # "Marr's office"; "Mr Marr's" alone (the span cut there) is Marr
            return False
    elif person.text.endswith(("'s", "’s")) and rest:
        return False
    following = rest.split()[0].strip(".,;:") if rest else ""
    ahead = text[start : person.start].split()
    if (
        (" " not in person.text.strip() or (ahead and ahead[-1].lower() in _DETERMINERS))
        and following.isalpha()
        and following.islower()
        and following not in _NO_MODIFIER
        and not following.endswith("ly")
    ):
        return False
    segment = re.split(r"[,;(—–]|\s-{1,2}\s", text[start : person.start])[-1]
    words = [word.strip(".'’\"“”") for word in segment.split()]
    bare_words = determiner = capitalised = False
    for at in range(len(words) - 1, -1, -1):
        lowered = words[at].lower()
        if lowered in _PREPOSITIONS:
            if capitalised:
                # "Secretary of State NAME", "University of Kessel professor NAME": the
                # preposition is inside a name or title; "appointed by US President NAME",
                # "an adviser to French President NAME": it follows a common word.
                return at > 0 and words[at - 1][:1].isupper()
            return bare_words and not determiner
        if lowered in _DETERMINERS:
            determiner = True
        elif words[at][:1].isupper() and lowered not in _TITLE_WORDS:
            capitalised = True
        elif lowered not in _TITLE_WORDS:
            bare_words = True
    return True


#: Words that may follow a speaker's name inside its span without making the name a modifier
#: ("Ada Marr himself", "Ada Marr too", "Ada Marr Jr"); a lowercase noun after it does ("the
#: Marr administration", "Marr aides").
_AFTER_A_NAME = frozenset(
    "and or but nor himself herself themselves also too alone now then again jr sr".split()
)
_NO_MODIFIER = _PREPOSITIONS | _AFTER_A_NAME
_DETERMINERS = frozenset("the a an his her their its our my your this that these those".split())


#: Endings of English nouns of agents ("treasurer", "analyst", "economist", "correspondent",
#: "executive", "ombudsman"); "-ment" nouns are things ("government", "statement"), and so
#: is a "letter".
_AGENT_ENDING = re.compile(r"(?:er|or|ist|yst|ian|man|woman|person|ant|ent|ive)$")


def _names_somebody(role: str) -> bool:
    """Whether a description's role names a person: its head noun is a title or a function
    word, or a noun of an agent ("the agency's chief scientist", "the bank's treasurer"), not
    a thing or a body ("report", "office", "website", "foreign ministry", "latest tally")."""
    if not _looks_like_role(role):
        return False
    words = [w.strip(",.") for w in role.split()]
    at = next((i for i, w in enumerate(words) if i and w.lower() in _HEAD_ENDS), len(words))
    head = words[at - 1].lower()
    if any(part in _ROLE_WORDS for part in head.split("-")):
        return True
    return _AGENT_ENDING.search(head) is not None and not head.endswith(("ment", "tter"))


def _bare(name: str) -> str:
    """A name without the article before it ("The Harbour Board", "the BBC")."""
    return name.strip().removeprefix("the ").removeprefix("The ")


#: Where a relative clause or an aside starts inside a speaker span: what follows describes the
#: speaker and may name other people ("X, who is an ally of Y's government, said").
_ASIDE = re.compile(r"\s*(?:,|\s[—–-]{1,2})\s*(?:who|whose|whom|which|that)\b", re.I)
#: A dateline or kicker ahead of the speaker: everything up to a dash that opens the text or a
#: paragraph ("MEXICO CITY (AP) - ", "WASHINGTON — ").
_DASH = r"(?:-{1,2}|[—–])"
_DATELINE_DASH = re.compile(rf"\s{_DASH}\s")


def _speaker_head(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """The part of a speaker span that names the speaker."""
    start, end = span
    words = text[start:end]
    dash = _DATELINE_DASH.search(words)
    if dash is not None and dash.end() < len(words):
        # Either a dateline or kicker before the dash ("WASHINGTON (AP) - Officials", "May
        # 10 - BP"), after which a sentence starts with a capital, or an aside after it ("Ada
        # Marr - a former aide -", "Most voters -- 45 percent --", "NATO - which"): the side
        # that names somebody is the one kept.
        before, after = words[: dash.start()], words[dash.end() :]
        closing = _DATELINE_DASH.search(after)
        if after[:1].isupper() or _names_nobody(before):
            start += dash.end()
            end = start + (closing.start() if closing else len(after))
        else:
            end = start + dash.start()
        words = text[start:end]
    aside = _ASIDE.search(words)
    if aside is not None and aside.start() > 0:
        end = start + aside.start()
    return start, end


def _names_nobody(words: str) -> bool:
    """Words before a dash that cannot name a speaker: nothing, a bracketed credit, or one
    lowercase word left of a cut sentence ("on - Ada Marr, a historian")."""
    words = words.strip()
    return not words or words.startswith("(") or (" " not in words and words.islower())


def _past_dateline(text: str, item: _Found) -> _Found:
    """A speaker span that is a dateline ("DAMASCUS, Syria (Reuters)" before " - Government
    forces said"): the speaker is who stands between the dash and the cue."""
    assert item.speaker is not None
    cue_start = item.cue.idx
    after = text[item.speaker[1] : cue_start]
    dash = re.match(rf"\s*{_DASH}\s*", after)
    if dash is None or item.speaker[1] >= cue_start:
        return item
    words = text[item.speaker[1] + dash.end() : cue_start].rstrip(" ,")
    if not words or words.count(" ") > 6:
        return item
    start = item.speaker[1] + dash.end()
    return replace(item, speaker=(start, start + len(words)), speaker_head=None)


def _role_and_affiliation(
    phrase: str, text: str, offset: int, inside: list[Mention], person: Mention
) -> tuple[str | None, str | None]:
    if not phrase:
        return None, None
    words = _past_openers(phrase.split())
    affiliation: str | None = None
    groups = [
        m for m in inside if m.entity_label in ("ORG", "GPE", "NORP") and m.end <= person.start
    ]
    if groups:
        group = groups[0]
        affiliation = group.canonical
        surface = group.text.split()
        if words[: len(surface)] == surface:
            words = words[len(surface) :]
        elif " of " in " ".join(words):
            head, _, _ = " ".join(words).partition(" of ")
            words = head.split()
    elif words and words[0] in CANONICAL:
        affiliation = CANONICAL[words[0]][0]
        words = words[1:]
    # The affiliation's short form opening the title says it twice ("US President" of the
    # United States, "UN chief" of the United Nations): the title goes without it.
    while words and words[0] in CANONICAL and CANONICAL[words[0]][0] == affiliation:
        words = words[1:]
    role = _title_only(" ".join(words)) or None
    if role is not None and not _looks_like_role(role):
        role = None
    return role, affiliation


#: What follows a title and is no part of it: a time ("since 2019"), a place of work ("in
#: Geneva"), a clause. "foreign minister since 2019" is a foreign minister; "for" stays
#: ("Minister for Arab and African Affairs").
_AFTER_TITLE = re.compile(
    r"\s+(?:since|from|until|till|between|in|at|during|when|who|which|whose|that)\b.*$"
    r"|\s*[,;(—–].*$|\s+\d.*$",
    re.I,
)


def _before_participle(words: list[str]) -> list[str]:
    """A title without the participle clause after it ("scientist specialising in ...",
    "writer living in ...", "film-maker based in ...", "administrator appointed by ..."): a
    word in -ing or -ed after the head, with a preposition or nothing after it and none
    before it. "managing director", "newly appointed director" and "professor of petroleum
    engineering" (a word inside the title's own phrase) keep theirs."""
    for i, word in enumerate(words[1:], start=1):
        if words[i - 1].lower() in _HEAD_ENDS:
            return words  # inside the title's own phrase from here on
        after = words[i + 1].lower() if i + 1 < len(words) else None
        if (
            (_is_participle(word) or (len(word) >= 6 and word.endswith("ing")))
            and word.isalpha()
            and word.islower()
            and (after is None or after in _HEAD_ENDS | {"as", "about", "under", "by"})
        ):
            return words[:i]
    return words


def _is_participle(word: str) -> bool:
    """A past participle by its form ("based", "appointed", "detained"): it describes what
    befell a person or where they are, no function of theirs."""
    return len(word) >= 4 and word.isalpha() and word.islower() and word.endswith("ed")


def _title_only(phrase: str) -> str:
    """A role as a title or a function: no possessive owner ("the country's foreign minister"
    is a foreign minister of the country, given as the affiliation), no dates or clauses."""
    phrase = re.sub(r"^(?:'s|’s)\s+", "", phrase.strip(" ,"))  # the owner named before
    # The clause goes first: an owner inside it is nobody's ("the admiral who leads the
    # agency's response" is an admiral, not a "response").
    phrase = _AFTER_TITLE.sub("", phrase).strip(" ,")
    # The owner goes, and an owner alone ("the BBC's Ana Marr": "BBC's") leaves no role. An
    # owner is the phrase's first words: one after a preposition ("chief of the agency's
    # research division") belongs to the title.
    phrase = _OWNER.sub("", phrase)
    # A number before a title ("2313 US Secretary": a page's counter run into the text) and
    # an honorific after one ("former Foreign Secretary Sir", the name cut off) are no part.
    words = _before_participle(_past_openers(phrase.split()))
    # What a cut clause left at the end: "author of the" (2009 book ...), "a friend of",
    # "reporter for the BBC's" (programme's name cut off).
    while len(words) > 1 and (
        words[-1].lower().strip(".") in _HONORIFICS | _LEFT_AT_THE_END
        or words[-1].endswith(("'s", "’s"))
        or _is_participle(words[-1])  # "professor of marine physics based" (in ...)
    ):
        words = words[:-1]
    return " ".join(words)


def _past_openers(words: list[str]) -> list[str]:
    """A role's words without what opens its clause: a page's counter run into the text
    ("1522 US President NAME", a live page's times), an article, a conjunction or an adverb
    ("Earlier US President NAME", "Even industry cheerleader NAME")."""
    while words and (words[0].isdigit() or words[0].lower().strip(",") in _LEADING_WORDS):
        words = words[1:]
    return words


#: A possessive owner at the start of a role phrase: words up to "'s" with no preposition.
_OWNER = re.compile(r"^(?:(?!\s(?:of|for|at|in|to|on|with|by|from|under)\s).)*?(?:'s|’s)(?:\s+|$)")
#: Words no role starts with ("a spokesman", "and Home Secretary", "now a historian", "its
#: chief executive", "Earlier US President", "Even industry cheerleader") or ends with
#: ("author of the" 2009 book, "former lawyer himself"). "then" stays: "then justice minister"
#: is a role of the past, as "former" is.
_LEADING_WORDS = frozenset(
    "a an the and or now also still its his her their our"
    " earlier later meanwhile however even yesterday today instead indeed separately".split()
)
_LEFT_AT_THE_END = frozenset(
    "a an the of with and or like for to in at by from on himself herself themselves".split()
)


_HONORIFICS = frozenset("mr mrs ms miss dr prof sir dame rev".split())
#: Words of a title ("Interior Secretary", "Sen.") or a function ("spokesman", "CEO");
#: honorifics say nothing of a role.
_ROLE_WORDS = (TITLES | ROLE_NOUNS | {"ceo", "cfo", "coo", "cto", "mp"}) - _HONORIFICS
#: Words that end a role's head and open what qualifies it ("expert on seeps").
_HEAD_ENDS = frozenset("of on for at in with to from".split())
#: Words that open a piece of a clause or a description, not a role ("and I", "from
#: Hertford", "Many people", "someone like").
_NOT_A_ROLE_START = frozenset(
    "and or but nor from of in at for with by to as than i"
    " many some its his her their our my your this that these those someone anyone".split()
)
#: Words no title starts with, whatever follows: a pronoun opens a clause ("She and the coast
#: guard commander", "along with Treasury Secretary", "who").
_NEVER_A_ROLE_START = frozenset(
    "i he she it we you they him them along who whom whose which".split()
)
#: Words of kinship: who a person is to someone, not a title or a function.
_KIN = frozenset(
    "wife husband son daughter father mother brother sister widow widower cousin uncle aunt"
    " nephew niece grandson granddaughter grandfather grandmother fiance fiancee boyfriend"
    " girlfriend parents stepfather stepmother stepson stepdaughter".split()
)


def _looks_like_role(role: str) -> bool:
    """A title, or a function in a few words headed by a common noun ("longtime resident",
    "Freelance writer", "Santa Barbara resident").

    Without a title word, a capitalised last word is a name ("Ada Marr", "Mrs Marr" were
    roles of other people), a plural is no one person's ("authors", "inner workings"), a bare
    number is a number, and a function word or a determiner opens a clause or a description
    ("and I", "Many people").
    """
    words = [w.strip(",.") for w in role.split()]
    lowered = {part.lower() for w in words for part in w.split("-")}  # "Director-General"
    if not any(ch.isalpha() for ch in role) or lowered <= _HONORIFICS:
        return False  # "Dr." alone says nothing of the person's role
    if words and words[0].lower() in _PREPOSITIONS | _NEVER_A_ROLE_START | {"and", "or", "but"}:
        return False  # "in Geneva", "and author of": a piece of a clause, not a title
    if any(mark in role for mark in '"“”‘'):
        return False  # a quotation cut in two ("dubbed the \"Prince"): no title
    # The head noun ends the words before a preposition ("expert" of "expert on seeps").
    at = next((i for i, w in enumerate(words) if i and w.lower() in _HEAD_ENDS), len(words))
    head = words[at - 1]
    if head.lower() in _KIN:
        return False  # "his wife", "Her husband, NAME, the UN envoy": kin is no function
    if _is_participle(head):
        return False  # "aged", "detained", "apparently drugged": what befell them
    if lowered & _ROLE_WORDS:
        return True
    return (
        len(words) <= 4
        and not head[:1].isupper()
        and not (len(head) >= 6 and head.endswith(("ly", "ing")))  # "rightly", "speaking"
        and not (head.endswith("s") and not head.endswith("ss"))
        and not any(w.isdigit() for w in words)
        and not any(ch.isdigit() for ch in head)  # "57-year-old" alone says an age
        and words[0].lower() not in _NOT_A_ROLE_START
    )


#: Cues by which a speaker denies what follows, and those by which one refuses to speak. Verbs
#: of English, not of any page: "denied that", "rejected claims that", "declined to comment".
_DENYING = frozenset({"deny", "reject", "dismiss", "refute", "dispute", "contest", "rebut"})
_DECLINING = frozenset({"decline", "refuse"})


def polarity(cue: Token) -> str:
    """Whether the cue asserts its content ("said"), denies it ("denied") or refuses to say
    anything ("declined": "declined to comment" reports no words of the speaker's)."""
    lemma = lemma_of(cue).lower()
    if lemma in _DECLINING:
        return "declined"
    if lemma in _DENYING:
        return "denied"
    # "did not deny", "would not confirm": a negated cue reports no assertion either way.
    if lemma in ("confirm", "comment") and _negated(cue):
        return "declined"
    return "said"


_NEGATIONS = frozenset({"not", "n't", "never"})


def _negated(cue: Token) -> bool:
    """A negation on the cue: from the parse when there is one, else a "not" among the three
    words before it ("would not confirm", "didn't comment")."""
    if cue.doc.has_annotation("DEP"):
        return any(child.dep_ == "neg" for child in cue.children)
    before = cue.doc[max(0, cue.i - 3) : cue.i]
    return any(token.lower_ in _NEGATIONS for token in before)


#: Verbs whose passive subject is the one spoken to or spoken of, never the speaker: "Obama
#: was asked whether ...", "jurors have been told ...", "BP has been accused of ...", "the
#: panel is charged with ...". Who spoke is left unnamed unless "by" names them.
_SPOKEN_TO = frozenset(
    {
        "tell",
        "ask",
        "inform",
        "notify",
        "brief",
        "assure",
        "remind",
        "warn",
        "urge",
        "advise",
        "order",
        "instruct",
        "question",
        "accuse",
        "charge",
        "blame",
        "criticise",
        "criticize",
    }
)
#: What makes such a participle passive before it: "was told", "got told", "stands accused".
_PASSIVE_MARKERS = frozenset({"be", "get", "stand"})


def spoken_to(doc: Doc, cue: tuple[int, int]) -> bool:
    """Whether the cue (character span) is the passive of a :data:`_SPOKEN_TO` verb with no
    agent after it: its subject is then who was told, asked or accused, not who spoke.

    Read from the tags, as the tagger's path has no parse: a past participle of such a verb,
    a form of "be", "get" or "stand" before it (adverbs and negations between: "was never
    told"), and no "by" after it ("was criticised by the mayor" names the speaker)."""
    tokens = doc.char_span(*cue, alignment_mode="expand")
    if tokens is None:
        return False
    for token in tokens:
        if token.tag_ != "VBN" or lemma_of(token).lower() not in _SPOKEN_TO:
            continue
        before = token.i - 1
        while before >= 0 and (
            doc[before].tag_.startswith("RB") or doc[before].lower_ in _NEGATIONS
        ):
            before -= 1
        if before < 0 or lemma_of(doc[before]).lower() not in _PASSIVE_MARKERS:
            continue
        after = token.i + 1
        while after < len(doc) and doc[after].tag_.startswith("RB"):
            after += 1
        return not (after < len(doc) and doc[after].lower_ == "by")
    return False


def resolve_speakers(doc: Doc, found: list[_Found], mentions: tuple[Mention, ...]) -> list[Quote]:
    text = _text(doc)
    quotes: list[Quote] = []
    # name, role, affiliation, where the mention ended, kind
    last_person: tuple[str, str | None, str | None, int, str] | None = None
    for item in found:
        content = tuple(Span(s, e) for s, e in item.content)
        cue = Span(*(item.cue_span or (item.cue.idx, item.cue.idx + len(item.cue.text))))
        kind = _kind(text, item.content)
        said = partial(
            Quote, confidence=item.confidence, polarity=polarity(item.cue), kind=kind, cue=cue
        )
        if item.speaker is None or spoken_to(doc, (cue.start, cue.end)):
            quotes.append(said(content, None))
            continue
        item = _past_dateline(text, item)
        assert item.speaker is not None
        speaker = Span(*item.speaker)
        head = item.speaker_head
        pronoun = (
            head is not None and head.lower_ in _PRONOUNS and item.speaker[1] - item.speaker[0] <= 5
        )
        as_written = text[item.speaker[0] : item.speaker[1]].strip().lower()
        relative = head is not None and head.lower_ in _RELATIVES and as_written == head.lower_
        if as_written in _INDEFINITE:
            quotes.append(said(content, speaker))
            continue
        if relative and head is not None:
            resolved = _antecedent(doc, text, head, mentions)
            if resolved is None:
                quotes.append(said(content, speaker))
                continue
            name, role, affiliation, speaker_kind = resolved
        elif pronoun and head is not None:
            resolved = _resolve_pronoun(text, head, item.speaker[0], last_person, mentions)
            if resolved is None:
                quotes.append(said(content, speaker))
                continue
            name, role, affiliation, speaker_kind = resolved
        else:
            name, role, affiliation, speaker_kind = describe_speaker(text, item.speaker, mentions)
            if speaker_kind == "description":
                holder = title_holder(text, as_written, item.speaker[0], mentions, quotes)
                if holder is not None:
                    name, role, affiliation, speaker_kind = holder, as_written[4:], None, "person"
        quotes.append(
            said(
                content,
                speaker,
                speaker_name=name,
                role=role,
                affiliation=affiliation,
                speaker_kind=speaker_kind,
            )
        )
        if speaker_kind in ("person", "description"):
            last_person = (name, role, affiliation, item.speaker[1], speaker_kind)
    return quotes


#: "the president", "the prime minister", "the chief executive": a definite title alone.
_THE_TITLE = re.compile(r"the (?:[a-z-]+ ){0,2}[a-z-]+")


def title_holder(
    text: str, written: str, start: int, mentions: tuple[Mention, ...], earlier: list[Quote]
) -> str | None:
    """The person a definite title alone stands for ("the president said"): the one person
    the article named with that title before, in front of the name ("President Ada Marr",
    "Veldora's Prime Minister Ada Marr"), in an apposition after it ("Ada Marr, the prime
    minister,") or as an earlier quote's role; None when there is no one or more than one.

    ``written``: the speaker as written, in lowercase. Only titles and nouns of persons name a
    holder ("the president", "the spokesman", "the chief executive"); "the company", "the
    report" are left as they are written, and so is a title two people in the article hold.
    """
    if not _THE_TITLE.fullmatch(written):
        return None
    title = written[4:]
    last = title.split()[-1]
    if not _names_somebody(title) or (last.endswith("er") and last not in _ROLE_WORDS):
        return None  # "-er" nouns name things too often ("the paper") for a guess
    before = re.compile(rf"(?:^|\W){re.escape(title)}\s+$", re.I)
    after = re.compile(rf",\s+(?:the\s+|a\s+)?{re.escape(title)}\b", re.I)
    holders = {
        m.canonical
        for m in mentions
        if m.entity_label == "PERSON"
        and m.end <= start
        and (
            before.search(text, max(0, m.start - len(title) - 2), m.start)
            or after.match(text, m.end)
        )
    }
    holders |= {
        q.speaker_name
        for q in earlier
        if q.speaker_kind == "person"
        and q.speaker_name
        and q.role
        and (q.role.lower() == title or q.role.lower().endswith(" " + title))
    }
    if len(holders) != 1:
        return None
    # "said one BP adviser, who spoke on condition of anonymity. The adviser added": a holder
    # brought in after the named one, unnamed, is the one meant.
    named = max((m.end for m in mentions if m.canonical in holders and m.end <= start), default=0)
    another = re.compile(
        rf"\b(?:a|an|one|another)\s+(?:[\w-]+\s+){{0,2}}{re.escape(title)}\b", re.I
    )
    if another.search(text, named, start):
        return None
    return holders.pop()


def _resolve_pronoun(
    text: str,
    head: Token,
    start: int,
    last: tuple[str, str | None, str | None, int, str] | None,
    mentions: tuple[Mention, ...],
) -> tuple[str, str | None, str | None, str] | None:
    kind = _PRONOUNS[head.lower_]
    if kind == "self":
        return None
    if kind == "thing":
        # "Kazakhstan says it has ...": the organisation or country just before.
        groups = [
            m
            for m in mentions
            if m.end <= start and m.entity_label in ("ORG", "GPE") and start - m.end < 60
        ]
        if not groups:
            return None
        group = groups[-1]
        return (
            group.canonical,
            None,
            None,
            "organisation" if group.entity_label == "ORG" else "place",
        )
    if kind == "person":
        paragraph_start = text.rfind("\n\n", 0, start)
        # The previous attribution's speaker, when it is this paragraph or the one before.
        if last is not None and text.count("\n\n", last[3], start) <= 1:
            return last[0], last[1], last[2], last[4]
        people = [
            m for m in mentions if m.entity_label == "PERSON" and paragraph_start <= m.start < start
        ]
        if people:
            return people[-1].canonical, None, None, "person"
    return None


def _antecedent(
    doc: Doc, text: str, pronoun: Token, mentions: tuple[Mention, ...]
) -> tuple[str, str | None, str | None, str] | None:
    """Who a relative pronoun that is a speaker refers back to: the name just before it
    ("Ada Marr, who said ..."), else the noun phrase just before it ("local officials, who
    told him ..."), read back by part of speech (the parser does not run on this path); None
    when neither is there. ``text``: the document's text (``_text``)."""
    start = pronoun.idx
    before = [m for m in mentions if m.end <= start]
    if before:
        nearest = max(before, key=lambda m: m.end)
        if _TO_ANTECEDENT.fullmatch(text, nearest.end, start):
            # "Ana Marr, a professor at Kessel University, who said": the clause is the
            # person's, the organisation ends her apposition.
            people = [m for m in before if m.entity_label == "PERSON" and m.end <= nearest.start]
            if nearest.entity_label != "PERSON" and people:
                person = max(people, key=lambda m: m.end)
                if _APPOSITION.fullmatch(text, person.end, nearest.start):
                    return person.canonical, None, None, "person"
            if nearest.entity_label == "PERSON":
                return nearest.canonical, None, None, "person"
            if nearest.entity_label == "ORG":
                return nearest.canonical, None, None, "organisation"
            if nearest.entity_label == "NORP":  # "Japanese who ...": people, not a country
                return text[nearest.start : nearest.end], None, None, "description"
            if nearest.entity_label == "GPE":
                return nearest.canonical, None, None, "place"
    i = pronoun.i - 1
    while i >= 0 and (doc[i].is_space or doc[i].text == ","):
        i -= 1
    words: list[Token] = []
    while i >= 0 and doc[i].pos_ in _NOUN_PHRASE_POS and len(words) < _NOUN_PHRASE_WORDS:
        words.append(doc[i])
        i -= 1
    if not words or words[0].pos_ not in ("NOUN", "PROPN"):
        return None
    first, last = words[-1], words[0]
    return text[first.idx : last.idx + len(last.text)], None, None, "description"


def _opens_quotation(text: str, index: int) -> bool:
    return text[index] in OPENING or text.startswith(_OPENING_PAIRS, index)


def _kind(text: str, content: tuple[tuple[int, int], ...]) -> str:
    quoted = [_opens_quotation(text, s) for s, _ in content]
    if all(quoted):
        return "direct"
    if any(quoted) or any(ch in text[s:e] for s, e in content for ch in '“"'):
        return "mixed"
    return "indirect"


def quotes_stage(parsed: Iterable[Parsed]) -> Iterator[Parsed]:
    """Pipeline stage: fills ``quotes`` (runs after ``entities``, whose mentions it uses)."""
    method = quote_method()
    for item in parsed:
        found = find_attributions(item.doc, method=method)
        quotes = resolve_speakers(item.doc, found, item.analysis.mentions)
        yield item.with_analysis(replace(item.analysis, quotes=tuple(quotes)))
