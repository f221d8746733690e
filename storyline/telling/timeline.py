"""Timeline of a story: the dates that matter, each with the sentences that say what happened.

Dates are ranked by how much the story talks about them: articles published that day, and
later articles that refer to the day, each article once (the ``times`` stage resolves "on
Tuesday" or "January 12" against each article's publication date). A later article that
refers to the day counts more than one of the day's own, because a day that later reports
still look back to is a day that mattered (Tran et al. 2013; news-tls's date-mention features).
A day's score is then measured against the days around it: steady coverage raises every day of
a week alike, an event raises its own day above its neighbours (a burst, as in Kleinberg 2002).

For each chosen date, the candidates are the sentences that refer to it, and the leading
sentences of that day's articles that refer to no other day. The lines picked are those closest
to the centroid of the date's candidates (news-tls's CENTROID-OPT), favouring lines that several
articles carry and lines in the story's own words, skipping near-repeats and lines already shown
on a better date. The better half of the dates get ``per_date`` lines, the others one fewer.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from statistics import median_high

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from storyline.analysis.times import find_times
from storyline.records import Article, DigestLine, TimeExpr, TimelineEntry
from storyline.telling import DEFAULT_DATES, DEFAULT_PER_DATE
from storyline.telling.digest import cite, copy_key, grouped, reader
from storyline.telling.sentences import Sentence, content_words, split, terms

__all__ = ["DEFAULT_DATES", "DEFAULT_PER_DATE", "timeline"]

#: Weight of a later article referring to a day, against one article published that day.
#: Chosen on Timeline17 dev among 1, 1.5, 2 and 3 (bench/RESULTS.md).
MENTION_WEIGHT = 1.5
#: Sentences of an article's lead taken as describing its publication day when they name no
#: other day (the lead reports the news of the day).
LEAD_SENTENCES = 5
#: A day's score loses this share of the median score of the BURST_DAYS days on either side.
#: Chosen on Timeline17 dev among shares 0.1-0.8 and 2-7 days (bench/RESULTS.md): 0.3 of the
#: median of three days either side raised Date-F1 in 7 of the 12 timelines and lowered it in 1.
BURST_SHARE = 0.3
BURST_DAYS = 3
#: The better-ranked SURE_SHARE of the dates get ``per_date`` lines, the others one fewer (at
#: least one): a date ranked lower is more often not one a journalist would pick, and lines
#: on a wrong date are words that tell nothing. Chosen on Timeline17 dev among 0.3-0.7 (all
#: within 0.001 AR-1 of each other) against 0 and 1 (bench/RESULTS.md).
SURE_SHARE = 0.5
#: A line carried by n articles (wire copies, outlets quoting one statement) has its closeness
#: to the day's centroid raised by this share of ln(n): what several outlets ran is what the
#: day's news agreed on. Chosen on Timeline17 dev among 0.1, 0.2 and 0.4 (bench/RESULTS.md).
CARRIED_BONUS = 0.2
#: Lines of one date more similar than this (tf-idf cosine over the date's candidates) tell the
#: same part of the day; the later is skipped, so a day's lines tell different things. Chosen
#: on Timeline17 dev among 0.05-0.7 (bench/RESULTS.md): 0.15-0.25 all do better than 0.5, and
#: under 0.15 too few candidates are left to fill a date.
REDUNDANCY = 0.2
#: A line's closeness to its day's centroid is raised by this many times its relevance to the
#: story (``_relevance``): a story's articles stray into asides (a television review that names
#: the war, a book's launch day), and the lines a journalist keeps use the words most of the
#: story's articles use. Chosen on Timeline17 dev among 0.5, 1, 2, 4 and 8 (bench/RESULTS.md):
#: all raise AR-1, 2 most, and 2 raises it in 10 of the 12 timelines.
STORY_WEIGHT = 2.0


def _day(time: TimeExpr) -> str | None:
    """The calendar day a DATE expression names, if it names exactly one."""
    if time.type != "DATE" or len(time.value) != 10:
        return None
    try:
        return date.fromisoformat(time.value).isoformat()
    except ValueError:
        return None


def _references(
    articles: Sequence[Article],
    sentences: Sequence[Sentence],
    shown: Callable[[Sentence], Sentence | None],
    times: Mapping[str, Sequence[TimeExpr]] | None,
) -> dict[Sentence, set[str]]:
    """The days each sentence refers to.

    ``shown`` gives a sentence's readable part (``digest.readable``). A date in the page
    furniture cut from its start ("MEXICO CITY | Tue Apr 28, 2009 12:49 am BST") is the page's
    stamp, not something the sentence says, so it is not a reference: else the sentence is a
    candidate for the stamp's day as well as for the day it tells of, and shows up twice.
    """
    by_article: dict[str, list[Sentence]] = defaultdict(list)
    for sentence in sentences:
        by_article[sentence.article_id].append(sentence)
    refs: dict[Sentence, set[str]] = defaultdict(set)
    for article in articles:
        own = by_article.get(article.id, [])
        found = times.get(article.id) if times is not None else None
        if found is None:  # not analysed (a JSONL file): the time stage's function, here
            found = find_times(article.text, article.published)
        for time in found:
            day = _day(time)
            if day is None:
                continue
            for sentence in own:
                if sentence.start <= time.start < sentence.end:
                    told = shown(sentence)
                    if told is None or time.start >= told.start:
                        refs[sentence].add(day)
                    break
    return refs


def _in_window(day: str | None, start: str | None, end: str | None) -> bool:
    return day is not None and (start is None or day >= start) and (end is None or day <= end)


def timeline(
    articles: Iterable[Article],
    *,
    dates: int = DEFAULT_DATES,
    per_date: int = DEFAULT_PER_DATE,
    start: str | None = None,
    end: str | None = None,
    query: str | None = None,
    times: Mapping[str, Sequence[TimeExpr]] | None = None,
    sentences: Sequence[Sentence] | None = None,
) -> list[TimelineEntry]:
    """The timeline of ``articles`` taken as one story, oldest date first.

    At most ``dates`` dates, each with 1 to ``per_date`` lines (``SURE_SHARE``). Only articles
    published in [``start``, ``end``] (ISO dates, inclusive) are read, and only
    dates in that window are chosen. With ``query``, only articles using one of its words are.
    Articles without a publication date are not read: their "Tuesday" has no anchor.
    ``times`` are the articles' time expressions as the time stage stored them, by article id;
    an article without them has its expressions found here. ``sentences``: the sentences of
    ``articles`` if the caller has split them already.
    """
    wanted = set(terms(query)) if query else set()
    listed = [
        a
        for a in articles
        if _in_window((a.published or "")[:10] or None, start, end)
        and (not wanted or wanted & set(terms(a.text)))
    ]
    if sentences is None:
        sentences = list(split(listed))
    else:
        read = {a.id for a in listed}
        sentences = [sentence for sentence in sentences if sentence.article_id in read]
    # Each sentence made readable once, and only if it can be a line or names a date: the cuts
    # are regular expressions, and most sentences of a long story are neither. Captions and
    # comments (None) are no lines, but the dates they name still count.
    shown = reader(listed)
    refs = _references(listed, sentences, shown, times)

    score: defaultdict[str, float] = defaultdict(float)
    for article in listed:
        score[(article.published or "")[:10]] += 1.0
    candidates: dict[str, list[Sentence]] = defaultdict(list)  # readable sentences
    # An article that looks back to a day counts once, however many of its sentences do: a
    # long retrospective piece must not outweigh several reports that each name the day.
    looked_back: set[tuple[str, str]] = set()
    for sentence in sentences:
        published = (sentence.published or "")[:10]
        days = {d for d in refs.get(sentence, ()) if _in_window(d, start, end)}
        for day in days:
            if day < published and (sentence.article_id, day) not in looked_back:
                looked_back.add((sentence.article_id, day))
                score[day] += MENTION_WEIGHT
        lead = bool(published) and sentence.position < LEAD_SENTENCES and not refs.get(sentence)
        if not (days or lead) or (line := shown(sentence)) is None:
            continue
        for day in days:
            candidates[day].append(line)
        if lead:
            candidates[published].append(line)
    score.pop("", None)
    worth = _stand_out(score)
    relevance = _relevance(listed)
    ranked = sorted(worth, key=lambda d: (-worth[d], d))
    chosen: dict[str, list[DigestLine]] = {}
    # A sentence that refers to two days ("brought forward from tomorrow to today") is a
    # candidate for both; it is shown once, on the better day, which picks first.
    shown_lines: set[str] = set()  # their words, as copies are grouped
    for day in ranked:  # best first, until there are enough days with a line to show
        if len(chosen) == dates:
            break
        groups = [g for g in grouped(candidates[day]) if copy_key(g[0]) not in shown_lines]
        lines = per_date if len(chosen) < SURE_SHARE * dates else max(1, per_date - 1)
        if picked := _pick(groups, lines, relevance(day)):
            chosen[day] = [cite(group) for group in picked]
            shown_lines.update(copy_key(group[0]) for group in picked)
    return [TimelineEntry(day, tuple(chosen[day])) for day in sorted(chosen)]


def _relevance(articles: Sequence[Article]) -> Callable[[str], Callable[[str], float]]:
    """For a day, how much a text speaks of the story: the mean, over its content words, of the
    share of the story's articles that use the word, or of the day's articles if that is more.

    Document frequency within the story, not tf-idf against it: the words most of a story's
    articles share ("Iraq", "Saddam", "spill") are the ones an idf would discount. The day's
    own share counts too for words two of its articles or more agree on: a new development is
    told in new words ("the dam gave way"), and is no aside for that.
    """
    story: Counter[str] = Counter()
    on_day: defaultdict[str, Counter[str]] = defaultdict(Counter)
    published: Counter[str] = Counter()
    for article in articles:
        day = (article.published or "")[:10]
        words = set(content_words(article.text))
        story.update(words)
        on_day[day].update(words)
        published[day] += 1
    total = max(1, len(articles))

    def on(day: str) -> Callable[[str], float]:
        # Only words two of the day's articles or more agree on: one article's own words are
        # all of it, and would make any aside the day's news.
        agreed = {w: n / published[day] for w, n in on_day.get(day, Counter()).items() if n >= 2}

        def relevance(text: str) -> float:
            shares = [max(story[w] / total, agreed.get(w, 0.0)) for w in content_words(text)]
            return sum(shares) / len(shares) if shares else 0.0

        return relevance

    return on


def _stand_out(score: Mapping[str, float]) -> dict[str, float]:
    """Each day's score less BURST_SHARE of the median score of the days around it."""
    out = {}
    for day, value in score.items():
        try:
            when = date.fromisoformat(day)
        except ValueError:  # a publication date we cannot place has no neighbours
            out[day] = value
            continue
        around = [
            score.get((when + timedelta(days=k)).isoformat(), 0.0)
            for k in range(-BURST_DAYS, BURST_DAYS + 1)
            if k
        ]
        out[day] = value - BURST_SHARE * median_high(around)
    return out


def _pick(
    groups: Sequence[list[Sentence]], k: int, relevance: Callable[[str], float]
) -> list[list[Sentence]]:
    """The ``k`` candidates (groups of copies, at least one) closest to their centroid,
    near-repeats skipped.

    The centroid counts every copy, as the day's articles carry them, and a line carried by
    more articles is favoured (``CARRIED_BONUS``), as is a line in the story's words
    (``STORY_WEIGHT``). Closeness to the whole story's tf-idf centroid was tried on Timeline17
    dev and lowered AR-1, likely because an idf discounts the words the story's articles share.
    """
    if not groups:
        return []
    texts = [group[0].text for group in groups]
    carried = np.array([len({s.article_id for s in group}) for group in groups], dtype=float)
    # Every candidate has six words or more, so the vocabulary is never empty.
    matrix = TfidfVectorizer(sublinear_tf=True).fit_transform(texts)
    centroid = np.asarray(matrix.multiply(carried[:, None]).sum(axis=0)).ravel() / carried.sum()
    closeness = (matrix @ centroid) * (1 + CARRIED_BONUS * np.log(carried))
    closeness *= 1 + STORY_WEIGHT * np.array([relevance(text) for text in texts])
    order = sorted(range(len(groups)), key=lambda i: (-closeness[i], i))
    picked: list[int] = []
    for i in order:
        if len(picked) == k:
            break
        if all((matrix[i] @ matrix[j].T).toarray()[0, 0] <= REDUNDANCY for j in picked):
            picked.append(i)
    return [groups[i] for i in picked]
