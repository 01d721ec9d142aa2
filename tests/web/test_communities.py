"""Communities through real forms (CSRF included) and the JSON API with real tokens."""

from __future__ import annotations

import base64
import io
import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from PIL import Image

from issuer.services import issue, now_utc
from issuer.storage import Community, Invitation, Membership, get_session
from tests.web.browsing import Browser

EVIL_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            b'onload="alert(1)" viewBox="0 0 10 10"><script>alert(2)</script><circle r="4" cx="5" cy="5"/>'
            b'<use xlink:href="https://evil.example/x.svg#a"/></svg>')


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (31, 111, 92)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def ada(app):
    return Browser(app).sign_up("ada", "Ada Lovelace")


@pytest.fixture
def bob(app):
    return Browser(app).sign_up("bob", "Bob Builder")


def create(browser: Browser, name="Accessible Web Guild", **fields):
    data = {"name": name, "domain": "Accessible web design", "purpose": "Make the web work for everyone",
            "practice": "Monthly audits together", "open_membership": "y", **fields}
    return browser.submit("/communities/new", data)


def text(response) -> str:
    return response.get_data(as_text=True)


def flashed(response) -> str:
    return " ".join(re.findall(r'class="flash[^"]*"[^>]*>([^<]*)<', text(response)))


def members(app, slug="accessible-web-guild") -> dict[str, tuple[str, str]]:
    with app.app_context():
        session = get_session()
        community = session.query(Community).filter_by(slug=slug).one()
        return {m.user.handle: (m.role, m.status)
                for m in session.query(Membership).filter_by(community_id=community.id)}


def test_create_with_png_makes_an_issuer_and_a_leader(ada, app):
    made = create(ada, image=(io.BytesIO(png()), "logo.png"), alt="A green square")
    assert made.status_code == 302 and made.headers["Location"] == "/communities/accessible-web-guild"
    page = text(ada.get(made.headers["Location"]))
    assert "Accessible web design" in page and "Monthly audits together" in page
    image_src = re.search(r'<img class="badge-image" src="(/images/[^"]+)" alt="A green square">', page).group(1)
    served = ada.get(image_src)
    assert served.mimetype == "image/png" and served.data == png()
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in served.headers["Cache-Control"]
    assert members(app) == {"ada": ("leader", "active")}
    with app.app_context():
        community = get_session().query(Community).filter_by(slug="accessible-web-guild").one()
        issuer = community.issuer
        assert issuer.kind == "community" and issuer.slug == "community:accessible-web-guild"
        assert issuer.did.startswith("did:key:") and issuer.description == "Make the web work for everyone"
        assert issuer.image_url.endswith(image_src) and issuer.image_caption == "A green square"
    listing = text(ada.get("/communities"))
    assert "Accessible Web Guild" in listing and "1 member ·" in listing and "open to everyone" in listing


def test_create_with_malicious_svg_stores_it_sanitised(ada):
    made = create(ada, image=(io.BytesIO(EVIL_SVG), "evil.svg"), alt="A circle")
    image_src = re.search(r'src="(/images/[^"]+)"', text(ada.get(made.headers["Location"]))).group(1)
    served = ada.get(image_src)
    assert served.mimetype == "image/svg+xml"
    assert served.headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    body = served.get_data(as_text=True)
    assert "<circle" in body and "script" not in body and "onload" not in body and "evil.example" not in body
    assert ada.get("/images/no-such-image").status_code == 404


def test_create_errors_keep_what_was_typed_and_escape_it(ada):
    bad = create(ada, name="<b>Guild</b>", slug="Not A Slug!", domain="")
    page = text(bad)
    assert bad.status_code == 400 and "This field is required" in page
    assert "&lt;b&gt;Guild&lt;/b&gt;" in page and "<b>Guild</b>" not in page
    no_alt = create(ada, slug="Not A Slug!", image=(io.BytesIO(png()), "logo.png"))
    assert no_alt.status_code == 400 and "lower-case letters, digits or hyphens" in text(no_alt)
    no_alt = create(ada, image=(io.BytesIO(png()), "logo.png"))
    assert no_alt.status_code == 400 and "describe the image for people who cannot see it" in text(no_alt)
    jpeg = io.BytesIO()
    Image.new("RGB", (8, 8)).save(jpeg, "JPEG")
    refused = create(ada, image=(io.BytesIO(jpeg.getvalue()), "photo.jpg"), alt="photo")
    assert refused.status_code == 400 and "JPEG images are not accepted" in text(refused)


def test_slugs_are_derived_unique_and_names_escaped(ada, bob):
    assert create(ada, name="<script>alert(1)</script> Café").headers["Location"] == "/communities/script-alert-1-script-cafe"
    assert create(bob, name="<script>alert(1)</script> Café").headers["Location"] == "/communities/script-alert-1-script-cafe-2"
    taken = create(bob, name="Other", slug="script-alert-1-script-cafe")
    assert taken.status_code == 400 and "a community with this address exists" in text(taken)
    for url in ("/communities", "/communities/script-alert-1-script-cafe"):
        page = text(bob.get(url))
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Café" in page and "<script>alert" not in page


def test_profile_negotiation_canonicalizes_and_did_json(ada, app):
    create(ada, image=(io.BytesIO(png()), "logo.png"), alt="Logo")
    html = ada.get("/communities/accessible-web-guild", headers={"Accept": "text/html"})
    assert html.mimetype == "text/html" and "Accept" in html.headers["Vary"]
    for kind in ("application/ld+json", "application/json"):
        answer = ada.get("/communities/accessible-web-guild", headers={"Accept": kind})
        profile = json.loads(answer.data)
        assert answer.mimetype == kind and profile["type"] == ["Profile"]
        assert profile["@context"][0] == "https://www.w3.org/ns/credentials/v2"
        assert profile["id"].startswith("did:key:") and profile["name"] == "Accessible Web Guild"
        assert profile["image"]["caption"] == "Logo" and profile["url"].endswith("/communities/accessible-web-guild")
        app.extensions["issuer.platform"].canonicalizer.expand(profile)
    missing = ada.get("/communities/accessible-web-guild/did.json")
    assert missing.status_code == 404 and "did:web" in text(missing)


def test_did_web_communities_serve_their_did_document(tmp_path):
    from tests.conftest import make_app

    app = make_app(tmp_path, ISSUER_BASE_URL="https://issuer.example")
    browser = Browser(app).sign_up("ada")
    create(browser)
    document = browser.get("/communities/accessible-web-guild/did.json").get_json()
    assert document["id"] == "did:web:issuer.example:communities:accessible-web-guild"
    assert document["assertionMethod"] == [document["id"] + "#key-1"]


def test_a_community_issuer_signs_credentials_that_verify(ada, app, client):
    create(ada)
    platform = app.extensions["issuer.platform"]
    with app.app_context():
        session = get_session()
        community = session.query(Community).filter_by(slug="accessible-web-guild").one()
        credential = {"@context": ["https://www.w3.org/ns/credentials/v2",
                                   "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
                      "type": ["VerifiableCredential", "OpenBadgeCredential"], "name": "Auditor",
                      "issuer": community.issuer.did,
                      "credentialSubject": {"id": "did:example:bob", "type": ["AchievementSubject"],
                                            "achievement": {"id": "https://example.org/a/1", "type": ["Achievement"],
                                                            "name": "Auditor", "description": "Audited a site.",
                                                            "criteria": {"narrative": "Audit one site."}}}}
        row = issue(session, platform, credential, issuer=community.issuer)
        signed = json.loads(row.signed_json)
    assert client.post("/credentials/verify", json={"verifiableCredential": signed}).status_code == 200


def test_join_an_open_community_and_leave_it(ada, bob, app):
    create(ada)
    joined = bob.submit("/communities/accessible-web-guild/join", form_url="/communities/accessible-web-guild")
    assert joined.status_code == 302 and members(app)["bob"] == ("member", "active")
    page = text(bob.get("/communities/accessible-web-guild"))
    assert "Bob Builder" in page and "You are a <strong>member</strong>" in page
    left = bob.submit("/communities/accessible-web-guild/leave", form_url="/communities/accessible-web-guild")
    assert "You left Accessible Web Guild" in flashed(bob.get(left.headers["Location"]))
    assert "bob" not in members(app)


def test_closed_community_requests_are_approved_or_declined(ada, bob, app):
    carol = Browser(app).sign_up("carol", "Carol <i>C</i>")
    create(ada, open_membership="")
    slug = "/communities/accessible-web-guild"
    for person in (bob, carol):
        person.submit(f"{slug}/join", form_url=slug)
    assert members(app)["bob"] == ("member", "pending")
    assert "Bob Builder" not in text(Browser(app).get(slug))
    leader_page = text(ada.get(slug))
    assert "Requests to join" in leader_page and "Carol &lt;i&gt;C&lt;/i&gt;" in leader_page
    ada.submit(f"{slug}/members/bob/approve", form_url=slug)
    ada.submit(f"{slug}/members/carol/decline", form_url=slug)
    assert members(app) == {"ada": ("leader", "active"), "bob": ("member", "active")}
    again = ada.submit(f"{slug}/members/bob/decline", form_url=slug)
    assert "has no pending request" in flashed(ada.get(again.headers["Location"]))


def test_invitations_valid_reused_and_expired(ada, bob, app):
    create(ada, open_membership="")
    slug = "/communities/accessible-web-guild"
    made = ada.submit(f"{slug}/invitations", {"role": "coach", "days": "7", "uses": "1"}, form_url=slug)
    url = re.search(r"(http://\S+/join/[\w-]+)", flashed(ada.get(made.headers["Location"]))).group(1)
    path = urlsplit(url).path
    assert "Join as coach" in text(bob.get(path))
    bob.submit(path)
    assert members(app)["bob"] == ("coach", "active")
    dave = Browser(app).sign_up("dave")
    used = dave.submit(path)
    assert used.status_code == 410 and "has been used up" in text(used)
    made = ada.submit(f"{slug}/invitations", {"role": "member", "days": "1", "uses": "5"}, form_url=slug)
    path = "/join/" + flashed(ada.get(made.headers["Location"])).rsplit("/join/", 1)[1].strip()
    with app.app_context():
        session = get_session()
        session.query(Invitation).filter_by(token=path.rsplit("/", 1)[1]).one().expires_at = now_utc() - timedelta(minutes=1)
        session.commit()
    expired = dave.get(path)
    assert expired.status_code == 410 and "has expired" in text(expired)
    assert dave.get("/join/not-a-token").status_code == 404
    wrong = ada.submit(f"{slug}/invitations", {"role": "king", "days": "500", "uses": "1"}, form_url=slug)
    assert wrong.status_code == 400 and "Not a valid choice" in text(wrong)


def test_roles_change_and_the_last_leader_stays(ada, bob, app):
    create(ada)
    slug = "/communities/accessible-web-guild"
    bob.submit(f"{slug}/join", form_url=slug)
    demote = ada.submit(f"{slug}/members/ada/role", {"role": "member"}, form_url=slug)
    assert "is the last leader" in flashed(ada.get(demote.headers["Location"]))
    ada.submit(f"{slug}/members/ada/remove", form_url=slug)
    ada.submit(f"{slug}/leave", form_url=slug)
    assert members(app)["ada"] == ("leader", "active")
    ada.submit(f"{slug}/members/bob/role", {"role": "leader"}, form_url=slug)
    ada.submit(f"{slug}/members/ada/role", {"role": "sponsor"}, form_url=slug)
    assert members(app) == {"ada": ("sponsor", "active"), "bob": ("leader", "active")}
    bob.submit(f"{slug}/members/ada/remove", form_url=slug)
    assert members(app) == {"bob": ("leader", "active")}


def test_leaders_edit_the_community(ada, app):
    create(ada, image=(io.BytesIO(png()), "logo.png"), alt="Logo")
    slug = "/communities/accessible-web-guild"
    assert 'value="Accessible Web Guild"' in text(ada.get(f"{slug}/edit"))
    edited = ada.submit(f"{slug}/edit", {"name": "Web Guild", "domain": "Web", "purpose": "Help",
                                          "practice": "", "alt": "New logo text", "allow_peer_badges": "y"})
    assert edited.status_code == 302
    with app.app_context():
        community = get_session().query(Community).filter_by(slug="accessible-web-guild").one()
        assert (community.name, community.open_membership, community.allow_peer_badges) == ("Web Guild", False, True)
        assert community.issuer.name == "Web Guild" and community.issuer.image_caption == "New logo text"
    bad = ada.submit(f"{slug}/edit", {"name": "", "domain": "Web", "purpose": "Help"})
    assert bad.status_code == 400


def test_refusals(ada, bob, app):
    create(ada)
    slug = "/communities/accessible-web-guild"
    anonymous = Browser(app)
    assert anonymous.get("/communities/new").headers["Location"].startswith("/login?next=")
    assert anonymous.submit(f"{slug}/join", form_url="/login").headers["Location"].startswith("/login")
    bob.submit(f"{slug}/join", form_url=slug)
    for action, data in (("members/ada/remove", {}), ("members/ada/role", {"role": "member"}),
                         ("members/ada/approve", {}), ("invitations", {"role": "leader", "days": "1", "uses": "1"})):
        refused = bob.submit(f"{slug}/{action}", data, form_url=slug)
        assert refused.status_code == 403 and "only leaders and coordinators" in text(refused)
    assert bob.get(f"{slug}/edit").status_code == 403
    assert bob.client.post(f"{slug}/join").status_code == 400
    assert ada.client.post(f"{slug}/members/bob/remove").status_code == 400
    assert bob.get("/communities/nowhere").status_code == 404
    assert bob.submit("/communities/nowhere/join", form_url=slug).status_code == 404
    assert ada.submit(f"{slug}/members/nobody/remove", form_url=slug).status_code == 404
    assert members(app) == {"ada": ("leader", "active"), "bob": ("member", "active")}


def test_api_creates_joins_approves_and_changes_roles(ada, bob, app):
    client = app.test_client()
    lead = {"Authorization": f"Bearer {ada.api_token()}"}
    other = {"Authorization": f"Bearer {bob.api_token()}"}
    made = client.post("/api/v1/communities", headers=lead, json={
        "name": "Data Stewards", "domain": "Open data", "purpose": "Care for data", "openMembership": False,
        "image": {"data": base64.b64encode(EVIL_SVG).decode(), "filename": "x.svg", "alt": "Circle"}})
    assert made.status_code == 201 and made.get_json()["slug"] == "data-stewards"
    assert made.headers["Location"].endswith("/api/v1/communities/data-stewards")
    assert "script" not in client.get(urlsplit(made.get_json()["image"]).path).get_data(as_text=True)
    assert client.get("/api/v1/communities", headers=other).get_json()[0]["members"] == 1
    shown = client.get("/api/v1/communities/data-stewards", headers=other).get_json()
    assert shown["profile"]["id"] == shown["did"] and shown["openMembership"] is False
    assert client.post("/api/v1/communities/data-stewards/join", headers=other).get_json()["status"] == "pending"
    hidden = client.get("/api/v1/communities/data-stewards/members", headers=other)  # closed, bob still pending
    assert hidden.status_code == 403
    assert len(client.get("/api/v1/communities/data-stewards/members", headers=lead).get_json()) == 2
    assert client.post("/api/v1/communities/data-stewards/members/bob/approve", headers=other).status_code == 403
    assert client.post("/api/v1/communities/data-stewards/members/bob/approve", headers=lead).get_json()["status"] == "active"
    role = client.patch("/api/v1/communities/data-stewards/members/bob", headers=lead, json={"role": "coach"})
    assert role.get_json()["role"] == "coach"
    last = client.patch("/api/v1/communities/data-stewards/members/ada", headers=lead, json={"role": "member"})
    assert last.status_code == 422 and last.get_json()["field"] == "role" and "last leader" in last.get_json()["detail"]


def test_api_invitations_removal_edit_and_leave(ada, bob, app):
    client = app.test_client()
    lead = {"Authorization": f"Bearer {ada.api_token()}"}
    other = {"Authorization": f"Bearer {bob.api_token()}"}
    create(ada, name="Data Stewards", open_membership="")
    client.post("/api/v1/communities/data-stewards/join", headers=other)
    assert client.post("/api/v1/communities/data-stewards/members/bob/decline", headers=lead).status_code == 204
    client.post("/api/v1/communities/data-stewards/join", headers=other)
    invited = client.post("/api/v1/communities/data-stewards/invitations", headers=lead, json={"role": "coordinator", "days": 3})
    token = invited.get_json()["url"].rsplit("/", 1)[1]
    assert invited.status_code == 201 and invited.get_json()["usesLeft"] == 1
    carol = {"Authorization": f"Bearer {Browser(app).sign_up('carol').api_token()}"}
    assert client.post(f"/api/v1/invitations/{token}/accept", headers=carol).get_json()["role"] == "coordinator"
    assert client.post(f"/api/v1/invitations/{token}/accept", headers=other).status_code == 410
    assert client.delete("/api/v1/communities/data-stewards/members/bob", headers=lead).status_code == 204
    edited = client.patch("/api/v1/communities/data-stewards", headers=carol, json={"openMembership": True})
    assert edited.get_json()["openMembership"] is True and edited.get_json()["name"] == "Data Stewards"
    assert client.post("/api/v1/communities/data-stewards/leave", headers=carol).status_code == 204
    assert members(app, "data-stewards") == {"ada": ("leader", "active")}


def test_api_refusals(ada, app):
    client = app.test_client()
    lead = {"Authorization": f"Bearer {ada.api_token()}"}
    assert client.get("/api/v1/communities").status_code == 401
    missing = client.post("/api/v1/communities", headers=lead, json={"domain": "x", "purpose": "y"})
    assert missing.status_code == 422 and missing.get_json()["field"] == "name"
    assert client.post("/api/v1/communities", headers=lead, json={"name": 3}).status_code == 400
    assert client.get("/api/v1/communities/nowhere", headers=lead).status_code == 404
    create(ada)
    bad_days = client.post("/api/v1/communities/accessible-web-guild/invitations", headers=lead, json={"days": True})
    assert bad_days.status_code == 400 and "whole number" in bad_days.get_json()["detail"]
    too_long = client.post("/api/v1/communities/accessible-web-guild/invitations", headers=lead, json={"days": 400})
    assert too_long.status_code == 422 and too_long.get_json()["field"] == "days"
    assert client.delete("/api/v1/communities/accessible-web-guild/members/nobody", headers=lead).status_code == 404
    assert client.post("/api/v1/invitations/nope/accept", headers=lead).status_code == 404
    assert "/communities/{slug}/members/{handle}" in client.get("/api/v1/openapi.json").get_json()["paths"]
