"""Ingestion step: sources → articles, and which articles copy which.

Owns reading files, folders, JSONL, feeds, URL lists and WARC archives (:mod:`.sources`),
polite HTTP (:mod:`.fetch`), HTML → text and metadata with the date's provenance and the
language (:mod:`.extract`), and the copy rule with its MinHash/LSH configuration
(:mod:`.dedupe`, shared with the Spark job).

The defaults the command line shows live here, so that reading them imports no parser.

Plain functions over records. May import :mod:`storyline.records`, :mod:`storyline.errors`
and :mod:`storyline._version`; never the store, the web layer, the CLI or PySpark. Storing
what it reads is the runner's business (:mod:`storyline.runner`).
"""

#: What a SOURCE can be (``--kind``).
KINDS = ("jsonl", "html", "feed", "url", "urls", "warc")
#: The largest document read (``--max-bytes``): a file, a JSONL line, a page, a WARC record.
DEFAULT_MAX_BYTES = 10_000_000
#: The environment variable that allows fetching private addresses, like --allow-private.
ALLOW_PRIVATE_ENV = "STORYLINE_ALLOW_PRIVATE"
