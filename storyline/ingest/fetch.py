"""Polite HTTP fetching: timeouts, a User-Agent, retries with back-off, robots.txt and a
minimum delay between two requests to the same host.

httpx does the HTTP; what it leaves to the caller (politeness per host, which failures are
worth a retry, robots.txt) is here. Every failure becomes a :class:`FetchError` naming the URL.
"""

from __future__ import annotations

import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from storyline._version import __version__
from storyline.errors import FetchError

USER_AGENT = f"Storyline/{__version__} (news story tracker; +https://example.org/storyline)"
#: Status codes that may succeed on a second try; anything else 4xx is final.
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class FetchOptions:
    timeout: float = 10.0
    retries: int = 2
    #: Seconds to wait before retry N is backoff * 2**(N-1).
    backoff: float = 1.0
    #: Minimum seconds between two requests to one host.
    delay: float = 1.0
    max_bytes: int = 10_000_000
    user_agent: str = USER_AGENT
    respect_robots: bool = True


@dataclass(frozen=True, slots=True)
class Response:
    url: str
    content: bytes
    content_type: str


class Fetcher:
    """One HTTP client shared by a whole ingest run (connection reuse, per-host clocks)."""

    def __init__(
        self,
        options: FetchOptions | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.options = options or FetchOptions()
        self._sleep = sleep
        self._clock = clock
        self._last_request: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._client = httpx.Client(
            timeout=self.options.timeout,
            follow_redirects=True,
            headers={"User-Agent": self.options.user_agent},
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str) -> Response:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(url, "not an http(s) URL")
        if self.options.respect_robots and not self._allowed(url):
            raise FetchError(url, "disallowed by the site's robots.txt")
        last_error = "no attempt made"
        for attempt in range(self.options.retries + 1):
            if attempt:
                self._sleep(self.options.backoff * 2 ** (attempt - 1))
            try:
                response = self._request(url)
            except httpx.TimeoutException:
                last_error = f"timed out after {self.options.timeout:g} s"
                continue
            except httpx.HTTPError as exc:
                last_error = f"request failed ({type(exc).__name__}: {exc})"
                continue
            if response.status_code in RETRY_STATUS:
                last_error = f"HTTP {response.status_code}"
                continue
            if response.status_code >= 400:
                raise FetchError(url, f"HTTP {response.status_code}")
            if len(response.content) > self.options.max_bytes:
                raise FetchError(url, f"response over {self.options.max_bytes:,} bytes")
            return Response(
                url=str(response.url),
                content=response.content,
                content_type=response.headers.get("content-type", ""),
            )
        attempts = self.options.retries + 1
        raise FetchError(url, f"{last_error} ({attempts} attempt{'s' if attempts > 1 else ''})")

    def _request(self, url: str) -> httpx.Response:
        host = urlsplit(url).netloc
        last = self._last_request.get(host)
        if last is not None:
            wait = self.options.delay - (self._clock() - last)
            if wait > 0:
                self._sleep(wait)
        try:
            return self._client.get(url)
        finally:
            self._last_request[host] = self._clock()

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}"
        if root not in self._robots:
            self._robots[root] = self._load_robots(root)
        parser = self._robots[root]
        return True if parser is None else parser.can_fetch(self.options.user_agent, url)

    def _load_robots(self, root: str) -> urllib.robotparser.RobotFileParser | None:
        # A missing or unreadable robots.txt allows everything (the usual crawler convention).
        try:
            response = self._request(root + "/robots.txt")
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(response.text.splitlines())
        return parser
