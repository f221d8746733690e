"""Page furniture: found by form and learned from an outlet's repeated lines (fictional text)."""

from __future__ import annotations

from storyline.ingest.furniture import (
    LEARN_AFTER,
    blank,
    find_furniture,
    learn,
    line_key,
    line_keys,
    news,
    news_batch,
    pieces,
)
from storyline.records import Article

PROMO = "Our correspondent Mara Quell reports from the valley every week."


def _article(n: int, body: str, outlet: str = "Lakeside Daily") -> Article:
    return Article(id=f"ld-{n}", text=body, outlet=outlet, published="2025-03-0{n % 9 + 1}")


def _kinds(text: str, learned: set[int] | None = None) -> list[tuple[str, str]]:
    return [(text[f.start : f.end], f.kind) for f in find_furniture(text, learned or set())]


def _runs_to_the_end(text: str, kind: str, opening: str) -> None:
    """The text's one piece of furniture is of this kind, opens so and runs to its end."""
    (span,) = find_furniture(text)
    assert span.kind == kind and text[span.start :].startswith(opening)
    assert span.end == len(text)


def _shown(text: str) -> str:
    """The text the stages read: furniture blanked."""
    return news(Article(id="x", text=text)).text


def test_pieces_split_sentences_but_not_at_abbreviations() -> None:
    text = 'Sen. Ada Brill spoke. The U.S. envoy left early.\n"We wait," he said. 2 more came.'
    assert [text[s:e] for s, e in pieces(text)] == [
        "Sen. Ada Brill spoke.",
        "The U.S. envoy left early.",
        '"We wait," he said.',
        "2 more came.",
    ]


def test_a_line_key_ignores_case_and_punctuation_and_skips_short_pieces() -> None:
    assert line_key("Views are the readers' own.") == line_key("views are the READERS own")
    assert line_key("Sen.") is None and line_key("The U.S.") is None
    assert line_key("One two three four") != line_key("One two three five")


def test_reader_comments_run_from_the_first_byline_to_the_end() -> None:
    text = (
        "The council voted to close the ferry.\n"
        "Posted by: riverfan | June 7, 2025 12:24 PM | Report abuse\n"
        "They should have asked us first.\n"
        "Nobody listens to the islanders."
    )
    (span,) = find_furniture(text)
    assert span.kind == "comments"
    assert text[span.start : span.end].startswith("Posted by: riverfan")
    assert span.end == len(text)
    assert "ferry" in blank(text, (span,))


def test_comment_marks_prompts_credits_headers_and_datelines_by_form() -> None:
    text = (
        "PORT ELLIS (Reuters) - The harbour reopened on Monday.\n"
        "At 16:20 2nd Jun 2025, Gull wrote: About time.\n"
        "Share this article\n"
        "Photograph: Tomas Reyl/Northgate Wire The quay was quiet.\n"
        "(BEGIN VIDEO CLIP)\n"
        "Follow the ferry workers as they return to the harbour after weeks of talks, and "
        "see how the town changed while they were away."
    )
    found = _kinds(text)
    assert found == [
        ("PORT ELLIS (Reuters) - ", "dateline"),
        ("At 16:20 2nd Jun 2025, Gull wrote: About time.", "comment"),
        ("Share this article", "prompt"),
        ("Photograph: Tomas Reyl/Northgate", "credit"),
        ("(BEGIN VIDEO CLIP)", "header"),
    ]
    # The sentences after a dateline and a credit stay news, and so does a long sentence that
    # opens with a prompt's word.
    shown = _shown(text)
    assert "The harbour reopened on Monday." in shown and "The quay was quiet." in shown
    assert "Follow the ferry workers" in shown


def test_news_keeps_every_offset() -> None:
    text = "Share this\nThe mayor resigned.\n"
    shown = _shown(text)
    assert len(shown) == len(text) and shown.index("The mayor") == text.index("The mayor")
    assert shown.count("\n") == 2 and not shown[:10].strip()


def test_a_line_repeated_by_one_outlet_is_learned_and_marked() -> None:
    bodies = [f"The mayor opened bridge number {n} on the east bank.\n{PROMO}" for n in range(9)]
    articles = [_article(n, body) for n, body in enumerate(bodies)]
    learned = learn(articles[: LEARN_AFTER - 1])
    assert learned == {"Lakeside Daily": set()}
    learned = learn(articles[:LEARN_AFTER])
    assert learned["Lakeside Daily"] == {line_key(PROMO)}
    assert _kinds(bodies[0], learned["Lakeside Daily"]) == [(PROMO, "repeated")]
    # Another outlet printing it less often has not learned it; copies count once.
    other = [_article(n, body, outlet="Valley Courier") for n, body in enumerate(bodies[:3])]
    assert learn(other) == {"Valley Courier": set()}
    same = [_article(n, bodies[0]) for n in range(9)]
    assert learn(same) == {"Lakeside Daily": set()}
    assert learn(articles, copies={a.id for a in articles[4:]}) == {"Lakeside Daily": set()}
    shown = news_batch(articles)
    assert all(PROMO not in a.text and "east bank" in a.text for a in shown)


def test_keys_of_an_article_are_distinct() -> None:
    text = f"{PROMO}\n{PROMO}\nThe river rose two metres overnight."
    assert len(line_keys(text)) == 2


def test_month_and_weekday_names_are_the_time_stages() -> None:
    from storyline.analysis.times import MONTH_PATTERN, WEEKDAY_PATTERN
    from storyline.ingest import furniture

    assert furniture._MONTH == MONTH_PATTERN
    assert furniture._WEEKDAY == WEEKDAY_PATTERN


def test_name_particles_are_the_gazetteers() -> None:
    from storyline.analysis.gazetteer import NAME_PARTICLES
    from storyline.ingest import furniture

    assert set(furniture._PARTICLES.split()) == NAME_PARTICLES


def test_comments_start_at_the_first_of_two_bylines_and_one_byline_is_its_line() -> None:
    text = "On her blog, Ida Merrow wrote: enough.\nThe ferry strike ended on Monday."
    assert _kinds(text) == [("On her blog, Ida Merrow wrote: enough.", "comment")]
    page = (
        "The ferry strike ended on Monday.\n"
        "At 16:20 on 2 Jun 2025, gullwatcher wrote: About time.\n"
        "They should pay the crews more.\n"
        "At 16:31 on 2 Jun 2025, islander wrote: Agreed."
    )
    _runs_to_the_end(page, "comments", "At 16:20")


def test_a_blogs_comments_signed_after_their_words_start_at_the_first_signature() -> None:
    post = "The ferry fares rose again.\nThe islanders were not asked.\n"
    signed = (
        "Fares should fall.\nPosted by gullwatcher on June 2, 2025 4:20 PM.\n"
        "Agreed, and soon.\nPosted by islander on June 2, 2025 4:31 PM."
    )
    page = post + signed
    (span,) = [f for f in find_furniture(page) if f.kind == "comments"]
    assert page[span.start :].startswith("Posted by gullwatcher")
    assert span.end == len(page)
    # A news sentence's "wrote:" before them stays news.
    quoting = post + "In 2003 the mayor wrote: fares must fall.\n" + signed
    (span,) = [f for f in find_furniture(quoting) if f.kind == "comments"]
    assert quoting[span.start :].startswith("Posted by gullwatcher")
    # One such byline is the post's own foot, or a lone comment: its line only.
    once = post + "Posted by Ada Marr on June 2, 2025 9:05 AM\nThe fares rise in July."
    assert _kinds(once) == [("Posted by Ada Marr on June 2, 2025 9:05 AM", "comment")]


def test_an_authors_byline_is_furniture_up_to_the_sentence_it_runs_into() -> None:
    assert _kinds(
        "By Ada Marr Science correspondent, Lakeside Daily Floods closed the bridge on Monday."
    ) == [("By Ada Marr Science correspondent, Lakeside Daily", "byline")]
    assert _kinds("By Ana Ruiz and Ivo Brandt\nThe ferry ran again.") == [
        ("By Ana Ruiz and Ivo Brandt", "byline")
    ]
    assert _kinds("By Ivo Brandt, who covered the port for ten years.\nThe ferry ran.") == [
        ("By Ivo Brandt, who covered the port for ten years.", "byline")
    ]
    assert _kinds("By Ivo Brandt, Lakeside Daily, Port Alba\nThe ferry ran.") == [
        ("By Ivo Brandt, Lakeside Daily, Port Alba", "byline")
    ]
    # A sentence that opens with "By" and a day, a possessive or a clause in lower case is news.
    for news_line in (
        "By Friday, the river had risen two metres.",
        "By Ada Marr's own account, the ferry was late.",
        "By New Year's Day, the ferry was running again.",
        "By Wednesday Ada Marr was on the ferry.",
    ):
        assert _kinds(news_line) == []


def test_a_posts_stamped_byline_after_its_text_starts_the_comments() -> None:
    post = "".join(f"The ferry fares rose for the {n}th time this year.\n" for n in range(6))
    page = (
        post
        + "By Ada Marr | May 19, 2025; 2:09 PM ET The fares are a scandal.\n"
        + "Nobody asked the islanders."
    )
    (span,) = find_furniture(page)
    assert span.kind == "comments" and page[span.start :].startswith("By Ada Marr |")
    # At the page's head the same byline is the article's own: only the byline is furniture.
    head = "By Ada Marr | May 19, 2025; 2:09 PM ET\n" + post
    assert _kinds(head) == [("By Ada Marr | May 19, 2025; 2:09 PM ET", "byline")]
    # Blank lines between a headline, a standfirst and a caption are no lines of text.
    spaced = "Fares rise\n\nAgain\n\nA photo\n\nBy Ada Marr | May 19, 2025; 2:09 PM ET\n" + post
    assert _kinds(spaced) == [("By Ada Marr | May 19, 2025; 2:09 PM ET", "byline")]


def test_a_credit_closes_the_caption_before_it() -> None:
    text = (
        "Harbour strike ends Dockers vote to return Monday 2 June 2025 09.10 BST Dockers leave"
        " the union hall in Port Ellis.\n"
        "Photograph: Tomas Reyl/Northgate Wire The strike ended after six weeks.\n"
        "The mayor welcomed the vote.\n"
        "A crane stands idle on the east quay.\n"
        "Picture: Ada Marr The port expects ships by Friday.\n"
        "Shipping resumed on the trading floor Photo: Ivo Brandt/Wire Cargo rates fell.\n"
        "The mayor spoke on the local channel.\n"
        "Photograph: harbour-tv/Wire The council meets on Friday.\n"
        "Gulls circle the fish market.\n"
        "Photograph: portcam.\n"
        "Trade resumed."
    )
    assert [found for found in _kinds(text) if found[1] == "caption"] == [
        # A page's first line runs its headline and standfirst into the caption: all of it.
        (text[: text.index("\n")], "caption"),
        ("A crane stands idle on the east quay.", "caption"),
        ("Shipping resumed on the trading floor", "caption"),
        ("The mayor spoke on the local channel.", "caption"),
        ("Gulls circle the fish market.", "caption"),
    ]
    shown = _shown(text)
    assert "The strike ended after six weeks." in shown and "The mayor welcomed" in shown


def test_a_credit_of_one_name_leaves_the_sentence_after_it() -> None:
    text = "Cranes on the quay.\nPhotograph: Portcam One month after the strike, ships came."
    assert ("Photograph: Portcam", "credit") in _kinds(text)
    assert "One month after the strike" in _shown(text)


def test_a_label_that_opens_its_own_caption_closes_none() -> None:
    # "PHOTO: A ..." and "Photo credit:" print the caption after the label (or none): the
    # sentence before them is the article's. A "picture:" inside a sentence is no label.
    text = (
        "The ferry will sail again on Monday.\n"
        "PHOTO: A ferry waits at the quay.\n"
        "Repairs took a month.\n"
        "Photo: A worker paints the hull.\n"
        "Fares will not rise.\n"
        "Photo credit: Ada Marr/Wire\n"
        "That misses the larger picture: The harbour needs a second quay."
    )
    kinds = _kinds(text)
    assert not [k for k in kinds if k[1] == "caption"]
    assert ("picture: The", "credit") not in kinds
    assert "The ferry will sail again on Monday." in _shown(text)


def test_a_notice_about_readers_comments_closes_the_article() -> None:
    body = [
        "The harbour reopened on Monday.",
        "Ferries ran every hour.",
        "The mayor thanked the crews.",
        "Fares stay as they were.",
        "Repairs cost less than feared.",
    ]
    after = [
        "We welcome comments that advance the story.",
        "Views expressed in the comments are not ours.",
        "Why not keep the old ferry flying high....",
        "Ada Marr has covered the port since 2019.",
    ]
    text = "\n".join(body + after)
    assert _kinds(text) == [(text[text.index("We welcome") :], "comments")]
    assert _shown(text).startswith("\n".join(body))
    # The same notice within a page's first lines invites the readers' stories below it.
    text = "\n".join(body[:2] + after)
    assert _kinds(text) == []


def test_a_stamp_or_an_agency_credit_run_into_a_line_and_a_disclaimer_are_furniture() -> None:
    text = (
        "Tuesday, March 4, 2025; 6:12 PM PORT ELLIS, Nor. -- The ferry sailed again.\n"
        "AP Photo\\/Ferrytrust The quay reopened after the storm.\n"
        "(AP) Workers cleared the slipway on Monday.\n"
        "AFP MARLOW -- Divers checked the hull.\n"
        "(AP Photo\\/Ina Vell, File) (Ina Vell - AP) Wednesday, March 5, 2025; Page A12 "
        "HALVARD, Mar. 4 -- The council met.\n"
        "By Ana Ruiz, who ran the ferry line until 2019.\n"
        "The opinions expressed are her own.\n"
        "The views expressed here are the author's own -- Towns need their ferries."
    )
    assert _kinds(text) == [
        ("Tuesday, March 4, 2025; 6:12 PM PORT ELLIS, Nor. -- ", "dateline"),
        ("AP Photo\\/Ferrytrust ", "credit"),
        ("(AP) ", "credit"),
        ("AFP MARLOW -- ", "credit"),
        (
            "(AP Photo\\/Ina Vell, File) (Ina Vell - AP) Wednesday, March 5, 2025; Page A12 "
            "HALVARD, Mar. 4 -- ",
            "credit",
        ),
        ("By Ana Ruiz, who ran the ferry line until 2019.", "byline"),
        ("The opinions expressed are her own.", "disclaimer"),
        ("The views expressed here are the author's own -- ", "disclaimer"),
    ]
    shown = _shown(text)
    for news_ in (
        "The ferry sailed again.",
        "The quay reopened",
        "Workers cleared",
        "Divers checked",
        "The council met.",
        "Towns need their ferries.",
    ):
        assert news_ in shown


def test_news_that_names_an_agency_a_date_or_views_is_no_furniture() -> None:
    text = (
        "AP reported the closure first.\n"
        "Reuters said the harbour would reopen.\n"
        "The board met on Tuesday, March 4, 2025; 6:12 PM was the vote's time.\n"
        "She said the views expressed were her own and not the council's."
    )
    assert _kinds(text) == []


def test_a_note_on_the_printed_edition_closes_the_article() -> None:
    text = (
        "Ferry to run again\n"
        "The ferry sailed again on Tuesday.\n"
        "Harbour staff cheered from the quay.\n"
        "The council will meet on Friday.\n"
        "Tickets go on sale next week.\n"
        "A version appeared on p4 of the News section of the Lakeside Daily on Wednesday 5"
        " March 2025 Follow our harbour news Latest posts from our reporters gullfan: Ships!\n"
        "Buy the harbour calendar now."
    )
    _runs_to_the_end(text, "foot", "A version appeared on p4")
    # Near a page's head such a note is no foot: it may introduce what follows.
    head = "A version appeared on p4 of the News section.\nThe ferry sailed again on Tuesday."
    assert find_furniture(head) == ()


def test_a_sites_disclaimer_of_what_it_links_to_opens_the_foot_or_is_a_carried_texts_line() -> None:
    lines = "The ferry sailed.\nCrews cheered.\nThe mayor spoke.\nTickets sold out.\n"
    page = (
        f"{lines}The quay will reopen in May The Lakeside Daily is not responsible for the"
        " content of external internet sites Ferry history in pictures\nMore from the coast"
    )
    _runs_to_the_end(page, "foot", "The Lakeside Daily is not responsible")
    assert "The quay will reopen in May" in _shown(page)
    # Among the first lines: the title of a carried press release, that line alone.
    carried = (
        "Harbour Trust Names New Chair... * Valley Wire is not responsible for the content in"
        " this press release.\nThe trust named Ada Marr as its chair on Monday."
    )
    (line,) = find_furniture(carried)
    assert line.kind == "disclaimer" and carried[line.end :].startswith("\nThe trust named")
    # News about who answers for what is no disclaimer.
    ruling = f"{lines}A court ruled the council is not responsible for the content of posts."
    assert find_furniture(ruling) == ()
