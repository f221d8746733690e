"""Stories: articles grouped online, in arrival order, into developing stories.

Each article becomes a sparse vector of its words (TF-IDF with document frequencies counted
as the stream arrives, so nothing is fitted in advance) and of the people, organisations and
places the entity stage named, weighted higher because two stories of one kind ("a
celebrity enters rehab") differ mostly in who and where. The article joins the most similar
story if the cosine similarity to the story's centroid reaches :data:`STORY_THRESHOLD`, else
starts a new story. Candidate stories come from an inverted index over each story's strongest
terms, so an article is compared with the few stories that share its rarest words, not with
every story. Time matters too: a story that has had no article for :data:`COLD_DAYS` is not
joined any more.

Story ids are the id of the story's first article (prefixed ``s-``): stable as the stream
grows. When an article is as close to a second story as to its own, the two stories merge;
the smaller one's id then redirects to the larger.

Scikit-learn's TfidfVectorizer and clustering need the whole collection up front; an online
assignment with an inverted index does not, hence this module.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS

from storyline.errors import StorylineError
from storyline.records import Article, Mention, published_date
from storyline.store import Duplicate, Store

#: Cosine similarity to a story's centroid at or above which an article joins it.
#: Calibrated on ECB+ dev (bench/stories.py; see bench/RESULTS.md), fixed here.
STORY_THRESHOLD = 0.25
#: Weight of an entity feature relative to a word.
ENTITY_WEIGHT = 1.0
#: Terms kept per story centroid and indexed for retrieval.
CENTROID_TERMS = 200
#: Terms of an article used to look up candidate stories.
QUERY_TERMS = 12
#: Two stories merge when an article is this much over the threshold for both.
MERGE_FACTOR = 1.5
#: A story with no article for this many days is not joined any more.
COLD_DAYS = 21
#: Format of :meth:`StoryClusterer.state`; a store with another version is replayed instead.
STATE_VERSION = 1
#: New assignments between two saves of the clusterer's state during one run.
CHECKPOINT_EVERY = 1000

_WORD = re.compile(r"[a-z][a-z'-]+")
_ENTITY_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT"})


def article_terms(text: str, mentions: Iterable[Mention] = ()) -> Counter[str]:
    """Raw term counts: words (lower case, no stop words) and ``E:`` entity names."""
    terms: Counter[str] = Counter(
        word for word in _WORD.findall(text.lower()) if word not in STOP_WORDS and len(word) > 2
    )
    for mention in mentions:
        if mention.entity_label in _ENTITY_LABELS:
            terms["E:" + mention.canonical.lower()] += 1
    return terms


@dataclass(slots=True)
class _Story:
    id: str
    weights: dict[str, float] = field(default_factory=dict)
    #: Articles in the story (a merge keeps the larger story's id).
    size: int = 0
    last: date | None = None
    indexed: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Assignment:
    article_id: str
    story_id: str
    similarity: float
    #: Story ids merged into ``story_id`` by this article (they now redirect to it).
    merged: tuple[str, ...] = ()


class StoryClusterer:
    """Online story assignment; feed articles in arrival order with :meth:`add`."""

    def __init__(self, threshold: float = STORY_THRESHOLD) -> None:
        self.threshold = threshold
        self.documents = 0
        self.df: Counter[str] = Counter()
        self.stories: dict[str, _Story] = {}
        self.redirects: dict[str, str] = {}
        self._index: dict[str, set[str]] = defaultdict(set)
        self._today: date | None = None

    def state(self) -> dict[str, Any]:
        """Everything later decisions depend on, as JSON-ready data (:meth:`from_state`).

        Stories gone cold are not in it (they can never be joined again), so its size is
        bounded by the active stories and the vocabulary's document frequencies."""
        return {
            "version": STATE_VERSION,
            "threshold": self.threshold,
            "documents": self.documents,
            "df": dict(sorted(self.df.items())),
            "today": self._today.isoformat() if self._today else None,
            "redirects": dict(sorted(self.redirects.items())),
            "stories": [
                {
                    "id": story.id,
                    "size": story.size,
                    "last": story.last.isoformat() if story.last else None,
                    "weights": story.weights,
                }
                for story in sorted(self.stories.values(), key=lambda story: story.id)
            ],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> StoryClusterer:
        """The clusterer that :meth:`state` described; it decides as the original would."""
        if state.get("version") != STATE_VERSION:
            raise StorylineError(
                f"story state version {state.get('version')!r} is not {STATE_VERSION}"
            )
        clusterer = cls(float(state["threshold"]))
        clusterer.documents = int(state["documents"])
        clusterer.df = Counter(state["df"])
        clusterer._today = date.fromisoformat(state["today"]) if state["today"] else None
        clusterer.redirects = dict(state["redirects"])
        for item in state["stories"]:
            story = _Story(
                id=item["id"],
                weights=dict(item["weights"]),
                size=int(item["size"]),
                last=date.fromisoformat(item["last"]) if item["last"] else None,
            )
            clusterer.stories[story.id] = story
            clusterer._reindex(story)
        return clusterer

    def merge_stored(self, gone_id: str, keep_id: str) -> None:
        """Apply a merge recorded in the store but not yet in this state (a run interrupted
        between checkpoints): the stories' centroids are combined under ``keep_id``."""
        gone = self.stories.get(gone_id)
        if gone is None:
            return
        keep = self.stories.get(keep_id)
        if keep is None:
            keep = self.stories[keep_id] = _Story(id=keep_id)
        _add_weights(keep, gone.weights)
        keep.size += gone.size
        if gone.last and (keep.last is None or gone.last > keep.last):
            keep.last = gone.last
        for term in gone.indexed:
            self._index[term].discard(gone.id)
        del self.stories[gone.id]
        self.redirects[gone.id] = keep.id
        self._reindex(keep)

    def resolve(self, story_id: str) -> str:
        while story_id in self.redirects:
            story_id = self.redirects[story_id]
        return story_id

    def add(
        self, article_id: str, terms: Counter[str], published: date | None = None
    ) -> Assignment:
        self.documents += 1
        self.df.update(terms.keys())
        self._advance(published)
        vector = self._vector(terms)
        ranked = self._rank(vector, published)
        if ranked and ranked[0][1] >= self.threshold:
            story = self.stories[ranked[0][0]]
            similarity = ranked[0][1]
            gone: list[str] = []
            for other, score in ranked[1:3]:
                if score >= self.threshold * MERGE_FACTOR:
                    before = story.id
                    story = self._merge(story, self.stories[other])
                    # The larger story is kept: the one merged away may be either.
                    gone.append(other if story.id == before else before)
            merged = tuple(gone)
        else:
            story = _Story(id="s-" + article_id)
            self.stories[story.id] = story
            similarity, merged = 1.0, ()
        self._join(story, vector, published)
        return Assignment(article_id, story.id, round(similarity, 4), merged)

    def place(
        self, article_id: str, terms: Counter[str], published: date | None, story_id: str
    ) -> None:
        """Replay a stored assignment: the article joins ``story_id`` without a decision."""
        self.documents += 1
        self.df.update(terms.keys())
        story_id = self.resolve(story_id)
        story = self.stories.get(story_id)
        if story is None:
            story = self.stories[story_id] = _Story(id=story_id)
        self._join(story, self._vector(terms), published)

    # -- internals ------------------------------------------------------------------------

    def _advance(self, published: date | None) -> None:
        """On a new day, forget stories gone cold: they can no longer be joined, so keeping
        them would only lengthen the index's postings (cost and memory stay bounded by the
        stories active in the last COLD_DAYS)."""
        if published is None or (self._today is not None and published <= self._today):
            return
        self._today = published
        cold = [
            story
            for story in self.stories.values()
            if story.last is not None and (published - story.last).days > COLD_DAYS
        ]
        for story in cold:
            for term in story.indexed:
                postings = self._index.get(term)
                if postings is not None:
                    postings.discard(story.id)
                    if not postings:
                        del self._index[term]
            del self.stories[story.id]

    def _vector(self, terms: Counter[str]) -> dict[str, float]:
        vector = {}
        # In term order: float sums then never depend on the order the terms were counted in.
        for term, count in sorted(terms.items()):
            idf = math.log((self.documents + 1) / (self.df[term] + 1)) + 1.0
            weight = (1.0 + math.log(count)) * idf
            vector[term] = weight * (ENTITY_WEIGHT if term.startswith("E:") else 1.0)
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        return {term: w / norm for term, w in vector.items()}

    def _rank(self, vector: dict[str, float], published: date | None) -> list[tuple[str, float]]:
        # Ties broken by the term itself, so that the candidates never depend on the order in
        # which an article's terms were counted (the Spark job counts them elsewhere).
        query = sorted(vector, key=lambda term: (-vector[term], term))[:QUERY_TERMS]
        candidates = {story for term in query for story in self._index.get(term, ())}
        scored = []
        for story_id in candidates:
            story = self.stories[story_id]
            if published and story.last and (published - story.last).days > COLD_DAYS:
                continue
            scored.append((story_id, _cosine(vector, story.weights)))
        return sorted(scored, key=lambda item: (-item[1], item[0]))

    def _join(self, story: _Story, vector: dict[str, float], published: date | None) -> None:
        story.size += 1
        _add_weights(story, vector)
        if published and (story.last is None or published > story.last):
            story.last = published
        self._reindex(story)

    def _reindex(self, story: _Story) -> None:
        for term in story.indexed - story.weights.keys():
            self._index[term].discard(story.id)
        for term in story.weights.keys() - story.indexed:
            self._index[term].add(story.id)
        story.indexed = set(story.weights)

    def _merge(self, keep: _Story, gone: _Story) -> _Story:
        if gone.size > keep.size:
            keep, gone = gone, keep
        self.merge_stored(gone.id, keep.id)
        return keep


def cluster(
    articles: Iterable[tuple[str, str, str | None, Iterable[Mention]]],
    *,
    threshold: float = STORY_THRESHOLD,
) -> list[tuple[str, str]]:
    """(article id, final story id) for (id, text, published, mentions) in arrival order.

    Arrival order is publication date, then input order; articles without a date keep their
    input position relative to each other and come after dated ones of equal rank.
    """
    rows = list(articles)
    order = sorted(range(len(rows)), key=lambda i: (rows[i][2] or "9999", i))
    clusterer = StoryClusterer(threshold)
    assigned = {}
    for index in order:
        article_id, text, published, mentions = rows[index]
        day = published_date(published)
        assigned[article_id] = clusterer.add(article_id, article_terms(text, mentions), day)
    return [(row[0], clusterer.resolve(assigned[row[0]].story_id)) for row in rows]


def _add_weights(story: _Story, weights: dict[str, float]) -> None:
    """Add to a story's centroid, keeping its CENTROID_TERMS strongest terms."""
    for term, weight in weights.items():
        story.weights[term] = story.weights.get(term, 0.0) + weight
    if len(story.weights) > CENTROID_TERMS:
        kept = sorted(story.weights, key=lambda term: (-story.weights[term], term))
        story.weights = {term: story.weights[term] for term in kept[:CENTROID_TERMS]}


def _cosine(vector: dict[str, float], weights: dict[str, float]) -> float:
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return sum(w * weights.get(term, 0.0) for term, w in vector.items()) / norm


def assign_stories(store: Store) -> int:
    """Give every stored article without a story one, in arrival order; returns how many.

    The clusterer starts from the state saved by the previous run (its centroids, document
    frequencies and redirects), so a run costs what its new articles cost, not what the whole
    store holds. Assignments stored after that state was saved (a run interrupted between
    checkpoints, or stories brought in by ``storyline load``) are replayed into it first, with
    their merges. New articles are then decided in arrival order; copies join their canonical
    article's story. Each assignment is its own transaction and the state is saved every
    :data:`CHECKPOINT_EVERY` assignments and at the end, so an interrupted run keeps what it
    finished.
    """
    covered, clusterer = _saved_clusterer(store)
    for article, story_id in store.assignments_after(covered):
        clusterer.place(
            article.id, _terms(store, article), published_date(article.published), story_id
        )
    for old, new in store.redirects_of(list(clusterer.stories)).items():
        clusterer.merge_stored(old, new)
    assigned = decided = 0
    copies: list[Duplicate] = []
    for article in store.unassigned():
        duplicate = store.duplicate_of(article.id)
        if duplicate is not None:
            copies.append(duplicate)
            continue
        result = clusterer.add(
            article.id, _terms(store, article), published_date(article.published)
        )
        store.assign_story(article.id, result.story_id, result.similarity, result.merged)
        assigned += 1
        decided += 1
        if decided % CHECKPOINT_EVERY == 0:
            _save_clusterer(store, clusterer)
    # Copies afterwards: a copy dated before its canonical still joins the canonical's story.
    for duplicate in copies:
        canonical_story = store.story_of(duplicate.canonical_id)
        if canonical_story is not None:
            store.assign_story(duplicate.article_id, canonical_story, duplicate.similarity)
            assigned += 1
    if assigned or covered != store.last_assignment():
        _save_clusterer(store, clusterer)
    return assigned


def encode_state(clusterer: StoryClusterer) -> bytes:
    """The clusterer's state as stored: compressed JSON."""
    return zlib.compress(json.dumps(clusterer.state(), separators=(",", ":")).encode(), 6)


def decode_state(blob: bytes) -> StoryClusterer | None:
    """The clusterer a stored state describes; None if it is of another format version."""
    state = json.loads(zlib.decompress(blob))
    return StoryClusterer.from_state(state) if state.get("version") == STATE_VERSION else None


def _saved_clusterer(store: Store) -> tuple[int, StoryClusterer]:
    """(assignments covered, clusterer) from the saved state; a fresh one without it."""
    saved = store.story_state()
    clusterer = decode_state(saved[1]) if saved is not None else None
    if saved is None or clusterer is None:
        # No state (a store made before it was saved) or an older format: replay everything.
        return 0, StoryClusterer()
    return saved[0], clusterer


def _save_clusterer(store: Store, clusterer: StoryClusterer) -> None:
    store.save_story_state(store.last_assignment(), encode_state(clusterer))


def _terms(store: Store, article: Article) -> Counter[str]:
    analysis = store.get_analysis(article.id)
    return article_terms(article.text, analysis.mentions if analysis else ())


def bcubed_f1(left: dict[str, str], right: dict[str, str]) -> float:
    """BCubed F1 of two groupings (item → group) over the items both have: 1.0 when they
    group alike. Compares a run with gold labels, or two runs with each other."""
    items = sorted(left.keys() & right.keys())
    if not items:
        return 0.0
    left_groups: dict[str, set[str]] = defaultdict(set)
    right_groups: dict[str, set[str]] = defaultdict(set)
    for item in items:
        left_groups[left[item]].add(item)
        right_groups[right[item]].add(item)
    precision = recall = 0.0
    for item in items:
        mine, theirs = left_groups[left[item]], right_groups[right[item]]
        shared = len(mine & theirs)
        precision += shared / len(mine)
        recall += shared / len(theirs)
    precision, recall = precision / len(items), recall / len(items)
    return 2 * precision * recall / (precision + recall)
