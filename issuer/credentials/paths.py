"""Property paths for problem messages (``a.b``, ``a[0]``), shared by every rule module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def at(path: str, key: str | int) -> str:
    """The path of ``key`` under ``path``: a.b, a[0]."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def entries(value: Any, path: str) -> Iterator[tuple[Any, str]]:
    """(entry, path) for a value that is one item or a list of items."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield item, at(path, index)
    else:
        yield value, path
