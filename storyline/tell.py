"""Telling stories in the store: headline, digest and timeline, refreshed as stories change.

The pieces are made by :mod:`storyline.digest` and :mod:`storyline.timeline`; this module
decides what a stored story's telling is made from and when it is made again, and renders it
as Markdown.
"""

from __future__ import annotations

from storyline.digest import headline, summarize
from storyline.records import Article, DigestLine, Telling
from storyline.store import Store
from storyline.timeline import timeline

__all__ = ["DIGEST_WORDS", "TIMELINE_DATES", "refresh_tellings", "tell", "to_markdown"]

#: Size of a stored story's digest and timeline (the page a reader sees first).
DIGEST_WORDS = 120
TIMELINE_DATES = 10
TIMELINE_PER_DATE = 2


def tell(story_id: str, articles: list[Article]) -> Telling:
    """The telling of one story from its articles, wire copies included.

    Copies are kept on purpose: a sentence that several outlets ran is one digest line that
    cites all of them.
    """
    english = [a for a in articles if a.language in (None, "en")]
    return Telling(
        story_id,
        headline(english or articles),
        tuple(summarize(english, DIGEST_WORDS)),
        tuple(timeline(english, dates=TIMELINE_DATES, per_date=TIMELINE_PER_DATE)),
        len(articles),
    )


def current_telling(store: Store, story_id: str, articles: list[Article]) -> Telling:
    """The stored telling when it was made from these articles; else one made now (not
    stored: reads never write, the next ingest or analysis refreshes it)."""
    telling = store.get_telling(story_id)
    if telling is None or telling.articles != len(articles):
        telling = tell(story_id, articles)
    return telling


def refresh_tellings(store: Store) -> int:
    """Tell again every story that gained or lost articles since it was last told."""
    stale = store.stale_tellings()
    for story_id in stale:
        store.save_telling(tell(story_id, store.story_articles(story_id)))
    return len(stale)


def _cite(line: DigestLine, articles: dict[str, Article]) -> str:
    outlets = []
    for citation in line.citations:
        article = articles.get(citation.article_id)
        name = (article.outlet if article else None) or citation.article_id
        outlets.append(f"{name} [{citation.article_id} {citation.start}-{citation.end}]")
    return f"{line.text} ({'; '.join(outlets)})"


def to_markdown(telling: Telling, articles: list[Article]) -> str:
    """The story as a Markdown page: headline, digest, timeline and sources, every line cited."""
    by_id = {a.id: a for a in articles}
    out = [f"# {telling.headline or telling.story_id}", ""]
    out += [f"Story `{telling.story_id}`: {telling.articles} articles.", "", "## Digest", ""]
    out += [f"- {_cite(line, by_id)}" for line in telling.digest] or ["(nothing to tell yet)"]
    out += ["", "## Timeline", ""]
    for entry in telling.timeline:
        out.append(f"### {entry.date}")
        out += [f"- {_cite(line, by_id)}" for line in entry.lines]
        out.append("")
    out += ["## Sources", ""]
    for article in articles:
        out.append(
            f"- `{article.id}` {(article.published or '?')[:10]} {article.outlet or '?'}:"
            f" {article.title or '(untitled)'}" + (f" <{article.url}>" if article.url else "")
        )
    return "\n".join(out) + "\n"
