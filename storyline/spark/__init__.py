"""The Spark shell: the pipeline's steps distributed by Apache Spark over large archives.

Owns the job (:mod:`.job`): reading on executors, the copy rule as a banded LSH join, the
analysis per partition, and the one :class:`~storyline.stories.clusterer.Placement` loop on
the driver. Needs the ``spark`` extra; nothing else in the package imports PySpark.
"""
