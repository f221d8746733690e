from __future__ import annotations

from storyline.records import Article
from storyline.telling.timeline import timeline


def _strike_articles() -> list[Article]:
    day_one = (
        "Dock workers in the port of Salvo walked out on Monday over a new shift system.\n"
        "The strike stopped every ferry to the islands of the Brina group.\n"
        "Union leader Tomas Ferreira said the walkout would last until the plan was dropped."
    )
    day_three = (
        "Talks between the port authority and the dock union began in Salvo on Wednesday.\n"
        "The strike that began on Monday has left thousands of travellers stranded.\n"
        "He said nothing would change overnight."
    )
    day_five = (
        "The dock strike in Salvo ended on Friday after the port authority dropped its plan.\n"
        "Ferries to the Brina islands will sail again from Saturday morning.\n"
        "The strike that began on Monday cost the port several million euros."
    )
    return [
        Article(id="p1", text=day_one, outlet="Salvo Herald", published="2025-05-05"),
        Article(id="p2", text=day_three, outlet="Island Radio", published="2025-05-07"),
        Article(id="p3", text=day_five, outlet="Salvo Herald", published="2025-05-09"),
        Article(id="p4", text=day_five, outlet="Northgate Wire", published="2025-05-09"),
    ]


def _published(*rows: tuple[str, str, str]) -> list[Article]:
    """Articles from (id, publication date, text)."""
    return [Article(id=id_, text=text, published=day) for id_, day, text in rows]


def test_dates_ranked_by_coverage_and_later_references() -> None:
    entries = timeline(_strike_articles(), dates=2, per_date=1)
    # 5 May is published once and looked back to twice; 9 May is covered by two outlets.
    assert [e.date for e in entries] == ["2025-05-05", "2025-05-09"]
    assert all(len(e.lines) == 1 for e in entries)


def test_an_article_looking_back_to_a_day_counts_once() -> None:
    retrospective = (
        "The bridge over the Lenn river closed on Monday after engineers found cracks.\n"
        "Inspectors who walked the bridge on Monday saw rust in the main cables.\n"
        "Traffic that crossed the bridge on Monday was sent through the old town."
    )
    report = "Ferry crews on the Lenn river added six crossings a day for stranded drivers."
    articles = [
        Article(id="f1", text=report, outlet="Lenn Courier", published="2025-05-06"),
        Article(id="f2", text=report, outlet="River Radio", published="2025-05-06"),
        Article(id="r1", text=retrospective, outlet="Lenn Courier", published="2025-05-09"),
    ]
    # Monday 5 May: three sentences, but one article (1.5); 6 May: two articles (2).
    assert [e.date for e in timeline(articles, dates=1, per_date=1)] == ["2025-05-06"]


def test_a_day_that_stands_out_beats_a_day_of_steady_coverage() -> None:
    steady = "Crews kept clearing snow from the roads around Vell for another day."
    event = "The old Vell dam gave way after the snow melted and flooded the lower town."
    articles = [
        Article(id=f"s{d}{k}", text=steady, outlet=f"Outlet {k}", published=f"2025-02-0{d}")
        for d in range(1, 8)
        for k in range(2)
    ] + [
        Article(id=f"e{k}", text=event, outlet=f"Outlet {k}", published="2025-02-20")
        for k in range(2)
    ]
    # Every day has two articles; the tie would go to the earliest, 1 February. Days within a
    # week of snow coverage lose part of their neighbours' median; 20 February has none.
    assert [e.date for e in timeline(articles, dates=1, per_date=1)] == ["2025-02-20"]


def test_lines_are_cited_standalone_and_refer_to_their_day() -> None:
    articles = _strike_articles()
    by_id = {a.id: a for a in articles}
    entries = timeline(articles, dates=3, per_date=2)
    assert [e.date for e in entries] == sorted(e.date for e in entries)
    for entry in entries:
        for line in entry.lines:
            assert not line.text.startswith("He ")
            for c in line.citations:
                assert by_id[c.article_id].text[c.start : c.end] == line.text
    last = next(e for e in entries if e.date == "2025-05-09")
    ended = next(line for line in last.lines if line.text.startswith("The dock strike"))
    assert {c.article_id for c in ended.citations} == {"p3", "p4"}


def test_window_and_query_limit_what_is_read() -> None:
    entries = timeline(_strike_articles(), dates=5, per_date=1, start="2025-05-06")
    assert entries and all(e.date >= "2025-05-06" for e in entries)
    assert timeline(_strike_articles(), dates=5, per_date=1, query="volcano") == []


def test_a_line_that_names_two_days_is_shown_once() -> None:
    articles = _published(
        (
            "a1",
            "2025-06-02",
            "Gales shut the harbour overnight and kept every fishing boat in port.",
        ),
        ("a2", "2025-06-04", "Fishing boats left port again once the gales had dropped."),
        ("a3", "2025-06-06", "The Ardel ferry stopped on June 2 and sailed again on June 4."),
    )
    # Room for every candidate on both days (3 lines, then 2): a3 names both days.
    entries = timeline(articles, dates=2, per_date=3)
    assert [e.date for e in entries] == ["2025-06-02", "2025-06-04"]
    lines = [line.text for e in entries for line in e.lines]
    assert len(lines) == len(set(lines)) == 3


def test_the_date_stamp_of_a_page_is_not_a_day_its_sentence_tells_of() -> None:
    stamped = (
        "ARDEL | Tue Jun 3, 2025 10:12am BST ARDEL (Reuters) - Ferry crews in Ardel went on"
        " strike on Monday over pay and hours.\n"
        "The strike stopped the morning ferries to the islands."
    )
    articles = _published(
        ("r1", "2025-06-03", stamped),
        ("r2", "2025-06-03", "Ferry crews in Ardel said their strike over pay would go on."),
        ("r3", "2025-06-03", "Talks on pay and hours for the Ardel ferry crews broke down."),
    )
    entries = timeline(articles, dates=2, per_date=1)
    # The stamp names 3 June; the sentence tells of Monday, 2 June, and is shown there. Were
    # the stamp a reference, 3 June (more articles) would pick the sentence first.
    assert [e.date for e in entries] == ["2025-06-02", "2025-06-03"]
    assert entries[0].lines[0].text.startswith("Ferry crews in Ardel went on strike on Monday")


def test_the_better_half_of_the_dates_get_every_line_the_others_one_fewer() -> None:
    said = [
        "Fishing boats in {} harbour stayed tied up as the gale grew.",
        "Rail services along the {} coast were halted by fallen trees.",
        "Schools across the {} district shut their doors to pupils.",
        "Power cuts left several {} villages without heating overnight.",
    ]
    # Four storms, eleven days apart, each in its own town, with 4, 3, 2 and 2 reports.
    days = {"2025-03-01": 4, "2025-03-12": 3, "2025-03-23": 2, "2025-04-05": 2}
    towns = ["Corran", "Dunmore", "Eskby", "Fallow"]
    articles = [
        Article(id=f"{day}-{k}", text=said[k].format(town), published=day)
        for (day, count), town in zip(days.items(), towns, strict=True)
        for k in range(count)
    ]
    entries = timeline(articles, dates=4, per_date=2)
    assert {e.date: len(e.lines) for e in entries} == {
        "2025-03-01": 2,
        "2025-03-12": 2,
        "2025-03-23": 1,
        "2025-04-05": 1,
    }


def test_a_line_that_several_outlets_carry_is_preferred() -> None:
    carried = "Floodwater covered the Marrow valley road near the old mill."
    texts = {
        "x1": carried,
        "x2": carried,
        "y": "Floodwater from the Marrow river reached the valley road and the bank.",
        "z": "Army trucks carried sandbags to the Marrow river bank overnight.",
    }
    articles = _published(*((k, "2025-09-14", v) for k, v in texts.items()))
    # Counted once, the middle line (y) is closest to the day's centroid; counted as the day's
    # articles carry it, the line of two outlets is.
    [entry] = timeline(articles, dates=1, per_date=1)
    assert [c.article_id for c in entry.lines[0].citations] == ["x1", "x2"]


def test_the_lines_of_a_day_tell_different_things() -> None:
    texts = {
        "a": "The Selm bridge closed after engineers found cracks in its main arch.",
        "b": "Cracks found by engineers on a routine check shut the bridge.",
        "c": "Buses now carry Selm commuters through the old town instead.",
    }
    articles = _published(*((k, "2025-10-02", v) for k, v in texts.items()))
    [entry] = timeline(articles, dates=1, per_date=2)
    # b tells again what a told (cracks found, bridge shut), in other words (tf-idf cosine 0.3);
    # c tells what followed.
    assert {c.article_id for line in entry.lines for c in line.citations} == {"a", "c"}


def test_a_new_development_told_in_new_words_is_no_aside() -> None:
    steady = "Crews kept clearing snow from the roads around Vell for another day."
    articles = _published(
        *((f"s{d}{k}", f"2025-02-0{d}", steady) for d in range(1, 8) for k in range(2)),
        (
            "e1",
            "2025-02-20",
            "The old Vell dam gave way after the snow melted and flooded the town.",
        ),
        (
            "e2",
            "2025-02-20",
            "Water from the broken Vell dam flooded the lower town as the snow melted.",
        ),
        ("e3", "2025-02-20", "The Vell dam gave way in the night and the lower town flooded."),
        ("s8", "2025-02-20", "Crews kept clearing snow from the roads around Vell on a cold day."),
    )
    # Most of the story's articles are about snow; three of the day's four are about the dam.
    [entry] = timeline(articles, dates=1, per_date=1)
    assert entry.date == "2025-02-20"
    assert entry.lines[0].citations[0].article_id in {"e1", "e2", "e3"}


def test_a_line_in_the_story_s_words_is_preferred_to_an_aside() -> None:
    articles = _published(
        ("r1", "2025-06-01", "Heavy rain raised the Tarn river behind the old valley dam."),
        (
            "r2",
            "2025-06-12",
            "Engineers said the Tarn dam would be rebuilt before the winter rain.",
        ),
        (
            "r3",
            "2025-06-20",
            "Families returned to the Tarn valley villages the dam flood had emptied.",
        ),
        (
            "r4",
            "2025-06-26",
            "Insurers began paying Tarn valley families for homes the dam flood ruined.",
        ),
        (
            "r5",
            "2025-07-02",
            "A report blamed the Tarn dam failure on cracks found in the valley wall.",
        ),
        (
            "o1",
            "2025-06-05",
            "The Tarn dam broke and flood water swept through the valley villages.",
        ),
        (
            "s1",
            "2025-06-05",
            "Tickets for the summer concert at the town hall sold out in an hour.",
        ),
        (
            "s2",
            "2025-06-05",
            "The summer fair in the town square drew a record crowd of visitors.",
        ),
    )
    # The fair is closest to the centroid of 5 June's lines; the dam line uses the words of the
    # story.
    [entry] = timeline(articles, dates=1, per_date=1)
    assert [c.article_id for c in entry.lines[0].citations] == ["o1"]
