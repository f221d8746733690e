from __future__ import annotations

import json
import zlib
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED, reference_scores

from storyline.ingest.dedupe import link_copies
from storyline.records import Article, Telling, content_hash
from storyline.store import Duplicate, Store
from storyline.stories.clusterer import (
    MERGE_COSINE,
    SPLIT_MAX,
    Split,
    StoryClusterer,
    _centroid_cosine,
    article_terms,
    cluster,
)

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
    rows = [(_article(r["id"], r["text"], r["published"]), ()) for r in sample_records]
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
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, str(root / "bench" / "stories.py"), str(ECB_DEV), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    assert reference_scores("clustering_score.py", ECB_DEV, out)["bcubed_f1"] >= 0.925
    assert json.loads(out.read_text().splitlines()[0])["story"].startswith("s-")


def test_stored_stories_are_pure_complete_and_rerunnable(store: Any, sample_path: Path) -> None:
    from storyline.runner import analyze_pending, ingest_sources, place_stories

    ingest_sources(store, [str(sample_path)])
    analyze_pending(store)
    assert place_stories(store) == 65
    assert place_stories(store) == 0  # nothing left to place: reruns are no-ops
    stories = store.stories(limit=100)
    assert sum(row["articles"] for row in stories) == 65  # every article in one story
    for row in stories:
        keys = {a.id.split("-", 1)[1].split("-")[0] for a in store.story_articles(row["id"])}
        assert len(keys) == 1, (row["id"], keys)
    # wire copies sit with their original; the newest story comes first
    assert store.story_of("ld-talks-4") == store.story_of("nw-talks-4")
    assert stories[0]["last"] == max(row["last"] for row in stories)
    assert store.resolve_story("s-no-such") is None
    # `storyline cluster` groups the same file the same way in memory: copies linked first.
    ids = [json.loads(line)["id"] for line in sample_path.read_text().splitlines()]
    rows = []
    for article in filter(None, (store.get_article(article_id) for article_id in ids)):
        analysis = store.get_analysis(article.id)
        rows.append((article, analysis.mentions if analysis else ()))
    copies = link_copies(article for article, _ in rows)
    assert copies and all(store.duplicate_of(copy) for copy in copies)
    assert dict(cluster(rows, copies=copies)) == {a: store.story_of(a) for a in ids}


def _article(article_id: str, text: str, published: str | None = None) -> Article:
    return Article(id=article_id, text=text, published=published, content_hash=content_hash(text))


def _record(store: Store, article_id: str, canonical: str | None = None) -> None:
    with store.transaction():
        store.insert_article(
            Article(id=article_id, text="x", content_hash=article_id),
            duplicate=None if canonical is None else Duplicate(article_id, canonical, 1.0, "exact"),
        )


HARBOUR = {"harbour": 2, "strike": 2, "union": 1}


def test_a_merge_into_the_larger_second_story_reports_the_story_merged_away(
    store: Store,
) -> None:
    clusterer = StoryClusterer()
    # Two stories as stored assignments left them (replayed, not decided), alike enough to be
    # one: their centroids' cosine is over MERGE_COSINE.
    placed = {f"b{i}": Counter({**HARBOUR, f"pier{i}": 1}) for i in range(3)}
    placed["a0"] = Counter({**HARBOUR, "bridge": 1})
    for article_id, terms in placed.items():
        story_id = "s-a0" if article_id == "a0" else "s-b0"
        clusterer.place(article_id, terms, None, story_id)
        _record(store, article_id)
        store.assign_story(article_id, story_id, 1.0)
    # Closest to the small bridge story, close enough to the larger strike story to merge.
    both = clusterer.add("n", Counter({"bridge": 1, **HARBOUR}))
    assert both.story_id == "s-b0"  # the larger story is kept
    assert both.merged == ("s-a0",)
    assert clusterer.resolve("s-a0") == "s-b0"
    # Recorded in the store, every article ends in the kept story.
    _record(store, "n")
    store.assign_story("n", both.story_id, both.similarity, both.merged)
    assert {store.story_of(a) for a in ("b0", "b1", "b2", "a0", "n")} == {"s-b0"}
    assert store.resolve_story("s-a0") == "s-b0"


def test_stories_far_apart_do_not_merge_through_one_article() -> None:
    clusterer = StoryClusterer()
    for i in range(3):
        clusterer.place(f"b{i}", Counter({**HARBOUR, f"pier{i}": 1}), None, "s-b0")
    clusterer.place("a0", Counter({"bridge": 2, "cracks": 2, "closed": 1}), None, "s-a0")
    # An article about both is close to each story, but the stories are not one.
    both = clusterer.add("n", Counter({"bridge": 2, "cracks": 2, "closed": 1, **HARBOUR}))
    assert both.merged == () and {"s-a0", "s-b0"} <= clusterer.stories.keys()


def test_a_lone_article_joins_the_story_that_grew_close_to_it() -> None:
    clusterer = StoryClusterer()
    clusterer.add("a0", Counter({"ferry": 2, "strike": 2, "crews": 2, "pay": 1}))
    clusterer.add("x0", Counter({"bridge": 2, "cracks": 2, "closed": 1}))
    # Too little in common with the strike's first report: a story of its own.
    lone = clusterer.add("l0", Counter({"ferry": 1, "fares": 2, "tickets": 2, "commuters": 1}))
    assert lone.story_id == "s-l0"
    # The next report speaks of the strike and of fares: the lone article belongs with it.
    grown = clusterer.add(
        "a1", Counter({"ferry": 2, "strike": 2, "crews": 1, "fares": 1, "tickets": 1})
    )
    assert grown.story_id == "s-a0" and grown.merged == ("s-l0",)
    assert clusterer.resolve("s-l0") == "s-a0" and clusterer.stories["s-a0"].size == 3
    # An unrelated lone article stays alone.
    assert "s-x0" in clusterer.stories


def test_terms_hold_the_dates_an_article_names() -> None:
    terms = article_terms("The Hollow Palms signed Okoro on Jan. 5, 2011, for two seasons.")
    assert {term for term in terms if term.startswith("T:")} == {"T:2011", "T:01-05"}
    assert terms["T:2011"] == terms["T:01-05"] > 0


REHAB = "rehab rehab clinic clinic checked treatment spokesperson"


def _singer(i: int) -> str:
    return f"{REHAB} quill quill quill sunridge sunridge mara mara singer word{'abcdefghijkl'[i]}x"


def _striker(i: int) -> str:
    return (
        f"{REHAB} okoro okoro okoro palm palm hollow hollow striker dev other{'abcdefghijkl'[i]}y"
    )


#: A second event of the same kind whose first reports join the first event's young story.
TWO_EVENTS = [
    *((f"m{i}", _singer(i)) for i in range(5)),
    *((f"d{i}", _striker(i)) for i in range(5)),
    ("m5", _singer(5)),
    ("d5", _striker(5)),
]


def test_a_young_story_that_tells_two_events_splits() -> None:
    clusterer = StoryClusterer()
    results = {a: clusterer.add(a, article_terms(text)) for a, text in TWO_EVENTS}
    assert results["d0"].story_id == "s-m0"  # the kind's words were enough, at first
    split = results["d4"].split
    assert split == Split("s-m0", "s-d0", ("d0", "d1", "d2", "d3", "d4"))
    assert results["d4"].story_id == "s-d0"
    # Later articles of each event find their own story.
    assert results["m5"].story_id == "s-m0" and results["d5"].story_id == "s-d0"
    # In memory, the moved articles end in the story they moved to.
    by_id = dict(cluster([(_article(a, text), ()) for a, text in TWO_EVENTS]))
    assert by_id == {a: result.story_id for a, result in results.items()} | {
        a: "s-d0" for a in ("d0", "d1", "d2", "d3")
    }


def test_one_event_does_not_split() -> None:
    clusterer = StoryClusterer()
    results = [clusterer.add(f"m{i}", article_terms(_singer(i))) for i in range(12)]
    assert {r.story_id for r in results} == {"s-m0"}
    assert all(r.split is None for r in results)


#: Two events of one kind told mostly in the kind's words: the centroids of the two events are
#: close (a cosine over MERGE_COSINE), but each article's nearest articles are of its own event.
KIND = "rehab rehab clinic clinic checked treatment spokesperson entered program weeks"
CLOSE_EVENTS = [
    *((f"m{i}", f"{KIND} quill sunridge singer word{'abcde'[i]}x") for i in range(5)),
    *((f"d{i}", f"{KIND} okoro palm striker other{'abcde'[i]}y") for i in range(5)),
]


def test_two_events_with_close_centroids_split_by_their_nearest_articles() -> None:
    clusterer = StoryClusterer()
    results = {a: clusterer.add(a, article_terms(text)) for a, text in CLOSE_EVENTS}
    assert results["d4"].split == Split("s-m0", "s-d0", ("d0", "d1", "d2", "d3", "d4"))
    centroids = [clusterer.stories[story].weights for story in ("s-m0", "s-d0")]
    assert _centroid_cosine(*centroids) >= MERGE_COSINE  # centroids alone would keep them one


def test_two_young_stories_that_would_split_again_do_not_merge() -> None:
    clusterer = StoryClusterer()
    for article_id, text in CLOSE_EVENTS:
        clusterer.place(article_id, article_terms(text), None, "s-" + article_id[0] + "0")
    # Close to both stories, whose centroids are close too; but together they are two again.
    both = clusterer.add("n", article_terms(f"{KIND} quill okoro"))
    assert both.merged == () and {"s-m0", "s-d0"} <= clusterer.stories.keys()


def test_a_split_moves_the_articles_and_their_copies_in_the_store(store: Store) -> None:
    clusterer = StoryClusterer()
    for article_id, text in TWO_EVENTS[:10]:
        result = clusterer.add(article_id, article_terms(text))
        _record(store, article_id)
        split = result.split
        moved = None if split is None else (split.from_id, split.to_id, split.articles)
        if article_id == "d1":  # a wire copy of d1, placed with it before the split
            _record(store, "d1-copy", canonical="d1")
            store.assign_story("d1-copy", result.story_id, 1.0)
            store.save_telling(Telling("s-m0", "Mara Quill in rehab", (), (), 4))
        store.assign_story(article_id, result.story_id, result.similarity, moved=moved)
    assert {store.story_of(a) for a in ("m0", "m1", "m2", "m3", "m4")} == {"s-m0"}
    assert {store.story_of(a) for a in ("d0", "d1", "d1-copy", "d2", "d3", "d4")} == {"s-d0"}
    # Told anew, although its article count is again the one its telling was made from.
    assert "s-m0" in store.stale_tellings()
    # Readers of either story can follow the split.
    splits = store.story_splits("s-m0")
    assert splits["from"] is None
    # d0 to d3 and the copy of d1 left; d4, which caused the split, went straight to s-d0.
    assert [(p["story"], p["articles"]) for p in splits["into"]] == [("s-d0", 5)]
    assert store.story_splits("s-d0")["from"]["story"] == "s-m0"  # type: ignore[index]
    from storyline.views import story_data

    assert story_data(store, "s-d0")["split_from"]["story"] == "s-m0"


def test_a_split_after_the_saved_state_is_replayed_as_a_move() -> None:
    """A run killed after a split but before saving its state: the next run starts from the
    older state and replays the stored assignments, which carry the split."""
    original = StoryClusterer()
    for article_id, text in TWO_EVENTS[:9]:
        original.add(article_id, article_terms(text))
    saved = json.loads(json.dumps(original.state()))
    split = original.add("d4", article_terms(dict(TWO_EVENTS)["d4"])).split
    assert split is not None
    restored = StoryClusterer.from_state(saved)
    # Stored rows written after the saved state: the moved articles and d4, in their story.
    for article_id in ("d0", "d1", "d2", "d3", "d4"):
        restored.place(article_id, article_terms(dict(TWO_EVENTS)[article_id]), None, "s-d0")
    assert restored.documents == original.documents
    for story_id in ("s-m0", "s-d0"):
        assert restored.stories[story_id].members == original.stories[story_id].members
        assert restored.stories[story_id].size == original.stories[story_id].size


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
    from storyline.runner import analyze_pending, ingest_sources

    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    ingest_sources(store, [str(path)])
    analyze_pending(store)


def test_a_run_starts_from_the_saved_state_and_recovers_an_unsaved_one(
    store: Store,
    sample_records: list[dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import storyline.runner as stories

    read: list[str] = []
    terms_of = stories._terms
    monkeypatch.setattr(
        stories, "_terms", lambda s, article: read.append(article.id) or terms_of(s, article)
    )
    parts = [sample_records[:25], sample_records[25:45], sample_records[45:]]
    _ingest_part(store, parts[0], tmp_path / "a.jsonl")
    first = stories.place_stories(store)
    assert first == 25 and store.story_state() is not None
    assert store.story_state()[0] == store.last_assignment()  # type: ignore[index]

    # A second batch reads only its own articles: nothing stored is replayed.
    _ingest_part(store, parts[1], tmp_path / "b.jsonl")
    read.clear()
    with monkeypatch.context() as patch:
        # ... and its assignments are stored without a state, as `storyline load` stores the
        # Spark job's stories: the next run must replay them.
        record = store.record_placements
        patch.setattr(store, "record_placements", lambda batch, state: record(batch, None))
        assert stories.place_stories(store) == 20
    decided_second = list(read)
    copies = {r["id"] for r in parts[1]} - set(decided_second)
    assert all(store.duplicate_of(article_id) for article_id in copies)

    # The next run replays what the killed run assigned, then decides the new batch.
    _ingest_part(store, parts[2], tmp_path / "c.jsonl")
    read.clear()
    assert stories.place_stories(store) == len(parts[2])
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
    from storyline.runner import place_stories

    _ingest_part(store, sample_records[:40], tmp_path / "a.jsonl")
    place_stories(store)
    expected = store.story_state()
    with store.transaction() as conn:
        conn.execute("DELETE FROM story_state")
    assert place_stories(store) == 0
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
    assert place_stories(store) == len(sample_records) - 40
    rows = store.stories(limit=100)
    assert sum(row["articles"] for row in rows) == len(sample_records)


def test_an_article_replayed_into_a_story_past_splitting_leaves_its_young_story() -> None:
    clusterer = StoryClusterer()
    for i in range(SPLIT_MAX):  # a story at the largest size that may still split
        clusterer.place(f"b{i}", Counter({**HARBOUR, f"pier{i}": 1}), None, "s-b0")
    assert clusterer.stories["s-b0"].members is not None
    for article_id, text in TWO_EVENTS[:3]:
        clusterer.place(article_id, article_terms(text), None, "s-m0")
    clusterer.place("m1", article_terms(dict(TWO_EVENTS)["m1"]), None, "s-b0")
    assert clusterer.stories["s-m0"].members == ["m0", "m2"]
    assert clusterer.stories["s-m0"].size == 2 and clusterer.stories["s-b0"].size == 33
    assert clusterer.stories["s-b0"].members is None  # now past it: it lists no articles
    # The state stays whole: every listed article has its vector, none is listed twice.
    restored = StoryClusterer.from_state(json.loads(json.dumps(clusterer.state())))
    assert restored.state() == clusterer.state()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cluster_and_the_store_agree_for_any_arrival_order(
    sample_records: list[dict[str, Any]], tmp_path: Path, seed: int
) -> None:
    """`storyline cluster FILE` and ingesting FILE into a new store group alike, whatever the
    input order, with several articles a day at different times (one arrival-order rule:
    publication day, then input order)."""
    import random

    from storyline.ingest.sources import SourceOptions
    from storyline.runner import ingest_sources, place_stories
    from storyline.store import open_store

    rng = random.Random(seed)
    records = []
    for record in sample_records:
        # Two days only, so that each story's first day holds several of its articles: which
        # comes first (and names the story) then depends on the order within the day.
        hour, minute = rng.randrange(24), rng.randrange(60)
        day = "2025-03-01" if record["published"] < "2025-03-12" else "2025-03-02"
        records.append({**record, "published": f"{day}T{hour:02d}:{minute:02d}:00+00:00"})
    rng.shuffle(records)
    path = tmp_path / f"shuffled-{seed}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    store = open_store(tmp_path / f"shuffled-{seed}.db")
    try:
        ingest_sources(store, [str(path)], SourceOptions())
        place_stories(store)
        stored = {r["id"]: store.story_of(r["id"]) for r in records}
        articles = [store.get_article(r["id"]) for r in records]
    finally:
        store.close()
    rows = [(article, ()) for article in articles if article is not None]
    in_memory = dict(cluster(rows, copies=link_copies(article for article, _ in rows)))
    assert in_memory == stored
    assert len(set(stored.values())) > 1
