"""W3C Bitstring Status List v1.0: the bitstring, its encoding, entries and list credentials.

Errors carry the spec's codes (``STATUS_RETRIEVAL_ERROR``, ``STATUS_VERIFICATION_ERROR``,
``STATUS_LIST_LENGTH_ERROR``, ``RANGE_ERROR``) so callers can build the problem-type URL
``https://www.w3.org/ns/credentials/status-list#<code>``. Proofs on list credentials are the
verifier's business, not this module's.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import secrets
import zlib
from collections.abc import Callable, Container
from datetime import datetime

from .errors import DocumentError, StatusListError
from .vocab import OB_CONTEXT, VC2_CONTEXT, type_list, xsd_datetime

MIN_ENTRIES = 131_072  # 16 KB: the herd-privacy minimum of BSL §Validate
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
RANDOM_TRIES = 64
STEP = 1 << 20  # decompression output per call
ENTRY_TYPES = {"BitstringStatusListEntry": ("BitstringStatusListCredential", "BitstringStatusList"),
               "StatusList2021Entry": ("StatusList2021Credential", "StatusList2021")}  # legacy (LCW)
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_INDEX = re.compile(r"[0-9]+", re.ASCII)
VERIFY, LENGTH, RANGE = "STATUS_VERIFICATION_ERROR", "STATUS_LIST_LENGTH_ERROR", "RANGE_ERROR"


class StatusList:
    """A mutable bitstring; bit i is ``byte[i // 8] & (0x80 >> (i % 8))`` (index 0 = MSB)."""

    def __init__(self, size: int = MIN_ENTRIES):
        if isinstance(size, bool) or not isinstance(size, int) or size % 8:
            raise StatusListError(f"status list size must be a whole number of bytes, not {size!r}")
        if size < MIN_ENTRIES:
            raise StatusListError(f"status list size {size} is below the minimum of {MIN_ENTRIES}",
                                  code=LENGTH)
        self._bits = bytearray(size // 8)

    @classmethod
    def _wrap(cls, data: bytes) -> StatusList:
        found = cls.__new__(cls)
        found._bits = bytearray(data)
        return found

    @property
    def size(self) -> int:
        """Number of entries (bits)."""
        return len(self._bits) * 8

    def __len__(self) -> int:
        return self.size

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StatusList) and self._bits == other._bits

    def _index(self, index: int) -> int:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < self.size:
            raise StatusListError(f"status list index {index!r} is outside 0..{self.size - 1}",
                                  code=RANGE)
        return index

    def get(self, index: int) -> bool:
        """True when the bit at ``index`` is set (revoked, suspended…)."""
        index = self._index(index)
        return bool(self._bits[index // 8] & (0x80 >> (index % 8)))

    def set(self, index: int, value: bool = True) -> None:
        """Set (or clear) the bit at ``index``."""
        index = self._index(index)
        if value:
            self._bits[index // 8] |= 0x80 >> (index % 8)
        else:
            self._bits[index // 8] &= ~(0x80 >> (index % 8)) & 0xFF

    def to_bytes(self) -> bytes:
        """The raw bitstring (before GZIP), e.g. for storage."""
        return bytes(self._bits)

    def encode(self) -> str:
        """Multibase base64url (no padding, prefix 'u') of the GZIP; mtime=0 makes it deterministic."""
        compressed = gzip.compress(bytes(self._bits), compresslevel=9, mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, encoded: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
               min_entries: int = MIN_ENTRIES) -> StatusList:
        """Parse an ``encodedList``, refusing bad multibase, bad GZIP and lists out of size bounds."""
        if not isinstance(encoded, str) or not encoded.startswith("u"):
            raise StatusListError("encodedList must be multibase base64url (starting with 'u')",
                                  code=VERIFY)
        text = encoded[1:]
        if not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
            raise StatusListError("encodedList is not valid base64url", code=VERIFY)
        try:
            compressed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            raise StatusListError("encodedList is not valid base64url", code=VERIFY) from None
        data = _gunzip(compressed, max_bytes)
        if len(data) * 8 < min_entries:
            raise StatusListError(f"status list has {len(data) * 8} entries; at least {min_entries} "
                                  "are required for herd privacy", code=LENGTH)
        return cls._wrap(data)


def _gunzip(compressed: bytes, max_bytes: int) -> bytes:
    """GZIP-decompress at most ``max_bytes``, stopping early so a zip bomb is never expanded."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip wrapper only, CRC checked
    out = bytearray()
    pending = compressed
    try:
        while not inflater.eof:
            # Small steps keep the peak near max_bytes; +1 lets an oversized list show itself.
            chunk = inflater.decompress(pending, min(STEP, max_bytes + 1 - len(out)))
            out += chunk
            if len(out) > max_bytes:
                raise StatusListError(f"status list expands beyond {max_bytes} bytes", code=LENGTH)
            pending = inflater.unconsumed_tail
            if not chunk and not pending:
                raise StatusListError("encodedList is a truncated GZIP stream", code=VERIFY)
    except zlib.error as error:
        raise StatusListError(f"encodedList is not valid GZIP: {error}", code=VERIFY) from None
    if inflater.unused_data:
        raise StatusListError("encodedList has data after the GZIP stream", code=VERIFY)
    return bytes(out)


def allocate_index(used: Container[int] | Callable[[int], bool], size: int, *,
                   rng: secrets.SystemRandom = secrets.SystemRandom()) -> int:
    """A random unused index in 0..size-1 (random for herd privacy, BSL §Privacy)."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise StatusListError(f"status list size must be a positive integer, not {size!r}")
    is_used = used if callable(used) else used.__contains__
    for _ in range(RANDOM_TRIES):
        candidate = rng.randrange(size)
        if not is_used(candidate):
            return candidate
    # Nearly full: scan once from a random start, so the search always ends.
    start = rng.randrange(size)
    for offset in range(size):
        candidate = (start + offset) % size
        if not is_used(candidate):
            return candidate
    raise StatusListError(f"status list of {size} entries is full", code="STATUS_LIST_FULL")


def status_entry(list_url: str, index: int, purpose: str = "revocation") -> dict:
    """A BitstringStatusListEntry; its id ``<list>#<index>`` must differ from the list URL (BSL)."""
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise StatusListError(f"status list index must be a non-negative integer, not {index!r}",
                              code=RANGE)
    return {"id": f"{list_url}#{index}", "type": "BitstringStatusListEntry",
            "statusPurpose": purpose, "statusListIndex": str(index),
            "statusListCredential": list_url}


def check_entry(entry, path: str = "credentialStatus") -> None:
    """A client's status entry is kept only when a verifier could use it (BSL §2.1).

    Entries of other types are kept as given (the expansion check still makes sure their terms
    are defined); bitstring entries need their purpose, a base-10 index and the list's URL.
    """
    if not isinstance(entry, dict):
        raise DocumentError(f"{path}: must be an object")
    if set(type_list(entry.get("type"))) & set(ENTRY_TYPES):
        for name in ("statusPurpose", "statusListCredential"):
            if not isinstance(entry.get(name), str) or not entry[name]:
                raise DocumentError(f"{path}.{name}: required (a string)")
        if ":" not in entry["statusListCredential"]:
            raise DocumentError(f"{path}.statusListCredential: must be an absolute URL")
        index = entry.get("statusListIndex")
        if not isinstance(index, str) or not _INDEX.fullmatch(index) or len(index) > 20:
            raise DocumentError(f"{path}.statusListIndex: must be a base-10 string, like \"94567\"")
        size = entry.get("statusSize", 1)
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise DocumentError(f"{path}.statusSize: must be a positive whole number")


def status_list_credential(list_url: str, issuer: str | dict, encoded_list: str, *,
                           valid_from: datetime, purpose: str = "revocation",
                           valid_until: datetime | None = None, ttl_ms: int | None = None) -> dict:
    """An unsigned BitstringStatusListCredential (all its terms are in the VC 2.0 context)."""
    # A Profile issuer object uses OB terms (type Profile), so it needs the OB context too.
    contexts = [VC2_CONTEXT, OB_CONTEXT] if isinstance(issuer, dict) else [VC2_CONTEXT]
    subject = {"id": f"{list_url}#list", "type": "BitstringStatusList", "statusPurpose": purpose,
               "encodedList": encoded_list}
    if ttl_ms is not None:
        subject["ttl"] = ttl_ms
    document = {"@context": contexts, "id": list_url,
                "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                "issuer": issuer, "validFrom": xsd_datetime(valid_from)}
    if valid_until is not None:
        document["validUntil"] = xsd_datetime(valid_until)
    document["credentialSubject"] = subject
    return document


def _list_subject(entry_type: str, list_credential: dict) -> dict:
    """The list credential's subject, after checking both have the types the entry calls for."""
    credential_type, subject_type = ENTRY_TYPES[entry_type]
    listed_types = type_list(list_credential.get("type")) if isinstance(list_credential, dict) else []
    if credential_type not in listed_types:
        raise StatusListError(f"the status list is not a {credential_type}", code=VERIFY)
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, dict) or subject_type not in type_list(subject.get("type")):
        raise StatusListError(f"the status list's credentialSubject is not a {subject_type}",
                              code=VERIFY)
    return subject


def check_status(entry: dict, list_credential: dict, *, minimum_entries: int = MIN_ENTRIES) -> bool:
    """True when the entry's bit is set in the (already verified) list credential (BSL §Validate)."""
    entry_type = entry.get("type") if isinstance(entry, dict) else None
    if entry_type not in ENTRY_TYPES:
        raise StatusListError(f"credentialStatus type {entry_type!r} is not a bitstring status entry",
                              code=VERIFY)
    subject = _list_subject(entry_type, list_credential)
    purpose = entry.get("statusPurpose")
    if purpose not in type_list(subject.get("statusPurpose")):
        raise StatusListError(f"statusPurpose {purpose!r} does not match the list's "
                              f"{subject.get('statusPurpose')!r}", code=VERIFY)
    if entry.get("statusSize", 1) != 1:
        raise StatusListError("statusSize other than 1 is not supported", code=VERIFY)
    index = entry.get("statusListIndex")
    if not isinstance(index, str) or not _INDEX.fullmatch(index):
        raise StatusListError(f"statusListIndex {index!r} is not a base-10 string", code=VERIFY)
    encoded = subject.get("encodedList")
    if entry_type == "StatusList2021Entry" and isinstance(encoded, str) and encoded[:1] != "u":
        encoded = "u" + encoded.rstrip("=")  # StatusList2021 had plain base64url, no multibase prefix
    bits = StatusList.decode(encoded, min_entries=minimum_entries)
    if len(index) > 20 or int(index) >= bits.size:  # length first: int() refuses huge strings
        raise StatusListError(f"statusListIndex {index} is outside the list of {bits.size} entries",
                              code=RANGE)
    return bits.get(int(index))
