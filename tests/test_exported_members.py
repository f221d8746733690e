"""The public API is what __all__ says; changing it is a decision, so it is pinned here."""

from __future__ import annotations

import storyline

PUBLIC = [
    "timeline",
    "tell",
    "refresh_tellings",
    "summarize",
    "headline",
    "TimelineEntry",
    "Telling",
    "DigestLine",
    "Citation",
    "Analysis",
    "Article",
    "Entity",
    "ExtractionError",
    "FetchError",
    "IngestReport",
    "Mention",
    "Problem",
    "Quote",
    "SourceError",
    "SourceOptions",
    "Span",
    "Store",
    "StoreError",
    "StorylineError",
    "BadRequest",
    "NotFound",
    "RunReport",
    "run",
    "place_stories",
    "place_and_tell",
    "story_data",
    "TimeExpr",
    "__version__",
    "analyze",
    "analyze_pending",
    "ingest_sources",
    "load_nlp",
    "open_store",
    "read_sources",
]


def test_exported_members() -> None:
    assert sorted(storyline.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert hasattr(storyline, name), name


def test_records_are_frozen() -> None:
    import dataclasses

    for name in (
        "Article",
        "Analysis",
        "Mention",
        "Entity",
        "Quote",
        "TimeExpr",
        "Citation",
        "DigestLine",
        "TimelineEntry",
        "Telling",
    ):
        record = getattr(storyline, name)
        assert dataclasses.is_dataclass(record)
        assert record.__dataclass_params__.frozen, name


def test_every_listed_name_has_a_home() -> None:
    from storyline import _MODULE_OF

    assert sorted(_MODULE_OF) == sorted(n for n in storyline.__all__ if n != "__version__")
