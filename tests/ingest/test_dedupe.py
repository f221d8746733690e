from __future__ import annotations

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
