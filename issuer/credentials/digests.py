"""Digests of related resources (VC 2.0 §5.3): ``digestSRI`` and ``digestMultibase``.

A digest is checked only against bytes we hold without fetching: the pinned contexts, as
pinned. Anything else is reported "could not check", never "ok".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import base58

from .paths import at, entries

MATCH, MISMATCH, UNKNOWN = "ok", "failed", "could not check"

_SRI_ALGORITHMS = {"sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
# hash-expression of Subresource Integrity §3.5: algorithm "-" base64 [ "?" options ]
_SRI = re.compile(r"(?P<alg>[A-Za-z0-9]+)-(?P<b64>[A-Za-z0-9+/]+={0,2})(\?[\x21-\x7e]*)?")
# multihash codes (multicodec table) → hashlib name and digest length
_MULTIHASH = {0x12: ("sha256", 32), 0x20: ("sha384", 48), 0x13: ("sha512", 64),
              0x16: ("sha3_256", 32), 0x15: ("sha3_384", 48), 0x14: ("sha3_512", 64)}


class _Malformed(ValueError):
    pass


class _Unknown(ValueError):
    pass


def _b64(text: str, alphabet: bytes | None = None) -> bytes:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=alphabet, validate=True)
    except (binascii.Error, ValueError):
        raise _Malformed("is not valid base64") from None


_MULTIBASE: dict[str, Callable[[str], bytes]] = {
    "z": lambda s: base58.b58decode(s),
    "u": lambda s: _b64(s, b"-_") if re.fullmatch(r"[A-Za-z0-9_-]*", s) else _raise_malformed(),
    "U": lambda s: _b64(s, b"-_") if re.fullmatch(r"[A-Za-z0-9_-]*=*", s) else _raise_malformed(),
    "m": lambda s: _b64(s) if re.fullmatch(r"[A-Za-z0-9+/]*", s) else _raise_malformed(),
    "M": lambda s: _b64(s),
    "f": bytes.fromhex, "F": bytes.fromhex,
    "b": lambda s: base64.b32decode(s.upper() + "=" * (-len(s) % 8)),
    "B": lambda s: base64.b32decode(s + "=" * (-len(s) % 8)),
}


def _raise_malformed() -> bytes:
    raise _Malformed("is not valid in its base")


def _varint(data: bytes, start: int) -> tuple[int, int]:
    value = shift = 0
    for index in range(start, min(len(data), start + 9)):
        value |= (data[index] & 0x7F) << shift
        if not data[index] & 0x80:
            return value, index + 1
        shift += 7
    raise _Malformed("is not a multihash (bad varint)")


def _multihash(value: Any) -> tuple[str, bytes]:
    """(hashlib name, digest) of a multibase multihash; _Malformed or _Unknown otherwise."""
    if not isinstance(value, str) or len(value) < 2:
        raise _Malformed("must be a multibase string")
    decode = _MULTIBASE.get(value[0])
    if decode is None:
        raise _Unknown(f"multibase prefix {value[0]!r} is not one this service decodes")
    try:
        raw = decode(value[1:])
    except _Malformed:
        raise
    except (ValueError, binascii.Error):
        raise _Malformed("does not decode in its multibase base") from None
    code, offset = _varint(raw, 0)
    length, offset = _varint(raw, offset)
    if length != len(raw) - offset or length == 0:
        raise _Malformed("is not a multihash (its length does not match)")
    if code not in _MULTIHASH:
        raise _Unknown(f"multihash code 0x{code:x} is not a hash this service computes")
    name, size = _MULTIHASH[code]
    if size != length:
        raise _Malformed(f"is not a multihash ({name} digests are {size} bytes, not {length})")
    return name, raw[offset:]


def _sri(value: Any) -> list[tuple[str, bytes]]:
    """(hashlib name, digest) per hash expression; _Malformed or _Unknown otherwise."""
    if not isinstance(value, str) or not value.split():
        raise _Malformed("must be an SRI string such as 'sha384-…'")
    found = []
    for expression in value.split():
        match = _SRI.fullmatch(expression)
        if match is None:
            raise _Malformed(f"{expression[:20]!r}… is not an SRI hash expression ('sha384-' + base64)")
        name = _SRI_ALGORITHMS.get(match["alg"].lower())
        if name is None:
            raise _Unknown(f"SRI algorithm {match['alg']!r} is not sha256, sha384 or sha512")
        digest = _b64(match["b64"])
        if len(digest) != hashlib.new(name).digest_size:
            raise _Malformed(f"a {match['alg']} digest is {hashlib.new(name).digest_size} bytes, "
                             f"not {len(digest)}")
        found.append((name, digest))
    return found


def sri_problem(value: Any) -> str | None:
    """Why ``value`` is not a well-formed digestSRI, or None."""
    try:
        _sri(value)
    except _Malformed as error:
        return str(error)
    except _Unknown:
        return None
    return None


def multibase_problem(value: Any) -> str | None:
    """Why ``value`` is not a well-formed digestMultibase, or None."""
    try:
        _multihash(value)
    except _Malformed as error:
        return f"{value!r} {error}" if isinstance(value, str) else str(error)
    except _Unknown:
        return None
    return None


@dataclass(frozen=True)
class DigestResult:
    outcome: str  # MATCH, MISMATCH or UNKNOWN
    path: str
    message: str


def check_related(doc: dict, pinned: Callable[[str], bytes | None]) -> Iterator[DigestResult]:
    """Each digest of each relatedResource against the pinned bytes of its id, if we have them."""
    value = doc.get("relatedResource")
    if value is None:
        return
    for item, path in entries(value, "relatedResource"):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        data = pinned(item["id"])
        for key, parse in (("digestSRI", _sri), ("digestMultibase", _one_multihash)):
            if key not in item:
                continue
            for digest, digest_path in entries(item[key], at(path, key)):
                yield _compare(item["id"], digest, digest_path, data, parse)


def _one_multihash(value: Any) -> list[tuple[str, bytes]]:
    return [_multihash(value)]


def _compare(url: str, digest: Any, path: str, data: bytes | None, parse) -> DigestResult:
    try:
        expected = parse(digest)
    except _Malformed as error:
        return DigestResult(MISMATCH, path, f"{path}: {error}")
    except _Unknown as error:
        return DigestResult(UNKNOWN, path, f"{path}: could not check {url}: {error}")
    if data is None:
        return DigestResult(UNKNOWN, path, f"{path}: could not check {url}: it is not available "
                                           "offline (only pinned contexts are)")
    for name, wanted in expected:
        if not hmac.compare_digest(hashlib.new(name, data).digest(), wanted):
            return DigestResult(MISMATCH, path, f"{path}: does not match the {name} digest of "
                                                f"{url} as pinned by this service")
    return DigestResult(MATCH, path, f"{path}: matches {url} as pinned")
