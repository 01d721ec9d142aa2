"""Your profile: the edit form, the header it feeds, the link preview (tags and card), the Share
control, and the OB Profile and later credentials that carry the same name and photo."""

from __future__ import annotations

import io
import json
import re
from html import unescape

import pytest
from PIL import Image

from issuer.credentials.schema import PROFILE_SCHEMA, default_registry
from issuer.services.people import user_by_handle
from issuer.storage import get_session
from tests.conftest import make_app
from tests.web.browsing import Browser
from tests.web.test_people import issue_badge

BASE = "https://badges.example.org"
HTML = {"Accept": "text/html"}


def png(side: int = 48, colour=(200, 60, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), colour).save(out, "PNG")
    return out.getvalue()


def save(browser: Browser, photo: bytes | None = None, **fields):
    data = {"display_name": "Ada Lovelace", "headline": "", "bio": "", **fields}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), "me.png")
    return browser.submit("/settings/profile", data, content_type="multipart/form-data")


def form_values(page: str) -> dict:
    """What the form's text fields show (values and textarea content), unescaped."""
    found = {name: unescape(value) for name, value in
             re.findall(r'<input[^>]*name="(display_name|headline)"[^>]*value="([^"]*)"', page)}
    bio = re.search(r'<textarea[^>]*name="bio"[^>]*>\r?\n?(.*?)</textarea>', page, re.S)
    found["bio"] = unescape(bio.group(1)) if bio else None
    return found


def meta(page: str) -> dict:
    """The page's <meta property|name=… content=…> tags."""
    return {key: unescape(value) for key, value in
            re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)"', page)}


def stored(app, handle="ada"):
    with app.app_context():
        user = user_by_handle(get_session(), handle)
        return (user.display_name, user.headline, user.bio, user.photo_id, user.issuer.name,
                user.issuer.description, user.issuer.image_url)


@pytest.fixture
def ada(app):
    return Browser(app).sign_up("ada", "Ada Lovelace")


def test_edit_round_trip_shows_on_the_profile_the_form_and_the_profile_document(app, ada):
    assert form_values(ada.get("/settings/profile").get_data(as_text=True))["display_name"] == "Ada Lovelace"
    saved = save(ada, png(), display_name="Ada King", headline="Analyst & writer",
                 bio="Wrote the first program.\nLikes <looms>.")
    assert saved.status_code == 302 and saved.headers["Location"] == "/people/ada"
    page = ada.get("/people/ada").get_data(as_text=True)
    assert "<h1>Ada King</h1>" in page and "Analyst &amp; writer" in page
    assert "Wrote the first program.\nLikes &lt;looms&gt;." in page  # plain text, escaped
    name, headline, bio, photo_id, issuer_name, description, image_url = stored(app)
    assert (name, headline, issuer_name, description) == ("Ada King", "Analyst & writer", "Ada King",
                                                          "Analyst & writer")
    assert f'src="/images/{photo_id}"' in page and 'alt="Photo of Ada King"' in page
    served = ada.get(f"/images/{photo_id}")
    assert served.status_code == 200 and served.data == png()
    again = form_values(ada.get("/settings/profile").get_data(as_text=True))
    assert again == {"display_name": "Ada King", "headline": "Analyst & writer",
                     "bio": "Wrote the first program.\nLikes <looms>."}
    document = app.test_client().get("/people/ada", headers={"Accept": "application/ld+json"}).get_json()
    assert document["name"] == "Ada King"
    assert document["description"] == "Analyst & writer\n\nWrote the first program.\nLikes <looms>."
    assert document["image"] == {"id": image_url, "type": "Image", "caption": "Photo of Ada King"}
    assert image_url == f"{app.config['ISSUER_BASE_URL']}/images/{photo_id}"


def test_removing_the_photo_and_clearing_optional_fields(app, ada):
    save(ada, png(), headline="Analyst", bio="Notes")
    assert stored(app)[3] is not None
    assert save(ada, remove_photo="y").status_code == 302
    assert stored(app)[1:4] == (None, None, None) and stored(app)[6] is None
    document = app.test_client().get("/people/ada", headers={"Accept": "application/ld+json"}).get_json()
    assert "image" not in document and "description" not in document


@pytest.mark.parametrize("photo, said", [
    (b"\xff\xd8\xff\xe0" + b"0" * 64, "JPEG images are not accepted; upload a PNG or an SVG"),
    (png()[:60], "the PNG file is damaged and cannot be read"),
    (b"just some text", "this file is not a PNG or SVG image"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><g>", "the SVG file is not well-formed XML"),
])
def test_a_bad_photo_is_refused_by_name_and_the_typed_fields_are_kept(app, ada, photo, said):
    refused = save(ada, photo, display_name="Ada King", headline="Analyst", bio="Kept <as> typed")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    error = re.search(r'<p class="field-error" id="photo-error">([^<]*)</p>', page)
    assert error and said in unescape(error.group(1))
    assert 'href="#photo">Photo (optional)</a>' in page  # the summary names the field
    assert form_values(page) == {"display_name": "Ada King", "headline": "Analyst", "bio": "Kept <as> typed"}
    assert stored(app)[:4] == ("Ada Lovelace", None, None, None)  # nothing saved


@pytest.mark.parametrize("field, value, said", [
    ("display_name", "A" * 121, "use at most 120 characters (this has 121)"),
    ("display_name", "   ", "enter your name"),
    ("headline", "H" * 161, "use at most 160 characters (this has 161)"),
    ("headline", "two\nlines", "write it on one line"),
    ("bio", "B" * 2001, "use at most 2000 characters (this has 2001)"),
    ("bio", "bell \x07", "remove the invisible control characters"),
])
def test_too_long_or_malformed_fields_are_refused_and_kept(app, ada, field, value, said):
    typed = {"display_name": "Ada King", "headline": "Analyst", "bio": "Notes", field: value}
    refused = save(ada, png(), **typed)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    error = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', page)
    assert error and unescape(error.group(1)) == said
    assert form_values(page) == typed  # what was typed, as typed
    assert "choose the photo again" in page  # a chosen file is never re-sent by the browser
    assert stored(app)[:4] == ("Ada Lovelace", None, None, None)


def test_the_form_needs_a_login_and_its_csrf_token(app, ada):
    anonymous = app.test_client()
    assert anonymous.get("/settings/profile").status_code in (302, 401)
    forged = ada.client.post("/settings/profile", data={"display_name": "Mallory"})
    assert forged.status_code == 400 and stored(app)[0] == "Ada Lovelace"


def test_only_the_owner_is_offered_the_edit_link_and_the_did_is_tucked_away(app, ada):
    bob = Browser(app).sign_up("bob", "Bob")
    own = ada.get("/people/ada").get_data(as_text=True)
    assert 'href="/settings/profile">Edit your profile</a>' in own
    for viewer in (bob, Browser(app)):
        page = viewer.get("/people/ada").get_data(as_text=True)
        assert "Edit your profile" not in page
    with app.app_context():  # the DID is still there, in a details element after the person
        did = user_by_handle(get_session(), "ada").issuer.did
    assert re.search(r'<details class="person-did">\s*<summary>[^<]+</summary>.*?' + re.escape(did),
                     own, re.S)
    assert own.index("<h1>") < own.index(did)


def test_link_preview_tags_use_absolute_urls(tmp_path):
    app = make_app(tmp_path, ISSUER_BASE_URL=BASE, ISSUER_NAME="Recognised")
    ada = Browser(app).sign_up("ada", "Ada Lovelace")
    save(ada, display_name="Ada Lovelace", headline="Analyst")
    page = Browser(app).get("/people/ada").get_data(as_text=True)
    tags = meta(page)
    assert tags["og:url"] == f"{BASE}/people/ada" and tags["og:type"] == "profile"
    assert tags["og:image"] == tags["twitter:image"] == f"{BASE}/people/ada/card.png"
    assert (tags["og:image:width"], tags["og:image:height"], tags["og:image:type"]) == ("1200", "630", "image/png")
    assert tags["og:title"] == tags["twitter:title"] == "Ada Lovelace"
    assert tags["twitter:card"] == "summary_large_image" and tags["og:site_name"] == "Recognised"
    assert tags["og:description"].startswith("Analyst — 0 badges, 0 endorsements received")
    assert f'<link rel="canonical" href="{BASE}/people/ada">' in page
    for key, value in tags.items():
        if key.endswith(("url", "image")):
            assert value.startswith(f"{BASE}/"), key


def card_of(client, handle="ada"):
    response = client.get(f"/people/{handle}/card.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    return response


def test_the_card_is_a_1200_by_630_png_whose_etag_follows_name_and_public_counts(app, ada):
    Browser(app).sign_up("lea", "Lea Leader")
    client = app.test_client()
    first = card_of(client)
    with Image.open(io.BytesIO(first.data)) as picture:
        assert picture.format == "PNG" and picture.size == (1200, 630)
    tag = first.headers["ETag"]
    assert "max-age=" in first.headers["Cache-Control"]
    assert card_of(client).headers["ETag"] == tag  # nothing changed: the same card
    unchanged = client.get("/people/ada/card.png", headers={"If-None-Match": tag})
    assert unchanged.status_code == 304 and unchanged.data == b""

    save(ada, display_name="Ada King")
    renamed = card_of(client).headers["ETag"]
    assert renamed != tag
    uuid = issue_badge(app, members=())
    assert card_of(client).headers["ETag"] == renamed  # pending: not public, not counted
    ada.submit(f"/me/recognition/{uuid}/accept", form_url="/me/recognition")
    assert card_of(client).headers["ETag"] == renamed  # accepted but private
    ada.submit(f"/me/recognition/{uuid}/public", form_url="/me/recognition")
    counted = card_of(client)
    assert counted.headers["ETag"] not in (tag, renamed) and counted.data != first.data
    given = card_of(client, "lea").headers["ETag"]  # Lea awarded it: recognition she gave
    ada.submit(f"/me/recognition/{uuid}/private", form_url="/me/recognition")
    assert card_of(client).headers["ETag"] == renamed
    assert card_of(client, "lea").headers["ETag"] != given
    save(ada, png(), display_name="Ada King")
    assert card_of(client).headers["ETag"] != renamed  # a photo is drawn on it


def test_the_share_control_is_a_plain_link_that_our_own_script_improves(tmp_path):
    app = make_app(tmp_path, ISSUER_BASE_URL=BASE)
    Browser(app).sign_up("ada", "Ada Lovelace")
    response = Browser(app).get("/people/ada", base_url=BASE)
    page = response.get_data(as_text=True)
    share = page[page.index('<details class="share">'):]
    share = share[:share.index("</details>")]
    assert f'<a class="share-link long-link" href="{BASE}/people/ada">{BASE}/people/ada</a>' in share
    assert re.search(r"<button [^>]*data-share-copy hidden>Copy link</button>", share)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts == [(' src="/static/share.js" defer', "")]  # no inline code
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'none'"
    script = Browser(app).get("/static/share.js")
    assert script.status_code == 200 and script.mimetype in ("text/javascript", "application/javascript")
    assert "navigator.clipboard" in script.get_data(as_text=True)
    script.close()  # a static file is streamed from disk
    other = Browser(app).get("/communities", base_url=BASE).headers["Content-Security-Policy"]
    assert "script-src 'none'" in other  # only the profile page may load it


def test_the_profile_document_with_a_photo_validates_against_the_ob_profile_schema(app, ada):
    save(ada, png(), display_name="Ada King", headline="Analyst", bio="Notes")
    document = app.test_client().get("/people/ada", headers={"Accept": "application/ld+json"}).get_json()
    assert document["image"]["type"] == "Image"
    assert default_registry().validate(document, PROFILE_SCHEMA) == []
    broken = {**document, "image": {"id": document["image"]["id"], "type": ["Image"]}}
    assert default_registry().validate(broken, PROFILE_SCHEMA) != []  # the check can fail


def test_credentials_signed_after_a_change_name_the_person_as_the_profile_does(app, ada):
    bob = Browser(app).sign_up("bob", "Bob")
    save(ada, png(), display_name="Ada King", headline="Analyst")
    photo_url = stored(app)[6]
    ada.submit("/people/bob/endorse", {"comment": "Great mentor."})
    bob.submit("/people/ada/endorse", {"comment": "Careful analyst."})
    with app.app_context():
        from issuer.storage import Award
        rows = {row.author_user_id: json.loads(row.credential.signed_json)
                for row in get_session().query(Award).filter_by(kind="endorsement")}
        ada_id = user_by_handle(get_session(), "ada").id
    by_ada = rows.pop(ada_id)
    [about_ada] = rows.values()
    assert by_ada["issuer"]["name"] == "Ada King" and by_ada["issuer"]["description"] == "Analyst"
    assert by_ada["issuer"]["image"] == {"id": photo_url, "type": "Image", "caption": "Photo of Ada King"}
    assert about_ada["name"] == "Endorsement of Ada King"


def test_an_svg_photo_is_cleaned_shown_and_the_card_draws_initials_instead(app, ada):
    svg = (b"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10' onload='alert(1)'>"
           b"<script>alert(2)</script><circle cx='5' cy='5' r='4' fill='teal'/></svg>")
    assert save(ada, svg).status_code == 302
    photo_id = stored(app)[3]
    served = app.test_client().get(f"/images/{photo_id}")
    assert served.mimetype == "image/svg+xml" and b"script" not in served.data and b"onload" not in served.data
    with Image.open(io.BytesIO(card_of(app.test_client()).data)) as picture:
        assert picture.size == (1200, 630)


def test_profile_pages_and_cards_only_read(app, ada):
    from tests.web.test_reads_do_not_write import writes_to

    save(ada, png(), headline="Analyst")
    client = app.test_client()
    with writes_to(app) as found:
        assert client.get("/people/ada", headers=HTML).status_code == 200
        card_of(client)
    assert found == []
    assert client.get("/people/nobody/card.png").status_code == 404
