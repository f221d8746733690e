"""Headline and digest of a story: extractive, multi-source, cited.

The digest is the concept-coverage summary of Gillick & Favre (2009), the core of ICSISumm:
concepts are word bigrams, a concept is worth the number of articles that use it, and an integer
linear program picks the sentences that cover the most worth within the word budget. Covering a
concept once earns its worth once, so redundancy is removed by the objective itself rather than
by an after-the-fact filter such as MMR. scipy's ``milp`` (HiGHS) solves it; no summariser library
on PyPI does cited, budgeted extraction over our own sentence records.

Sentences that cannot stand alone are never candidates: a pronoun or connective at the start
("He noted …", "But …", "We want …": a piece of a quotation without its speaker) or a pronoun
for the speaker ("…, he said."), a quotation that opens or closes outside the sentence, a
quotation alone (no speaker), the rest of a sentence split inside a ticker ("L) failed ..."),
a question (a call to readers, a poll, a teaser: nothing that happened), datelines and
captions (too short), run-ons (too long). Page furniture that scraped text runs
into the first sentence is cut away ("WASHINGTON | Wed Jan 26, 2011 5:13 pm EST WASHINGTON
(Reuters) - ", "Wednesday 8 September 2010 21.39 BST ", a headline and photo caption with no
full stop before the first sentence), and reader comments (a sentence with a comment's mark,
and the whole of a page from its first comment byline on) and photo captions ("... on the
beach, May 27, 2010.", "In this May 26, 2010 file photo, ...") are not candidates. Exact
copies of a sentence (wire copies) become one candidate that cites every article it came from.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from itertools import groupby, pairwise

import numpy as np
import regex
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from storyline.analysis.times import MONTH_PATTERN as _MONTH
from storyline.analysis.times import WEEKDAY_PATTERN
from storyline.ingest.furniture import COMMENT_MARK, COMMENTS_FROM
from storyline.records import Article, Citation, DigestLine
from storyline.telling import DEFAULT_WORDS
from storyline.telling.sentences import (
    MAX_WORDS,
    MIN_WORDS,
    Sentence,
    content_words,
    is_stopword,
    split,
    terms,
)

__all__ = [
    "DEFAULT_WORDS",
    "cite",
    "copy_key",
    "grouped",
    "headline",
    "readable",
    "reader",
    "standalone",
    "summarize",
]

#: A concept must be used by at least this share of the story's articles (and by two) to count.
#: Chosen on DUC 2004 dev among 0.2-0.5 (bench/RESULTS.md); Gillick & Favre used three of ten.
MIN_DF_SHARE = 0.4
#: Concepts used in an article's lead carry more weight: news puts what matters first. Chosen
#: on DUC 2004 dev (without it ROUGE-2 recall drops by 1.2 points); unigram concepts did not help.
LEAD_SENTENCES = 3
LEAD_BONUS = 1.0
#: The programme stays small whatever the story's size: the best-covered sentences and the
#: heaviest concepts only.
MAX_CANDIDATES = 400
MAX_CONCEPTS = 600
SOLVER_SECONDS = 10.0

_DANGLING = re.compile(
    # "There" is no pronoun when it opens "there is / there were / there may be ...".
    r"^(?:he|she|they|it|his|her|their|its|this|these|those|that|but|and|or|so|also|"
    r"there(?!\s+(?:is|are|was|were|will|would|could|may|might|has|have|had|seems?|seemed"
    r"|appears?|appeared)\b)|"
    r"however|meanwhile|still|yet|then|instead|nevertheless|moreover|in addition|such|both|"
    # A sentence of a quotation split from its speaker: "I don't think we're far off."
    r"i|we|my|our|you|your)\b",
    re.IGNORECASE,
)
# Page furniture before the first sentence: an agency dateline ("HOUSTON (Reuters) - "), a
# capitalised city dateline ("NEW ORLEANS -- "), a page's time stamp ("Wednesday 8 September 2010
# 21.39 BST", "| Tue Sep 28, 2010 3:55 am IST", "Last updated at 06:28"). trafilatura removes
# such things from the HTML it reads; text that arrives as JSONL may still carry them.
_CLOCK = r"\d{1,2}[.:]\d\d(?: ?(?:[ap]\.?m\.?|[AP]M))?(?: [A-Z]{2,4})?"
# A date that follows one of these words is part of the sentence ("met on Wednesday 8 September
# 2010", "arrested in London on Oct. 16, 1998.", "was born January 26, 1906."), not a page's
# stamp or a caption's date.
_DATE_WORDS = (
    "on", "of", "in", "at", "for", "since", "until", "till", "through", "by", "from", "to",
    "before", "after", "dated", "born", "died", "dies",
)  # fmt: skip
_AFTER_PREPOSITION = re.compile(rf"\b(?:{'|'.join(_DATE_WORDS)}) $")
_LOOK_BACK = max(map(len, _DATE_WORDS)) + 2
_DATELINES = (
    regex.compile(
        r"^.{0,160}?\((?:Reuters|AP|AFP|Bloomberg|dpa|UPI|Xinhua)\)\s*(?:--|[-\u2013\u2014_])\s*"
    ),
    re.compile(r"^[A-Z]{2}[A-Z .'/\\-]*(?:, [A-Z][A-Za-z. ]+)?\s+(?:--|\u2014|_)\s+"),
    # A photo credit ("Photograph: Stan Honda/AFP/Getty Images ") and a site's "Help" link.
    re.compile(
        r"^Photograph: .{0,80}?(?:AP|Reuters|AFP|Getty Images|PA|EPA|Bloomberg|Rex Features"
        r"|Corbis)\s+"
    ),
    re.compile(r"^Help (?=[A-Z])"),
)
#: A page's stamp is furniture when it starts within this many characters of the sentence.
#: The patterns every sentence of a story is searched with are compiled by the ``regex``
#: module, which scans alternatives like these several times faster than ``re`` (see
#: storyline.ingest.furniture.COMMENT_MARK).
_STAMP_WITHIN = 300
_STAMP = regex.compile(
    rf"(?:\b{WEEKDAY_PATTERN},? \d{{1,2}} {_MONTH} \d{{4}}(?: {_CLOCK})?"
    rf"|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) {_MONTH} \d{{1,2}}, \d{{4}} {_CLOCK}"
    rf"|\b\d{{1,2}} {_MONTH} \d{{4}} {_CLOCK}"
    rf"|Last updated:? (?:at )?(?:\d{{1,2}} {_MONTH},? \d{{4}},? - )?\d\d:\d\d(?: GMT)?"
    # A dated page header without a year: "Haiti earthquake: Your stories Friday 15 January".
    rf"|\b{WEEKDAY_PATTERN} \d{{1,2}} {_MONTH}(?= [A-Z]))\s+"
)
# A scraped page's first line can run its headline and photo caption into the first sentence
# with no full stop between ("Haiti quake aid effort hampered by blockages Makeshift camps are
# sprouting up ... Bottlenecks and infrastructure damage have been holding up aid ..."). The
# sentence proper starts where a lower-case word is followed by a word that opens sentences
# and seldom comes capitalised mid-sentence; the last such place is taken.
_RUN_IN = regex.compile(
    r"(?<=[a-z0-9%)'\u2019]) (?=(?:The|A|An|It|Its|This|These|There|In|On|At|As|After|When"
    r"|While|More|Most|Some|Many|Between|Up to|Two|Three|Four|Five|Six|Seven|Eight|Nine|Ten"
    r"|Tens|Hundreds|Thousands) )"
)
# ... unless the word before it takes an object: "told The Times", "said The".
_TAKES_OBJECT = frozenset(
    "told said says tells by of in on to at from with for and or but the a an than as into"
    " about after before when while is was are were be been has have had that".split()
)
_CAPTION_DATE = regex.compile(rf"\b(?:{_MONTH} \d{{1,2}},?|\d{{1,2}} {_MONTH}) \d{{4}}\.?$")
# A caption's own opening: "In this May 26, 2010 file photo, ...", "In this image made from
# video released by ...". Not "In this picture of the town's politics, ...".
_CAPTION_OPENING = regex.compile(
    rf"^In this (?:{_MONTH} \d{{1,2}}(?:, \d{{4}})?,? )?(?:file )?(?:photo|image|picture|video"
    r"|frame grab)(?:graph)?(?:,| (?:taken|made|released|provided|shot|obtained)\b)"
)
# "..., he said." leaves the reader asking who: the speaker was named in an earlier sentence.
_PRONOUN_SPEAKER = regex.compile(
    r"\b(?:he|she|they)\s+(?:said|says|added|adds|noted|notes|told|tells)\b", re.IGNORECASE
)
_ENDS = ".!?\"'\u201d\u2019"  # a full stop, possibly inside closing quotes
_QUOTE_MARKS = re.compile(r"[\"“”]")


@dataclass(frozen=True, slots=True)
class _Candidate:
    sentence: Sentence
    copies: tuple[Sentence, ...]
    concepts: frozenset[int]  # numbered as in :func:`_numbered`


def standalone(text: str) -> bool:
    """Whether a sentence reads on its own (see the module docstring)."""
    words = len(text.split())
    if words < MIN_WORDS or words > MAX_WORDS or _DANGLING.match(text):
        return False
    if _PRONOUN_SPEAKER.search(text):
        return False
    if not _balanced(text):
        return False
    # A quotation with nothing else in the sentence leaves the reader asking who said it.
    if text[0] in '"\u201c' and text[-1] in '"\u201d':
        return False
    # A piece of a split sentence starts with a word that is the end of something ("L) failed
    # to ...", split after "(BP.").
    first = text.split(maxsplit=1)[0]
    if ")" in first and "(" not in first:
        return False
    # A question tells nothing that happened: a call to readers ("Do you live in the Gulf
    # region?"), a poll, a teaser for another page ("The pun: ancient artform, or the lowest
    # form of wit?"), a column's rhetoric. A question someone asked ends with who asked it.
    if text.rstrip("\"'\u201d\u2019 ").endswith("?"):
        return False
    return text[-1] in _ENDS and not text[0].islower()


def readable(sentence: Sentence) -> Sentence | None:
    """The sentence with page furniture cut from its start, or None if it is no news at all
    (see the module docstring). The span moves with the text, so citations stay exact."""
    text, start = sentence.text, sentence.start
    caption = _CAPTION_DATE.search(text)
    if COMMENT_MARK.search(text) or (caption and not _after_preposition(text, caption.start())):
        return None
    if _CAPTION_OPENING.match(text):
        return None
    # Until nothing more comes off: a run of teasers has a dateline each, and a sentence
    # already made readable must come out unchanged (the digest looks sentences up by value).
    while True:
        end = _furniture_end(text) or (_run_in_end(text) if sentence.position == 0 else 0)
        if not end or len(text[end:].split()) < MIN_WORDS:
            break
        text, start = text[end:], start + end
    if start == sentence.start:
        return sentence
    return replace(sentence, text=text, start=start)


def reader(articles: Iterable[Article]) -> Callable[[Sentence], Sentence | None]:
    """``readable`` for the sentences of ``articles``, memoised, and None for every sentence
    of a page's reader comments, from the first comment byline to the end of the page."""
    comments_from = {a.id: m.start() for a in articles if (m := COMMENTS_FROM.search(a.text))}

    @cache
    def shown(sentence: Sentence) -> Sentence | None:
        comments = comments_from.get(sentence.article_id)
        if comments is not None and sentence.start >= comments:
            return None
        return readable(sentence)

    return shown


def _furniture_end(text: str) -> int:
    """Where the first piece of furniture at the start of ``text`` ends (0: there is none)."""
    for dateline in _DATELINES:
        if match := dateline.match(text):
            return match.end()
    for stamp in _STAMP.finditer(text, 0, _STAMP_WITHIN + 60):
        if stamp.start() > _STAMP_WITHIN:
            break
        if not _after_preposition(text, stamp.start()):
            return stamp.end()
    return 0


def _run_in_end(text: str) -> int:
    """Where the first sentence starts after a run-in headline and caption (0: none)."""
    end = 0
    for boundary in _RUN_IN.finditer(text):
        before = text[: boundary.start()].split()
        if (
            len(before) >= 3
            and before[-1].lower() not in _TAKES_OBJECT
            and len(text[boundary.end() :].split()) >= 2 * MIN_WORDS
        ):
            end = boundary.end()
    return end


def _after_preposition(text: str, start: int) -> bool:
    return bool(_AFTER_PREPOSITION.search(text, max(0, start - _LOOK_BACK), start))


def _balanced(text: str) -> bool:
    """Quotation marks open and close in turn inside the sentence (none left dangling)."""
    if '"' not in text and "\u201c" not in text and "\u201d" not in text:
        return True  # most sentences: no need to search them
    inside = False
    for mark in _QUOTE_MARKS.finditer(text):
        before = text[mark.start() - 1] if mark.start() else " "
        opening = before.isspace() or before in "([—-"
        if opening == inside:  # opens while open, or closes while closed
            return False
        inside = not inside
    return not inside


def bigrams(text: str) -> frozenset[tuple[str, str]]:
    """Word bigrams of ``text`` that are not made of stop words alone."""
    words = terms(text)
    return frozenset((a, b) for a, b in pairwise(words) if not (is_stopword(a) and is_stopword(b)))


def _numbered(words: Sequence[str], numbers: dict[tuple[str, str], int]) -> tuple[int, ...]:
    """The ``bigrams`` of a sentence's words, each as its number in ``numbers`` (a bigram
    seen first is numbered next). A big story's sentences keep small tuples of shared numbers
    instead of sets of word pairs: as sets of tuples, the bigrams of a 1,000-article story
    took 80 MB (bench/RESULTS.md)."""
    stop = [is_stopword(word) for word in words]
    return tuple(
        {
            numbers.setdefault(pair, len(numbers))
            for pair, first, second in zip(pairwise(words), stop, stop[1:], strict=False)
            if not (first and second)
        }
    )


def grouped(
    readable_sentences: Iterable[Sentence], keys: Mapping[Sentence, str] | None = None
) -> list[list[Sentence]]:
    """Sentences already made readable (``readable``), the standalone ones grouped with their
    exact copies (same words), first seen first. ``keys``: each sentence's ``copy_key`` if
    the caller has them already."""
    groups: dict[str, list[Sentence]] = defaultdict(list)
    for sentence in readable_sentences:
        if standalone(sentence.text):
            groups[keys[sentence] if keys is not None else copy_key(sentence)].append(sentence)
    return list(groups.values())


def copy_key(sentence: Sentence) -> str:
    """What two exact copies of a sentence share: the same words, whatever the spacing."""
    return " ".join(terms(sentence.text))


def cite(group: Sequence[Sentence]) -> DigestLine:
    """A line with the text of a group of copies, citing every one of them."""
    return DigestLine(group[0].text, tuple(Citation(s.article_id, s.start, s.end) for s in group))


#: Each readable sentence's concepts, numbered (:func:`_numbered`).
Concepts = dict[Sentence, tuple[int, ...]]


def _weights(
    grams_of: Concepts, articles: int, pairs: Sequence[tuple[str, str]]
) -> dict[int, float]:
    """The heaviest concepts' weights, by number (``pairs``: the bigram of each number)."""
    # Each article's concepts as one set, counted in C, one article at a time (sorted: a
    # caller's sentences need not come article by article).
    lead: Counter[int] = Counter()
    users: Counter[int] = Counter()
    by_article = sorted(grams_of.items(), key=lambda item: item[0].article_id)
    for _, items in groupby(by_article, key=lambda item: item[0].article_id):
        used: set[int] = set()
        for sentence, grams in items:
            used.update(grams)
            if sentence.position < LEAD_SENTENCES:
                lead.update(grams)
        users.update(used)
    min_df = max(2, math.ceil(MIN_DF_SHARE * articles)) if articles > 2 else 1
    weights = {
        gram: n + LEAD_BONUS * min(lead[gram], n) for gram, n in users.items() if n >= min_df
    }
    # Ties broken by the bigram itself, so the choice never depends on the numbering.
    heaviest = sorted(weights.items(), key=lambda kv: (-kv[1], pairs[kv[0]]))[:MAX_CONCEPTS]
    return dict(heaviest)


def _candidates(
    grams_of: Concepts, weights: dict[int, float], keys: Mapping[Sentence, str]
) -> list[_Candidate]:
    candidates = []
    for group in grouped(grams_of, keys):  # the keys are readable already
        concepts = frozenset(gram for gram in grams_of[group[0]] if gram in weights)
        if concepts:
            candidates.append(_Candidate(group[0], tuple(group), concepts))

    def worth(candidate: _Candidate) -> float:
        return sum(weights[g] for g in candidate.concepts) / candidate.sentence.words

    candidates.sort(key=lambda c: (-worth(c), c.sentence.published or "", c.sentence.position))
    return candidates[:MAX_CANDIDATES]


def _solve(
    candidates: Sequence[_Candidate],
    weights: dict[int, float],
    budget: int,
    pairs: Sequence[tuple[str, str]],
) -> list[int]:
    # In the bigrams' order: the programme, and so its ties, are as without the numbering.
    concepts = sorted({g for c in candidates for g in c.concepts}, key=pairs.__getitem__)
    index = {gram: i for i, gram in enumerate(concepts)}
    n_sent, n_conc = len(candidates), len(concepts)
    # Variables: one per sentence, then one per concept; maximise the covered worth.
    cost = np.concatenate([np.zeros(n_sent), -np.array([weights[g] for g in concepts])])
    length = np.concatenate([[c.sentence.words for c in candidates], np.zeros(n_conc)])
    rows, cols, vals = [], [], []
    for j, candidate in enumerate(candidates):
        for gram in candidate.concepts:
            # concept_i - sum(sentences containing i) <= 0: a concept counts only if covered.
            rows.append(index[gram])
            cols.append(j)
            vals.append(-1.0)
    rows.extend(range(n_conc))
    cols.extend(range(n_sent, n_sent + n_conc))
    vals.extend([1.0] * n_conc)
    cover = coo_matrix((vals, (rows, cols)), shape=(n_conc, n_sent + n_conc))
    result = milp(
        cost,
        constraints=[
            LinearConstraint(length.reshape(1, -1), -np.inf, budget),
            LinearConstraint(cover, -np.inf, 0.0),
        ],
        integrality=np.ones(n_sent + n_conc),
        bounds=Bounds(0, 1),
        options={"time_limit": SOLVER_SECONDS},
    )
    if result.x is None:  # no feasible point found in time: fall back to the greedy order
        return _greedy(candidates, budget)
    return [j for j in range(n_sent) if result.x[j] > 0.5]


def _greedy(candidates: Sequence[_Candidate], budget: int) -> list[int]:
    chosen, used = [], 0
    for j, candidate in enumerate(candidates):
        if used + candidate.sentence.words <= budget:
            chosen.append(j)
            used += candidate.sentence.words
    return chosen


def summarize(
    articles: Iterable[Article],
    words: int = DEFAULT_WORDS,
    *,
    sentences: Sequence[Sentence] | None = None,
) -> list[DigestLine]:
    """The digest of ``articles`` taken as one story: at most ``words`` words, each line cited.

    Lines come in the order the story was told: by publication date, then by position in the
    article. ``sentences``: the articles' sentences if the caller has split them already
    (:func:`storyline.telling.tell.tell` splits once for the digest and the timeline).
    """
    listed = list(articles)
    shown = map(reader(listed), split(listed) if sentences is None else sentences)
    numbers: dict[tuple[str, str], int] = {}
    grams_of: Concepts = {}
    keys: dict[Sentence, str] = {}
    for sentence in shown:
        if sentence is not None:
            said = terms(sentence.text)  # once, for the concepts and the copies' key
            grams_of[sentence] = _numbered(said, numbers)
            keys[sentence] = " ".join(said)
    pairs = list(numbers)  # a bigram's number is its place in the order first seen
    weights = _weights(grams_of, len({a.id for a in listed}), pairs)
    candidates = _candidates(grams_of, weights, keys)
    if not candidates:
        return []
    chosen = [candidates[j] for j in _solve(candidates, weights, words, pairs)]
    arrival = {article.id: i for i, article in enumerate(listed)}
    chosen.sort(
        key=lambda c: (
            c.sentence.published or "",
            arrival[c.sentence.article_id],
            c.sentence.position,
        )
    )
    return [cite(c.copies) for c in chosen]


def headline(articles: Sequence[Article]) -> str | None:
    """The title closest to what the story's titles share, earliest on a tie.

    Each title is scored by the mean, over its content words, of how many other titles use the
    word, so the title that says what most of them say wins, and it changes as the story grows.
    Collections without titles (feeds of bare text, archives) get the lead sentence that the
    articles' leads share most, cut to about HEADLINE_WORDS words; None when no article has a
    lead that reads on its own. An article's lead is its first sentence that reads on its own
    and is no gallery caption or list item (one opening with a date and a colon).
    """
    titles = [a.title.strip() for a in articles if a.title and a.title.strip()]
    if titles:
        return titles[_most_shared(titles)]
    leads = [lead.text for lead in _leads(articles)]
    return _shortened(leads[_most_shared(leads)]) if leads else None


#: A headline made from a lead sentence is cut to about this many words.
HEADLINE_WORDS = 16
#: Enough of an article's start to hold its lead sentence, so a story of thousands of articles
#: is not split into sentences just for its headline.
_LEAD_CHARS = 800


def _leads(articles: Sequence[Article]) -> list[Sentence]:
    """Each article's first sentence that reads on its own, furniture cut away."""
    starts = [replace(a, text=a.text[:_LEAD_CHARS]) for a in articles]
    leads: dict[str, Sentence] = {}
    for sentence in split(starts):
        if sentence.article_id not in leads and sentence.end < _LEAD_CHARS:
            shown = readable(sentence)
            if shown is not None and standalone(shown.text) and not _LISTED.match(shown.text):
                leads[sentence.article_id] = shown
    return list(leads.values())


#: A sentence that opens with a date and a colon ("July 17, 2010: The containment stack is
#: shown at the site ...", "Wednesday: The president meets ...") is a photo gallery's caption or
#: an item of a list of dates, never an article's lead: the lead is the next sentence. (Such a
#: sentence stays a candidate for digests and timelines, where its date serves.)
_LISTED = regex.compile(
    rf"(?:{_MONTH}\.? \d{{1,2}}(?:, \d{{4}})?|\d{{1,2}} {_MONTH}(?: \d{{4}})?|{WEEKDAY_PATTERN}"
    r"|\d{4}): "
)


def _most_shared(texts: Sequence[str]) -> int:
    """The index of the text whose content words most of the others use, earliest on a tie."""
    words = [set(content_words(t)) for t in texts]
    use = Counter(w for ws in words for w in ws)

    def centrality(i: int) -> float:
        return sum(use[w] - 1 for w in words[i]) / (len(words[i]) + 1)

    return max(range(len(texts)), key=lambda i: (centrality(i), -i))


def _shortened(sentence: str) -> str:
    """A sentence as a headline: no final stop, and cut (marked with an ellipsis) when it runs
    past HEADLINE_WORDS words. Cutting at a comma was tried and left appositions without their
    verb ("The National Basketball Association, embroiled in a labor dispute with its players")."""
    words = sentence.rstrip(_ENDS).split()
    if len(words) <= HEADLINE_WORDS:
        return " ".join(words)
    return " ".join(words[:HEADLINE_WORDS]).rstrip(",;:") + "\u2026"
