"""The per-request CPU budget counts the work done for the document, not garbage collection."""

from __future__ import annotations

import gc
import time

import pytest

from issuer.credentials import budget
from issuer.credentials.errors import WorkLimitExceeded


def test_garbage_collection_is_not_charged_to_the_budget():
    """A full collection over a large heap can take longer than a whole budget; it is the
    process's cost, not the document's, so the request must not be refused for it."""
    heap = [[i, str(i)] for i in range(1_500_000)]
    with budget.work_budget(0.01):
        started = time.thread_time()
        gc.collect()
        assert time.thread_time() - started > 0.01  # the collection alone outlasts the budget
        budget.check()
    del heap


def test_work_past_the_budget_is_still_refused():
    with budget.work_budget(0.01):
        started = time.thread_time()
        while time.thread_time() - started < 0.05:
            sum(range(1000))
        with pytest.raises(WorkLimitExceeded, match="CPU time limit"):
            budget.check()
