"""The web shell in-process: every page, its JSON twin, feeds, errors and hostile text."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from storyline.ingest.sources import SourceOptions
from storyline.runner import run
from storyline.store import Store, open_store
from storyline.web.app import CSP, create_app

#: Articles whose title, outlet and text try script and HTML injection.
HOSTILE = [
    {
        "id": "evil-1",
        "title": "<script>window.pwned=1</script>Harbour fire in Dunmore",
        "source": '<img src=x onerror="window.pwned=2">Dunmore Echo',
        "published": "2025-03-30",
        "text": (
            "A fire broke out at the Dunmore harbour warehouse on Sunday night."
            ' <script>window.pwned=3</script> "We lost everything," said harbour master'
            ' Ana Ruiz. <iframe src="javascript:window.pwned=4"></iframe> Firefighters'
            " from three towns fought the blaze for six hours before it was under control."
        ),
    },
    {
        # Control characters XML forbids in the title, a quote that would end an attribute.
        "id": 'evil"2',
        "title": "Storm\x0b warning \x1b[31m for Dunmore",
        "source": "Dunmore Echo",
        "published": "2025-03-31",
        "text": (
            "A storm warning was issued for the Dunmore coast on Monday, and the harbour"
            " master closed the port to small boats until the wind drops on Wednesday."
        ),
    },
]


def build_store(path: Path, sample_path: Path, extra: list[dict[str, Any]]) -> str:
    hostile = path.parent / "hostile.jsonl"
    hostile.write_text("".join(json.dumps(r) + "\n" for r in extra), encoding="utf-8")
    with open_store(path) as store:
        run(store, [str(sample_path), str(hostile)], SourceOptions())
    return str(path)


#: Where the test's readers reach the server (feeds link there, whatever the Host header).
BASE = "https://news.example/storyline"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    from tests.conftest import SAMPLE

    return build_store(tmp_path_factory.mktemp("web") / "web.db", SAMPLE, HOSTILE)


@pytest.fixture(scope="module")
def client(db: str) -> Iterator[TestClient]:
    with TestClient(create_app(db, BASE), raise_server_exceptions=False) as opened:
        yield opened


@pytest.mark.parametrize("story_id", ["s-nw-talks-1", "s-et-bridge-1"])
def test_the_cli_json_is_the_api_json(client: TestClient, db: str, story_id: str) -> None:
    """One story object: `storyline story ID --json` prints what /api/story/ID serves."""
    from click.testing import CliRunner

    from storyline.cli import cli

    printed = CliRunner().invoke(cli, ["story", story_id, "--db", db, "--json"])
    assert printed.exit_code == 0, printed.output
    served = client.get(f"/api/story/{story_id}").json()
    assert json.loads(printed.stdout) == served
    assert served["quotes"] and served["articles"][0]["carried_by"]


def test_markdown_is_the_same_story(client: TestClient) -> None:
    served = client.get("/api/story/s-nw-talks-1").json()
    page = client.get("/story/s-nw-talks-1.md").text
    assert page.startswith(f"# {served['headline']}\n")
    for article in served["articles"]:
        assert f"`{article['id']}`" in page
        assert all(f"`{copy['id']}`" in page for copy in article["copies"])


def test_pages_render_with_security_headers(client: TestClient) -> None:
    for path in ("/", "/story/s-nw-talks-1", "/article/nw-talks-1", "/search?q=talks"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-security-policy"] == CSP
        assert "text/html" in response.headers["content-type"]


def test_story_json_has_digest_timeline_quotes_and_copies(client: TestClient) -> None:
    data = client.get("/api/story/s-nw-talks-1").json()
    assert data["headline"] and data["digest"] and data["timeline"]
    assert all(line["citations"] for line in data["digest"])
    assert any(group["roles"] for group in data["quotes"])
    assert any(len(a["carried_by"]) > 1 for a in data["articles"])


def test_stories_filter_by_entity_and_dates(client: TestClient) -> None:
    everything = client.get("/api/stories").json()["stories"]
    named = client.get("/api/stories", params={"entity": "Priya Natarajan"}).json()["stories"]
    assert 0 < len(named) < len(everything)
    late = client.get("/api/stories", params={"start": "2025-03-29"}).json()["stories"]
    assert sorted(s["id"] for s in late) == ['s-evil"2', "s-evil-1"]


def test_article_highlights_and_cited_span(client: TestClient) -> None:
    data = client.get("/api/article/nw-talks-1").json()
    kinds = {s["kind"] for s in data["segments"]}
    assert {"entity", "quote", "time"} <= kinds
    assert "".join(s["text"] for s in data["segments"]) == data["article"]["text"]
    cited = client.get("/api/article/nw-talks-1", params={"start": 0, "end": 10}).json()
    assert cited["segments"][0]["kind"] == "cited"


def test_quotes_show_the_dates_they_refer_to(client: TestClient) -> None:
    # "He said the talks would now open on Friday morning", on Thursday 6 March
    quotes = client.get("/api/article/nw-talks-2").json()["quotes"]
    assert [q["dates"] for q in quotes if "on Friday" in q["content"]] == [["2025-03-07"]]
    assert "refers to 2025-03-07" in client.get("/article/nw-talks-2").text


def test_entity_and_search(client: TestClient) -> None:
    person = client.get("/api/entity/Jonas Ekberg").json()
    assert person["quotes"] and person["roles"]
    dates = [q["published"] for q in person["quotes"]]
    assert dates == sorted(dates, reverse=True)
    found = client.get("/api/search", params={"q": "talks"}).json()
    assert found["groups"] and all(g["articles"] for g in found["groups"])
    named = client.get("/api/search", params={"entity": "Jonas Ekberg"}).json()["groups"]
    assert named and {g["story"] for g in named} <= {"s-nw-talks-1", "s-co-talks-5"}
    narrowed = client.get(
        "/api/search", params={"q": "talks", "start": "2025-03-10", "end": "2025-03-12"}
    ).json()["groups"]
    days = {a["published"][:10] for g in narrowed for a in g["articles"]}
    assert days and days <= {"2025-03-10", "2025-03-11", "2025-03-12"}


def test_feeds_are_valid_atom(client: TestClient) -> None:
    paths = ("/story/s-nw-talks-1.atom", "/search.atom?q=talks", "/story/s-evil-1.atom")
    for path in (*paths, "/story/s-evil%222.atom", "/search.atom?q=storm+warning"):
        response = client.get(path)
        assert response.status_code == 200
        root = ElementTree.fromstring(response.content)
        assert root.tag == "{http://www.w3.org/2005/Atom}feed"
        assert root.findall("{http://www.w3.org/2005/Atom}entry")
    assert client.get("/story/s-nw-talks-1.md").text.startswith("# ")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/story/nope", 404),
        ("/api/article/nope", 404),
        ("/api/entity/Nobody%20At%20All", 404),
        ("/api/stories?start=soon", 400),
        ("/api/article/nw-talks-1?start=5", 400),
        ("/api/article/nw-talks-1?start=0&end=999999", 400),
        ("/api/article/nw-talks-1?start=x&end=2", 400),
        ("/api/nothing-here", 404),
    ],
)
def test_errors_have_one_json_shape(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"} and body["error"]["status"] == status
    assert body["error"]["message"] and "Traceback" not in response.text


def test_html_errors_are_pages(client: TestClient) -> None:
    response = client.get("/story/nope")
    assert response.status_code == 404 and "no story with id" in response.text


def test_hostile_text_is_escaped(client: TestClient) -> None:
    for path in ("/", "/story/s-evil-1", "/article/evil-1", "/search?q=harbour"):
        html = client.get(path).text
        assert "<script>" not in html and "<iframe" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in client.get("/article/evil-1").text


def test_openapi_documents_the_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/stories", "/api/story/{story_id}", "/api/search"} <= set(paths)


def test_downloads(client: TestClient) -> None:
    response = client.get("/export/quotes.csv")
    assert response.status_code == 200 and response.text.startswith("article,n,kind")
    assert "attachment" in response.headers["content-disposition"]
    assert client.get("/export/articles.parquet").content[:4] == b"PAR1"
    missing = client.get("/export/secrets.csv")
    assert missing.status_code == 404 and missing.json()["error"]["status"] == 404


def test_cached_pages_follow_the_store(tmp_path: Path) -> None:
    from tests.conftest import SAMPLE

    db = build_store(tmp_path / "c.db", SAMPLE, [])
    with TestClient(create_app(db)) as fresh:
        before = fresh.get("/api/stories").json()["stories"]
        assert fresh.get("/api/stories").json()["stories"] == before  # served from the cache
        build_store(tmp_path / "c.db", SAMPLE, HOSTILE)  # another writer adds stories
        after = fresh.get("/api/stories").json()["stories"]
        assert len(after) == len(before) + len(HOSTILE)


@pytest.mark.parametrize(("cache", "rendered"), [(True, 1), (False, 2)])
def test_without_the_cache_every_page_is_rendered_from_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: bool, rendered: int
) -> None:
    from storyline.web import app as web
    from tests.conftest import SAMPLE

    db = build_store(tmp_path / "n.db", SAMPLE, [])
    calls: list[str] = []
    real = web.stories_data

    def counting(store: Store, *args: Any, **options: Any) -> dict[str, Any]:
        calls.append(store.path)
        return real(store, *args, **options)

    monkeypatch.setattr(web, "stories_data", counting)
    with TestClient(create_app(db, cache=cache)) as client:
        first = client.get("/api/stories").json()
        assert client.get("/api/stories").json() == first
    assert len(calls) == rendered


def test_a_kept_connection_sees_what_another_process_commits_next(tmp_path: Path) -> None:
    """Server threads keep their connection between requests; a commit made after a page was
    read is in the next page (each read is its own autocommit snapshot)."""
    from tests.conftest import SAMPLE

    db = build_store(tmp_path / "k.db", SAMPLE, [])
    with TestClient(create_app(db, cache=False)) as client:
        before = client.get("/api/stories").json()["stories"]
        with open_store(db) as writer, writer.transaction() as conn:
            conn.execute("DELETE FROM story_articles WHERE story_id = ?", (before[0]["id"],))
        after = client.get("/api/stories").json()["stories"]
    assert [s["id"] for s in after] == [s["id"] for s in before[1:]]


def test_hostile_text_and_ids_stay_inside_atom_elements(client: TestClient) -> None:
    atom_ns = "{http://www.w3.org/2005/Atom}"
    root = ElementTree.fromstring(client.get("/search.atom?q=storm+warning").content)
    entry = root.find(f"{atom_ns}entry")
    assert entry is not None
    assert entry.findtext(f"{atom_ns}title") == "Storm warning [31m for Dunmore"
    link = entry.find(f"{atom_ns}link")
    assert link is not None and link.attrib == {"href": f"{BASE}/article/evil%222"}


def test_head_options_and_other_methods(client: TestClient) -> None:
    for path in ("/", "/story/s-nw-talks-1", "/api/story/s-nw-talks-1", "/story/s-nw-talks-1.atom"):
        got = client.get(path)
        head = client.head(path)
        assert head.status_code == 200 and head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"]
        assert head.headers["content-security-policy"] == CSP
    options = client.options("/story/s-nw-talks-1")
    assert options.status_code == 204 and options.headers["allow"] == "GET, HEAD, OPTIONS"
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        refused = client.request(method, "/api/story/s-nw-talks-1")
        assert refused.status_code == 405 and refused.headers["allow"] == "GET, HEAD, OPTIONS"
        assert refused.json()["error"]["status"] == 405


def test_a_host_header_never_makes_a_link(client: TestClient) -> None:
    """Links come from the configured base URL: a forged Host cannot reach a feed, cached or
    not, served to it or to the next reader."""
    for path in ("/story/s-nw-talks-1.atom", "/search.atom?q=talks"):
        forged = client.get(path, headers={"Host": "evil.example"}).text
        honest = client.get(path).text
        assert "evil.example" not in forged and "evil.example" not in honest
        assert forged == honest and f"{BASE}/article/" in honest


def test_api_docs_are_served_from_the_package(client: TestClient) -> None:
    from storyline.web.app import DOCS_CSP

    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-security-policy"] == DOCS_CSP
    assert "cdn" not in page.text.lower() and "<script>" not in page.text
    for asset in ("/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"):
        assert client.get(asset).status_code == 200, asset
    assert client.get("/static/docs.js").headers["content-security-policy"] == DOCS_CSP
    assert "/api/story/{story_id}" in client.get("/openapi.json").json()["paths"]
    # Every other page keeps the strict policy: no script at all.
    assert client.get("/").headers["content-security-policy"] == CSP


def test_every_person_link_opens_a_page(client: TestClient) -> None:
    import re

    links: set[str] = set()
    stories = client.get("/api/stories").json()["stories"]
    for story in stories:
        page = client.get(f"/story/{story['id']}").text
        links.update(re.findall(r'href="(/entity/[^"]+)"', page))
        for article in client.get(f"/api/story/{story['id']}").json()["articles"]:
            page = client.get(f"/article/{article['id']}").text
            links.update(re.findall(r'href="(/entity/[^"]+)"', page))
    assert len(links) > 10
    broken = [link for link in sorted(links) if client.get(link).status_code != 200]
    assert broken == []


#: Ids as real archives have them: paths, spaces, quotes, other scripts, a format suffix, length.
ODD_IDS = [
    "wire/2025/03/30/harbour-fire",
    "id with spaces",
    "quote\"and'apostrophe",
    "ünïcødé-ид-記事",
    "notes.md",
    "q?x=1&y=2#frag",
    "long-" + "x" * 1500,
]


def test_any_id_works_in_every_page_route_feed_and_link(tmp_path: Path) -> None:
    import re
    from urllib.parse import quote, unquote

    records = [
        {
            "id": article_id,
            "title": f"Harbour report {n}",
            "source": f"Outlet {n}",
            "published": f"2025-03-{10 + n:02d}",
            "text": (
                f"The {topic} of {place} was the news on Monday, {who} said, and the {topic}"
                f" of {place} will go on, as {who} told the {place} council."
            ),
        }
        for n, (article_id, topic, place, who) in enumerate(
            zip(
                ODD_IDS,
                ["flood", "strike", "election", "recall", "festival", "inquiry", "drought"],
                ["Kestrel", "Marlow", "Sarn", "Veldora", "Castavia", "Orland", "Farrow"],
                [
                    "Ana Ruiz",
                    "Tom Hale",
                    "Ida Berg",
                    "Max Oyelaran",
                    "Lea Sorn",
                    "Ivo Dane",
                    "Uma Kell",
                ],
                strict=True,
            )
        )
    ]
    path = tmp_path / "odd.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    db = tmp_path / "odd.db"
    with open_store(db) as store:
        run(store, [str(path)], SourceOptions())
        stories = {store.story_of(article_id) for article_id in ODD_IDS}
    assert None not in stories
    with TestClient(create_app(str(db), BASE)) as odd:
        pages = ["/", "/search?q=harbour"]
        for article_id in ODD_IDS:
            pages += [f"/article/{quote(article_id, safe='')}"]
            pages += [f"/api/article/{quote(article_id, safe='')}"]
        for story_id in stories:
            assert story_id is not None
            for suffix in ("", ".atom", ".md"):
                pages.append(f"/story/{quote(story_id, safe='')}{suffix}")
            pages.append(f"/api/story/{quote(story_id, safe='')}")
        seen: set[str] = set()
        while pages:
            page = pages.pop()
            if page in seen:
                continue
            seen.add(page)
            response = odd.get(page)
            assert response.status_code == 200, (unquote(page)[:80], response.text[:200])
            if "text/html" in response.headers["content-type"]:
                for link in re.findall(r'href="(/(?:story|article|entity)/[^"]+)"', response.text):
                    pages.append(link.replace("&amp;", "&"))
        assert odd.get("/api/story/" + quote(next(iter(stories)) or "", safe="")).json()["id"]
    # Each report is its own story, and the one named "s-notes.md" is a page, not the
    # Markdown of a story "s-notes".
    assert len(stories) == len(ODD_IDS) and "s-notes.md" in stories
    with TestClient(create_app(str(db), BASE)) as odd:
        assert "text/html" in odd.get("/story/s-notes.md").headers["content-type"]


def test_quotes_show_and_filter_by_confidence(client: TestClient) -> None:
    everything = client.get("/api/story/s-nw-talks-1").json()
    confidences = [q["confidence"] for g in everything["quotes"] for q in g["quotes"]]
    assert confidences and all(c is None or 0 <= c <= 1 for c in confidences)
    scored = sorted(c for c in confidences if c is not None)
    cut = scored[len(scored) // 2]
    kept = client.get("/api/story/s-nw-talks-1", params={"min_confidence": cut}).json()
    left = [q["confidence"] for g in kept["quotes"] for q in g["quotes"]]
    assert len(left) < len(confidences) and all(c is None or c >= cut for c in left)
    page = client.get("/story/s-nw-talks-1", params={"min_confidence": cut}).text
    assert 'name="min_confidence"' in page and "confidence 0." in page
    assert client.get("/api/story/s-nw-talks-1", params={"min_confidence": 2}).status_code == 400


def test_stories_page_by_page_sorted_and_filtered(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storyline import views

    monkeypatch.setattr(views, "STORIES_PER_PAGE", 3)
    # Queries no other test asks (the page cache keeps what it served at 50 a page).
    first = client.get("/api/stories", params={"page": 1, "min_size": 1}).json()
    assert len(first["stories"]) == 3 and first["next"] == 2 and first["previous"] is None
    second = client.get("/api/stories", params={"page": 2, "min_size": 1}).json()
    assert {s["id"] for s in second["stories"]}.isdisjoint(s["id"] for s in first["stories"])
    biggest = client.get("/api/stories", params={"order": "biggest"}).json()["stories"]
    sizes = [s["articles"] for s in biggest]
    assert sizes == sorted(sizes, reverse=True)
    big = client.get("/api/stories", params={"min_size": 10}).json()["stories"]
    assert big and all(s["articles"] >= 10 for s in big)
    echo = client.get("/api/stories", params={"outlet": "Dunmore Echo"}).json()["stories"]
    assert [s["id"] for s in echo] == ['s-evil"2']
    page = client.get("/", params={"order": "biggest", "page": 1}).text
    assert 'rel="next"' in page and "order=biggest" in page
    assert client.get("/api/stories", params={"order": "random"}).status_code == 400


def test_search_groups_under_headlines_with_marked_snippets(client: TestClient) -> None:
    data = client.get("/api/search", params={"q": "bridge"}).json()
    assert data["groups"] and all(g["headline"] for g in data["groups"] if g["story"])
    pieces = data["groups"][0]["articles"][0]["snippet"]
    assert any(p["hit"] and p["text"].lower().startswith("bridge") for p in pieces)
    page = client.get("/search", params={"q": "bridge"}).text
    assert "<mark>" in page.lower() or "<mark>" in page


def test_the_story_page_draws_its_coverage_and_feeds_carry_leads(client: TestClient) -> None:
    data = client.get("/api/story/s-nw-talks-1").json()
    chart = data["chart"]
    assert chart["bars"] and chart["legend"] and chart["timeline"]
    assert sum(1 for b in chart["bars"]) >= len({b["x"] for b in chart["bars"]})
    page = client.get("/story/s-nw-talks-1").text
    assert page.count("<rect") >= len(chart["bars"]) and "<circle" in page
    feed = client.get("/story/s-nw-talks-1.atom").text
    first = data["articles"][0]
    assert first["lead"][:40] in feed


def test_a_person_page_shows_their_stories_and_who_is_named_with_them(
    client: TestClient,
) -> None:
    data = client.get("/api/entity/Natarajan").json()
    assert data["stories"] and data["named_with"] and data["quotes_by_month"]
    assert sum(m["quotes"] for m in data["quotes_by_month"]) == len(data["quotes"])
    assert all(e["name"] != "Priya Natarajan" for e in data["named_with"])
    page = client.get("/entity/Natarajan").text
    assert "Their stories" in page and "Named with them" in page and "<rect" in page


def test_search_results_and_a_persons_quotes_come_a_page_at_a_time(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storyline import views

    monkeypatch.setattr(views, "RESULTS_PER_PAGE", 2)
    ids = []
    for number in (1, 2):
        data = client.get("/api/search", params={"q": "talks*", "page": number}).json()
        ids.append({a["id"] for g in data["groups"] for a in g["articles"]})
        assert len(ids[-1]) == 2
    assert not ids[0] & ids[1] and data["previous"] == 1 and data["next"] == 3
    page = client.get("/search", params={"q": "talks*", "page": 2}).text
    assert 'rel="next"' in page and 'rel="prev"' in page
    quotes = client.get("/api/entity/Natarajan", params={"page": 1}).json()
    assert len(quotes["quotes"]) == 2 and quotes["next"] == 2
    more = client.get("/api/entity/Natarajan", params={"page": 2}).json()["quotes"]
    assert more and more[0] != quotes["quotes"][0]


def test_a_storys_articles_are_listed_with_their_opening(client: TestClient) -> None:
    data = client.get("/api/story/s-et-bridge-1").json()
    page = client.get("/story/s-et-bridge-1").text
    for article in data["articles"]:
        assert article["lead"] and article["lead"][:30] in page.replace("&#39;", "'")


def test_furniture_is_shown_greyed_and_nothing_reads_it(tmp_path: Path) -> None:
    text = (
        "The Dunmore ferry returns to its winter timetable on Monday, the harbour office said.\n"
        "Share this article\n"
        "Posted by: gullwatcher | March 3, 2025 8:15 PM | Report abuse\n"
        '"About time," said Orla Penhale, who runs the quay cafe.'
    )
    record = {"id": "fx-1", "text": text, "source": "Dunmore Echo", "published": "2025-03-03"}
    source = tmp_path / "furniture.jsonl"
    source.write_text(json.dumps(record) + "\n", encoding="utf-8")
    db = tmp_path / "furniture.db"
    with open_store(db) as store:
        run(store, [str(source)], SourceOptions())
    with TestClient(create_app(str(db), BASE)) as client:
        data = client.get("/api/article/fx-1").json()
        page = client.get("/article/fx-1").text
    assert [f["kind"] for f in data["furniture"]] == ["prompt", "comments"]
    furniture = [s["text"] for s in data["segments"] if s["kind"] == "furniture"]
    assert furniture[0] == "Share this article"
    assert furniture[1].startswith("Posted by: gullwatcher") and furniture[1].endswith("cafe.")
    assert "".join(s["text"] for s in data["segments"]) == text
    # The commenter's quote is no quote, and the commenter no entity.
    assert [q["speaker"] for q in data["quotes"]] == ["the harbour office"]
    assert all("Penhale" not in e["canonical"] for e in data["entities"])
    assert '<mark class="furniture"' in page


def test_stories_of_many_articles_agree_with_one_lookup_each(db: str, tmp_path: Path) -> None:
    """The search page's batched lookup gives each article (a copy through its original) the
    story and headline the single lookups give (the told headline, else the first article's
    title), told stories or not."""
    with sqlite3.connect(db) as source, sqlite3.connect(tmp_path / "copy.db") as copy:
        source.backup(copy)  # the committed state, whatever a server's connection holds
    with open_store(tmp_path / "copy.db") as store:
        with store.transaction():  # half the stories untold: their first article's title
            store.conn.execute("DELETE FROM story_tellings WHERE rowid % 2 = 0")
        untold = store.conn.execute(
            "SELECT COUNT(DISTINCT story_id) FROM story_articles"
            " WHERE story_id NOT IN (SELECT story_id FROM story_tellings)"
        ).fetchone()[0]
        ids = [str(r[0]) for r in store.conn.execute("SELECT id FROM articles")]
        copies = store.conn.execute("SELECT COUNT(*) FROM duplicates").fetchone()[0]
        told = dict(store.conn.execute("SELECT story_id, headline FROM story_tellings"))
        one_by_one = {}
        for article_id in ids:
            story = store.story_of(store.canonical_id(article_id))
            if story is not None:
                # The told headline, else the title of the story's first article in its order.
                headline = told.get(story) or store.story_articles(story)[0].title
                one_by_one[article_id] = (story, headline)
                assert store.story_headline(story) == headline
        assert store.stories_of(ids) == one_by_one
        assert store.stories_of([]) == {}
    assert copies > 0 and len(one_by_one) > copies and untold > 0


def _quotes_section(page: str) -> str:
    return page[page.index('id="quotes"') : page.index('id="actors"')]


def test_a_big_storys_page_shows_a_few_quotes_per_speaker_and_links_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import storyline.web.app as web
    from storyline.records import Article

    monkeypatch.setattr(web, "QUOTES_SHOWN", 2)
    monkeypatch.setattr(web, "SPEAKERS_SHOWN", 2)
    monkeypatch.setattr(web, "ALSO_SHOWN", 1)
    # Quotes of four speakers: 4, 3, 2 and 1, each in an article of its own.
    speakers = {"Ada Brisk": 4, "Col Tarrant": 3, "Ina Vell": 2, "Orm Dace": 1}
    db = tmp_path / "big.db"
    with open_store(db) as store:
        n = 0
        with store.transaction() as conn:
            for speaker, count in speakers.items():
                for _ in range(count):
                    n += 1
                    text = f"Words number {n:02d} here, {speaker} said."
                    store.insert_article(Article(id=f"q{n}", text=text, content_hash=f"q{n}"))
                    conn.execute(
                        "INSERT INTO quotes (article_id, n, kind, content, speaker_text,"
                        " speaker_name, spans) VALUES (?, 0, 'direct', ?, ?, ?, '{}')",
                        (f"q{n}", f"Words number {n:02d} here", speaker, speaker),
                    )
        for k in range(1, n + 1):
            store.assign_story(f"q{k}", "s-big", 1.0)
    from storyline.store import Store

    read: list[list[tuple[str, int]]] = []  # the quotes each page read whole
    quotes_at = Store.quotes_at
    monkeypatch.setattr(
        Store, "quotes_at", lambda self, keys: read.append(keys) or quotes_at(self, keys)
    )
    with TestClient(create_app(str(db), BASE)) as client:
        page = _quotes_section(client.get("/story/s-big").text)
        one = _quotes_section(client.get("/story/s-big", params={"speaker": "Col Tarrant"}).text)
        data = client.get("/api/story/s-big").json()
    # The page read the four it shows, the speaker's page that speaker's three, no more.
    assert [sorted(keys) for keys in read] == [
        [("q1", 0), ("q2", 0), ("q5", 0), ("q6", 0)],
        [("q5", 0), ("q6", 0), ("q7", 0)],
    ]
    shown = [f"Words number {k:02d} here" for k in range(1, n + 1)]
    # Two quotes of each of the two most quoted speakers; links to the rest.
    assert [q for q in shown if q in page] == [shown[0], shown[1], shown[4], shown[5]]
    assert "All 4 quotes of Ada Brisk in this story" in page
    assert "/story/s-big?speaker=Col%20Tarrant#quotes" in page
    assert "Also quoted: " in page and ">Ina Vell</a> (2), and 1 more speakers" in page
    # One speaker's page holds all their quotes and nobody else's.
    assert [q for q in shown if q in one] == shown[4:7]
    assert "Only the quotes of Col Tarrant" in one
    # The story's JSON keeps every quote.
    assert sum(len(group["quotes"]) for group in data["quotes"]) == n


def test_reported_speech_follows_its_cue_and_is_not_shown_as_the_speakers_words(
    client: TestClient,
) -> None:
    from markupsafe import escape

    quotes = client.get("/api/article/nw-talks-2").json()["quotes"]
    reported = [q for q in quotes if q["kind"] == "indirect"]
    assert reported and all(q["cue"] for q in reported)
    for page in (client.get("/article/nw-talks-2").text, client.get("/story/s-nw-talks-1").text):
        shown = [q for q in reported if str(escape(q["content"])) in page]
        assert shown
        for quote in shown:
            content = str(escape(quote["content"]))
            assert f"{escape(quote['cue'])}:</span> {content}" in page
            assert f"“{content}”" not in page
    direct = [q for q in quotes if q["kind"] == "direct"]
    assert direct and all(q["cue"] for q in direct)
    page = client.get("/article/nw-talks-2").text
    quoted = [str(escape(q["content"].strip('"“”'))) for q in direct]
    assert all(f"“{words}”" in page for words in quoted)


def test_a_quote_is_in_quotation_marks_only_when_the_speaker_said_those_words() -> None:
    from jinja2 import Environment, FileSystemLoader

    from storyline.web import app as web_app

    folder = Path(web_app.__file__).parent / "templates"
    template = Environment(loader=FileSystemLoader(folder), autoescape=True).get_template(
        "_quote.html"
    )

    def shown(**quote: Any) -> str:
        fields = {"polarity": "said", "dates": [], "confidence": None, "cue": None, **quote}
        return " ".join(template.render(q=fields).split())

    assert shown(kind="direct", content='"We stay,"', cue="said") == "“We stay,”"
    assert shown(kind="indirect", content="any wrongdoing", cue="denied", polarity="denied") == (
        '<span class="cue polarity">denied:</span> any wrongdoing'
    )
    # A headline's "NAME: words" has no cue's words to show; still no quotation marks.
    assert shown(kind="indirect", content="the pier stays open") == "the pier stays open"
    assert shown(kind="mixed", content='the pier is "safe"', cue="says") == (
        '<span class="cue">says:</span> the pier is &#34;safe&#34;'
    )
    assert shown(kind="indirect", content="to comment", polarity="declined", cue="declined") == (
        "<em>declined to comment</em>"
    )
