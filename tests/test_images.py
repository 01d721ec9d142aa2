"""Uploaded images: real PNGs pass, other formats are refused, SVGs come out with nothing active."""

from __future__ import annotations

import io
import os
import re
from contextlib import contextmanager

import pytest
from PIL import Image

from issuer.images import store_image, validate_upload
from issuer.errors import FieldError
from issuer.storage import StoredImage, get_session
from issuer.web.messages import words


@contextmanager
def refused(pattern: str):
    """Like pytest.raises(FieldError, match=…), matched against the words people read: the
    error carries a code, and issuer/web/messages.py words it."""
    with pytest.raises(FieldError) as caught:
        yield caught
    assert re.search(pattern, words(caught.value)), words(caught.value)


def png(size=(40, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (31, 111, 92, 255)).save(out, "PNG", **save)
    return out.getvalue()


def noise_png() -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3)).save(out, "PNG")
    return out.getvalue()


def encoded(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(out, kind)
    return out.getvalue()


SVG_HEAD = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            'viewBox="0 0 10 10">')


def svg(body: str, head: str = SVG_HEAD) -> bytes:
    return f"{head}{body}</svg>".encode()


def test_a_real_png_is_kept_as_uploaded():
    data = png()
    assert validate_upload(data, "badge.png") == ("image/png", data)


@pytest.mark.parametrize("kind, name", [("JPEG", "JPEG"), ("GIF", "GIF")])
def test_other_image_formats_are_refused_by_name(kind, name):
    with refused(f"{name} images are not accepted; upload a PNG or an SVG"):
        validate_upload(encoded(kind), f"photo.{kind.lower()}")


def test_text_and_empty_files_are_refused():
    with refused("not a PNG or SVG image") as caught:
        validate_upload(b"hello, this is not an image", "notes.txt")
    assert caught.value.field == "image"
    with refused("the file is empty"):
        validate_upload(b"", "empty.png")


def test_oversized_files_and_huge_pictures_are_refused():
    with refused("larger than 1 KB"):
        validate_upload(noise_png(), "big.png", max_bytes=1000)
    with refused(r"2049×10 pixels; at most 2048×2048"):
        validate_upload(png((2049, 10)), "wide.png")


def declared_png(width: int, height: int) -> bytes:
    """A small real PNG whose IHDR claims another size (CRC fixed so only the size is wrong)."""
    import struct
    import zlib

    data = bytearray(png((1, 1)))
    header = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(header))
    return bytes(data)


@pytest.mark.parametrize("width, height", [(30000, 30000), (10000, 10000), (100, 60000)])
def test_pngs_declaring_a_huge_size_are_refused_naming_the_limit(width, height):
    with refused(f"{width}×{height} pixels; at most 2048×2048") as caught:
        validate_upload(declared_png(width, height), "bomb.png")
    assert caught.value.field == "image"


def test_damaged_and_animated_pngs_are_refused():
    data = png((64, 64))
    with refused("damaged"):
        validate_upload(data[:60], "cut.png")
    frames = [Image.new("RGB", (8, 8), colour) for colour in ("red", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "PNG", save_all=True, append_images=frames[1:])
    with refused("animated"):
        validate_upload(out.getvalue(), "moving.png")


def test_svg_scripts_handlers_and_foreign_content_are_removed():
    evil = svg('<script>alert(1)</script><rect width="5" height="5" onclick="steal()" onLoad="x()"/>'
               '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi<script>1</script></div>'
               '</foreignObject><h:script xmlns:h="http://www.w3.org/1999/xhtml">2</h:script>'
               '<set attributeName="href" to="javascript:alert(1)"/>',
               head=SVG_HEAD.replace("<svg ", '<svg onload="alert(1)" '))
    mime, clean = validate_upload(evil, "evil.svg")
    text = clean.decode()
    assert mime == "image/svg+xml" and "<rect" in text
    for bad in ("script", "onclick", "onload", "onLoad", "foreignObject", "alert", "javascript"):
        assert bad not in text


def test_svg_external_references_are_removed_and_local_ones_kept():
    evil = svg('<defs><linearGradient id="g"/></defs>'
               '<a xlink:href="https://evil.example/"><text>link</text></a>'
               '<use xlink:href="https://evil.example/sprite.svg#icon"/><use href="#g"/>'
               '<image href="https://evil.example/track.png"/>'
               '<style>@import url(https://evil.example/x.css);</style><style>rect { fill: red }</style>'
               '<rect fill="url(#g)" style="background:url(https://evil.example/y)" width="1" height="1"/>')
    clean = validate_upload(evil, "links.svg")[1].decode()
    assert "evil.example" not in clean and "@import" not in clean
    assert 'href="#g"' in clean and 'fill="url(#g)"' in clean


CSS_TRICKS = [
    "<style>rect { fill: \\75 rl(https://evil.example/a) }</style>",
    "<style>@\\69mport 'https://evil.example/b.css';</style>",
    "<style>rect { fill: image-set('https://evil.example/c.png' 1x) }</style>",
    "<style><![CDATA[rect { fill: u\\72l(https://evil.example/d) }]]></style>",
    '<rect style="fill: \\75 rl(https://evil.example/e)" width="1" height="1"/>',
    '<rect style="background: image-set(&quot;https://evil.example/f&quot; 1x)" width="1" height="1"/>',
    '<rect fill="\\75 rl(https://evil.example/g)" width="1" height="1"/>',
    '<rect filter="image-set(\'https://evil.example/h\' 1x)" width="1" height="1"/>',
    '<rect width="1" height="1"><set attributeName="style" to="fill:\\75 rl(https://evil.example/i)"/></rect>',
]


@pytest.mark.parametrize("trick", CSS_TRICKS)
def test_style_elements_and_attributes_are_dropped_whole(trick):
    """CSS escapes and image-set() can name another document; no CSS is kept to be fooled by."""
    clean = validate_upload(svg(trick + '<circle r="2" fill="#1f6f5c"/>'), "css.svg")[1].decode()
    assert "evil.example" not in clean and "<style" not in clean and "style=" not in clean
    assert '<circle r="2" fill="#1f6f5c" />' in clean


def test_ordinary_styling_survives_as_presentation_attributes():
    clean = validate_upload(svg('<rect style="fill:red" fill="red" stroke-width="2" width="1" height="1"/>'
                                '<style>rect { fill: red }</style>'), "plain.svg")[1].decode()
    assert '<rect fill="red" stroke-width="2" width="1" height="1" />' in clean
    assert "<style" not in clean


def test_deeply_nested_svg_and_xml_base_are_handled():
    nested = svg("<g>" * 50 + '<rect onclick="x()" width="1" height="1"/>' + "</g>" * 50)
    clean = validate_upload(nested, "nested.svg")[1].decode()
    assert clean.count("<g>") == 50 and "onclick" not in clean
    with refused("more than 100 levels deep"):
        validate_upload(svg("<g>" * 5000 + "</g>" * 5000), "deep.svg")
    based = validate_upload(svg('<use xml:base="https://evil.example/x.svg" href="#a"/>'), "b.svg")[1]
    assert b"evil.example" not in based and b'href="#a"' in based


def test_svg_entity_expansion_and_dtds_are_refused():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;">'
              b'<!ENTITY c "&b;&b;&b;&b;">]><svg xmlns="http://www.w3.org/2000/svg">&c;</svg>')
    with refused("DTD or entity"):
        validate_upload(laughs, "laughs.svg")
    external = (b'<?xml version="1.0"?><!DOCTYPE svg SYSTEM "http://evil.example/x.dtd">'
                b'<svg xmlns="http://www.w3.org/2000/svg"/>')
    with refused("DTD or entity"):
        validate_upload(external, "external.svg")


def test_broken_or_foreign_xml_is_refused():
    with refused("not well-formed"):
        validate_upload(b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>", "broken.svg")
    with refused("root element is not <svg>"):
        validate_upload(b"<html xmlns='http://www.w3.org/1999/xhtml'/>", "page.svg")


def test_store_image_needs_alt_text_and_gives_a_permanent_url(app):
    platform = app.extensions["issuer.platform"]
    with app.app_context():
        session = get_session()
        with refused("describe the image") as caught:
            store_image(session, png(), "badge.png", "  ")
        assert caught.value.field == "alt"
        image = store_image(session, png(), "badge.png", "A green square")
        assert platform.urls.image(image.id) == f"{platform.base_url}/images/{image.id}"
        session.commit()
        stored = session.get(StoredImage, image.id)
        assert stored.mime == "image/png" and len(stored.sha256) == 64 and stored.alt == "A green square"
