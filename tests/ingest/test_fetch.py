from __future__ import annotations

from typing import Any

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


def local(**options: Any) -> FetchOptions:
    """Options for the test's own server on 127.0.0.1 (private addresses are refused else)."""
    return FetchOptions(allow_private=True, **options)


def test_requests_to_one_host_are_spaced(http_site: Site) -> None:
    page = http_site.add("/a", "<html><body>a</body></html>")
    clock = FakeClock()
    with Fetcher(local(delay=2.0), sleep=clock.sleep, clock=clock) as fetcher:
        fetcher.get(page)
        fetcher.get(page)
    # robots.txt, then the page (2 s after robots.txt), then the page again (2 s later).
    assert clock.sleeps == [2.0, 2.0]
    assert http_site.hits == ["/robots.txt", "/a", "/a"]


def test_robots_txt_is_respected(http_site: Site) -> None:
    http_site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    private = http_site.add("/private/page", "<html><body>secret</body></html>")
    with (
        Fetcher(local(delay=0.0)) as fetcher,
        pytest.raises(FetchError) as caught,
    ):
        fetcher.get(private)
    assert caught.value.reason == "disallowed by the site's robots.txt"
    assert "/private/page" not in http_site.hits


def test_server_errors_are_retried_with_back_off_and_user_agent_is_sent(http_site: Site) -> None:
    flaky = http_site.add("/flaky", "busy", status=503, content_type="text/plain")
    clock = FakeClock()
    options = local(delay=0.0, retries=2, backoff=1.5)
    with (
        Fetcher(options, sleep=clock.sleep, clock=clock) as fetcher,
        pytest.raises(FetchError, match=r"HTTP 503 \(3 attempts\)"),
    ):
        fetcher.get(flaky)
    assert clock.sleeps == [1.5, 3.0]
    assert http_site.hits.count("/flaky") == 3


def test_client_errors_are_not_retried(http_site: Site) -> None:
    with (
        Fetcher(local(delay=0.0)) as fetcher,
        pytest.raises(FetchError, match="HTTP 404"),
    ):
        fetcher.get(http_site.base + "/absent")
    assert http_site.hits.count("/absent") == 1


def test_refused_connection_and_bad_scheme() -> None:
    with Fetcher(local(delay=0.0, retries=0, respect_robots=False)) as fetcher:
        with pytest.raises(FetchError, match="request failed"):
            fetcher.get("http://127.0.0.1:9/closed")
        with pytest.raises(FetchError, match="not an http"):
            fetcher.get("ftp://example.org/file")


# -- safety (issue 22) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "0x7f000001", "2130706433", "169.254.169.254", "[::1]"]
)
def test_private_addresses_are_refused_unless_allowed(http_site: Site, host: str) -> None:
    port = http_site.base.rsplit(":", 1)[1]
    url = f"http://{host}:{port}/a"
    http_site.add("/a", "<html><body>inside</body></html>")
    options = FetchOptions(delay=0.0, retries=0, respect_robots=False)
    with Fetcher(options) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get(url)
    assert "refused" in caught.value.reason and "--allow-private" in caught.value.reason
    assert http_site.hits == []
    if host in ("127.0.0.1", "localhost", "0x7f000001"):
        with Fetcher(local(delay=0.0, retries=0, respect_robots=False)) as fetcher:
            assert b"inside" in fetcher.get(url).content


def test_every_redirect_is_checked(http_site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """A public page that redirects to loopback is refused at the redirect: here 127.0.0.1
    stands for the public address, and 'localhost' is the private one it redirects to."""
    from storyline.ingest import fetch

    real = fetch.private_address
    monkeypatch.setattr(
        fetch,
        "private_address",
        lambda host, port: None if host == "127.0.0.1" else real(host, port),
    )
    port = http_site.base.rsplit(":", 1)[1]
    http_site.add("/secret", "<html><body>metadata</body></html>")
    start = http_site.add(
        "/go", "", status=302, headers={"Location": f"http://localhost:{port}/secret"}
    )
    hop = http_site.add("/hop", "", status=301, headers={"Location": "/secret"})
    with Fetcher(FetchOptions(delay=0.0, retries=0, respect_robots=False)) as fetcher:
        with pytest.raises(FetchError, match="refused: localhost"):
            fetcher.get(start)
        assert fetcher.get(hop).content == b"<html><body>metadata</body></html>"
    assert http_site.hits == ["/go", "/hop", "/secret"]


def test_a_big_body_is_abandoned_at_the_limit(http_site: Site) -> None:
    import tracemalloc

    big = http_site.add("/big", b"x" * 8_000_000, content_type="text/plain")
    bomb_body = __import__("gzip").compress(b"\0" * 60_000_000)
    bomb = http_site.add(
        "/bomb", bomb_body, content_type="text/plain", headers={"Content-Encoding": "gzip"}
    )
    with Fetcher(local(delay=0.0, retries=0, max_bytes=1_000_000, respect_robots=False)) as f:
        for url in (big, bomb):
            tracemalloc.start()
            with pytest.raises(FetchError, match="response over 1,000,000 bytes"):
                f.get(url)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert peak < 8_000_000, (url, peak)  # never the whole body, let alone inflated
        page = b"<html><body>" + b"small and compressed " * 5000 + b"</body></html>"
        small = http_site.add(
            "/small", __import__("gzip").compress(page), headers={"Content-Encoding": "gzip"}
        )
        assert f.get(small).content == page


def test_timeout_is_a_total_limit(http_site: Site) -> None:
    import time

    slow = http_site.add("/slow", b"y" * 40, content_type="text/plain", trickle=0.25)
    with Fetcher(local(delay=0.0, retries=0, timeout=1.0, respect_robots=False)) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError, match="timed out"):
            fetcher.get(slow)
    # Each byte came well within the 1 s read timeout; the whole took 10 s to send.
    assert time.monotonic() - started < 3.0


def test_a_name_that_resolves_elsewhere_at_connect_time_is_refused(
    http_site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name looks public when checked before the request; the connection,
    made to the address resolved then, is refused because that address is loopback."""
    from storyline.ingest import fetch

    real = fetch.private_address

    def public_name(host: str, port: int) -> str | None:
        return None if host == "localhost" else real(host, port)

    monkeypatch.setattr(fetch, "private_address", public_name)
    port = http_site.base.rsplit(":", 1)[1]
    http_site.add("/a", "<html><body>inside</body></html>")
    options = FetchOptions(delay=0.0, retries=0, respect_robots=False)
    with Fetcher(options) as fetcher, pytest.raises(FetchError, match="refused: localhost"):
        fetcher.get(f"http://localhost:{port}/a")
    assert http_site.hits == []
