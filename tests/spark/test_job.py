"""The pipeline on Spark (local mode): tables, errors, agreement with the single-machine path,
retried tasks, reruns and loading into the store. Inputs are built here from our sample
corpus; skipped without PySpark or Java."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLE
from helpers import html_page, write_warc

from storyline.load import load_tables, read_table
from storyline.runner import analyze_pending, ingest_sources, place_stories
from storyline.store import open_store
from storyline.stories.clusterer import bcubed_f1

pyspark = pytest.importorskip("pyspark", reason="the spark extra (pyspark) is not installed")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java (17) and there is none on PATH", allow_module_level=True)

# After the skips: they need pyspark.
from storyline.spark import job  # noqa: E402
from storyline.spark.faults import FAIL_FIRST_ATTEMPT  # noqa: E402


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    # Two cores, and up to 4 attempts per task (local mode retries only when told to).
    session = job.session("local[2,4]", app_name="storyline-tests")
    yield session
    session.stop()


class Inputs:
    """The same input files, as the Spark job and as the single machine see them."""

    def __init__(self, folder: Path, records: list[dict[str, Any]]) -> None:
        self.folder = folder
        first = folder / "crawl-1.warc.gz"
        write_warc(
            first,
            [
                (f"https://w.example/2025/03/{i:02d}/a", 200, "text/html", html_page(records[i]))
                for i in range(0, 12)
            ]
            + [
                ("https://w.example/robots.txt", 200, "text/plain", "User-agent: *"),
                ("https://w.example/empty", 200, "text/html", "<html><body></body></html>"),
            ],
        )
        # A second archive, uncompressed, read through Spark's filesystem (a file:// URI);
        # it repeats two pages of the first under other addresses: copies across files.
        second = folder / "crawl-2.warc"
        write_warc(
            second,
            [
                (f"https://x.example/{i}", 200, "text/html; charset=utf-8", html_page(records[i]))
                for i in (3, 7, 20, 21, 22)
            ],
        )
        whole = folder / "whole.warc.gz"
        write_warc(
            whole,
            [(f"https://y.example/{i}", 200, "text/html", html_page(records[i])) for i in (30, 31)],
        )
        cut = folder / "cut.warc.gz"
        cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.8)])
        whole.unlink()
        bad = folder / "bad.jsonl"
        bad.write_text(
            '{"id": "fine-1", "text": "A short fictional report about nothing much at all.",'
            ' "published": "2025-03-02"}\n'
            "{not json\n"
            '{"id": "no-text"}\n',
            encoding="utf-8",
        )
        self.local = [str(SAMPLE), str(first), str(second), str(cut), str(bad)]
        self.spark = [
            str(SAMPLE),
            str(first),
            second.as_uri(),
            str(cut),
            str(folder / "bad.json*"),  # a glob
            str(folder / "none-*.warc"),  # matches nothing
        ]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory, sample_records: Any) -> Inputs:
    return Inputs(tmp_path_factory.mktemp("inputs"), sample_records)


@pytest.fixture(scope="module")
def output(spark: Any, inputs: Inputs, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("job") / "out"
    job.run(spark, inputs.spark, str(out))
    return out


def _rows(out: Path, table: str) -> list[dict[str, Any]]:
    return read_table(out, table)


def test_every_table_is_written(output: Path) -> None:
    for table in job.OUTPUT_TABLES:
        assert (output / table / "_SUCCESS").exists(), table
    articles = _rows(output, "articles")
    # 65 sample + 12 + 5 pages + the record before the damage in the cut archive + 1 line
    assert len(articles) == 65 + 12 + 5 + 1 + 1
    assert len({row["id"] for row in articles}) == len(articles)
    assert [row["seq"] for row in articles] == sorted(row["seq"] for row in articles)
    members = {row["article_id"] for row in _rows(output, "story_members")}
    assert members == {row["id"] for row in articles}  # every article is in a story
    stories = _rows(output, "stories")
    assert sum(row["articles"] for row in stories) == len(articles)
    assert all(len(row["members"]) == row["articles"] for row in stories)
    assert {row["article_id"] for row in _rows(output, "entities")} <= {
        row["article_id"] for row in _rows(output, "analyses")
    }
    quotes = _rows(output, "quotes")
    assert quotes and all(row["content"] for row in quotes)
    # The cue's words, as the store keeps them: the article's text at the cue's offsets.
    texts = {row["id"]: row["text"] for row in articles}
    cued = [row for row in quotes if row["cue"]]
    assert cued and all(
        row["cue"] in texts[row["article_id"]][row["cue_start"] : row["cue_end"]] for row in cued
    )
    assert any(row["type"] == "DATE" for row in _rows(output, "times"))


def test_bad_records_go_to_the_errors_table_and_the_job_goes_on(
    output: Path, inputs: Inputs
) -> None:
    errors = _rows(output, "errors")
    reasons = {(row["origin"], row["reason"].split(" (")[0]) for row in errors}
    bad = str(inputs.folder / "bad.jsonl")
    assert (f"{bad}:2", "invalid JSON") in reasons
    assert any(origin == f"{bad}:3" for origin, _ in reasons)
    assert any(
        origin.startswith(f"{inputs.folder / 'cut.warc.gz'} at byte")
        and reason == "truncated or corrupt WARC"
        for origin, reason in reasons
    )
    assert (str(inputs.folder / "none-*.warc"), "no file matches") in reasons
    assert any("#<urn:uuid:" in origin for origin, _ in reasons)  # the empty page
    assert "fine-1" in {row["id"] for row in _rows(output, "articles")}


def test_copies_and_stories_agree_with_the_single_machine_path(
    output: Path, inputs: Inputs, tmp_path: Path
) -> None:
    with open_store(tmp_path / "single.db") as store:
        ingest_sources(store, inputs.local)
        analyze_pending(store)
        place_stories(store)
        single_copies = {
            article.id: store.canonical_id(article.id)
            for article in store.iter_articles()
            if store.duplicate_of(article.id) is not None
        }
        single_stories = {
            article.id: store.story_of(article.id) or "" for article in store.iter_articles()
        }
    spark_copies = {row["article_id"]: row["canonical_id"] for row in _rows(output, "duplicates")}
    spark_stories = {row["article_id"]: row["story_id"] for row in _rows(output, "story_members")}
    assert spark_copies == single_copies
    assert len(single_copies) >= 44  # the sample's 42 and the two repeated pages at least
    assert spark_stories.keys() == single_stories.keys()
    assert bcubed_f1(spark_stories, single_stories) >= 0.98


def test_retried_tasks_and_a_rerun_write_identical_tables(
    spark: Any, inputs: Inputs, output: Path, tmp_path: Path
) -> None:
    context = spark.sparkContext
    context.setJobGroup("retries", "tasks fail once")
    context.setLocalProperty(FAIL_FIRST_ATTEMPT, "read,analyse")
    try:
        job.run(spark, inputs.spark, str(tmp_path / "again"))
    finally:
        context.setLocalProperty(FAIL_FIRST_ATTEMPT, "")
    tracker = context.statusTracker()
    stages = [
        stage
        for job_id in tracker.getJobIdsForGroup("retries")
        for stage in (tracker.getJobInfo(job_id).stageIds if tracker.getJobInfo(job_id) else [])
    ]
    failed = sum(
        info.numFailedTasks for info in map(tracker.getStageInfo, stages) if info is not None
    )
    assert failed > 0, "no task failed: the injected failures did not happen"
    for table in job.OUTPUT_TABLES:
        assert _rows(tmp_path / "again", table) == _rows(output, table), table


def test_load_brings_the_tables_into_the_store_once(output: Path, tmp_path: Path) -> None:
    with open_store(tmp_path / "loaded.db") as store:
        first = load_tables(store, output)
        assert first.articles == len(_rows(output, "articles"))
        assert first.analyses == len(_rows(output, "analyses"))
        assert first.placed == first.articles
        assert first.told == len(_rows(output, "stories"))
        assert first.errors == len(_rows(output, "errors"))
        second = load_tables(store, output)
        assert second.to_dict() == {k: 0 for k in second.to_dict()}
        stats = store.stats()
        assert stats["articles"] == first.articles and stats["stories"] == first.told
        assert store.speakers(limit=3)
        biggest = store.stories(limit=1)[0]
        assert store.get_telling(biggest["id"]) is not None


def test_load_command_then_the_cli_serves_the_stories(output: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from storyline.cli import cli

    db = str(tmp_path / "cli.db")
    loaded = CliRunner().invoke(cli, ["load", str(output), "--db", db, "--json"])
    assert loaded.exit_code == 0, loaded.output
    assert '"articles": 84' in loaded.output
    listed = CliRunner().invoke(cli, ["stories", "--db", db, "--limit", "3"])
    assert listed.exit_code == 0 and "Marlow" in listed.output
