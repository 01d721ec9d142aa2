"""The demo community: its pages render, and every credential in it verifies."""

from __future__ import annotations

import json

from issuer.storage import IssuedCredential, get_session
from tests.web.browsing import Browser


def test_demo_pages_render_for_a_visitor(demo):
    visitor = Browser(demo)
    home = visitor.get("/").get_data(as_text=True)
    assert "Open Source Mentors" in home and 'alt="A green round emblem' in home
    community = visitor.get("/communities/open-source-mentors")
    assert community.status_code == 200 and "Amara Okafor" in community.get_data(as_text=True)
    for page in ("/communities/open-source-mentors", "/people/bram"):  # link previews
        assert '<meta property="og:title"' in visitor.get(page).get_data(as_text=True)
    profile = visitor.get("/people/bram").get_data(as_text=True)
    assert "Session host" in profile and "Chen Li" in profile  # a badge and who endorsed him


def test_every_demo_credential_verifies(demo):
    with demo.app_context():
        rows = get_session().query(IssuedCredential).all()
        documents = [json.loads(row.signed_json) for row in rows]
    assert len(documents) == 6
    client = demo.test_client()
    for document in documents:
        response = client.post("/credentials/verify", json={"verifiableCredential": document})
        assert response.status_code == 200, (document["name"], response.get_json()["errors"])


def test_a_member_can_endorse_a_public_badge_from_its_page(demo):
    with demo.app_context():
        host = get_session().query(IssuedCredential).filter_by(kind="OpenBadgeCredential").first()
    chen = Browser(demo)
    chen.submit("/login", {"email": "chen@demo.example", "password": "demo-password-123"})
    page = chen.get(f"/credentials/{host.id}").get_data(as_text=True)
    assert f"/credentials/{host.id}/endorse" in page


def test_seeding_happens_once(demo):
    from issuer import demo as seeding

    with demo.app_context():
        assert seeding.seed(get_session(), demo.extensions["issuer.platform"]) is False
