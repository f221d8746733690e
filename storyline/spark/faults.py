"""Fault injection for the Spark job: how tests (and chaos runs) make Spark retry a task
half-way through its output, to check that a retried task writes exactly the rows it lost.

Set the local property :data:`FAIL_FIRST_ATTEMPT` (``sparkContext.setLocalProperty``) to the
stages ("read", "analyse", comma-separated) whose tasks should fail on their first attempt
after one record. Unset (the normal case), the wrapper only passes rows through.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["FAIL_FIRST_ATTEMPT", "failing_first_attempt"]

T = TypeVar("T")

FAIL_FIRST_ATTEMPT = "storyline.fail_first_attempt"


def failing_first_attempt(stage: str, rows: Iterable[T]) -> Iterator[T]:
    """``rows``, unless the property names ``stage``: then the task's first attempt fails
    after one row."""
    from pyspark import TaskContext

    context = TaskContext.get()
    doomed = (
        context is not None
        and context.attemptNumber() == 0
        and stage in (context.getLocalProperty(FAIL_FIRST_ATTEMPT) or "").split(",")
    )
    for n, row in enumerate(rows):
        if doomed and n == 1:
            raise RuntimeError(f"failure injected in the first attempt of a {stage} task")
        yield row
