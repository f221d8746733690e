from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest
from conftest import SHARED

from storyline.analysis.pipeline import CHUNK, analyze
from storyline.errors import StorylineError
from storyline.ingest.extract import build_article
from storyline.records import Analysis, Article, Problem
from storyline.runner import analyze_pending, ingest_sources
from storyline.store import Store

SEED = SHARED / "seed"


def _analyse(text: str, nlp: Any, **kw: Any) -> Analysis:
    article = build_article(text=text, origin="test", **kw)
    (result,) = analyze([article], nlp=nlp)
    assert isinstance(result, Analysis)
    return result


def _names(analysis: Analysis, label: str) -> set[str]:
    return {e.canonical for e in analysis.entities if e.label == label}


@pytest.mark.shared
@pytest.mark.skipif(not SEED.is_dir(), reason="needs ../shared/seed (not part of the repository)")
def test_seed_page_entities(nlp: Any) -> None:
    gold = json.loads((SEED / "seed.gold.json").read_text(encoding="utf-8"))
    text = (SEED / gold["file"]).read_text(encoding="utf-8")
    analysis = _analyse(text, nlp, published=gold["published"], published_source="record")
    for label in ("PERSON", "ORG", "GPE"):
        missing = set(gold["entities"][label]) - _names(analysis, label)
        assert not missing, f"{label} not found: {missing}"
    by_alias = {(m.text, m.canonical) for m in analysis.mentions}
    for alias in ("U.N.", "the United Nations"):
        assert (alias, "United Nations") in by_alias
    assert ("Russian", "Russia") in by_alias and ("Iranian", "Iran") in by_alias
    # The country in "Special Envoy for Syria Staffan de Mistura" is not part of his name,
    # and "Defense" in "Russian Defense Minister" is no organisation.
    assert "Syria Staffan de Mistura" not in _names(analysis, "ORG")
    assert "Defense" not in _names(analysis, "ORG")


def test_mentions_point_into_the_text(nlp: Any, sample_records: list[dict[str, Any]]) -> None:
    articles = [
        build_article(text=r["text"], origin=r["id"], article_id=r["id"])
        for r in sample_records
        if r["id"].startswith("nw-")
    ]
    results = list(analyze(articles, nlp=nlp, batch_size=4))
    assert [r.article_id for r in results if isinstance(r, Analysis)] == [a.id for a in articles]
    for article, analysis in zip(articles, results, strict=True):
        assert isinstance(analysis, Analysis)
        assert analysis.mentions, article.id
        for mention in analysis.mentions:
            assert article.text[mention.start : mention.end] == mention.text
        assert analysis.sentences[0].start == 0
        assert analysis.sentences[-1].end <= len(article.text)


def test_worker_processes_analyse_as_one_process_does(sample_records: list[dict[str, Any]]) -> None:
    # The default pipeline (the tagger included), in chunks over two forked workers, a
    # refused article among them: the same analyses in the same order, the same problems.
    articles = [
        build_article(text=r["text"], origin=r["id"], article_id=r["id"]) for r in sample_records
    ]
    french = build_article(
        text="Les dockers du port sont en grève depuis jeudi et réclament une hausse des salaires.",
        origin="fr.html",
    )
    stream = [*articles[:9], french, *articles[9:]]
    alone = list(analyze(stream))
    assert len(stream) > 2 * CHUNK and Problem("fr.html", ANY) in alone
    forked = list(analyze(stream, workers=2))
    assert [r for r in forked if isinstance(r, Analysis)] == [
        r for r in alone if isinstance(r, Analysis)
    ]
    assert [r for r in forked if isinstance(r, Problem)] == [
        r for r in alone if isinstance(r, Problem)
    ]


def test_surnames_titles_and_abbreviations_resolve(nlp: Any) -> None:
    analysis = _analyse(
        "President Maria Olsen of Norway met U.N. officials in Oslo on Monday. "
        '"We agreed on the next steps", Olsen told Norwegian reporters afterwards. '
        "The United Nations said the talks would continue.",
        nlp,
    )
    mentions = {m.text: m.canonical for m in analysis.mentions}
    assert (
        mentions.get("Maria Olsen") == "Maria Olsen"
        or mentions.get("President Maria Olsen") == "Maria Olsen"
    )
    assert mentions["Olsen"] == "Maria Olsen"
    assert mentions["U.N."] == "United Nations"
    assert mentions["Norwegian"] == "Norway"
    person = next(e for e in analysis.entities if e.canonical == "Maria Olsen")
    assert person.mentions == 2 and "Olsen" in person.aliases


def test_other_languages_are_reported_not_analysed(nlp: Any) -> None:
    french = build_article(
        text="Les dockers du port sont en grève depuis jeudi et réclament une hausse des salaires.",
        origin="fr.html",
    )
    (result,) = analyze([french], nlp=nlp)
    assert isinstance(result, Problem)
    assert result == Problem("fr.html", "not analysed: language 'fr' (analysed: English)")


def test_unknown_stage_is_refused(nlp: Any) -> None:
    with pytest.raises(StorylineError, match="unknown analysis stage"):
        list(analyze([Article(id="a", text="Some text.")], stages=["sentiment"], nlp=nlp))


def test_stored_articles_are_analysed_once_and_copies_share_it(
    store: Store, sample_path: Path, nlp: Any
) -> None:
    ingest_sources(store, [str(sample_path)])
    done, problems = analyze_pending(store, nlp=nlp)
    stats = store.stats()
    # Canonical English articles only: 65 stored - 42 copies - 1 in French.
    assert done == stats["articles"] - stats["copies"] - 1 == 22
    assert problems == []
    assert analyze_pending(store, nlp=nlp) == (0, [])
    stored = store.get_analysis("nw-fever-1")
    assert stored is not None and "Helena Okafor" in {e.canonical for e in stored.entities}
    assert store.get_analysis("vc-fever-1") is None  # a copy: read its canonical's analysis
    top = {name for name, _label, _n in store.top_entities(limit=30)}
    assert {"Priya Natarajan", "Greta Lindqvist", "Solvent Motors"} <= top
