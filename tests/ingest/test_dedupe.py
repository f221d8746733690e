from __future__ import annotations

from pathlib import Path

from storyline.ingest.dedupe import (
    DUPLICATE_THRESHOLD,
    Deduplicator,
    from_bytes,
    link_copies,
    signature,
    to_bytes,
)
from storyline.records import Article, content_hash

REPORT = (
    "Dockworkers at Port Halvard walked out on Thursday after talks over pay broke down, leaving"
    " dozens of ships waiting at anchor. Our members have gone three years without a raise, said"
    " the union leader. The port authority said the strike was costing the regional economy"
    " millions each day and urged workers to return while talks continued."
)
OTHER_REPORT = (
    "The strike at Port Halvard entered its fifth day on Monday, with more than forty ships now"
    " waiting to unload. The port authority chairman said the union's demands would make the"
    " port uncompetitive, and the union leader said workers would not return without an offer."
)


def test_copy_with_new_lead_matches_and_other_report_does_not() -> None:
    index = Deduplicator()
    index.add("wire", signature(REPORT))
    rewrite = "The harbour is at a standstill. " + REPORT.replace("dozens of", "many")
    match = index.find(signature(rewrite))
    assert match is not None and match.canonical_id == "wire"
    assert DUPLICATE_THRESHOLD <= match.similarity < 1.0
    assert index.find(signature(OTHER_REPORT)) is None


def _commented(text: str, *comments: tuple[str, str]) -> str:
    return text + "".join(
        f"\nPosted by: {user} | June 7, 2025 12:{24 + n} PM | Report abuse\n{words}"
        for n, (user, words) in enumerate(comments)
    )


def test_two_pages_of_one_copy_match_whatever_their_readers_wrote() -> None:
    # Each outlet's page of the wire copy carries its own readers' comments, as long as the
    # story: their words are no part of the copy.
    first = _commented(
        REPORT,
        ("riverfan", "Three years without a raise is a scandal and the port knows it well."),
        ("gullwatcher", "Ships at anchor cost us all; get back to the table and settle."),
        ("islander", "The authority has had years to plan for this and did nothing at all."),
    )
    second = _commented(
        REPORT,
        ("harbourmum", "My brother works the night shift there and says morale is at rock bottom."),
        ("oldsalt", "We saw the same in the eighties and it ended badly for everyone involved."),
    )
    index = Deduplicator()
    index.add("first", signature(first))
    match = index.find(signature(second))
    assert match is not None and match.canonical_id == "first"


def test_pages_of_little_but_comments_are_not_copies() -> None:
    # Almost no news once the comments are left out: the whole text decides.
    index = Deduplicator()
    index.add("one", signature(_commented("Comments.", ("riverfan", REPORT))))
    assert index.find(signature(_commented("Comments.", ("islander", OTHER_REPORT)))) is None


def test_copy_of_a_copy_links_to_the_canonical() -> None:
    index = Deduplicator()
    index.add("wire", signature(REPORT))
    index.add("copy", signature(REPORT + " More soon."), canonical_id="wire")
    match = index.find(signature(REPORT + " More soon. Updated at noon."))
    assert match is not None and match.canonical_id == "wire"


def test_signature_round_trips_through_bytes() -> None:
    minhash = signature(REPORT)
    restored = from_bytes(to_bytes(minhash))
    assert restored.jaccard(minhash) == 1.0
    assert len(to_bytes(minhash)) == 128 * 8


def test_link_copies_links_in_order_to_the_first_of_each_group() -> None:
    links = link_copies(
        Article(id=article_id, text=text, content_hash=content_hash(text))
        for article_id, text in [
            ("wire", REPORT),
            ("other", OTHER_REPORT),
            ("copy", REPORT + " More soon."),
            ("exact", REPORT),
            ("wire", REPORT),  # the same article again is no copy of itself
        ]
    )
    assert links == {"copy": "wire", "exact": "wire"}


def test_the_band_constants_are_datasketchs() -> None:
    from storyline.ingest.bands import BANDS, ROWS
    from storyline.ingest.dedupe import lsh_bands

    assert lsh_bands() == (BANDS, ROWS)


def test_signatures_sharing_a_band_share_its_key_and_only_then() -> None:
    from storyline.ingest.bands import BANDS, ROWS, band_keys

    first = to_bytes(signature(REPORT))
    # Change one band's values only: that band's key changes, the others stay.
    values = bytearray(first)
    values[3 * ROWS * 8] ^= 0xFF
    second = bytes(values)
    same = [a == b for a, b in zip(band_keys(first), band_keys(second), strict=True)]
    assert len(same) == BANDS and same.count(False) == 1 and not same[3]
    # The same hash values in two different bands give two different keys.
    assert len(set(band_keys(bytes(128 * 8)))) == BANDS


def test_the_stores_band_index_links_as_the_in_memory_index_does(tmp_path: Path) -> None:
    """Ingestion asks the store's band index for candidates; the links it makes must be the
    ones an index of every signature in memory makes (link_copies)."""
    from storyline.runner import IngestReport, store_items
    from storyline.store import open_store

    texts = [
        ("wire", REPORT),
        ("other", OTHER_REPORT),
        ("copy", "The harbour is at a standstill. " + REPORT.replace("dozens of", "many")),
        ("copy2", REPORT + " More soon."),
        ("exact", REPORT),
        ("other-copy", OTHER_REPORT + " Updated."),
    ]
    articles = [Article(id=i, text=t, content_hash=content_hash(t)) for i, t in texts]
    with open_store(tmp_path / "s.db") as store:
        store_items(store, articles, IngestReport())
        stored = {
            str(a): str(c)
            for a, c in store.conn.execute("SELECT article_id, canonical_id FROM duplicates")
        }
        counted = "SELECT SUM(rows) FROM index_levels WHERE name = 'bands'"
        bands = store.conn.execute(counted).fetchone()[0]
    assert stored == link_copies(articles) and len(stored) == 4
    assert bands <= 25 * len(texts)
