"""The store-wide name key and the full-name rule of one person."""

from __future__ import annotations

import pytest

from storyline.analysis.gazetteer import (
    absorbed_by,
    is_company_name,
    match_entity,
    name_key,
    name_parts,
    same_person,
    store_kinds,
)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Nouri al-Maliki", "Nuri Maliki"),
        ("Muammar el-Qadhafi", "Muamar Qadafi"),
        ("Thad W. Allen", "Adm. Thad Allen"),
        ("OBAMA'S", "Obama"),
        ("Khalid Mustapha", "Halid Mustafa"),
        ("BP PLC", "BP"),
        ("Transocean Ltd.", "Transocean"),
        ("Northmoor Health Organisation", "Northmoor Health Organization"),
        ("Ministry of Defence", "Ministry of Defense"),
        ("Kessel Flood Centre", "Kessel Flood Center"),
    ],
)
def test_name_variants_share_a_key(first: str, second: str) -> None:
    assert name_key(first) == name_key(second)


def test_labour_and_labor_are_not_one_party() -> None:
    assert name_key("Kessel Labour Party") != name_key("Kessel Labor Party")


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("Tim Geithner", "Timothy F. Geithner", True),
        ("Bob Dudley", "Robert Dudley", True),
        ("Larry Summers", "Lawrence H. Summers", True),
        ("Hank Paulson", "Henry Paulson", True),
        ("Bob Dudley", "Bill Dudley", False),
        ("Hillary Clinton", "Hillary Rodham Clinton", True),
        ("Bill Clinton", "Hillary Clinton", False),
        ("Michael Jackson", "Janet Jackson", False),
        ("Geithner", "Tim Geithner", False),
        # A generational suffix written or not; two different ones are father and son.
        ("Henry M. Paulson Jr.", "Hank Paulson", True),
        ("Martin Kessler Jr.", "Martin Kessler Sr.", False),
        # Transliterations a vowel apart; short names a vowel apart are other names.
        ("Moqtada al-Sadr", "Muqtada al-Sadr", True),
        ("Dan Brenner", "Don Brenner", False),
        ("Mustafa Haddad", "Mostafo Haddad", False),
        # Regnal numbers are no suffix: two kings of one name are two people.
        ("King Abdullah II", "King Abdullah I", False),
    ],
)
def test_a_shortened_first_name_is_the_same_person(first: str, second: str, same: bool) -> None:
    assert same_person(name_key(first), name_key(second)) is same


class _People:
    """An entity index of people only (the store's tables, in memory)."""

    def __init__(self, *names: str, aliases: dict[str, int] | None = None) -> None:
        self.names = list(names)
        # An alias as written: the index of the person an article gave it to.
        self.aliases = {name_key(alias): i for alias, i in (aliases or {}).items()}

    def entity_by_key(self, label: str, key: str) -> tuple[int, str] | None:
        return next(((i, n) for i, n in enumerate(self.names) if name_key(n) == key), None)

    def entity_by_alias(self, label: str, key: str) -> tuple[int, str] | None:
        i = self.aliases.get(key)
        return None if i is None else (i, self.names[i])

    def people_with_surname(self, key: str, limit: int) -> list[tuple[int, str]]:
        found = [(i, n) for i, n in enumerate(self.names) if name_parts(name_key(n))[0][-1] == key]
        return found[:limit]

    def people_with_first_name(self, key: str, limit: int) -> list[tuple[int, str]]:
        found = [(i, n) for i, n in enumerate(self.names) if name_key(n).startswith(key + " ")]
        return found[:limit]


def test_match_entity_joins_a_full_name_to_the_one_person_it_fits() -> None:
    people = _People("Timothy Geithner", "Hillary Clinton", "Bill Clinton")
    assert match_entity(people, "Tim Geithner", "PERSON") == (0, "Timothy Geithner")
    assert match_entity(people, "Hillary Rodham Clinton", "PERSON") == (1, "Hillary Clinton")
    assert match_entity(people, "Chelsea Clinton", "PERSON") is None
    # A surname two people share is none of them; one of a kind is that person.
    assert match_entity(people, "Clinton", "PERSON") is None
    assert match_entity(people, "Geithner", "PERSON") == (0, "Timothy Geithner")
    # Two people a shortened name fits: none.
    assert (
        match_entity(_People("Chris Ode", "Christopher Ode", "Christine Ode"), "Chri Ode", "PERSON")
        is None
    )


def test_a_first_name_alone_is_the_one_person_with_it() -> None:
    people = _People("Saddam Hussein", "Tony Blair", "Tony Benn")
    assert match_entity(people, "Saddam", "PERSON") == (0, "Saddam Hussein")
    assert match_entity(people, "Tony", "PERSON") is None
    assert absorbed_by(name_key("Saddam Hussein")) == ("husein", "sadam")
    assert absorbed_by(name_key("Saddam")) == ()
    assert absorbed_by(name_key("Henry M. Paulson Jr.")) == ("paulson", "henri")


def test_a_name_with_a_suffix_is_found_by_its_surname() -> None:
    people = _People("Henry M. Paulson Jr.", "Ortiz Kessler")
    assert match_entity(people, "Hank Paulson", "PERSON") == (0, "Henry M. Paulson Jr.")
    assert match_entity(people, "Paulson", "PERSON") == (0, "Henry M. Paulson Jr.")
    both = _People("Henry M. Paulson Jr.", "John Paulson")
    assert match_entity(both, "Paulson", "PERSON") is None  # a namesake: neither


def test_a_known_alias_comes_before_the_surname_rule() -> None:
    # Articles called Lisa Marsh "Marsh" (its alias; the index lists an alias's most mentioned
    # holder first): another article's "Marsh" is hers though two people have that surname.
    two = _People("Lisa Marsh", "Mikel Marsh", aliases={"Marsh": 0})
    assert match_entity(two, "Marsh", "PERSON") == (0, "Lisa Marsh")
    assert match_entity(_People("Lisa Marsh", "Mikel Marsh"), "Marsh", "PERSON") is None
    nick = _People("Lisa Marsh", "Ivo Brandt", aliases={"Lizzie": 0})
    assert match_entity(nick, "Lizzie", "PERSON") == (0, "Lisa Marsh")


def test_a_surname_alone_goes_to_the_one_person_of_that_surname_in_the_story() -> None:
    from storyline.analysis.gazetteer import surname_owners

    names = [
        ("Henry Paulson", "PERSON", 6),
        ("Paulson", "PERSON", 2),
        ("Bill Kessler", "PERSON", 3),
        ("Ann Kessler", "PERSON", 3),  # his wife: "Kessler" alone is either
        ("Kessler", "PERSON", 1),
        ("Jordan", "GPE", 2),  # a place with a person's surname stays a place
        ("Michael Jordan", "PERSON", 4),
        ("PAULSON's", "PERSON", 1),  # possessive, all capitals: still Paulson
        ("Tam Ostrova", "PERSON", 1),
        ("Ostrova", "PERSON", 4),  # named alone more often than in full: someone else
    ]
    assert surname_owners(names) == {1: 0, 7: 0}


@pytest.mark.parametrize(
    ("articles", "expected"),
    [
        # A clear majority takes the minority kinds: the city read as a person in a few.
        ({"GPE": 18, "PERSON": 7, "LOC": 5}, {"GPE": "GPE", "PERSON": "GPE", "LOC": "GPE"}),
        # Two kinds about even: both kept (a rig and a place called alike).
        ({"ORG": 207, "LOC": 239}, {"ORG": "ORG", "LOC": "LOC"}),
        # Too little evidence to decide anything.
        ({"GPE": 2, "PERSON": 1}, {"GPE": "GPE", "PERSON": "PERSON"}),
        # A tie at the top folds nothing, not even the small third kind.
        ({"ORG": 6, "GPE": 6, "FAC": 1}, {"ORG": "ORG", "GPE": "GPE", "FAC": "FAC"}),
        # Exactly twice as many: folded; one article short of it: kept.
        ({"PERSON": 6, "ORG": 3}, {"PERSON": "PERSON", "ORG": "PERSON"}),
        ({"PERSON": 5, "ORG": 3}, {"PERSON": "PERSON", "ORG": "ORG"}),
    ],
)
def test_a_name_is_stored_under_the_kind_most_articles_give_it(
    articles: dict[str, int], expected: dict[str, str]
) -> None:
    assert store_kinds(articles) == expected


def test_a_company_s_legal_form_makes_its_name_an_organisation_whatever_the_counts() -> None:
    assert is_company_name("Transocean Ltd.") and is_company_name("Veltra Holdings PLC")
    assert not is_company_name("the Dunmere Corporation")
    assert not is_company_name("Ltd") and not is_company_name("Corporal Ade")
    assert not is_company_name("Westmarch AG")  # the attorney general as often as a company
    counts = {"GPE": 9, "ORG": 1}
    assert store_kinds(counts, company=True) == {"GPE": "ORG", "ORG": "ORG"}
    assert store_kinds(counts) == {"GPE": "GPE", "ORG": "GPE"}
    assert store_kinds({"GPE": 9}, company=True) == {"GPE": "GPE"}  # no organisation to be
