"""A real browser on a real server: Debian's chromium driven by playwright, clicking through
the demo data, with hostile articles in the store (nothing they carry may run)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from storyline.web.app import create_app
from tests.conftest import SAMPLE
from tests.web.test_app import HOSTILE, build_store

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (make test installs it with apt)"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = build_store(tmp_path_factory.mktemp("browser") / "b.db", SAMPLE, HOSTILE)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        opened = driver.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield opened
        opened.close()


def test_click_through_stories_story_article_speaker_search(server: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/")
    assert page.locator("h1").inner_text() == "Stories"
    page.locator('a[href="/story/s-nw-talks-1"]').click()
    page.wait_for_url("**/story/s-nw-talks-1")
    assert "/story/" in page.url
    assert page.locator("#digest").is_visible() and page.locator("#timeline").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "story.png"), full_page=True)
    # A digest citation opens the article with the cited span marked.
    page.locator("section[aria-labelledby=digest] .cite a").first.click()
    page.wait_for_url("**/article/**")
    assert "/article/" in page.url and page.locator("mark#cited").count() == 1
    assert page.locator("mark.entity").count() > 0
    # Back to the story, then a speaker's page.
    page.go_back()
    page.locator("section[aria-labelledby=quotes] h3 a").first.click()
    page.wait_for_url("**/entity/**")
    assert "/entity/" in page.url and page.locator("text=What they said").is_visible()
    # Search from the header, using the keyboard only.
    page.locator("#q").focus()
    page.keyboard.type("bridge")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=bridge")
    assert "/search" in page.url and page.locator("main section").count() >= 1
    assert errors == []


def test_hostile_articles_run_nothing(server: str, browser: Any) -> None:
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in ("/", "/story/s-evil-1", "/article/evil-1", "/search?q=harbour"):
        page.goto(server + path)
        assert page.evaluate("window.pwned") is None, path
        assert page.locator("script, iframe, img[src=x]").count() == 0, path
    page.goto(server + "/article/evil-1")
    assert "<script>window.pwned=3</script>" in page.locator(".text").inner_text()
    assert dialogs == []


def test_focusable_highlights_explain_themselves(server: str, browser: Any) -> None:
    page = browser.new_page()
    page.goto(server + "/article/nw-talks-1")
    mark = page.locator(".text mark.time").first
    mark.focus()
    assert mark.get_attribute("title", timeout=2000).startswith(("DATE", "TIME", "DURATION"))
    assert page.evaluate("document.activeElement.tagName") == "MARK"


def test_api_docs_work_offline_under_their_policy(server: str, browser: Any) -> None:
    """/docs is Swagger UI from the package: it renders the operations with no network but
    this server, and the browser reports no policy violation."""
    page = browser.new_page()
    violations: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text else 0)
    page.on(
        "request",
        lambda request: outside.append(request.url) if not request.url.startswith(server) else 0,
    )
    page.goto(server + "/docs")
    page.locator(".opblock").first.wait_for(timeout=15000)
    summaries = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/story/" in text for text in summaries), summaries
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "docs.png"), full_page=False)
    assert violations == [] and outside == []


def test_pages_of_stories_and_the_coverage_chart(
    server: str, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storyline import views

    monkeypatch.setattr(views, "STORIES_PER_PAGE", 3)
    page = browser.new_page()
    page.goto(server + "/?order=biggest")
    first = page.locator("main ul.plain > li > a").all_inner_texts()
    page.locator("a[rel=next]").click()
    page.wait_for_url("**page=2**")
    second = page.locator("main ul.plain > li > a").all_inner_texts()
    assert len(first) == 3 and second and not set(first) & set(second)
    page.goto(server + "/story/s-nw-talks-1")
    chart = page.locator("svg.chart")
    assert chart.is_visible() and chart.locator("rect").count() > 0
    assert chart.locator("circle").count() > 0  # the timeline's dates on the same axis
    ARTIFACTS.mkdir(exist_ok=True)
    chart.screenshot(path=str(ARTIFACTS / "coverage-chart.png"))


def test_a_person_page(server: str, browser: Any) -> None:
    page = browser.new_page()
    page.goto(server + "/entity/Natarajan")
    assert page.locator("h2", has_text="Their stories").is_visible()
    assert page.locator("h2", has_text="Named with them").is_visible()
    assert page.locator("svg.bars rect").count() > 0
    assert page.locator("svg.bars").bounding_box()["height"] <= 100  # a small chart
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "person.png"), full_page=True)
