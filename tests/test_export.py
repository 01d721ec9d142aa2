"""QR codes decode back to exactly the verify URL; SVGs are plain, script-free XML."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from defusedxml.ElementTree import fromstring
from PIL import Image

from issuer import export
from tests.web.test_credential_page import award

SVG = "{http://www.w3.org/2000/svg}"


def decode(png: bytes) -> list:
    return zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))


def test_png_decodes_to_exactly_the_url_at_error_correction_m():
    url = "https://badges.example.org/credentials/6f1c1f0e-3f6a-4c1e-9f0e-1f2a3b4c5d6e/verify"
    found = decode(export.qr_png(url))
    assert [code.text for code in found] == [url]
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode and found[0].ec_level == "M"


def test_svg_is_well_formed_without_scripts_or_external_resources():
    text = export.qr_svg("http://127.0.0.1:5000/credentials/abc/verify")
    root = fromstring(text)
    assert root.tag == SVG + "svg"
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert tags <= {"svg", "rect", "path"} and "path" in tags
    attributes = " ".join(f"{k}={v}" for element in root.iter() for k, v in element.attrib.items())
    assert "href" not in attributes and "on" not in {k[:2] for e in root.iter() for k in e.attrib}
    assert "<script" not in text and "http://" not in text.replace("http://www.w3.org/2000/svg", "")


def test_svg_renders_the_same_code_as_the_png():
    """Both draw one symbol: the SVG path has as many dark modules as the PNG."""
    data = "http://127.0.0.1:5000/credentials/abc/verify"
    path = fromstring(export.qr_svg(data)).find(SVG + "path")
    modules_svg = path.get("d").count("z")
    png = Image.open(io.BytesIO(export.qr_png(data))).convert("L")
    step = export.BOX_SIZE
    modules_png = sum(1 for y in range(0, png.height, step) for x in range(0, png.width, step)
                      if png.getpixel((x + step // 2, y + step // 2)) < 128)
    assert modules_svg == modules_png > 100


@pytest.mark.parametrize("bad", ["", "x" * (export.MAX_QR_DATA + 1)])
def test_empty_or_oversized_data_is_refused(bad):
    with pytest.raises(ValueError, match="QR"):
        export.qr_png(bad)
    with pytest.raises(ValueError, match="QR"):
        export.qr_svg(bad)


@pytest.mark.parametrize("name,expected", [
    ("Community facilitator", "community-facilitator.json"),
    ("Ünïcode <b>&</b> badge", "unicode-b-b-badge.json"),
    ("../../etc/passwd", "etc-passwd.json"),
    ("«»", "credential.json"),
    (None, "credential.json"),
])
def test_download_names_are_safe(name, expected):
    assert export.download_name(name) == expected


def test_credential_qr_routes_encode_the_verify_url(client, app):
    made = award(app)
    expected = f"http://127.0.0.1:5000/credentials/{made['id']}/verify"
    png = client.get(f"/credentials/{made['id']}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert [code.text for code in decode(png.data)] == [expected]
    svg = client.get(f"/credentials/{made['id']}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert isinstance(fromstring(svg.data), ET.Element)
    verify_page = client.get(expected.removeprefix("http://127.0.0.1:5000"), headers={"Accept": "text/html"})
    assert verify_page.status_code == 200 and "Verified" in verify_page.get_data(as_text=True)
