"""Analysis step: spaCy parses each article once, then named stages fill its analysis.

Owns model loading and stage composition (:mod:`.pipeline`, :mod:`.stage`), entities and
canonical names (:mod:`.entities`, :mod:`.gazetteer`), quotes and speakers (:mod:`.quotes`),
time expressions normalised to TIMEX3 (:mod:`.times`), and the rows an analysis is kept as
(:mod:`.rows`, shared by the store and the Spark job).

Plain functions over records. May import :mod:`storyline.records` and
:mod:`storyline.errors`; never the store, the web layer, the CLI or PySpark.
"""
