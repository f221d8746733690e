"""Time stage: temporal expressions with TimeML extents, types and values.

dateparser and spaCy's DATE entities find dates but neither draws TimeML extents ("on" is not
part of "on Thursday"; "the past two months" is one expression), nor tells a DURATION from a
SET, nor anchors "Thursday" backwards or forwards by the verb's tense. So the tagger is ours:
a grammar of regular expressions (in the spirit of HeidelTime) over the text, the longest
match winning, and a normaliser that resolves each match against the publication date and
the tense around it.

Values follow TimeML/TIMEX3: ``2017-02-16``, ``2017-01``, ``2017-W07``, ``1989-Q3``,
``1998-FA``, ``199`` (a decade), ``P6Y``, ``P1D``, ``PRESENT_REF`` ...
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import pairwise, product

from dateutil.easter import easter

from storyline.analysis.stage import Parsed
from storyline.records import Analysis, TimeExpr, published_date

_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "a hundred": 100,
    "one hundred": 100,
    "several": None,
    "few": None,
    "a few": None,
    "many": None,
    "couple of": 2,
    "a couple of": 2,
}
_MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
_WEEKDAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_UNITS = {
    "second": "S",
    "minute": "M",
    "hour": "H",
    "day": "D",
    "night": "D",
    "week": "W",
    "weekend": "WE",
    "month": "M",
    "quarter": "Q",
    "year": "Y",
    "decade": "DE",
    "century": "CE",
}
_SEASONS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
_PARTS = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}

_NUM = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[- ]"
    r"(?:one|two|three|four|five|six|seven|eight|nine)"
    r"|(?:a|one) hundred"
    r"|\d+(?:\.\d+)?|a couple of|couple of|a few|an?|one|two|three|four|five|six|seven"
    r"|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen"
    r"|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|several|few"
    r"|many)"
)
_UNIT = r"(?:second|minute|hour|day|night|week|weekend|month|quarter|year|decade|century)"
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?"
    r"|Dec\.?)"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
#: The month and weekday names as regular-expression pieces, for other stages that recognise
#: dates in text (the digest's page stamps and captions).
MONTH_PATTERN = _MONTH
WEEKDAY_PATTERN = _WEEKDAY
_APPROX_WORD = (
    r"(?:almost|nearly|about|around|roughly|some|over|more than|less than|at least|up to|just)"
)
_APPROX = rf"(?:{_APPROX_WORD} )?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_FUTURE = re.compile(
    r"\b(?:will|'ll|shall|going to|plans? to|planned|scheduled|due to|set to|upcoming"
    # "said the talks would open on Friday": reported speech about what is to come (not
    # "would have", a past that did not happen, nor "would-be").
    r"|would(?! have|-)"
    # "we expect them to arrive on Wednesday", "hopes to sign on Friday": an intention.
    r"|(?:expects?|expecting|hopes?|hoping|intends?|aims?)(?:\W+\w+){0,2}\W+to)\b",
    re.I,
)
#: Cues right before an expression (a word may come between) that settle its direction.
_JUST_AHEAD = re.compile(
    r"\b(?:as (?:soon|early) as|effective|expected to|is to|are to)\W*(?:\w+\W+)?$", re.I
)
_JUST_PAST = re.compile(
    r"\b(?:previously|was|were|had|had been|said|announced|since)\b\W*(?:\w+\W+){0,2}$", re.I
)
#: "postponed the talks by one day, to Friday": the day something was moved to lies ahead.
_MOVED_TO = re.compile(
    r"\b(?:postpone|delay|move|put off|push(?:ed)? back|reschedule)\w*\b[^.;]*"
    r"\b(?:to|until|till)\W*$",
    re.I,
)


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    make: Callable[[re.Match[str], date, bool], tuple[str, str] | None]


def _rule(
    pattern: str,
    make: Callable[[re.Match[str], date, bool], tuple[str, str] | None],
    flags: int = re.I,
) -> _Rule:
    # The group keeps the word boundaries on every alternative of the pattern, not only on the
    # first and the last ("Easter" must not match inside "Eastern").
    return _Rule(re.compile(r"(?<![\w$])(?:" + pattern + r")(?![\w%])", flags), make)


# -- value helpers ----------------------------------------------------------------------------


def _number(text: str) -> int | None:
    text = text.lower().strip()
    if text in _NUMBERS:
        return _NUMBERS[text]
    tens, _, unit = text.replace("-", " ").partition(" ")
    if unit and _NUMBERS.get(tens) and _NUMBERS.get(unit):  # "twenty four", "thirty-six"
        return (_NUMBERS[tens] or 0) + (_NUMBERS[unit] or 0)
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else None


def _unit(word: str) -> str:
    """A unit word in the singular, as _UNITS and _shift know it: "Years" → year,
    "centuries" → century."""
    word = word.lower()
    return "century" if word == "centuries" else word.rstrip("s")


def _duration(amount: int | None, unit: str) -> str:
    unit = _unit(unit)
    code = _UNITS[unit]
    count = "X" if amount is None else str(amount)
    if code in ("H", "M", "S") and unit in ("hour", "minute", "second"):
        return f"PT{count}{code}"
    if code == "WE":
        return f"P{count}WE"
    if code == "DE":
        return f"P{'X' if amount is None else amount * 10}Y"
    if code == "CE":
        return f"P{'X' if amount is None else amount * 100}Y"
    return f"P{count}{code}"


#: How far ahead of the publication date a month or day named without a year, in a sentence
#: with no forward cue, is still taken as this year's ("May" in a March article). Chosen on
#: the TBAQ development documents among 1, 3 and 6 months (bench/RESULTS.md).
_AHEAD_MONTHS = 3
_AHEAD_DAYS = 92


def _week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _quarter(day: date) -> int:
    return (day.month - 1) // 3 + 1


def _reported_quarter(dct: date) -> tuple[int, int]:
    """(year, quarter) of the quarter just ended: the one earnings reports speak of."""
    quarter = _quarter(dct)
    return (dct.year, quarter - 1) if quarter > 1 else (dct.year - 1, 4)


def _ordinal(text: str) -> int | None:
    """The quarter an expression names ("the second quarter" → 2), if any."""
    return next((n for word, n in _ORDINALS.items() if word in text), None)


def _shift(dct: date, unit: str, steps: int) -> str | None:
    unit = unit.lower()
    if unit == "year":
        return f"{dct.year + steps:04d}"
    if unit == "month":
        month = dct.month - 1 + steps
        return f"{dct.year + month // 12:04d}-{month % 12 + 1:02d}"
    if unit in ("week", "weekend"):
        value = _week(dct + timedelta(weeks=steps))
        return value + ("-WE" if unit == "weekend" else "")
    if unit == "quarter":
        index = dct.year * 4 + _quarter(dct) - 1 + steps
        return f"{index // 4:04d}-Q{index % 4 + 1}"
    if unit == "day":
        return (dct + timedelta(days=steps)).isoformat()
    if unit == "decade":
        return f"{(dct.year // 10 + steps):03d}"
    if unit == "century":
        return f"{(dct.year // 100 + steps):02d}"
    if unit in _SEASONS:
        return _season(dct, unit, steps)
    return None


def _season(dct: date, name: str, steps: int) -> str:
    code = _SEASONS[name]
    starts = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}
    year = dct.year
    if steps < 0 and dct.month < starts[code] + 3 - (12 if code == "WI" else 0):
        year -= 1  # "last fall" in February is the fall of the year before
    elif steps > 0 and dct.month >= starts[code]:
        year += 1
    return f"{year:04d}-{code}"


def _weekday(dct: date, name: str, future: bool) -> str:
    target = _WEEKDAYS[name.lower()]
    delta = target - dct.weekday()
    # Looking ahead: the next such day, today included ("talks will resume on Tuesday" in a
    # Tuesday paper is today: a week ahead would be "next Tuesday"); otherwise the last one,
    # today included.
    if future and delta < 0:
        delta += 7
    elif not future and delta > 0:
        delta -= 7
    return (dct + timedelta(days=delta)).isoformat()


def _month_year(dct: date, month: int, future: bool) -> int:
    # A month without a year: the coming one when the sentence looks ahead; otherwise this
    # year's, unless it lies further ahead than a reporter would name without "next".
    if future and month < dct.month:
        return dct.year + 1
    if not future and month > dct.month + _AHEAD_MONTHS:
        return dct.year - 1
    return dct.year


def _day_year(dct: date, month: int, day: int, future: bool) -> int:
    try:
        candidate = date(dct.year, month, day)
    except ValueError:
        return dct.year
    if future and candidate < dct - timedelta(days=7):
        return dct.year + 1
    if not future and candidate > dct + timedelta(days=_AHEAD_DAYS):
        return dct.year - 1
    return dct.year


def _month_number(text: str) -> int:
    return _MONTHS[text.lower().rstrip(".")]


# -- rules --------------------------------------------------------------------------------------


def _r_duration(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    amount = _number(m["num"])
    unit = _unit(m["unit"])
    if (
        unit == "second"
        and m["num"].lower() in ("a", "an", "one")
        and re.match(r" [a-z]", m.string[m.end() : m.end() + 2])
    ):
        return None  # "a second meeting": the ordinal, not a second of time
    if m["rel"] and m["rel"].lower() in ("ago", "earlier", "before") and m["num"]:
        steps = -(amount or 1)
        if (
            unit == "year"
            and amount == 1
            and "quarter" in m.string[max(0, m.start() - 200) : m.end() + 100].lower()
        ):
            # Earnings reports: "a year ago" is the same quarter of the year before.
            return _r_year_ago(m, dct, future)
        shifted = _shift(dct, unit, steps) if amount else None
        return "DATE", shifted or "PAST_REF"
    if m["rel"] and m["rel"].lower() in ("from now", "hence"):
        return "DATE", _shift(dct, unit, amount or 1) or "FUTURE_REF"
    groups = m.groupdict()
    if (groups.get("half") or groups.get("half2")) and amount is not None:
        return "DURATION", _and_a_half(amount, unit)
    return "DURATION", _duration(amount, unit)


#: "and a half" of a unit, in the next smaller unit TimeML writes it with.
_HALVES = {"year": "6M", "month": "15D", "day": "T12H", "hour": "30M", "minute": "30S"}


def _and_a_half(amount: int, unit: str) -> str:
    """A whole amount and a half: "2 1/2 years" → P2Y6M, "a minute and a half" → PT1M30S."""
    whole = _duration(amount, unit)
    return whole + _HALVES.get(_unit(unit), "")


def _r_relative(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    which = m["which"].lower()
    unit = m["unit"].lower()
    steps = {
        "last": -1,
        "past": -1,
        "previous": -1,
        "this": 0,
        "current": 0,
        "next": 1,
        "coming": 1,
        "following": 1,
    }[which]
    value = _shift(dct, unit, steps)
    return ("DATE", value) if value else None


def _r_weekday(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    which = (m["which"] or "").lower()
    if which == "next":
        future = True
    elif which == "last":
        future = False
    value = _weekday(dct, m["day"], future)
    if which == "last" and value == dct.isoformat():
        # "last Wednesday" written on a Wednesday is a week ago, not today.
        value = (dct - timedelta(days=7)).isoformat()
    elif which == "next" and value == dct.isoformat():
        value = (dct + timedelta(days=7)).isoformat()
    part = (m["part"] or "").lower()
    if part:
        return "TIME", f"{value}T{_PARTS[part]}"
    return "DATE", value


def _r_deictic(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    word = m[0].lower()
    offsets = {"today": 0, "yesterday": -1, "tomorrow": 1}
    if word in offsets:
        return "DATE", (dct + timedelta(days=offsets[word])).isoformat()
    if word == "tonight":
        return "TIME", f"{dct.isoformat()}TNI"
    return None


def _r_part_of_day(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    which = m["which"].lower()
    day = dct - timedelta(days=1) if which in ("last", "yesterday") else dct
    return "TIME", f"{day.isoformat()}T{_PARTS[m['part'].lower()]}"


def _r_vague(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    word = " ".join(m[0].lower().split())
    if word in ("now", "currently", "current", "at present", "nowadays", "presently", "today's"):
        return "DATE", "PRESENT_REF"
    if word in (
        "recently",
        "recent",
        "lately",
        "the past",
        "previously",
        "formerly",
        "recent years",
        "recent months",
        "recent weeks",
        "recent days",
        "in the past",
        "the time",
    ):
        return "DATE", "PAST_REF"
    return "DATE", "FUTURE_REF"


#: Holidays on a fixed day (month, day); the others move: Easter, Thanksgiving and the rest.
_FIXED_HOLIDAYS = {
    "christmas": (12, 25),
    "christmas eve": (12, 24),
    "new year's": (1, 1),
    "new year's day": (1, 1),
    "new year's eve": (12, 31),
    "halloween": (10, 31),
    "independence day": (7, 4),
    "valentine's day": (2, 14),
}


def _holiday(name: str, year: int) -> date:
    """The day a holiday falls on in ``year`` (the US ones US news names)."""
    if name in _FIXED_HOLIDAYS:
        return date(year, *_FIXED_HOLIDAYS[name])
    if name.startswith("easter"):
        return easter(year)
    # Nth (or last) weekday of a month: Thanksgiving, Memorial Day, Labor Day.
    month, weekday, nth = {"thanksgiving": (11, 3, 4), "memorial": (5, 0, -1)}.get(
        name.removesuffix(" day"), (9, 0, 1)
    )
    if nth < 0:
        last = date(year, month + 1, 1) - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def _r_holiday(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    name = (m["dayname"] + " Day" if m["dayname"] else m["name"] + (m["suffix"] or "")).lower()
    this_year = _holiday(name, dct.year)
    which = (m["which"] or "").lower()
    if which == "last":
        year = dct.year if this_year < dct else dct.year - 1
    elif which == "next":
        year = dct.year if this_year > dct else dct.year + 1
    else:
        year = _day_year(dct, this_year.month, this_year.day, future)
    return "DATE", _holiday(name, year).isoformat()


def _r_month_day(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    month = _month_number(m["month"])
    day = int(m["day"])
    if not 1 <= day <= 31:
        return None
    year = int(m["year"]) if m["year"] else _day_year(dct, month, day, future)
    try:
        return "DATE", date(year, month, day).isoformat()
    except ValueError:  # "Feb. 30": no such day
        return None


def _r_day_month(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    return _r_month_day(m, dct, future)


def _r_month(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    month = _month_number(m["month"])
    year = int(m["year"]) if m["year"] else _month_year(dct, month, future)
    if (m["which"] or "").lower() == "last":
        year = dct.year if month < dct.month else dct.year - 1
    elif (m["which"] or "").lower() == "next":
        year = dct.year if month > dct.month else dct.year + 1
    return "DATE", f"{year:04d}-{month:02d}"


def _r_year(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    return "DATE", m["year"]


def _r_decade(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    digits = m["decade"]
    if len(digits) == 2:  # "the '90s"
        century = 19 if int(digits) > dct.year % 100 else 20
        return "DATE", f"{century}{digits[0]}"
    return "DATE", digits[:3]


def _r_century(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    """The hundred years "the 20th century" names, which TimeML writes 19."""
    return "DATE", f"{int(m['nth'] or m['nth2']) - 1:02d}"


def _r_quarter(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    text = m[0].lower()
    ordinal = _ordinal(text)
    if ordinal is None:
        year, quarter = _reported_quarter(dct)
    else:
        quarter = ordinal
        year = (
            int(m["year"])
            if m["year"]
            else (dct.year if ordinal <= _quarter(dct) or future else dct.year - 1)
        )
    if "ago" in text or "earlier" in text:
        year -= 1
    return "DATE", f"{year:04d}-Q{quarter}"


def _r_year_quarter(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    """A quarter of a named year: "last year's quarter" is the year-ago twin of the quarter
    just reported; "next year's first quarter" names both."""
    text = m[0].lower()
    offset = {"last": -1, "this": 0, "next": 1}[m["which"].lower()]
    ordinal = _ordinal(text)
    if ordinal is not None:
        return "DATE", f"{dct.year + offset:04d}-Q{ordinal}"
    year, quarter = _reported_quarter(dct)
    return "DATE", f"{year + offset:04d}-Q{quarter}"


def _r_half(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    half = 1 if m["which"].lower() == "first" else 2
    year = (
        int(m["year"]) if m["year"] else (dct.year if half == 1 or dct.month > 6 else dct.year - 1)
    )
    return "DATE", f"{year:04d}-H{half}"


def _r_earlier_this(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    which = m["which"].lower()
    unit = m["unit"].lower()
    steps = {"this": 0, "next": 1, "last": -1}[which]
    return "DATE", _shift(dct, unit, steps) or ""


def _r_season(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    season = m["season"].lower()
    if m["year"]:
        return "DATE", f"{m['year']}-{_SEASONS[season]}"
    which = (m["which"] or "this").lower()
    steps = {"last": -1, "past": -1, "this": 0, "next": 1, "coming": 1}[which]
    if steps == 0:
        return "DATE", f"{dct.year:04d}-{_SEASONS[season]}"
    return "DATE", _season(dct, season, steps)


def _r_set(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    word = m[0].lower()
    simple = {
        "daily": "P1D",
        "weekly": "P1W",
        "monthly": "P1M",
        "annually": "P1Y",
        "yearly": "P1Y",
        "hourly": "PT1H",
        "quarterly": "P3M",
        "nightly": "P1D",
    }
    if word in simple:
        return "SET", simple[word]
    # "on Mondays" names every Monday.
    unit = (m["unit"] or m["unit2"] or (m["days"] or "").removesuffix("s")).lower()
    if m["num"]:  # "every two years"
        return "SET", _duration(_number(m["num"]), unit)
    if unit in _WEEKDAYS:
        return "SET", f"XXXX-WXX-{_WEEKDAYS[unit] + 1}"
    if unit in _SEASONS:
        return "SET", f"XXXX-{_SEASONS[unit]}"
    if unit in _MONTHS:
        return "SET", f"XXXX-{_MONTHS[unit]:02d}"
    if unit in _UNITS:
        return "SET", _duration(1, unit)
    return None


def _r_clock(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    hour = int(m["hour"])
    minute = int(m["minute"] or 0)
    meridian = (m["meridian"] or "").lower().replace(".", "")
    if meridian == "pm" and hour < 12:
        hour += 12
    if meridian == "am" and hour == 12:
        hour = 0
    if hour > 24 or minute > 59:
        return None
    day = dct
    if m["day"]:
        day = date.fromisoformat(_weekday(dct, m["day"], future))
    elif m["month"]:
        month, dom = _month_number(m["month"]), int(m["dom"])
        year = int(m["year"]) if m["year"] else _day_year(dct, month, dom, future)
        try:
            day = date(year, month, dom)
        except ValueError:
            return None
    return "TIME", f"{day.isoformat()}T{hour:02d}:{minute:02d}"


def _r_noon(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    day = dct
    if m["day"]:
        day = date.fromisoformat(_weekday(dct, m["day"], future))
    clock = "24" if m["word"].lower() == "midnight" else "12:00"
    return "TIME", f"{day.isoformat()}T{clock}"


#: The value an anaphoric rule gives until find_times resolves it: unit and step.
_ANAPHOR = "ANAPHOR:"
#: A calendar value an anaphor can count from: a year, a month or a day.
_REFERENCE = re.compile(r"\d{4}(?:-\d\d){0,2}")


def _r_anaphoric(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    unit = (m["unit"] or m["unit2"] or m["unit3"]).lower()
    which = (m["which2"] or m["which3"] or "").lower()
    steps = {"next": 1, "following": 1, "after": 1, "previous": -1, "preceding": -1}.get(
        which, -1 if which == "before" else 0
    )
    return ("TIME" if unit in _PARTS else "DATE"), f"{_ANAPHOR}{unit}:{steps}"


def _resolve_anaphor(value: str, reference: str, dct: date) -> str | None:
    """The value of an anaphoric expression (``_r_anaphoric``) from the last calendar value
    the text named (``reference``, "" for none); the publication date when that is too coarse
    for the unit."""
    unit, steps_text = value.removeprefix(_ANAPHOR).split(":")
    steps = int(steps_text)
    parts = reference.split("-") if _REFERENCE.fullmatch(reference) else []
    if unit == "year":
        year = int(parts[0]) if parts else dct.year
        return f"{year + steps:04d}"
    if unit == "month":
        anchor = date(int(parts[0]), int(parts[1]), 1) if len(parts) >= 2 else dct
        return _shift(anchor, "month", steps)
    anchor = date(int(parts[0]), int(parts[1]), int(parts[2])) if len(parts) == 3 else dct
    if unit == "week":
        return _shift(anchor, "week", steps)
    day = (anchor + timedelta(days=steps)).isoformat()
    return f"{day}T{_PARTS[unit]}" if unit in _PARTS else day


def _r_year_span(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    return "DURATION", "P1Y"


def _r_the_unit(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    unit = m["unit"].lower()
    if unit == "weekend":
        monday = dct - timedelta(days=dct.weekday())
        saturday = monday + timedelta(days=5) if future else monday - timedelta(days=2)
        return "DATE", _week(saturday) + "-WE"
    return "DATE", _shift(dct, unit, 0) or ""


def _r_edge_of(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    """The stretch that "the end of the year" or "the start of next month" is the edge of."""
    steps = {"next": 1, "last": -1}.get(m["which"].lower(), 0)
    return "DATE", _shift(dct, m["unit"], steps) or ""


def _r_named_year_quarter(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    """A quarter of a year given by number: "the 1988 second quarter"; "the 1988 quarter" is
    the twin of the quarter just reported."""
    ordinal = _ordinal(m[0].lower())
    return "DATE", f"{m['year']}-Q{ordinal or _reported_quarter(dct)[1]}"


def _r_fiscal_year(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    return "DATE", f"{dct.year:04d}"


def _r_year_ago(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    year, quarter = _reported_quarter(dct)
    return "DATE", f"{year - 1:04d}-Q{quarter}"


def _r_plural(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    return "DURATION", _duration(None, m["unit"])


#: Number words for spelled-out years ("nineteen ninety-six"); _NUMBERS plus the tens.
_TENS: dict[str, int] = {
    word: value
    for word, value in {**_NUMBERS, "seventy": 70, "eighty": 80, "ninety": 90}.items()
    if value is not None and value >= 10
}


_SPELLED_YEAR = (
    r"(?:nineteen|twenty) (?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen"
    r"|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
    r"(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
)
_SPELLED_2000 = r"two thousand(?: (?:and )?(?:one|two|three|four|five|six|seven|eight|nine|ten))?"


def _spelled_year(spelled: str) -> int:
    """The year a spoken year names: "nineteen ninety-six" 1996, "two thousand one" 2001."""
    words = spelled.lower().replace("-", " ").replace(" and ", " ").split()
    if words[:2] == ["two", "thousand"]:
        return 2000 + sum(_NUMBERS[w] or 0 for w in words[2:])
    century = 19 if words[0] == "nineteen" else 20
    return century * 100 + _TENS[words[1]] + (_NUMBERS[words[2]] or 0 if len(words) > 2 else 0)


def _r_spelled_year(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    return "DATE", str(_spelled_year(m["spelled"]))


#: Days of the month as broadcast transcripts write them ("March eighth", "the twenty-first").
_DAY_WORDS = {
    word: n
    for n, word in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth"
        " thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth"
        " twentieth".split(),
        start=1,
    )
}
_DAY_WORDS |= {f"twenty-{w}": 20 + n for w, n in list(_DAY_WORDS.items())[:9]}
_DAY_WORDS |= {"thirtieth": 30, "thirty-first": 31}
_DAY_WORD = "|".join(sorted(_DAY_WORDS, key=len, reverse=True)).replace("-", "[- ]")


def _r_spoken_date(m: re.Match[str], dct: date, future: bool) -> tuple[str, str] | None:
    """A date in words: "March eighth", "the eighth of March", "January nineteen ninety-seven"."""
    month = _month_number(m["month"] or m["month2"] or m["month3"])
    year = _spelled_year(m["spelled"]) if m["spelled"] else None
    dayword = m["dayword"] or m["dayword2"] or m["dayword3"]
    if not dayword:
        return "DATE", f"{year or _month_year(dct, month, future):04d}-{month:02d}"
    day = _DAY_WORDS[dayword.lower().replace(" ", "-")]
    try:
        return "DATE", date(year or _day_year(dct, month, day, future), month, day).isoformat()
    except ValueError:
        return None


_RULES: tuple[_Rule, ...] = (
    # "ago" and "earlier" belong to the expression; "later" and "before" TimeBank leaves out
    # ("Three days later" is the duration "Three days").
    _rule(
        rf"(?:(?P<which>the past|the last|the next|the first|the coming|the previous|the "
        rf"following|the latest|the final|the remaining|the|past|last(?! {_APPROX_WORD} )|next"
        rf"|first|coming|previous) )?{_APPROX}(?P<num>{_NUM})(?P<half> 1/2| and a half)? "
        rf"(?:(?:trading|business|working) (?=days?\b))?(?P<unit>{_UNIT}s?|centuries)"
        rf"(?P<half2> and a half)?(?: (?P<rel>ago|earlier|from now|hence))?",
        _r_duration,
    ),
    # "a two-year contract" (no article: TimeML leaves it out); ages ("a 6-year-old") and the
    # terms of bonds and notes ("30-year bonds") are not times of the story.
    _rule(
        rf"(?P<which>)(?P<num>{_NUM})-(?P<unit>{_UNIT})(?P<rel>)(?!-old)"
        r"(?! (?:bonds?|notes?|issues?|securities|treasur|mortgages?|loans?|debt|maturit"
        r"|paper|bills?|yield))",
        _r_duration,
    ),
    # The article is part of the expression: "the past year", "the last decade".
    _rule(
        r"(?:the (?=(?:last|next|past|coming) ))?"
        r"(?P<which>last|this|next|past|coming|previous|current|following) "
        r"(?P<unit>year|month|week|weekend|quarter|decade|century)",
        _r_relative,
    ),
    _rule(
        r"(?P<pre>(?:earlier|later|early|late|mid)[- ](?:in )?)?(?P<which>this|next|last) "
        r"(?P<unit>year|month|week)",
        _r_earlier_this,
    ),
    # "the year ended March 31" is a company's fiscal year: a stretch of time, not 1989.
    _rule(r"the year(?= end(?:ed|ing)\b)", _r_year_span),
    _rule(r"the (?P<unit>year|week|weekend)", _r_the_unit),
    _rule(r"(?P<which>year-earlier|year-ago)(?: (?:quarter|period))?", _r_year_ago),
    _rule(r"the (?:comparable )?(?:year-earlier|year-ago) (?:quarter|period)", _r_year_ago),
    _rule(
        rf"the (?P<year>{_YEAR}) (?:(?:first|second|third|fourth) )?(?:quarter|period)",
        _r_named_year_quarter,
    ),
    _rule(r"the (?:current |present )?fiscal year", _r_fiscal_year),
    _rule(
        r"(?:(?<=for )|(?<=over )|(?<=within )|(?<= in )|(?<=after )|(?<=take )|(?<=takes )"
        r"|(?<=took )|(?<=taken )|(?<=lasted )|(?<=be ))"
        r"(?:(?:several|many|the past|the last|the coming|the next) )?"
        r"(?P<unit>(?:second|minute|hour|day|week|month|year|decade)s|centuries)",
        _r_plural,
    ),
    _rule(
        r"(?<=in |on |of |by )(?P<month>May)(?:,? (?P<year>(?:1[89]|20)\d\d))?(?P<which>)",
        _r_month,
        0,
    ),
    _rule(
        r"(?:the )?(?:end|beginning|start|middle) of (?:the )?(?P<year>(?:1[89]|20)\d\d)", _r_year
    ),
    # TimeML draws "the end of" into the expression, whatever stretch it is the end of.
    _rule(
        r"the (?:end|beginning|start|middle) of (?P<which>the|this|next|last) "
        r"(?P<unit>year|month|week|quarter|decade|century)",
        _r_edge_of,
    ),
    _rule(rf"(?P<spelled>{_SPELLED_YEAR})", _r_spelled_year),
    # "two thousand" is a year only where nothing else could be meant.
    _rule(rf"the year (?P<spelled>{_SPELLED_2000})", _r_spelled_year),
    _rule(
        rf"(?:{_WEEKDAY},? )?(?P<month>{_MONTH})(?: (?:the )?(?P<dayword>{_DAY_WORD}))?"
        rf",? (?P<spelled>{_SPELLED_YEAR})"
        rf"|(?:{_WEEKDAY},? )?(?P<month2>{_MONTH}) (?:the )?(?P<dayword2>{_DAY_WORD})(?!-)"
        rf"|(?:{_WEEKDAY},? )?[Tt]he (?P<dayword3>{_DAY_WORD}) of (?P<month3>{_MONTH})",
        _r_spoken_date,
        0,
    ),
    _rule(
        rf"(?:(?P<which>last|next|this|early|late) )?(?P<day>{_WEEKDAY})"
        r"(?: (?P<part>morning|afternoon|evening|night))?",
        _r_weekday,
        0,
    ),
    _rule(r"today|yesterday|tomorrow|tonight", _r_deictic),
    # Anaphora: "that year", "the next day", "the day before" count from the last date the
    # text named, not from the publication date (resolved in find_times).
    _rule(
        r"(?:(?:earlier|later) )?that (?P<unit>day|night|morning|afternoon|evening|week|month"
        r"|year)(?P<which>)"
        r"|the (?P<which2>next|following|previous|preceding) (?P<unit2>day|night|morning|week"
        r"|month|year)"
        # "before" and "after" stay out of the expression, as after a duration.
        r"|the (?P<unit3>day|night)(?= (?P<which3>before|after)\b)",
        _r_anaphoric,
    ),
    _rule(r"the (?:near|short|long) term|the near future", _r_vague),
    _rule(r"(?<=at )the time", _r_vague),
    _rule(
        r"(?P<which>this|last|yesterday|tomorrow) (?P<part>morning|afternoon|evening|night)",
        _r_part_of_day,
    ),
    # TimeBank marks these when they refer to a time; bare "future", "soon", "recent" and
    # "previously" it mostly leaves alone, so they are left out.
    _rule(
        r"now|currently|current|at present|nowadays|presently|recently|recent years"
        r"|recent months|recent weeks|recent days|lately|the past|the future"
        r"|the coming years",
        _r_vague,
    ),
    _rule(
        r"(?:(?P<which>[Ll]ast|[Nn]ext|[Tt]his) )?"
        r"(?:(?P<name>Thanksgiving|Christmas|New Year's|Easter|Halloween)(?P<suffix> Day| Eve)?"
        r"|(?P<dayname>Independence|Memorial|Labor|Valentine's) Day)",
        _r_holiday,
        0,
    ),
    _rule(
        rf"(?:{_WEEKDAY},? )?(?:(?:early|mid|late)[- ])?(?P<month>{_MONTH}) (?P<day>\d{{1,2}})"
        rf"(?:st|nd|rd|th)?"
        rf"(?:,? (?P<year>{_YEAR}))?",
        _r_month_day,
        0,
    ),
    _rule(
        rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<month>{_MONTH})"
        rf"(?:,? (?P<year>{_YEAR}))?",
        _r_day_month,
        0,
    ),
    _rule(
        rf"(?:(?P<which>last|next|this|early|late|mid|mid-|the end of|the beginning of) ?)?"
        rf"(?P<month>January|February|March|April|June|July|August|September|October|"
        rf"November|December|Jan\.|Feb\.|Aug\.|Sept\.|Oct\.|Nov\.|Dec\.)(?:,? (?P<year>{_YEAR}))?",
        _r_month,
        0,
    ),
    _rule(
        rf"(?:(?P<which>last|next|this|early|late|mid) )?(?P<month>May) (?P<year>{_YEAR})",
        _r_month,
        0,
    ),
    _rule(rf"(?:(?:fiscal|calendar|early|late|mid|mid-) ?)?(?P<year>{_YEAR})", _r_year),
    _rule(r"(?:the )?(?:early |late |mid-)?(?P<decade>(?:1[89]|20)\d0|'\d0)s", _r_decade),
    # "the 20th century"; the adjective "19th-century" leaves its article to the noun.
    _rule(
        r"(?:the )?(?:early |late |mid-)?(?P<nth>1\d|2\d)(?:st|nd|rd|th) century"
        r"|(?P<nth2>1\d|2\d)(?:st|nd|rd|th)-century",
        _r_century,
    ),
    # "in the autumn": the season of the year written in ("the spring" and "the fall" are as
    # often water and a collapse).
    _rule(
        r"(?:(?<=in )|(?<=by )|(?<=during )|(?<=over )|(?<=until )|(?<=through ))"
        r"the (?P<which>)(?P<season>summer|autumn|winter)(?P<year>)",
        _r_season,
    ),
    _rule(
        rf"(?:the )?(?:(?:latest|last|current|year-ago|year-earlier|fiscal) )?"
        rf"(?:(?:first|second|third|fourth) )?quarter(?: of (?P<year>{_YEAR}))?"
        r"(?: a year (?:ago|earlier))?",
        _r_quarter,
    ),
    _rule(r"(?:first|second|third|fourth)-quarter(?P<year>)", _r_quarter),
    _rule(
        r"(?P<which>this|last|next) year's (?:(?:first|second|third|fourth) )?quarter",
        _r_year_quarter,
    ),
    _rule(rf"(?:the )?(?P<which>first|second) half(?: of (?P<year>{_YEAR}))?", _r_half),
    # A bare "fall" or "spring" is more often a verb or a water source than a season.
    _rule(
        rf"(?P<which>last|this|next|past|coming) (?P<season>spring|summer|fall|autumn|winter)"
        rf"(?: (?:of )?(?P<year>{_YEAR}))?",
        _r_season,
    ),
    _rule(
        rf"(?:the )?(?P<which>)(?P<season>spring|summer|fall|autumn|winter),? (?:of )?"
        rf"(?P<year>{_YEAR})",
        _r_season,
    ),
    # Sets: "every spring", "each July", "every two years", and a weekday in the plural
    # ("on Mondays") is every such day.
    _rule(
        r"daily|weekly|monthly|annually|yearly|hourly|nightly"
        r"|(?:every|each|per) (?P<unit>day|week|month|year|quarter|hour|Monday|Tuesday"
        r"|Wednesday|Thursday|Friday|Saturday|Sunday|spring|summer|fall|autumn|winter"
        r"|January|February|March|April|May|June|July|August|September|October|November"
        r"|December)"
        rf"|every (?P<num>{_NUM}) (?P<unit2>{_UNIT})s"
        r"|(?<=on )(?P<days>Mondays|Tuesdays|Wednesdays|Thursdays|Fridays|Saturdays|Sundays)",
        _r_set,
    ),
    _rule(
        # "5 p.m. EST Nov. 9" is one time: the clock, its zone and its day.
        rf"(?:(?:around|about) )?(?P<hour>\d{{1,2}})(?::(?P<minute>\d\d))? ?"
        rf"(?P<meridian>a\.m\.|p\.m\.|am|pm)(?: (?:[ECMP][SD]T|GMT|UTC|ET|PT))?"
        rf"(?:,? (?:on )?(?:(?P<day>{_WEEKDAY})|(?P<month>{_MONTH}) (?P<dom>\d{{1,2}})"
        rf"(?:,? (?P<year>{_YEAR}))?))?",
        _r_clock,
    ),
    _rule(rf"(?P<word>noon|midnight|midday)(?: (?P<day>{_WEEKDAY}))?", _r_noon),
)

#: Words that a duration rule may catch but that are not time expressions on their own.
_NOT_TIMES = re.compile(r"^(?:the )?(?:first|second|last|next|past)$", re.I)


def _future(text: str, start: int, end: int) -> bool:
    """Does the sentence around the expression look forward (``will meet on Thursday``)?"""
    sentence_start = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start)) + 1
    stop = [i for i in (text.find(". ", end), text.find("\n", end)) if i >= 0]
    sentence_end = min(stop) if stop else len(text)
    before = text[sentence_start:start]
    # The words right before the expression speak for it first: "effective Feb. 1" and "as
    # early as Tuesday" look ahead, "was announced Wednesday" looks back, whatever else the
    # sentence says ("... announced Wednesday, they have said they will appeal").
    if _JUST_AHEAD.search(before[-30:]):
        return True
    if _JUST_PAST.search(before[-25:]):
        return False
    window = before[-80:] + " " + text[end:sentence_end][:10]
    return bool(_FUTURE.search(window) or _MOVED_TO.search(before))


#: "52 years old"; "$2 million a year", "four flights a week": an age and a rate, which
#: TimeML does not annotate as times.
_AGE_AFTER = re.compile(r"\s+old\b")
_RATE_UNIT = re.compile(r"an? (?:year|month|week|day|night)$", re.I)
_RATE_BEFORE = re.compile(
    r"(?:\d[\d,.]*|\b(?:one|two|three|four|five|six|seven|eight|nine|ten))"
    r"(?:\s+(?:million|billion|thousand|[a-z]+s))?\s+$"
)
#: A sentence that opens with "Now," uses it as a discourse marker ("Now, he says, ...").
_OPENING = re.compile(r"(?:^|[.!?\n][\"'`\u201d\u2019]*\s*)$")


#: "1930 people", "2000 troops": a number that counts, not a year (a year modifying such a noun
#: comes with a determiner: "the 2010 deaths").
_COUNTED = re.compile(
    r"\s+(?:people|persons|men|women|children|adults|soldiers|troops|civilians|residents"
    r"|families|homes|houses|buildings|workers|employees|jobs|refugees|migrants|prisoners"
    r"|passengers|students|protesters|demonstrators|casualties|victims|deaths|dead|cases"
    r"|patients|voters|votes|members|tonnes|tons|barrels|acres|hectares|miles|kilometres"
    r"|kilometers|metres|meters|feet|dollars|euros|pounds)\b"
)
_DETERMINED = re.compile(r"\b(?:the|a|its|their|his|her|our|this|that|in|of|since)\s+$", re.I)
#: "on a day when markets fell": a day picked out by what happened on it, not a length of time.
_WHICH_DAY = re.compile(r"\s+(?:when|that|on which|in which)\b", re.I)


def _not_a_time(text: str, start: int, end: int, kind: str) -> bool:
    """Matches of a rule that are not time expressions: ages, rates, a discourse "Now,",
    counts that look like years, a day named by what happened on it."""
    if kind == "DATE":
        if text[start:end].isdigit() and _COUNTED.match(text, end):
            return not _DETERMINED.search(text[max(0, start - 12) : start])
        return (
            text[start:end].lower() == "now"
            and text.startswith(",", end)
            and bool(_OPENING.search(text[max(0, start - 5) : start]))
        )
    if kind != "DURATION":
        return False
    if _AGE_AFTER.match(text, end):
        return True
    if _WHICH_DAY.match(text, end) and text[max(0, start - 3) : start].lower() == "on ":
        return True
    return bool(
        _RATE_UNIT.match(text[start:end]) and _RATE_BEFORE.search(text[max(0, start - 30) : start])
    )


_NAMED_DATE = re.compile(
    rf"\b(?:(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}})(?!\d)|(?P<year>{_YEAR})\b)"
)


def calendar_names(text: str) -> set[str]:
    """The years (``2009``) and days of a month (``12-11`` for "Dec. 11") that ``text`` names
    outright: what it says of when, without a publication date to anchor anything to."""
    names = set()
    for m in _NAMED_DATE.finditer(text):
        if m["year"]:
            names.add(m["year"])
        elif 1 <= int(m["day"]) <= 31:
            names.add(f"{_month_number(m['month']):02d}-{int(m['day']):02d}")
    return names


#: White space this long holds no time expression: the rules read past it, not through it.
#: Furniture is blanked for the stages (offsets kept), and a page's reader comments, blanked,
#: can be most of its characters: each of some forty rules read every one of them, 11 of the
#: 12 s that finding the times of 40 such pages took (bench/RESULTS.md).
_LONG_BLANK = re.compile(r"\s{64,}")
#: White space the rules still see after a written stretch: what their look-aheads read.
_BLANK_SEEN = 16


def _written(text: str) -> list[tuple[int, int]]:
    """The stretches of ``text`` between its long blanks (with a little blank after each)."""
    stretches = []
    at = 0
    for blank in _LONG_BLANK.finditer(text):
        stretches.append((at, blank.start() + _BLANK_SEEN))
        at = blank.end()
    stretches.append((at, len(text)))
    return stretches


def find_times(text: str, published: str | None) -> list[TimeExpr]:
    """Every time expression of ``text``, normalised against ``published`` (ISO date)."""
    dct = published_date(published)
    if dct is None:  # nothing to anchor "Tuesday" or "last year" to
        return []
    candidates: list[tuple[int, int, _Rule, re.Match[str]]] = []
    for rule, (begin, until) in product(_RULES, _written(text)):
        for match in rule.pattern.finditer(text, begin, until):
            if match.end() > match.start() and (
                rule.make is _r_vague or not _NOT_TIMES.match(match[0])
            ):
                candidates.append((match.start(), match.end(), rule, match))
    # The longest match wins; ties go to the earlier rule.
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
    taken: list[tuple[int, int]] = []
    times: list[TimeExpr] = []
    for start, end, rule, match in candidates:
        if any(start < e and end > s for s, e in taken):
            continue
        result = rule.make(match, dct, _future(text, start, end))
        if result is None or not result[1] or _not_a_time(text, start, end, result[0]):
            continue
        taken.append((start, end))
        times.append(TimeExpr(start, end, text[start:end], result[0], result[1]))
    times.sort(key=lambda t: t.start)
    reference = ""
    for index, time in enumerate(times):
        if time.value.startswith(_ANAPHOR):
            value = _resolve_anaphor(time.value, reference, dct)
            times[index] = time = replace(time, value=value or "")
        calendar = calendar_value(time)
        if calendar and _REFERENCE.fullmatch(calendar):
            reference = calendar
    return [time for time in _years_of_months(text, times) if time.value]


#: "(mid-)March last year", "April of next year": the year the month lies in is the one named.
_MONTH_VALUE = re.compile(r"\d{4}-\d\d")
_RELATIVE_YEAR = re.compile(r"(?:of )?(?:last|next|this) year$", re.I)


def _years_of_months(text: str, times: list[TimeExpr]) -> list[TimeExpr]:
    """Give a month without a year of its own the year of a "last/next/this year" right after
    it; the two stay two expressions, as TimeML annotators most often drew them."""
    out = list(times)
    for index, (month, year) in enumerate(pairwise(times)):
        between = text[month.end : year.start]
        if (
            _MONTH_VALUE.fullmatch(month.value)
            and not re.search(r"\d{4}", month.text)
            and between.strip(" ,") in ("", "of")
            and _RELATIVE_YEAR.search(year.text)
            and re.fullmatch(r"\d{4}", year.value)
        ):
            out[index] = replace(month, value=f"{year.value}{month.value[4:]}")
    return out


def times_stage(parsed: Iterable[Parsed]) -> Iterator[Parsed]:
    """Pipeline stage: fills ``times`` from the article text and its publication date."""
    for item in parsed:
        times = find_times(item.article.text, item.article.published)
        yield item.with_analysis(replace(item.analysis, times=tuple(times)))


#: A value naming a stretch of the calendar: a year, decade, season, quarter, month, week or
#: day (a TIME keeps its day). "PRESENT_REF" or "XXXX-WXX-2" name none.
_CALENDAR = re.compile(r"\d{3,4}(?:-(?:\d\d(?:-\d\d)?|W\d\d|Q\d|H\d|SP|SU|FA|WI))?")


def calendar_value(time: TimeExpr) -> str | None:
    """The calendar stretch a DATE or TIME expression names ("2017-02-16", "2017-W07"), if
    it names one; a TIME gives its day."""
    if time.type not in ("DATE", "TIME"):
        return None
    match = _CALENDAR.match(time.value)
    return match.group(0) if match else None


def dates_within(times: Iterable[TimeExpr], spans: Iterable[tuple[int, int]]) -> tuple[str, ...]:
    """Calendar values of the expressions that start inside ``spans``, in text order, once."""
    return _Dated(times).within(spans)


class _Dated:
    """An article's expressions that name a calendar stretch, in text order, to be looked up
    by span: an article's every sentence and quote asks which start inside it, and reading
    every expression for each of them cost time in the square of the article's length."""

    def __init__(self, times: Iterable[TimeExpr]) -> None:
        dated = [
            (time.start, value)
            for time in sorted(times, key=lambda t: t.start)
            if (value := calendar_value(time))
        ]
        self.starts = [start for start, _ in dated]
        self.values = [value for _, value in dated]

    def within(self, spans: Iterable[tuple[int, int]]) -> tuple[str, ...]:
        inside: set[int] = set()
        for start, end in spans:
            inside.update(range(bisect_left(self.starts, start), bisect_left(self.starts, end)))
        return tuple(dict.fromkeys(self.values[index] for index in sorted(inside)))


def attach_dates(analysis: Analysis) -> Analysis:
    """Each sentence and quote gets the dates it refers to (the timeline reads them)."""
    dated = _Dated(analysis.times)
    return replace(
        analysis,
        sentence_dates=tuple(dated.within([(s.start, s.end)]) for s in analysis.sentences),
        quotes=tuple(
            replace(quote, dates=dated.within([(s.start, s.end) for s in quote.content]))
            for quote in analysis.quotes
        ),
    )


__all__ = [
    "MONTH_PATTERN",
    "WEEKDAY_PATTERN",
    "attach_dates",
    "calendar_value",
    "dates_within",
    "find_times",
    "times_stage",
]
