"""Baked badges: /credentials/<uuid>/badge.png|svg under the credential's privacy rule, the links on
the credential page, and the verify page and JSON API reading a baked upload."""

from __future__ import annotations

import base64
import io
import json

import pytest
from openbadgeslib import baking as independent
from PIL import Image

from issuer import baking
from tests.web.test_badges import achievement_id, awards, define, issue_form, make_community, png
from tests.web.browsing import Browser
from tests.web.test_credential_page import award as vc_api_badge

# Markdown criteria with braces and a CDATA end: what the Learner Credential Wallet and CDATA trip on
CRITERIA = "Write `{\"a\": 1}` in a call; close with `}` and `]]>`."
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle r="4"/></svg>')
HALVES = (b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="20" height="20" '
          b'fill="#1f6f5c"/><rect x="20" width="20" height="20" fill="#e05a00"/></svg>')


@pytest.fixture
def people(app):
    found = {handle: Browser(app).sign_up(handle) for handle in ("lea", "ada", "eve")}
    make_community(app, "lea", ("ada",))
    return found


def badge(app, people, **achievement) -> str:
    """A badge for ada, issued by lea (pending, private); its credential's uuid."""
    aid = achievement_id(define(people["lea"], criteria=CRITERIA, **achievement))
    assert issue_form(people["lea"], aid, ["ada"]).status_code == 302
    return awards(app, achievement_id=aid)[0].credential.id


def signed(app, uuid: str) -> dict:
    return json.loads(awards(app, id=uuid)[0].credential.signed_json)


def test_png_and_svg_hold_the_exact_signed_credential(app, people):
    uuid = badge(app, people)
    stored = signed(app, uuid)
    assert "}" in stored["credentialSubject"]["achievement"]["criteria"]["narrative"]
    got = people["ada"].get(f"/credentials/{uuid}/badge.png")
    assert got.status_code == 200 and got.mimetype == "image/png"
    assert 'filename="call-host.png"' in got.headers["Content-Disposition"]
    assert json.loads(baking.unbake_png(got.data)) == stored
    assert json.loads(independent.extract_png(got.data, keyword=b"openbadgecredential")) == stored
    svg = people["ada"].get(f"/credentials/{uuid}/badge.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    text = independent.extract_svg(svg.data, element="openbadges:credential", text_fallback=True)
    assert json.loads(text) == stored and b"]]]]><![CDATA[>" in svg.data


def test_an_svg_image_is_baked_as_svg_and_drawn_as_png(app, people):
    uuid = badge(app, people, image=(io.BytesIO(HALVES), "badge.svg"))
    stored = signed(app, uuid)
    svg = people["ada"].get(f"/credentials/{uuid}/badge.svg")
    assert svg.status_code == 200 and json.loads(baking.unbake_svg(svg.data)) == stored
    assert b"<rect" in svg.data
    got = people["ada"].get(f"/credentials/{uuid}/badge.png")
    assert got.status_code == 200 and got.mimetype == "image/png"
    assert 'filename="call-host.png"' in got.headers["Content-Disposition"]
    assert json.loads(baking.unbake_png(got.data)) == stored
    assert json.loads(independent.extract_png(got.data, keyword=b"openbadgecredential")) == stored
    picture = Image.open(io.BytesIO(got.data), formats=["PNG"]).convert("RGBA")
    assert picture.size == (baking.RASTER_SIDE, baking.RASTER_SIDE // 2)
    assert picture.getpixel((100, 128)) == (31, 111, 92, 255) and picture.getpixel((400, 128)) == (224, 90, 0, 255)
    page = people["ada"].get(f"/credentials/{uuid}").get_data(as_text=True)
    assert f'href="/credentials/{uuid}/badge.svg"' in page and f'href="/credentials/{uuid}/badge.png"' in page


def test_an_svg_image_of_huge_declared_size_is_drawn_at_the_capped_size(app, people):
    huge = b'<svg xmlns="http://www.w3.org/2000/svg" width="4000000000" height="4000000000"><circle r="9"/></svg>'
    uuid = badge(app, people, image=(io.BytesIO(huge), "huge.svg"))
    got = people["ada"].get(f"/credentials/{uuid}/badge.png")
    assert got.status_code == 200 and json.loads(baking.unbake_png(got.data)) == signed(app, uuid)
    assert Image.open(io.BytesIO(got.data), formats=["PNG"]).size == (baking.RASTER_SIDE, baking.RASTER_SIDE)


def test_an_svg_image_too_complex_to_draw_is_a_404_pointing_to_the_svg(app, people):
    from tests.test_baking import laughs
    uuid = badge(app, people, image=(io.BytesIO(laughs(6)), "laughs.svg"))
    refused = people["ada"].get(f"/credentials/{uuid}/badge.png")
    assert refused.status_code == 404
    assert "too many to draw as PNG: download badge.svg" in refused.get_data(as_text=True)
    assert people["ada"].get(f"/credentials/{uuid}/badge.svg").status_code == 200


def test_baked_badges_follow_the_credentials_privacy_rule(app, people):
    uuid = badge(app, people)
    for handle in ("ada", "lea"):
        assert people[handle].get(f"/credentials/{uuid}/badge.png").status_code == 200
    for browser in (people["eve"], Browser(app)):
        for extension in ("png", "svg"):
            assert browser.get(f"/credentials/{uuid}/badge.{extension}").status_code == 404
    assert people["ada"].get(f"/credentials/{uuid}/badge.gif").status_code == 404


def test_a_credential_without_an_achievement_image_is_a_404_saying_so(app):
    made = vc_api_badge(app)
    for extension in ("png", "svg"):
        answer = Browser(app).get(f"/credentials/{made['id']}/badge.{extension}")
        assert answer.status_code == 404
        assert "has no image" in answer.get_data(as_text=True)
    page = Browser(app).get(f"/credentials/{made['id']}").get_data(as_text=True)
    assert "badge.png" not in page and "Download badge image" not in page


def test_the_credential_page_links_both_downloads(app, people):
    uuid = badge(app, people)
    page = people["ada"].get(f"/credentials/{uuid}").get_data(as_text=True)
    assert "Download badge image" in page
    assert f'href="/credentials/{uuid}/badge.png"' in page and f'href="/credentials/{uuid}/badge.svg"' in page


@pytest.mark.parametrize("extension", ["png", "svg"])
def test_the_verify_page_verifies_an_uploaded_baked_badge(app, people, extension):
    uuid = badge(app, people)
    image = people["ada"].get(f"/credentials/{uuid}/badge.{extension}").data
    visitor = Browser(app)
    page = visitor.submit("/verify", {"upload": (io.BytesIO(image), f"badge.{extension}")},
                          form_url="/verify", content_type="multipart/form-data")
    assert page.status_code == 200 and ">Verified</p>" in page.get_data(as_text=True)


def with_chunk(image: bytes, text: bytes) -> bytes:
    import struct
    import zlib
    data = b"openbadgecredential\0\0\0\0\0" + text
    chunk = struct.pack(">I", len(data)) + b"iTXt" + data + struct.pack(">I", zlib.crc32(b"iTXt" + data))
    return image[:33] + chunk + image[33:]


PROBLEMS = [
    (png(), "holds no credential"),
    (with_chunk(with_chunk(png(), b"{}"), b"{}"), "holds 2 credentials"),
    (with_chunk(png(), b'{"id": '), "not valid JSON"),
    (with_chunk(png(), b"[1]"), "a credential is a JSON object"),
    (SVG, "holds no credential"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><g></svg>', "cannot be read"),
]


@pytest.mark.parametrize("image, words", PROBLEMS)
def test_the_verify_page_names_what_is_wrong_with_an_image(app, image, words):
    page = Browser(app).submit("/verify", {"upload": (io.BytesIO(image), "badge.png")},
                               form_url="/verify", content_type="multipart/form-data")
    assert page.status_code == 400 and words in page.get_data(as_text=True)


def test_the_api_verifies_a_baked_badge_sent_in_base64(app, people):
    uuid = badge(app, people)
    auth = {"Authorization": f"Bearer {people['eve'].api_token()}"}
    client = people["eve"].client
    for extension in ("png", "svg"):
        image = people["ada"].get(f"/credentials/{uuid}/badge.{extension}").data
        answer = client.post("/api/v1/verify", json={"baked": base64.b64encode(image).decode()},
                             headers=auth)
        assert answer.status_code == 200 and answer.get_json()["verdict"] == "Verified"
    for image, words in PROBLEMS:
        refused = client.post("/api/v1/verify", json={"baked": base64.b64encode(image).decode()},
                              headers=auth)
        assert refused.status_code == 400 and refused.mimetype == "application/problem+json"
        assert refused.get_json()["detail"].startswith("baked: ") and words in refused.get_json()["detail"]
    not_base64 = client.post("/api/v1/verify", json={"baked": "not base64!"}, headers=auth)
    assert not_base64.status_code == 400 and "base64" in not_base64.get_json()["detail"]
    not_an_image = client.post("/api/v1/verify", json={"baked": base64.b64encode(b"GIF89a").decode()},
                               headers=auth)
    assert not_an_image.status_code == 400 and "PNG or SVG" in not_an_image.get_json()["detail"]


def test_openapi_documents_the_baked_member(client):
    schema = client.get("/api/v1/openapi.json").get_json()["paths"]["/verify"]["post"]["requestBody"]
    variants = schema["content"]["application/json"]["schema"]["oneOf"]
    assert any(v.get("required") == ["baked"] for v in variants)


def test_an_image_uploaded_already_baked_is_rebaked_not_doubled(app, people):
    already = baking.bake_png(png(), json.dumps({"id": "urn:uuid:someone-else"}))
    uuid = badge(app, people, image=(io.BytesIO(already), "baked.png"))
    got = people["ada"].get(f"/credentials/{uuid}/badge.png").data
    assert got.count(b"openbadgecredential") == 1
    assert json.loads(baking.unbake_png(got)) == signed(app, uuid)
