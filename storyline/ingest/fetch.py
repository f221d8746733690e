"""Polite and safe HTTP fetching: timeouts, a User-Agent, retries with back-off, robots.txt, a
minimum delay between two requests to one host, and limits a hostile server cannot stretch.

httpx does the HTTP; what it leaves to the caller is here: politeness per host, which failures
are worth a retry, robots.txt, and the safety rules (docs/security.md):

* **No private addresses** unless the user opts in (``allow_private``: ``--allow-private`` or
  ``STORYLINE_ALLOW_PRIVATE=1``): every URL, and every redirect, is refused when its host
  resolves to a loopback, private, link-local (cloud metadata), reserved, multicast or
  unspecified address. Redirects are followed here, one at a time, so each is checked, and
  connections are made only to the checked addresses (no DNS rebinding in between).
* **Bounded bodies**: the body is streamed, decompressed as it comes, and abandoned past
  ``max_bytes``, so a huge body or a compression bomb never sits in memory.
* **A total time limit** per attempt (``timeout``), checked between chunks, so a server that
  trickles one byte at a time cannot hold a run.

Every failure becomes a :class:`FetchError` naming the URL.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import time
import urllib.robotparser
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from storyline._version import __version__
from storyline.errors import FetchError
from storyline.ingest import ALLOW_PRIVATE_ENV

USER_AGENT = f"Storyline/{__version__} (news story tracker; +https://example.org/storyline)"
#: Status codes that may succeed on a second try; anything else 4xx is final.
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 10


def allow_private_from_env() -> bool:
    return os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in ("1", "true", "yes")


def private_address(host: str, port: int) -> str | None:
    """The first address ``host`` resolves to that is not a public one, or None.

    Resolution goes through the system resolver, which also reads the legacy forms of IPv4
    literals ("0x7f000001", "2130706433", "127.1"); an IPv4 address mapped into IPv6 is judged
    as the IPv4 address. A host that does not resolve is left to the request to report.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            return str(address)
    return None


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
    #: Fetch loopback, private and link-local addresses too (off: see the module docstring).
    allow_private: bool = False


@dataclass(frozen=True, slots=True)
class Response:
    url: str
    content: bytes
    content_type: str
    status: int = 200
    #: Response headers, names in lower case (ETag, Last-Modified, Cache-Control...).
    headers: tuple[tuple[str, str], ...] = ()

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key == name.lower()), None)


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
        transport = httpx.HTTPTransport()
        if not self.options.allow_private:
            _guard_connections(transport)
        self._client = httpx.Client(
            transport=transport,
            timeout=self.options.timeout,
            follow_redirects=False,  # followed in _request, each hop checked
            # Only the encodings _decoded inflates in bounded steps.
            headers={"User-Agent": self.options.user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, *, headers: dict[str, str] | None = None) -> Response:
        """GET ``url`` politely and safely; ``headers`` are sent too (a conditional GET's
        If-None-Match / If-Modified-Since: a 304 comes back as a Response, not an error)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(url, "not an http(s) URL")
        if self.options.respect_robots and not self._allowed(url):
            raise FetchError(url, "disallowed by the site's robots.txt")
        last_error = "no attempt made"
        retry_after: float | None = None
        for attempt in range(self.options.retries + 1):
            if attempt:
                self._sleep(self.options.backoff * 2 ** (attempt - 1))
            try:
                status, final_url, content, answer = self._request(url, headers or {})
            except httpx.TimeoutException:
                last_error = f"timed out after {self.options.timeout:g} s"
                continue
            except httpx.HTTPError as exc:
                last_error = f"request failed ({type(exc).__name__}: {exc})"
                continue
            if status in RETRY_STATUS:
                last_error = f"HTTP {status}"
                retry_after = _seconds(answer.get("retry-after"))
                continue
            if status >= 400:
                raise FetchError(url, f"HTTP {status}")
            return Response(
                url=final_url,
                content=content,
                content_type=answer.get("content-type", ""),
                status=status,
                headers=tuple((key.lower(), value) for key, value in answer.items()),
            )
        attempts = self.options.retries + 1
        error = FetchError(url, f"{last_error} ({attempts} attempt{'s' if attempts > 1 else ''})")
        error.retry_after = retry_after
        raise error

    def _request(
        self, url: str, headers: dict[str, str] | None = None
    ) -> tuple[int, str, bytes, httpx.Headers]:
        """(status, final URL, body, headers) of a GET, redirects followed and checked."""
        for _ in range(MAX_REDIRECTS + 1):
            self._check_address(url)
            status, content, answer = self._get_once(url, headers or {})
            location = answer.get("location")
            if status not in REDIRECT_STATUS or not location:
                return status, url, content, answer
            url = urljoin(url, location)
            if urlsplit(url).scheme not in ("http", "https"):
                raise FetchError(url, "redirected to a URL that is not http(s)")
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    def _check_address(self, url: str) -> None:
        if self.options.allow_private:
            return
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = private_address(host, port)
        if found is not None:
            raise FetchError(
                url,
                f"refused: {host} is a private, loopback or link-local address ({found});"
                f" use --allow-private or {ALLOW_PRIVATE_ENV}=1 to fetch it",
            )

    def _get_once(self, url: str, headers: dict[str, str]) -> tuple[int, bytes, httpx.Headers]:
        """One request, politely spaced; the body streamed within the size and time limits."""
        host = urlsplit(url).netloc
        last = self._last_request.get(host)
        if last is not None:
            wait = self.options.delay - (self._clock() - last)
            if wait > 0:
                self._sleep(wait)
        deadline = time.monotonic() + self.options.timeout
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                chunks: list[bytes] = []
                size = 0
                if response.status_code < 300:
                    for chunk in _decoded(url, response):
                        size += len(chunk)
                        if size > self.options.max_bytes:
                            raise FetchError(url, f"response over {self.options.max_bytes:,} bytes")
                        chunks.append(chunk)
                        if time.monotonic() > deadline:
                            raise httpx.ReadTimeout("total time limit", request=response.request)
                return response.status_code, b"".join(chunks), response.headers
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
            status, _, content, _ = self._request(root + "/robots.txt")
        except (httpx.HTTPError, FetchError):
            return None
        if status != 200:
            return None
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(content.decode("utf-8", "replace").splitlines())
        return parser


class _PublicOnly(httpcore.SyncBackend):
    """Connects only to public addresses: the host is resolved here and the connection made to
    the address that was checked, so a DNS answer that changes between the check before the
    request and the connection (DNS rebinding) cannot lead to a private address."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host} ({exc})") from exc
        for info in infos:
            address = str(info[4][0])
            if private_address(address, port) is not None:
                raise httpcore.ConnectError(
                    f"refused: {host} resolves to a private, loopback or link-local address"
                    f" ({address}); use --allow-private or {ALLOW_PRIVATE_ENV}=1 to fetch it"
                )
        # TLS still checks the certificate against the host's name (httpcore passes it on).
        return super().connect_tcp(
            str(infos[0][4][0]), port, timeout, local_address, socket_options
        )


def _guard_connections(transport: httpx.HTTPTransport) -> None:
    # httpx has no public hook for its connection pool's network backend (httpcore's seam for
    # exactly this); the versions are pinned, and a change fails here, loudly, not silently.
    pool = transport._pool
    if not hasattr(pool, "_network_backend"):
        raise RuntimeError("httpx's connection pool changed: cannot guard its connections")
    pool._network_backend = _PublicOnly()


#: Bytes inflated at a time: a compressed body is never inflated further than this past the
#: limit (httpx inflates each network chunk whole, and 64 KiB of gzip can hold 64 MiB).
_INFLATE_STEP = 1 << 16


def _decoded(url: str, response: httpx.Response) -> Iterator[bytes]:
    """The body as it arrives, inflated in bounded steps."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        yield from response.iter_raw()
        return
    if encoding in ("gzip", "x-gzip"):
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decoder = zlib.decompressobj()
    else:
        raise FetchError(url, f"unsupported content encoding {encoding!r}")
    try:
        for raw in response.iter_raw():
            data = raw
            while data:
                yield decoder.decompress(data, _INFLATE_STEP)
                data = decoder.unconsumed_tail
        yield decoder.flush()
    except zlib.error as exc:
        raise FetchError(url, f"corrupt {encoding} body ({exc})") from exc


def _seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header given as a number (an HTTP date is taken as unknown)."""
    if value is None:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None
