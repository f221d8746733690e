from __future__ import annotations

from pathlib import Path

from storyline.analyze import analyze_pending
from storyline.ingest import ingest_sources
from storyline.sources import SourceOptions
from storyline.store import Store
from storyline.stories import assign_stories
from storyline.tell import refresh_tellings, to_markdown


def _told_store(store: Store, sample_path: Path) -> None:
    ingest_sources(store, [str(sample_path)], SourceOptions())
    analyze_pending(store)
    assign_stories(store)


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
    page = to_markdown(telling, articles)
    assert page.startswith(f"# {telling.headline}\n")
    assert "## Digest" in page and "## Timeline" in page and "## Sources" in page
    assert "Eastbrook Times [et-bridge-1 " in page
    for article in articles:
        assert f"`{article.id}`" in page
