"""Storyline: follow developing news stories across many outlets.

The public API is what ``__all__`` lists; everything else may change between releases.
"""

__version__ = "0.1.0"

from storyline.analyze import analyze, analyze_pending, load_nlp
from storyline.errors import (
    ExtractionError,
    FetchError,
    SourceError,
    StoreError,
    StorylineError,
)
from storyline.ingest import IngestReport, ingest_sources
from storyline.records import (
    Analysis,
    Article,
    Entity,
    Mention,
    Problem,
    Quote,
    Span,
    Story,
    TimeExpr,
)
from storyline.sources import SourceOptions, read_sources
from storyline.store import Store, open_store

__all__ = [
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
    "Story",
    "StorylineError",
    "TimeExpr",
    "__version__",
    "analyze",
    "analyze_pending",
    "ingest_sources",
    "load_nlp",
    "open_store",
    "read_sources",
]
