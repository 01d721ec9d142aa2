"""Profile pages, did:web documents and the consent inbox, through real forms and the JSON API."""

from __future__ import annotations

import json

import pytest

from issuer.services import badges, communities
from issuer.services.people import create_user, user_by_handle
from issuer.storage import Award, User, get_session
from tests.conftest import make_app
from tests.web.browsing import Browser


@pytest.fixture
def people(app):
    """Ada (recipient), Lea (community leader) and Bob (another member), each at a browser."""
    return {handle: Browser(app).sign_up(handle, name)
            for handle, name in (("ada", "Ada Lovelace"), ("lea", "Lea Leader"), ("bob", "Bob"))}


def issue_badge(app, *, leader="lea", recipient="ada", members=("bob",), name="Facilitator",
                community="Open Knitting") -> str:
    """A community badge from ``leader`` to ``recipient`` (pending consent); its row uuid."""
    with app.app_context():
        session, platform = get_session(), app.extensions["issuer.platform"]
        lead = user_by_handle(session, leader)
        found = communities.create_community(session, platform, lead, name=community,
                                             domain="Knitting", purpose="Knit together")
        for handle in (recipient, *members):
            communities.join(session, found, user_by_handle(session, handle))
        achievement = badges.define_achievement(session, platform, found, lead, name=name,
                                                description="Ran the calls.", criteria="Host calls.")
        row = badges.issue_badge(session, platform, achievement=achievement,
                                 recipient=user_by_handle(session, recipient), author=lead)
        return row.id


def row_of(app, uuid: str) -> Award:
    """The award with this id, its custodial credential loaded."""
    with app.app_context():
        row = get_session().get(Award, uuid)
        row.credential  # noqa: B018 (loaded while the session is open)
        get_session().expunge_all()
        return row


def token(browser: Browser) -> dict:
    return {"Authorization": f"Bearer {browser.api_token()}"}


def test_profile_page_shows_name_bio_and_did_and_escapes_html(app):
    ada = Browser(app).sign_up("ada", "<b>Ada</b> & co")
    with app.app_context():
        user = user_by_handle(get_session(), "ada")
        user.bio = "Knits <script>alert(1)</script>"
        get_session().commit()
        did = user.issuer.did
    page = ada.get("/people/ada").get_data(as_text=True)
    assert "&lt;b&gt;Ada&lt;/b&gt; &amp; co" in page and "<b>Ada</b>" not in page
    assert "&lt;script&gt;" in page and "<script>" not in page
    assert did in page and "Nothing public yet" in page


def test_unknown_handle_is_404_for_pages_json_did_and_api(client):
    assert client.get("/people/nobody", headers={"Accept": "text/html"}).status_code == 404
    assert client.get("/people/nobody", headers={"Accept": "application/ld+json"}).status_code == 404
    assert client.get("/people/nobody/did.json").status_code == 404
    api = client.get("/api/v1/people/nobody")
    assert api.status_code == 404 and api.mimetype == "application/problem+json"


def test_pending_and_private_badges_never_show_publicly(app, people):
    uuid = issue_badge(app)
    anonymous = app.test_client()

    def public_views() -> list[str]:
        return [anonymous.get("/people/ada", headers={"Accept": "text/html"}).get_data(as_text=True),
                anonymous.get("/people/ada", headers={"Accept": "application/ld+json"}).get_data(as_text=True),
                anonymous.get("/api/v1/people/ada").get_data(as_text=True)]

    assert all(uuid not in view for view in public_views())
    people["ada"].submit(f"/me/recognition/{uuid}/accept", form_url="/me/recognition")
    assert row_of(app, uuid).consent == "accepted" and row_of(app, uuid).visibility == "private"
    assert all(uuid not in view for view in public_views())
    made = people["ada"].submit(f"/me/recognition/{uuid}/public", form_url="/me/recognition")
    assert made.status_code == 302 and made.headers["Location"] == "/me/recognition"
    page, _, listing = public_views()
    assert f'href="/credentials/{uuid}"' in page and "Open Knitting" in page and "Facilitator" in page
    assert "Lea Leader" in page  # who recognised her
    item = json.loads(listing)["credentials"][0]
    assert item["id"] == uuid and item["community"] == "open-knitting" and "consent" not in item
    people["ada"].submit(f"/me/recognition/{uuid}/private", form_url="/me/recognition")
    assert all(uuid not in view for view in public_views())


def test_declined_badges_are_listed_apart_and_can_be_accepted_later(app, people):
    uuid = issue_badge(app)
    ada = people["ada"]
    ada.submit(f"/me/recognition/{uuid}/decline", form_url="/me/recognition")
    page = ada.get("/me/recognition").get_data(as_text=True)
    declined = page[page.index("<h2>Declined</h2>"):page.index("<h2>Endorsements you gave</h2>")]
    assert uuid in declined and "Accept after all" in declined
    refused = ada.submit(f"/me/recognition/{uuid}/public", form_url="/me/recognition",
                         follow_redirects=True)
    assert "only accepted items can be public" in refused.get_data(as_text=True)
    assert row_of(app, uuid).visibility == "private"
    ada.submit(f"/me/recognition/{uuid}/accept", form_url="/me/recognition")
    assert row_of(app, uuid).consent == "accepted"


def test_only_the_recipient_can_decide(app, people):
    uuid = issue_badge(app)
    for who in ("bob", "lea"):
        response = people[who].submit(f"/me/recognition/{uuid}/accept", form_url="/me/recognition")
        assert response.status_code == 404
    assert people["ada"].submit("/me/recognition/no-such-id/accept", form_url="/me/recognition").status_code == 404
    assert people["ada"].submit(f"/me/recognition/{uuid}/steal", form_url="/me/recognition").status_code == 404
    assert row_of(app, uuid).consent == "pending"


def test_inbox_needs_login_and_actions_need_csrf(app, people):
    uuid = issue_badge(app)
    anonymous = app.test_client()
    assert anonymous.get("/me/recognition").status_code == 302
    assert "/login" in anonymous.get("/me/recognition").headers["Location"]
    no_csrf = people["ada"].client.post(f"/me/recognition/{uuid}/accept")
    assert no_csrf.status_code == 400
    assert row_of(app, uuid).consent == "pending"


def test_inbox_shows_pending_items_with_accept_and_decline(app, people):
    uuid = issue_badge(app)
    page = people["ada"].get("/me/recognition").get_data(as_text=True)
    waiting = page[page.index("<h2>Waiting for you</h2>"):page.index("<h2>Accepted</h2>")]
    assert f"/me/recognition/{uuid}/accept" in waiting and f"/me/recognition/{uuid}/decline" in waiting


def test_profile_json_is_an_ob_profile(app, people):
    for accept in ("application/ld+json", "application/json"):
        response = app.test_client().get("/people/ada", headers={"Accept": accept})
        profile = response.get_json(force=True)
        assert response.status_code == 200 and response.mimetype == accept
        assert profile["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                       "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
        assert profile["type"] == ["Profile"] and profile["name"] == "Ada Lovelace"
        assert profile["id"].startswith("did:key:") and profile["url"].endswith("/people/ada")


def test_did_json_is_404_for_did_key_and_a_document_for_did_web(app, people, tmp_path):
    missing = app.test_client().get("/people/ada/did.json", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "did:key" in missing.get_data(as_text=True)
    https = make_app(tmp_path / "https", ISSUER_BASE_URL="https://issuer.example")
    with https.app_context():
        user = create_user(get_session(), https.extensions["issuer.platform"], handle="ada",
                           email="ada@example.org", display_name="Ada", password="long enough pw")
        did = user.issuer.did
    assert did == "did:web:issuer.example:people:ada"
    document = https.test_client().get("/people/ada/did.json").get_json()
    assert document["id"] == did and document["assertionMethod"] == [f"{did}#key-1"]


def test_api_lists_and_changes_my_credentials(app, people):
    uuid = issue_badge(app)
    ada, bob = token(people["ada"]), token(people["bob"])
    client = app.test_client()
    listed = client.get("/api/v1/me/credentials", headers=ada).get_json()
    assert [(i["id"], i["consent"], i["visibility"]) for i in listed] == [(uuid, "pending", "private")]
    assert client.get("/api/v1/me/credentials", headers=bob).get_json() == []
    early = client.patch(f"/api/v1/me/credentials/{uuid}", json={"visibility": "public"}, headers=ada)
    assert early.status_code == 422 and early.get_json()["field"] == "visibility"
    assert client.post(f"/api/v1/me/credentials/{uuid}/accept", headers=bob).status_code == 404
    accepted = client.post(f"/api/v1/me/credentials/{uuid}/accept", headers=ada)
    assert accepted.status_code == 200 and accepted.get_json()["consent"] == "accepted"
    wrong = client.patch(f"/api/v1/me/credentials/{uuid}", json={"visibility": "everyone"}, headers=ada)
    assert wrong.status_code == 422
    public = client.patch(f"/api/v1/me/credentials/{uuid}", json={"visibility": "public"}, headers=ada)
    assert public.get_json()["visibility"] == "public"
    assert client.get("/api/v1/people/ada").get_json()["credentials"][0]["id"] == uuid
    declined = client.post(f"/api/v1/me/credentials/{uuid}/decline", headers=ada).get_json()
    assert declined["consent"] == "declined" and declined["visibility"] == "private"
    assert client.get("/api/v1/people/ada").get_json()["credentials"] == []
    assert client.post(f"/api/v1/me/credentials/{uuid}/accept").status_code == 401
    assert client.post("/api/v1/me/credentials/nope/accept", headers=ada).status_code == 404


def test_revoked_badges_leave_the_profile(app, people):
    uuid = issue_badge(app)
    people["ada"].submit(f"/me/recognition/{uuid}/accept", form_url="/me/recognition")
    people["ada"].submit(f"/me/recognition/{uuid}/public", form_url="/me/recognition")
    assert uuid in app.test_client().get("/people/ada", headers={"Accept": "text/html"}).get_data(as_text=True)
    with app.app_context():
        session = get_session()
        badges.revoke_badge(session, app.extensions["issuer.platform"], session.get(Award, uuid),
                            session.query(User).filter_by(handle="lea").one(), "given by mistake")
    assert uuid not in app.test_client().get("/people/ada", headers={"Accept": "text/html"}).get_data(as_text=True)


def test_openapi_documents_the_people_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/people/{handle}", "/me/credentials", "/me/credentials/{id}",
                 "/me/credentials/{id}/accept", "/me/credentials/{id}/decline",
                 "/people/{handle}/endorsements", "/credentials/{id}/endorsements",
                 "/achievements/{id}/endorsements", "/endorsements/{id}/revoke"):
        assert path in paths
