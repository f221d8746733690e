"""Telling step: a story's headline, cited digest and dated timeline from its articles.

Owns sentences and scoring words (:mod:`.sentences`), the headline and digest
(:mod:`.digest`), the timeline (:mod:`.timeline`) and what a telling is made from
(:mod:`.tell`).

Plain functions over records. May import :mod:`storyline.records`, :mod:`storyline.errors`
and :mod:`storyline.analysis` (time expressions); never the store, the web layer, the CLI or
PySpark. When a stored story is told again is the runner's business.
"""
