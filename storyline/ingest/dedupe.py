"""Near-duplicate detection: wire copies and light rewrites link to one canonical article.

MinHash signatures over word 3-grams and an LSH index (datasketch) find candidates without
comparing against every stored article; the estimated Jaccard similarity of the signatures
decides. The first-ingested article of a group is its canonical; a copy of a copy links to the
same canonical, so every outlet that carried a text hangs off one article.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH

from storyline.ingest.furniture import blank, find_furniture
from storyline.records import Article, Duplicate

NUM_PERM = 128
#: datasketch's hashing scheme; stored signatures are only comparable within one scheme.
SCHEME = "affine32"
SHINGLE_WORDS = 3
#: Estimated Jaccard similarity of word 3-gram sets at or above which two texts are copies.
#: Chosen a priori, not tuned on any corpus: wire copies with a changed lead or a dropped
#: paragraph keep well over half of their 3-grams, while two separate reports of one event
#: share far fewer (quotes and names repeat, phrasing does not). 0.5 is the usual
#: resemblance cut for "near-identical" since Broder (1997).
DUPLICATE_THRESHOLD = 0.5

_SHINGLE_WORD = re.compile(r"\w+", re.UNICODE)
#: Fewest words of news (furniture left out) a text needs for its signature to be taken from
#: its news alone. A page with fewer is mostly furniture (a comments page, a gallery's
#: credits), and two such pages are not copies of each other because their news is alike:
#: its signature keeps the whole text.
NEWS_WORDS = 25


@dataclass(frozen=True, slots=True)
class Match:
    canonical_id: str
    similarity: float


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[bytes]:
    words = _SHINGLE_WORD.findall(text.lower())
    if len(words) < size:
        return {" ".join(words).encode("utf-8")}
    return {" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


def signature(text: str) -> MinHash:
    """The MinHash of ``text``'s news: the furniture known by its form (reader comments,
    photo credits, page stamps: :func:`~storyline.ingest.furniture.find_furniture`) left out,
    because two outlets' pages of one wire copy differ in it. A comment section under one of
    them had kept the pair under DUPLICATE_THRESHOLD (on ECB+ dev with injected furniture, 5 of
    28 copies were missed; none is now). Furniture an outlet repeats is learned from the store
    after the copy is decided, so it stays in: promos and notices are short beside a story."""
    news = blank(text, find_furniture(text))
    if len(_SHINGLE_WORD.findall(news)) < NEWS_WORDS:
        news = text
    minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME)
    minhash.update_batch(list(shingles(news)))
    return minhash


def to_bytes(minhash: MinHash) -> bytes:
    return bytes(np.asarray(minhash.hashvalues, dtype=np.uint64).tobytes())


def from_bytes(data: bytes) -> MinHash:
    values = np.frombuffer(data, dtype=np.uint64).copy()
    return MinHash(num_perm=NUM_PERM, hashvalues=values, scheme=SCHEME)


def hash_values(data: bytes) -> np.ndarray:
    """A stored signature's hash values, without building a MinHash (which computes its
    permutations again: most of the cost of checking a copy's candidates)."""
    return np.frombuffer(data, dtype=np.uint64)


def best_match(
    minhash: MinHash, candidates: Iterable[tuple[str, np.ndarray]], threshold: float
) -> Match | None:
    """The most similar of the candidates (canonical id, hash values) at or above the
    threshold; of equal ones, the first. The similarity is datasketch's Jaccard estimate:
    the share of equal hash values."""
    best: Match | None = None
    values = minhash.hashvalues
    for canonical_id, other in candidates:
        similarity = float(np.count_nonzero(values == other)) / len(values)
        if similarity >= threshold and (best is None or similarity > best.similarity):
            best = Match(canonical_id, similarity)
    return best


def copy_rule(article_id: str, exact: str | None, match: Match | None) -> Duplicate | None:
    """Whether an article copies one seen before: the one copy rule of every path.

    ``exact`` is the canonical id of an earlier article with the same content hash, as the
    caller found it (the store by its index, :func:`link_copies` in memory): an exact copy
    links there; otherwise ``match``, the most similar signature at or above the threshold
    (:func:`best_match` over the LSH candidates, in memory or the store's band index), does.
    The Spark job runs the same rule as a join (:mod:`storyline.spark.job`).
    """
    if exact is not None:
        return Duplicate(article_id, exact, 1.0, "exact")
    if match is None:
        return None
    return Duplicate(article_id, match.canonical_id, round(match.similarity, 4), "minhash")


class Deduplicator:
    """An in-memory LSH index over the signatures of every article seen so far (the file
    commands' :func:`link_copies`; ingestion into a store reads the store's band index)."""

    def __init__(self, threshold: float = DUPLICATE_THRESHOLD) -> None:
        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._signatures: dict[str, MinHash] = {}
        self._canonical: dict[str, str] = {}
        self._order: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._signatures)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._signatures

    def find(self, minhash: MinHash) -> Match | None:
        """The canonical article this signature copies, if any (most similar candidate)."""
        # Earliest first, so that of equally similar originals the earliest wins, as in the
        # store's index and the Spark job.
        found = sorted(self._lsh.query(minhash), key=self._order.__getitem__)
        candidates = ((self._canonical[c], self._signatures[c].hashvalues) for c in found)
        return best_match(minhash, candidates, self.threshold)

    def decide(
        self, article_id: str, minhash: MinHash, exact: str | None = None
    ) -> Duplicate | None:
        """Whether an article copies one seen before (:func:`copy_rule`)."""
        return copy_rule(article_id, exact, None if exact is not None else self.find(minhash))

    def add(self, article_id: str, minhash: MinHash, canonical_id: str | None = None) -> None:
        if article_id in self._signatures:
            return
        self._signatures[article_id] = minhash
        self._order[article_id] = len(self._order)
        self._canonical[article_id] = canonical_id or article_id
        self._lsh.insert(article_id, minhash)


def link_copies(articles: Iterable[Article]) -> dict[str, str]:
    """{copy id: canonical id} for articles in ingestion order, linked as ``ingest`` links
    them (:meth:`Deduplicator.decide`; an article id seen before is skipped, as ``ingest``
    counts it unchanged)."""
    deduplicator = Deduplicator()
    links: dict[str, str] = {}
    first_of_hash: dict[str, str] = {}
    for article in articles:
        if article.id in deduplicator:
            continue
        minhash = signature(article.text)
        exact = first_of_hash.get(article.content_hash)
        if exact is not None:
            exact = links.get(exact, exact)
        duplicate = deduplicator.decide(article.id, minhash, exact)
        if duplicate is not None:
            links[article.id] = duplicate.canonical_id
        first_of_hash.setdefault(article.content_hash, article.id)
        deduplicator.add(article.id, minhash, links.get(article.id))
    return links


def lsh_bands() -> tuple[int, int]:
    """(bands, rows per band) of datasketch's index at our threshold and permutations: the
    Spark job's banded join and the store's band index (:mod:`.bands`, which a test checks
    against this) use them, so their candidates are the ones :class:`Deduplicator` would
    return."""
    index = MinHashLSH(threshold=DUPLICATE_THRESHOLD, num_perm=NUM_PERM)
    return int(index.b), int(index.r)
