"""Fixtures of the interop tests: the DCC reference verifier (``js``); ``loopback`` is in tests/conftest.py.

Every test collected under tests/interop is marked ``interop``. When Node.js/npm or the pinned
packages are missing the ``js`` fixture raises, so those tests fail instead of skipping.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest


try:  # tests/interop is not a package today; keep working if it becomes one
    from . import harness
except ImportError:
    import harness

if str(harness.REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(harness.REPO_ROOT))

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.interop)


@pytest.fixture(scope="session")
def js():
    """A :class:`harness.ReferenceVerifier`: verify, verify_core, sign, canonize (+ *_many)."""
    harness.ensure_installed()
    reference = harness.ReferenceVerifier()
    try:
        yield reference
    finally:
        reference.close()
