"""Entity stage: spaCy's named entities, corrected and given canonical names.

spaCy finds the spans; three things it does not do are done here, because the story page
needs one name per actor:

* **corrections** of two recurring span errors of the small English model: a title's country
  glued to the name after it ("Special Envoy for Syria Staffan de Mistura" as one ORG) and an
  organisation read as a person when a role noun and a person follow it ("Liwa Shuhada
  al-Islam representative Said Naqrash");
* **canonical names**: demonyms and official names to the country ("Russian" → Russia),
  abbreviations to the body ("U.N." → United Nations), titles and "the" dropped;
* **aliases within the article**: a surname alone ("Shoigu") or an initialism ("UNHCR")
  resolves to the longer name used elsewhere in the same article; a surname alone that the
  model read as an organisation is that person too.

An outlet naming itself in its own article ("told Reuters", "BBC World Service") is no actor
of it and is left out (:func:`names_outlet`).

Cross-article identity (one person, one entity across the store) is the attribution issue's.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import replace
from functools import lru_cache

from spacy.tokens import Doc, Span

from storyline.analysis.gazetteer import (
    ACTOR_LABELS,
    CANONICAL,
    COUNTRIES,
    NAME_PARTICLES,
    ROLE_NOUNS,
    TITLES,
    name_key,
    same_person,
    without_generation,
)
from storyline.analysis.stage import Parsed
from storyline.records import Entity, Mention

#: Labels kept as actors and places; dates and numbers belong to the time stage.
ENTITY_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT"})
#: Labels whose canonical name may be looked up in the gazetteer (never a PERSON: "Jordan").
_GAZETTEER_LABELS = frozenset({"ORG", "GPE", "LOC", "NORP"})

_POSSESSIVE = re.compile("(?:'s|\u2019s|'|\u2019)$")  # straight and typographic apostrophes


def find_mentions(doc: Doc) -> tuple[Mention, ...]:
    """Corrected, canonicalised mentions of one parsed article, in text order."""
    spans = _corrected_spans(doc)
    raw = [(span, _canonical(span.text, span.label_)) for span in spans]
    # A name with no letter (".30", or "the 2010" once "the" is gone) names nobody.
    raw = [(span, (name, label)) for span, (name, label) in raw if _has_letter(name)]
    # Nor does a "person" with a digit in the name ("H5N1", a virus, read as one).
    raw = [
        (span, (name, label)) for span, (name, label) in raw if not _digit_in_person(name, label)
    ]
    people = _people_by_word(
        [name for span, (name, label) in raw if label == "PERSON" and " " in name]
    )
    orgs = [name for span, (name, label) in raw if label == "ORG" and " " in name]
    mentions = []
    for span, (name, label) in raw:
        if label == "PERSON" and " " not in name:
            name = _longer_name(name, people) or name
        elif label == "ORG" and name.isupper():
            name = _expansion(name, orgs) or name
        elif label == "ORG" and " " not in name and (person := _surname_of(name, people)):
            name, label = person, "PERSON"
        mentions.append(
            Mention(
                start=span.start_char,
                end=span.end_char,
                text=span.text,
                label=span.label_,
                canonical=name,
                entity_label=label,
            )
        )
    return tuple(_labels_agreed(mentions))


def _digit_in_person(name: str, label: str) -> bool:
    return label == "PERSON" and any(ch.isdigit() for ch in name)


def _labels_agreed(mentions: list[Mention]) -> list[Mention]:
    """Each name of the article under the kind most of its mentions have.

    The small model types one name differently from sentence to sentence ("Mosul" a place five
    times and a person once); one mention's kind would make a second entity, a person who is
    a city. A name whose mentions have a kind in the majority (more than half) takes it; a
    tie changes nothing. Surnames were resolved first ("Jordan" after "Michael Jordan" is the
    person's mention, not the country's).
    """
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for mention in mentions:
        if mention.entity_label in ACTOR_LABELS:
            kinds[mention.canonical][mention.entity_label] += 1
    agreed: dict[str, str] = {}
    for name, counts in kinds.items():
        if len(counts) > 1:
            kind, n = counts.most_common(1)[0]
            if 2 * n > sum(counts.values()):
                agreed[name] = kind
    if not agreed:
        return mentions
    return [
        _relabelled(m, agreed[m.canonical])
        if m.canonical in agreed and m.entity_label in ACTOR_LABELS
        else m
        for m in mentions
    ]


def _relabelled(mention: Mention, kind: str) -> Mention:
    if mention.entity_label == kind:
        return mention
    name, label = _canonical(mention.canonical, kind)
    return replace(mention, canonical=name, entity_label=label)


def group_entities(mentions: Iterable[Mention]) -> tuple[Entity, ...]:
    """One :class:`Entity` per canonical name, most mentioned first, with its surface forms."""
    counts: Counter[tuple[str, str]] = Counter()
    forms: dict[tuple[str, str], list[str]] = defaultdict(list)
    for mention in mentions:
        key = (mention.canonical, mention.entity_label)
        counts[key] += 1
        if mention.text != mention.canonical and mention.text not in forms[key]:
            forms[key].append(mention.text)
    return tuple(
        Entity(canonical=name, label=label, aliases=tuple(forms[(name, label)]), mentions=n)
        for (name, label), n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    )


def _corrected_spans(doc: Doc) -> list[Span]:
    spans: list[Span] = []
    ents = [ent for ent in doc.ents if ent.label_ in ENTITY_LABELS]
    for index, ent in enumerate(ents):
        if all(token.lower_ in TITLES for token in ent):
            continue  # "Defense" in "Russian Defense Minister": part of a title, not an actor
        zoned = _without_zone(ent)
        if zoned is None:
            continue
        ent = zoned
        parts = _dash_parts(ent)
        if parts is not None:
            spans.extend(_name_only(p) if p.label_ == "PERSON" else p for p in parts)
            continue
        split = _split_place_then_person(ent)
        if split:
            spans.extend(split)
            continue
        following = ents[index + 1] if index + 1 < len(ents) else None
        if ent.label_ == "PERSON" and following is not None and _is_affiliation(ent, following):
            ent = Span(doc, ent.start, ent.end, label="ORG")
        if ent.label_ == "PERSON":
            ent = _name_only(ent)
        elif ent.label_ == "ORG":
            ent = _organisation_only(ent)
        spans.append(ent)
    return spans


#: A person's titles and the ranks that come before a title abbreviation ("Rear Adm.",
#: "Petty Officer").
_RANKS = TITLES | {"rear", "petty"}
#: Words before an organisation that say how the person named after it holds the rank.
_STANDING = frozenset({"retired", "former", "acting", "outgoing", "then"})


def _organisation_only(ent: Span) -> Span:
    """An organisation's span without the rank of the person named after it, and what comes
    before it: "Retired Coast Guard Adm. Thad Allen" gave the small model the organisation
    "Retired Coast Guard Adm." (about 100 mentions of the Coast Guard in the real-news store
    went to three such names). Only a rank a name follows (a proper noun): "Office of the
    President" keeps its last word, and "Former Soviet Union" its first."""
    doc = ent.doc
    start, end = ent.start, ent.end
    if end < len(doc) and doc[end].pos_ == "PROPN":
        while end - start > 1 and doc[end - 1].text.lower().rstrip(".") in _RANKS:
            end -= 1
    if end < ent.end:  # the span named a person's rank: the words on its near side go too
        while end - start > 1 and (
            doc[start].tag_.startswith(("VB", "RB")) or doc[start].text.lower() in _STANDING
        ):
            start += 1
    if (start, end) == (ent.start, ent.end):
        return ent
    return Span(doc, start, end, label=ent.label_)


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    """Time zones' abbreviations ("BST", "GMT", "EDT"), as dateparser knows them."""
    from dateparser.timezones import timezone_info_list

    return frozenset(name for group in timezone_info_list for name, _ in group["timezones"])


#: Words a time zone follows besides a clock time's digits.
_CLOCK_WORDS = frozenset({"noon", "midnight", "a.m.", "p.m.", "am", "pm"})


def _without_zone(ent: Span) -> Span | None:
    """``ent`` without the time zone that opens it right after a clock time ("at 1400 BST",
    "(1300 GMT)", a live page's "10:46 BST STOCKHOLM"): the zone is part of the time, not the
    organisation or place the small model reads it as. None when nothing else is left. Only
    after a time: alone, a zone's abbreviation may be an organisation's ("ACT", "CAT")."""
    doc = ent.doc
    first = doc[ent.start]
    if first.text not in _time_zones() or ent.start == 0:
        return ent
    before = doc[ent.start - 1]
    if not (any(ch.isdigit() for ch in before.text) or before.text.lower() in _CLOCK_WORDS):
        return ent
    if len(ent) == 1:
        return None
    return Span(doc, ent.start + 1, ent.end, label=ent.label_)


#: Tags of words the small model takes into a person's name at a sentence's or headline's
#: start or end that are no part of it: "Following Obama's speech", "Probably Hayward will",
#: "Obama Tries to ...". Names are proper nouns; a verb, adverb, preposition or modal is not.
_NOT_IN_A_NAME = ("VB", "RB", "IN", "MD", "WRB", "WP", "DT", "CC", "PRP")


def _name_only(ent: Span) -> Span:
    """A person's span without the words at its edges that cannot be part of a name."""
    start, end = ent.start, ent.end
    doc = ent.doc
    while end - start > 1 and doc[start].tag_.startswith(_NOT_IN_A_NAME):
        start += 1
    while end - start > 1 and doc[end - 1].tag_.startswith(_NOT_IN_A_NAME):
        end -= 1
    # A short word in capitals before a full name is a live page's time zone, an agency or a
    # title ("1201 BST Tony Blair said", "MP Ada Marr"), not a first name: initials in
    # capitals come before a surname alone ("JJ Marr", "WH Auden").
    first = doc[start].text
    if (
        end - start >= 3
        and first.isalpha()
        and first.isupper()
        and len(first) <= 4
        and all(t.text[:1].isupper() and not t.text.isupper() for t in doc[start + 1 : end])
    ):
        start += 1
    if (start, end) == (ent.start, ent.end):
        return ent
    return Span(doc, start, end, label=ent.label_)


#: Dashes that join two things when set off by spaces ("NAME - AGENCY", a photo credit;
#: "NAME - ROLE", a caption), never inside one name.
_DASHES = frozenset({"-", "\u2013", "\u2014", "--"})


def _dash_parts(ent: Span) -> list[Span] | None:
    """The parts of a span that a dash set off by spaces cuts in two or more, each kept that
    still looks like a name (capitalised, with a letter), under the span's label (the store's
    evidence then decides each name's kind); None when there is no such dash.

    The small model reads a credit or a caption line as one name; kept whole, a
    photographer's credit was a person of its own in nine real-news articles, and "storms -
    NAME" a person. A hyphen inside a word ("Smith-Jones", "al-Assad") has no space around it.
    """
    doc = ent.doc
    cuts = [
        token.i
        for token in ent[1:-1]
        if token.text in _DASHES and token.whitespace_ and doc[token.i - 1].whitespace_
    ]
    if not cuts:
        return None
    parts = []
    for start, end in zip([ent.start, *(c + 1 for c in cuts)], [*cuts, ent.end], strict=True):
        part = Span(doc, start, end, label=ent.label_)
        if part.text[:1].isupper():  # a capital is a letter
            parts.append(part)
    return parts


def _has_letter(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _split_place_then_person(ent: Span) -> list[Span] | None:
    """Split "Syria Staffan de Mistura" (after "Envoy for") into GPE "Syria" and PERSON."""
    if ent.label_ not in ("ORG", "PERSON") or len(ent) < 3:
        return None
    for cut in range(1, min(4, len(ent) - 1)):
        head = ent[:cut]
        rest = ent[cut:]
        if head.text not in COUNTRIES and CANONICAL.get(head.text, ("", ""))[1] != "GPE":
            continue
        if len(rest) >= 2 and _looks_like_name(rest):
            doc = ent.doc
            return [
                Span(doc, head.start, head.end, label="GPE"),
                Span(doc, rest.start, rest.end, label="PERSON"),
            ]
    return None


def _looks_like_name(span: Span) -> bool:
    words = [token.text for token in span]
    return (
        words[0][:1].isupper()
        and words[-1][:1].isupper()
        and all(w[:1].isupper() or w.lower() in NAME_PARTICLES or w == "-" for w in words)
    )


def _is_affiliation(ent: Span, following: Span) -> bool:
    """A "person" directly followed by a role noun and a person is an organisation."""
    between = ent.doc[ent.end : following.start]
    return (
        following.label_ == "PERSON"
        and 1 <= len(between) <= 2
        and all(token.is_lower for token in between)
        and between[-1].lower_ in ROLE_NOUNS
    )


def _canonical(text: str, label: str) -> tuple[str, str]:
    """(canonical name, entity label) of one surface form."""
    name = " ".join(text.split())
    name = _POSSESSIVE.sub("", name)
    if name.lower().startswith("the "):
        name = name[4:]
    if label in _GAZETTEER_LABELS:
        if name in CANONICAL:
            return CANONICAL[name]
        if label == "NORP":
            return name, "NORP"
    if label == "PERSON":
        words = name.split()
        while len(words) > 1 and words[0].lower().rstrip(".") in TITLES:
            words = words[1:]
        name = " ".join(words)
    return name, label


def _people_by_word(people: list[str]) -> dict[str, Counter[str]]:
    """The article's full names (each as often as it is written) under their surname and their
    first word: each single word is looked up, not compared with every name of the article."""
    by_word: dict[str, Counter[str]] = {}
    for person in people:
        for word in {without_generation(person).split()[-1], person.split()[0]}:
            by_word.setdefault(word, Counter())[person] += 1
    return by_word


def _longer_name(short: str, people: dict[str, Counter[str]]) -> str | None:
    """The one full name in the article that ends with (or starts with) this single word; a
    generational suffix is no surname ("Paulson" is "Henry M. Paulson Jr."). Spellings of one
    person (:func:`~storyline.analysis.gazetteer.same_person`: "Hank Paulson" and "Henry
    Paulson" in one article) are one name, the one written most."""
    matches = people.get(short)
    if not matches:
        return None
    if len(matches) > 1:
        keys = [name_key(name) for name in matches]
        if not all(same_person(keys[0], other) for other in keys[1:]):
            return None
    return matches.most_common(1)[0][0]


def _surname_of(word: str, people: dict[str, Counter[str]]) -> str | None:
    """The person named in full in the article whose surname this single word is, for a word
    the small model read as an organisation: it types a lone surname ORG as often as PERSON
    ("Hayward said", "Hayward's pension": 440 of the real-news store's organisation mentions
    were the surname of a person the same article names in full). A first name never counts
    here, nor a word in capitals (an initialism: "BP")."""
    if word.isupper():
        return None
    person = _longer_name(word, people)
    if person is None or without_generation(person).split()[-1] != word:
        return None
    return person


def _expansion(acronym: str, orgs: list[str]) -> str | None:
    letters = acronym.replace(".", "")
    for org in orgs:
        initials = "".join(word[0] for word in org.split() if word[:1].isupper())
        if initials == letters:
            return org
    return None


#: Where a feed's title goes on past the outlet's name: "BBC News - World", "Reuters: Top News".
_FEED_PART = re.compile(r" [-|\u2013\u2014] |: ")


def names_outlet(mention: Mention, outlet: str | None) -> bool:
    """Whether a mention is the article's own outlet naming itself: "told Reuters" in a
    Reuters report, "BBC News Channel" or "BBC World Service" on a BBC page, "The Guardian" in
    the Guardian. An outlet in its own pages is a byline, a plug or the interviewer, not an
    actor of the story: in the real-news store the outlets were among the three most named
    actors of 9 of its 220 stories of two articles or more. Only organisations. A name and an
    outlet (a feed's title up to " - ", " | " or ": ") match when, words run together, the
    name is the outlet or begins with it ("Washington Post" and "washingtonpost", "BBC World
    Service" and "bbc"), or an initialism is the outlet's first word ("BBC" and "BBC News");
    not "Washington" and "The Washington Post", nor "Fox" and "foxnews". Another outlet's
    name stays an actor."""
    if not outlet or mention.entity_label != "ORG":
        return False
    name, own = _run_together(mention.canonical), _outlet_words(outlet)
    if not name or not own:
        return False
    return own[-1] in name or (mention.canonical.isupper() and name[-1] in own)


@lru_cache(maxsize=256)
def _outlet_words(outlet: str) -> tuple[str, ...]:
    """:func:`_run_together` of an outlet's name, once per outlet, not once per mention."""
    return tuple(_run_together(_FEED_PART.split(outlet)[0]))


def _run_together(name: str) -> list[str]:
    """A name's first words run together, one word more at a time, "the" left out: "The
    Washington Post" is ["washington", "washingtonpost"]."""
    words = re.findall(r"[a-z0-9]+", name.lower())
    if words[:1] == ["the"]:
        words = words[1:]
    return ["".join(words[: n + 1]) for n in range(len(words))]


def entities_stage(parsed: Iterable[Parsed]) -> Iterator[Parsed]:
    """Pipeline stage: fills ``mentions`` and ``entities`` (:mod:`storyline.analysis.pipeline`);
    the article's outlet naming itself is left out (:func:`names_outlet`)."""
    for item in parsed:
        outlet = item.article.outlet
        mentions = tuple(m for m in find_mentions(item.doc) if not names_outlet(m, outlet))
        analysis = replace(item.analysis, mentions=mentions, entities=group_entities(mentions))
        yield item.with_analysis(analysis)
