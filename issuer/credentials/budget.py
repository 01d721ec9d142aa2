"""One CPU-time budget for all the credential work of a unit of work (a web request).

Canonicalization and JSON Schema validation check it inside their loops, so a request that
verifies many credentials, or one intricate credential, stops when its budget is spent instead
of running on. CPU time of the calling thread is measured (time.thread_time), not wall time, so
a busy machine does not refuse documents that a quiet one accepts; time the thread spends in
Python's garbage collector is left out, because it grows with the whole process's heap, not with
the document (a large heap once cost a small credential its whole budget).
"""

from __future__ import annotations

import gc
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

from .errors import WorkLimitExceeded

_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar("work_deadline", default=None)


_collecting = threading.local()  # per thread: CPU time in the collector, and when a collection began


def _on_gc(phase: str, _info: dict) -> None:
    if phase == "start":
        _collecting.began = time.thread_time()
    elif getattr(_collecting, "began", None) is not None:
        _collecting.spent = getattr(_collecting, "spent", 0.0) + time.thread_time() - _collecting.began
        _collecting.began = None


gc.callbacks.append(_on_gc)


def cpu_now() -> float:
    """CPU seconds used so far by this thread, garbage collection left out."""
    return time.thread_time() - getattr(_collecting, "spent", 0.0)


@contextmanager
def work_budget(seconds: float | None) -> Iterator[None]:
    """Inside the block, all bounded work together may use ``seconds`` of CPU (None: no bound).

    A budget opened inside another never extends it.
    """
    outer = _DEADLINE.get()
    deadline = (cpu_now() + seconds, seconds) if seconds else None
    if outer is not None and (deadline is None or outer[0] < deadline[0]):
        deadline = outer
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def current() -> tuple[float, float] | None:
    """(deadline, seconds) of the open budget, or None."""
    return _DEADLINE.get()


def exceeded(seconds: float | None) -> WorkLimitExceeded:
    limit = f" of {seconds:g} s" if seconds else ""
    return WorkLimitExceeded(f"checking this document needs more than the CPU time limit{limit} "
                             "(ISSUER_CANON_MAX_SECONDS); it is too large or too intricate")


def check() -> None:
    """Raise WorkLimitExceeded when the open budget is spent."""
    deadline = _DEADLINE.get()
    if deadline is not None and cpu_now() > deadline[0]:
        raise exceeded(deadline[1])
