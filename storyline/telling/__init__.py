"""Telling step: a story's headline, cited digest and dated timeline from its articles.

Owns sentences and scoring words (:mod:`.sentences`), the headline and digest
(:mod:`.digest`), the timeline (:mod:`.timeline`) and what a telling is made from
(:mod:`.tell`).

Plain functions over records. May import :mod:`storyline.records`, :mod:`storyline.errors`
and :mod:`storyline.analysis` (time expressions); never the store, the web layer, the CLI or
PySpark. When a stored story is told again is the runner's business.

The defaults the command line shows live here, so that reading them imports no solver.
"""

#: Words of a digest (``storyline summarize --words``).
DEFAULT_WORDS = 100
#: Dates of a timeline, and lines on its better half of dates (``storyline timeline``).
DEFAULT_DATES = 10
DEFAULT_PER_DATE = 2

#: A stored story of more articles than this is told from this many of them
#: (:func:`storyline.telling.tell.told_articles`). Telling holds every sentence of what it
#: reads, so without a bound the memory and time of one telling grow with the largest story
#: (an ingest of one 10,000-article story peaked at 565 MB, of 1,000 at 442). 2,000 is above
#: every Timeline17 topic (the largest, 1,460 pages, is a four-month story): stories of that
#: size are still told whole.
TOLD_ARTICLES = 2000
