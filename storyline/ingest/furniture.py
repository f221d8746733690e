"""Page furniture: what a page prints around the article's own text, found as marked spans.

Scraped pages carry text that is not the article: an outlet's promo and disclaimer lines,
sidebar boxes, reader comments, photo credits, "share" and "sign up" prompts. Left in, it
becomes quotes, speakers, entities, story features and digest lines. trafilatura removes most
of it from HTML it extracts (comments off); text that arrives as JSONL, or furniture inside the
article's own container, still carries it. Two kinds are found here:

- **Repeated lines**, learned per outlet: a line (a sentence-like piece of a line) that one
  outlet prints in :data:`LEARN_AFTER` or more of its own articles, copies of one story not
  counted, is that outlet's furniture. :func:`line_keys` gives the keys an article adds to its
  outlet's counts; the runner keeps the counts in the store and passes the learned keys back
  to :func:`find_furniture`. No list of strings is involved: a new outlet's furniture is learned
  from its own pages.
- **Furniture by form**, which needs no repetition: the reader comments of a page (from the
  first comment byline to the end, where a page has two bylines, two of a blog's "Posted by
  NAME on DATE" or one of a comment's own form; or from a notice about readers' comments,
  "We welcome comments ...", to the end), a line with a comment's mark, a photo credit and
  the caption it closes (the sentence printed just before it), a line of "share",
  "follow", "sign up" or "related" prompts, an all-capitals transcript header, an
  agency dateline at the start of a line, a page's stamp (a date with a clock time) or an
  agency's photo credit run into the start of a line (with the capitals dateline after it), an
  author's disclaimer ("The opinions expressed are his own."), a note on the printed edition
  ("A version appeared on p2 of ...") or a site's disclaimer of what it links to ("... is not
  responsible for the content of external sites") and the page's foot after either (the
  disclaimer's line alone within the page's first lines), an author's byline at the
  start of a line (with the role and outlet it carries), and a blog post's stamped byline after
  the post's text, which starts the page's reader comments.

The text is never changed: furniture is a list of (start, end, kind) spans into it, and
:func:`blank` gives the text the stages read, with every furniture character turned into a
space (line breaks kept), so every offset and citation into the stored text stays valid.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import replace
from hashlib import blake2b

import regex

from storyline.records import Article, Furniture

__all__ = [
    "COMMENTS_FROM",
    "COMMENT_MARK",
    "LEARN_AFTER",
    "blank",
    "find_furniture",
    "furniture_by_form",
    "keyed_pieces",
    "learn",
    "line_key",
    "line_keys",
    "news",
    "news_batch",
    "pieces",
]

#: Articles of one outlet that must print a line before it is that outlet's furniture. The
#: issue's reader's definition ("a sentence one outlet prints in five or more of its
#: articles"); chosen before any store was measured, not tuned.
LEARN_AFTER = 5
#: Fewest words a piece needs to be learned: shorter pieces ("Sen.", "The U.S.") are bits of
#: sentences split at an abbreviation, and every outlet repeats them.
MIN_KEY_WORDS = 4

# Month names as analysis.times.MONTH_PATTERN spells them (ingestion comes before analysis and
# cannot import it; tests/ingest/test_furniture.py checks that the two are the same).
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?"
    r"|Dec\.?)"
)
# Weekday names as analysis.times.WEEKDAY_PATTERN spells them (checked by the same test).
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_REPORT_LINK = r"\bReport (?:abuse|as abusive)\b"
#: A reader comment's mark: a moderators' link, a "name wrote:" or "Posted by:" byline, a
#: comment's "Added: " stamp, a comment page's "Have your say" header. This and COMMENTS_FROM
#: are compiled by the ``regex`` module (installed with dateparser), which scans such a list of
#: alternatives about ten times faster than ``re``: telling a story checks every sentence of
#: it (0.6 s of a 1,000-article digest with ``re``, bench/tell_speed.py).
# A blog's byline: "Posted by Ana on June 4, 2010 4:36 PM", a comment's or the post's own.
_BLOG_BYLINE = rf"\bPosted by [^.|]{{1,80}}? on {_MONTH} \d{{1,2}}, \d{{4}},? \d{{1,2}}:\d\d"
COMMENT_MARK = regex.compile(
    rf"\bwrote:|{_REPORT_LINK}|\bPosted by:|^Added: |\bHave your say\b"
    rf"|\bSkip to a day\b|{_BLOG_BYLINE}"
)
#: Where a page's reader comments begin: its first comment byline ("Posted by: name | June 7,
#: 2010 12:24 PM"), "Report abuse" link or "Added: " stamp. They run to the end of the page, and
#: most comments carry no mark of their own. A blog's "Posted by name on ..." is left out here:
#: it can be the author's byline.
COMMENTS_FROM = regex.compile(
    rf"\bPosted by: [^.|\n]{{1,80}}? \| {_MONTH} \d{{1,2}}, \d{{4}},? \d{{1,2}}:\d\d"
    rf"|{_REPORT_LINK}|^Added: ",
    re.MULTILINE,
)
# A comment's byline or foot, which starts the page's comments when another follows (a blog's
# "Posted by name on ..." is not one: the first can be the author's).
_BYLINE = re.compile(rf"\bwrote:|{_REPORT_LINK}|\bPosted by:|^Added: ", re.MULTILINE)
# A blog's bylines: when there are several, the comments start at the first, be it the post's
# own foot or a commenter's signature (which follows the comment: the first comment's words
# stay, the rest go).
_BLOG_BYLINES = re.compile(_BLOG_BYLINE)
# A notice to the page's readers about their comments ("We welcome comments that advance the
# story ...", "Views expressed in the comments do not represent those of ...", "A selection of
# your comments may be published") closes the article: what follows is the comments, which a
# site may print without any byline (193 of the Reuters pages of Timeline17), or the author's
# box. Not within the page's first lines (AUTHOR_HEAD_LINES), where such a notice invites the
# readers' stories that follow.
_COMMENT_NOTICE = re.compile(
    r"\b(?:we welcome (?:your )?comments|your comments (?:may|will) be|may edit your comments"
    r"|(?:views|opinions) expressed in (?:the|these|reader) comments"
    r"|comments (?:are|will be) (?:pre-?)?moderated|a selection of your comments)\b",
    re.IGNORECASE,
)
# A note on the printed edition ("A version appeared on p2 of the Main section of ... on
# DATE", "A version of this article appears in print on May 5, 2010, on page A1 of ...")
# closes the article: what a page prints after it is its foot (feeds of posts, offers,
# widgets). 117 Guardian pages of Timeline17 print one; the foot under it made entities of
# its time zones and widget titles. Not within the page's first lines (AUTHOR_HEAD_LINES).
_PRINT_NOTE = re.compile(
    r"\b(?:(?:A version of )?this (?:article|story|review|column)|A version) "
    r"(?:appeared|appears|was (?:published|printed))\b[^\n]{0,60}?\b(?:p|page) ?[A-Z]?\d{1,3}\b",
    re.IGNORECASE,
)
# A site's disclaimer of what it links to or carries ("The BBC is not responsible for the
# content of external Internet sites", "... * Reuters is not responsible for the content in
# this press release."). Below the page's first lines it opens the page's foot (links to
# other pages follow it) from its subject ("The BBC"), which may run on from the article's
# last sentence; among the first lines it is the line of a carried text's title, and only
# that line is furniture.
_NOT_RESPONSIBLE = re.compile(
    r"\b(?:is|are) not responsible for the content (?:of|in|on) (?:any )?"
    r"(?:external|other|linked|third[- ]party|this|these)\b[\w -]{0,30}?"
    r"\b(?:(?:web|internet )?sites?|websites|pages|links|(?:press )?releases?)\b",
    re.IGNORECASE,
)
# The disclaimer's subject: "The BBC", else a name of one or two words ("Reuters").
_SUBJECTS = (
    re.compile(r"\bThe (?:[A-Z][\w.&'-]* ){1,3}$"),
    re.compile(r"\b(?:[A-Z][\w.&'-]* ){1,2}$"),
)
# A line that only points elsewhere: "Share this article", "Follow us on Twitter", "Sign up
# for our newsletter", "Related: ...", "Read more: ...", "Click here to ...". Short, and
# opening with the prompt itself; a sentence of news that opens with "Follow" runs longer or
# goes on past a full stop.
_PROMPT = re.compile(
    r"^\s*(?:Share(?: this)?|Follow(?: us)?|Sign up|Subscribe|Related(?: (?:stories|articles|"
    r"links|content|coverage))?|See also|Read more|More on this(?: story)?|Click here"
    r"|Join the conversation|Email this|Print this|Comments?(?: \(\d+\))?)\b[^.!?]{0,80}"
    r"[.!?]?\s*$",
    re.IGNORECASE,
)
# A photo or video credit: "Photograph: Stan Honda/AFP", "Picture: Michael Gill". Scraped text
# runs it into the caption's or the article's next sentence ("Photograph: Lee Celano/Reuters
# The well is ..."), so only the label and the name after it are furniture: capitalised words
# up to the first one with a slash (the agency), else at most two (a first and last name).
_CREDIT = re.compile(
    # The label capitalised ("Photo", "PHOTO"): "the larger picture: The proposal ..." is news.
    r"(?:^|(?<=\s))(?=(?-i:[A-Z]))(?:Photograph|Photo|Picture|Image|Video|Illustration)s?"
    r"(?: credit)?:\s+",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"[A-Z][\w.'\\/-]*\s*")
# A credit that closes a photo's caption: the caption is the sentence printed just before it,
# on the line above ("People cross an empty street.\nPhotograph: Ana Ruiz/AP") or run into it
# ("... the trading floor Photograph: Ana Ruiz/AP"). Only a label written as a word ("Photo",
# not "PHOTO") with a name after it: a label in capitals, a "credit:", or a label followed by
# "A"/"The" opens a caption of its own ("PHOTO: A guard wears a mask ..."), and the sentence
# before it is the article's.
_CAPTION_CREDIT = re.compile(
    r"(?<!\w)(?:Photograph|Photo|Picture|Illustration|Image)s?: +(?!(?:A|An|The)\b)"
    # A name, or an agency or site written in lower case ("al-Jazeera/Reuters", "guardian.co.uk";
    # scraped text may keep JSON's escaped slash, "al-Jazeera\/Reuters").
    r"(?=[A-Z]|[\w-]+\\?[/.])"
)
# Words that open sentences and are seldom a name's second word.
_OPENERS = frozenset(
    "The A An It Its This These There In On At As After When While One Two Three Four Five"
    " Six Seven Eight Nine Ten I We He She They But And More Most Some Many".split()
)
# An agency dateline opening a line: "HOUSTON (Reuters) - ", "NEW ORLEANS (AP) -- ". Only the
# dateline is furniture; the sentence after it is news.
_DATELINE = re.compile(
    r"^[A-Z][A-Za-z .,'/-]{1,60}?\((?:Reuters|AP|AFP|Bloomberg|dpa|UPI|Xinhua)\)\s*"
    r"(?:--|[-\u2013\u2014_])\s*",
    re.MULTILINE,
)
# What a page prints at the start of a line before its article's first sentence, with no
# break between: its own stamp, a date with a clock time or the printed edition's page
# ("Thursday, April 29, 2010; 4:49 PM A massive spill ...", "...; Page A23 "; no sentence
# opens so), and agencies' credits for its top photo ("AP ", "(AP) ", "(AP Photo/Eric Gay,
# File) (Eric Gay - AP) ", "AFP ", "AP Photo/Transocean ": one word after a bare credit's
# slash, since where a longer name ends cannot be told from the sentence run into it;
# "Reuters" alone opens news, "Reuters reported"), one after another, and then a dateline in
# capitals ("NEW ORLEANS -- ", "NEW YORK, Feb. 19 -- "). All of that is furniture; the
# sentence after it is news.
_LINE_STAMP = (
    rf"(?:{_WEEKDAY},? )?{_MONTH} \d{{1,2}},? \d{{4}}[;,]?[ \t]+"
    # A clock time, or the page of the printed edition ("; Page A23").
    r"(?:\d{1,2}:\d\d(?:[ \t]*[AaPp]\.?[Mm]\.?)?(?:[ \t]+[A-Z]{2,4}\b)?|Page [A-Z]?\d{1,3}\b)"
)
_AGENCY = r"(?:AP|AFP|Reuters)"
_LINE_CREDIT = (
    # "(AP)", "(AP Photo/Eric Gay, File)", "(Eric Gay - AP)"
    rf"\({_AGENCY}(?: Photo)?(?:\\?/[^()\n]{{1,60}})?\)|\([^()\n]{{1,60}} - {_AGENCY}\)"
    # "AP ", "AFP ", "AP Photo/Transocean "; not "Reuters", and only before a capital.
    r"|(?:AP|AFP)(?: Photo(?:\\?/\S+)?)?(?=[ \t]+[A-Z(\"'\u201c])"
)
_LINE_HEAD = re.compile(
    rf"^[ \t]*(?:(?:(?P<credit>{_LINE_CREDIT})|{_LINE_STAMP})(?:[ \t]+|$))+", re.MULTILINE
)
_CAPITALS_DATELINE = re.compile(
    r"[A-Z][A-Z.'-]+(?: [A-Z][A-Z.'-]+){0,4}(?:, [A-Z][A-Za-z.]{1,20}(?: \d{1,2})?)?"
    r" (?:--|-|\u2013|\u2014) "
)
# An author's disclaimer: "The opinions expressed are his own.", "The views expressed here are
# the author's own -- " (a column's foot or head; the column's first sentence may run on).
_DISCLAIMER = re.compile(
    r"(?:^|(?<=[.!?]\s))[ \t]*(?:The )?(?:views|opinions) expressed (?:here |in this \w+ )?are "
    r"(?:solely )?(?:(?:his|her|their|my) own|the author['\u2019 ]?s own|those of the author)"
    r"(?:[.!]|[ \t]+--)?[ \t]*",
    re.IGNORECASE | re.MULTILINE,
)
# An author's byline opening a line: "By Ana Ruiz", "By Ana Ruiz and Ivo Brandt", then what a
# byline carries: a post's stamp ("| May 19, 2025; 2:09 PM ET"), a clause about the author
# (", who worked for the ministry until 2019."), or a role and the outlet ("Science
# correspondent, Lakeside Daily"; "Lakeside Daily, Port Alba"). The name is two to four
# capitalised words (particles such as "de" between), none a possessive ("By Ada Marr's own
# account, ..." is no byline), the first no day or month ("By Friday, the river ..."), and
# what follows it must be one of those, another capitalised word or the line's end: "By New
# Year's Day, the ..." goes on in lower case.
_CALENDAR = (
    rf"(?:{_WEEKDAY}|January|February|March|April"
    r"|May|June|July|August|September|October|November|December|Christmas|Easter)"
)
# A whole capitalised word that is no possessive ("O'Neill" is a name, "Marr's" is not).
_BY_WORD = r"[A-Z][\w'\u2019.-]*(?<!['\u2019]s)(?<!s['\u2019])(?![\w'\u2019.-])"
# Name particles as analysis.gazetteer.NAME_PARTICLES lists them (tests/ingest checks it).
_PARTICLES = "de del della di da du van von der den la le al el bin ibn bint abu ben dos das"
_PARTICLE = rf"(?:{'|'.join(_PARTICLES.split())})"
_BY_NAME = rf"(?!{_CALENDAR}\b){_BY_WORD}(?: (?:{_PARTICLE} )*{_BY_WORD}){{1,3}}"
_AUTHOR = regex.compile(
    rf"^[ \t]*By {_BY_NAME}(?: and {_BY_NAME})?"
    rf"(?=[ \t]*$|[ \t]*\||,? who\b|,? [a-z]+,|,? {_BY_WORD})",
    regex.MULTILINE,
)
# What follows the name: a post's stamp up to its clock time and zone; a clause about the
# author up to its full stop; a role noun in lower case and its comma ("correspondent,").
_AUTHOR_STAMP = regex.compile(
    r"[ \t]*\|[^|\n]{0,40}?\d{1,2}:\d\d(?:[ \t]*[AaPp]\.?[Mm]\.?)?(?:[ \t]+[A-Z]{2,4}\b)?"
)
_AUTHOR_CLAUSE = regex.compile(r",? who\b[^\n]*?(?:[.!?](?=\s|$)|$)", regex.MULTILINE)
_AUTHOR_ROLE = regex.compile(r",? [a-z]+,")
# The outlet and place after a byline's name or role: up to two runs of capitalised words
# ("and", "of" between), the second after a comma ("Lakeside Daily, Port Alba"). Scraped text
# runs the first sentence on with no break ("... Lakeside Daily Floods closed the bridge"), so
# a run that a lower-case word follows gives its last word back to the sentence.
_AUTHOR_OUTLET = regex.compile(
    r",? [A-Z][\w'\u2019.&-]*(?: (?:(?:and|of|for|&) )?[A-Z][\w'\u2019.&-]*){0,4}"
)
_LOWER_NEXT = regex.compile(r" [a-z]")
#: Lines a page may print before its article's own byline (headline, standfirst, caption,
#: credit, dateline). A byline with a post's stamp after them is the post's foot: what follows
#: it is the page's reader comments.
AUTHOR_HEAD_LINES = 5
# A transcript's or a live page's header in capitals: "BEGIN VIDEO CLIP", "(END VIDEOTAPE)",
# "COMMERCIAL BREAK". A speaker label ("BLITZER: ...") is followed by what was said, and is not
# a whole line in capitals.
_CAPITALS_LINE = re.compile(r"^\s*\(?[A-Z][A-Z0-9 ,.'&/-]{8,80}\)?\s*$", re.MULTILINE)

# Where one sentence-like piece of a line ends: after ., ! or ? (and closing quotes), before a
# capital, a digit or an opening quote.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)]*\s+(?=[\"'\u201c\u2018(]?[A-Z0-9])")
# The word before a full stop that is no sentence end: an initial or dotted abbreviation
# ("W.", "U.S."), a short title ("Sen.", "Gov.", "Mr.").
_ABBREVIATION = re.compile(r"(?:^|\s)(?:[A-Za-z]\.|(?:[A-Za-z]\.){2,}|[A-Z][a-z]{0,2}\.)$")
_WORD = re.compile(r"\w+")
_LINE = re.compile(r"[^\n]+")


def pieces(text: str) -> Iterator[tuple[int, int]]:
    """The (start, end) of each sentence-like piece of each line of ``text``, stripped.

    A rule rather than spaCy's sentences: it runs at ingestion, on every article of every
    outlet, before any model is loaded, and the same rule must cut an article the same way
    when its outlet's lines are counted and when they are marked.
    """
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for boundary in _BOUNDARY.finditer(text, line.start(), line.end()):
            if _ABBREVIATION.search(
                text, max(line.start(), boundary.start() - 12), boundary.start()
            ):
                continue
            yield from _stripped(text, start, boundary.start())
            start = boundary.end()
        yield from _stripped(text, start, line.end())


def _stripped(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    piece = text[start:end]
    left = len(piece) - len(piece.lstrip())
    right = len(piece.rstrip())
    if right > left:
        yield start + left, start + right


def line_key(piece: str) -> int | None:
    """A piece's key: its words, lower-cased, hashed to a signed 64-bit integer (SQLite's
    INTEGER); None for a piece too short to learn."""
    words = _WORD.findall(piece.lower())
    if len(words) < MIN_KEY_WORDS:
        return None
    digest = blake2b(" ".join(words).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def keyed_pieces(text: str) -> list[tuple[int, int, int]]:
    """(start, end, key) of each piece of ``text`` long enough to have a key."""
    found = []
    for start, end in pieces(text):
        key = line_key(text[start:end])
        if key is not None:
            found.append((start, end, key))
    return found


def line_keys(text: str, keyed: list[tuple[int, int, int]] | None = None) -> dict[int, str]:
    """Each distinct key of ``text``'s pieces (``keyed``, if computed already), with the first
    piece that has it."""
    keys: dict[int, str] = {}
    for start, end, key in keyed if keyed is not None else keyed_pieces(text):
        if key not in keys:
            keys[key] = text[start:end]
    return keys


def furniture_by_form(text: str) -> list[Furniture]:
    """The furniture of ``text`` that needs no repetition to be known (module docstring)."""
    found: list[Furniture] = []
    marks = [mark.start() for mark in _BYLINE.finditer(text)]
    comments = COMMENTS_FROM.search(text)
    if comments:
        marks.append(comments.start())
    footed = False
    for author in _AUTHOR.finditer(text):
        end, stamped = _author_end(text, author.end())
        if stamped and _lines_before(text, author.start()) >= AUTHOR_HEAD_LINES:
            marks.append(author.start())  # a post's foot: the comments follow
            footed = True
        else:
            found.append(Furniture(author.start(), end, "byline"))
    # The comments run from the start of the line with the first byline to the page's end: a
    # byline no other follows can be a news story's own "she wrote:".
    # The lines after it are furniture already: a comment page of 100,000 words is not read
    # line by line.
    starts = marks if comments or footed or len(marks) >= 2 else []
    blog = [byline.start() for byline in _BLOG_BYLINES.finditer(text)]
    if len(blog) >= 2:  # not with the other marks: one "wrote:" in the news is no comment
        starts = [*starts, blog[0]]
    notice = _COMMENT_NOTICE.search(text)
    if notice and _lines_before(text, notice.start()) >= AUTHOR_HEAD_LINES:
        starts = [*starts, notice.start()]
    section = len(text)
    if starts:
        section = text.rfind("\n", 0, min(starts)) + 1
        found.append(Furniture(section, len(text.rstrip()), "comments"))
    note = _PRINT_NOTE.search(text, 0, section)
    if note and _lines_before(text, note.start()) >= AUTHOR_HEAD_LINES:
        section = note.start()
        found.append(Furniture(section, len(text.rstrip()), "foot"))
    for disclaimer in _NOT_RESPONSIBLE.finditer(text, 0, section):
        line_start = text.rfind("\n", 0, disclaimer.start()) + 1
        if _lines_before(text, disclaimer.start()) >= AUTHOR_HEAD_LINES:
            subjects = (p.search(text, line_start, disclaimer.start()) for p in _SUBJECTS)
            subject = next((match for match in subjects if match), None)
            section = subject.start() if subject else line_start
            found.append(Furniture(section, len(text.rstrip()), "foot"))
            break
        line_end = text.find("\n", disclaimer.end())
        found.append(Furniture(line_start, len(text) if line_end < 0 else line_end, "disclaimer"))
    for line in _LINE.finditer(text, 0, section):
        body = line.group(0)
        if COMMENT_MARK.search(body):
            found.append(Furniture(line.start(), line.end(), "comment"))
        elif _PROMPT.match(body):
            found.append(Furniture(line.start(), line.end(), "prompt"))
        elif _CAPITALS_LINE.fullmatch(body) and len(body.split()) >= 2:
            found.append(Furniture(line.start(), line.end(), "header"))
    for credit in _CREDIT.finditer(text):
        found.append(Furniture(credit.start(), _credit_end(text, credit.end()), "credit"))
    for credit in _CAPTION_CREDIT.finditer(text):
        if caption := _caption_before(text, credit.start()):
            found.append(Furniture(*caption, "caption"))
    for dateline in _DATELINE.finditer(text):
        found.append(Furniture(dateline.start(), dateline.end(), "dateline"))
    for head in _LINE_HEAD.finditer(text, 0, section):
        end = head.end()
        if place := _CAPITALS_DATELINE.match(text, end):
            end = place.end()
        found.append(Furniture(head.start(), end, "credit" if head["credit"] else "dateline"))
    for disclaimer in _DISCLAIMER.finditer(text, 0, section):
        found.append(Furniture(disclaimer.start(), disclaimer.end(), "disclaimer"))
    return found


def _lines_before(text: str, at: int) -> int:
    """Lines of ``text`` before ``at`` that hold something (a blank line between paragraphs
    is none)."""
    return sum(1 for line in _LINE.finditer(text, 0, at) if line.group(0).strip())


def _author_end(text: str, at: int) -> tuple[int, bool]:
    """Where a byline whose name ends at ``at`` ends (see ``_AUTHOR``), and whether it carries
    a post's stamp."""
    if stamp := _AUTHOR_STAMP.match(text, at):
        return stamp.end(), True
    if clause := _AUTHOR_CLAUSE.match(text, at):
        return clause.end(), False
    if role := _AUTHOR_ROLE.match(text, at):
        at = role.end()
    for run in range(2):
        outlet = _AUTHOR_OUTLET.match(text, at)
        if outlet is None or (run and not outlet.group(0).startswith(",")):
            break
        if _LOWER_NEXT.match(text, outlet.end()):
            # The run's last word begins the sentence the page ran on.
            return max(at, text.rfind(" ", at, outlet.end())), False
        at = outlet.end()
    return at, False


def _caption_before(text: str, at: int) -> tuple[int, int] | None:
    """The caption a photo credit at ``at`` closes (see ``_CAPTION_CREDIT``): the last
    sentence-like piece (:func:`pieces`) before it, on its own line or the line above. A page's
    first line runs its headline and standfirst into the caption with no full stop between:
    they go with it, as page furniture too."""
    end = len(text[:at].rstrip())
    line_start = text.rfind("\n", 0, end) + 1
    found = list(pieces(text[line_start:end]))
    if not found:
        return None
    start, stop = found[-1]
    return line_start + start, line_start + stop


def _credit_end(text: str, at: int) -> int:
    """Where the name after a credit's label ends (see ``_CREDIT``). A one-word name is
    followed by the sentence the page ran on: a second word that opens sentences ("Photograph:
    Spillcam One month after ...") is that sentence's."""
    ends: list[int] = []
    words: list[str] = []
    while len(ends) < 4 and (word := _NAME_WORD.match(text, at)):
        at = word.end()
        ends.append(len(text[:at].rstrip()))
        words.append(word.group(0).strip())
        if "/" in word.group(0):
            return ends[-1]
    if not ends:
        return at
    if len(words) >= 2 and words[1] in _OPENERS:
        return ends[0]
    return ends[min(len(ends), 2) - 1]


def find_furniture(
    text: str, learned: Container[int] = (), keyed: list[tuple[int, int, int]] | None = None
) -> tuple[Furniture, ...]:
    """Every piece of furniture in ``text``: by form, and each piece whose key is among its
    outlet's ``learned`` keys ("repeated"; ``keyed``: the text's :func:`keyed_pieces`, if
    computed already); sorted, overlaps merged (the first kind kept)."""
    found = furniture_by_form(text)
    if learned:
        for start, end, key in keyed if keyed is not None else keyed_pieces(text):
            if key in learned:
                found.append(Furniture(start, end, "repeated"))
    return _merged(found)


def _merged(spans: list[Furniture]) -> tuple[Furniture, ...]:
    merged: list[Furniture] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start <= merged[-1].end:
            last = merged[-1]
            if span.end > last.end:
                merged[-1] = Furniture(last.start, span.end, last.kind)
        else:
            merged.append(span)
    return tuple(merged)


def blank(text: str, furniture: tuple[Furniture, ...]) -> str:
    """``text`` with every furniture character a space (line breaks kept): the text the stages
    read, of the same length, so every offset into the stored text stays valid."""
    if not furniture:
        return text
    parts: list[str] = []
    at = 0
    for span in furniture:
        parts.append(text[at : span.start])
        parts.append(re.sub(r"[^\n]", " ", text[span.start : span.end]))
        at = span.end
    parts.append(text[at:])
    return "".join(parts)


def news(article: Article, learned: Container[int] = ()) -> Article:
    """``article`` as the stages read it: its furniture (by form, and its outlet's ``learned``
    lines) blanked, every offset unchanged."""
    furniture = find_furniture(article.text, learned)
    return replace(article, text=blank(article.text, furniture)) if furniture else article


def learn(articles: Iterable[Article], *, copies: Container[str] = ()) -> dict[str, set[int]]:
    """Each outlet's furniture lines in a whole batch of ``articles``: the keys of lines it
    prints in :data:`LEARN_AFTER` or more of them. What the store learns one article at a time
    (:func:`storyline.runner.mark_furniture`), for the commands that read a file at once:
    articles in ``copies`` and repeated texts are counted once."""
    counts: defaultdict[str, Counter[int]] = defaultdict(Counter)
    seen: set[str] = set()
    for article in articles:
        if not article.outlet or article.id in copies or article.text in seen:
            continue
        seen.add(article.text)
        counts[article.outlet].update(line_keys(article.text).keys())
    return {
        outlet: {key for key, n in counted.items() if n >= LEARN_AFTER}
        for outlet, counted in counts.items()
    }


def news_batch(articles: Sequence[Article], *, copies: Container[str] = ()) -> list[Article]:
    """Every article of a batch as the stages read it (:func:`learn`, then :func:`news`)."""
    learned = learn(articles, copies=copies)
    return [news(article, learned.get(article.outlet or "", ())) for article in articles]
