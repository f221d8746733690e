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
    minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME)
    minhash.update_batch(list(shingles(text)))
    return minhash


def to_bytes(minhash: MinHash) -> bytes:
    return bytes(np.asarray(minhash.hashvalues, dtype=np.uint64).tobytes())


def from_bytes(data: bytes) -> MinHash:
    values = np.frombuffer(data, dtype=np.uint64).copy()
    return MinHash(num_perm=NUM_PERM, hashvalues=values, scheme=SCHEME)


class Deduplicator:
    """An in-memory LSH index over the signatures of every article seen so far."""

    def __init__(self, threshold: float = DUPLICATE_THRESHOLD) -> None:
        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._signatures: dict[str, MinHash] = {}
        self._canonical: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._signatures)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._signatures

    def load(self, stored: Iterable[tuple[str, bytes, str]]) -> None:
        """Index stored (article id, signature, canonical id) rows, e.g. from the store."""
        for article_id, data, canonical_id in stored:
            self.add(article_id, from_bytes(data), canonical_id)

    def find(self, minhash: MinHash) -> Match | None:
        """The canonical article this signature copies, if any (most similar candidate)."""
        best: Match | None = None
        for candidate in self._lsh.query(minhash):
            similarity = float(minhash.jaccard(self._signatures[candidate]))
            if similarity >= self.threshold and (best is None or similarity > best.similarity):
                best = Match(self._canonical[candidate], similarity)
        return best

    def decide(
        self, article_id: str, minhash: MinHash, exact: str | None = None
    ) -> Duplicate | None:
        """Whether an article copies one seen before: the one copy rule of every path.

        ``exact`` is the canonical id of an earlier article with the same content hash, as
        the caller found it (the store by its index, :func:`link_copies` in memory): an exact
        copy links there; otherwise the most similar signature at or above the threshold
        does. The Spark job runs the same rule as a join (:mod:`storyline.spark.job`).
        """
        if exact is not None:
            return Duplicate(article_id, exact, 1.0, "exact")
        match = self.find(minhash)
        if match is None:
            return None
        return Duplicate(article_id, match.canonical_id, round(match.similarity, 4), "minhash")

    def add(self, article_id: str, minhash: MinHash, canonical_id: str | None = None) -> None:
        if article_id in self._signatures:
            return
        self._signatures[article_id] = minhash
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
    Spark job's banded join uses them, so its candidates are the ones :class:`Deduplicator`
    would return."""
    index = MinHashLSH(threshold=DUPLICATE_THRESHOLD, num_perm=NUM_PERM)
    return int(index.b), int(index.r)
