from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED, reference_scores

from storyline.analysis.pipeline import analyze
from storyline.analysis.times import calendar_names, dates_within, find_times
from storyline.ingest.extract import build_article
from storyline.records import Analysis, TimeExpr

ROOT = Path(__file__).resolve().parents[2]
SEED = SHARED / "seed"
TBAQ = SHARED / "bench" / "temporal" / "tbaq"
FRIDAY = "2017-02-17"  # a Friday, like the seed page

# (text, expression, type, value) with the document dated FRIDAY
CASES = [
    ("The delegations met on Thursday.", "Thursday", "DATE", "2017-02-16"),
    ("They will meet again on Thursday.", "Thursday", "DATE", "2017-02-23"),
    ("Prices rose last month.", "last month", "DATE", "2017-01"),
    ("The plant closed two years ago.", "two years ago", "DATE", "2015"),
    ("This week the band played.", "This week", "DATE", "2017-W07"),
    ("Music of the 1990s came back.", "the 1990s", "DATE", "199"),
    ("Inspections happen every week.", "every week", "SET", "P1W"),
    ("Sales are reported daily.", "daily", "SET", "P1D"),
    ("It is now clear.", "now", "DATE", "PRESENT_REF"),
    ("Officials recently agreed.", "recently", "DATE", "PAST_REF"),
    ("They spoke about the future of the port.", "the future", "DATE", "FUTURE_REF"),
    ("Talks were suspended in April 2016.", "April 2016", "DATE", "2016-04"),
    ("The next round is set for February 23.", "February 23", "DATE", "2017-02-23"),
    ("The vote was delayed by one day.", "one day", "DURATION", "P1D"),
    ("The war has lasted almost six years.", "almost six years", "DURATION", "P6Y"),
    ("The park opens next spring.", "next spring", "DATE", "2017-SP"),
    ("Earlier this year the mill closed.", "Earlier this year", "DATE", "2017"),
    ("Talks resume in the next two days.", "the next two days", "DURATION", "P2D"),
    ("Profit fell in the third quarter.", "the third quarter", "DATE", "2016-Q3"),
    ("The meeting ended at 3:30 p.m.", "3:30 p.m.", "TIME", "2017-02-17T15:30"),
    ("She signed a two-year contract.", "two-year", "DURATION", "P2Y"),
    ("The dig took 2 1/2 years.", "2 1/2 years", "DURATION", "P2Y6M"),
    ("He spoke for a minute and a half.", "a minute and a half", "DURATION", "PT1M30S"),
    ("The mill will pay for the year ending June 30.", "the year", "DURATION", "P1Y"),
    ("Sales grew last Friday.", "last Friday", "DATE", "2017-02-10"),
    ("The festival opens in May.", "May", "DATE", "2017-05"),
    ("Profit rose in the first quarter.", "the first quarter", "DATE", "2017-Q1"),
    ("Profit fell from last year's quarter.", "last year's quarter", "DATE", "2015-Q4"),
    ("Output peaks in next year's first quarter.", "next year's first quarter", "DATE", "2018-Q1"),
    ("Profit was flat in the 2016 second quarter.", "the 2016 second quarter", "DATE", "2016-Q2"),
    ("Costs rose from the year-ago period.", "the year-ago period", "DATE", "2015-Q4"),
    ("The port reopened Saturday, February 11.", "Saturday, February 11", "DATE", "2017-02-11"),
    ("In the past the port was closed.", "the past", "DATE", "PAST_REF"),
    ("The boy was found on Thanksgiving Day.", "Thanksgiving Day", "DATE", "2016-11-24"),
    ("Shops close on Christmas Eve.", "Christmas Eve", "DATE", "2016-12-24"),
    ("They will march on Memorial Day.", "Memorial Day", "DATE", "2017-05-29"),
    ("Since it was announced Wednesday, they will appeal.", "Wednesday", "DATE", "2017-02-15"),
    ("The new chief takes over effective Tuesday.", "Tuesday", "DATE", "2017-02-21"),
    # "the end of" and the article belong to the expression; sets of seasons, months, spans
    ("Talks end at the end of the year.", "the end of the year", "DATE", "2017"),
    ("Rates may rise at the start of next month.", "the start of next month", "DATE", "2017-03"),
    ("Sales grew over the past year.", "the past year", "DATE", "2016"),
    ("The fair is held every spring.", "every spring", "SET", "XXXX-SP"),
    ("Rent goes up each July.", "each July", "SET", "XXXX-07"),
    ("Elections are held every four years.", "every four years", "SET", "P4Y"),
    ("The market opens on Saturdays.", "Saturdays", "SET", "XXXX-WXX-6"),
    ("Three days later, the talks resumed.", "Three days", "DURATION", "P3D"),
    ("It happened in the spring of 2015.", "the spring of 2015", "DATE", "2015-SP"),
    ("By the end of the decade, half were gone.", "the end of the decade", "DATE", "201"),
    ("The bridge stood for two centuries.", "two centuries", "DURATION", "P200Y"),
    ("It was the worst flood of the 20th century.", "the 20th century", "DATE", "19"),
    ("A 19th-century mill burned down.", "19th-century", "DATE", "18"),
    ("Prices will rise in the autumn.", "the autumn", "DATE", "2017-FA"),
    ("The repairs could take months.", "months", "DURATION", "PXM"),
    ("It may be weeks before the road opens.", "weeks", "DURATION", "PXW"),
    ("Offers close at 5 p.m. EST Feb. 24.", "5 p.m. EST Feb. 24", "TIME", "2017-02-24T17:00"),
    ("The tower stood there for centuries.", "centuries", "DURATION", "PXY"),
    ("Five trading days later, it recovered.", "Five trading days", "DURATION", "P5D"),
    # Dates in words, as broadcast transcripts write them
    (
        "It began in January nineteen ninety-seven.",
        "January nineteen ninety-seven",
        "DATE",
        "1997-01",
    ),
    ("Voters go to the polls Sunday, March fifth.", "Sunday, March fifth", "DATE", "2017-03-05"),
    ("The mill shut on the second of February.", "the second of February", "DATE", "2017-02-02"),
    (
        "He was born on May the twenty-first, nineteen fifty.",
        "May the twenty-first, nineteen fifty",
        "DATE",
        "1950-05-21",
    ),
    ("Work ends by the year two thousand.", "the year two thousand", "DATE", "2000"),
    # "last" as a verb is no part of the duration
    ("The strike could last over a week.", "over a week", "DURATION", "P1W"),
]


@pytest.mark.parametrize(("text", "expression", "kind", "value"), CASES)
def test_expressions_and_values(text: str, expression: str, kind: str, value: str) -> None:
    found = {(t.text, t.type, t.value) for t in find_times(text, FRIDAY)}
    assert (expression, kind, value) in found, found


def test_extents_follow_timeml() -> None:
    text = "The council met on Thursday and a 6-year-old boy watched 30-year bonds fall."
    times = find_times(text, FRIDAY)
    assert [(t.text, text[t.start : t.end]) for t in times] == [("Thursday", "Thursday")]


def test_names_inside_words_are_not_times() -> None:
    text = "Eastern Airlines runs biweekly flights to Eastern Europe."
    assert find_times(text, FRIDAY) == []
    text = "May first-time buyers wait? Two thousand people came."
    assert find_times(text, FRIDAY) == []


def test_ages_and_rates_are_not_times() -> None:
    text = "Mr. Reupke, 52 years old, saves $2 million a year and adds 700 seats a week."
    assert find_times(text, FRIDAY) == []
    assert [t.text for t in find_times("They left within a week.", FRIDAY)] == ["a week"]


def test_discourse_now_is_not_a_time() -> None:
    text = "The mill closed. Now, he says, the town must wait. Now the port is shut."
    assert [t.text for t in find_times(text, FRIDAY)] == ["Now"]
    assert find_times(text, FRIDAY)[0].start == text.rindex("Now")


def test_spelled_compound_numbers() -> None:
    found = {(t.text, t.value) for t in find_times("In the last twenty four hours.", FRIDAY)}
    assert ("the last twenty four hours", "PT24H") in found


def test_no_publication_date_no_anchored_values() -> None:
    assert find_times("They met on Thursday.", None) == []


def test_calendar_names_need_no_publication_date() -> None:
    text = "Signed Dec. 11, 2008; again on December 15th and in May 1999. Not 12345 or Jan 40."
    assert calendar_names(text) == {"12-11", "2008", "12-15", "1999"}
    assert calendar_names("They met on Thursday.") == set()


def test_times_in_analyze_output(nlp: Any) -> None:
    article = build_article(
        text="The delegations met on Thursday in the capital.",
        origin="t",
        published=FRIDAY,
        published_source="record",
    )
    (analysis,) = analyze([article], nlp=nlp)
    assert isinstance(analysis, Analysis)
    assert [t.value for t in analysis.times] == ["2017-02-16"]
    assert analysis.to_dict()["times"][0]["type"] == "DATE"
    assert Analysis.from_dict(analysis.to_dict()).times == analysis.times


def test_sentences_and_quotes_carry_the_dates_they_refer_to(nlp: Any) -> None:
    article = build_article(
        text=(
            "The delegations met on Thursday in the capital. Nothing was agreed.\n\n"
            "The envoy Mara Tellen said the next round would open on March 1. "
            "It will be the third round this year."
        ),
        origin="t",
        published=FRIDAY,
        published_source="record",
    )
    (analysis,) = analyze([article], nlp=nlp)
    assert isinstance(analysis, Analysis)
    assert analysis.sentence_dates == (("2017-02-16",), (), ("2017-03-01",), ("2017",))
    quote = next(q for q in analysis.quotes if q.speaker_name == "Mara Tellen")
    assert quote.dates == ("2017-03-01",)
    data = analysis.to_dict()
    assert data["sentences"][0]["dates"] == ["2017-02-16"]
    said = analysis.quotes.index(quote)
    assert data["quotes"][said]["dates"] == ["2017-03-01"]
    assert Analysis.from_dict(data) == analysis
    # Without the times stage nothing is dated.
    (plain,) = analyze([article], nlp=nlp, stages=("entities", "quotes"))
    assert isinstance(plain, Analysis)
    assert plain.sentence_dates == () and plain.quotes
    assert all(q.dates == () for q in plain.quotes)


@pytest.mark.shared
@pytest.mark.skipif(not SEED.is_dir(), reason="needs ../shared/seed (not part of the repository)")
def test_seed_page_times() -> None:
    gold = json.loads((SEED / "seed.gold.json").read_text(encoding="utf-8"))
    text = (SEED / gold["file"]).read_text(encoding="utf-8")
    found = {(t.text, t.type, t.value) for t in find_times(text, gold["published"])}
    for expected in gold["times"]:
        assert (expected["text"], expected["type"], expected["value"]) in found, expected


@pytest.mark.shared
@pytest.mark.skipif(not TBAQ.is_dir(), reason="needs ../shared/bench (not in the repo)")
def test_tbaq_quality_floor(tmp_path: Path) -> None:
    """A gate, not a target: fails if a change makes the tagger worse than it was."""
    pred = tmp_path / "times.jsonl"
    articles = (TBAQ / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    with pred.open("w", encoding="utf-8") as out:
        for line in articles:
            article = json.loads(line)
            times = find_times(article["text"], article["published"])
            out.write(
                json.dumps({"id": article["id"], "times": [t.to_dict() for t in times]}) + "\n"
            )
    scores = reference_scores("temporal_score.py", TBAQ, pred)
    assert scores["strict_f1"] >= 0.84
    assert scores["value_f1"] >= 0.77


def test_a_long_blank_stretch_is_read_past() -> None:
    # Furniture is blanked for the stages (spaces, line breaks kept): the rules skip long
    # blanks, and every expression on either side is found as if the blank were short.
    blank = (" " * 70 + "\n") * 30
    words = "The council met on Thursday. It will vote again next week, on March 3."
    short = find_times(words.replace(". It", ".\n\nIt"), FRIDAY)
    long = find_times(words.replace(". It", "." + blank + "It"), FRIDAY)
    assert [(t.text, t.value) for t in long] == [(t.text, t.value) for t in short]
    assert [t.value for t in long] == ["2017-02-16", "2017-W08", "2017-03-03"]
    assert find_times(blank + "on Thursday" + blank, FRIDAY)[0].value == "2017-02-16"


def test_dates_within_spans_in_text_order_once() -> None:
    times = [
        TimeExpr(40, 48, "Thursday", "DATE", "2017-02-16"),
        TimeExpr(5, 12, "Tuesday", "DATE", "2017-02-14"),
        TimeExpr(60, 68, "two days", "DURATION", "P2D"),
        TimeExpr(70, 78, "Thursday", "DATE", "2017-02-16"),
        TimeExpr(90, 94, "2016", "DATE", "2016"),
    ]
    assert dates_within(times, [(0, 50)]) == ("2017-02-14", "2017-02-16")
    assert dates_within(times, [(60, 100), (0, 6)]) == ("2017-02-14", "2017-02-16", "2016")
    assert dates_within(times, [(6, 40), (94, 94)]) == ()
    assert dates_within(times, [(40, 41)]) == ("2017-02-16",)


def test_a_day_that_does_not_exist_is_not_a_date() -> None:
    text = "The note was dated Feb. 30, 2016."
    assert all("02-30" not in t.value for t in find_times(text, FRIDAY))


def test_that_year_and_the_next_day_count_from_the_last_date_named() -> None:
    text = (
        "The mill opened in 1985. That year, it hired 300 people. The following year it "
        "closed. Talks broke down on March 3, 2016. The next day, the union struck; it had "
        "warned of a strike the day before."
    )
    found = {t.text: t.value for t in find_times(text, FRIDAY)}
    assert found["That year"] == "1985"
    assert found["The following year"] == "1986"
    assert found["The next day"] == "2016-03-04"
    assert found["the day"] == "2016-03-03"  # "the day before" the next day: "before" left out
    # With nothing named before it, the publication date is the reference.
    assert find_times("That night, the rebels withdrew.", FRIDAY)[0].value == "2017-02-17TNI"


def test_vague_terms_are_references() -> None:
    found = {t.text: t.value for t in find_times("At the time, in the short term.", FRIDAY)}
    assert found == {"the time": "PAST_REF", "the short term": "FUTURE_REF"}


# -- dates in real prose (issue 21, item 7); the documents are dated FRIDAY -------------------


@pytest.mark.parametrize(
    ("text", "expression", "value"),
    [
        # An intention looks ahead, though no "will" is said.
        ("We expect them to arrive on Wednesday, the minister said.", "Wednesday", "2017-02-22"),
        ("The union hopes to sign the deal on Monday.", "Monday", "2017-02-20"),
        # Reported speech about what is to come looks ahead; a past that did not happen, back.
        ("He said the talks would now open on Wednesday.", "Wednesday", "2017-02-22"),
        ("They would have met on Monday but for the storm.", "Monday", "2017-02-13"),
        ("Police named the would-be bomber they arrested on Monday.", "Monday", "2017-02-13"),
        # The paper's own weekday, looking ahead, is today; a week ahead is "next Friday".
        ("The talks will resume on Friday.", "Friday", FRIDAY),
        ("The talks will resume next Friday.", "next Friday", "2017-02-24"),
        # A month followed by "last year" lies in last year.
        ("The plant closed in mid-March last year.", "mid-March", "2016-03"),
        ("The port reopens in April of next year.", "April", "2018-04"),
    ],
)
def test_dates_in_real_prose(text: str, expression: str, value: str) -> None:
    found = {t.text: t.value for t in find_times(text, FRIDAY)}
    assert found.get(expression) == value, found


def test_counts_and_days_picked_by_events_are_not_times() -> None:
    assert find_times("At least 1930 people were killed in the floods.", FRIDAY) == []
    assert find_times("Some 2000 troops crossed the river.", FRIDAY) == []
    # A year with a determiner still modifies its noun.
    assert [t.value for t in find_times("The 2010 deaths shocked the town.", FRIDAY)] == ["2010"]
    assert find_times("It came on a day when markets fell.", FRIDAY) == []
    assert [t.value for t in find_times("It took a day to fix.", FRIDAY)] == ["P1D"]
