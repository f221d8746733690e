"""The records every stage passes along: one frozen dataclass per thing.

Variable names follow the type everywhere: ``article``, ``mention``, ``entity``, ``quote``,
``time`` (a :class:`TimeExpr`), ``story``, ``analysis``, ``problem``.

Character offsets (``start``/``end``) always index :attr:`Article.text` as a Python ``str``,
end exclusive, as in ``../shared/bench/score/FORMATS.md``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

#: Where :attr:`Article.published` came from. ``record`` is a date given by the input record
#: itself (a JSONL line); ``metadata`` is the page's own markup; ``feed`` the feed entry;
#: ``url`` a date in the web address; ``none`` means no date was found.
DateSource = Literal["record", "metadata", "feed", "url", "none"]

DATE_SOURCES: tuple[str, ...] = ("record", "metadata", "feed", "url", "none")


def content_hash(text: str) -> str:
    """Hash of the text after Unicode and whitespace normalisation.

    Two copies that differ only in line breaks, spacing or Unicode composition hash alike,
    so exact re-runs are recognised before the (costlier) near-duplicate test.
    """
    normal = unicodedata.normalize("NFKC", text)
    normal = re.sub(r"\s+", " ", normal).strip().lower()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def one_line(text: str) -> str:
    """A cited line as text shows it: its spaces and line breaks as single spaces. A line's
    text is its cited span exactly, and a scraped sentence can hold a line break ("Sen. Ada
    Marr (D-Ore.)" then ", who chairs the panel, said ..." on the next line)."""
    return " ".join(text.split())


def published_date(published: str | None) -> date | None:
    """The calendar date of an ISO ``published`` value (date or date-time), if it has one."""
    if not published:
        return None
    try:
        return date.fromisoformat(published[:10])
    except ValueError:
        return None


def make_id(*parts: str) -> str:
    """A short deterministic id from the given parts (the same input always gives the same id)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:16]


@dataclass(frozen=True, slots=True)
class Article:
    """One news article as ingested, with where it came from."""

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    author: str | None = None
    #: ISO-8601 date (``YYYY-MM-DD``) or date-time, or ``None``.
    published: str | None = None
    published_source: DateSource = "none"
    #: ISO 639-1 code from language identification (``None`` when the text is too short).
    language: str | None = None
    content_hash: str = ""
    #: File path, URL, ``path#line N`` or ``path#WARC-Record-ID`` the article was read from.
    origin: str = ""
    ingested_at: str | None = None

    @property
    def words(self) -> int:
        return len(self.text.split())

    def to_dict(self) -> dict[str, Any]:
        # Every field is a plain value, so no deep copy (asdict's) is needed: lists of
        # articles (a story page, a search) call this for each one.
        return {name: getattr(self, name) for name in ARTICLE_FIELDS}


#: The fields of :class:`Article`, in order: the store's article columns and the Spark job's
#: article table are both this list (one article column list).
ARTICLE_FIELDS: tuple[str, ...] = (
    "id",
    "text",
    "title",
    "url",
    "outlet",
    "author",
    "published",
    "published_source",
    "language",
    "content_hash",
    "origin",
    "ingested_at",
)

#: Languages the English model is run on; other articles are stored but neither analysed nor
#: told. An article of unknown language (a text too short to identify) counts as English.
ANALYZED_LANGUAGES = frozenset({"en"})


def is_analyzed(article: Article) -> bool:
    """Whether ``article`` is in a language Storyline analyses and tells (the one language
    filter: the analysis, the store's pending query, Spark and telling all use it)."""
    return article.language is None or article.language in ANALYZED_LANGUAGES


def arrival_key(published: str | None, seq: int) -> tuple[str, int]:
    """The order in which articles reach the story clusterer: publication day, then
    ingestion order (``seq``: the store's rowid, the Spark job's read order, the input line).

    The day, not the full timestamp: most sources give a date without a time, and where one
    gives times and another not, ordering by timestamp would put an outlet's articles before
    or after another's for no reason but format. Articles without a date come last.
    :data:`ARRIVAL_SQL` is the same rule for the store's ``ORDER BY``.
    """
    return ((published or "9999")[:10], seq)


#: :func:`arrival_key` as an SQL ``ORDER BY`` over the ``articles`` table aliased ``a``.
ARRIVAL_SQL = "COALESCE(substr(a.published, 1, 10), '9999'), a.rowid"


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A copy of an earlier article: which canonical article it copies, how alike, found how
    (``exact`` content hash or ``minhash``)."""

    article_id: str
    canonical_id: str
    similarity: float
    method: str


@dataclass(frozen=True, slots=True)
class Furniture:
    """A span of an article's text that is page furniture, not the article's own news: no stage
    reads it (:mod:`storyline.ingest.furniture`). ``kind`` says how it was found: ``repeated``
    (a line its outlet prints in many articles), ``comments``, ``comment``, ``prompt``,
    ``credit``, ``caption``, ``header``, ``dateline``, ``disclaimer``, ``foot`` or ``byline``."""

    start: int
    end: int
    kind: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Problem:
    """A record or file that could not be ingested or analysed, and why."""

    origin: str
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int

    def to_dict(self) -> dict[str, int]:
        return {"start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class Mention:
    """A named-entity mention in one article, with the canonical name it refers to."""

    start: int
    end: int
    text: str
    #: spaCy label after our corrections: PERSON, ORG, GPE, LOC, NORP, FAC, EVENT, ...
    label: str
    #: The entity's canonical name ("Russia" for "Russian", "United Nations" for "U.N.").
    canonical: str
    #: Label of the entity the mention refers to (a NORP "Russian" refers to the GPE Russia).
    entity_label: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Entity:
    """A person, organisation or place as one article names it, with every alias seen."""

    canonical: str
    label: str
    aliases: tuple[str, ...] = ()
    mentions: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["aliases"] = list(self.aliases)
        return data


@dataclass(frozen=True, slots=True)
class Quote:
    """Who said what (filled by the attribution stage)."""

    content: tuple[Span, ...]
    speaker: Span | None
    cue: Span | None
    kind: str  # "direct", "indirect", "mixed"
    #: The resolved speaker ("he" → the person named before), with role and affiliation.
    speaker_name: str | None = None
    role: str | None = None
    affiliation: str | None = None
    #: "person", "organisation", "place" or "description" (an unnamed "senior official").
    speaker_kind: str | None = None
    #: Calendar values (TIMEX3) of the dates the content refers to (filled with ``times``).
    dates: tuple[str, ...] = ()
    #: How sure the quote model is of the cue: the tagger's mean probability over the cue's
    #: word pieces, or the rule path's cue-model probability (None for a quote found by its
    #: layout: "NAME: words", a signed letter).
    confidence: float | None = None
    #: "said" (the speaker asserts the content), "denied" (the speaker denies it: "denied
    #: that ...", "rejected claims that ...") or "declined" (a refusal: "declined to comment").
    polarity: str = "said"

    def to_dict(self) -> dict[str, Any]:
        return {
            "content": [span.to_dict() for span in self.content],
            "speaker": self.speaker.to_dict() if self.speaker else None,
            "cue": self.cue.to_dict() if self.cue else None,
            "kind": self.kind,
            "speaker_name": self.speaker_name,
            "role": self.role,
            "affiliation": self.affiliation,
            "speaker_kind": self.speaker_kind,
            "dates": list(self.dates),
            "confidence": self.confidence,
            "polarity": self.polarity,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Quote:
        def span(value: dict[str, int] | None) -> Span | None:
            return None if value is None else Span(value["start"], value["end"])

        return cls(
            content=tuple(Span(s["start"], s["end"]) for s in data["content"]),
            speaker=span(data.get("speaker")),
            cue=span(data.get("cue")),
            kind=data["kind"],
            speaker_name=data.get("speaker_name"),
            role=data.get("role"),
            affiliation=data.get("affiliation"),
            speaker_kind=data.get("speaker_kind"),
            dates=tuple(data.get("dates", ())),
            confidence=data.get("confidence"),
            polarity=data.get("polarity", "said"),
        )


@dataclass(frozen=True, slots=True)
class TimeExpr:
    """A TIMEX3 time expression normalised against the publication date (time stage)."""

    start: int
    end: int
    text: str
    type: str  # DATE, TIME, DURATION, SET
    value: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything the analysis stages found in one article.

    Each stage fills its own field and passes the rest through unchanged
    (see :mod:`storyline.analysis.pipeline`).
    """

    article_id: str
    sentences: tuple[Span, ...] = ()
    mentions: tuple[Mention, ...] = ()
    entities: tuple[Entity, ...] = ()
    quotes: tuple[Quote, ...] = ()
    times: tuple[TimeExpr, ...] = ()
    #: Names of the stages that ran, in order; tells a reader which fields are meaningful.
    stages: tuple[str, ...] = ()
    #: For each sentence, the calendar values of the dates it refers to (with ``times``).
    sentence_dates: tuple[tuple[str, ...], ...] = ()
    #: The sentences a story's telling reads (:mod:`storyline.analysis.sentences`: a rule
    #: over the tokens, not the parse), kept by the store so a growing story is not split
    #: again each time it is told. Not part of the analysis' JSON, nor of its equality: an
    #: analysis read back from JSON is the same analysis.
    telling_sentences: tuple[Span, ...] = field(default=(), compare=False)

    def to_dict(self) -> dict[str, Any]:
        sentences: list[dict[str, Any]] = [span.to_dict() for span in self.sentences]
        for sentence, dates in zip(sentences, self.sentence_dates, strict=False):
            sentence["dates"] = list(dates)
        data: dict[str, Any] = {
            "id": self.article_id,
            "stages": list(self.stages),
            "sentences": sentences,
            "entities": [mention.to_dict() for mention in self.mentions],
            "actors": [entity.to_dict() for entity in self.entities],
        }
        if "quotes" in self.stages:
            data["quotes"] = [quote.to_dict() for quote in self.quotes]
        if "times" in self.stages:
            data["times"] = [time.to_dict() for time in self.times]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Analysis:
        return cls(
            article_id=data["id"],
            sentences=tuple(Span(s["start"], s["end"]) for s in data.get("sentences", [])),
            mentions=tuple(Mention(**mention) for mention in data.get("entities", [])),
            entities=tuple(
                Entity(
                    canonical=entity["canonical"],
                    label=entity["label"],
                    aliases=tuple(entity.get("aliases", [])),
                    mentions=entity.get("mentions", 0),
                )
                for entity in data.get("actors", [])
            ),
            quotes=tuple(Quote.from_dict(quote) for quote in data.get("quotes", [])),
            times=tuple(TimeExpr(**time) for time in data.get("times", [])),
            stages=tuple(data.get("stages", [])),
            sentence_dates=tuple(
                tuple(s["dates"]) for s in data.get("sentences", []) if "dates" in s
            ),
        )


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a line of a digest or timeline comes from: an article and a character span."""

    article_id: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"article": self.article_id, "start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Citation:
        return cls(data["article"], data["start"], data["end"])


@dataclass(frozen=True, slots=True)
class DigestLine:
    """One sentence of a digest or timeline, with every article that carried it."""

    text: str
    citations: tuple[Citation, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "citations": [c.to_dict() for c in self.citations]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DigestLine:
        return cls(data["text"], tuple(Citation.from_dict(c) for c in data["citations"]))


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One date of a timeline (``YYYY-MM-DD``) and the lines that say what happened."""

    date: str
    lines: tuple[DigestLine, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.date, "sentences": [line.to_dict() for line in self.lines]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TimelineEntry:
        return cls(data["date"], tuple(DigestLine.from_dict(d) for d in data["sentences"]))


@dataclass(frozen=True, slots=True)
class Telling:
    """What a story says: headline, digest and timeline, made from ``articles`` articles."""

    story_id: str
    headline: str | None
    digest: tuple[DigestLine, ...]
    timeline: tuple[TimelineEntry, ...]
    articles: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.story_id,
            "headline": self.headline,
            "digest": [line.to_dict() for line in self.digest],
            "timeline": [entry.to_dict() for entry in self.timeline],
            "articles": self.articles,
        }


@dataclass(frozen=True, slots=True)
class Feed:
    """A subscribed feed and what its last poll learned."""

    url: str
    title: str | None = None
    added_at: str | None = None
    #: Validators of the last answer, sent back as If-None-Match / If-Modified-Since.
    etag: str | None = None
    last_modified: str | None = None
    last_poll: str | None = None
    #: "new", "ok", "not modified", or the error of the last poll.
    status: str | None = None
    articles_added: int = 0
    next_poll: str | None = None
    #: Polls that failed in a row (the back-off grows with them).
    failures: int = 0
