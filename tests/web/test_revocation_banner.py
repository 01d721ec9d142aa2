"""A revoked credential's pages open with the revocation: a banner, first thing in <main> and
before the page's h1, with the date and the reason when they may be told; the QR target too;
a third party's revoked credential says its date and reason are not known; an endorsement of a
revoked badge says so on its own pages."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser

import pytest
import zxingcpp
from PIL import Image

from issuer import storage
from issuer.explain import date_words
from tests.conftest import make_app
from tests.web.browsing import Browser
from tests.web.test_credential_page import award, endorse, person, revoke
from tests.web.test_remote_status import _signed_badge

REASON = "awarded to the wrong <b>person</b>"
SHOWN_REASON = "awarded to the wrong &lt;b&gt;person&lt;/b&gt;"


class MainOutline(HTMLParser):
    """The elements directly inside <main>, in order: (tag, class, text inside it)."""

    def __init__(self):
        super().__init__()
        self.depth, self.inside, self.children = 0, False, []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.inside, self.depth = True, 0
            return
        if self.inside:
            if self.depth == 0:
                self.children.append([tag, dict(attrs).get("class") or "", ""])
            if tag not in ("br", "img", "input", "meta", "link", "hr"):
                self.depth += 1

    def handle_endtag(self, tag):
        if tag == "main":
            self.inside = False
        elif self.inside and tag not in ("br", "img", "input", "meta", "link", "hr"):
            self.depth -= 1

    def handle_data(self, data):
        if self.inside and self.children and self.depth > 0:
            self.children[-1][2] += data


def outline(html: str) -> list[list[str]]:
    parser = MainOutline()
    parser.feed(html)
    return parser.children


def banner_first(html: str) -> str:
    """The banner's text, after checking it is the first thing in <main> and comes before the h1."""
    children = outline(html)
    assert children, "no <main>"
    tag, classes, text = children[0]
    assert (tag, classes) == ("section", "revoked-banner"), children[:3]
    assert html.index('class="revoked-banner"') < html.index("<h1")
    return " ".join(text.split())


def revoked_on(app, row_id: str) -> str:
    with app.app_context():
        return date_words(storage.credential_by_uuid(storage.get_session(), row_id).revoked_at)


@pytest.fixture
def revoked(app):
    """A public badge of Ada's, revoked with a reason."""
    _, ada = person(app, "ada", "Ada Lovelace")
    made = award(app, record={"recipient_user_id": ada, "consent": "accepted", "visibility": "public"})
    revoke(app, made["id"], REASON)
    return made


def qr_target(app, row_id: str) -> str:
    """The path the credential page's QR code encodes, read back from the image."""
    png = Browser(app).get(f"/credentials/{row_id}/qr.png")
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    return code.text.removeprefix(app.extensions["issuer.platform"].base_url)


def test_every_page_of_a_revoked_badge_opens_with_the_date_and_the_reason(app, revoked):
    when = revoked_on(app, revoked["id"])
    browser = Browser(app)
    pages = {"credential": browser.get(f"/credentials/{revoked['id']}"),
             "its verify page": browser.get(f"/credentials/{revoked['id']}/verify"),
             "the QR target": browser.get(qr_target(app, revoked["id"])),
             "/verify": browser.submit("/verify", {"credential": revoked["text"]})}
    assert qr_target(app, revoked["id"]) == f"/credentials/{revoked['id']}/verify"
    for name, page in pages.items():
        assert page.status_code == 200, name
        html = page.get_data(as_text=True)
        text = banner_first(html)
        assert text.startswith(f"Revoked on {when}"), (name, text)
        assert "Open Recognition revoked this credential. It no longer counts" in text, name
        assert f"Reason: {REASON}" in text, name
        assert SHOWN_REASON in html and "<b>person</b>" not in html, name
        assert html.count('class="revoked-banner"') == 1, name
        assert f'<p class="verdict-reason">Open Recognition revoked it on {when}.</p>' in html, name


def test_a_live_badge_has_no_banner(app):
    made = award(app)
    for url in (f"/credentials/{made['id']}", f"/credentials/{made['id']}/verify"):
        html = Browser(app).get(url).get_data(as_text=True)
        assert "revoked-banner" not in html and "About a revoked badge" not in html
        assert outline(html)[0][0] in ("article", "h1")
    html = Browser(app).submit("/verify", {"credential": made["text"]}).get_data(as_text=True)
    assert "revoked-banner" not in html


def test_the_banner_comes_before_a_flash_message(app, revoked):
    """Even a message of the moment (a flash) comes after the revocation."""
    browser = Browser(app)
    with browser.client.session_transaction() as session:
        session["_flashes"] = [("message", "Something happened just now.")]
    html = browser.get(f"/credentials/{revoked['id']}").get_data(as_text=True)
    children = outline(html)
    assert [c[1] for c in children[:2]] == ["revoked-banner", "flash message"]


def test_a_private_revoked_badge_tells_others_only_that_it_was_revoked(app):
    ada, ada_id = person(app, "ada")
    made = award(app, record={"recipient_user_id": ada_id, "consent": "accepted",
                              "visibility": "private"})
    revoke(app, made["id"], "a private matter")
    html = Browser(app).submit("/verify", {"credential": made["text"]}).get_data(as_text=True)
    text = banner_first(html)
    assert text.startswith("Revoked by its issuer") and "The date and the reason are not public." in text
    assert "a private matter" not in html and "Revoked on" not in html
    own = ada.get(f"/credentials/{made['id']}").get_data(as_text=True)
    assert "Reason: a private matter" in banner_first(own)


@pytest.mark.parametrize("purpose,word", [("revocation", "revoked"), ("suspension", "suspended")])
def test_a_third_partys_revoked_upload_says_date_and_reason_are_not_known(tmp_path, loopback,
                                                                           purpose, word):
    app = make_app(tmp_path, ISSUER_FETCH_ALLOW_PRIVATE=True)
    _, document = _signed_badge(loopback.port, loopback.documents, purpose)  # its bit is set
    upload = (io.BytesIO(json.dumps(document).encode()), "badge.json")
    page = Browser(app).submit("/verify", {"upload": upload}, form_url="/verify")
    html = page.get_data(as_text=True)
    text = banner_first(html)
    assert text.startswith(f"{word.capitalize()} by its issuer"), text
    assert f"The issuer’s status list says this credential was {word}" in text
    assert "The date and the reason are not known" in text
    assert "Reason:" not in text and " on " not in text.split(".")[0]
    assert f'<p class="verdict-reason">Its issuer {word} it.</p>' in html


def test_an_endorsement_of_a_revoked_badge_says_so_on_its_pages(app, revoked):
    _, bob = person(app, "bob", "Bob")
    endorsement = endorse(app, bob, revoked, "Kind and thorough.")
    when = revoked_on(app, revoked["id"])
    for url in (f"/credentials/{endorsement['id']}", f"/credentials/{endorsement['id']}/verify"):
        html = Browser(app).get(url).get_data(as_text=True)
        text = banner_first(html)
        assert text.startswith("About a revoked badge"), text
        assert f"which was revoked on {when}" in text and f"Reason the badge was revoked: {REASON}" in text
        assert f'href="/credentials/{revoked["id"]}">Community facilitator</a>' in html


def test_an_endorsement_of_a_live_or_hidden_badge_has_no_banner(app):
    _, bob = person(app, "bob", "Bob")
    _, ada = person(app, "ada", "Ada")
    live = award(app)
    hidden = award(app, record={"recipient_user_id": ada, "consent": "accepted", "visibility": "private"})
    revoke(app, hidden["id"], "a private matter")
    for subject in (live, hidden):
        endorsement = endorse(app, bob, subject, "Kind.")
        html = Browser(app).get(f"/credentials/{endorsement['id']}").get_data(as_text=True)
        assert "revoked-banner" not in html and "a private matter" not in html


def test_the_verify_apis_keep_their_shape_for_a_revoked_credential(app, revoked):
    browser, _ = person(app, "eve")
    auth = {"Authorization": f"Bearer {browser.api_token()}"}
    explained = browser.client.post("/api/v1/verify", json={"credential": json.loads(revoked["text"])},
                                    headers=auth)
    assert explained.status_code == 422
    assert set(explained.get_json()) == {"verified", "verdict", "checks", "warnings", "endorsements",
                                         "recipient", "result"}
    vcapi = browser.client.post("/credentials/verify",
                                json={"verifiableCredential": json.loads(revoked["text"])})
    assert vcapi.status_code == 422
    assert set(vcapi.get_json()) == {"verified", "checks", "warnings", "errors", "result",
                                     "revocationReason"}
