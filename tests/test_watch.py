"""Following feeds: subscriptions, conditional polls, new items only, back-off, OPML."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import Site
from helpers import html_page

from storyline.cli import cli
from storyline.ingest.feeds import next_poll, opml, read_opml
from storyline.ingest.fetch import Fetcher, FetchOptions
from storyline.records import Feed
from storyline.runner import poll_feeds
from storyline.store import Store

T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def _feed(items: list[tuple[str, str, str]]) -> str:
    """RSS with (link, title, summary) items."""
    body = "".join(
        f"<item><title>{title}</title><link>{link}</link><description>{summary}</description>"
        f"<pubDate>Mon, 10 Mar 2025 09:00:00 GMT</pubDate></item>"
        for link, title, summary in items
    )
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Harbour Wire</title>"
        f"<link>https://example.org/</link><ttl>30</ttl>{body}</channel></rss>"
    )


@pytest.fixture
def site_fetcher() -> Any:
    with Fetcher(FetchOptions(delay=0.0, retries=0, allow_private=True)) as fetcher:
        yield fetcher


def _poll(store: Store, fetcher: Fetcher, at: datetime, **kw: Any) -> Any:
    return poll_feeds(store, fetcher, every=600, analyze=False, now=lambda: at, **kw)


def test_new_items_once_then_304_then_only_what_is_new(
    store: Store, http_site: Site, site_fetcher: Fetcher, sample_records: list[dict[str, Any]]
) -> None:
    records = [r for r in sample_records if r["id"].startswith("nw-")][:5]
    links = [http_site.add(f"/p/{r['id']}", html_page(r)) for r in records]
    items = [(link, r["title"], "") for link, r in zip(links, records, strict=True)]
    feed = http_site.add(
        "/feed.xml", _feed(items[:3]), content_type="application/rss+xml", headers={"ETag": '"v1"'}
    )
    store.add_feed(feed)

    first = _poll(store, site_fetcher, T0)
    assert (first.polled, first.added) == (1, 3)
    (state,) = store.feeds()
    assert state.etag == '"v1"' and state.status == "ok" and state.articles_added == 3
    assert state.title == "Harbour Wire"
    # The feed's <ttl> (30 minutes) is longer than --every (10): it is honoured.
    assert state.next_poll == (T0 + timedelta(minutes=30)).isoformat(timespec="seconds")

    http_site.hits.clear()
    second = _poll(store, site_fetcher, T0 + timedelta(hours=1))
    assert (second.polled, second.not_modified, second.added) == (1, 1, 0)
    assert http_site.hits == ["/feed.xml"]  # answered 304: no page fetched

    http_site.add(
        "/feed.xml", _feed(items), content_type="application/rss+xml", headers={"ETag": '"v2"'}
    )
    http_site.hits.clear()
    third = _poll(store, site_fetcher, T0 + timedelta(hours=2))
    assert third.added == 2
    assert sorted(http_site.hits) == sorted(
        ["/feed.xml", "/p/" + records[3]["id"], "/p/" + records[4]["id"]]
    )
    assert store.stats()["articles"] == 5 and store.feeds()[0].articles_added == 5
    # Not due yet: nothing is polled.
    assert _poll(store, site_fetcher, T0 + timedelta(hours=2, minutes=1)).polled == 0


def test_a_failing_page_keeps_its_feed_item(
    store: Store, http_site: Site, site_fetcher: Fetcher
) -> None:
    summary = (
        "The harbour of Dunmore reopened on Monday after three days of storm, and the first"
        " ferries left for the islands in the afternoon, the port authority said."
    )
    missing = http_site.base + "/p/gone"
    feed = http_site.add("/f.xml", _feed([(missing, "Dunmore harbour reopens", summary)]))
    store.add_feed(feed)
    report = _poll(store, site_fetcher, T0)
    assert report.added == 1
    assert [p.reason for p in report.problems] == [
        "HTTP 404 (kept the feed's own title and summary)"
    ]
    (article,) = store.articles()
    assert article.text == summary and article.title == "Dunmore harbour reopens"
    assert (article.url, article.published, article.published_source) == (
        missing,
        "2025-03-10",
        "feed",
    )


def test_a_feed_that_fails_backs_off(store: Store, http_site: Site, site_fetcher: Fetcher) -> None:
    broken = http_site.add("/broken.xml", "oops", status=500, content_type="text/plain")
    store.add_feed(broken)
    _poll(store, site_fetcher, T0)
    (state,) = store.feeds()
    assert state.failures == 1 and state.status.startswith("HTTP 500")
    assert state.next_poll == (T0 + timedelta(seconds=1200)).isoformat(timespec="seconds")
    later = datetime.fromisoformat(state.next_poll)
    _poll(store, site_fetcher, later)
    (state,) = store.feeds()
    assert state.failures == 2
    assert state.next_poll == (later + timedelta(seconds=2400)).isoformat(timespec="seconds")


def test_the_next_poll_honours_the_server_and_caps_the_back_off() -> None:
    assert next_poll(T0, 600) == (T0 + timedelta(seconds=600)).isoformat(timespec="seconds")
    assert next_poll(T0, 600, at_least=[3600, None]) == (T0 + timedelta(hours=1)).isoformat(
        timespec="seconds"
    )
    assert next_poll(T0, 600, failures=20) == (T0 + timedelta(days=1)).isoformat(timespec="seconds")


def test_opml_round_trips(tmp_path: Path) -> None:
    feeds = [Feed("https://a.example/feed.xml", "A & Co"), Feed("https://b.example/rss?x=1&y=2")]
    assert read_opml(opml(feeds).encode(), "x.opml") == [feed.url for feed in feeds]
    path = tmp_path / "subs.opml"
    path.write_text(opml(feeds))
    db = str(tmp_path / "feeds.db")
    runner = CliRunner()
    imported = runner.invoke(cli, ["feeds", "import", str(path), "--db", db])
    assert imported.exit_code == 0 and "subscribed to 2 feeds" in imported.stdout
    exported = runner.invoke(cli, ["feeds", "export", "--db", db])
    assert read_opml(exported.stdout.encode(), "-") == sorted(feed.url for feed in feeds)
    listed = runner.invoke(cli, ["feeds", "list", "--db", db, "--json"])
    assert listed.stdout.count('"status": "new"') == 2
    removed = runner.invoke(cli, ["feeds", "remove", feeds[0].url, "--db", db])
    assert removed.exit_code == 0
    assert runner.invoke(cli, ["feeds", "remove", feeds[0].url, "--db", db]).exit_code == 1


def test_watch_stops_cleanly_on_sigterm(
    tmp_path: Path, http_site: Site, sample_records: list[dict[str, Any]]
) -> None:
    """SIGTERM in the middle of a poll (pages answer slowly): the command ends at once with
    status 0, the articles it stored are whole, and the next run polls the rest."""
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    records = [r for r in sample_records if r["id"].startswith("nw-")][:6]
    links = [http_site.add(f"/s/{r['id']}", html_page(r), delay=0.4) for r in records]
    feed = http_site.add("/slow.xml", _feed([(link, "t", "") for link in links]))
    db = str(tmp_path / "w.db")
    assert CliRunner().invoke(cli, ["feeds", "add", feed, "--db", db]).exit_code == 0
    command = [sys.executable, "-m", "storyline.cli", "watch", "--db", db, "--allow-private"]
    child = subprocess.Popen(
        [*command, "--delay", "0", "--every", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while len(http_site.hits) < 3 and time.monotonic() < deadline:  # inside the poll
        time.sleep(0.05)
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=30)
    assert child.returncode == 0, err.decode()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    conn.close()
    assert 0 < stored < len(records), out.decode()
    again = CliRunner().invoke(
        cli, ["watch", "--db", db, "--once", "--allow-private", "--delay", "0"]
    )
    assert again.exit_code == 0, again.output
