from __future__ import annotations

from pathlib import Path

import pytest

from storyline.ingest.sources import SourceOptions
from storyline.runner import analyze_pending, ingest_sources, place_stories, refresh_tellings
from storyline.store import Store
from storyline.views import story_data, to_markdown


def _told_store(store: Store, sample_path: Path) -> None:
    ingest_sources(store, [str(sample_path)], SourceOptions())
    analyze_pending(store)
    place_stories(store)


def test_every_story_is_told_once_and_again_only_when_it_changes(
    store: Store, sample_path: Path
) -> None:
    _told_store(store, sample_path)
    stories = {row["id"] for row in store.stories(limit=100)}
    assert refresh_tellings(store) == len(stories)
    assert refresh_tellings(store) == 0  # nothing changed, nothing told again
    talks = store.get_telling("s-nw-talks-1")
    assert talks is not None and talks.digest and talks.timeline
    articles = {a.id: a for a in store.story_articles("s-nw-talks-1")}
    assert talks.articles == len(articles)
    for line in talks.digest + tuple(x for e in talks.timeline for x in e.lines):
        for c in line.citations:
            assert articles[c.article_id].text[c.start : c.end] == line.text
    # A story that loses an article (here: by hand) is stale and is told again.
    store.conn.execute("DELETE FROM story_articles WHERE article_id = 'nw-talks-2'")
    assert store.stale_tellings() == ["s-nw-talks-1"]
    assert refresh_tellings(store) == 1


def test_markdown_cites_lines_and_lists_sources(store: Store, sample_path: Path) -> None:
    _told_store(store, sample_path)
    refresh_tellings(store)
    telling = store.get_telling("s-et-bridge-1")
    assert telling is not None
    articles = store.story_articles("s-et-bridge-1")
    page = to_markdown(story_data(store, "s-et-bridge-1"))
    assert page.startswith(f"# {telling.headline}\n")
    assert "## Digest" in page and "## Timeline" in page and "## Sources" in page
    assert "Eastbrook Times [et-bridge-1 " in page
    for article in articles:
        assert f"`{article.id}`" in page


def test_stored_times_are_what_the_timeline_reads(store: Store, sample_path: Path) -> None:
    """Telling reads the time expressions the time stage stored: with them or found anew,
    the telling is the same, and a stored expression that changes changes the timeline."""
    from dataclasses import replace

    from storyline.runner import story_times
    from storyline.telling.tell import tell

    _told_store(store, sample_path)
    articles = store.story_articles("s-nw-talks-1")
    stored = story_times(store, articles)
    assert tell("s", articles, stored) == tell("s", articles)
    # Moved by a year, the stored expressions move the timeline's dates with them.
    moved = {
        key: tuple(replace(t, value=t.value.replace("2025", "2019")) for t in times)
        for key, times in stored.items()
    }
    dates = {e.date for e in tell("s", articles, moved).timeline}
    assert dates != {e.date for e in tell("s", articles, stored).timeline}


def test_reading_a_story_never_tells_it(store: Store, sample_path: Path) -> None:
    _told_store(store, sample_path)  # placed, not told
    data = story_data(store, "s-et-bridge-1")
    assert data["digest"] == [] and data["stale"] and data["told_from"] == 0
    assert store.get_telling("s-et-bridge-1") is None  # the read wrote nothing
    refresh_tellings(store)
    told = story_data(store, "s-et-bridge-1")
    assert told["digest"] and not told["stale"]


def test_kept_sentences_are_what_the_telling_reads(store: Store, sample_path: Path) -> None:
    """Analysis keeps each article's sentences, telling keeps those of the copies it splits,
    and a story told from kept sentences is told as one split anew; a kept span that changes
    changes the telling (it is read, not found again)."""
    from storyline.runner import story_sentences, story_times
    from storyline.telling.sentences import spans_of
    from storyline.telling.tell import tell

    _told_store(store, sample_path)
    articles = store.story_articles("s-nw-talks-1")
    ids = [a.id for a in articles]
    copies = {a.id for a in articles if store.duplicate_of(a.id) is not None}
    assert copies and set(store.stored_sentences(ids)) == set(ids) - copies
    spans = story_sentences(store, articles)
    assert set(store.stored_sentences(ids)) == set(ids)  # the copies' are kept now
    assert spans == dict(zip(ids, spans_of(articles), strict=True))
    times = story_times(store, articles)
    told = tell("s", articles, times, spans)
    assert told == tell("s", articles, times)
    # The kept spans of the article cited first, cut to nothing: its lines are gone.
    first = told.digest[0].citations[0].article_id
    assert first not in {
        c.article_id
        for line in tell("s", articles, times, {**spans, first: []}).digest
        for c in line.citations
    }


def test_told_articles_spread_evenly_over_the_story() -> None:
    from storyline.telling.tell import told_articles

    ids = [f"a{n}" for n in range(10)]
    assert told_articles(ids, 10) == ids and told_articles(ids, 50) == ids
    assert told_articles(ids, 4) == ["a0", "a3", "a6", "a9"]  # first and last kept
    assert told_articles(ids, 2) == ["a0", "a9"]
    assert told_articles(ids, 1) == ["a9"] and told_articles(ids, 0) == []
    picked = told_articles([f"a{n}" for n in range(1001)], 7)
    assert picked == [f"a{n}" for n in (0, 167, 333, 500, 667, 833, 1000)]


def test_a_story_above_the_bound_is_told_from_a_spread(
    store: Store, sample_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A story of more articles than the bound is told from that many, spread over its
    order; the telling still counts the whole story (not stale), and the page says so."""
    import storyline.telling.tell as tell_module
    import storyline.views as views

    _told_store(store, sample_path)
    ids = store.story_article_ids("s-nw-talks-1")
    assert ids == [a.id for a in store.story_articles("s-nw-talks-1")] and len(ids) >= 3
    monkeypatch.setattr(tell_module, "TOLD_ARTICLES", 2)
    monkeypatch.setattr(views, "TOLD_ARTICLES", 2)
    refresh_tellings(store)
    telling = store.get_telling("s-nw-talks-1")
    assert telling is not None and telling.articles == len(ids)
    assert "s-nw-talks-1" not in store.stale_tellings()
    cited = {c.article_id for line in telling.digest for c in line.citations}
    cited |= {c.article_id for e in telling.timeline for x in e.lines for c in x.citations}
    assert cited and cited <= {ids[0], ids[-1]}
    data = story_data(store, "s-nw-talks-1")
    assert (data["told_read"], data["told_from"], data["stale"]) == (2, len(ids), False)
    assert "Told from 2 of them" in to_markdown(data)
