"""Every kind of source, and every kind of bad input (each reported, the batch going on)."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Site
from helpers import html_page, rss_feed, write_warc

from storyline.ingest.fetch import Fetcher
from storyline.ingest.sources import SourceOptions, read_sources
from storyline.records import Article, Problem
from storyline.runner import ingest_sources
from storyline.store import Store


def _read(sources: list[str], **options: Any) -> tuple[list[Article], list[Problem]]:
    items = list(read_sources(sources, SourceOptions(**options)))
    return (
        [i for i in items if isinstance(i, Article)],
        [i for i in items if isinstance(i, Problem)],
    )


# -- good input -------------------------------------------------------------------------------


def test_html_folder_with_metadata(
    tmp_path: Path, sample_records: list[dict[str, Any]], store: Store
) -> None:
    folder = tmp_path / "pages"
    (folder / "world").mkdir(parents=True)
    chosen = [r for r in sample_records if r["id"].startswith("nw-")][:6]
    for index, record in enumerate(chosen):
        sub = folder / "world" if index % 2 else folder
        (sub / f"{record['id']}.html").write_text(html_page(record), encoding="utf-8")
    (folder / "README").write_text("not an article")  # ignored inside a folder
    (folder / ".hidden.html").write_text(html_page(chosen[0]))  # hidden files skipped
    report = ingest_sources(store, [str(folder)])
    assert report.problems == [] and report.added == 6
    article = store.articles(query=chosen[0]["title"], limit=1)[0]
    assert article.title == chosen[0]["title"]
    assert article.outlet == chosen[0]["source"]
    assert article.author == "Staff Reporter"
    assert (article.published, article.published_source) == (chosen[0]["published"], "metadata")
    assert article.language == "en"
    assert "Home" not in article.text and "Copyright" not in article.text  # boilerplate gone
    assert article.text.startswith(chosen[0]["text"].split("\n\n")[0][:40])


def test_feed_and_its_pages_from_a_local_server(
    http_site: Site, fetcher: Fetcher, sample_records: list[dict[str, Any]], store: Store
) -> None:
    chosen = [r for r in sample_records if r["id"].startswith("nw-")][:3]
    links = []
    for record in chosen:
        # Pages without a date in their markup: the date must come from the feed.
        links.append(http_site.add(f"/news/{record['id']}", html_page(record, with_date=False)))
    links.append(http_site.base + "/news/missing")  # 404
    feed_url = http_site.add(
        "/feed.xml", rss_feed("Northgate Wire", chosen, links), content_type="application/rss+xml"
    )
    report = ingest_sources(store, [feed_url], SourceOptions(fetcher=fetcher))
    assert report.added == 3
    assert [(p.origin, p.reason) for p in report.problems] == [(links[3], "HTTP 404")]
    article = store.get_article(store.articles(query=chosen[1]["title"])[0].id)
    assert article is not None
    assert (article.published, article.published_source) == ("2025-03-02", "feed")
    assert article.url == links[1] and article.outlet == chosen[1]["source"]
    # A rerun fetches nothing already stored (only the feed itself, and the page that failed).
    http_site.hits.clear()
    again = ingest_sources(store, [feed_url], SourceOptions(fetcher=fetcher))
    assert again.added == 0
    assert sorted(http_site.hits) == ["/feed.xml", "/news/missing"]


def test_url_list_and_a_single_url(
    http_site: Site, fetcher: Fetcher, tmp_path: Path, sample_records: list[dict[str, Any]]
) -> None:
    record = sample_records[0]
    dated = http_site.add("/2025/03/02/story", html_page(record, with_date=False))
    plain = http_site.add("/plain", html_page(sample_records[5]))
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# reading list\n{dated}\nnot-a-url\n\n", encoding="utf-8")
    articles, problems = _read([str(listing), plain], fetcher=fetcher)
    assert [a.url for a in articles] == [dated, plain]
    assert articles[0].published == "2025-03-02" and articles[0].published_source == "url"
    assert [(p.origin, p.reason) for p in problems] == [
        (f"{listing}:3", "not an http(s) URL: 'not-a-url'")
    ]


def test_warc_html_responses_only(
    tmp_path: Path, sample_records: list[dict[str, Any]], store: Store
) -> None:
    path = tmp_path / "crawl.warc.gz"
    write_warc(
        path,
        [
            (
                "https://a.example/2025/03/04/one",
                200,
                "text/html; charset=utf-8",
                html_page(sample_records[0]),
            ),
            ("https://a.example/robots.txt", 200, "text/plain", "User-agent: *"),
            ("https://a.example/gone", 404, "text/html", "<html><body>gone</body></html>"),
            ("https://b.example/two", 200, "text/html", html_page(sample_records[7])),
        ],
    )
    report = ingest_sources(store, [str(path)])
    assert report.problems == [] and report.added == 2
    urls = sorted(a.url or "" for a in store.iter_articles())
    assert urls == ["https://a.example/2025/03/04/one", "https://b.example/two"]
    origin = next(store.iter_articles()).origin
    assert origin.startswith(f"{path}#<urn:uuid:")


def test_jsonl_from_stdin() -> None:
    data = json.dumps({"id": "s1", "text": "A report read from standard input about talks."})
    articles, problems = _read(["-"], stdin=io.BytesIO(data.encode() + b"\n"))
    assert [a.id for a in articles] == ["s1"] and problems == []


# -- bad input --------------------------------------------------------------------------------


def _only_problem(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


def test_malformed_html_still_yields_its_text(tmp_path: Path) -> None:
    path = tmp_path / "broken.html"
    path.write_text(
        "<html><head><title>Strike ends</title><body><div><p>Dockworkers voted to end the strike"
        " on Friday after eight days, the union said. <b>Ships will be unloaded<p>around the"
        " clock to clear the backlog, the port said.</div></span></html",
        encoding="utf-8",
    )
    articles, problems = _read([str(path)])
    assert problems == []
    assert "Dockworkers voted" in articles[0].text and "around the clock" in articles[0].text


def test_html_without_article_text(tmp_path: Path) -> None:
    path = tmp_path / "nav.html"
    path.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    problem = _only_problem(_read([str(path)])[1])
    assert problem.origin == str(path)
    assert "no article text" in problem.reason or "too short" in problem.reason


def test_binary_and_empty_files(tmp_path: Path) -> None:
    binary = tmp_path / "photo.html"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    good = tmp_path / "good.jsonl"
    good.write_text('{"id": "g", "text": "Still ingested after two bad files in the batch."}\n')
    articles, problems = _read([str(binary), str(empty), str(good)])
    assert [a.id for a in articles] == ["g"]
    assert [(p.origin, p.reason) for p in problems] == [
        (str(binary), "binary content, not HTML or text"),
        (str(empty), "empty file"),
    ]


def test_declared_non_utf8_encoding_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "latin1.html"
    body = (
        "<html><head><meta charset='iso-8859-1'><title>Café talks</title></head><body>"
        "<article><p>The délégués met at the Café Rivière on Monday to discuss the"
        " ceasefire, and the mediators said the mood was better than last month.</p>"
        "</article></body></html>"
    )
    path.write_bytes(body.encode("latin-1"))
    articles, problems = _read([str(path)])
    assert problems == []
    assert "Café Rivière" in articles[0].text


def test_jsonl_bad_lines_are_named_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    lines = [
        b'{"id": "a", "text": "A good first record about the harbour strike and pay."}',
        b"{this is not json",
        b'{"id": "b", "title": "no text field"}',
        b'{"id": "c", "text": 42}',
        '{"id": "d", "text": "caf\u00e9 in Latin-1"}'.encode("latin-1"),  # mixed encodings
        b'["not", "an", "object"]',
        b'{"id": "e", "text": "Dated oddly.", "published": "last Tuesday"}',
        b'{"id": "f", "text": "   "}',
        b'{"id": "g", "text": "A good last record about the bridge closure in town."}',
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    articles, problems = _read([str(path)])
    assert [a.id for a in articles] == ["a", "g"]
    reasons = {p.origin.split(" ")[0]: p.reason for p in problems}
    assert reasons[f"{path}:2"].startswith("invalid JSON")
    assert reasons[f"{path}:3"] == "missing field 'text'"
    assert reasons[f"{path}:4"] == "field 'text' must be a string, got int"
    assert reasons[f"{path}:5"].startswith("not UTF-8")
    assert reasons[f"{path}:6"] == "expected a JSON object, got list"
    assert reasons[f"{path}:7"] == "'published' is not an ISO-8601 date: 'last Tuesday'"
    assert reasons[f"{path}:8"] == "empty 'text'"


def test_files_over_the_size_limit(tmp_path: Path) -> None:
    big_html = tmp_path / "big.html"
    big_html.write_text("<html><body><p>" + "word " * 2000 + "</p></body></html>")
    big_line = tmp_path / "big.jsonl"
    big_line.write_text(json.dumps({"id": "x", "text": "word " * 2000}) + "\n")
    _, problems = _read([str(big_html), str(big_line)], max_bytes=1000)
    assert [p.origin for p in problems] == [str(big_html), f"{big_line}:1"]
    assert all("limit 1,000" in p.reason for p in problems)


def test_missing_and_unrecognised_files(tmp_path: Path) -> None:
    odd = tmp_path / "data.bin"
    odd.write_text("plain words that are neither HTML nor JSON nor URLs")
    _, problems = _read([str(tmp_path / "nope.html"), str(odd)])
    assert [(p.origin, p.reason) for p in problems] == [
        (str(tmp_path / "nope.html"), "no such file or folder"),
        (str(odd), "unrecognised file type (use --kind to say what it is)"),
    ]


def test_feed_that_times_out_or_errors(http_site: Site, fetcher: Fetcher) -> None:
    slow = http_site.add("/slow.xml", "<rss/>", content_type="application/rss+xml", delay=2.0)
    broken = http_site.add("/broken.xml", "oops", status=500, content_type="text/plain")
    _, problems = _read([slow, broken], fetcher=fetcher)
    assert [(p.origin, p.reason) for p in problems] == [
        (slow, "timed out after 0.5 s (2 attempts)"),
        (broken, "HTTP 500 (2 attempts)"),
    ]


def test_feed_file_that_is_not_a_feed(tmp_path: Path) -> None:
    path = tmp_path / "fake.xml"
    path.write_text("<?xml version='1.0'?><catalog><book>Not news</book></catalog>")
    problem = _only_problem(_read([str(path)])[1])
    assert problem.origin == str(path) and problem.reason.startswith("not a feed")


def test_truncated_warc_keeps_what_precedes_the_damage(
    tmp_path: Path, sample_records: list[dict[str, Any]]
) -> None:
    whole = tmp_path / "whole.warc.gz"
    write_warc(
        whole,
        [
            (f"https://a.example/{i}", 200, "text/html", html_page(sample_records[i]))
            for i in (0, 5, 10)
        ],
    )
    data = whole.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: int(len(data) * 0.8)])
    articles, problems = _read([str(cut)])
    assert 1 <= len(articles) <= 2
    problem = _only_problem(problems)
    assert problem.origin.startswith(f"{cut} at byte ")
    assert problem.reason.startswith("truncated or corrupt WARC")


def test_gzip_that_is_not_a_warc(tmp_path: Path) -> None:
    path = tmp_path / "notes.warc.gz"
    path.write_bytes(gzip.compress(b"just some text, no WARC headers\n" * 10))
    problem = _only_problem(_read([str(path)])[1])
    assert problem.reason.startswith("truncated or corrupt WARC")


@pytest.mark.parametrize("kind", ["html", "jsonl"])
def test_kind_option_overrides_the_extension(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "record.dat"
    if kind == "jsonl":
        path.write_text(
            '{"id": "k", "text": "A record in a file with an odd name, read as JSONL."}'
        )
    else:
        path.write_text(
            "<html><body><article><p>"
            + "The council met on Monday. " * 5
            + "</p></article></body></html>"
        )
    articles, problems = _read([str(path)], kind=kind)
    assert len(articles) == 1 and problems == []


def test_warc_whose_last_record_is_cut_short(
    tmp_path: Path, sample_records: list[dict[str, Any]]
) -> None:
    whole = tmp_path / "two.warc.gz"
    write_warc(
        whole,
        [
            (f"https://a.example/{i}", 200, "text/html", html_page(sample_records[i]))
            for i in (1, 2)
        ],
    )
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.8)])  # inside record 2
    articles, problems = _read([str(cut)])
    assert [a.url for a in articles] == ["https://a.example/1"]
    problem = _only_problem(problems)
    assert problem.origin.startswith(f"{cut} at byte ")
    assert "the last record lacks" in problem.reason


# -- hostile JSONL (issue 22) -----------------------------------------------------------------


def _good_line(n: int) -> bytes:
    record = {"id": f"ok-{n}", "text": "The harbour of Dunmore reopened on Monday after the storm."}
    return json.dumps(record).encode() + b"\n"


def test_hostile_jsonl_lines_are_problems_and_the_batch_goes_on(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.jsonl"
    hostile.write_bytes(
        _good_line(1)
        + b'{"id": "big", "text": "x", "n": '
        + b"9" * 5000
        + b"}\n"
        + b"[" * 100_000
        + b"]" * 100_000
        + b"\n"
        + b'{"id": "ctl", "text": "a\x01b"}\n'
        + _good_line(2)
    )
    later = tmp_path / "later.jsonl"
    later.write_bytes(_good_line(3))
    articles, problems = _read([str(hostile), str(later)])
    assert [a.id for a in articles] == ["ok-1", "ok-2", "ok-3"]
    reasons = {p.origin: p.reason for p in problems}
    assert "digits" in reasons[f"{hostile}:2"]
    assert reasons[f"{hostile}:3"] == "invalid JSON (nested too deeply)"
    assert reasons[f"{hostile}:4"].startswith("invalid JSON (Invalid control character at col")


def test_an_empty_jsonl_file_is_reported(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"\n  \n")
    articles, problems = _read([str(empty)])
    assert articles == [] and problems == [Problem(str(empty), "no records (the file is empty)")]


def test_a_long_line_is_skipped_without_holding_it(tmp_path: Path) -> None:
    """The limit is checked while reading: the reader never asks for more than the limit."""
    from storyline.ingest.sources import bounded_lines

    class Counting(io.BytesIO):
        largest = 0

        def readline(self, size: int | None = -1) -> bytes:
            line = super().readline(size)
            Counting.largest = max(Counting.largest, len(line))
            return line

    stream = Counting(_good_line(1) + b"y" * 3_000_000 + b"\n" + _good_line(2))
    lines = list(bounded_lines(stream, 1000))
    assert [size for _, size in lines] == [len(_good_line(1)), 3_000_001, len(_good_line(2))]
    assert lines[1][0] is None and lines[2][0] == _good_line(2)
    assert Counting.largest <= 1 << 20  # read in chunks, never the 3 MB line at once
    articles, problems = _read(
        ["-"], stdin=io.BytesIO(_good_line(1) + b"z" * 5000 + b"\n"), max_bytes=1000
    )
    assert [a.id for a in articles] == ["ok-1"]
    assert problems == [Problem("<stdin>:2", "line too long (5,001 bytes; limit 1,000)")]


def test_a_warc_record_over_the_limit_is_reported_with_its_size(tmp_path: Path) -> None:
    archive = tmp_path / "big.warc"
    body = "<html><body><p>" + "word " * 5000 + "</p></body></html>"
    small = "<html><body><p>" + "A short report of the harbour fire. " * 5 + "</p></body></html>"
    write_warc(
        archive,
        [
            ("http://a.example/big", 200, "text/html", body),
            ("http://a.example/ok", 200, "text/html", small),
        ],
    )
    articles, problems = _read([str(archive)], max_bytes=1000)
    assert [a.url for a in articles] == ["http://a.example/ok"]
    (problem,) = problems
    size = int(problem.reason.split("record of ")[1].split(" bytes")[0].replace(",", ""))
    assert size > len(body) and "limit 1,000" in problem.reason  # the record, not 1,001


@pytest.mark.parametrize("depth", [50, 300, 1000])
def test_deeply_nested_html_keeps_its_text(tmp_path: Path, depth: int) -> None:
    """libxml2 drops what is nested deeper than 256 levels; such a page is parsed again."""
    text = "The harbour of Dunmore reopened on Monday after the storm, officials said. " * 6
    page = tmp_path / "deep.html"
    page.write_text(
        "<html><head><title>Deep</title></head><body>"
        + "<div>" * depth
        + f"<p>{text}</p>"
        + "</div>" * depth
        + "</body></html>"
    )
    (article,), problems = _read([str(page)])
    assert problems == [] and article.text == text.strip()
