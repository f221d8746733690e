"""Storyline: follow developing news stories across many outlets.

The public API is what ``__all__`` lists; everything else may change between releases.
"""

from storyline._version import __version__
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
