"""What the reader sees: one data function per page family, shared by every shell.

The web pages and their ``/api`` JSON twins, ``storyline story --json``, Markdown and the
Atom feeds are all rendered from these dictionaries (datasette's one view, two formats), so
a script, a browser and a terminal see the same story. Reads only: nothing here writes to the
store or tells a story.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from storyline.analysis.gazetteer import surname_owners
from storyline.errors import BadRequest, NotFound
from storyline.records import Article, Telling, one_line, published_date
from storyline.store import Store
from storyline.telling import TOLD_ARTICLES

__all__ = [
    "Segment",
    "article_data",
    "entity_data",
    "outlets_of",
    "search_data",
    "stories_data",
    "story_data",
    "to_markdown",
]


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of article text, plain or highlighted (kind: cited, furniture, entity, quote,
    time)."""

    text: str
    kind: str | None = None
    note: str | None = None


def _iso(value: str | None, name: str) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise BadRequest(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from exc


# -- data: one function per page, shared by HTML and JSON ------------------------------------


#: Stories on a page of the list.
STORIES_PER_PAGE = 50
ORDERS = ("latest", "biggest")


def stories_data(
    store: Store,
    entity: str | None,
    start: str | None,
    end: str | None,
    *,
    page: int = 1,
    order: str = "latest",
    outlet: str | None = None,
    min_size: int = 1,
) -> dict[str, Any]:
    """A page of the stories list, sorted and filtered; ``next`` and ``previous`` pages."""
    start, end = _iso(start, "start"), _iso(end, "end")
    if order not in ORDERS:
        raise BadRequest(f"order: {order!r} is not one of {', '.join(ORDERS)}")
    rows = store.stories(
        limit=STORIES_PER_PAGE + 1,
        offset=(page - 1) * STORIES_PER_PAGE,
        entity=entity,
        start=start,
        end=end,
        outlet=outlet,
        min_size=min_size,
        order=order,
    )
    filters = {
        "entity": entity,
        "start": start,
        "end": end,
        "outlet": outlet,
        "min_size": min_size,
        "order": order,
    }
    return {
        "stories": rows[:STORIES_PER_PAGE],
        "filters": filters,
        "page": page,
        "next": page + 1 if len(rows) > STORIES_PER_PAGE else None,
        "previous": page - 1 if page > 1 else None,
    }


def story_data(
    store: Store,
    story_id: str,
    *,
    min_confidence: float = 0.0,
    shown: tuple[int, int | None] | None = None,
    only_speaker: str | None = None,
) -> dict[str, Any]:
    """The one story object: the page, ``/api/story/ID``, ``storyline story --json``,
    Markdown and the Atom feed all show this.

    Read only: the telling is the stored one (the runner tells a story again when its
    articles change; ``storyline tell`` does it by hand). ``stale`` says the stored telling
    was made from another number of articles than the story has now.

    Quotes are grouped by speaker (the store's entity when it has one), most quoted first,
    each group with its ``count``; one speaker's same words in several articles are one
    quote, whose ``also`` lists the other articles; a quote of function words alone
    (:func:`says_something`) is left out.
    ``shown`` (speakers, quotes): only the first quotes of the most quoted speakers are read,
    the other groups keep their count and no quotes (the page of a story with thousands;
    quotes None: all of theirs). ``only_speaker``: only that speaker's group.
    """
    current = store.resolve_story(story_id)
    if current is None:
        raise NotFound(f"no story with id {story_id!r}")
    articles = store.story_articles(current)
    telling = store.get_telling(current) or Telling(current, _first_title(articles), (), (), 0)
    entities, surnames = _story_actors(store, current)
    # By (named, key): an entity's name, or a description's words (_described).
    quotes: dict[tuple[bool, str], dict[str, Any]] = {}
    copies: dict[str, list[Article]] = {}
    copy_of = store.story_copies(current)
    canonical_of = {a.id: copy_of.get(a.id, a.id) for a in articles}
    quotes_of = store.story_quotes(current, min_confidence=min_confidence, brief=bool(shown))
    first_said: dict[tuple[str, str], dict[str, Any]] = {}
    for article in articles:
        canonical = canonical_of[article.id]
        copies.setdefault(canonical, []).append(article)
        if canonical != article.id:
            continue
        for quote in quotes_of.get(article.id, ()):
            if not quote["speaker"] or not says_something(quote["content"]):
                continue
            # One group per person: the entity the store resolved the speaker to ("Bill
            # Ostrow", "William K. Ostrow" and "William Ostrow" are one), else the name as
            # written; a surname alone read as the story's person is that person.
            name = quote["entity"] or quote["speaker"]
            speaker = surnames.get(name, name)
            named = bool(quote["entity"]) or speaker != name
            group = quotes.setdefault(
                (named, speaker if named else _described(speaker)),
                {"speaker": speaker, "entity": None, "roles": [], "count": 0, "quotes": []},
            )
            if named:
                group["entity"] = speaker  # links to that person's page
            role = ", ".join(x for x in (quote["role"], quote["affiliation"]) if x)
            # "Commission co-chair" at a sentence's start is the same role.
            if role and role.lower() not in (r.lower() for r in group["roles"]):
                group["roles"].append(role)
            # The same words of one speaker in several articles (an outlet's updates of one
            # report, or outlets quoting one statement) are one quote, citing each article.
            said = (group["speaker"], _said_key(quote["content"]))
            if said in first_said:
                first_said[said]["also"].append(article.id)
                continue
            first_said[said] = {**quote, "article_id": article.id, "also": []}
            group["count"] += 1
            group["quotes"].append(first_said[said])
    groups = sorted(quotes.values(), key=lambda g: -g["count"])
    for group in groups:
        group["roles"] = fewest_roles(group["roles"])
    if only_speaker is not None:
        groups = [
            group
            for group in groups
            if group["speaker"] == only_speaker
            or (
                group["entity"] is None and _described(group["speaker"]) == _described(only_speaker)
            )
        ]
    if shown:
        speakers, per = shown
        read = [(q["article_id"], q["n"]) for g in groups[:speakers] for q in g["quotes"][:per]]
        full = store.quotes_at(read)
        for index, group in enumerate(groups):
            first = group["quotes"][:per] if index < speakers else []
            # A quote re-analysed away between the two reads (an ingest commits between
            # them: the page reads without a snapshot) is left out, not an error.
            group["quotes"] = [
                {
                    **full[(q["article_id"], q["n"])],
                    "article_id": q["article_id"],
                    "also": q["also"],
                }
                for q in first
                if (q["article_id"], q["n"]) in full
            ]
    splits = store.story_splits(current)
    told = telling.to_dict()
    return {
        "id": current,
        "requested": story_id,
        "split_from": splits["from"],
        "split_into": splits["into"],
        "headline": told["headline"],
        "digest": told["digest"],
        "timeline": told["timeline"],
        "told_from": telling.articles,
        # How many of them the telling read (a huge story is told from some, spread over it).
        "told_read": min(telling.articles, TOLD_ARTICLES),
        "stale": telling.articles != len(articles),
        # Every article, copies included, as the stories list counts them.
        "size": len(articles),
        "outlets": len({a.outlet for a in articles if a.outlet}),  # as the stories list counts
        "quotes": groups,
        "min_confidence": min_confidence,
        "chart": coverage_chart(articles, [entry["date"] for entry in told["timeline"]]),
        "entities": entities,
        "articles": [
            {
                **_summary(a),
                "carried_by": outlets_of(copies.get(a.id, [])),
                "copies": [_summary(c) for c in copies.get(a.id, []) if c.id != a.id],
            }
            for a in articles
            if canonical_of[a.id] == a.id
        ],
    }


def _described(speaker: str) -> str:
    """A speaker the store could not name, as its quotes are grouped: its words in lower case
    without a leading article ("The company" and "the company", "Officials" and "officials"
    are one group)."""
    words = speaker.casefold().split()
    if len(words) > 1 and words[0] in ("the", "a", "an"):
        words = words[1:]
    return " ".join(words)


#: Words that say nothing on their own: articles, pronouns, prepositions, conjunctions. Not
#: spaCy's stop words (``telling.sentences.content_words``): those hold "no", "move", "well"
#: and "nothing", and "No." is an answer worth showing.
_FUNCTION_WORDS = frozenset(
    """a an the this that these those some any every each all both either neither such
    i me my mine myself you your yours yourself he him his himself she her hers herself it its
    itself we us our ours ourselves they them their theirs themselves one ones who whom whose
    which what whatever something anything nothing everything someone anyone everyone nobody
    to of in on at by for with from about into onto over under out up down off as than
    and or but nor so yet if whether because though although while not how why when where
    there here then also too very just only much many more most""".split()
)


def says_something(content: str) -> bool:
    """Whether a quote's words say anything a reader can use. PolNeAR's annotators mark "as
    he said it" and "which, she said, ..." with "it" and "which" as what was said, and the
    tagger cuts a content to one word now and then ("the", "to"): 802 of the real-news
    store's 53,559 quotes are such (368 of them with a speaker). A story's page lists what
    its speakers said, so a quote of function words alone is left off it (the store, the
    article and person pages and the exports keep it)."""
    return any(word not in _FUNCTION_WORDS for word in re.findall(r"\w+", content.lower()))


def _said_key(content: str) -> str:
    """What a quote says, for finding it again: its words, lower-cased ("industry-wide" and
    "industry wide", a straight or a curly quotation mark, say the same)."""
    return " ".join(re.findall(r"\w+", content.lower()))


#: Actors shown on a story's page, and how many of its most named are read to find them: a
#: surname alone goes to the one person of that surname among these (``surname_owners``).
STORY_ACTORS = 20
_ACTORS_READ = 200


def _story_actors(store: Store, story_id: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """A story's most named actors, a surname alone counted with the one person of that
    surname the story names in full ("Paulson" with "Henry Paulson": ``also`` lists it); and
    {surname alone: that person's name}, for the quotes by speaker."""
    actors = store.story_actors(story_id, _ACTORS_READ)
    owners = surname_owners([(name, label, count) for _, name, label, count in actors])
    folded: dict[int, list[int]] = {}
    for alone, owner in owners.items():
        folded.setdefault(owner, []).append(alone)
    shown: list[dict[str, Any]] = []
    for index, (entity_id, name, label, count) in enumerate(actors):
        if index in owners:
            continue
        also = folded.get(index, [])
        if also:
            ids = [entity_id, *(actors[other][0] for other in also)]
            count = store.articles_naming(story_id, ids)
        shown.append(
            {
                "name": name,
                "label": label,
                "articles": count,
                "also": [actors[other][1] for other in also],
            }
        )
    shown.sort(key=lambda actor: (-int(actor["articles"]), str(actor["name"])))
    surnames = {actors[alone][1]: actors[owner][1] for alone, owner in owners.items()}
    return shown[:STORY_ACTORS], surnames


def outlets_of(articles: Iterable[Article]) -> list[str]:
    """The outlets that ran an article and its copies, each once, in the order they ran it
    (an article without an outlet counts as its own)."""
    return list(dict.fromkeys(article.outlet or article.id for article in articles))


#: Colours of the outlets in a coverage chart (the rest share the last, grey).
PALETTE = (
    "#1b6ca8",
    "#d1603d",
    "#3a9d5d",
    "#8e5ea2",
    "#c9a227",
    "#3cb1c3",
    "#b5446e",
    "#6b8e23",
    "#888888",
)
CHART_WIDTH, CHART_HEIGHT, CHART_DAYS = 640, 140, 120


def coverage_chart(articles: list[Article], timeline: list[str]) -> dict[str, Any] | None:
    """Articles a day, stacked by outlet, and the timeline's dates on the same axis: what the
    story page draws as SVG (server-side, no script). None for a story with no dated article.

    At most the last CHART_DAYS days of the story are drawn, so that a long story keeps bars a
    reader can see.
    """
    days: dict[date, dict[str, int]] = {}
    for article in articles:
        day = published_date(article.published)
        if day is not None:
            counts = days.setdefault(day, {})
            name = article.outlet or "?"
            counts[name] = counts.get(name, 0) + 1
    if not days:
        return None
    last = max(days)
    first = max(min(days), last - timedelta(days=CHART_DAYS - 1))
    span = (last - first).days + 1
    totals = Counter[str]()
    for counts in days.values():
        totals.update(counts)
    ranked = [name for name, _ in totals.most_common()]
    colour = {name: PALETTE[min(i, len(PALETTE) - 1)] for i, name in enumerate(ranked)}
    tallest = max(sum(counts.values()) for day, counts in days.items() if day >= first)
    width = CHART_WIDTH / span
    bars = []
    for day, counts in sorted(days.items()):
        if day < first:
            continue
        x = (day - first).days * width
        y = float(CHART_HEIGHT)
        for name in ranked:
            if name not in counts:
                continue
            height = counts[name] / tallest * (CHART_HEIGHT - 10)
            y -= height
            bars.append(
                {
                    "x": round(x, 1),
                    "y": round(y, 1),
                    "width": round(max(1.0, width - 1), 1),
                    "height": round(height, 1),
                    "colour": colour[name],
                    "title": f"{day.isoformat()}: {counts[name]} from {name}",
                }
            )
    marks = []
    for value in timeline:
        day = date.fromisoformat(value[:10])
        if first <= day <= last:
            marks.append({"x": round(((day - first).days + 0.5) * width, 1), "date": value})
    legend = [{"outlet": name, "colour": colour[name]} for name in ranked[: len(PALETTE)]]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "first": first.isoformat(),
        "last": last.isoformat(),
        "bars": bars,
        "timeline": marks,
        "legend": legend,
    }


def _first_title(articles: list[Article]) -> str | None:
    # A story not told yet is headed by its first article's title, as the stories list does.
    return articles[0].title if articles else None


#: Characters of an article's opening shown with it in lists and feeds.
LEAD_CHARS = 280


def _summary(article: Article) -> dict[str, Any]:
    """An article without its text, but with its opening (``lead``) for lists and feeds."""
    data = {k: v for k, v in article.to_dict().items() if k != "text"}
    # Only the opening is shown: collapse the whitespace of its first characters, not of the
    # whole text (a story page lists every article), unless that opening is mostly blanks.
    head = article.text[: 4 * LEAD_CHARS]
    text = " ".join(head.split())
    if len(head) < len(article.text) and len(text) <= LEAD_CHARS:
        text = " ".join(article.text.split())
    lead = text if len(text) <= LEAD_CHARS else text[:LEAD_CHARS].rsplit(" ", 1)[0] + " …"
    return {**data, "lead": lead}


def article_data(
    store: Store, article_id: str, cited: tuple[int, int] | None = None
) -> dict[str, Any]:
    """An article, its analysis, and its text cut into highlighted pieces.

    ``cited`` is a span a digest or timeline line cites; it is highlighted first.
    """
    article = store.get_article(article_id)
    if article is None:
        raise NotFound(f"no article with id {article_id!r}")
    canonical = store.canonical_id(article.id)  # copies share their original's analysis
    analysis = store.get_analysis(canonical)
    marks: list[tuple[int, int, str, str]] = []
    if cited is not None:
        if not 0 <= cited[0] < cited[1] <= len(article.text):
            raise BadRequest(f"span {cited[0]}-{cited[1]} is outside the article")
        marks.append((cited[0], cited[1], "cited", "the line the story cites"))
    # Furniture first: no stage read it, so nothing else is marked inside it.
    furniture = store.furniture(article.id)
    for piece in furniture:
        marks.append((piece.start, piece.end, "furniture", f"page furniture ({piece.kind})"))
    if analysis is not None:
        for quote in analysis.quotes:
            for span in quote.content:
                who = quote.speaker_name or "unattributed"
                marks.append((span.start, span.end, "quote", f"quote: {who}"))
        for time in analysis.times:
            marks.append((time.start, time.end, "time", f"{time.type} {time.value}"))
        for mention in analysis.mentions:
            marks.append(
                (mention.start, mention.end, "entity", f"{mention.label}: {mention.canonical}")
            )
    copies = store.copies(canonical)
    return {
        "article": article.to_dict(),
        "story": store.story_of(canonical),
        "carried_by": outlets_of([a for a, _ in copies]),
        "quotes": store.article_quotes(canonical),
        "times": [t.to_dict() for t in analysis.times] if analysis else [],
        "entities": [e.to_dict() for e in analysis.entities] if analysis else [],
        "furniture": [piece.to_dict() for piece in furniture],
        "segments": [_seg(s) for s in _segments(article.text, marks)],
    }


def _seg(segment: Segment) -> dict[str, Any]:
    return {"text": segment.text, "kind": segment.kind, "note": segment.note}


def _segments(text: str, marks: list[tuple[int, int, str, str]]) -> list[Segment]:
    """The text cut into plain and highlighted pieces; overlapping marks: the first wins.

    Quotes are listed first, so a name inside a quote stays part of the quote.
    """
    taken: list[tuple[int, int, str, str]] = []
    for mark in marks:
        if all(mark[1] <= s or mark[0] >= e for s, e, _, _ in taken):
            taken.append(mark)
    taken.sort()
    pieces, at = [], 0
    for start, end, kind, note in taken:
        if start > at:
            pieces.append(Segment(text[at:start]))
        pieces.append(Segment(text[start:end], kind, note))
        at = end
    if at < len(text):
        pieces.append(Segment(text[at:]))
    return pieces


def entity_data(
    store: Store, name: str, *, min_confidence: float = 0.0, page: int = 1
) -> dict[str, Any]:
    entities = store.find_entities(name)
    if not entities:
        raise NotFound(f"no person or organisation called {name!r}")
    ids = [entity_id for entity_id, _, _ in entities]
    found = store.quotes_by(
        ids,
        limit=RESULTS_PER_PAGE + 1,
        offset=(page - 1) * RESULTS_PER_PAGE,
        min_confidence=min_confidence,
    )
    quotes = found[:RESULTS_PER_PAGE]
    roles: list[dict[str, Any]] = []
    for quote in reversed(quotes):  # oldest first, to show roles over time
        role = ", ".join(x for x in (quote["role"], quote["affiliation"]) if x)
        if role and (not roles or roles[-1]["role"] != role):
            roles.append({"role": role, "since": (quote["published"] or "")[:10]})
    months = Counter((q["published"] or "")[:7] for q in quotes if q["published"])
    return {
        "name": name,
        "entities": [{"canonical": c, "label": lbl} for _, c, lbl in entities],
        "roles": roles,
        "quotes": [{**q, "story": store.story_of(q["article_id"])} for q in quotes],
        "min_confidence": min_confidence,
        "page": page,
        "next": page + 1 if len(found) > RESULTS_PER_PAGE else None,
        "previous": page - 1 if page > 1 else None,
        # Quotes a month, oldest first: when they spoke.
        "quotes_by_month": [{"month": m, "quotes": months[m]} for m in sorted(months)],
        # By the entity's own name: what the user typed may be a surname or a variant.
        "stories": store.stories(limit=20, entity=entities[0][1], order="biggest"),
        "named_with": [
            {"name": n, "label": lbl, "articles": c}
            for n, lbl, c in store.named_with(ids, limit=10)
        ],
    }


#: Articles on a page of search results, and quotes on a page of a person's.
RESULTS_PER_PAGE = 50


def search_data(
    store: Store,
    q: str | None,
    entity: str | None,
    start: str | None,
    end: str | None,
    *,
    page: int = 1,
) -> dict[str, Any]:
    """A page of search results, grouped by story; ``next`` and ``previous`` pages."""
    start, end = _iso(start, "start"), _iso(end, "end")
    filters = {"entity": entity, "start": start, "end": end}
    if not (q and q.strip()) and not entity:
        return {
            "query": q,
            "groups": [],
            "filters": filters,
            "page": 1,
            "next": None,
            "previous": None,
        }
    found = store.articles(
        query=q if q and q.strip() else None,
        limit=RESULTS_PER_PAGE + 1,
        offset=(page - 1) * RESULTS_PER_PAGE,
        entity=entity,
        start=start,
        end=end,
    )
    articles = found[:RESULTS_PER_PAGE]
    words = [w.rstrip("*").lower() for w in re.findall(r"[\w'-]+\*?", q or "") if w.strip("*")]
    groups: dict[str, dict[str, Any]] = {}
    placed = store.stories_of([a.id for a in articles])
    for article in articles:
        story, headline = placed.get(article.id, ("", None))
        group = groups.setdefault(
            story, {"story": story or None, "headline": headline, "articles": []}
        )
        group["articles"].append({**_summary(article), "snippet": snippet(article.text, words)})
    return {
        "query": q,
        "filters": filters,
        "groups": list(groups.values()),
        "page": page,
        "next": page + 1 if len(found) > RESULTS_PER_PAGE else None,
        "previous": page - 1 if page > 1 else None,
    }


#: Characters of article text shown around a search hit.
SNIPPET_CHARS = 90


def snippet(text: str, words: list[str]) -> list[dict[str, Any]]:
    """The text around the first place a search word (or a word it is the start of) occurs,
    cut in pieces with the hits marked (``hit``): the page highlights them, escaped."""
    if not words:
        return [{"text": text[: 2 * SNIPPET_CHARS], "hit": False}]
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\w*", re.I)
    first = pattern.search(text)
    if first is None:
        return [{"text": text[: 2 * SNIPPET_CHARS], "hit": False}]
    start = max(0, first.start() - SNIPPET_CHARS)
    end = min(len(text), first.end() + SNIPPET_CHARS)
    pieces: list[dict[str, Any]] = [{"text": "…" if start else "", "hit": False}]
    at = start
    for match in pattern.finditer(text, start, end):
        pieces.append({"text": text[at : match.start()], "hit": False})
        pieces.append({"text": match.group(0), "hit": True})
        at = match.end()
    pieces.append({"text": text[at:end] + ("…" if end < len(text) else ""), "hit": False})
    return [piece for piece in pieces if piece["text"]]


def _cite(line: dict[str, Any], outlets: dict[str, str | None]) -> str:
    cited = []
    for citation in line["citations"]:
        name = outlets.get(citation["article"]) or citation["article"]
        cited.append(f"{name} [{citation['article']} {citation['start']}-{citation['end']}]")
    return f"{one_line(line['text'])} ({'; '.join(cited)})"


def fewest_roles(roles: list[str]) -> list[str]:
    """A speaker's roles ("title, affiliation", either alone) without those another one says
    already, in the order they were first given: a spelling of one seen before
    ("Secretary-General, United Nations" after "Secretary General, United Nations": case and
    hyphens aside), a title alone that is also given with its affiliation ("Secretary
    General"), an affiliation alone that is also given with a title ("United Nations")."""

    def same(text: str) -> str:
        return " ".join(text.casefold().replace("-", " ").split())

    pairs = [tuple(same(part) for part in role.split(", ", 1)) for role in roles]
    titled = {pair[0] for pair in pairs if len(pair) == 2}
    affiliations = {pair[1] for pair in pairs if len(pair) == 2}
    kept: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for role, pair in zip(roles, pairs, strict=True):
        if pair in seen or (len(pair) == 1 and (pair[0] in titled or pair[0] in affiliations)):
            continue
        seen.add(pair)
        kept.append(role)
    return kept


def to_markdown(story: dict[str, Any]) -> str:
    """The story object (:func:`story_data`) as a Markdown page: headline, digest, timeline and
    sources, every line cited to the outlets and spans that carried it."""
    sources = [s for article in story["articles"] for s in (article, *article["copies"])]
    outlets = {source["id"]: source["outlet"] for source in sources}
    out = [f"# {story['headline'] or story['id']}", ""]
    out.append(f"Story `{story['id']}`: {story['told_from']} articles.")
    if story["told_read"] < story["told_from"]:
        out[-1] += f" Told from {story['told_read']} of them, spread evenly over its days."
    out += ["", "## Digest", ""]
    out += [f"- {_cite(line, outlets)}" for line in story["digest"]] or ["(nothing to tell yet)"]
    out += ["", "## Timeline", ""]
    for entry in story["timeline"]:
        out.append(f"### {entry['date']}")
        out += [f"- {_cite(line, outlets)}" for line in entry["sentences"]]
        out.append("")
    out += ["## Sources", ""]
    for source in sources:
        out.append(
            f"- `{source['id']}` {(source['published'] or '?')[:10]} {source['outlet'] or '?'}:"
            f" {source['title'] or '(untitled)'}" + (f" <{source['url']}>" if source["url"] else "")
        )
    return "\n".join(out) + "\n"
