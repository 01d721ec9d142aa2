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


# --- SVG drawn as PNG -----------------------------------------------------------------------------

TWO_HALVES = (b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
              b'<rect width="20" height="20" fill="#1f6f5c"/><rect x="20" width="20" height="20" fill="#e05a00"/>'
              b'</svg>')


def drawn(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data), formats=["PNG"])
    picture.load()
    return picture.convert("RGBA")


def test_an_svg_is_drawn_as_a_png_that_shows_it_in_the_box():
    picture = drawn(baking.svg_as_png(TWO_HALVES))
    assert picture.size == (baking.RASTER_SIDE, baking.RASTER_SIDE // 2)  # aspect ratio kept
    assert picture.getpixel((100, 128)) == (31, 111, 92, 255)
    assert picture.getpixel((400, 128)) == (224, 90, 0, 255)


def test_a_drawn_svg_bakes_and_unbakes_like_any_png():
    baked = baking.bake_png(baking.svg_as_png(TWO_HALVES), CREDENTIAL)
    assert baking.unbake_png(baked) == baking.escape_braces_in_strings(CREDENTIAL)
    assert json.loads(independent.extract_png(baked, keyword=b"openbadgecredential")) == json.loads(CREDENTIAL)
    assert drawn(baked).getpixel((400, 128)) == (224, 90, 0, 255)


@pytest.mark.parametrize("size, expected", [
    ('width="1000000000" height="500000000"', (512, 256)),
    ('width="1e38" height="1e38" viewBox="0 0 10 10"', (512, 512)),
    ('width="3" height="900000000"', (1, 512)),
    ('viewBox="0 0 999999999 999999999"', (512, 512)),
])
def test_a_huge_declared_size_is_drawn_within_the_box(size, expected):
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" {size}>'
           f'<rect width="100%" height="100%" fill="#e05a00"/></svg>').encode()
    assert drawn(baking.svg_as_png(svg)).size == expected


def red_png_file(tmp_path):
    path = tmp_path / "secret.png"
    Image.new("RGB", (10, 10), (255, 0, 0)).save(path)
    return path


def test_drawing_reads_no_file_the_svg_names(tmp_path):
    import resvg_py
    path = red_png_file(tmp_path)
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
           f'width="10" height="10"><image width="10" height="10" href="{path}"/>'
           f'<image width="10" height="10" xlink:href="file://{path}"/>'
           f'<filter id="f"><feImage href="{path}"/></filter><rect width="10" height="10" filter="url(#f)"/>'
           f'</svg>').encode()
    # the renderer on its own does read the file: what we hand it must not name it
    direct = drawn(resvg_py.svg_to_bytes(svg_string=svg.decode(), width=10, height=10))
    assert direct.getpixel((5, 5)) == (255, 0, 0, 255)
    assert drawn(baking.svg_as_png(svg)).getpixel((256, 256)) != (255, 0, 0, 255)


def test_drawing_fetches_nothing_the_svg_names():
    import http.server
    import threading
    asked = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
               f'<image width="10" height="10" href="{base}/image.png"/>'
               f'<rect width="10" height="10" fill="url({base}/paint#p)"/>'
               f'<use href="{base}/use.svg#x"/></svg>').encode()
        assert drawn(baking.svg_as_png(svg)).size == (512, 512)
    finally:
        server.shutdown()
        server.server_close()
    assert asked == []


def laughs(levels: int, fan_out: int = 10) -> bytes:
    """Each level draws the one below ``fan_out`` times: fan_out ** levels rectangles."""
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
             'width="10" height="10"><defs><rect id="l0" width="1" height="1" fill="red"/>']
    for level in range(1, levels + 1):
        parts.append(f'<g id="l{level}">' + f'<use xlink:href="#l{level - 1}"/>' * fan_out + '</g>')
    parts.append(f'</defs><use xlink:href="#l{levels}"/></svg>')
    return "".join(parts).encode()


def test_references_that_multiply_past_the_limit_are_refused_before_drawing():
    assert drawn(baking.svg_as_png(laughs(3))).size == (512, 512)  # a thousand rectangles is fine
    with pytest.raises(FieldError) as raised:
        baking.svg_as_png(laughs(6))  # a million
    assert raised.value.code == "baked.svg-too-complex"
    assert raised.value.params == {"limit": baking.MAX_DRAWN_ELEMENTS}


def test_a_pattern_that_fills_with_itself_and_a_long_chain_of_uses_are_counted():
    looped = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><pattern id="p" width="1" '
              b'height="1"><rect width="1" height="1" fill="url(#p)"/></pattern>'
              b'<rect width="10" height="10" fill="url(#p)"/></svg>')
    with pytest.raises(FieldError, match="svg-too-complex"):
        baking.svg_as_png(looped)
    chain = ['<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs><rect id="c0" width="1" height="1"/>']
    chain += [f'<g id="c{n}"><use href="#c{n - 1}"/></g>' for n in range(1, 5000)]
    chain.append('</defs><use href="#c4999"/></svg>')
    root = baking._svg_root("".join(chain).encode(), "image")
    assert baking.drawn_elements(root) == 1 + 1 + 1 + 2 * 4999 + 1  # svg, defs, use, 4999 × (g, use), c0
