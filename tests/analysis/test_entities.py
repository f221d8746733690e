from __future__ import annotations

from storyline.analysis.entities import _labels_agreed
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
