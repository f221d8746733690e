"""Small name tables the entity stage needs and spaCy's model does not carry.

spaCy tags "Russian" as NORP and "Kazakh" sometimes as ORG; a reader means Russia and
Kazakhstan. These tables map demonyms, official long names and common abbreviations to one
canonical name. They are written for Storyline from general knowledge (no external list is
copied) and cover the countries and bodies that dominate international news; extend freely.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Protocol

#: Country → demonyms and other adjectival forms.
_COUNTRIES: dict[str, tuple[str, ...]] = {
    "Afghanistan": ("Afghan", "Afghans"),
    "Albania": ("Albanian",),
    "Algeria": ("Algerian",),
    "Argentina": ("Argentine", "Argentinian"),
    "Armenia": ("Armenian",),
    "Australia": ("Australian",),
    "Austria": ("Austrian",),
    "Azerbaijan": ("Azerbaijani", "Azeri"),
    "Bahrain": ("Bahraini",),
    "Bangladesh": ("Bangladeshi",),
    "Belarus": ("Belarusian",),
    "Belgium": ("Belgian",),
    "Bolivia": ("Bolivian",),
    "Bosnia": ("Bosnian",),
    "Brazil": ("Brazilian",),
    "Bulgaria": ("Bulgarian",),
    "Cambodia": ("Cambodian",),
    "Canada": ("Canadian",),
    "Chile": ("Chilean",),
    "China": ("Chinese",),
    "Colombia": ("Colombian",),
    "Croatia": ("Croatian", "Croat"),
    "Cuba": ("Cuban",),
    "Cyprus": ("Cypriot",),
    "Czech Republic": ("Czech",),
    "Denmark": ("Danish", "Dane"),
    "Egypt": ("Egyptian",),
    "Estonia": ("Estonian",),
    "Ethiopia": ("Ethiopian",),
    "Finland": ("Finnish", "Finn"),
    "France": ("French",),
    "Georgia": ("Georgian",),
    "Germany": ("German",),
    "Ghana": ("Ghanaian",),
    "Greece": ("Greek",),
    "Hungary": ("Hungarian",),
    "Iceland": ("Icelandic",),
    "India": ("Indian",),
    "Indonesia": ("Indonesian",),
    "Iran": ("Iranian", "Iranians"),
    "Iraq": ("Iraqi", "Iraqis"),
    "Ireland": ("Irish",),
    "Israel": ("Israeli", "Israelis"),
    "Italy": ("Italian",),
    "Japan": ("Japanese",),
    "Jordan": ("Jordanian",),
    "Kazakhstan": ("Kazakh", "Kazakhstani"),
    "Kenya": ("Kenyan",),
    "Kuwait": ("Kuwaiti",),
    "Kyrgyzstan": ("Kyrgyz",),
    "Latvia": ("Latvian",),
    "Lebanon": ("Lebanese",),
    "Libya": ("Libyan",),
    "Lithuania": ("Lithuanian",),
    "Malaysia": ("Malaysian",),
    "Mali": ("Malian",),
    "Mexico": ("Mexican",),
    "Moldova": ("Moldovan",),
    "Mongolia": ("Mongolian",),
    "Morocco": ("Moroccan",),
    "Myanmar": ("Burmese",),
    "Nepal": ("Nepalese", "Nepali"),
    "Netherlands": ("Dutch",),
    "New Zealand": ("New Zealander",),
    "Nigeria": ("Nigerian",),
    "North Korea": ("North Korean",),
    "Norway": ("Norwegian",),
    "Oman": ("Omani",),
    "Pakistan": ("Pakistani",),
    "Palestine": ("Palestinian", "Palestinians"),
    "Peru": ("Peruvian",),
    "Philippines": ("Philippine", "Filipino"),
    "Poland": ("Polish",),
    "Portugal": ("Portuguese",),
    "Qatar": ("Qatari",),
    "Romania": ("Romanian",),
    "Russia": ("Russian", "Russians"),
    "Rwanda": ("Rwandan",),
    "Saudi Arabia": ("Saudi", "Saudis"),
    "Serbia": ("Serbian", "Serb"),
    "Singapore": ("Singaporean",),
    "Slovakia": ("Slovak",),
    "Slovenia": ("Slovenian",),
    "Somalia": ("Somali",),
    "South Africa": ("South African",),
    "South Korea": ("South Korean",),
    "Spain": ("Spanish",),
    "Sri Lanka": ("Sri Lankan",),
    "Sudan": ("Sudanese",),
    "Sweden": ("Swedish", "Swede"),
    "Switzerland": ("Swiss",),
    "Syria": ("Syrian", "Syrians"),
    "Taiwan": ("Taiwanese",),
    "Tajikistan": ("Tajik",),
    "Thailand": ("Thai",),
    "Tunisia": ("Tunisian",),
    "Turkey": ("Turkish", "Turk", "Turks", "Türkiye"),
    "Turkmenistan": ("Turkmen",),
    "Uganda": ("Ugandan",),
    "Ukraine": ("Ukrainian", "Ukrainians"),
    "United Arab Emirates": ("Emirati", "UAE", "U.A.E."),
    "United Kingdom": ("British", "Briton", "Britons", "UK", "U.K.", "Britain", "Great Britain"),
    "United States": (
        "American",
        "Americans",
        "US",
        "U.S.",
        "USA",
        "U.S.A.",
        "United States of America",
        "America",
    ),
    "Uzbekistan": ("Uzbek",),
    "Venezuela": ("Venezuelan",),
    "Vietnam": ("Vietnamese",),
    "Yemen": ("Yemeni", "Yemenis"),
    "Zimbabwe": ("Zimbabwean",),
}

#: Official long forms that name the same state.
_OFFICIAL_NAMES: dict[str, str] = {
    "Islamic Republic of Iran": "Iran",
    "Russian Federation": "Russia",
    "People's Republic of China": "China",
    "Syrian Arab Republic": "Syria",
    "Republic of Kazakhstan": "Kazakhstan",
    "Republic of Turkey": "Turkey",
    "Kingdom of Saudi Arabia": "Saudi Arabia",
    "Democratic People's Republic of Korea": "North Korea",
    "Republic of Korea": "South Korea",
    "Federal Republic of Germany": "Germany",
}

#: Abbreviations of international bodies → full name.
_ORGANISATIONS: dict[str, tuple[str, ...]] = {
    "United Nations": ("UN", "U.N.", "the UN", "the U.N."),
    "European Union": ("EU", "E.U."),
    "North Atlantic Treaty Organization": ("NATO", "Nato"),
    "World Health Organization": ("WHO",),
    "International Monetary Fund": ("IMF",),
    "African Union": ("AU",),
    "Organization of the Petroleum Exporting Countries": ("OPEC", "Opec"),
    "United Nations Security Council": (
        "UN Security Council",
        "U.N. Security Council",
        "UNSC",
        "Security Council",
    ),
    "International Committee of the Red Cross": ("ICRC",),
    "Arab League": ("League of Arab States",),
}

#: Surface form → (canonical name, entity label).
CANONICAL: dict[str, tuple[str, str]] = {}
for _country, _forms in _COUNTRIES.items():
    CANONICAL[_country] = (_country, "GPE")
    for _form in _forms:
        CANONICAL[_form] = (_country, "GPE")
for _long, _country in _OFFICIAL_NAMES.items():
    CANONICAL[_long] = (_country, "GPE")
for _org, _forms in _ORGANISATIONS.items():
    CANONICAL[_org] = (_org, "ORG")
    for _form in _forms:
        CANONICAL[_form] = (_org, "ORG")

COUNTRIES: frozenset[str] = frozenset(_COUNTRIES)
#: Kinds of actor one name can be mistaken between (a city read as a person, a party as a
#: place): the entity stage decides a name's kind by its other mentions in the article.
ACTOR_LABELS: frozenset[str] = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC"})

#: The store's evidence for a name's kind: the kind most articles give the name takes the
#: mentions of a kind given by at most half as many articles (two of every three articles
#: against one), once at least this many articles give it. Fixed by that reading, not fitted
#: to a benchmark (there is no gold for kinds; bench/RESULTS.md reads the folds it makes).
KIND_EVIDENCE = 3
KIND_MAJORITY = 2


def store_kinds(articles: Mapping[str, int], *, company: bool = False) -> dict[str, str]:
    """Each kind (:data:`ACTOR_LABELS`) a name is given, by the number of articles that give
    it that kind, mapped to the kind its mentions are stored under.

    The entity stage agrees a name's kind within one article (:mod:`storyline.analysis.entities`);
    the small model still types some names differently from article to article ("Falluja" a
    place in 18 articles and a person in 7), which makes a second entity, a person who is a
    city. The kind most articles give wins over the kinds a clear minority gives, and only
    those: a name two kinds share about evenly ("Horizon", a rig and a place in the news)
    keeps both, and a tie at the top folds nothing (no order between kinds to break it).

    A name the store has met with a company's legal form (``company``: "Transocean Ltd",
    :func:`is_company_name`) is an organisation whatever the counts: the small model reads
    "Transocean" and "Halliburton" alone as places in most articles."""
    if company and "ORG" in articles:
        return {kind: "ORG" for kind in articles}
    top = max(articles.values(), default=0)
    leaders = [kind for kind, n in articles.items() if n == top]
    if top < KIND_EVIDENCE or len(leaders) != 1:
        return {kind: kind for kind in articles}
    return {kind: leaders[0] if top >= KIND_MAJORITY * n else kind for kind, n in articles.items()}


#: Words before a name that are titles, not part of it ("President Bashar al-Assad").
TITLES: frozenset[str] = frozenset(
    """president vice prime minister secretary general chancellor king queen prince princess
    sheikh emir sultan pope cardinal bishop rev reverend mr mrs ms miss dr doctor prof
    professor gen general lt col colonel maj major capt captain adm admiral sgt sergeant sen
    senator rep representative gov governor mayor judge justice chief commander ambassador
    envoy spokesman spokeswoman spokesperson lord lady sir dame deputy foreign defense
    defence interior finance special""".split()
)

#: Nouns that, between an organisation and a person, give the person's role:
#: "Liwa Shuhada al-Islam representative Said Naqrash".
ROLE_NOUNS: frozenset[str] = frozenset(
    """representative spokesman spokeswoman spokesperson commander leader chief official member
    envoy chairman chairwoman chair president director head founder negotiator delegate
    adviser advisor minister secretary ambassador coordinator""".split()
)

#: Lower-case particles inside personal names ("Staffan de Mistura", "Ludwig van Beethoven").
NAME_PARTICLES: frozenset[str] = frozenset(
    """de del della di da du van von der den la le al el bin ibn bint abu ben dos das""".split()
)


#: Articles in transliterated names ("Nouri al-Maliki", "el-Baradei"): written with or without
#: them, so the key leaves them out.
_ARTICLES = frozenset({"al", "el"})
#: The legal form after a company's name ("BP PLC", "Transocean Ltd."): written or not.
_COMPANY_SUFFIXES = frozenset({"plc", "inc", "corp", "corporation", "ltd", "llc", "co", "ag"})
#: Spelling alternations of transliterated names, folded in this order: Khalid/Halid,
#: Mustapha/Mustafa, Alexei/Alexey, Qadhafi/Kadafi, Baghdadi/Bagdadi, Nouri/Nuri.
_FOLDS = (("kh", "h"), ("ph", "f"), ("x", "ks"), ("y", "i"), ("q", "k"), ("gh", "g"),
          ("dh", "d"), ("ou", "u"))  # fmt: skip
#: British and American spellings of the words that institutions' names are made of: "World
#: Health Organisation" and "Organization", "Ministry of Defence" and "Defense", "Centre" and
#: "Center", "Programme" and "Program". Not -our/-or: "Labour" and "Labor" are different
#: parties.
_BRITISH = {"defence": "defense", "centre": "center", "centres": "centers",
            "programme": "program", "programmes": "programs"}  # fmt: skip
_ISATION = re.compile(r"isation(s?)$")


#: A regnal or generational number after a name ("Abdullah II", "Benedict XVI").
_REGNAL = re.compile(r"[ivx]+")


#: Legal forms that say "company" on their own, and only that: not "AG" ("Alabama AG", the
#: attorney general), "Co" ("Colorado Co") or "Corporation" (a city's council of old: "the
#: Edinburgh Corporation"), which the key still drops.
_LEGAL_FORMS = frozenset({"plc", "inc", "ltd", "llc"})


def is_company_name(name: str) -> bool:
    """Whether a name ends with a company's legal form ("BP PLC", "Transocean Ltd.")."""
    words = name.lower().replace(".", " ").replace(",", " ").split()
    return len(words) > 1 and words[-1] in _LEGAL_FORMS


@lru_cache(maxsize=16384)
def name_key(name: str) -> str:
    """A spelling-insensitive key for a name, so that variants meet across articles.

    Accents, case, punctuation, a possessive and titles go, and so do the articles of
    transliterated names (al-/el-), middle initials ("Thad W. Allen") and a company's legal
    form ("BP PLC"); common
    transliteration variants fold together (Sergey/Sergei, Aleksei/Alexey, Qadhafi/Kadhafi,
    Nouri/Nuri, Muammar/Muamar: doubled letters count once), and so do British and American
    spellings (Organisation/Organization, Defence/Defense, Centre/Center).
    """
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name)
    ascii_name = "".join(c for c in ascii_name if not unicodedata.combining(c)).lower()
    ascii_name = re.sub(r"['’]s\b", "", ascii_name)
    for mark in ".,'’`\"()-":
        ascii_name = ascii_name.replace(mark, " ")
    words = ascii_name.split()
    while len(words) > 1 and words[0] in TITLES:
        words = words[1:]
    words = [word for word in words if word not in _ARTICLES] or words
    while len(words) > 1 and words[-1] in _COMPANY_SUFFIXES:
        words = words[:-1]
    if len(words) > 2:
        words = [words[0], *(word for word in words[1:-1] if len(word) > 1), words[-1]]
    folded = []
    for position, word in enumerate(words):
        if position and _REGNAL.fullmatch(word):
            folded.append(word)  # "II" is not "I" with a doubled letter: another king
            continue
        word = _ISATION.sub(r"ization\1", _BRITISH.get(word, word))
        for written, said in _FOLDS:
            word = word.replace(written, said)
        collapsed = "".join(c for i, c in enumerate(word) if i == 0 or c != word[i - 1])
        folded.append(collapsed)
    return " ".join(folded)


#: English short forms of given names → the full name, from general knowledge: "Bob Dudley"
#: and "Robert Dudley", "Larry Summers" and "Lawrence Summers" are one person.
_SHORT_FORMS: dict[str, tuple[str, ...]] = {
    "robert": ("bob", "bobby", "rob", "robbie", "bert"),
    "william": ("bill", "billy", "will", "willie"),
    "james": ("jim", "jimmy", "jamie"),
    "michael": ("mike", "mickey"),
    "thomas": ("tom", "tommy"),
    "richard": ("dick", "rick", "ricky", "rich"),
    "lawrence": ("larry",),
    "henry": ("hank", "harry"),
    "edward": ("ed", "eddie", "ted", "ned"),
    "anthony": ("tony",),
    "charles": ("chuck", "charlie"),
    "joseph": ("joe", "joey"),
    "john": ("jack", "johnny"),
    "katherine": ("kate", "katie", "kathy"),
    "catherine": ("cathy", "kate"),
    "elizabeth": ("liz", "beth", "betsy", "betty"),
    "margaret": ("peggy", "meg", "maggie"),
    "christopher": ("chris",),
    "stephen": ("steve",),
    "steven": ("steve",),
    "daniel": ("dan", "danny"),
    "patrick": ("pat",),
    "ronald": ("ron", "ronnie"),
    "donald": ("don", "donnie"),
    "gerald": ("jerry",),
    "alexander": ("alex",),
    "nicholas": ("nick",),
    "benjamin": ("ben",),
    "samuel": ("sam",),
    "matthew": ("matt",),
    "gregory": ("greg",),
    "frederick": ("fred",),
    "jennifer": ("jenny", "jen"),
    "deborah": ("debbie", "deb"),
    "rebecca": ("becky",),
    "susan": ("sue", "susie"),
}


def _full_first_names() -> dict[str, set[str]]:
    full: dict[str, set[str]] = {}
    for name, shorts in _SHORT_FORMS.items():
        for form in (name, *shorts):
            full.setdefault(name_key(form), set()).add(name_key(name))
    return full


#: Generational suffixes after a surname ("Henry M. Paulson Jr."). Kept in the key, because
#: they tell a father from his son ("... Jr." and "... Sr." are two people), but a name
#: written without one can be either (:func:`same_person`). Regnal numbers ("Abdullah II")
#: are not among them: two kings of one name are two people.
GENERATIONS = frozenset({"jr", "sr"})
_VOWELS = frozenset("aeiou")


def without_generation(name: str) -> str:
    """A written name without its generational suffix ("Henry M. Paulson Jr." → "Henry M.
    Paulson"): its surname is then its last word."""
    words = name.split()
    if len(words) > 2 and words[-1].rstrip(".").lower() in GENERATIONS:
        return " ".join(words[:-1]).rstrip(",")
    return name


def name_parts(key: str) -> tuple[list[str], str]:
    """A name key's words without a generational suffix, and that suffix ("" if none)."""
    words = key.split()
    if len(words) > 2 and words[-1] in GENERATIONS:
        return words[:-1], words[-1]
    return words, ""


def _vowel_variant(a: str, b: str) -> bool:
    """Two transliterations of one given name that differ in one vowel ("moktada" /
    "muktada"). Only longer names: among short ones a vowel tells names apart (Dan, Don)."""
    if len(a) != len(b) or len(a) < 6:
        return False
    differ = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return len(differ) == 1 and differ[0][0] in _VOWELS and differ[0][1] in _VOWELS


def same_person(first: str, second: str) -> bool:
    """Whether two full names' keys can name one person: the same surname, first names of which
    one starts the other ("tim geithner" / "timothi geithner", "ken" / "keneth"), that are
    short and full forms of one name ("bob" / "robert") or transliterations a vowel apart
    ("moktada" / "muktada"), the middle names of the shorter among the longer's ("hilari
    clinton" / "hilari rodham clinton"), and no two different generational suffixes ("jr" and
    "sr"; one name with a suffix and one without can be one person). A key of one word is a
    surname alone: :func:`match_entity` decides those."""
    (a, a_suffix), (b, b_suffix) = name_parts(first), name_parts(second)
    if len(a) < 2 or len(b) < 2 or a[-1] != b[-1]:
        return False
    if a_suffix and b_suffix and a_suffix != b_suffix:
        return False
    short, long = sorted((a, b), key=len)
    full = _FULL_FIRST_NAMES.get(short[0], {short[0]}) & _FULL_FIRST_NAMES.get(long[0], {long[0]})
    if not (
        long[0].startswith(short[0])
        or short[0].startswith(long[0])
        or full
        or _vowel_variant(short[0], long[0])
    ):
        return False
    return set(short[1:-1]) <= set(long[1:-1])


class EntityIndex(Protocol):
    """What :func:`match_entity` needs to know of the entities seen so far (the store's
    tables, or anything else holding (id, canonical name) by label and key)."""

    def entity_by_key(self, label: str, key: str) -> tuple[int, str] | None: ...

    def entity_by_alias(self, label: str, key: str) -> tuple[int, str] | None: ...

    def people_with_surname(self, key: str, limit: int) -> list[tuple[int, str]]: ...

    def people_with_first_name(self, key: str, limit: int) -> list[tuple[int, str]]: ...


def match_entity(index: EntityIndex, name: str, label: str) -> tuple[int, str] | None:
    """The known entity (id, canonical name) a name of this label means, if any: the same
    key (Sergey/Sergei), a known alias (of several holders, the most mentioned), for a
    surname alone ("Okafor") the one person with that surname (else, for a first name alone,
    the one person with that first name), and for a full name the one person whose name it
    shortens or lengthens (:func:`same_person`); none when two people fit."""
    key = name_key(name)
    found = index.entity_by_key(label, key) or index.entity_by_alias(label, key)
    if found is None and label == "PERSON" and " " not in key:
        # A surname alone, else a first name alone ("Saddam"), that one known person has.
        people = index.people_with_surname(key, 2) or index.people_with_first_name(key, 2)
        found = people[0] if len(people) == 1 else None
    elif found is None and label == "PERSON":
        # A shortened or fuller first name of one known person ("Tim" / "Timothy Geithner");
        # two candidates ("Chris" for Christopher and Christine) are none.
        people = index.people_with_surname(name_parts(key)[0][-1], 50)
        matching = [p for p in people if same_person(key, name_key(p[1]))]
        found = matching[0] if len(matching) == 1 else None
    return found


def surname_owners(names: Sequence[tuple[str, str, int]]) -> dict[int, int]:
    """Among one story's (name, label, articles naming it) actors: each surname alone
    ("Paulson") mapped to the one person of that surname the story names in full ("Henry
    Paulson"), by index.

    The store keeps a surname alone apart when it knows two people of that surname (the
    investor and the treasury secretary): :func:`match_entity` has no story to go by. Within
    a story the reader's "Paulson" is the Paulson the story names, unless it names two (a
    couple, two brothers, namesakes: never a relative), or names that one in fewer articles
    than it uses the surname alone: news introduces a person by full name in each report,
    so a surname used more often than the one full name around it belongs to someone else
    ("Clinton" in four reports of 2008 that name "Bill Clinton" in one).
    """
    # Keys of the people only: a story page reads 200 actors, and a key costs about 17
    # microseconds the first time a process meets a name (name_key keeps the last 16,384).
    keys = {i: name_key(name) for i, (name, label, _) in enumerate(names) if label == "PERSON"}
    full: dict[str, set[str]] = {}
    index_of: dict[str, int] = {}
    for index, key in keys.items():
        words, _ = name_parts(key)
        if len(words) >= 2:
            full.setdefault(words[-1], set()).add(" ".join(words))
            index_of.setdefault(" ".join(words), index)
    owners: dict[int, int] = {}
    for index, key in keys.items():
        people = full.get(key, set())
        if key and " " not in key and len(people) == 1:
            owner = index_of[next(iter(people))]
            if names[owner][2] >= names[index][2]:
                owners[index] = owner
    return owners


_FULL_FIRST_NAMES = _full_first_names()


def absorbed_by(key: str) -> tuple[str, ...]:
    """The one-word keys a new full name's person takes over when no other known person shares
    that word ("Hayward", "Saddam" stored before "Tony Hayward", "Saddam Hussein"): its surname
    and its first name. A store meets the surname alone before the full name as often as
    after; :func:`match_entity` covers after, this covers before."""
    words = name_parts(key)[0]
    return (words[-1], words[0]) if len(words) >= 2 else ()
