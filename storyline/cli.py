"""The ``storyline`` command: a thin shell over the library.

Each command parses options, calls library functions and prints. Library errors become clean
messages in one place (:class:`_Group`); bad records inside a batch are printed as
``error: ORIGIN: REASON`` on stderr while the batch goes on, and the exit status is 1 when
there were any.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from tqdm import tqdm

# Only light modules at the top: every command starts fast, and the parsers, the model and the
# solvers are imported by the commands that use them (in the functions below).
from storyline._version import __version__
from storyline.analysis import DEFAULT_STAGES, STAGE_NAMES
from storyline.analysis.rows import cue_words, quote_text
from storyline.errors import StorylineError
from storyline.ingest import ALLOW_PRIVATE_ENV, DEFAULT_MAX_BYTES, KINDS
from storyline.records import Article, Problem, one_line
from storyline.store import DB_ENV, DEFAULT_DB, Store, open_store
from storyline.store.export import EXPORTS, FORMATS
from storyline.store.export import write as write_table
from storyline.telling import DEFAULT_DATES, DEFAULT_PER_DATE, DEFAULT_WORDS
from storyline.views import outlets_of, story_data, to_markdown

if TYPE_CHECKING:
    from storyline.ingest.sources import SourceOptions
    from storyline.runner import RunReport

F = TypeVar("F", bound=Callable[..., Any])


class _Group(click.Group):
    """Maps every :class:`StorylineError` to a one-line message and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StorylineError as exc:
            raise click.ClickException(str(exc)) from exc


def db_option(command: F) -> F:
    return click.option(
        "--db",
        "db_path",
        envvar=DB_ENV,
        default=DEFAULT_DB,
        show_default=True,
        show_envvar=True,
        type=click.Path(dir_okay=False),
        help="SQLite database file.",
    )(command)


def json_option(command: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(
        command
    )


def fetch_options(command: F) -> F:
    """--timeout, --delay and --allow-private: how every command that fetches fetches."""
    options = (
        click.option(
            "--timeout",
            type=click.FloatRange(min=0, min_open=True),
            default=10.0,
            show_default=True,
            help="Seconds a web request may take in all.",
        ),
        click.option(
            "--delay",
            type=click.FloatRange(min=0),
            default=1.0,
            show_default=True,
            help="Minimum seconds between two requests to the same host.",
        ),
        click.option(
            "--allow-private",
            is_flag=True,
            envvar=ALLOW_PRIVATE_ENV,
            show_envvar=True,
            help="Also fetch loopback, private and link-local addresses (refused by default).",
        ),
    )
    for option in reversed(options):
        command = option(command)
    return command


def confidence_option(command: F) -> F:
    return click.option(
        "--min-confidence",
        type=click.FloatRange(0, 1),
        default=0.0,
        show_default=True,
        help="Only quotes the quote model is at least this sure of (as ?min_confidence= in the"
        " API; quotes found by their layout always pass).",
    )(command)


@contextmanager
def _store(db_path: str, *, create: bool = False) -> Iterator[Store]:
    """The store at ``db_path``; only the commands that ingest (``create``) make a new one."""
    store = open_store(db_path, create=create)
    store.on_wait = lambda: click.echo(
        f"waiting: another Storyline command is writing to {db_path}", err=True
    )
    try:
        yield store
    finally:
        store.close()


class _Progress:
    """Progress of a long command on stderr: a bar (count, rate, ETA) when stderr is a
    terminal, one summary line when it is not (a log, a pipe), nothing with --quiet."""

    def __init__(self, desc: str, unit: str, *, quiet: bool) -> None:
        self.desc, self.unit, self.quiet = desc, unit, quiet
        self.count = 0
        self.started = time.perf_counter()
        self.terminal = sys.stderr.isatty()
        self.bar = tqdm(
            desc=desc, unit=f" {unit}s", file=sys.stderr, disable=quiet or not self.terminal
        )

    def update(self, n: int = 1) -> None:
        self.count += n
        self.bar.update(n)

    def reset(self, total: int) -> None:
        self.bar.reset(total=total)

    def close(self) -> None:
        self.bar.close()
        if not self.quiet and not self.terminal:
            seconds = time.perf_counter() - self.started
            click.echo(f"{self.desc}: {_count(self.count, self.unit)} in {seconds:.1f} s", err=True)


@contextmanager
def _progress(desc: str, unit: str, *, quiet: bool) -> Iterator[_Progress]:
    progress = _Progress(desc, unit, quiet=quiet)
    try:
        yield progress
    finally:
        progress.close()


def workers_option(command: F) -> F:
    return click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        help="Processes that analyse (default: every core, for runs of 200 articles or more).",
    )(command)


def quiet_option(command: F) -> F:
    return click.option(
        "--quiet", is_flag=True, help="No progress on stderr (problems are still reported)."
    )(command)


_PLURALS = {"story": "stories", "copy": "copies", "entity": "entities", "analysis": "analyses"}


def _word(count: int, word: str) -> str:
    """``word`` in the number ``count`` asks for: 1 article, 2 articles, 0 stories."""
    return word if count == 1 else _PLURALS.get(word, word + "s")


def _count(count: int, word: str) -> str:
    return f"{count} {_word(count, word)}"


def _report_problem(problem: Problem) -> None:
    # click.echo drops the colour when stderr is not a terminal; tqdm keeps its bar intact.
    with tqdm.external_write_mode(file=sys.stderr):
        click.echo(click.style("error: ", fg="red") + str(problem), err=True)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="storyline")
def cli() -> None:
    """Storyline follows developing news stories across many outlets.

    Ingest articles, link wire copies, analyse who and what they name, and read them back.
    Every command takes --db (default ./storyline.db, or $STORYLINE_DB).
    """


@cli.command("ingest")
@click.argument("sources", nargs=-1, required=True)
@db_option
@click.option("--kind", type=click.Choice(KINDS), help="Read every SOURCE as this kind.")
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse documents (files, lines, pages, WARC records) above this size.",
)
@fetch_options
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="Extra attempts after a timeout or a 429/5xx answer.",
)
@click.option(
    "--analyze/--no-analyze",
    default=True,
    show_default=True,
    help="Analyse the new articles after ingesting them.",
)
@json_option
@workers_option
@quiet_option
def ingest_command(
    sources: tuple[str, ...],
    db_path: str,
    kind: str | None,
    max_bytes: int,
    timeout: float,
    retries: int,
    delay: float,
    allow_private: bool,
    analyze: bool,
    as_json: bool,
    workers: int | None,
    quiet: bool,
) -> None:
    """Ingest articles from SOURCES into the store.

    A SOURCE is a JSONL file or - (stdin), an HTML file, a folder, an RSS/Atom feed (file or
    URL; the pages it links to are fetched), an article URL, a .txt file of URLs, or a
    WARC/WARC.gz archive. Re-ingesting is a no-op; an interrupted run is completed by running
    it again. Bad records are reported on stderr and skipped; the exit status is then 1.
    """
    from storyline.ingest.fetch import Fetcher, FetchOptions
    from storyline.ingest.sources import SourceOptions

    fetch_options = FetchOptions(
        timeout=timeout,
        retries=retries,
        delay=delay,
        max_bytes=max_bytes,
        allow_private=allow_private,
    )
    with _store(db_path, create=True) as store, Fetcher(fetch_options) as fetcher:
        options = SourceOptions(max_bytes=max_bytes, kind=kind, fetcher=fetcher)
        result = _run_with_progress(
            store, list(sources), options, analyze=analyze, quiet=quiet, workers=workers
        )
    report, analysed, grouped = result.ingest, result.analyzed, result.placed
    summary = {
        "added": report.added,
        "copies": report.copies,
        "unchanged": report.unchanged,
        "analysed": analysed,
        "grouped": grouped,
        "problems": [{"origin": p.origin, "reason": p.reason} for p in report.problems],
    }
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
    else:
        click.echo(
            f"added {_count(report.added, 'article')}"
            f" ({_count(report.copies, 'copy')} of stored articles),"
            f" {report.unchanged} already stored, {analysed} analysed,"
            f" {grouped} placed in stories, {_count(len(report.problems), 'problem')}"
        )
    if report.problems:
        sys.exit(1)


def _run_with_progress(
    store: Store,
    sources: list[str],
    options: SourceOptions,
    *,
    analyze: bool,
    quiet: bool,
    workers: int | None = None,
) -> RunReport:
    """The runner's pipeline, with the progress of each phase (:class:`_Progress`)."""
    from storyline import runner

    with (
        _progress("ingest", "record", quiet=quiet) as ingest_bar,
        _progress("analyse", "article", quiet=quiet or not analyze) as analyze_bar,
    ):

        def on_item(item: Article | Problem) -> None:
            if isinstance(item, Problem):
                _report_problem(item)
            ingest_bar.update(1)

        def pending(count: int) -> None:
            analyze_bar.reset(total=count)

        return runner.run(
            store,
            sources,
            options,
            analyze=analyze,
            on_item=on_item,
            pending=pending,
            on_analysis=analyze_bar.update,
            on_problem=_report_problem,
            workers=workers,
        )


@cli.command("articles")
@click.option("-q", "--search", "query", help="Full-text search (every word must occur).")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True)
@db_option
@json_option
def articles_command(
    query: str | None, limit: int, offset: int, db_path: str, as_json: bool
) -> None:
    """List stored articles, newest first, or search them by full text."""
    with _store(db_path) as store:
        found = store.articles(query=query, limit=limit, offset=offset)
        rows = [(article, store.duplicate_of(article.id)) for article in found]
    if as_json:
        for article, duplicate in rows:
            data = article.to_dict()
            data.pop("text")
            data["copy_of"] = duplicate.canonical_id if duplicate else None
            click.echo(json.dumps(data, ensure_ascii=False))
        return
    if not rows:
        click.echo("no articles" + (f" match {query!r}" if query else ""))
        return
    for article, duplicate in rows:
        copy = f"  (copy of {duplicate.canonical_id})" if duplicate else ""
        click.echo(
            f"{article.id}  {(article.published or '?')[:10]}  {article.outlet or '?':<20.20}"
            f"  {article.title or '(untitled)'}{copy}"
        )


@cli.command("show")
@click.argument("article_id")
@db_option
@json_option
def show_command(article_id: str, db_path: str, as_json: bool) -> None:
    """Show one article: metadata, every outlet that ran it, entities and text.

    ARTICLE_ID may be an unambiguous prefix of the id.
    """
    with _store(db_path) as store:
        article = store.find_article(article_id)
        if article is None:
            raise click.ClickException(f"no article with id {article_id!r}")
        canonical_id = store.canonical_id(article.id)
        copies = store.copies(canonical_id)
        analysis = store.get_analysis(canonical_id)
    if as_json:
        data: dict[str, Any] = article.to_dict()
        data["canonical_id"] = canonical_id
        data["carried_by"] = [
            {
                "id": a.id,
                "outlet": a.outlet,
                "published": a.published,
                "url": a.url,
                "similarity": d.similarity if d else 1.0,
            }
            for a, d in copies
        ]
        data["analysis"] = analysis.to_dict() if analysis else None
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.secho(article.title or "(untitled)", bold=True)
    click.echo(f"id:        {article.id}")
    click.echo(f"outlet:    {article.outlet or '?'}   author: {article.author or '?'}")
    click.echo(f"published: {article.published or '?'} (from {article.published_source})")
    click.echo(f"language:  {article.language or '?'}   words: {article.words}")
    click.echo(f"url:       {article.url or '-'}")
    click.echo(f"origin:    {article.origin}")
    if len(copies) > 1:
        outlets = outlets_of(copy for copy, _ in copies)
        click.echo(
            f"carried by {len(outlets)} outlet{'s' if len(outlets) != 1 else ''}"
            f" ({_count(len(copies), 'article')}):"
        )
        for copy, duplicate in copies:
            how = (
                "original"
                if duplicate is None
                else f"{duplicate.method} {duplicate.similarity:.2f}"
            )
            marker = "*" if copy.id == article.id else " "
            click.echo(
                f" {marker} {copy.outlet or '?':<22} {(copy.published or '?')[:10]}"
                f"  {copy.id}  ({how})"
            )
    if analysis is not None and analysis.quotes:
        click.echo("quotes:")
        for quote in analysis.quotes:
            words = quote_text(article.text, quote)
            cue = cue_words(article.text, quote.cue)
            said = _said(
                words, quote.polarity, quote.confidence, quote.dates, cue=cue, kind=quote.kind
            )
            click.echo(
                f"  {_speaker_line(quote.speaker_name, quote.role, quote.affiliation)}"
                f" ({quote.kind}): {said}"
            )
    if analysis is not None and analysis.times:
        click.echo("times:    " + ", ".join(f"{t.text} = {t.value}" for t in analysis.times))
        dated = [
            (dates, span)
            for span, dates in zip(analysis.sentences, analysis.sentence_dates, strict=False)
            if dates
        ]
        if dated:
            click.echo("dated sentences:")
        for dates, span in dated:
            line = " ".join(article.text[span.start : span.end].split())
            click.echo(f"  {', '.join(dates)}: {line[:100]}{'…' if len(line) > 100 else ''}")
    if analysis is not None:
        by_label: dict[str, list[str]] = {}
        for entity in analysis.entities:
            by_label.setdefault(entity.label, []).append(entity.canonical)
        for label in ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT"):
            if label in by_label:
                click.echo(f"{label + ':':<10} {', '.join(by_label[label])}")
    click.echo()
    click.echo(article.text)


@cli.command("analyze")
@click.argument(
    "file",
    required=False,
    default="-",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True),
)
@click.option(
    "--stages",
    default=",".join(DEFAULT_STAGES),
    show_default=True,
    help=f"Comma-separated analysis stages (known: {', '.join(STAGE_NAMES)}).",
)
@click.option(
    "--stored",
    is_flag=True,
    help="Instead of reading FILE, analyse stored articles not analysed yet.",
)
@db_option
@workers_option
@quiet_option
def analyze_command(
    file: str, stages: str, stored: bool, db_path: str, workers: int | None, quiet: bool
) -> None:
    """Analyse JSONL articles from FILE (or - for stdin) and print one JSON object per article.

    Each object has the article's id, its sentences, its entity mentions (with canonical
    names and character offsets into text) and its actors. Page furniture known by its form
    (reader comments, credits, prompts, datelines) is not analysed; the lines an outlet
    repeats are learned only in a store (`ingest`, `analyze --stored`). Records that cannot
    be analysed are reported on stderr; the exit status is then 1.
    """
    from storyline import runner
    from storyline.analysis.pipeline import analyze
    from storyline.ingest.furniture import news
    from storyline.ingest.sources import SourceOptions, read_jsonl

    names = tuple(name.strip() for name in stages.split(",") if name.strip())
    if stored:
        with _store(db_path) as store, _progress("analyse", "article", quiet=quiet) as bar:
            done, refused = runner.analyze_pending(
                store, stages=names, progress=bar.update, workers=workers, total=bar.reset
            )
            grouped = runner.place_and_tell(store)
        for problem in refused:
            _report_problem(problem)
        click.echo(
            f"analysed {done} stored articles, {grouped} placed in stories,"
            f" {_count(len(refused), 'problem')}"
        )
        sys.exit(1 if refused else 0)
    problems: list[Problem] = []

    def articles(stream: Any, origin: str) -> Iterator[Article]:
        for item in read_jsonl(stream, origin, SourceOptions()):
            if isinstance(item, Problem):
                _report_problem(item)
                problems.append(item)
            else:
                # Furniture known by its form; an outlet's repeated lines are learned in a
                # store (`ingest`), not from a stream.
                yield news(item)

    # A file can be counted first (workers pay off for long runs only); stdin cannot.
    processes = runner.worker_count(workers, _records_in(file)) if workers is None else workers
    stream = sys.stdin.buffer if file == "-" else open(file, "rb")  # noqa: SIM115
    with stream, _progress("analyse", "article", quiet=quiet) as bar:
        source = articles(stream, "<stdin>" if file == "-" else file)
        for result in analyze(source, stages=names, workers=processes):
            bar.update()
            if isinstance(result, Problem):
                _report_problem(result)
                problems.append(result)
            else:
                click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    if problems:
        sys.exit(1)


def _records_in(file: str) -> int:
    """Non-blank lines of a JSONL file (0 for stdin, which cannot be read twice)."""
    if file == "-":
        return 0
    with open(file, "rb") as handle:
        return sum(1 for line in handle if line.strip())


def _echo_json_lines(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        click.echo(json.dumps(row, ensure_ascii=False))


def _speaker_line(name: str | None, role: str | None, affiliation: str | None) -> str:
    details = ", ".join(part for part in (role, affiliation) if part)
    return (name or "(unresolved speaker)") + (f" [{details}]" if details else "")


@cli.command("speakers")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@db_option
@json_option
def speakers_command(limit: int, db_path: str, as_json: bool) -> None:
    """Who is quoted most across the store, with the roles and affiliations seen."""
    with _store(db_path) as store:
        rows = store.speakers(limit=limit)
    if as_json:
        _echo_json_lines(rows)
        return
    if not rows:
        click.echo("no quotes stored")
    for row in rows:
        roles = "; ".join(row["roles"] + row["affiliations"])
        click.echo(
            f"{row['quotes']:>4} {_word(row['quotes'], 'quote')} in {row['articles']:>3}"
            f" {_word(row['articles'], 'article')}  {row['name']}"
            + (f"  [{roles}]" if roles else "")
        )


@cli.command("quotes")
@click.option(
    "--speaker",
    "name",
    required=True,
    help="Name of a person or organisation (any spelling variant or alias; a surname).",
)
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@confidence_option
@db_option
@json_option
def quotes_command(
    name: str, limit: int, min_confidence: float, db_path: str, as_json: bool
) -> None:
    """Everything one speaker said, newest first, each with its article.

    Each quote shows the quote model's confidence, and whether the speaker denied what
    follows or declined to comment; reported speech comes after its cue's words
    ("denied: any wrongdoing"), quotations as written.
    """
    with _store(db_path) as store:
        entities = store.find_entities(name)
        ids = [entity_id for entity_id, _, _ in entities]
        rows = store.quotes_by(ids, limit=limit, min_confidence=min_confidence)
    if not entities:
        raise click.ClickException(f"no person or organisation called {name!r} in the store")
    if as_json:
        _echo_json_lines(rows)
        return
    click.secho(", ".join(sorted({canonical for _, canonical, _ in entities})), bold=True)
    if not rows:
        click.echo("no quotes")
    for row in rows:
        click.echo(
            f"{(row['published'] or '?')[:10]}  {row['outlet'] or '?'}  {row['article_id']}"
            f"  {row['title'] or ''}"
        )
        said = _said(
            row["content"],
            row["polarity"],
            row["confidence"],
            row["dates"],
            cue=row["cue"],
            kind=row["kind"],
        )
        click.echo(f"    {_speaker_line(row['speaker'], row['role'], row['affiliation'])}: {said}")


def _said(
    content: str,
    polarity: str,
    confidence: float | None,
    dates: Sequence[str] = (),
    *,
    cue: str | None = None,
    kind: str = "direct",
) -> str:
    """A quote as the terminal shows it: its words (or the refusal), reported speech after
    its cue's words ("pleaded: not guilty", as the web pages show it), the dates it refers
    to and the model's confidence."""
    content = one_line(content)  # a scraped quote can span a line break
    if polarity == "declined":
        shown = "(declined to comment)"
    elif cue and kind != "direct":
        shown = f"{one_line(cue)}: {content}"
    elif polarity == "denied":
        shown = f"denied: {content}"
    else:
        shown = content
    shown += f" [{', '.join(dates)}]" if dates else ""
    return shown + (f" ({confidence:.2f})" if confidence is not None else "")


def _read_articles(
    file: str, progress: _Progress | None = None
) -> tuple[list[Article], list[Problem]]:
    """The articles of a JSONL FILE (or - for stdin); bad records are reported and skipped."""
    from storyline.ingest.sources import SourceOptions, read_jsonl

    problems: list[Problem] = []
    articles: list[Article] = []
    stream = sys.stdin.buffer if file == "-" else open(file, "rb")  # noqa: SIM115
    with stream:
        for item in read_jsonl(stream, "<stdin>" if file == "-" else file, SourceOptions()):
            if isinstance(item, Problem):
                _report_problem(item)
                problems.append(item)
            else:
                articles.append(item)
            if progress is not None:
                progress.update()
    return articles, problems


@cli.command("summarize")
@click.argument(
    "file",
    required=False,
    default="-",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True),
)
@click.option("--words", type=click.IntRange(1), default=DEFAULT_WORDS, show_default=True)
@json_option
@quiet_option
def summarize_command(file: str, words: int, as_json: bool, quiet: bool) -> None:
    """Digest of the JSONL articles in FILE (or - for stdin), taken as one story.

    Prints the chosen sentences, one per line, in story order, within WORDS words. With
    --json, prints {"summary", "sentences": [{"text", "citations": [{"article", "start",
    "end"}]}]}, citing every article that carried each sentence. Page furniture is left out:
    comments, credits, prompts and datelines, and lines an outlet prints in five or more of
    the file's articles.
    """
    from storyline.ingest.furniture import news_batch
    from storyline.telling.digest import summarize

    with _progress("summarize", "article", quiet=quiet) as bar:
        articles, problems = _read_articles(file, bar)
        lines = summarize(news_batch(articles), words)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "summary": "\n".join(one_line(line.text) for line in lines),
                    "sentences": [line.to_dict() for line in lines],
                },
                ensure_ascii=False,
            )
        )
    else:
        for line in lines:
            click.echo(one_line(line.text))
    sys.exit(1 if problems else 0)


@cli.command("timeline")
@click.argument(
    "file",
    required=False,
    default="-",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True),
)
@click.option("--dates", type=click.IntRange(1), default=DEFAULT_DATES, show_default=True)
@click.option(
    "--per-date",
    type=click.IntRange(1),
    default=DEFAULT_PER_DATE,
    show_default=True,
    help="Lines on the better half of the dates; the others get one fewer (at least one).",
)
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="First date (YYYY-MM-DD).")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="Last date (YYYY-MM-DD).")
@click.option("--query", help="Only articles using one of these words.")
@click.option("--topic", default="story", show_default=True, help="Topic name in the output.")
@quiet_option
def timeline_command(
    file: str,
    dates: int,
    per_date: int,
    start: datetime | None,
    end: datetime | None,
    query: str | None,
    topic: str,
    quiet: bool,
) -> None:
    """Timeline of the JSONL articles in FILE (or - for stdin), taken as one story.

    Prints one JSON object: {"topic", "timeline": [{"date", "sentences": [...]}]} (the
    benchmark format), plus "citations" per date. Only articles published between --start and
    --end are read, and only dates in that window are chosen. Page furniture is left out, as
    in `summarize`.
    """
    from storyline.ingest.furniture import news_batch
    from storyline.telling.timeline import timeline

    with _progress("timeline", "article", quiet=quiet) as bar:
        articles, problems = _read_articles(file, bar)
        entries = timeline(
            news_batch(articles),
            dates=dates,
            per_date=per_date,
            start=start.date().isoformat() if start else None,
            end=end.date().isoformat() if end else None,
            query=query,
        )
    rows = [
        {
            "date": entry.date,
            "sentences": [line.text for line in entry.lines],
            "citations": [[c.to_dict() for c in line.citations] for line in entry.lines],
        }
        for entry in entries
    ]
    click.echo(json.dumps({"topic": topic, "timeline": rows}, ensure_ascii=False))
    sys.exit(1 if problems else 0)


@cli.command("cluster")
@click.argument(
    "file",
    required=False,
    default="-",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True),
)
@quiet_option
def cluster_command(file: str, quiet: bool) -> None:
    """Group JSONL articles from FILE (or - for stdin) into stories, in memory.

    The same online algorithm as the store's, in arrival order (publication day, then input
    order), wire copies linked first and put with their original as `ingest` links them.
    Prints {"id", "story"} per article, in input order; merged stories are reported
    under the id they merged into, and articles that left a story in a split under the story
    they moved to. Story features come from the articles' own text: page furniture is left
    out, as in `summarize`.
    """
    from storyline.analysis.pipeline import analyze
    from storyline.ingest.dedupe import link_copies
    from storyline.ingest.furniture import news_batch
    from storyline.stories.clusterer import cluster

    with _progress("cluster", "article", quiet=quiet) as bar:
        articles, problems = _read_articles(file, bar)
        copies = link_copies(articles)
        articles = news_batch(articles, copies=copies)
        originals = [a for a in articles if a.id not in copies]
        analyses = {
            result.article_id: result.mentions
            for result in analyze(originals, stages=("entities",))
            if not isinstance(result, Problem)
        }
        rows = [(a, analyses.get(a.id, ())) for a in articles]
        placed = cluster(rows, copies=copies)
    for article_id, story_id in placed:
        click.echo(json.dumps({"id": article_id, "story": story_id}))
    if problems:
        sys.exit(1)


@cli.command("stories")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@db_option
@json_option
def stories_command(limit: int, db_path: str, as_json: bool) -> None:
    """List stories, newest activity first: size, outlets, first/last article, top entities."""
    with _store(db_path) as store:
        rows = store.stories(limit=limit)
    if as_json:
        _echo_json_lines(rows)
        return
    if not rows:
        click.echo("no stories yet (stories are made when articles are analysed)")
    for row in rows:
        people = ", ".join(name for name, _, _ in row["top_entities"])
        click.echo(
            f"{row['id']}  {row['articles']:>3} {_word(row['articles'], 'article')}"
            f" {row['outlets']:>2} {_word(row['outlets'], 'outlet')}"
            f"  {(row['first'] or '?')[:10]} .. {(row['last'] or '?')[:10]}"
            f"  {row['headline'] or '(untitled)'}" + (f"  [{people}]" if people else "")
        )


@cli.command("story")
@click.argument("story_id")
@db_option
@json_option
@click.option("--markdown", is_flag=True, help="Print the story as a Markdown page.")
@confidence_option
def story_command(
    story_id: str, db_path: str, as_json: bool, markdown: bool, min_confidence: float
) -> None:
    """Show one story: headline, cited digest, timeline, actors, and its articles in order.

    A merged story's old id leads to the story it was merged into; a story that split says
    where its articles went. --json prints the story object the web API serves
    (/api/story/ID); --markdown the page as Markdown; every digest and timeline line is cited
    to its articles.
    """
    if as_json and markdown:
        raise click.UsageError("--json and --markdown are two formats: choose one")
    with _store(db_path) as store:
        data = story_data(store, story_id, min_confidence=min_confidence)
    if markdown:
        click.echo(to_markdown(data), nl=False)
        return
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    current = data["id"]
    if current != story_id:
        click.echo(f"(story {story_id} was merged into {current})")
    if data["split_from"]:
        origin = data["split_from"]
        click.echo(f"(split off story {origin['story']} on {origin['at'][:10]})")
    for part in data["split_into"]:
        click.echo(
            f"({_count(part['articles'], 'article')} moved to story {part['story']}"
            f" on {part['at'][:10]}:"
            " they told another story)"
        )
    click.secho(data["headline"] or current, bold=True)
    sources = [s for article in data["articles"] for s in (article, *article["copies"])]
    click.echo(
        f"{current}: {_count(data['size'], 'article')} from {_count(data['outlets'], 'outlet')}"
    )
    if data["stale"]:
        click.echo(
            f"(told from {_count(data['told_from'], 'article')}:"
            " run `storyline tell` to tell again)"
        )
    elif data["told_read"] < data["told_from"]:
        click.echo(f"(told from {data['told_read']:,} of them, spread evenly over its days)")
    if data["entities"]:
        click.echo("actors: " + ", ".join(f"{e['name']} ({e['label']})" for e in data["entities"]))
    outlet = {source["id"]: source["outlet"] or source["id"] for source in sources}

    def cited(line: dict[str, Any]) -> str:
        return ", ".join(
            sorted({outlet.get(c["article"], c["article"]) for c in line["citations"]})
        )

    click.secho("digest:", bold=True)
    for line in data["digest"]:
        click.echo(f"  {one_line(line['text'])} [{cited(line)}]")
    click.secho("timeline:", bold=True)
    for entry in data["timeline"]:
        for n, line in enumerate(entry["sentences"]):
            when = entry["date"] if n == 0 else " " * 10
            click.echo(f"  {when}  {one_line(line['text'])} [{cited(line)}]")
    if data["quotes"]:
        click.secho("who said what:", bold=True)
    for group in data["quotes"]:
        roles = f" [{'; '.join(group['roles'])}]" if group["roles"] else ""
        click.echo(f"  {group['speaker']}{roles}")
        for quote in group["quotes"]:
            said = _said(
                quote["content"],
                quote["polarity"],
                quote["confidence"],
                cue=quote["cue"],
                kind=quote["kind"],
            )
            carried = [quote["article_id"], *quote["also"]]
            outlets = sorted({outlet.get(a, a) for a in carried})
            click.echo(f"    {said} [{', '.join(outlets)}]")
    click.secho("articles:", bold=True)
    for article in data["articles"]:
        for source in (article, *article["copies"]):
            indent = "  " if source is article else "    copy: "
            click.echo(
                f"{indent}{(source['published'] or '?')[:10]}  {source['outlet'] or '?':<20.20}"
                f"  {source['id']}  {source['title'] or ''}"
            )


@cli.command("tell")
@db_option
@quiet_option
def tell_command(db_path: str, quiet: bool) -> None:
    """Tell again every story whose telling is missing or was made from other articles.

    `ingest`, `analyze --stored`, `demo` and `load` do this themselves after placing
    articles in stories; reading a story never tells it.
    """
    from storyline import runner

    with _store(db_path) as store, _progress("tell", "story", quiet=quiet) as bar:
        told = runner.refresh_tellings(store, total=bar.reset, progress=bar.update)
    click.echo(f"told {_count(told, 'story')}")


@cli.command("export")
@click.argument("table", type=click.Choice(list(EXPORTS)))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True)
@click.option(
    "--out", "-o", default="-", type=click.Path(allow_dash=True), help="File (- for stdout)."
)
@db_option
def export_command(table: str, fmt: str, out: str, db_path: str) -> None:
    """Export a table of the store (articles, quotes, entities, stories) as JSONL, CSV or Parquet.

    Articles carry their story and, for wire copies, the article they copy. For one story as
    Markdown or JSON, see `storyline story ID --markdown | --json`.
    """
    with _store(db_path) as store:
        if out == "-":
            count = write_table(store, table, fmt, sys.stdout.buffer)
        else:
            with open(out, "wb") as target:
                count = write_table(store, table, fmt, target)
    click.echo(f"exported {_count(count, 'row')} of {table} as {fmt}", err=True)


@cli.command("spark")
@click.argument("sources", nargs=-1, required=True)
@click.option("--out", required=True, help="Folder (or URI) for the Parquet tables; replaced.")
@click.option(
    "--master",
    default=None,
    help="Spark master URL (default: local[*]; under spark-submit, the submitted one).",
)
@click.option(
    "--partitions", type=click.IntRange(min=1), default=None, help="Partitions for analysis."
)
@json_option
@quiet_option
def spark_command(
    sources: tuple[str, ...],
    out: str,
    master: str | None,
    partitions: int | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Run the whole pipeline on Apache Spark over WARC/WARC.gz and JSONL SOURCES.

    A SOURCE is a local path or glob, or a URI Spark's filesystem reads (hdfs://, s3a://,
    file://, with globs). Extracts, deduplicates across the whole archive, analyses and
    groups articles into stories, and writes Parquet tables under OUT: articles, duplicates,
    analyses, entities, quotes, times, stories, story_members, story_redirects, errors.
    Bad records go to the errors table and the job goes on. Needs `pip install
    storyline[spark]` and Java 17; `storyline load OUT` brings the tables into the store.
    """
    try:
        from storyline.spark import job as spark
    except ImportError as exc:
        raise StorylineError(
            f"the spark command needs PySpark ({exc}); install it with"
            " `pip install 'storyline[spark]'`"
        ) from exc
    if not quiet:  # the job says when each phase ends, and how long it took
        import logging

        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("spark: %(message)s"))
        logging.getLogger(spark.__name__).addHandler(handler)
        logging.getLogger(spark.__name__).setLevel(logging.INFO)
    session = spark.session(master)
    try:
        report = spark.run(session, list(sources), out, partitions=partitions)
    finally:
        session.stop()
    if as_json:
        click.echo(json.dumps(report.to_dict()))
    else:
        click.echo(
            f"wrote {out}: {_count(report.articles, 'article')} ({_count(report.copies, 'copy')}),"
            f" {report.analysed} analysed, {_count(report.stories, 'story')},"
            f" {_count(report.errors, 'error')}"
        )
    if report.errors:
        sys.exit(1)


@cli.command("load")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@db_option
@json_option
@quiet_option
def load_command(directory: Path, db_path: str, as_json: bool, quiet: bool) -> None:
    """Load the Parquet tables of `storyline spark --out DIRECTORY` into the store.

    Articles, copies, analyses and stories already in the store are left as they are, so
    loading twice changes nothing and an interrupted load is finished by running it again.
    The job's errors are recorded as problems; stories are told afterwards.
    """
    from storyline.load import load_tables

    with (
        _store(db_path, create=True) as store,
        _progress("load", "article", quiet=quiet) as bar,
    ):
        report = load_tables(store, directory, progress=bar.update)
    if as_json:
        click.echo(json.dumps(report.to_dict()))
    else:
        click.echo(
            f"loaded {_count(report.articles, 'article')}, {_count(report.analyses, 'analysis')},"
            f" {report.placed} placed in stories, {_count(report.told, 'story')} told,"
            f" {_count(report.errors, 'error')} recorded"
        )


@cli.group("feeds", cls=_Group)
def feeds_group() -> None:
    """Subscribed feeds, which `storyline watch` polls. Kept in the store."""


@feeds_group.command("add")
@click.argument("urls", nargs=-1, required=True)
@db_option
def feeds_add(urls: tuple[str, ...], db_path: str) -> None:
    """Subscribe to the feeds at URLS."""
    with _store(db_path, create=True) as store, store.writer():
        added = [url for url in urls if _feed_url(url) and store.add_feed(url)]
    click.echo(
        f"subscribed to {_count(len(added), 'feed')}" + (f": {', '.join(added)}" if added else "")
    )


@feeds_group.command("remove")
@click.argument("url")
@db_option
def feeds_remove(url: str, db_path: str) -> None:
    """Stop following the feed at URL (its articles stay in the store)."""
    with _store(db_path) as store, store.writer():
        if not store.remove_feed(url):
            raise click.ClickException(f"not subscribed to {url}")
    click.echo(f"unsubscribed from {url}")


@feeds_group.command("list")
@db_option
@json_option
def feeds_list(db_path: str, as_json: bool) -> None:
    """Every subscribed feed: its last poll, status, articles added and next poll."""
    with _store(db_path) as store:
        feeds = store.feeds()
    if as_json:
        _echo_json_lines([dataclasses.asdict(feed) for feed in feeds])
        return
    if not feeds:
        click.echo("no feeds (storyline feeds add URL)")
    for feed in feeds:
        click.echo(
            f"{feed.url}  {feed.title or ''}\n    last poll {feed.last_poll or 'never'}"
            f" ({feed.status}), {_count(feed.articles_added, 'article')} added,"
            f" next poll {feed.next_poll or 'now'}"
        )


@feeds_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
def feeds_import(file: Path, db_path: str) -> None:
    """Subscribe to every feed an OPML FILE lists."""
    from storyline.ingest.feeds import read_opml

    urls = read_opml(file.read_bytes(), str(file))
    with _store(db_path, create=True) as store, store.writer():
        added = [url for url in urls if _feed_url(url) and store.add_feed(url)]
    click.echo(f"subscribed to {_count(len(added), 'feed')} of {len(urls)} in {file}")


@feeds_group.command("export")
@db_option
def feeds_export(db_path: str) -> None:
    """Print the subscribed feeds as OPML 2.0."""
    from storyline.ingest.feeds import opml

    with _store(db_path) as store:
        click.echo(opml(store.feeds()), nl=False)


def _feed_url(url: str) -> bool:
    if not url.startswith(("http://", "https://")):
        raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint="URL")
    return True


@cli.command("watch")
@db_option
@click.option(
    "--every",
    type=click.FloatRange(min=1),
    default=900.0,
    show_default=True,
    help="Seconds between two polls of a feed (longer when its server asks, or it fails).",
)
@click.option("--once", is_flag=True, help="Poll the feeds that are due once, then stop.")
@fetch_options
@quiet_option
def watch_command(
    db_path: str,
    every: float,
    once: bool,
    timeout: float,
    delay: float,
    allow_private: bool,
    quiet: bool,
) -> None:
    """Poll the subscribed feeds as they come due, and ingest what is new.

    Conditional GETs (an unchanged feed costs a 304), Cache-Control / Retry-After / <ttl>
    honoured, a back-off for feeds that fail, only new items' pages fetched; then analysis,
    stories and tellings as `ingest` does. Runs until SIGTERM or Ctrl-C, which stop it cleanly
    between two articles; a crash loses nothing (the next start resumes). `serve` can run at
    the same time on the same store.
    """
    import signal

    from storyline import runner
    from storyline.ingest.fetch import Fetcher, FetchOptions
    from storyline.ingest.sources import SourceOptions

    stopping: list[int] = []

    def stop(signum: int, frame: Any) -> None:
        stopping.append(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    options = FetchOptions(timeout=timeout, delay=delay, allow_private=allow_private)
    try:
        with _store(db_path, create=True) as store, Fetcher(options) as fetcher:
            while True:
                with _progress("watch", "record", quiet=quiet) as bar:
                    report = runner.poll_feeds(
                        store,
                        fetcher,
                        every=every,
                        options=SourceOptions(),
                        stop=lambda: bool(stopping),
                        on_item=lambda item: bar.update(),
                    )
                for problem in report.problems:
                    _report_problem(problem)
                if report.polled or not quiet:
                    click.echo(
                        f"polled {_count(report.polled, 'feed')} ({report.not_modified} not"
                        f" modified, {report.failed} failed): added"
                        f" {_count(report.added, 'article')}, {report.placed} placed in stories"
                    )
                if once or stopping:
                    break
                _wait_for_next_poll(store, every, lambda: bool(stopping))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _wait_for_next_poll(store: Store, every: float, stopping: Callable[[], bool]) -> None:
    """Sleep until a feed is due (at most ``every`` seconds), waking each second for a signal."""
    from datetime import UTC, datetime

    upcoming = [feed.next_poll for feed in store.feeds() if feed.next_poll]
    now = datetime.now(UTC)
    wait = every
    if upcoming:
        wait = min(every, max(0.0, (datetime.fromisoformat(min(upcoming)) - now).total_seconds()))
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and not stopping():
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


@cli.command("stats")
@db_option
@json_option
def stats_command(db_path: str, as_json: bool) -> None:
    """Summarise what the store holds."""
    with _store(db_path) as store:
        _print_stats(store, as_json)


def _print_stats(store: Store, as_json: bool) -> None:
    stats = store.stats()
    stats["top_entities"] = store.top_entities(limit=10)
    stats["wire_copies"] = store.duplicate_groups()
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"{_count(stats['articles'], 'article')} from {_count(stats['outlets'], 'outlet')}"
        f" ({stats['copies']} are copies), {stats['analysed']} analysed,"
        f" {_count(stats['stories'], 'story')},"
        f" {_count(stats['entities'], 'entity')}, {_count(stats['problems'], 'problem')} recorded"
    )
    click.echo("languages: " + ", ".join(f"{k} {v}" for k, v in stats["languages"].items()))
    if stats["top_entities"]:
        click.echo(
            "most named: "
            + ", ".join(f"{name} ({label}, {n})" for name, label, n in stats["top_entities"])
        )
    for canonical_id, count, outlets in stats["wire_copies"][:10]:
        ran = list(dict.fromkeys(outlets))
        click.echo(
            f"  {canonical_id}: {_count(count + 1, 'article')}, carried by {len(ran)}"
            f" outlet{'s' if len(ran) != 1 else ''}: {', '.join(ran)}"
        )


@cli.command("demo")
@db_option
@click.option("--serve/--no-serve", default=True, show_default=True, help="Serve the UI after.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@quiet_option
def demo_command(db_path: str, serve: bool, port: int, quiet: bool) -> None:
    """Ingest the bundled sample corpus (fictional outlets and events), show it, serve the UI.

    Safe to run again: stored articles are not ingested twice. The web UI is served on
    http://127.0.0.1:PORT/ until Ctrl-C (--no-serve to stop after ingesting).
    """
    from storyline.ingest.sources import SourceOptions

    sample = resources.files("storyline") / "data" / "sample.jsonl"
    with resources.as_file(sample) as path, _store(db_path, create=True) as store:
        click.secho(f"Storyline demo: ingesting {Path(path).name} into {db_path}", bold=True)
        result = _run_with_progress(store, [str(path)], SourceOptions(), analyze=True, quiet=quiet)
        report, analysed, grouped = result.ingest, result.analyzed, result.placed
        click.echo(
            f"added {report.added} ({_count(report.copies, 'copy')}), {report.unchanged} already"
            f" stored, {analysed} analysed, {grouped} placed in stories,"
            f" {_count(len(report.problems), 'problem')}"
        )
        _print_stats(store, as_json=False)
    click.echo()
    click.echo(
        f"Also: storyline stories --db {db_path}   |   storyline speakers --db {db_path}"
        f"   |   storyline articles --db {db_path} -q 'talks postponed'"
    )
    if serve:
        _serve(db_path, "127.0.0.1", port, quiet=quiet)


@cli.command("serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--base-url",
    help="Where readers reach the server, for absolute links in feeds"
    " (default: http://HOST:PORT). The request's Host header is never used.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Render every page from the store (pages are kept until the store changes otherwise).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes answering at once (each keeps its own connections and page cache);"
    " one per core serves many readers faster.",
)
@quiet_option
def serve_command(
    db_path: str,
    host: str,
    port: int,
    base_url: str | None,
    no_cache: bool,
    workers: int,
    quiet: bool,
) -> None:
    """Serve the store: web UI, JSON API (OpenAPI at /docs) and Atom feeds, read-only.

    Binds 127.0.0.1 unless --host says otherwise; any other address makes the store readable
    by whoever can reach it, so a warning is printed.
    """
    if not Path(db_path).exists():
        raise click.ClickException(f"{db_path}: no such store (run storyline ingest first)")
    _serve(db_path, host, port, base_url, quiet=quiet, cache=not no_cache, workers=workers)


def _serve(
    db_path: str,
    host: str,
    port: int,
    base_url: str | None = None,
    *,
    quiet: bool = False,
    cache: bool = True,
    workers: int = 1,
) -> None:
    from storyline.web.app import is_loopback
    from storyline.web.server import run_server  # uvicorn: only these two commands need it

    if not is_loopback(host):
        click.secho(
            f"warning: serving on {host}: anyone who can reach this address can read the store",
            fg="yellow",
            err=True,
        )
    click.secho(f"Serving {db_path} on http://{host}:{port}/  (Ctrl-C to stop)", bold=True)
    base = base_url or f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    try:
        run_server(db_path, base, host, port, quiet=quiet, cache=cache, workers=workers)
    except OSError as exc:  # the port is taken or the address is not ours
        raise click.ClickException(f"{host}:{port}: cannot listen ({exc.strerror})") from exc


def main() -> None:
    cli(prog_name="storyline")


if __name__ == "__main__":
    main()
