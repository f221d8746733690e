from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.errors import StoreError
from storyline.ingest.extract import build_article
from storyline.records import Analysis, Article, Mention, Problem
from storyline.store import MIGRATIONS, Store, fts_query, open_store
from storyline.store.schema import _split_sql


def _article(text: str = "The council met on Monday to discuss the budget.", **kw: str) -> Article:
    return build_article(text=text, origin="test", **kw)


def test_new_store_is_migrated_and_in_wal_mode(store: Store) -> None:
    assert store.schema_version == len(MIGRATIONS)
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopening_keeps_data_and_does_not_migrate_twice(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with open_store(path) as first, first.transaction():
        first.insert_article(_article())
    with open_store(path) as second:
        assert second.stats()["articles"] == 1
        assert second.schema_version == len(MIGRATIONS)


def test_many_openers_of_one_new_store_at_once_all_succeed(tmp_path: Path) -> None:
    """Two ``ingest`` runs started together on a new file: each must find the schema made,
    not fail creating tables the other has just made, nor on the switch to WAL (CI caught
    the first race, a rerun here the second)."""
    import threading

    for round_ in range(4):
        path = tmp_path / f"new{round_}.db"
        start = threading.Barrier(8)
        errors: list[BaseException] = []

        def open_once(
            path: Path = path,
            start: threading.Barrier = start,
            errors: list[BaseException] = errors,
        ) -> None:
            start.wait()
            try:
                open_store(path).close()
            except BaseException as exc:  # collected for the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=open_once) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with open_store(path) as store:
            assert store.schema_version == len(MIGRATIONS)


def test_an_up_to_date_store_opens_while_a_writer_holds_its_lock(tmp_path: Path) -> None:
    """Readers (each web request) open the store while an ingest writes: no write lock."""
    path = tmp_path / "busy.db"
    with open_store(path) as writer, writer.transaction():
        writer.insert_article(_article())
        with open_store(path) as reader:
            assert reader.stats()["articles"] == 0


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this Storyline"):
        open_store(path)


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("just some notes, not SQLite\n" * 100)
    with pytest.raises(StoreError, match="cannot open as a Storyline database"):
        open_store(path)


def test_missing_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        open_store(tmp_path / "nope" / "s.db")


def test_failed_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.insert_article(_article())
        raise RuntimeError("killed half-way")
    assert store.stats()["articles"] == 0
    assert store.articles(query="council") == []


def test_full_text_search_ranks_and_survives_syntax(store: Store) -> None:
    with store.transaction():
        store.insert_article(_article("Dockworkers walked out over pay at the harbour today."))
        store.insert_article(_article("The council approved a budget for new buses on Monday."))
    assert [a.text[:11] for a in store.articles(query="dockworker pay")] == ["Dockworkers"]
    # Words that are FTS5 operators or stray quotes must not raise.
    assert store.articles(query='NOT "pay AND (') == []  # every word must occur; no error
    assert fts_query('NOT "pay AND (') == '"NOT" "pay" "AND"'
    assert store.articles(query="  ") == []
    assert [a.text[:3] for a in store.articles(query="bus*")] == ["The"]


def test_a_search_ranks_its_newest_matches_and_filters_before_the_window(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storyline.store import search

    with store.transaction():
        for n in range(6):
            # The oldest ones say "ferry" most often: the best ranked over all matches.
            words = " ".join(["ferry"] * (6 - n))
            store.insert_article(
                _article(f"Harbour report {n}: {words} late today.", published=f"2025-01-0{n + 1}")
            )
    everything = [a.text[:16] for a in store.articles(query="ferry")]
    assert everything[0] == "Harbour report 0" and len(everything) == 6
    # Pages are cut from the ranking, in its order.
    pages = [store.articles(query="ferry", limit=2, offset=o) for o in (0, 2, 4)]
    assert [a.text[:16] for page in pages for a in page] == everything
    monkeypatch.setattr(search, "SEARCH_WINDOW", 3)
    newest = [a.text[:16] for a in store.articles(query="ferry")]
    assert newest == ["Harbour report 3", "Harbour report 4", "Harbour report 5"]
    # A date filter picks its matches before the window is taken.
    dated = store.articles(query="ferry", end="2025-01-02")
    assert [a.text[:16] for a in dated] == ["Harbour report 0", "Harbour report 1"]


def test_find_article_by_unambiguous_prefix(store: Store) -> None:
    article = _article()
    with store.transaction():
        store.insert_article(article)
    found = store.find_article(article.id[:6])
    assert found is not None and found.id == article.id
    assert store.find_article("zz") is None


texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=300)


@settings(max_examples=40, deadline=None)
@given(text=texts, title=st.one_of(st.none(), texts), outlet=st.one_of(st.none(), texts))
def test_article_round_trips_through_the_store(
    tmp_path_factory: pytest.TempPathFactory, text: str, title: str | None, outlet: str | None
) -> None:
    article = Article(
        id="x1",
        text=text,
        title=title,
        outlet=outlet,
        published="2025-03-01",
        published_source="record",
        content_hash="h",
        origin="o",
        ingested_at="2025-03-01T00:00:00+00:00",
    )
    with open_store(tmp_path_factory.mktemp("rt") / "s.db") as db:
        with db.transaction():
            db.insert_article(article)
        assert db.get_article("x1") == article


def test_migration_from_version_1_keeps_data_and_keys_entities(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in _split_sql(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO entities (canonical, label) VALUES ('Sergey Lavrov', 'PERSON')")
    conn.close()
    with open_store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.find_entities("Sergei Lavrov") == [(1, "Sergey Lavrov", "PERSON")]


def test_a_problem_is_recorded_once_however_often_the_batch_runs(store: Store) -> None:
    problem = Problem("feed.xml:3", "invalid JSON (Expecting value at column 1)")
    for _ in range(3):
        store.record_problems([problem, Problem("other", "empty 'text'")], stage="ingest")
    assert store.stats()["problems"] == 2
    store.record_problems([problem], stage="analyze")  # another stage is another problem
    assert store.stats()["problems"] == 3


def test_the_cost_of_a_search_is_bounded() -> None:
    from storyline.errors import BadRequest

    assert fts_query(" ".join(["a*"] * 166)) == '"a"'  # one word, and too short a prefix
    assert fts_query("harb* harb* pay") == '"harb"* "pay"'
    with pytest.raises(BadRequest, match="at most 12"):
        fts_query(" ".join(f"word{n}" for n in range(13)))


def test_migration_to_version_10_merges_entities_the_new_key_folds(tmp_path: Path) -> None:
    path = tmp_path / "v9.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.create_function("storyline_name_key", 1, lambda name: name.lower(), deterministic=True)
    for number in range(9):
        for statement in _split_sql(MIGRATIONS[number]):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 9")
    conn.execute(
        "INSERT INTO articles (id, text, content_hash, origin, ingested_at)"
        " VALUES ('a1', 'Nouri al-Maliki met Nuri Maliki.', 'h', 'o', 't')"
    )
    for n, name in enumerate(("Nouri al-Maliki", "Nuri Maliki", "Maliki Province"), start=1):
        label = "PERSON" if n < 3 else "GPE"
        conn.execute(
            "INSERT INTO entities (id, canonical, label, key) VALUES (?, ?, ?, ?)",
            (n, name, label, name.lower()),
        )
    conn.execute("INSERT INTO mentions VALUES ('a1', 20, 31, 'Nuri Maliki', 'PERSON', 2)")
    conn.close()
    with open_store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.find_entities("Nuri al Maliki") == [(1, "Nouri al-Maliki", "PERSON")]
        rows = store.conn.execute("SELECT entity_id FROM mentions").fetchall()
        assert rows == [(1,)]
        aliases = store.conn.execute("SELECT alias FROM entity_aliases WHERE entity_id = 1")
        assert [row[0] for row in aliases] == ["Nuri Maliki"]
        assert store.conn.execute("SELECT COUNT(*) FROM entities").fetchone()[0] == 2


def _people_met_in_order(store: Store, *names: str) -> list[tuple[str, str]]:
    """Each name a person mention of its own article, analysed in order; (article, the
    canonical name of the entity its mention went to)."""
    with store.transaction():
        for number, name in enumerate(names):
            store.insert_article(Article(id=f"a{number + 1}", text=name, content_hash=name))
    for number, name in enumerate(names):
        mention = Mention(0, len(name), name, "PERSON", name, "PERSON")
        store.save_analysis(Analysis(f"a{number + 1}", mentions=(mention,), stages=("entities",)))
    return store.conn.execute(
        "SELECT m.article_id, e.canonical FROM mentions m JOIN entities e ON e.id = m.entity_id"
        " ORDER BY m.article_id"
    ).fetchall()


def test_a_surname_stored_first_becomes_the_full_name_that_follows(store: Store) -> None:
    rows = _people_met_in_order(store, "Okafor", "Ada Okafor", "Ben Okafor")
    # "Okafor" met first is the Ada Okafor who followed; Ben Okafor, the second, is another.
    assert rows == [("a1", "Ada Okafor"), ("a2", "Ada Okafor"), ("a3", "Ben Okafor")]


def test_a_name_with_a_generational_suffix_meets_its_short_forms(store: Store) -> None:
    rows = _people_met_in_order(store, "Henry M. Paulson Jr.", "Hank Paulson", "Henry Paulson Sr.")
    # The son written without his suffix is the son; the father is another person.
    assert rows == [
        ("a1", "Henry M. Paulson Jr."),
        ("a2", "Henry M. Paulson Jr."),
        ("a3", "Henry Paulson Sr."),
    ]


def _undo_migration_15(store: Store) -> None:
    """The store as it was before migration 15 (a name's kind by the store's evidence)."""
    store.conn.execute("ALTER TABLE mentions DROP COLUMN kind")
    store.conn.execute("DROP TABLE name_kinds")
    store.conn.execute("DROP TABLE kinds_pending")


def _undo_migration_19(store: Store) -> None:
    """The store as it was before migration 19: quotes without their cue's words."""
    store.conn.execute("ALTER TABLE quotes DROP COLUMN cue")


def _undo_migration_18(store: Store) -> None:
    """The store as it was before migration 18 (and every later one): one band index of
    article ids, one table of line counts."""
    _undo_migration_19(store)
    store.conn.execute(
        "CREATE TABLE minhash_bands (key INTEGER NOT NULL, article_id TEXT NOT NULL,"
        " PRIMARY KEY (key, article_id)) WITHOUT ROWID"
    )
    for level in range(4):
        store.conn.execute(
            "INSERT INTO minhash_bands (key, article_id) SELECT b.key, a.id"
            f" FROM bands_{level} b JOIN articles a ON a.rowid = b.article"
        )
        store.conn.execute(f"DROP TABLE bands_{level}")
    store.conn.execute(
        "CREATE TABLE outlet_lines (outlet TEXT NOT NULL, key INTEGER NOT NULL,"
        " articles INTEGER NOT NULL, printers TEXT, PRIMARY KEY (outlet, key)) WITHOUT ROWID"
    )
    levels = " UNION ALL ".join(f"SELECT * FROM lines_{level}" for level in (3, 2, 1, 0))
    store.conn.execute(
        "INSERT INTO outlet_lines SELECT outlet, key, SUM(articles), group_concat(printers)"
        f" FROM ({levels}) GROUP BY outlet, key"
    )
    for level in range(4):
        store.conn.execute(f"DROP TABLE lines_{level}")
    store.conn.execute("DROP TABLE index_levels")


def test_migration_19_gives_stored_quotes_their_cues_words(tmp_path: Path) -> None:
    from storyline.records import Quote, Span

    text = (
        "Zoë Brandt of the Lakeside council denied any wrongdoing. “We stay,” Brandt said."
        "\nBrandt: the pier stays open\nThe mayor says: the ferry runs."
    )
    cue = text.index("denied")
    said = text.index("said")
    colon = text.index(":")
    quotes = (
        Quote((Span(cue + 7, cue + 22),), Span(0, 10), Span(cue, cue + 6), "indirect"),
        Quote((Span(58, 67),), Span(69, 75), Span(said, said + 4), "direct"),
        Quote((Span(58, 67),), None, None, "direct"),  # found by its layout: no cue
        # A headline's "NAME: words": a cue of punctuation has no words to show.
        Quote((Span(colon + 2, colon + 22),), None, Span(colon, colon + 1), "indirect"),
        # A cue with its colon: its words are shown once, without it.
        Quote(
            (Span(len(text) - 15, len(text)),),
            None,
            Span(len(text) - 21, len(text) - 15),
            "indirect",
        ),
    )
    path = tmp_path / "v18.db"
    with open_store(path) as store:
        with store.transaction():
            store.insert_article(Article(id="c1", text=text, content_hash="c1"))
        store.save_analysis(Analysis("c1", quotes=quotes, stages=("quotes",)))
        stored = store.conn.execute("SELECT cue FROM quotes ORDER BY n").fetchall()
        assert stored == [("denied",), ("said",), (None,), (None,), ("says",)]
        _undo_migration_19(store)
        store.conn.execute("PRAGMA user_version = 18")
    with open_store(path) as store:
        assert store.conn.execute("SELECT cue FROM quotes ORDER BY n").fetchall() == stored
        cues = [q["cue"] for q in store.article_quotes("c1")]
        assert cues == ["denied", "said", None, None, "says"]


def test_migration_18_makes_the_band_index_the_top_level(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("storyline.store.articles.LEVEL_ROWS", (2, 4, 6))
    path = tmp_path / "v17.db"
    signature = bytes(8 * 128)
    with open_store(path) as store:
        with store.transaction():
            for n in range(5):
                store.insert_article(
                    _article(f"Text number {n}.", article_id=f"m{n}"),
                    signature=signature,
                    bands=[10 + n, 7],
                )
        _undo_migration_18(store)
        store.conn.execute("PRAGMA user_version = 17")
    with open_store(path) as store:
        levels = "SELECT level, rows FROM index_levels WHERE name = 'bands'"
        assert store.conn.execute(levels).fetchall() == [(0, 0), (1, 0), (2, 0), (3, 10)]
        assert [c for c, _ in store.copy_candidates([12])] == ["m2"]
        assert [c for c, _ in store.copy_candidates([7])] == [f"m{n}" for n in range(5)]
        with store.transaction():  # and a new article goes to the first level
            store.insert_article(
                _article("Text number 5.", article_id="m5"), signature=signature, bands=[7]
            )
        assert [c for c, _ in store.copy_candidates([7])] == [f"m{n}" for n in range(6)]


def test_migration_14_keys_a_regnal_number_as_written(tmp_path: Path) -> None:
    path = tmp_path / "v13.db"
    with open_store(path) as store:
        with store.transaction():
            for name in ("King Abdullah II", "Benedict XVI"):
                store.conn.execute(
                    "INSERT INTO entities (canonical, label, key) VALUES (?, 'PERSON', 'stale')",
                    (name,),
                )
        _undo_migration_15(store)
        _undo_migration_18(store)
        store.conn.execute("PRAGMA user_version = 13")
    with open_store(path) as store:
        keys = store.conn.execute("SELECT canonical, key FROM entities ORDER BY id").fetchall()
        # Keyed again (not merged under their shared stale key), the numbers as written.
        assert keys == [("King Abdullah II", "abdulah ii"), ("Benedict XVI", "benedict xvi")]


def test_migration_11_indexes_the_bands_of_stored_signatures(tmp_path: Path) -> None:
    from storyline.ingest.bands import band_keys
    from storyline.ingest.dedupe import signature, to_bytes

    path = tmp_path / "old.db"
    data = to_bytes(signature("The council met on Monday to discuss the budget for buses."))
    with open_store(path) as store:
        with store.transaction():
            store.insert_article(_article(), signature=data)
        # As a store of version 10 was: no band index (nor what later migrations add).
        _undo_migration_18(store)
        store.conn.execute("DROP TABLE minhash_bands")
        store.conn.execute("DROP TABLE sentence_spans")
        store.conn.execute("ALTER TABLE outlet_lines DROP COLUMN printers")
        _undo_migration_15(store)
        store.conn.execute("PRAGMA user_version = 10")
    with open_store(path) as store:
        # Migration 11 indexed them, migration 18 made that index the top level.
        keys = [r[0] for r in store.conn.execute("SELECT key FROM bands_3")]
        assert sorted(keys) == sorted(set(band_keys(data)))
        counted = "SELECT rows FROM index_levels WHERE name = 'bands' AND level = 3"
        assert store.conn.execute(counted).fetchone() == (len(keys),)
        assert store.copy_candidates(band_keys(data)) != []


def test_kept_sentences_round_trip_and_go_when_the_furniture_changes(store: Store) -> None:
    from storyline.records import Furniture

    with store.transaction():
        store.insert_article(_article(article_id="a1"))
        store.insert_article(_article(article_id="a2"))
        store.save_sentences("a1", [(0, 30), (31, 49)])
        store.save_sentences("a2", [])
    assert store.stored_sentences(["a2", "a1", "missing"]) == {
        "a1": [(0, 30), (31, 49)],
        "a2": [],
    }
    with store.transaction():
        assert not store.set_furniture("a1", [])  # unchanged: the sentences stay
    assert "a1" in store.stored_sentences(["a1"])
    with store.transaction():
        assert store.set_furniture("a1", [Furniture(0, 11, "repeated")])
    assert store.stored_sentences(["a1", "a2"]) == {"a2": []}


def test_a_lines_printers_are_read_by_key_else_found_by_a_phrase_search(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = "Sign up for the Morning Quill letter"
    texts = {
        "p1": f"{line}. The bridge reopened on Monday.",
        "p2": f"The ferry was late. {line}.",
        "copy": f"{line}. The bridge reopened on Monday after repairs.",
        "p3": f"{line}. Rain is expected on Friday.",
        # Prints the words inside a longer line and was never noted for the key: a phrase
        # search finds it, the printers do not.
        "longer": f"Readers who {line.lower()} get it daily.",
    }
    with store.transaction():
        for article_id, text in texts.items():
            store.insert_article(_article(text, article_id=article_id, outlet="quill"))
        learned = [
            store.count_lines("quill", article_id, [7], 3, counted=article_id != "copy")[0]
            for article_id in ("p1", "p2", "copy", "p3")
        ]
    # The copy is noted but not counted: the third counted article teaches the line.
    assert learned == [[], [], [], [7]]
    ids = [a.id for a in store.outlet_articles_with("quill", 7, line)]
    assert ids == ["p1", "p2", "copy", "p3"]
    with store.transaction():  # as an older store's rows: printers not known
        store.conn.execute("UPDATE lines_0 SET printers = NULL")
    ids = [a.id for a in store.outlet_articles_with("quill", 7, line)]
    assert ids == ["p1", "p2", "copy", "p3", "longer"]
    # A list past its bound is dropped, and the phrase search answers again.
    monkeypatch.setattr("storyline.store.articles.PRINTERS_BOUND", 2)
    with store.transaction():
        for article_id in ("p1", "p2", "p3"):
            store.count_lines("quill", article_id, [8], 10, counted=True)
    (printers,) = store.conn.execute("SELECT printers FROM lines_0 WHERE key = 8").fetchone()
    assert printers is None


def test_line_counts_and_printers_add_up_across_the_levels(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("storyline.store.articles.LEVEL_ROWS", (2, 4, 6))
    line = "Sign up for the morning letter"
    learned, printers = [], []
    with store.transaction():
        for n in range(12):  # each prints the line (key 7) and a line of its own
            store.insert_article(_article(f"{line}. Item {n}.", article_id=f"p{n}", outlet="quill"))
            now, known = store.count_lines("quill", f"p{n}", [7, 100 + n], 5, counted=True)
            learned.append(now)
            assert known == ({7} if n >= 4 else set())
            if learned[-1]:
                printers = [a.id for a in store.outlet_articles_with("quill", 7, line)]
    # Learned once, by the fifth printer, whose list holds all five though the rows of the
    # line had been merged down the levels on the way.
    assert learned == [[], [], [], [], [7]] + [[]] * 7
    assert printers == [f"p{n}" for n in range(5)]
    levels = " UNION ALL ".join(f"SELECT key, articles FROM lines_{n}" for n in range(4))
    counts = store.conn.execute(f"SELECT key, SUM(articles) FROM ({levels}) GROUP BY key")
    assert dict(counts.fetchall()) == {7: 12, **{100 + n: 1 for n in range(12)}}
    assert store.learned_lines("quill", [7, 101], 5) == {7}
    assert store.conn.execute("SELECT COUNT(*) FROM lines_3").fetchone()[0] > 0


def test_copies_and_duplicate_groups_in_ingestion_order(store: Store) -> None:
    from storyline.records import Duplicate

    # Two groups: w1 (copied by w2 and w4 of other outlets), o1 (copied once by its own
    # outlet); a lone article between them.
    with store.transaction():
        for article_id, outlet, canonical in [
            ("w1", "wire", None),
            ("o1", "quill", None),
            ("w2", "post", "w1"),
            ("lone", "post", None),
            ("o2", "quill", "o1"),
            ("w4", "ledger", "w1"),
        ]:
            duplicate = Duplicate(article_id, canonical, 0.9, "minhash") if canonical else None
            store.insert_article(
                _article(f"Text of {article_id}.", article_id=article_id, outlet=outlet),
                duplicate=duplicate,
            )
    assert [(a.id, d and d.canonical_id) for a, d in store.copies("w1")] == [
        ("w1", None),
        ("w2", "w1"),
        ("w4", "w1"),
    ]
    assert [a.id for a, _ in store.copies("lone")] == ["lone"]
    assert store.duplicate_groups() == [
        ("w1", 2, ["wire", "post", "ledger"]),
        ("o1", 1, ["quill", "quill"]),
    ]


def test_copy_candidates_read_a_bounded_number_from_each_band(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("storyline.store.articles.BAND_CANDIDATES", 3)
    signature = bytes(8 * 128)
    with store.transaction():
        for n in range(5):  # five articles share band 42; two of them also band 7
            bands = [42, 7] if n in (1, 4) else [42]
            store.insert_article(
                _article(f"Text number {n}.", article_id=f"c{n}"), signature=signature, bands=bands
            )
    assert len(store.copy_candidates([42])) == 3
    assert sorted(c for c, _ in store.copy_candidates([7])) == ["c1", "c4"]
    both = [c for c, _ in store.copy_candidates([42, 7])]
    assert len(both) == len(set(both)) and {"c1", "c4"} <= set(both) and len(both) <= 5
    assert store.copy_candidates([]) == []


def test_the_band_index_merges_a_full_level_into_the_next_and_still_finds_everything(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("storyline.store.articles.LEVEL_ROWS", (4, 8, 12))
    signature = bytes(8 * 128)
    stored = {}
    with store.transaction():
        for n in range(12):  # three keys each, one (band 99) shared by all
            stored[f"b{n}"] = [100 + n, 200 + n, 99]
            store.insert_article(
                _article(f"Text number {n}.", article_id=f"b{n}"),
                signature=signature,
                bands=stored[f"b{n}"],
            )
    levels = dict(
        store.conn.execute("SELECT level, rows FROM index_levels WHERE name = 'bands'").fetchall()
    )
    counted = {
        level: store.conn.execute(f"SELECT COUNT(*) FROM bands_{level}").fetchone()[0]
        for level in range(4)
    }
    # Every level within its bound, each count true, no key lost or doubled on the way.
    assert levels == counted and sum(levels.values()) == 36
    assert levels[0] <= 4 and levels[1] <= 8 and levels[2] <= 12 and levels[3] > 0
    for article_id, bands in stored.items():
        assert [c for c, _ in store.copy_candidates(bands[:2])] == [article_id]
    # A band shared across levels: every holder, earliest stored first.
    assert [c for c, _ in store.copy_candidates([99])] == [f"b{n}" for n in range(12)]


def test_copy_candidates_are_bounded_in_all_those_sharing_most_bands_first(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("storyline.store.articles.CANDIDATES", 2)
    signature = bytes(8 * 128)
    shared = {"one-a": [1], "one-b": [2], "three": [1, 2, 3], "two": [3, 4]}
    with store.transaction():
        for article_id, bands in shared.items():
            store.insert_article(
                _article(f"Text of {article_id}.", article_id=article_id),
                signature=signature,
                bands=bands,
            )
    # The two sharing most of the four bands, earliest stored first.
    assert [c for c, _ in store.copy_candidates([1, 2, 3, 4])] == ["three", "two"]
    monkeypatch.setattr("storyline.store.articles.CANDIDATES", 64)
    everyone = [c for c, _ in store.copy_candidates([1, 2, 3, 4])]
    assert everyone == ["one-a", "one-b", "three", "two"]


def _visible(path: Path) -> set[str]:
    """Article ids another connection sees (what a reader of a running ingest sees)."""
    import sqlite3

    with sqlite3.connect(path) as other:
        return {str(r[0]) for r in other.execute("SELECT id FROM articles")}


def _put(store: Store, article_id: str) -> None:
    """One article in its own transaction, as ingestion stores it."""
    with store.transaction():
        store.insert_article(_article(f"The text of {article_id}.", article_id=article_id))


@pytest.fixture
def unhurried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new store's path, with batches that never fall due by time during a test."""
    monkeypatch.setattr("storyline.store.base.BATCH_SECONDS", 3600.0)
    return tmp_path / "batched.db"


def test_transactions_in_a_batch_commit_together_and_each_stays_whole(unhurried: Path) -> None:
    path = unhurried
    with open_store(path) as store:
        with store.batched():
            _put(store, "b1")
            with pytest.raises(ValueError), store.transaction():
                store.insert_article(_article("Second text here.", article_id="b2"))
                raise ValueError("a bad record")
            _put(store, "b3")
            assert _visible(path) == set()  # not due: nothing committed yet
        assert _visible(path) == {"b1", "b3"}  # the failed one alone rolled back


def test_an_interrupted_batch_keeps_the_whole_transactions_done(unhurried: Path) -> None:
    path = unhurried
    with open_store(path) as store:
        with pytest.raises(KeyboardInterrupt), store.batched():
            _put(store, "i1")
            with store.transaction():
                store.insert_article(_article("Second text here.", article_id="i2"))
                raise KeyboardInterrupt
        assert not store.conn.in_transaction
    assert _visible(path) == {"i1"}


def test_a_batch_commits_when_it_is_due(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("storyline.store.base.BATCH_SECONDS", 0.0)
    path = tmp_path / "d.db"
    with open_store(path) as store, store.batched():
        _put(store, "d1")
        assert _visible(path) == {"d1"}


def _named(store: Store, kinds: list[str], name: str = "Marlow") -> None:
    """One new article per kind, each naming ``name`` once as that kind, analysed in order."""
    start = store.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    ids = [f"k{start + n}" for n in range(len(kinds))]
    with store.transaction():
        for article_id in ids:
            store.insert_article(
                Article(id=article_id, text=f"{name} again.", content_hash=article_id)
            )
    for article_id, kind in zip(ids, kinds, strict=True):
        mention = Mention(0, len(name), name, kind, name, kind)
        store.save_analysis(Analysis(article_id, mentions=(mention,), stages=("entities",)))


def _entities_of(store: Store) -> list[tuple[str, int]]:
    """(entity label, articles naming it) of every entity with mentions."""
    return store.conn.execute(
        "SELECT e.label, COUNT(DISTINCT m.article_id) FROM entities e"
        " JOIN mentions m ON m.entity_id = e.id GROUP BY e.id ORDER BY e.label"
    ).fetchall()


def test_a_name_goes_under_the_kind_the_stores_articles_give_it(store: Store) -> None:
    _named(store, ["PERSON", "GPE"])
    assert _entities_of(store) == [("GPE", 1), ("PERSON", 1)]  # no evidence yet: both kept
    _named(store, ["GPE", "GPE"])
    # Three articles say a place, one a person: the person's mention joins the place.
    assert _entities_of(store) == [("GPE", 4)]
    assert store.find_entities("Marlow") == [(2, "Marlow", "GPE")]
    _named(store, ["GPE", "GPE", "PERSON"])  # a new minority mention goes straight there
    assert _entities_of(store) == [("GPE", 7)]


def test_a_name_goes_back_to_its_own_kind_when_the_evidence_turns(store: Store) -> None:
    _named(store, ["GPE", "GPE", "GPE", "PERSON"])
    assert _entities_of(store) == [("GPE", 4)]
    _named(store, ["PERSON", "PERSON"])  # 3 against 3: no majority any more
    assert _entities_of(store) == [("GPE", 3), ("PERSON", 3)]
    kinds = store.conn.execute("SELECT kind, COUNT(*) FROM mentions GROUP BY kind").fetchall()
    assert kinds == [("GPE", 3), ("PERSON", 3)]  # each mention keeps the kind it was given


def test_reanalysing_an_article_takes_back_its_evidence(store: Store) -> None:
    _named(store, ["ORG", "ORG", "ORG", "PERSON"])
    assert _entities_of(store) == [("ORG", 4)]
    for article_id in ("k0", "k1"):  # two of the organisation's articles now name a person
        mention = Mention(0, 6, "Marlow", "PERSON", "Marlow", "PERSON")
        store.save_analysis(Analysis(article_id, mentions=(mention,), stages=("entities",)))
    assert _entities_of(store) == [("PERSON", 4)]
    counts = store.conn.execute("SELECT kind, articles FROM name_kinds ORDER BY kind").fetchall()
    assert counts == [("ORG", 1), ("PERSON", 3)]


def test_a_folded_organisations_quotes_go_to_the_person_and_a_places_do_not(
    store: Store,
) -> None:
    from storyline.records import Quote, Span

    quote = Quote(
        content=(Span(0, 6),),
        speaker=None,
        cue=None,
        kind="direct",
        speaker_name="Marlow",
        speaker_kind="organisation",
    )
    with store.transaction():
        store.insert_article(Article(id="q1", text="Marlow again.", content_hash="q1"))
    mention = Mention(0, 6, "Marlow", "ORG", "Marlow", "ORG")
    store.save_analysis(
        Analysis("q1", mentions=(mention,), quotes=(quote,), stages=("entities", "quotes"))
    )
    _named(store, ["PERSON", "PERSON", "PERSON"])
    speakers = store.conn.execute(
        "SELECT e.label, q.speaker_name FROM quotes q JOIN entities e ON e.id = q.entity_id"
    ).fetchall()
    assert speakers == [("PERSON", "Marlow")]
    assert [label for label, _ in _entities_of(store)] == ["PERSON"]
    assert store.conn.execute("SELECT COUNT(*) FROM entities").fetchone()[0] == 1
    # A person's entity that the evidence makes a place keeps its quotes: no place speaks.
    person = Mention(0, 6, "Marlow", "PERSON", "Marlow", "PERSON")
    spoken = replace(quote, speaker_kind="person")
    with store.transaction():
        store.insert_article(Article(id="q2", text="Marlow again.", content_hash="q2"))
    store.save_analysis(
        Analysis("q2", mentions=(person,), quotes=(spoken,), stages=("entities", "quotes"))
    )
    _named(store, ["GPE"] * 10)
    assert _entities_of(store) == [("GPE", 15)]
    speakers = store.conn.execute(
        "SELECT e.label, COUNT(*) FROM quotes q JOIN entities e ON e.id = q.entity_id"
    ).fetchall()
    assert speakers == [("PERSON", 2)]


def test_migration_15_leaves_names_of_several_kinds_to_the_next_run(tmp_path: Path) -> None:
    path = tmp_path / "v14.db"
    with open_store(path) as store:
        _named(store, ["GPE", "GPE", "GPE", "PERSON"])
        # As a store of version 14 was: one entity per kind, no evidence kept.
        store.conn.execute(
            "INSERT INTO entities (canonical, label, key) VALUES ('Marlow', 'PERSON', 'marlow')"
        )
        store.conn.execute("UPDATE mentions SET entity_id = 2 WHERE article_id = 'k3'")
        _undo_migration_15(store)
        _undo_migration_18(store)
        store.conn.execute("PRAGMA user_version = 14")
    with open_store(path) as store:
        assert _entities_of(store) == [("GPE", 3), ("PERSON", 1)]
        assert store.settle_kinds() == 1
        assert _entities_of(store) == [("GPE", 4)]
        assert store.settle_kinds() == 0


def test_a_name_met_with_a_legal_form_is_an_organisation(store: Store) -> None:
    _named(store, ["GPE", "GPE", "GPE"], name="Kestrel")
    with store.transaction():
        store.insert_article(Article(id="c1", text="Kestrel Ltd again.", content_hash="c1"))
    mention = Mention(0, 11, "Kestrel Ltd", "ORG", "Kestrel Ltd", "ORG")
    store.save_analysis(Analysis("c1", mentions=(mention,), stages=("entities",)))
    assert _entities_of(store) == [("ORG", 4)]


def test_actors_named_in_as_many_articles_go_by_how_often_they_are_named(store: Store) -> None:
    """Ties in articles go to the name named more often, not to the first in the alphabet
    (the actors of every one-article story were in alphabetical order)."""
    text = "Abel Zorn met Yara Quist. Quist spoke. Quist left. Zorn stayed."
    names = [("Abel Zorn", 0), ("Yara Quist", 14), ("Quist", 26), ("Quist", 39)]
    with store.transaction():
        store.insert_article(Article(id="t1", text=text, content_hash="t1"))
    mentions = tuple(
        Mention(at, at + len(name), name, "PERSON", full, "PERSON")
        for (name, at), full in zip(
            names, ["Abel Zorn", "Yara Quist", "Yara Quist", "Yara Quist"], strict=True
        )
    )
    store.save_analysis(Analysis("t1", mentions=mentions, stages=("entities",)))
    store.assign_story("t1", "s1", 1.0)
    assert [n for n, _, _ in store.story_entities("s1")] == ["Yara Quist", "Abel Zorn"]
    assert [n for n, _, _ in store.top_entities()] == ["Yara Quist", "Abel Zorn"]


def _mentioned(store: Store, article_id: str, name: str, label: str) -> None:
    text = f"{name} again."
    with store.transaction():
        store.insert_article(Article(id=article_id, text=text, content_hash=article_id))
    mention = Mention(0, len(name), name, label, name, label)
    store.save_analysis(Analysis(article_id, mentions=(mention,), stages=("entities",)))


def _canonicals(store: Store) -> list[str]:
    rows = store.conn.execute("SELECT canonical FROM entities ORDER BY id").fetchall()
    return [str(row[0]) for row in rows]


def test_a_name_first_seen_in_capitals_is_named_as_written_in_mixed_case(store: Store) -> None:
    _mentioned(store, "m1", "PORT ALBA", "GPE")  # a dateline
    _mentioned(store, "m2", "Port Alba", "GPE")
    _mentioned(store, "m3", "PORT ALBA", "GPE")
    _mentioned(store, "m4", "NATO", "ORG")
    _mentioned(store, "m5", "Nato", "ORG")  # a short acronym keeps its capitals
    assert _canonicals(store) == ["Port Alba", "NATO"]


def test_a_person_first_seen_with_a_name_in_capitals_is_named_in_mixed_case(
    store: Store,
) -> None:
    _mentioned(store, "m1", "TOMAS Vell", "PERSON")  # a page that writes first names so
    _mentioned(store, "m2", "Tomas Vell", "PERSON")
    _mentioned(store, "m3", "TOMAS Vell", "PERSON")
    _mentioned(store, "m4", "Ada MB Orle", "PERSON")  # initials in capitals stay as written
    _mentioned(store, "m5", "Ada Mb Orle", "PERSON")
    assert _canonicals(store) == ["Tomas Vell", "Ada MB Orle"]


def test_migration_16_names_older_entities_in_capitals_as_written(tmp_path: Path) -> None:
    path = tmp_path / "v15.db"
    with open_store(path) as store:
        for n, name in enumerate(["PORT ALBA", "Port Alba", "Port Alba", "NATO", "Nato"]):
            _mentioned(store, f"m{n}", name, "ORG" if name.upper() == "NATO" else "GPE")
        store.conn.execute("UPDATE entities SET canonical = upper(canonical)")
        _undo_migration_18(store)
        store.conn.execute("PRAGMA user_version = 15")
    with open_store(path) as store:
        assert _canonicals(store) == ["Port Alba", "NATO"]


def test_a_run_walks_its_pending_articles_in_order_while_it_writes(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import storyline.store.base as base

    monkeypatch.setattr(base, "IN_CHUNK", 3)  # several chunks from seven articles
    with store.transaction():
        for n in range(7):
            text = f"Report {n} from the Kessel harbour."
            store.insert_article(Article(id=f"p{n}", text=text, content_hash=f"h{n}"))
    walked = []
    for article in store.pending_analysis():
        walked.append(article.id)
        # Writes during the walk (an analysis saved, an article added) change nothing of it.
        store.save_analysis(Analysis(article.id, stages=("entities",)))
        if article.id == "p1":
            with store.transaction():
                store.insert_article(Article(id="late", text="Late.", content_hash="late"))
    assert walked == [f"p{n}" for n in range(7)]
    assert store.pending_analysis_ids() == ["late"]
    assert [a.id for a in store.stream_articles(["p3", "nope", "p0"])] == ["p3", "p0"]


def test_an_alias_of_several_people_is_the_most_mentioned_ones(store: Store) -> None:
    """An article naming no Marsh in full: its "Marsh" goes to the Marsh the store's articles
    call so most, not to the first stored."""
    articles = [
        ("m1", "Lisa Marsh spoke. Marsh left.", "Lisa Marsh"),
        ("m2", "Ivo Marsh sang. Marsh bowed.", "Ivo Marsh"),
        ("m3", "Ivo Marsh sang again. Marsh bowed again.", "Ivo Marsh"),
        ("m4", "Marsh said so.", None),
    ]
    for article_id, text, full in articles:
        with store.transaction():
            store.insert_article(Article(id=article_id, text=text, content_hash=article_id))
        alone = text.rindex("Marsh")
        mentions = [Mention(alone, alone + 5, "Marsh", "PERSON", full or "Marsh", "PERSON")]
        if full is not None:  # named in full first; the surname alone is that person
            mentions.insert(0, Mention(0, len(full), full, "PERSON", full, "PERSON"))
        store.save_analysis(Analysis(article_id, mentions=tuple(mentions), stages=("entities",)))
    (holder,) = store.conn.execute(
        "SELECT e.canonical FROM mentions m JOIN entities e ON e.id = m.entity_id"
        " WHERE m.article_id = 'm4'"
    ).fetchone()
    assert holder == "Ivo Marsh"
