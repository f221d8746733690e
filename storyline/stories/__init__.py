"""Stories step: articles grouped online, in arrival order, into developing stories.

Owns the online clusterer, its saved state, the one loop that feeds it
(:class:`.clusterer.Placement`, used by the store's runner, ``storyline cluster`` and the Spark
driver) and BCubed for comparing groupings (:mod:`.clusterer`).

Plain functions over records. May import :mod:`storyline.records`, :mod:`storyline.errors`
and :mod:`storyline.analysis` (calendar names); never the store, the web layer, the CLI or
PySpark.
"""
