"""Storyline: follow developing news stories across many outlets.

The public API is what ``__all__`` lists; everything else may change between releases.

Names load on first use (PEP 562): ``import storyline`` and the ``storyline`` command start
without spaCy, scikit-learn or SciPy, which only the commands that analyse or tell need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from storyline._version import __version__

#: Where each public name lives.
_HOMES = {
    "storyline.errors": (
        "BadRequest",
        "ExtractionError",
        "FetchError",
        "NotFound",
        "SourceError",
        "StoreError",
        "StorylineError",
    ),
    "storyline.records": (
        "Analysis",
        "Article",
        "Citation",
        "DigestLine",
        "Entity",
        "Mention",
        "Problem",
        "Quote",
        "Span",
        "Telling",
        "TimeExpr",
        "TimelineEntry",
    ),
    "storyline.ingest.sources": ("SourceOptions", "read_sources"),
    "storyline.analysis.pipeline": ("analyze", "load_nlp"),
    "storyline.runner": (
        "IngestReport",
        "RunReport",
        "analyze_pending",
        "ingest_sources",
        "place_and_tell",
        "place_stories",
        "refresh_tellings",
        "run",
    ),
    "storyline.store": ("Store", "open_store"),
    "storyline.telling.digest": ("headline", "summarize"),
    "storyline.telling.tell": ("tell",),
    "storyline.telling.timeline": ("timeline",),
    "storyline.views": ("story_data",),
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "Analysis",
    "Article",
    "BadRequest",
    "Citation",
    "DigestLine",
    "Entity",
    "ExtractionError",
    "FetchError",
    "IngestReport",
    "Mention",
    "NotFound",
    "Problem",
    "Quote",
    "RunReport",
    "SourceError",
    "SourceOptions",
    "Span",
    "Store",
    "StoreError",
    "StorylineError",
    "Telling",
    "TimeExpr",
    "TimelineEntry",
    "__version__",
    "analyze",
    "analyze_pending",
    "headline",
    "ingest_sources",
    "load_nlp",
    "open_store",
    "place_and_tell",
    "place_stories",
    "read_sources",
    "refresh_tellings",
    "run",
    "story_data",
    "summarize",
    "tell",
    "timeline",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'storyline' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULE_OF])


if TYPE_CHECKING:  # what type checkers and editors see, as if imported eagerly
    from storyline.analysis.pipeline import analyze, load_nlp
    from storyline.errors import (
        BadRequest,
        ExtractionError,
        FetchError,
        NotFound,
        SourceError,
        StoreError,
        StorylineError,
    )
    from storyline.ingest.sources import SourceOptions, read_sources
    from storyline.records import (
        Analysis,
        Article,
        Citation,
        DigestLine,
        Entity,
        Mention,
        Problem,
        Quote,
        Span,
        Telling,
        TimeExpr,
        TimelineEntry,
    )
    from storyline.runner import (
        IngestReport,
        RunReport,
        analyze_pending,
        ingest_sources,
        place_and_tell,
        place_stories,
        refresh_tellings,
        run,
    )
    from storyline.store import Store, open_store
    from storyline.telling.digest import headline, summarize
    from storyline.telling.tell import tell
    from storyline.telling.timeline import timeline
    from storyline.views import story_data
