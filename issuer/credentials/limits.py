"""Cheap structural limits, checked before any JSON-LD work on a document from outside.

JSON-LD processing costs far more per value than reading JSON does, and parts of it grow faster
than the document (duplicate checks, blank-node labelling). One linear walk over the parsed JSON
refuses, before any of that work, what no real credential needs: arrays wider than
``max_array_items``, more than ``max_values`` JSON values in all, strings longer than
``max_string_chars``. It also finds text that cannot be stored or served (a lone UTF-16
surrogate) and numbers JSON cannot carry (NaN, ±Infinity, or a float too large for a double).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .errors import CredentialError, WorkLimitExceeded

_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class StructureLimits:
    """The bounds; the defaults are far above any real credential (a CLR of 500 included)."""

    max_array_items: int = 1_000
    max_values: int = 100_000
    max_string_chars: int = 500_000


class StructureLimitExceeded(WorkLimitExceeded):
    """A document over one of the structural limits; the message names the limit."""

    code = "STRUCTURE_LIMIT"


class UnusableText(CredentialError):
    """A string or number in a document that cannot be signed, stored or served as JSON."""

    code = "INVALID_TEXT"


def check_structure(document: object, limits: StructureLimits) -> None:
    """Raise StructureLimitExceeded or UnusableText for the first problem found, else nothing.

    Iterative, so any depth is safe; it stops as soon as the value count is over the limit.
    """
    count, stack = 0, [(document, None)]
    while stack:
        value, path = stack.pop()
        count += 1
        if count > limits.max_values:
            raise StructureLimitExceeded(
                f"the document has more than {limits.max_values} JSON values; the limit is "
                f"{limits.max_values} values in all (max_values)")
        if isinstance(value, dict):
            for key, item in value.items():
                _check_text(key, (path, key), limits, is_key=True)
                stack.append((item, (path, key)))
        elif isinstance(value, list):
            if len(value) > limits.max_array_items:
                raise StructureLimitExceeded(
                    f"{_where(path)} is an array of {len(value)} items; the limit is "
                    f"{limits.max_array_items} items per array (max_array_items)")
            stack.extend((item, (path, index)) for index, item in enumerate(value))
        elif isinstance(value, str):
            _check_text(value, path, limits)
        elif isinstance(value, float) and not math.isfinite(value):
            raise UnusableText(f"{_where(path)} is {value}, which is not a JSON number")


def _check_text(text: str, path: tuple | None, limits: StructureLimits, *, is_key: bool = False) -> None:
    if len(text) > limits.max_string_chars:
        what = "a key" if is_key else "a string"
        raise StructureLimitExceeded(
            f"{_where(path)} is {what} of {len(text)} characters; the limit is "
            f"{limits.max_string_chars} characters per string (max_string_chars)")
    found = _SURROGATE.search(text)
    if found is not None:
        what = "a key" if is_key else "a string"
        raise UnusableText(f"{_where(path)} is {what} holding a lone UTF-16 surrogate "
                           f"(\\u{ord(found.group()):04x}), which is not text")


def _where(path: tuple | None) -> str:
    """A JSON-pointer-like location (the last six steps), short enough for a message."""
    parts = []
    while path is not None:
        path, key = path
        parts.append(str(key)[:60])
    if not parts:
        return "the document"
    shown = "/".join(reversed(parts[:6]))
    return ("…/" if len(parts) > 6 else "/") + shown
