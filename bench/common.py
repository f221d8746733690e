"""What the bench scripts share: running ``storyline analyze`` as a user would, and calling a
reference scorer from ``../shared/bench/score/``."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCORERS = ROOT.parent / "shared" / "bench" / "score"
OUT = ROOT / "bench" / "out"


def run_analyze(dataset: Path, stages: str) -> tuple[list[dict[str, Any]], float]:
    """``storyline analyze - --stages STAGES`` on DATASET/articles.jsonl: outputs, seconds."""
    started = time.perf_counter()
    with (dataset / "articles.jsonl").open("rb") as articles:
        run = subprocess.run(
            [sys.executable, "-m", "storyline.cli", "analyze", "-", "--stages", stages],
            stdin=articles,
            capture_output=True,
            check=False,
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


def score(scorer: Path, dataset: Path, pred: Path) -> None:
    """Print the reference scorer's table (its last line is the headline JSON)."""
    subprocess.run(
        [sys.executable, str(scorer), "--gold", str(dataset), "--pred", str(pred)], check=True
    )


def words(dataset: Path) -> int:
    with (dataset / "articles.jsonl").open(encoding="utf-8") as lines:
        return sum(len(json.loads(line)["text"].split()) for line in lines)
