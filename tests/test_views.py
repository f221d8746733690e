"""The read side: what every shell shows, built once."""

from __future__ import annotations

from typing import Any

from storyline.records import Article
from storyline.store import Store
from storyline.views import outlets_of


def test_carried_by_counts_outlets_not_articles() -> None:
    articles = [
        Article(id="a1", text="x", outlet="bbc"),
        Article(id="a2", text="x", outlet="Reuters"),
        Article(id="a3", text="x", outlet="bbc"),  # the same outlet's second article
        Article(id="a4", text="x"),  # no outlet: the article stands for itself
    ]
    assert outlets_of(articles) == ["bbc", "Reuters", "a4"]


def test_an_article_as_a_dict_has_every_field_and_a_lead_of_its_opening() -> None:
    from dataclasses import asdict

    from storyline.views import LEAD_CHARS, _summary

    article = Article(id="a/1", text="Opening  words\n\n" + "and more words " * 200, title="T")
    assert article.to_dict() == asdict(article)
    lead = _summary(article)["lead"]
    assert lead.startswith("Opening words and more") and lead.endswith(" …")
    assert len(lead) <= LEAD_CHARS + 2
    # An opening that is mostly blanks still gives a lead of words, as the whole text would.
    blank_first = Article(id="b", text=" " * 2000 + "late words " * 100)
    assert _summary(blank_first)["lead"].startswith("late words late words")


def test_a_surname_alone_is_the_one_person_of_that_surname_the_story_names(
    store: Store,
) -> None:
    from storyline.views import story_data

    texts = {
        "a1": "Mara Quell said the dam holds.",
        "a2": "Quell said repairs begin.",
        "a3": "Quell and Otto Brannick met. Brannick said little.",
        "a4": "Mara Quell toured the dam.",
        "b1": "Ivo Brannick, his brother, said nothing.",
    }
    with store.transaction():
        for article_id, text in texts.items():
            store.insert_article(Article(id=article_id, text=text, outlet="Ledger"))
    people = {"Mara Quell": 1, "Quell": 2, "Otto Brannick": 3, "Brannick": 4, "Ivo Brannick": 5}
    named = {
        "a1": ["Mara Quell"],
        "a2": ["Quell"],
        "a3": ["Quell", "Otto Brannick", "Brannick"],
        "a4": ["Mara Quell"],
        "b1": ["Ivo Brannick"],
    }
    with store.transaction() as conn:
        for name, entity_id in people.items():
            conn.execute(
                "INSERT INTO entities (id, canonical, label, key) VALUES (?, ?, 'PERSON', ?)",
                (entity_id, name, name.lower()),
            )
        for article_id, names in named.items():
            for start, name in enumerate(names):
                conn.execute(
                    "INSERT INTO mentions VALUES (?, ?, ?, ?, 'PERSON', ?, 'PERSON')",
                    (article_id, start, start + 1, name, people[name]),
                )
        conn.execute(
            "INSERT INTO quotes (article_id, n, kind, content, speaker_text, speaker_name,"
            " entity_id, spans) VALUES ('a2', 0, 'indirect', 'repairs begin', 'Quell', 'Quell',"
            " 2, '{}')"
        )
    for article_id in texts:
        store.assign_story(article_id, "s1", 1.0)
    data = story_data(store, "s1")
    actors = {e["name"]: (e["articles"], e["also"]) for e in data["entities"]}
    # "Quell" is Mara Quell, the one Quell the story names: counted with her, quoted as her.
    assert actors["Mara Quell"] == (4, ["Quell"]) and "Quell" not in actors
    assert [(g["speaker"], g["entity"]) for g in data["quotes"]] == [("Mara Quell", "Mara Quell")]
    # The story names two Brannicks (brothers): "Brannick" alone stays apart.
    assert actors["Brannick"] == (1, [])


def test_a_story_reads_only_the_quotes_a_page_shows_and_counts_them_all(store: Store) -> None:
    from storyline.views import story_data

    said = {"a1": ["Mara Quell", "Mara Quell"], "a2": ["Mara Quell", "Otto Brannick"]}
    with store.transaction() as conn:
        for article_id, speakers in said.items():
            store.insert_article(Article(id=article_id, text="Words.", content_hash=article_id))
            for n, speaker in enumerate(speakers):
                conn.execute(
                    "INSERT INTO quotes (article_id, n, kind, content, speaker_text,"
                    " speaker_name, role, spans) VALUES (?, ?, 'direct', ?, ?, ?, ?, '{}')",
                    (article_id, n, f"{article_id} {n}", speaker, speaker, f"role {n}"),
                )
    for article_id in said:
        store.assign_story(article_id, "s1", 1.0)
    every = story_data(store, "s1")["quotes"]
    few = story_data(store, "s1", shown=(1, 2))["quotes"]
    assert [(g["speaker"], g["count"], len(g["quotes"])) for g in every] == [
        ("Mara Quell", 3, 3),
        ("Otto Brannick", 1, 1),
    ]
    assert [(g["speaker"], g["count"], len(g["quotes"])) for g in few] == [
        ("Mara Quell", 3, 2),
        ("Otto Brannick", 1, 0),
    ]
    # The quotes read are the first ones, whole, and the roles come from all of them.
    assert few[0]["quotes"] == every[0]["quotes"][:2]
    assert few[0]["roles"] == every[0]["roles"] == ["role 0", "role 1"]


def test_a_quote_gone_between_the_two_reads_is_left_out(store: Store, monkeypatch: Any) -> None:
    from storyline.views import story_data

    with store.transaction() as conn:
        store.insert_article(Article(id="a1", text="Words.", content_hash="a1"))
        for n in range(2):
            conn.execute(
                "INSERT INTO quotes (article_id, n, kind, content, speaker_text, speaker_name,"
                " spans) VALUES ('a1', ?, 'direct', ?, 'Mara Quell', 'Mara Quell', '{}')",
                (n, f"quote {n}"),
            )
    store.assign_story("a1", "s1", 1.0)
    read = store.quotes_at
    # An ingest re-analyses the article between the page's two reads: quote 1 is gone.
    monkeypatch.setattr(store, "quotes_at", lambda keys: read([k for k in keys if k[1] != 1]))
    (group,) = story_data(store, "s1", shown=(1, 5))["quotes"]
    assert group["count"] == 2 and [q["content"] for q in group["quotes"]] == ["quote 0"]


def test_one_speakers_same_words_in_several_articles_are_one_quote(store: Store) -> None:
    from storyline.views import story_data

    said = {
        "a1": [("Mara Quell", "The pier is closed.")],
        "a2": [("Mara Quell", "the pier is  closed"), ("Otto Brannick", "The pier is closed.")],
        "a3": [("Mara Quell", "The ferries run again.")],
    }
    with store.transaction() as conn:
        for article_id, quotes in said.items():
            store.insert_article(Article(id=article_id, text="Words.", content_hash=article_id))
            for n, (speaker, content) in enumerate(quotes):
                conn.execute(
                    "INSERT INTO quotes (article_id, n, kind, content, speaker_text,"
                    " speaker_name, spans) VALUES (?, ?, 'direct', ?, ?, ?, '{}')",
                    (article_id, n, content, speaker, speaker),
                )
    for article_id in said:
        store.assign_story(article_id, "s1", 1.0)
    for shown in (None, (2, 5)):
        groups = story_data(store, "s1", shown=shown)["quotes"]
        # Another speaker's same words stay that speaker's quote.
        assert [
            (g["speaker"], g["count"], [(q["article_id"], q["also"]) for q in g["quotes"]])
            for g in groups
        ] == [
            ("Mara Quell", 2, [("a1", ["a2"]), ("a3", [])]),
            ("Otto Brannick", 1, [("a2", [])]),
        ], shown


def test_one_persons_quotes_under_several_names_are_one_group(store: Store) -> None:
    from storyline.views import story_data

    said = [
        ("a1", "Bill Ostrow", 1, "Port chair"),
        ("a2", "William K. Ostrow", 1, "port chair"),
        ("a3", "Ada Pell", None, None),
    ]
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO entities (id, canonical, label, key) VALUES (1, 'William Ostrow',"
            " 'PERSON', 'william ostrow')"
        )
        for article_id, speaker, entity_id, role in said:
            store.insert_article(Article(id=article_id, text="Words.", content_hash=article_id))
            conn.execute(
                "INSERT INTO quotes (article_id, n, kind, content, speaker_text, speaker_name,"
                " entity_id, role, spans) VALUES (?, 0, 'direct', ?, ?, ?, ?, ?, '{}')",
                (article_id, f"words of {article_id}", speaker, speaker, entity_id, role),
            )
    for article_id, *_ in said:
        store.assign_story(article_id, "s1", 1.0)
    groups = story_data(store, "s1")["quotes"]
    # The store's one person is one group under its name, linking to its page; a speaker
    # with no entity keeps the name as written and no link.
    assert [(g["speaker"], g["entity"], g["count"], g["roles"]) for g in groups] == [
        ("William Ostrow", "William Ostrow", 2, ["Port chair"]),  # one role, however cased
        ("Ada Pell", None, 1, []),
    ]


def test_a_description_is_one_group_however_cased(store: Store) -> None:
    from storyline.views import story_data

    said = [("a1", "The harbour board"), ("a2", "the harbour board"), ("a3", "Harbour board")]
    with store.transaction() as conn:
        for article_id, speaker in said:
            store.insert_article(Article(id=article_id, text="Words.", content_hash=article_id))
            conn.execute(
                "INSERT INTO quotes (article_id, n, kind, content, speaker_text, speaker_name,"
                " spans) VALUES (?, 0, 'direct', ?, ?, ?, '{}')",
                (article_id, f"words of {article_id}", speaker, speaker),
            )
    for article_id, _ in said:
        store.assign_story(article_id, "s1", 1.0)
    groups = story_data(store, "s1")["quotes"]
    assert [(g["speaker"], g["entity"], g["count"]) for g in groups] == [
        ("The harbour board", None, 3)
    ]
    (only,) = story_data(store, "s1", only_speaker="the harbour board")["quotes"]
    assert only["count"] == 3


def test_a_quote_of_function_words_alone_is_no_line_of_a_story_page(store: Store) -> None:
    from storyline.views import says_something, story_data

    assert not says_something("it") and not says_something("“the”") and not says_something("")
    assert says_something("No.") and says_something("which is why the pier closed")
    said = ["The pier is closed.", "it", "to", "that out of which"]
    with store.transaction() as conn:
        store.insert_article(Article(id="a1", text="Words.", content_hash="a1"))
        for n, content in enumerate(said):
            conn.execute(
                "INSERT INTO quotes (article_id, n, kind, content, speaker_text, speaker_name,"
                " spans) VALUES ('a1', ?, 'indirect', ?, 'Mara Quell', 'Mara Quell', '{}')",
                (n, content),
            )
    store.assign_story("a1", "s1", 1.0)
    (group,) = story_data(store, "s1")["quotes"]
    assert group["count"] == 1 and [q["content"] for q in group["quotes"]] == [said[0]]
    # The store keeps them: the article's own page lists every quote.
    assert len(store.article_quotes("a1")) == len(said)


def test_a_speakers_roles_are_each_said_once() -> None:
    from storyline.views import fewest_roles

    given = [
        "Secretary General, Harbour League",
        "Secretary General",  # given with its affiliation too
        "Harbour League",  # the affiliation, given with a title too
        "Secretary-General, Harbour League",  # a spelling of the first
        "head, Harbour League",
        "former president",
        "President",  # no other role says it
    ]
    assert fewest_roles(given) == [
        "Secretary General, Harbour League",
        "head, Harbour League",
        "former president",
        "President",
    ]
