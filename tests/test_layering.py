"""The layering rule of docs/architecture.md, read from the source: the steps are plain
functions over records and never reach into storage, transport or the shells."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "storyline"

#: The step packages, lowest first: a step may import the ones before it, never after.
STEPS = ("ingest", "analysis", "stories", "telling")
#: What no step may import: the store, the shells, the read side, the runner, and the
#: libraries of storage and transport.
FORBIDDEN = (
    "storyline.store",
    "storyline.web",
    "storyline.cli",
    "storyline.spark",
    "storyline.load",
    "storyline.runner",
    "storyline.views",
    "pyspark",
    "sqlite3",
    "fastapi",
    "starlette",
    "uvicorn",
)


def imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (a function-level import counts too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("step", STEPS)
def test_a_step_imports_no_store_web_spark_or_shell(step: str) -> None:
    files = sorted((PACKAGE / step).glob("*.py"))
    assert files, step
    later = tuple(f"storyline.{other}" for other in STEPS[STEPS.index(step) + 1 :])
    for path in files:
        for name in imports(path):
            assert not any(_within(name, bad) for bad in FORBIDDEN + later), (path.name, name)


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from storyline.store import Store\n    import pyspark.sql\n")
    assert {"storyline.store", "pyspark.sql"} <= imports(bad)


def test_nothing_imports_the_package_face() -> None:
    """``storyline/__init__`` only re-exports: a module that imported it would import every
    stage (the version lives in ``_version``)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "__init__.py" and path.parent == PACKAGE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "storyline":
                names = {alias.name for alias in node.names}
                subpackages = {p.stem for p in PACKAGE.iterdir()}
                assert names <= subpackages, (path, names)
