"""The shape every analysis stage shares.

A stage is a function from an iterable of :class:`Parsed` to an iterator of :class:`Parsed`
(batch in, batch out, like spaCy's ``nlp.pipe``). It reads ``item.doc`` and ``item.article``
and returns the item with its own field of ``item.analysis`` filled, leaving the rest alone.
Stages are registered by name in :data:`storyline.analysis.pipeline.STAGES` and composed there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from spacy.tokens import Doc

from storyline.records import Analysis, Article


@dataclass(frozen=True, slots=True)
class Parsed:
    """One article on its way through the analysis stages."""

    article: Article
    doc: Doc
    analysis: Analysis

    def with_analysis(self, analysis: Analysis) -> Parsed:
        return replace(self, analysis=analysis)


Stage = Callable[[Iterable[Parsed]], Iterator[Parsed]]
