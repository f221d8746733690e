from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import storyline.runner as ingest_module
from storyline.records import Article, Problem
from storyline.runner import analyze_pending, ingest_sources, run
from storyline.store import Store, open_store

#: Copies the sample corpus was written with (see scripts/make_sample_corpus.py).
SAMPLE_COPIES = 42


def test_sample_corpus_ingests_with_wire_copies_linked(
    store: Store, sample_path: Path, sample_records: list[dict[str, Any]]
) -> None:
    report = ingest_sources(store, [str(sample_path)])
    assert report.problems == []
    assert report.added == len(sample_records)
    assert report.copies == SAMPLE_COPIES
    # Every copy links to the wire original of its key, whatever outlet ran it.
    for record in sample_records:
        duplicate = store.duplicate_of(record["id"])
        key = record["id"].split("-", 1)[1]
        if duplicate is not None:
            assert duplicate.canonical_id.endswith(key), (record["id"], duplicate)
    outlets = {a.outlet for a, _ in store.copies("nw-talks-4")}
    assert outlets == {
        "Northgate Wire",
        "The Harbor Ledger",
        "Eastbrook Times",
        "Valley Courier",
        "Lakeside Daily",
    }
    # Separate reports of one story are not copies of each other.
    assert store.duplicate_of("mp-talks-3") is None
    assert store.duplicate_of("co-talks-5") is None


def test_reingesting_is_a_no_op(store: Store, sample_path: Path) -> None:
    first = ingest_sources(store, [str(sample_path)])
    before = store.stats()
    second = ingest_sources(store, [str(sample_path)])
    assert second.added == 0 and second.unchanged == first.added
    assert store.stats() == before


def test_interrupted_ingest_is_consistent_and_a_rerun_completes_it(
    tmp_path: Path, sample_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "killed.db"
    real_add = ingest_module.add_article
    calls = 0

    def dying_add(*args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 20:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-batch
        real_add(*args)

    monkeypatch.setattr(ingest_module, "add_article", dying_add)
    with open_store(db) as store, pytest.raises(KeyboardInterrupt):
        ingest_sources(store, [str(sample_path)])
    monkeypatch.undo()
    with open_store(db) as store:
        assert store.stats()["articles"] == 19
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # Every stored article is whole: it has its signature and its FTS row.
        assert store.conn.execute("SELECT COUNT(*) FROM minhashes").fetchone()[0] == 19
        assert store.conn.execute("SELECT COUNT(*) FROM articles_fts").fetchone()[0] == 19
        report = ingest_sources(store, [str(sample_path)])
        assert report.unchanged == 19
        assert store.stats()["articles"] == 65
        assert store.stats()["copies"] == SAMPLE_COPIES


def test_failure_inside_the_write_rolls_back_that_article(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = [
        Article(
            id=f"a{i}",
            text=f"Report number {i} about the harbour strike and pay talks.",
            content_hash=f"h{i}",
            origin="test",
        )
        for i in range(3)
    ]

    def items(*_: Any, **__: Any) -> Iterator[Article | Problem]:
        yield from articles

    monkeypatch.setattr(ingest_module, "read_sources", items)
    real_insert = store.insert_article

    def failing_insert(article: Article, **kw: Any) -> None:
        real_insert(article, **kw)
        if article.id == "a1":
            raise OSError("disk full")

    monkeypatch.setattr(store, "insert_article", failing_insert)
    with pytest.raises(OSError):
        ingest_sources(store, ["x"])
    assert store.get_article("a0") is not None
    assert store.get_article("a1") is None  # rolled back, not half-written
    assert store.conn.execute("SELECT COUNT(*) FROM minhashes").fetchone()[0] == 1


def test_problems_are_stored_and_the_batch_goes_on(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        '{"id": "ok1", "text": "The first good record talks about the harbour strike."}\n'
        "{not json\n"
        '{"id": "ok2", "text": "The second good record talks about the bridge closure."}\n',
        encoding="utf-8",
    )
    report = ingest_sources(store, [str(path)])
    assert report.added == 2
    assert [p.origin for p in report.problems] == [f"{path}:2"]
    assert store.stats()["problems"] == 1


#: Run in a child process: placement in batches of 5 decisions, a marker line after each
#: committed batch, then a wait for the test (which kills the child there with SIGKILL).
_PLACE_AND_WAIT = """
import sys
from storyline import runner
from storyline.store import Store, open_store

runner.CHECKPOINT_EVERY = 5
record = Store.record_placements

def marked(self, batch, state):
    record(self, batch, state)
    print("committed", flush=True)
    sys.stdin.readline()

Store.record_placements = marked
with open_store(sys.argv[1]) as store:
    runner.place_and_tell(store)
print("finished", flush=True)
"""


def _stories(path: Path) -> dict[str, Any]:
    with open_store(path) as store:
        conn = store.conn
        return {
            "members": conn.execute(
                "SELECT article_id, story_id, similarity FROM story_articles ORDER BY 1"
            ).fetchall(),
            "redirects": conn.execute("SELECT * FROM story_redirects ORDER BY 1").fetchall(),
            "splits": conn.execute(
                "SELECT to_id, from_id, articles FROM story_splits ORDER BY 1"
            ).fetchall(),
            "tellings": conn.execute(
                "SELECT story_id, headline, digest, timeline, articles FROM story_tellings"
                " ORDER BY 1"
            ).fetchall(),
        }


def test_placement_killed_at_any_batch_reruns_to_the_stories_of_a_clean_run(
    tmp_path: Path, sample_path: Path
) -> None:
    """SIGKILL between two committed batches of placement, then a rerun: the stories, merges,
    splits, similarities and tellings equal those of an uninterrupted run (issue 22)."""
    import shutil
    import signal
    import subprocess
    import sys

    from storyline.runner import analyze_pending, place_and_tell

    template = tmp_path / "analysed.db"
    with open_store(template) as store:
        ingest_sources(store, [str(sample_path)])
        analyze_pending(store)
    clean = tmp_path / "clean.db"
    shutil.copy(template, clean)
    with open_store(clean) as store:
        place_and_tell(store)
    expected = _stories(clean)
    assert len({row[1] for row in expected["members"]}) > 1

    script = tmp_path / "place.py"
    script.write_text(_PLACE_AND_WAIT, encoding="utf-8")
    for kill_after in (1, 2, 3):
        killed = tmp_path / f"killed-{kill_after}.db"
        shutil.copy(template, killed)
        child = subprocess.Popen(
            [sys.executable, str(script), str(killed)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdin is not None and child.stdout is not None
        for _ in range(kill_after):
            assert child.stdout.readline().strip() == "committed"
            if _ < kill_after - 1:
                child.stdin.write("\n")
                child.stdin.flush()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdin.close()
        child.stdout.close()
        partial = _stories(killed)
        assert 0 < len(partial["members"]) < len(expected["members"]), kill_after
        with open_store(killed) as store:
            place_and_tell(store)
        assert _stories(killed) == expected, kill_after


def test_an_article_too_long_to_analyse_is_stored_placed_and_told(
    tmp_path: Path, sample_path: Path
) -> None:
    """Over spaCy's 1,000,000 characters: reported as not analysed; the batch, the story's
    telling and every later ingest go on."""
    import json

    from storyline.runner import run
    from storyline.views import story_data

    words = " ".join(f"Harbour{n % 97} cargo report number {n}." for n in range(60_000))
    huge = tmp_path / "huge.jsonl"
    huge.write_text(
        json.dumps({"id": "huge", "text": words, "published": "2025-03-05"}) + "\n",
        encoding="utf-8",
    )
    assert len(words) > 1_000_000
    with open_store(tmp_path / "huge.db") as store:
        report = run(store, [str(huge), str(sample_path)])
        assert [p.reason for p in report.problems] == [
            "not analysed: text over 1,000,000 characters"
        ]
        story = store.story_of("huge")
        assert story is not None and report.placed == 66
        data = story_data(store, story)
        assert not data["stale"] and data["articles"][0]["id"] == "huge"
        assert run(store, [str(huge)]).ingest.unchanged == 1  # later ingests go on


#: Enough articles per file that two ingests of them overlap in time (about a second each).
COPIES_PER_FILE = 1000


def _near_copies(prefix: str, outlet: str) -> list[dict[str, str]]:
    base = (
        "The council of Marlow voted on {day} to rebuild the eastern bridge, after engineers"
        " found cracks in two of its piers; the work will take eighteen months and cost"
        " twelve million, the mayor said, and ferries will run in the meantime. Case {n}."
    )
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
    return [
        {"id": f"{prefix}-{n}", "source": outlet, "text": base.format(day=days[n % 5], n=n)}
        for n in range(COPIES_PER_FILE)
    ]


def test_two_writers_at_once_give_what_a_sequential_run_gives(tmp_path: Path) -> None:
    """The same file twice and two files of near-copies, ingested by two processes at once:
    every article once, every copy link, no error (issue 22)."""
    import json
    import subprocess
    import sys

    files = []
    for prefix in ("a", "b"):
        path = tmp_path / f"{prefix}.jsonl"
        records = _near_copies(prefix, f"Outlet {prefix.upper()}")
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        files.append(str(path))

    def ingest(db: Path, *sources: str) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "storyline.cli", "ingest", *sources, "--db", str(db)]
        return subprocess.Popen(
            [*command, "--no-analyze"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )

    def finish(*children: subprocess.Popen[bytes]) -> None:
        # Every child is waited for before any assertion, so a failure leaves no process behind.
        outcomes = [(child.communicate(timeout=120)[1], child.returncode) for child in children]
        for errors, code in outcomes:
            assert code == 0, errors.decode()

    sequential = tmp_path / "sequential.db"
    for path in (files[0], files[1], files[0]):
        finish(ingest(sequential, path))
    both = tmp_path / "both.db"
    finish(ingest(both, files[0]), ingest(both, files[1]), ingest(both, files[0]))

    def links(path: Path) -> tuple[int, int]:
        with open_store(path) as store:
            stats = store.stats()
        return stats["articles"], stats["copies"]

    assert links(both) == links(sequential) == (2 * COPIES_PER_FILE, 2 * COPIES_PER_FILE - 1)


# A promo line one fictional outlet prints under its articles: a quote with a speaker, a name
# and a date, everything a stage could take from it.
_PROMO = '"Every vote counts," says our correspondent Mara Quell in her column on Sunday.'


def _speakers(store: Store) -> set[str]:
    return {str(row[0]) for row in store.conn.execute("SELECT speaker_name FROM quotes")}


def _promo_articles(path: Path, numbers: range) -> str:
    news = [
        "Harbour workers in Port Ellis voted to end their strike after nine days.",
        "The Lakeside council approved a new ferry timetable for the island routes.",
        "Flood barriers on the Tarn river held during the night, engineers said.",
        "A fire at the Ostrow grain depot was put out before it reached the silos.",
        "The Brill valley school reopened after repairs to its roof were finished.",
        "Farmers near Calder Fen asked the ministry for help after the late frost.",
    ]
    with path.open("w", encoding="utf-8") as out:
        for n in numbers:
            text = f"{news[n]} Officials said details of part {n} would follow.\n{_PROMO}"
            record = {"id": f"ld-{n}", "text": text, "source": "Lakeside Daily"}
            out.write(json.dumps({**record, "published": f"2025-03-0{n + 1}"}) + "\n")
    return str(path)


def test_an_outlets_repeated_line_is_learned_and_earlier_articles_are_marked_again(
    store: Store, tmp_path: Path
) -> None:
    first = run(store, [_promo_articles(tmp_path / "a.jsonl", range(4))])
    assert first.analyzed == 4
    # Four articles: not yet furniture, so the promo's speaker is quoted (the old behaviour).
    assert "Mara Quell" in _speakers(store)
    second = run(store, [_promo_articles(tmp_path / "b.jsonl", range(4, 6))])
    # The fifth article taught the line: the first four were marked again and analysed again.
    assert second.analyzed == 6
    for n in range(6):
        (piece,) = store.furniture(f"ld-{n}")
        article = store.get_article(f"ld-{n}")
        assert article is not None and article.text[piece.start : piece.end] == _PROMO
        assert piece.kind == "repeated"
    assert "Mara Quell" not in _speakers(store)
    assert not any("Mara Quell" in name for name, _, _ in store.top_entities(limit=50))
    for story_id in {store.story_of(f"ld-{n}") for n in range(6)}:
        assert story_id is not None
        telling = store.get_telling(story_id)
        assert telling is not None
        told = [telling.headline or ""] + [line.text for line in telling.digest]
        told += [line.text for entry in telling.timeline for line in entry.lines]
        assert not any("Mara Quell" in line or "Every vote" in line for line in told), told


def test_an_older_store_is_marked_by_the_next_analysis(store: Store, tmp_path: Path) -> None:
    run(store, [_promo_articles(tmp_path / "a.jsonl", range(6))])
    # As a store from before furniture was marked: no marks, no counts, quotes from the promo.
    with store.transaction() as conn:
        conn.execute("DELETE FROM furniture")
        for level in range(4):
            conn.execute(f"DELETE FROM lines_{level}")
        conn.execute("UPDATE articles SET furniture_marked = 0")
    done, _ = analyze_pending(store)
    assert done == 6
    assert all(store.furniture(f"ld-{n}") for n in range(6))
    assert "Mara Quell" not in _speakers(store)
