"""Analysis step: spaCy parses each article once, then named stages fill its analysis.

Owns model loading and stage composition (:mod:`.pipeline`, :mod:`.stage`), entities and
canonical names (:mod:`.entities`, :mod:`.gazetteer`), quotes and speakers (:mod:`.quotes`),
time expressions normalised to TIMEX3 (:mod:`.times`), and the rows an analysis is kept as
(:mod:`.rows`, shared by the store and the Spark job).

The stage names the command line shows live here, so that reading them loads no model.

Plain functions over records. May import :mod:`storyline.records` and
:mod:`storyline.errors`; never the store, the web layer, the CLI or PySpark.
"""

#: The analysis stages, in the order they run (``--stages``; registered in
#: :data:`storyline.analysis.pipeline.STAGES`).
STAGE_NAMES: tuple[str, ...] = ("entities", "quotes", "times")
DEFAULT_STAGES: tuple[str, ...] = STAGE_NAMES
