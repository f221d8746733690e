from __future__ import annotations

import pytest
from conftest import Site

from storyline.errors import FetchError
from storyline.ingest.fetch import Fetcher, FetchOptions


class FakeClock:
    """Time that moves only when the fetcher sleeps: politeness is checked without waiting."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def test_requests_to_one_host_are_spaced(http_site: Site) -> None:
    page = http_site.add("/a", "<html><body>a</body></html>")
    clock = FakeClock()
    with Fetcher(FetchOptions(delay=2.0), sleep=clock.sleep, clock=clock) as fetcher:
        fetcher.get(page)
        fetcher.get(page)
    # robots.txt, then the page (2 s after robots.txt), then the page again (2 s later).
    assert clock.sleeps == [2.0, 2.0]
    assert http_site.hits == ["/robots.txt", "/a", "/a"]


def test_robots_txt_is_respected(http_site: Site) -> None:
    http_site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    private = http_site.add("/private/page", "<html><body>secret</body></html>")
    with Fetcher(FetchOptions(delay=0.0)) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get(private)
    assert caught.value.reason == "disallowed by the site's robots.txt"
    assert "/private/page" not in http_site.hits


def test_server_errors_are_retried_with_back_off_and_user_agent_is_sent(http_site: Site) -> None:
    flaky = http_site.add("/flaky", "busy", status=503, content_type="text/plain")
    clock = FakeClock()
    options = FetchOptions(delay=0.0, retries=2, backoff=1.5)
    with (
        Fetcher(options, sleep=clock.sleep, clock=clock) as fetcher,
        pytest.raises(FetchError, match=r"HTTP 503 \(3 attempts\)"),
    ):
        fetcher.get(flaky)
    assert clock.sleeps == [1.5, 3.0]
    assert http_site.hits.count("/flaky") == 3


def test_client_errors_are_not_retried(http_site: Site) -> None:
    with Fetcher(FetchOptions(delay=0.0)) as fetcher, pytest.raises(FetchError, match="HTTP 404"):
        fetcher.get(http_site.base + "/absent")
    assert http_site.hits.count("/absent") == 1


def test_refused_connection_and_bad_scheme() -> None:
    with Fetcher(FetchOptions(delay=0.0, retries=0, respect_robots=False)) as fetcher:
        with pytest.raises(FetchError, match="request failed"):
            fetcher.get("http://127.0.0.1:9/closed")
        with pytest.raises(FetchError, match="not an http"):
            fetcher.get("ftp://example.org/file")
