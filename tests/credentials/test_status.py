"""Bitstring Status List v1.0: bit order, encoding, size limits, allocation, entries, checks."""

import base64
import gzip
import io
import random
import time
import tracemalloc
import zlib
from datetime import datetime, timezone

import pytest

from issuer.credentials import documents as d
from issuer.credentials.canonical import Canonicalizer
from issuer.credentials.errors import StatusListError
from issuer.credentials.loader import DocumentLoader
from issuer.credentials.status import (MIN_ENTRIES, StatusList, allocate_index, check_status,
                                       status_entry, status_list_credential)

LIST_URL = "https://example.org/status/1"
MAY_2024 = datetime(2024, 5, 1, tzinfo=timezone.utc)
# The all-zero 16 KB list from the StatusList2021 / Bitstring Status List spec examples.
SPEC_EMPTY_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


@pytest.fixture(scope="module")
def canon():
    return Canonicalizer(DocumentLoader())


def multibase(raw: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def gzip_by_hand(data: bytes) -> bytes:
    """GZIP with a file name and a timestamp in the header, as other encoders may write it."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="list.bin", mode="wb", fileobj=buffer, mtime=1_700_000_000) as fh:
        fh.write(data)
    return buffer.getvalue()


def zero_bomb(size: int) -> bytes:
    """GZIP of ``size`` zero bytes, compressed in chunks so the test never holds them all."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1 << 20)
    parts = [packer.compress(chunk) for _ in range(size // len(chunk))]
    return b"".join(parts) + packer.flush()


def list_credential(bits: StatusList, purpose: str = "revocation") -> dict:
    return status_list_credential(LIST_URL, "did:example:issuer", bits.encode(),
                                  valid_from=MAY_2024, purpose=purpose)


# ---------------------------------------------------------------- the bitstring

def test_index_zero_is_the_most_significant_bit_of_the_first_byte():
    bits = StatusList()
    bits.set(0)
    bits.set(9)
    bits.set(MIN_ENTRIES - 1)
    raw = bits.to_bytes()
    assert (raw[0], raw[1], raw[-1]) == (0x80, 0x40, 0x01)
    assert bits.get(0) and bits.get(9) and not bits.get(1) and not bits.get(8)


def test_clearing_a_bit_leaves_its_neighbours():
    bits = StatusList()
    for index in (15, 16, 17):
        bits.set(index)
    bits.set(16, False)
    assert (bits.get(15), bits.get(16), bits.get(17)) == (True, False, True)


@pytest.mark.parametrize("index", [-1, MIN_ENTRIES, "3", True])
def test_index_out_of_range_is_a_range_error(index):
    with pytest.raises(StatusListError, match="outside") as caught:
        StatusList().get(index)
    assert caught.value.code == "RANGE_ERROR"


def test_size_must_reach_the_minimum_and_be_whole_bytes():
    with pytest.raises(StatusListError, match="below the minimum of 131072") as caught:
        StatusList(MIN_ENTRIES - 8)
    assert caught.value.code == "STATUS_LIST_LENGTH_ERROR"
    with pytest.raises(StatusListError, match="whole number of bytes"):
        StatusList(MIN_ENTRIES + 1)
    assert StatusList(MIN_ENTRIES * 2).size == 2 * MIN_ENTRIES


# ---------------------------------------------------------------- encoding

def test_round_trip_keeps_every_bit():
    bits = StatusList()
    chosen = random.Random(7).sample(range(MIN_ENTRIES), 500)
    for index in chosen:
        bits.set(index)
    decoded = StatusList.decode(bits.encode())
    assert decoded == bits and all(decoded.get(i) for i in chosen)
    assert sum(decoded.get(i) for i in range(0, MIN_ENTRIES, 97)) == sum(bits.get(i) for i in range(0, MIN_ENTRIES, 97))


def test_encoding_is_deterministic_multibase_gzip():
    first, second = StatusList(), StatusList()
    first.set(42)
    second.set(42)
    encoded = first.encode()
    assert encoded == second.encode() and encoded.startswith("uH4sI") and "=" not in encoded
    raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    assert raw[4:8] == b"\0\0\0\0"  # gzip mtime 0
    assert gzip.decompress(raw) == first.to_bytes()


def test_decodes_lists_encoded_elsewhere():
    spec = StatusList.decode(SPEC_EMPTY_LIST)
    assert spec.size == MIN_ENTRIES and spec.to_bytes() == bytes(MIN_ENTRIES // 8)
    data = bytearray(MIN_ENTRIES // 8)
    data[2] = 0b0010_0000  # index 18
    by_hand = StatusList.decode(multibase(gzip_by_hand(bytes(data))))
    assert by_hand.get(18) and not by_hand.get(17) and not by_hand.get(19)


@pytest.mark.parametrize("encoded,message", [
    ("z" + SPEC_EMPTY_LIST[1:], "multibase base64url"),
    ("uH4sI+/AAA", "not valid base64url"),
    ("uH4sIA", "not valid base64url"),
    (multibase(b"not gzip at all"), "not valid GZIP"),
    (multibase(gzip.compress(bytes(MIN_ENTRIES // 8))[:-12]), "truncated GZIP"),
    (multibase(gzip.compress(bytes(MIN_ENTRIES // 8)) + b"extra"), "data after the GZIP stream"),
    (None, "multibase base64url"),
])
def test_malformed_lists_are_verification_errors(encoded, message):
    with pytest.raises(StatusListError, match=message) as caught:
        StatusList.decode(encoded)
    assert caught.value.code == "STATUS_VERIFICATION_ERROR"


def test_short_list_is_a_length_error_unless_the_ecosystem_allows_it():
    short = multibase(gzip.compress(bytes(1024)))
    with pytest.raises(StatusListError, match="8192 entries; at least 131072") as caught:
        StatusList.decode(short)
    assert caught.value.code == "STATUS_LIST_LENGTH_ERROR"
    assert StatusList.decode(short, min_entries=8192).size == 8192


def test_list_over_the_size_limit_is_refused():
    encoded = StatusList(MIN_ENTRIES * 4).encode()
    with pytest.raises(StatusListError, match="expands beyond 32768 bytes"):
        StatusList.decode(encoded, max_bytes=32768)
    assert StatusList.decode(encoded, max_bytes=65536).size == MIN_ENTRIES * 4


def test_zip_bomb_is_refused_quickly_without_expanding_it():
    encoded = multibase(zero_bomb(100 * 1024 * 1024))  # 100 MB of zeros, ~100 KB compressed
    started = time.perf_counter()
    with pytest.raises(StatusListError, match="expands beyond") as caught:
        StatusList.decode(encoded)
    assert time.perf_counter() - started < 2 and caught.value.code == "STATUS_LIST_LENGTH_ERROR"
    tracemalloc.start()
    try:
        with pytest.raises(StatusListError, match="expands beyond 1048576 bytes"):
            StatusList.decode(encoded, max_bytes=1 << 20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * (1 << 20)


# ---------------------------------------------------------------- allocation

def test_allocation_never_repeats():
    used: set[int] = set()
    rng = random.Random(1)
    for _ in range(1000):
        index = allocate_index(used, MIN_ENTRIES, rng=rng)
        assert index not in used and 0 <= index < MIN_ENTRIES
        used.add(index)


def test_allocation_finds_the_last_free_index():
    free = 77_777
    assert allocate_index(lambda i: i != free, MIN_ENTRIES, rng=random.Random(2)) == free


def test_full_list_is_an_error():
    with pytest.raises(StatusListError, match="131072 entries is full"):
        allocate_index(lambda i: True, MIN_ENTRIES)
    with pytest.raises(StatusListError, match="positive integer"):
        allocate_index(set(), 0)


# ---------------------------------------------------------------- entries and list credentials

def test_status_entry_shape():
    entry = status_entry(LIST_URL, 94567)
    assert entry == {"id": f"{LIST_URL}#94567", "type": "BitstringStatusListEntry",
                     "statusPurpose": "revocation", "statusListIndex": "94567",
                     "statusListCredential": LIST_URL}
    assert entry["id"] != entry["statusListCredential"]
    with pytest.raises(StatusListError, match="non-negative integer"):
        status_entry(LIST_URL, -1)


def test_status_list_credential_shape():
    credential = status_list_credential(LIST_URL, "did:example:issuer", SPEC_EMPTY_LIST,
                                        valid_from=MAY_2024, valid_until=datetime(2025, 1, 1, tzinfo=timezone.utc),
                                        ttl_ms=300_000, purpose="suspension")
    assert credential["@context"] == [d.VC2_CONTEXT]
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["credentialSubject"] == {
        "id": f"{LIST_URL}#list", "type": "BitstringStatusList", "statusPurpose": "suspension",
        "encodedList": SPEC_EMPTY_LIST, "ttl": 300_000}
    assert (credential["validFrom"], credential["validUntil"]) == ("2024-05-01T00:00:00Z", "2025-01-01T00:00:00Z")


@pytest.mark.parametrize("issuer", ["did:example:issuer", d.profile("https://example.org/i", name="CoP")],
                         ids=["did", "profile"])
def test_status_list_credential_expands_in_safe_mode(canon, issuer):
    credential = status_list_credential(LIST_URL, issuer, SPEC_EMPTY_LIST, valid_from=MAY_2024, ttl_ms=1000)
    assert "status#encodedList" in canon.canonize(credential)


def test_badge_with_a_status_entry_expands_in_safe_mode(canon):
    badge = d.open_badge_credential(
        "urn:uuid:1", d.profile("https://example.org/i", name="CoP"), "did:example:1",
        d.achievement("https://example.org/a/1", "Helper", "Helps", d.criteria("Helped")),
        valid_from=MAY_2024, status=status_entry(LIST_URL, 5))
    assert "status#statusListIndex" in canon.canonize(badge)


# ---------------------------------------------------------------- checking an entry

def test_check_status_reads_the_bit():
    bits = StatusList()
    bits.set(5)
    listing = list_credential(bits)
    assert check_status(status_entry(LIST_URL, 5), listing) is True
    assert check_status(status_entry(LIST_URL, 6), listing) is False


def test_check_status_accepts_legacy_status_list_2021():
    bits = StatusList()
    bits.set(3)
    listing = {"type": ["VerifiableCredential", "StatusList2021Credential"],
               "credentialSubject": {"type": "StatusList2021", "statusPurpose": "revocation",
                                     "encodedList": bits.encode()[1:]}}  # no multibase prefix then
    entry = {"type": "StatusList2021Entry", "statusPurpose": "revocation", "statusListIndex": "3",
             "statusListCredential": LIST_URL}
    assert check_status(entry, listing) is True


def _entry(**changes) -> dict:
    return {**status_entry(LIST_URL, 5), **changes}


@pytest.mark.parametrize("entry,listing_changes,code,message", [
    (_entry(type="RevocationList2020Status"), {}, "STATUS_VERIFICATION_ERROR", "not a bitstring status entry"),
    (_entry(statusPurpose="suspension"), {}, "STATUS_VERIFICATION_ERROR", "'suspension' does not match"),
    (_entry(statusListIndex="five"), {}, "STATUS_VERIFICATION_ERROR", "not a base-10 string"),
    (_entry(statusListIndex="-5"), {}, "STATUS_VERIFICATION_ERROR", "not a base-10 string"),
    (_entry(statusListIndex=5), {}, "STATUS_VERIFICATION_ERROR", "not a base-10 string"),
    (_entry(statusSize=2), {}, "STATUS_VERIFICATION_ERROR", "statusSize"),
    (_entry(statusListIndex=str(MIN_ENTRIES)), {}, "RANGE_ERROR", "outside the list of 131072"),
    (_entry(statusListIndex="9" * 5000), {}, "RANGE_ERROR", "outside the list"),
    (_entry(), {"type": ["VerifiableCredential"]}, "STATUS_VERIFICATION_ERROR", "not a BitstringStatusListCredential"),
    (_entry(), {"credentialSubject": {"type": "BitstringStatusList", "statusPurpose": "revocation",
                                      "encodedList": multibase(gzip.compress(bytes(1024)))}},
     "STATUS_LIST_LENGTH_ERROR", "8192 entries"),
])
def test_check_status_errors_carry_the_spec_codes(entry, listing_changes, code, message):
    listing = {**list_credential(StatusList()), **listing_changes}
    with pytest.raises(StatusListError, match=message) as caught:
        check_status(entry, listing)
    assert caught.value.code == code


def test_check_status_honours_a_lower_ecosystem_minimum():
    data = bytearray(1024)
    data[0] = 0x04  # index 5
    listing = {**list_credential(StatusList())}
    listing["credentialSubject"] = {**listing["credentialSubject"], "encodedList": multibase(gzip.compress(bytes(data)))}
    assert check_status(_entry(), listing, minimum_entries=8192) is True
