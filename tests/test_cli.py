from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from storyline.cli import cli
from storyline.store import open_store

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = sorted(cli.commands)
#: Commands that work on the input alone and never open a store (spark writes Parquet).
IN_MEMORY = {"cluster", "summarize", "timeline", "spark"}


def run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def db(tmp_path: Path, sample_path: Path) -> str:
    path = str(tmp_path / "cli.db")
    result = run("ingest", str(sample_path), "--db", path)
    assert result.exit_code == 0, result.output
    return path


def test_ingest_reports_and_reruns(db: str, sample_path: Path) -> None:
    result = run("ingest", str(sample_path), "--db", db, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "added": 0,
        "copies": 0,
        "unchanged": 65,
        "analysed": 0,
        "grouped": 0,
        "problems": [],
    }


def test_ingest_with_bad_records_exits_1_and_names_them(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "ok", "text": "A fine record about the strike at the port."}\n{oops\n')
    result = run("ingest", str(bad), "--db", str(tmp_path / "x.db"), "--no-analyze")
    assert result.exit_code == 1
    assert f"error: {bad}:2: invalid JSON" in result.stderr
    assert "added 1 article " in result.stdout


def test_db_from_environment(
    tmp_path: Path, sample_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "env.db"
    monkeypatch.setenv("STORYLINE_DB", str(target))
    assert run("ingest", str(sample_path), "--no-analyze").exit_code == 0
    assert target.exists()
    assert "65 articles" in run("stats").stdout


def test_articles_list_search_and_json(db: str) -> None:
    listing = run("articles", "--db", db, "--limit", "5").stdout.splitlines()
    assert len(listing) == 5 and listing[0].split()[1] == "2025-03-22"  # newest first
    found = run("articles", "--db", db, "-q", "boil water", "--json").stdout.splitlines()
    ids = [json.loads(line)["id"] for line in found]
    assert "vc-fever-2" in ids and all("fever" in i for i in ids)
    assert "no articles match" in run("articles", "--db", db, "-q", "zebra").stdout


def test_show_lists_every_outlet_and_entities(db: str) -> None:
    text = run("show", "vc-talks-4", "--db", db).stdout
    assert "carried by 5 outlets" in text
    assert "Northgate Wire" in text and "(original)" in text and "Lakeside Daily" in text
    assert "Jonas Ekberg" in text
    data = json.loads(run("show", "nw-talks-4", "--db", db, "--json").stdout)
    assert data["canonical_id"] == "nw-talks-4" and len(data["carried_by"]) == 5
    assert data["analysis"]["id"] == "nw-talks-4"


def test_show_unknown_id_is_a_clean_error(db: str) -> None:
    result = run("show", "nope-nope", "--db", db)
    assert result.exit_code == 1
    assert "no article with id 'nope-nope'" in result.stderr
    assert "Traceback" not in result.output


def test_analyze_jsonl_from_stdin(sample_records: list[dict[str, Any]]) -> None:
    lines = "\n".join(json.dumps(r) for r in sample_records[:3]) + "\n{broken\n"
    result = run("analyze", "-", input=lines)
    assert result.exit_code == 1 and "<stdin>:4: invalid JSON" in result.stderr
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in outputs] == [r["id"] for r in sample_records[:3]]
    first = outputs[0]
    assert set(first) >= {"id", "sentences", "entities", "actors", "stages"}
    text = sample_records[0]["text"]
    assert all(text[e["start"] : e["end"]] == e["text"] for e in first["entities"])


def test_analyze_stored(db: str) -> None:
    result = run("analyze", "--stored", "--db", db)
    assert result.exit_code == 0 and "analysed 0 stored articles" in result.stdout


def test_store_errors_are_clean(tmp_path: Path) -> None:
    result = run("stats", "--db", str(tmp_path / "missing" / "x.db"))
    assert result.exit_code == 1 and "does not exist" in result.stderr


def test_demo_ingests_the_sample_and_is_rerunnable(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    first = run("demo", "--db", db, "--no-serve")
    assert first.exit_code == 0
    assert "added 65 (42 copies)" in first.stdout and "22 analysed" in first.stdout
    assert "65 placed in stories" in first.stdout
    assert "carried by 5 outlets" in first.stdout
    again = run("demo", "--db", db, "--no-serve")
    assert "added 0 (0 copies), 65 already stored" in again.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(command: str) -> None:
    import click

    result = run(command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"storyline {command}" in readme
    group = cli.commands[command]
    if isinstance(group, click.Group):  # each subcommand: its help, --db, the README
        for name in group.commands:
            sub = run(command, name, "--help")
            assert sub.exit_code == 0 and "--db" in sub.stdout, name
            assert name in readme, name
    elif command not in IN_MEMORY:
        assert "--db" in result.stdout


def test_speakers_and_quotes_by_speaker(db: str) -> None:
    output = run("speakers", "--db", db, "--json").stdout
    speakers = [json.loads(line) for line in output.splitlines()]
    names = [row["name"] for row in speakers]
    assert "Priya Natarajan" in names and "Greta Lindqvist" in names
    said = run("quotes", "--speaker", "natarajan", "--db", db).stdout
    assert "Priya Natarajan" in said and "Tonight the city chose to build" in said
    dates = [line[:10] for line in said.splitlines() if line[:4] == "2025"]
    assert dates == sorted(dates, reverse=True)  # newest first
    missing = run("quotes", "--speaker", "Nobody Atall", "--db", db)
    assert missing.exit_code == 1 and "no person or organisation called" in missing.stderr


def test_show_lists_quotes(db: str) -> None:
    text = run("show", "nw-talks-2", "--db", db).stdout
    # "He said the talks would now open on Friday morning", on Thursday 6 March
    assert "on Friday morning [2025-03-07]" in text
    assert "dated sentences:\n  2025-03-07: Orland says it has postponed talks" in text
    assert "Pavel Dunmore [foreign ministry spokesman" in text
    assert "Some members of the opposition delegation" in text


def test_stories_and_story(db: str) -> None:
    listing = run("stories", "--db", db).stdout.splitlines()
    assert listing and listing[0].startswith("s-")
    talks = run("story", "s-nw-talks-1", "--db", db).stdout
    assert "Northgate Wire" in talks and "nw-talks-2" in talks
    missing = run("story", "s-nothing", "--db", db)
    assert missing.exit_code == 1 and "no story with id 's-nothing'" in missing.stderr


def test_story_shows_digest_and_timeline_and_exports(db: str) -> None:
    shown = run("story", "s-et-bridge-1", "--db", db).stdout
    assert "digest:" in shown and "timeline:" in shown and "Eastbrook Times" in shown
    page = run("story", "s-et-bridge-1", "--db", db, "--markdown").stdout
    assert page.startswith("# ") and "## Timeline" in page
    data = json.loads(run("story", "s-et-bridge-1", "--db", db, "--json").stdout)
    assert data["digest"] and data["timeline"] and data["headline"]
    assert all(line["citations"] for line in data["digest"])


def test_summarize_and_timeline_read_jsonl(sample_records: list[dict[str, Any]]) -> None:
    talks = "".join(
        json.dumps(r) + "\n" for r in sample_records if r["id"].split("-")[1] == "talks"
    )
    plain = run("summarize", "-", "--words", "40", input=talks)
    assert plain.exit_code == 0 and plain.stdout.strip()
    assert len(plain.stdout.split()) <= 40
    cited = json.loads(run("summarize", "-", "--words", "40", "--json", input=talks).stdout)
    assert cited["summary"].splitlines() == plain.stdout.strip().splitlines()
    assert all(s["citations"] for s in cited["sentences"])
    result = run("timeline", "-", "--dates", "3", "--per-date", "1", input=talks)
    line = json.loads(result.stdout)
    assert line["topic"] == "story" and 1 <= len(line["timeline"]) <= 3
    assert all(len(entry["sentences"]) == 1 for entry in line["timeline"])
    bad = run("timeline", "-", "--start", "soon", input=talks)
    assert bad.exit_code == 2 and "soon" in bad.stderr


@pytest.mark.parametrize("table", ["articles", "quotes", "entities", "stories"])
def test_export_tables_in_every_format(db: str, tmp_path: Path, table: str) -> None:
    import csv

    import pyarrow.parquet as pq

    lines = run("export", table, "--db", db).stdout.splitlines()
    assert lines
    rows = [json.loads(line) for line in lines]
    run("export", table, "--db", db, "--format", "csv", "-o", str(tmp_path / "t.csv"))
    with (tmp_path / "t.csv").open(encoding="utf-8", newline="") as f:
        assert list(csv.DictReader(f)) == [
            {k: "" if v is None else str(v) for k, v in row.items()} for row in rows
        ]
    run("export", table, "--db", db, "--format", "parquet", "-o", str(tmp_path / "t.parquet"))
    assert pq.read_table(tmp_path / "t.parquet").to_pylist() == rows
    if table == "articles":
        assert len(rows) == 65 and any(r["copy_of"] for r in rows)
        assert all(r["story"] for r in rows if r["language"] == "en")


@pytest.mark.parametrize(
    "option", [("--max-bytes", "-5"), ("--timeout", "0"), ("--retries", "-1"), ("--delay", "-2")]
)
def test_out_of_range_limits_are_usage_errors(tmp_path: Path, option: tuple[str, str]) -> None:
    result = run("ingest", "x.jsonl", "--db", str(tmp_path / "x.db"), *option)
    assert result.exit_code == 2 and option[0] in result.output
    assert not (tmp_path / "x.db").exists()


def test_story_json_and_markdown_together_are_a_usage_error(db: str) -> None:
    result = run("story", "s-nw-talks-1", "--db", db, "--json", "--markdown")
    assert result.exit_code == 2 and "choose one" in result.output


def test_private_addresses_need_an_opt_in(
    tmp_path: Path, http_site: Any, sample_records: list[dict[str, Any]], monkeypatch: Any
) -> None:
    from helpers import html_page

    page = http_site.add("/news/1", html_page(sample_records[0]))
    db = str(tmp_path / "private.db")
    refused = run("ingest", page, "--db", db, "--no-analyze", "--delay", "0")
    assert refused.exit_code == 1
    assert "refused: 127.0.0.1" in refused.stderr and "--allow-private" in refused.stderr
    allowed = run("ingest", page, "--db", db, "--no-analyze", "--delay", "0", "--allow-private")
    assert allowed.exit_code == 0 and "added 1 article " in allowed.stdout
    monkeypatch.setenv("STORYLINE_ALLOW_PRIVATE", "1")
    second = http_site.add("/news/2", html_page(sample_records[1]))
    again = run("ingest", second, "--db", db, "--no-analyze", "--delay", "0")
    assert again.exit_code == 0, again.stderr


def test_serving_beyond_loopback_is_warned_about(tmp_path: Path, monkeypatch: Any) -> None:
    import uvicorn

    from storyline.web.app import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.7")
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    db = str(tmp_path / "s.db")
    open_store(db).close()
    quiet = run("serve", "--db", db)
    loud = run("serve", "--db", db, "--host", "0.0.0.0", "--port", "8123")
    assert "warning" not in quiet.stderr and "anyone who can reach" in loud.stderr
    assert calls == [
        {"host": "127.0.0.1", "port": 8000, "log_level": "info", "access_log": True},
        {"host": "0.0.0.0", "port": 8123, "log_level": "info", "access_log": True},
    ]


def test_read_only_commands_never_create_a_store(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    for command in (["stats"], ["stories"], ["story", "s-x"], ["articles"], ["show", "abcd"]):
        result = run(*command, "--db", str(missing))
        assert result.exit_code == 1 and "no such store" in result.stderr, command
    assert not missing.exists()


@pytest.mark.parametrize("command", ["analyze", "summarize", "timeline", "cluster"])
def test_a_missing_input_file_is_one_line(tmp_path: Path, command: str) -> None:
    result = run(command, str(tmp_path / "nope.jsonl"))
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert "Traceback" not in result.output


def test_an_ambiguous_prefix_lists_the_candidates(db: str) -> None:
    result = run("show", "nw-t", "--db", db)  # nw-talks-1, nw-talks-2, ...
    assert result.exit_code == 1
    assert "several article ids" in result.stderr and "nw-talks-1" in result.stderr


def test_counts_agree_with_their_nouns(db: str) -> None:
    stats = run("stats", "--db", db).stdout
    assert "65 articles from 8 outlets" in stats and "1 articles" not in stats
    story = run("story", "s-nw-talks-1", "--db", db).stdout
    listed = next(
        line
        for line in run("stories", "--db", db).stdout.splitlines()
        if line.startswith("s-nw-talks-1 ")
    )
    size = int(listed.split()[1])
    assert f"s-nw-talks-1: {size} articles from" in story  # the list and the page agree


def test_quotes_filter_by_confidence(db: str) -> None:
    import re

    every = run("quotes", "--speaker", "Natarajan", "--db", db).stdout
    scores = [float(x) for x in re.findall(r"\((0\.\d\d|1\.00)\)", every)]
    assert scores
    high = run("quotes", "--speaker", "Natarajan", "--db", db, "--min-confidence", "0.99")
    assert all(float(x) >= 0.99 for x in re.findall(r"\((0\.\d\d|1\.00)\)", high.stdout))
    assert len(high.stdout.splitlines()) <= len(every.splitlines())


def test_the_command_starts_without_the_heavy_libraries() -> None:
    """Reading commands (stats, stories, story, serve) never load the model, scikit-learn,
    SciPy or the HTML extractor: they are imported by the commands that use them."""
    import subprocess
    import sys

    heavy = ("spacy", "sklearn", "scipy", "trafilatura", "datasketch", "feedparser")
    probe = (
        "import sys, storyline, storyline.cli, storyline.views;"
        f" print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


def test_long_commands_say_how_far_they_got(sample_path: Path, tmp_path: Path) -> None:
    """Off a terminal (here), progress is one summary line on stderr; --quiet silences it;
    the output on stdout is the same either way."""
    told = run("summarize", str(sample_path), "--words", "40")
    assert told.exit_code == 0
    assert told.stderr.strip().splitlines() == [
        next(
            line
            for line in told.stderr.splitlines()
            if line.startswith("summarize: 65 articles in")
        )
    ]
    quiet = run("summarize", str(sample_path), "--words", "40", "--quiet")
    assert quiet.stderr == "" and quiet.stdout == told.stdout
    ingested = run("ingest", str(sample_path), "--db", str(tmp_path / "p.db"), "--no-analyze")
    assert "ingest: 65 records in" in ingested.stderr
    silent = run(
        "ingest", str(sample_path), "--db", str(tmp_path / "q.db"), "--no-analyze", "--quiet"
    )
    assert silent.stderr == ""


def test_serve_logs_requests_unless_quiet(tmp_path: Path, monkeypatch: Any) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    db = str(tmp_path / "s.db")
    open_store(db).close()
    run("serve", "--db", db, "--quiet")
    assert calls == [
        {"host": "127.0.0.1", "port": 8000, "log_level": "warning", "access_log": False}
    ]


def test_serve_with_several_workers_answers_from_several_processes(db: str) -> None:
    """`serve --workers 2`: uvicorn's supervisor and two server processes, each answering
    with the same pages (the settings reach them through the environment)."""
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "storyline.cli", "serve", "--db", db, "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", "2", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        answers = []
        deadline = time.monotonic() + 60
        while len(answers) < 20 and time.monotonic() < deadline:
            try:
                answers.append(httpx.get(base + "/api/stories", timeout=5).json())
            except httpx.TransportError:
                time.sleep(0.1)
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert len(answers) == 20 and all(a == answers[0] for a in answers)
    assert answers[0]["stories"]
    assert len(children) >= 2


def test_a_quote_over_a_line_break_is_shown_on_one_line() -> None:
    from storyline.cli import _said

    assert _said("the pier\nis  closed", "said", 0.9) == "the pier is closed (0.90)"
    assert _said("the pier\nis closed", "denied", None) == "denied: the pier is closed"
    # Reported speech after its cue's words; a quotation as the speaker said it.
    assert _said("any wrongdoing", "denied", 0.5, cue="denied", kind="indirect") == (
        "denied: any wrongdoing (0.50)"
    )
    assert _said("to testify", "said", None, cue="declined\nagain", kind="indirect") == (
        "declined again: to testify"
    )
    assert _said('"We stay,"', "said", None, cue="said", kind="direct") == '"We stay,"'
