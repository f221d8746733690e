"""Loading a Spark job's tables: what happens when the folder is not one (no Spark needed;
tests/test_spark.py loads real job output)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.errors import StorylineError
from storyline.load import NEEDED, load_tables
from storyline.store import Store


def test_a_folder_without_the_tables_is_refused_before_anything_is_written(
    tmp_path: Path, store: Store
) -> None:
    (tmp_path / "articles").mkdir()
    with pytest.raises(StorylineError, match="no 'duplicates' table"):
        load_tables(store, tmp_path)
    assert store.stats()["articles"] == 0


def test_a_table_that_is_not_parquet_is_named(tmp_path: Path, store: Store) -> None:
    for name in NEEDED:
        (tmp_path / name).mkdir()
    (tmp_path / "articles" / "part-0.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(StorylineError, match=r"articles: not a readable Parquet table"):
        load_tables(store, tmp_path)
    assert store.stats()["articles"] == 0
