"""Storyline: follow developing news stories across many outlets.

The public API is what ``__all__`` lists; everything else may change between releases.
"""

__version__ = "0.1.0"

from storyline.analyze import analyze, analyze_pending, load_nlp
from storyline.digest import headline, summarize
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
    Citation,
    DigestLine,
    Entity,
    Mention,
    Problem,
    Quote,
    Span,
    Story,
    Telling,
    TimeExpr,
    TimelineEntry,
)
from storyline.sources import SourceOptions, read_sources
from storyline.store import Store, open_store
from storyline.tell import refresh_tellings, tell
from storyline.timeline import timeline

__all__ = [
    "Analysis",
    "Article",
    "Citation",
    "DigestLine",
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
    "read_sources",
    "refresh_tellings",
    "summarize",
    "tell",
    "timeline",
]
