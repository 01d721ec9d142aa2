"""issuer.baking: baked PNG and SVG badges, written and read back, by us and by openbadgeslib."""

from __future__ import annotations

import io
import json
import struct
import zlib

import pytest
from openbadgeslib import baking as independent
from PIL import Image

from issuer import baking
from issuer.errors import FieldError

# braces and a CDATA end inside strings, an escaped quote before a brace, non-ASCII
CREDENTIAL = json.dumps({"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:uuid:1",
                         "name": "Café {host} ]]> done", "credentialSubject": {
                             "achievement": {"criteria": {"narrative": "Use `{}` and \"}\" ]]]>"}}},
                         "proof": [{"proofValue": "z3x{"}]}, ensure_ascii=False)


def png(size=(16, 16)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (31, 111, 92, 255)).save(out, format="PNG")
    return out.getvalue()


def svg() -> bytes:
    return (b"<?xml version='1.0' encoding='utf-8'?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
            b"width=\"10\" height=\"10\"><title>Leaf &gt; tree</title><circle r=\"4\"/></svg>")


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    found, at = [], 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        found.append((kind, data[at + 8:at + 8 + length]))
        at += 12 + length
    return found


def itxt(keyword: bytes, text: bytes, compressed: bool = False) -> bytes:
    data = keyword + b"\0" + (b"\1\0" if compressed else b"\0\0") + b"\0\0" + (
        zlib.compress(text) if compressed else text)
    return struct.pack(">I", len(data)) + b"iTXt" + data + struct.pack(">I", zlib.crc32(b"iTXt" + data))


def with_chunks(image: bytes, *extra: bytes) -> bytes:
    """``image`` with ``extra`` raw chunks inserted after IHDR (33 bytes in)."""
    return image[:33] + b"".join(extra) + image[33:]


def lcw_reads(data: bytes) -> dict:
    """What the Learner Credential Wallet's PNG import does (DELIVERY.md §4.3): the whole file as
    UTF-8, the first '{' after the keyword, braces counted without regard to strings."""
    text = data.decode("utf-8", errors="replace")
    start = text.index("{", text.index("openbadgecredential"))
    depth = 0
    for end in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0:
            return json.loads(text[start:end + 1])
    raise AssertionError("unbalanced")


# --- PNG ------------------------------------------------------------------------------------------

def test_png_has_one_uncompressed_itxt_chunk_right_after_ihdr_with_the_same_json():
    baked = baking.bake_png(png(), CREDENTIAL)
    kinds = [kind for kind, _ in chunks(baked)]
    assert kinds[0] == b"IHDR" and kinds[1] == b"iTXt" and kinds.count(b"iTXt") == 1
    data = chunks(baked)[1][1]
    assert data.startswith(b"openbadgecredential\0\0\0\0\0")  # uncompressed, no language tags
    assert json.loads(baking.unbake_png(baked)) == json.loads(CREDENTIAL)
    Image.open(io.BytesIO(baked)).load()  # still a valid PNG (CRCs checked by Pillow)


def test_braces_inside_strings_are_escaped_so_the_wallets_brace_counter_reads_it():
    baked = baking.bake_png(png(), CREDENTIAL)
    text = baking.unbake_png(baked)
    assert "\\u007b" in text and "\\u007d" in text
    assert text.count("{") == text.count("}") == 5  # only the five objects' own braces
    assert lcw_reads(baked) == json.loads(CREDENTIAL)
    with pytest.raises((json.JSONDecodeError, AssertionError)):  # unescaped, the wallet fails
        lcw_reads(with_chunks(png(), itxt(b"openbadgecredential", CREDENTIAL.encode())))


def test_escaping_keeps_every_value_and_leaves_structure_alone():
    cases = ['{"a":"{"}', '{"a":"\\\\"}', '{"a":"\\"}{"}', '{"x{":["}",{"y":"}{"}]}', '[]', '"{"']
    for text in cases:
        escaped = baking.escape_braces_in_strings(text)
        assert json.loads(escaped) == json.loads(text), text
    assert baking.escape_braces_in_strings('{"a":{"b":1}}') == '{"a":{"b":1}}'


def test_rebaking_a_png_replaces_the_credential():
    once = baking.bake_png(png(), CREDENTIAL)
    other = json.dumps({"id": "urn:uuid:2"})
    twice = baking.bake_png(once, other)
    assert [kind for kind, _ in chunks(twice)].count(b"iTXt") == 1
    assert json.loads(baking.unbake_png(twice)) == {"id": "urn:uuid:2"}
    assert baking.bake_png(once, CREDENTIAL) == once


def test_openbadgeslib_reads_our_png():
    baked = baking.bake_png(png(), CREDENTIAL)
    assert json.loads(independent.extract_png(baked, keyword=b"openbadgecredential")) == json.loads(CREDENTIAL)


@pytest.mark.parametrize("image, code", [
    (png(), "baked.no-credential"),
    (with_chunks(png(), itxt(b"openbadgecredential", b"{}"), itxt(b"openbadgecredential", b"{}")),
     "baked.several-credentials"),
    (with_chunks(png(), itxt(b"openbadgecredential", b"{}", compressed=True)), "baked.compressed"),
    (with_chunks(png(), itxt(b"openbadgecredential", b"\xff\xfe")), "baked.not-utf8"),
    (png()[:40], "baked.damaged-png"),
    (png()[:33] + b"\0\0\0\x05tEXt", "baked.damaged-png"),
    (b"GIF89a", "baked.not-an-image"),
])
def test_png_problems_are_named(image, code):
    with pytest.raises(FieldError) as raised:
        baking.unbake(image, "upload")
    assert raised.value.code == code and raised.value.field == "upload"


def test_a_chunk_with_a_wrong_crc_is_damaged():
    baked = bytearray(baking.bake_png(png(), CREDENTIAL))
    baked[33 + 8 + 40] ^= 1  # inside the iTXt text
    with pytest.raises(FieldError) as raised:
        baking.unbake_png(bytes(baked))
    assert raised.value.code == "baked.damaged-png"


def test_a_broken_json_inside_is_handed_on_as_text():
    baked = with_chunks(png(), itxt(b"openbadgecredential", b'{"id": '))
    assert baking.unbake(baked) == '{"id": '  # the verify page words "not valid JSON"


# --- SVG ------------------------------------------------------------------------------------------

def test_svg_has_the_namespace_and_the_credential_first_in_cdata_with_cdata_ends_split():
    baked = baking.bake_svg(svg(), CREDENTIAL)
    text = baked.decode("utf-8")
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in text
    start = text.index("<svg")
    assert text[text.index(">", start) + 1:].startswith("<openbadges:credential><![CDATA[")
    assert "]]]]><![CDATA[>" in text and text.count("<openbadges:credential>") == 1
    assert baking.unbake_svg(baked) == CREDENTIAL  # byte for byte
    assert "<title>Leaf &gt; tree</title>" in text


def test_rebaking_an_svg_replaces_the_credential():
    once = baking.bake_svg(svg(), CREDENTIAL)
    twice = baking.bake_svg(once, '{"id": "urn:uuid:2"}')
    assert twice.count(b"<openbadges:credential>") == 1 and twice.count(b"xmlns:openbadges") == 1
    assert baking.unbake_svg(twice) == '{"id": "urn:uuid:2"}'


def test_an_empty_svg_and_a_png_wrapped_as_svg_are_baked():
    empty = b'<svg xmlns="http://www.w3.org/2000/svg"/>'
    assert baking.unbake_svg(baking.bake_svg(empty, CREDENTIAL)) == CREDENTIAL
    wrapped = baking.bake_svg(baking.png_as_svg(png((20, 10))), CREDENTIAL)
    assert b'width="20" height="10"' in wrapped and baking.unbake_svg(wrapped) == CREDENTIAL


def test_openbadgeslib_reads_our_svg():
    baked = baking.bake_svg(svg(), CREDENTIAL)
    found = independent.extract_svg(baked, element="openbadges:credential", text_fallback=True)
    assert found == CREDENTIAL


def test_a_vc_jwt_in_the_verify_attribute_is_read():
    image = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
             b'<openbadges:credential verify="eyJhbGciOiJFZERTQSJ9.e30.c2ln"/></svg>')
    assert baking.unbake_svg(image) == "eyJhbGciOiJFZERTQSJ9.e30.c2ln"


OB = b'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"'


@pytest.mark.parametrize("image, code", [
    (svg(), "baked.no-credential"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" ' + OB + b'><openbadges:credential>{}</openbadges:credential>'
     b'<g><openbadges:credential>{}</openbadges:credential></g></svg>', "baked.several-credentials"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" ' + OB + b'><openbadges:credential> </openbadges:credential></svg>',
     "baked.empty"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><g></svg>', "baked.damaged-svg"),
    (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
     "baked.svg-declarations"),
    (b'<svg>no namespace</svg>', "baked.not-an-image"),
])
def test_svg_problems_are_named(image, code):
    with pytest.raises(FieldError) as raised:
        baking.unbake(image, "baked")
    assert raised.value.code == code and raised.value.field == "baked"
