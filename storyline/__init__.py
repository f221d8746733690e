"""Storyline: follow developing news stories across many outlets.

The public API is what ``__all__`` lists; everything else may change between releases.
"""

__version__ = "0.1.0"

from storyline.analyze import analyze, analyze_pending, load_nlp  # noqa: E402
from storyline.errors import (  # noqa: E402
    ExtractionError,
    FetchError,
    SourceError,
    StoreError,
    StorylineError,
)
from storyline.ingest import IngestReport, ingest_sources  # noqa: E402
from storyline.records import (  # noqa: E402
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
from storyline.sources import SourceOptions, read_sources  # noqa: E402
from storyline.store import Store, open_store  # noqa: E402

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
