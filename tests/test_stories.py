from __future__ import annotations

import json
import zlib
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED, reference_scores

from storyline.records import Article
from storyline.store import Store
from storyline.stories import StoryClusterer, article_terms, cluster

ECB_DEV = SHARED / "bench" / "clustering" / "ecbplus" / "dev"

STRIKE = (
    "Dockworkers at Port Halvard walked out over pay, and the union leader Greta "
    "Lindqvist said ships would wait at anchor until the port authority made an offer."
)
OUTBREAK = (
    "Health officials in Marlow reported fever cases in the eastern district, and "
    "Dr. Helena Okafor said the water supply of the town was being tested."
)


def test_distinct_stories_stay_apart_and_ids_are_stable() -> None:
    clusterer = StoryClusterer()
    first = clusterer.add("a1", article_terms(STRIKE))
    second = clusterer.add("a2", article_terms(OUTBREAK))
    third = clusterer.add("a3", article_terms(STRIKE.replace("walked out", "stayed out")))
    assert first.story_id == "s-a1" and second.story_id == "s-a2"
    assert third.story_id == "s-a1"


def test_a_cold_story_is_not_joined() -> None:
    clusterer = StoryClusterer()
    clusterer.add("a1", article_terms(STRIKE), date(2025, 1, 1))
    late = clusterer.add("a2", article_terms(STRIKE), date(2025, 6, 1))
    assert late.story_id == "s-a2"


def test_sample_corpus_stories_never_mix(sample_records: list[dict[str, Any]]) -> None:
    rows = [(r["id"], r["text"], r["published"], ()) for r in sample_records]
    groups: dict[str, set[str]] = defaultdict(set)
    for article_id, story_id in cluster(rows):
        groups[story_id].add(article_id.split("-", 1)[1].split("-")[0])
    assert all(len(keys) == 1 for keys in groups.values()), groups
    # every wire copy lands with its original
    by_id = dict(cluster(rows))
    assert by_id["hl-talks-4"] == by_id["nw-talks-4"] == by_id["ld-talks-4"]


@pytest.mark.shared
@pytest.mark.skipif(not ECB_DEV.is_dir(), reason="needs ../shared/bench (not in the repo)")
def test_ecb_dev_quality_floor(tmp_path: Path) -> None:
    """A gate, not a target: fails if a change makes story grouping worse than it was."""
    import subprocess
    import sys

    out = tmp_path / "stories.jsonl"
    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        [sys.executable, str(root / "bench" / "stories.py"), str(ECB_DEV), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    assert reference_scores("clustering_score.py", ECB_DEV, out)["bcubed_f1"] >= 0.85
    assert json.loads(out.read_text().splitlines()[0])["story"].startswith("s-")


def test_stored_stories_are_pure_complete_and_rerunnable(store: Any, sample_path: Path) -> None:
    from storyline.analyze import analyze_pending
    from storyline.ingest import ingest_sources
    from storyline.stories import assign_stories

    ingest_sources(store, [str(sample_path)])
    analyze_pending(store)
    assert assign_stories(store) == 65
    assert assign_stories(store) == 0  # nothing left to place: reruns are no-ops
    stories = store.stories(limit=100)
    assert sum(row["articles"] for row in stories) == 65  # every article in one story
    for row in stories:
        keys = {a.id.split("-", 1)[1].split("-")[0] for a in store.story_articles(row["id"])}
        assert len(keys) == 1, (row["id"], keys)
    # wire copies sit with their original; the newest story comes first
    assert store.story_of("ld-talks-4") == store.story_of("nw-talks-4")
    assert stories[0]["last"] == max(row["last"] for row in stories)
    assert store.resolve_story("s-no-such") is None


def test_a_merge_into_the_larger_second_story_reports_the_story_merged_away(
    store: Store,
) -> None:
    clusterer = StoryClusterer()
    harbour = {"harbour": 2, "strike": 2, "union": 1}
    assignments = [
        clusterer.add(f"b{i}", Counter({**harbour, f"pier{i}": 1})) for i in range(3)
    ] + [clusterer.add("a0", Counter({"bridge": 2, "cracks": 2, "closed": 1}))]
    # Closest to the small bridge story, close enough to the larger strike story to merge.
    both = clusterer.add("n", Counter({"bridge": 2, "cracks": 2, "closed": 1, **harbour}))
    assert both.story_id == "s-b0"  # the larger story is kept
    assert both.merged == ("s-a0",)
    assert clusterer.resolve("s-a0") == "s-b0"
    # Recorded in the store, every article ends in the kept story.
    for result in [*assignments, both]:
        with store.transaction():
            store.insert_article(
                Article(id=result.article_id, text="x", content_hash=result.article_id)
            )
        store.assign_story(result.article_id, result.story_id, result.similarity, result.merged)
    assert {store.story_of(a) for a in ("b0", "b1", "b2", "a0", "n")} == {"s-b0"}
    assert store.resolve_story("s-a0") == "s-b0"


def test_a_clusterer_restored_from_its_state_decides_as_the_original(
    sample_records: list[dict[str, Any]],
) -> None:
    stream = [
        (r["id"], article_terms(r["text"]), date.fromisoformat(r["published"][:10]))
        for r in sorted(sample_records, key=lambda r: r["published"])
    ]
    original = StoryClusterer()
    for article_id, terms, day in stream[:40]:
        original.add(article_id, terms, day)
    restored = StoryClusterer.from_state(json.loads(json.dumps(original.state())))
    assert restored.state() == original.state()
    for article_id, terms, day in stream[40:]:
        assert restored.add(article_id, terms, day) == original.add(article_id, terms, day)


def _ingest_part(store: Store, records: list[dict[str, Any]], path: Path) -> None:
    from storyline.analyze import analyze_pending
    from storyline.ingest import ingest_sources

    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    ingest_sources(store, [str(path)])
    analyze_pending(store)


def test_a_run_starts_from_the_saved_state_and_recovers_an_unsaved_one(
    store: Store,
    sample_records: list[dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import storyline.stories as stories

    read: list[str] = []
    terms_of = stories._terms
    monkeypatch.setattr(
        stories, "_terms", lambda s, article: read.append(article.id) or terms_of(s, article)
    )
    parts = [sample_records[:25], sample_records[25:45], sample_records[45:]]
    _ingest_part(store, parts[0], tmp_path / "a.jsonl")
    first = stories.assign_stories(store)
    assert first == 25 and store.story_state() is not None
    assert store.story_state()[0] == store.last_assignment()  # type: ignore[index]

    # A second batch reads only its own articles: nothing stored is replayed.
    _ingest_part(store, parts[1], tmp_path / "b.jsonl")
    read.clear()
    with monkeypatch.context() as patch:
        # ... and this run is killed before it saves its state.
        patch.setattr(stories, "_save_clusterer", lambda *args: None)
        assert stories.assign_stories(store) == 20
    decided_second = list(read)
    copies = {r["id"] for r in parts[1]} - set(decided_second)
    assert all(store.duplicate_of(article_id) for article_id in copies)

    # The next run replays what the killed run assigned, then decides the new batch.
    _ingest_part(store, parts[2], tmp_path / "c.jsonl")
    read.clear()
    assert stories.assign_stories(store) == len(parts[2])
    assert set(read[: len(decided_second)]) == set(decided_second)
    assert set(read[len(decided_second) :]) <= {r["id"] for r in parts[2]}
    assert not {r["id"] for r in parts[0]} & set(read)
    covered, blob = store.story_state()  # type: ignore[misc]
    assert covered == store.last_assignment()
    state = json.loads(zlib.decompress(blob))
    originals = sum(1 for r in sample_records if store.duplicate_of(r["id"]) is None)
    assert state["documents"] == originals
    # Every article is in one story and stories never mix.
    rows = store.stories(limit=100)
    assert sum(row["articles"] for row in rows) == len(sample_records)
    for row in rows:
        keys = {a.id.split("-", 1)[1].split("-")[0] for a in store.story_articles(row["id"])}
        assert len(keys) == 1, (row["id"], keys)


def test_a_store_without_a_saved_state_is_replayed_whole(
    store: Store, sample_records: list[dict[str, Any]], tmp_path: Path
) -> None:
    """A store written before the state was saved (or with a state of another format)."""
    from storyline.stories import assign_stories

    _ingest_part(store, sample_records[:40], tmp_path / "a.jsonl")
    assign_stories(store)
    expected = store.story_state()
    with store.transaction() as conn:
        conn.execute("DELETE FROM story_state")
    assert assign_stories(store) == 0
    replayed = store.story_state()
    assert replayed is not None and expected is not None
    assert (
        json.loads(zlib.decompress(replayed[1]))["documents"]
        == json.loads(zlib.decompress(expected[1]))["documents"]
    )
    # A state of an unknown format is ignored the same way.
    other = zlib.compress(json.dumps({"version": 0}).encode())
    store.save_story_state(store.last_assignment(), other)
    _ingest_part(store, sample_records[40:], tmp_path / "b.jsonl")
    assert assign_stories(store) == len(sample_records) - 40
    rows = store.stories(limit=100)
    assert sum(row["articles"] for row in rows) == len(sample_records)
