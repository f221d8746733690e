"""Faults: kills during ingestion, hostile inputs, two writers at once.

    python bench/faults.py [--articles 300] [--kills 6] [--seed 7]

Everything goes through the `storyline` command in child processes, as a user or a crash
would meet it:

* **kills**: a generated corpus (the articles of ``bench/throughput.py``: fictional names,
  wire copies) is ingested with analysis, placement and telling into a fresh store; the same
  ingest is started again and again into other fresh stores and killed with SIGKILL at a
  random moment of its run (spread over ingest, analysis, placement and telling), then rerun
  to completion. Each rerun store is compared with the clean one: articles lost or
  duplicated, copy links, analyses, and stories (members, similarities, merges, splits,
  tellings) that differ.
* **hostile inputs**: generated files and a local server on 127.0.0.1 (loopback only),
  each ingested by its own child with a good record after it; a crash is an exit status other
  than 0/1, a traceback, or the good record missing; the child's peak RSS is read from the
  kernel (wait4).
* **two writers**: two ingests of files that copy each other, at once, against the
  sequential runs in either order.

Targets (issue 22): 0 lost, 0 duplicated, 0 differing stories, 0 crashed batches, peak RSS
under 500 MB for any single hostile input.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from throughput import generate

ROOT = Path(__file__).resolve().parent.parent


def storyline(*args: str) -> list[str]:
    return [sys.executable, "-m", "storyline.cli", *args]


def run_child(command: list[str], *, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a child to its end: exit status, stderr, and its peak resident memory (MB)."""
    child = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    assert child.stderr is not None
    errors: list[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(child.stderr.read()))  # type: ignore[union-attr]
    reader.start()
    _, status, usage = os.wait4(child.pid, 0)
    reader.join()
    child.stderr.close()
    child.returncode = os.waitstatus_to_exitcode(status)
    return {
        "status": child.returncode,
        "stderr": b"".join(errors).decode("utf-8", "replace"),
        "rss_mb": usage.ru_maxrss / 1024,
    }


def dump(db: Path) -> dict[str, Any]:
    """What a run leaves in the store, timestamps left out."""
    conn = sqlite3.connect(db)
    try:

        def rows(sql: str) -> list[tuple[Any, ...]]:
            return [tuple(row) for row in conn.execute(sql)]

        return {
            "articles": rows("SELECT id FROM articles ORDER BY id"),
            "copies": rows(
                "SELECT article_id, canonical_id, similarity FROM duplicates ORDER BY 1"
            ),
            "analyses": rows("SELECT article_id, data FROM analyses ORDER BY 1"),
            "members": rows(
                "SELECT article_id, story_id, similarity FROM story_articles ORDER BY 1"
            ),
            "redirects": rows("SELECT old_id, new_id FROM story_redirects ORDER BY 1"),
            "splits": rows("SELECT to_id, from_id, articles FROM story_splits ORDER BY 1"),
            "tellings": rows(
                "SELECT story_id, headline, digest, timeline, articles FROM story_tellings"
                " ORDER BY 1"
            ),
        }
    finally:
        conn.close()


def stories(state: dict[str, Any]) -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for article_id, story_id, _ in state["members"]:
        groups.setdefault(story_id, set()).add(article_id)
    return {story: frozenset(members) for story, members in groups.items()}


def compare(clean: dict[str, Any], other: dict[str, Any]) -> dict[str, int]:
    clean_ids = {row[0] for row in clean["articles"]}
    other_ids = [row[0] for row in other["articles"]]
    ours, theirs = stories(clean), stories(other)
    differing = sum(
        1 for story in ours.keys() | theirs.keys() if ours.get(story) != theirs.get(story)
    )
    return {
        "lost": len(clean_ids - set(other_ids)),
        "duplicated": len(other_ids) - len(set(other_ids)),
        "copy_links_differing": len(set(clean["copies"]) ^ set(other["copies"])),
        "analyses_differing": len(set(clean["analyses"]) ^ set(other["analyses"])),
        "stories_differing": differing,
        "other_story_rows_differing": sum(
            clean[key] != other[key] for key in ("members", "redirects", "splits", "tellings")
        ),
    }


# -- kills ---------------------------------------------------------------------------------------


def kills(folder: Path, corpus: Path, count: int, rng: random.Random) -> dict[str, Any]:
    clean_db = folder / "clean.db"
    started = time.monotonic()
    result = run_child(storyline("ingest", str(corpus), "--db", str(clean_db)))
    duration = time.monotonic() - started
    assert result["status"] == 0, result["stderr"]
    clean = dump(clean_db)
    totals = {"kills": 0, "survived": 0}
    worst: dict[str, int] = {}
    for n in range(count):
        db = folder / f"killed-{n}.db"
        # Past the model's loading (the first ~2 s), anywhere up to the end of the run.
        at = rng.uniform(min(2.0, duration / 2), duration * 0.98)
        child = subprocess.Popen(
            storyline("ingest", str(corpus), "--db", str(db)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(at)
        killed = child.poll() is None
        child.send_signal(signal.SIGKILL)
        child.wait()
        totals["kills"] += killed
        rerun = run_child(storyline("ingest", str(corpus), "--db", str(db)))
        check = sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0]
        differences = compare(clean, dump(db))
        survived = rerun["status"] == 0 and check == "ok" and not any(differences.values())
        totals["survived"] += survived
        print(
            f"  kill {n + 1}: at {at:5.1f} s of {duration:.1f} s"
            f" ({'killed' if killed else 'had finished'}); rerun exit {rerun['status']},"
            f" integrity {check}, {differences}",
            file=sys.stderr,
        )
        for key, value in differences.items():
            worst[key] = max(worst.get(key, 0), value)
    return {"clean_run_s": round(duration, 1), **totals, **worst}


# -- hostile inputs ------------------------------------------------------------------------------

GOOD = {"id": "good-1", "text": "The harbour of Dunmore reopened on Monday after the storm."}


def _jsonl(path: Path, *lines: bytes) -> list[str]:
    path.write_bytes(b"".join(lines) + json.dumps(GOOD).encode() + b"\n")
    return [str(path)]


class _Hostile(BaseHTTPRequestHandler):
    """Pages a hostile server answers with, on 127.0.0.1 only."""

    def do_GET(self) -> None:
        if self.path == "/huge":  # a 300 MB body
            self._start(300_000_000)
            chunk = b"<p>" + b"x" * 65_530 + b"</p>"
            for _ in range(300_000_000 // len(chunk)):
                try:
                    self.wfile.write(chunk)
                except OSError:
                    return
        elif self.path == "/bomb":  # 1 MiB of gzip that inflates to 1 GiB
            body = _BOMB
            self._start(len(body), [("Content-Encoding", "gzip")])
            self.wfile.write(body)
        elif self.path == "/trickle":  # one byte every 2 s
            self._start(1000)
            for _ in range(1000):
                try:
                    self.wfile.write(b"y")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(2)
        else:
            self._start(0)

    def _start(self, length: int, headers: list[tuple[str, str]] = ()) -> None:  # type: ignore[assignment]
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(length))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _gzip_bomb(size: int) -> bytes:
    """gzip of ``size`` zero bytes, made a MiB at a time: the bench's own memory (which every
    child it forks starts from) stays small."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    parts = [packer.compress(zeros) for _ in range(size >> 20)]
    return b"".join(parts) + packer.flush()


_BOMB = _gzip_bomb(1 << 30)


def hostile_inputs(folder: Path) -> Iterator[tuple[str, list[str], list[str]]]:
    """(name, SOURCES, extra options) of each hostile input."""
    yield (
        "integer of 5,000 digits",
        _jsonl(folder / "int.jsonl", b'{"id": "n", "text": ' + b"9" * 5000 + b"}\n"),
        [],
    )
    yield (
        "100,000 levels of nesting",
        _jsonl(folder / "deep.jsonl", b"[" * 100_000 + b"]" * 100_000 + b"\n"),
        [],
    )
    line = folder / "long.jsonl"
    with line.open("wb") as out:
        out.write(b'{"id": "long", "text": "')
        for _ in range(300):
            out.write(b"w" * 1_000_000)
        out.write(b'"}\n')
        out.write(json.dumps(GOOD).encode() + b"\n")
    yield "300 MB line, --max-bytes 1000", [str(line)], ["--max-bytes", "1000"]
    yield (
        "1,200,000-character article",
        _jsonl(
            folder / "huge.jsonl",
            json.dumps({"id": "huge", "text": "Dunmore cargo report. " * 55_000}).encode() + b"\n",
        ),
        [],
    )
    yield (
        "invalid UTF-8 and control characters",
        _jsonl(
            folder / "bytes.jsonl",
            b'{"id": "u", "text": "\xff\xfe caf\xe9"}\n',
            b'{"id": "c", "text": "a\x01b"}\n',
        ),
        [],
    )
    html = folder / "deep.html"
    text = "The harbour of Dunmore reopened on Monday after the storm, officials said. " * 6
    html.write_text(
        "<html><body>" + "<div>" * 2000 + f"<p>{text}</p>" + "</div>" * 2000 + "</body></html>"
    )
    yield "HTML nested 2,000 deep", [str(html), *_jsonl(folder / "after-html.jsonl")], []
    feed = folder / "xxe.xml"
    feed.write_text(
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
        '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
        '<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        "<rss><channel><title>&d;&e;</title></channel></rss>"
    )
    yield (
        "feed with entity expansion and an external entity",
        [str(feed), *_jsonl(folder / "after-feed.jsonl")],
        [],
    )
    warc = folder / "bomb.warc.gz"
    warc.write_bytes(b"WARC/1.0\r\nWARC-Type: response\r\n" + _BOMB[:4096])
    yield "truncated WARC", [str(warc), *_jsonl(folder / "after-warc.jsonl")], []
    binary = folder / "binary.html"
    binary.write_bytes(bytes(range(256)) * 100)
    yield "binary file named .html", [str(binary), *_jsonl(folder / "after-binary.jsonl")], []
    empty = folder / "empty.jsonl"
    empty.write_bytes(b"")
    yield "empty file", [str(empty), *_jsonl(folder / "after-empty.jsonl")], []


def http_inputs(base: str, folder: Path) -> Iterator[tuple[str, list[str], list[str]]]:
    after = _jsonl(folder / "after-http.jsonl")
    limits = ["--allow-private", "--max-bytes", "1000000", "--timeout", "3", "--retries", "0"]
    yield "300 MB body, --max-bytes 1000000", [f"{base}/huge", *after], limits
    yield "gzip bomb (1 MiB → 1 GiB)", [f"{base}/bomb", *after], limits
    yield "a byte every 2 s, --timeout 3", [f"{base}/trickle", *after], limits
    yield "loopback without --allow-private", [f"{base}/huge", *after], []


def hostile(folder: Path) -> dict[str, Any]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    crashes = 0
    peak = 0.0
    inputs = [*hostile_inputs(folder), *http_inputs(base, folder)]
    for n, (name, sources, options) in enumerate(inputs):
        db = folder / f"hostile-{n}.db"
        started = time.monotonic()
        result = run_child(storyline("ingest", *sources, "--db", str(db), "--no-analyze", *options))
        stored = {row[0] for row in sqlite3.connect(db).execute("SELECT id FROM articles")}
        crashed = (
            result["status"] not in (0, 1)
            or "Traceback" in result["stderr"]
            or "good-1" not in stored
        )
        crashes += crashed
        peak = max(peak, result["rss_mb"])
        first = (result["stderr"].strip().splitlines() or [""])[0][:110]
        print(
            f"  {name}: exit {result['status']}, {time.monotonic() - started:.1f} s,"
            f" peak RSS {result['rss_mb']:.0f} MB, {'CRASH' if crashed else 'ok'}: {first}",
            file=sys.stderr,
        )
    server.shutdown()
    return {"hostile_inputs": len(inputs), "crashed": crashes, "peak_rss_mb": round(peak)}


# -- two writers ---------------------------------------------------------------------------------


def two_writers(folder: Path, records: list[dict[str, Any]]) -> dict[str, Any]:
    halves = [records[0::2], records[1::2]]
    files = []
    for n, half in enumerate(halves):
        path = folder / f"half-{n}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in half), encoding="utf-8")
        files.append(str(path))
    sequential = []
    for order in (files, files[::-1]):
        db = folder / f"sequential-{len(sequential)}.db"
        for path in order:
            assert run_child(storyline("ingest", path, "--db", str(db)))["status"] == 0
        sequential.append(dump(db))
    db = folder / "concurrent.db"
    children = [
        subprocess.Popen(
            storyline("ingest", path, "--db", str(db)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for path in files
    ]
    errors = [child.communicate()[1].decode() for child in children]
    crashed = sum(child.returncode != 0 for child in children)
    both = dump(db)
    best = min((compare(run, both) for run in sequential), key=lambda d: sum(d.values()))
    analysed_twice = len(both["analyses"]) - len({row[0] for row in both["analyses"]})
    if crashed:
        print(
            "  " + " | ".join(e.strip().splitlines()[-1] for e in errors if e.strip()),
            file=sys.stderr,
        )
    return {
        "writers_crashed": crashed,
        "analysed_twice": analysed_twice,
        **{f"vs_sequential_{k}": v for k, v in best.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    records = generate(args.articles, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        corpus = folder / "corpus.jsonl"
        corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        print(f"kills ({args.kills}, {args.articles} articles):", file=sys.stderr)
        report = {"kills": kills(folder, corpus, args.kills, rng)}
        print("hostile inputs:", file=sys.stderr)
        report["hostile"] = hostile(folder)
        print("two writers:", file=sys.stderr)
        report["writers"] = two_writers(folder, records)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
