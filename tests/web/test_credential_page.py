"""The credential page: content negotiation, Open Graph, privacy, endorsements, download, QR."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from issuer import services, storage
from issuer.credentials import documents
from issuer.storage import Community, User
from tests.web.browsing import Browser

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
NOW = datetime.now(timezone.utc).replace(microsecond=0)


def person(app, handle: str, name: str | None = None) -> tuple[Browser, int]:
    """A signed-up, logged-in browser and the user's id."""
    browser = Browser(app).sign_up(handle, name)
    with app.app_context():
        return browser, storage.get_session().query(User).filter_by(handle=handle).one().id


def award(app, *, name: str = "Community facilitator", record: dict | None = None,
          issuer_slug: str = "platform", criteria: str = "Host **ten** calls.",
          valid_from: datetime = NOW, valid_until: datetime | None = None, **extra) -> dict:
    """Issue a badge through services.issue(); returns the stored row's id, vc_id and text.

    ``record`` makes it the custodial copy of an award with those columns (none: a VC-API badge).
    """
    with app.app_context():
        session, platform = storage.get_session(), app.extensions["issuer.platform"]
        issuer = storage.issuer_by_slug(session, issuer_slug)
        row_id = str(uuid.uuid4())
        achievement = documents.achievement(
            "https://example.org/achievements/facilitator", name, "Hosts the monthly calls.",
            documents.criteria(criteria), image=documents.image("https://example.org/leaf.png",
                                                                "A green leaf on a circle"))
        document = documents.open_badge_credential(
            platform.credential_url(row_id), services.issuer_profile(issuer), "did:example:ada",
            achievement, valid_from=valid_from, valid_until=valid_until, **extra)
        made = storage.Award(id=row_id, kind="badge", issuer_id=issuer.id,
                             **{"consent": "accepted", **record}) if record else None
        row = services.issue(session, platform, document, issuer=issuer, row_id=row_id, award=made)
        return {"id": row.id, "vc_id": row.vc_id, "text": row.signed_json}


def endorse(app, endorser_id: int, subject: dict, comment: str, **record) -> dict:
    """An EndorsementCredential by a member about a stored credential (subject_ref = its vc_id)."""
    with app.app_context():
        session, platform = storage.get_session(), app.extensions["issuer.platform"]
        issuer = session.get(User, endorser_id).issuer
        row_id = str(uuid.uuid4())
        document = documents.endorsement_credential(
            platform.credential_url(row_id), services.issuer_profile(issuer), subject["vc_id"],
            valid_from=NOW, name="Endorsement", endorsement_comment=comment)
        made = storage.Award(id=row_id, kind="endorsement", issuer_id=issuer.id,
                             **{"subject_ref": subject["vc_id"], "author_user_id": endorser_id,
                                "consent": "accepted", **record})
        row = services.issue(session, platform, document, issuer=issuer, row_id=row_id, award=made)
        return {"id": row.id, "vc_id": row.vc_id, "text": row.signed_json}


def revoke(app, row_id: str, reason: str) -> None:
    with app.app_context():
        session = storage.get_session()
        services.revoke(session, app.extensions["issuer.platform"],
                        storage.credential_by_uuid(session, row_id), reason)


@pytest.mark.parametrize("accept,mimetype", [
    ("application/vc+ld+json", "application/vc+ld+json"),
    ("application/ld+json", "application/ld+json"),
    ("application/json", "application/json"),
])
def test_json_clients_get_the_signed_text_byte_for_byte(client, app, accept, mimetype):
    made = award(app)
    response = client.get(f"/credentials/{made['id']}", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == mimetype
    assert response.data == made["text"].encode() and "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("accept", ["*/*", "*/*;q=0.8", "application/*", None,
                                    "image/png, */*;q=0.5", "application/json;q=0.1, */*;q=0.8"])
def test_programs_that_accept_anything_get_the_signed_json_not_the_page(client, app, accept):
    # The Learner Credential Wallet adds a badge by URL with fetch(), which sends Accept: */*.
    made = award(app)
    headers = {"Accept": accept} if accept else {}
    response = client.get(f"/credentials/{made['id']}", headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/vc+ld+json"
    assert response.data == made["text"].encode() and "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("accept", [HTML["Accept"], "text/html", "text/html,*/*;q=0.8",
                                    "application/xhtml+xml,*/*", "text/*"])
def test_browsers_naming_html_still_get_the_page(client, app, accept):
    made = award(app)
    response = client.get(f"/credentials/{made['id']}", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == "text/html"


def test_format_json_overrides_a_browser_accept_header(client, app):
    made = award(app)
    response = client.get(f"/credentials/{made['id']}?format=json", headers=HTML)
    assert response.mimetype == "application/json" and response.data == made["text"].encode()


def test_browsers_get_a_page_with_open_graph_image_qr_download_and_verification(app):
    owner, ada = person(app, "ada", "Ada Lovelace")
    made = award(app, record={"recipient_user_id": ada, "consent": "accepted", "visibility": "public"},
                 narrative="Ran *twelve* calls.",
                 evidence=[documents.evidence(id="https://example.org/notes", name="Call notes")])
    page = Browser(app).get(f"/credentials/{made['id']}", headers=HTML)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "Accept" in page.headers["Vary"]
    assert '<meta property="og:title" content="Community facilitator">' in html
    assert '<meta property="og:image" content="https://example.org/leaf.png">' in html
    assert f'<meta property="og:url" content="http://127.0.0.1:5000/credentials/{made["id"]}">' in html
    assert 'property="og:description" content="Hosts the monthly calls."' in html
    assert 'property="og:type"' in html
    assert 'alt="A green leaf on a circle"' in html
    assert (f'<img class="qr" src="/credentials/{made["id"]}/qr.svg" width="180" height="180" '
            'alt="QR code linking to the verification page">') in html
    assert f'href="/credentials/{made["id"]}/download">Download the signed credential (JSON)' in html
    assert 'Awarded to <a href="/people/ada">Ada Lovelace</a>' in html
    assert "Host <strong>ten</strong> calls." in html and "Ran <em>twelve</em> calls." in html
    assert '<a href="https://example.org/notes" rel="nofollow noopener">Call notes</a>' in html
    assert '<p class="verdict ok" role="status">Verified</p>' in html
    assert "Signed by Open Recognition (platform), and the key belongs to them." in html
    assert "nothing was changed since Open Recognition signed it" in html
    assert "It is not revoked." in html and f"Valid since {NOW.day} " in html


def test_html_in_names_and_criteria_is_escaped_or_sanitised(client, app):
    made = award(app, name='<script>alert("x")</script> & co',
                 criteria="Be <script>alert(1)</script> **kind** [x](javascript:alert(2))")
    html = client.get(f"/credentials/{made['id']}", headers=HTML).get_data(as_text=True)
    assert "<script>" not in html and "javascript:" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in html
    assert "<strong>kind</strong>" in html


def test_download_is_an_attachment_named_after_the_credential(client, app):
    made = award(app, name="Community facilitator (2026)")
    response = client.get(f"/credentials/{made['id']}/download")
    assert response.status_code == 200 and response.data == made["text"].encode()
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="community-facilitator-2026.json"'


def test_issued_credentials_and_endorsements_verify_at_the_vc_api(client, app):
    _, bob = person(app, "bob")
    made = award(app)
    endorsement = endorse(app, bob, made, "Solid work.")
    for text in (made["text"], endorsement["text"]):
        response = client.post("/credentials/verify", json={"verifiableCredential": json.loads(text)})
        assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("consent,visibility", [("pending", "public"), ("accepted", "private"),
                                                ("declined", "public")])
def test_private_or_unaccepted_credentials_are_404_to_everyone_but_recipient_and_author(
        app, consent, visibility):
    recipient, ada = person(app, "ada")
    author, lea = person(app, "lea")
    stranger, _ = person(app, "sam")
    made = award(app, record={"recipient_user_id": ada, "author_user_id": lea, "consent": consent,
                              "visibility": visibility})
    anonymous = Browser(app)
    for suffix in ("", "/verify", "/download", "/qr.png", "/qr.svg"):
        url = f"/credentials/{made['id']}{suffix}"
        for who in (anonymous, stranger):
            assert who.get(url, headers=HTML).status_code == 404, url
            assert who.get(url, headers={"Accept": "application/json"}).status_code == 404, url
        assert recipient.get(url, headers=HTML).status_code == 200, url
        assert author.get(url, headers=HTML).status_code == 200, url
    html = recipient.get(f"/credentials/{made['id']}", headers=HTML).get_data(as_text=True)
    assert "This credential is not public" in html


def test_accepted_public_credentials_are_seen_by_everyone(client, app):
    _, ada = person(app, "ada")
    made = award(app, record={"recipient_user_id": ada, "consent": "accepted", "visibility": "public"})
    html = client.get(f"/credentials/{made['id']}", headers=HTML).get_data(as_text=True)
    assert "Community facilitator" in html and "This credential is not public" not in html
    assert client.get(f"/credentials/{made['id']}", headers={"Accept": "application/json"}).status_code == 200


def test_api_serves_the_signed_json_under_the_same_privacy_rule(app):
    recipient, ada = person(app, "ada")
    stranger, _ = person(app, "sam")
    made = award(app, record={"recipient_user_id": ada, "consent": "pending", "visibility": "private"})
    mine = {"Authorization": f"Bearer {recipient.api_token()}"}
    theirs = {"Authorization": f"Bearer {stranger.api_token()}"}
    own = recipient.client.get(f"/api/v1/credentials/{made['id']}", headers=mine)
    assert own.status_code == 200 and own.data == made["text"].encode()
    refused = stranger.client.get(f"/api/v1/credentials/{made['id']}", headers=theirs)
    assert refused.status_code == 404 and refused.mimetype == "application/problem+json"
    assert stranger.client.get(f"/api/v1/credentials/{made['id']}").status_code == 401


def test_unknown_credentials_are_404_as_page_json_and_api(app):
    browser, _ = person(app, "ada")
    token = {"Authorization": f"Bearer {browser.api_token()}"}
    missing = str(uuid.uuid4())
    page = browser.get(f"/credentials/{missing}", headers=HTML)
    assert page.status_code == 404 and "<h1>Not Found</h1>" in page.get_data(as_text=True)
    data = browser.get(f"/credentials/{missing}", headers={"Accept": "application/json"})
    assert data.status_code == 404 and data.mimetype == "application/problem+json"
    assert browser.get(f"/credentials/{missing}/qr.png").status_code == 404
    assert browser.get(f"/credentials/{'x' * 400}", headers=HTML).status_code == 404
    assert browser.client.get(f"/api/v1/credentials/{missing}", headers=token).status_code == 404


def test_endorsements_of_the_credential_show_with_comment_and_their_own_verification(client, app):
    _, bob = person(app, "bob", "Bob <b>Builder</b>")
    _, eve = person(app, "eve", "Eve")
    made = award(app)
    endorse(app, bob, made, "Great **facilitation** <script>alert(1)</script>")
    gone = endorse(app, eve, made, "Withdrawn praise")
    revoke(app, gone["id"], "posted by mistake")
    endorse(app, eve, made, "Hidden until accepted", recipient_user_id=bob, consent="pending")
    html = client.get(f"/credentials/{made['id']}", headers=HTML).get_data(as_text=True)
    assert "<strong>Bob &lt;b&gt;Builder&lt;/b&gt;</strong> endorsed this:" in html
    assert "Great <strong>facilitation</strong>" in html and "<script>" not in html
    assert "This endorsement: Verified." in html
    assert "Withdrawn praise" not in html and "Hidden until accepted" not in html


def test_endorsement_page_says_what_it_is_about(client, app):
    _, bob = person(app, "bob", "Bob")
    made = award(app)
    endorsement = endorse(app, bob, made, "Thorough *and* kind.")
    html = client.get(f"/credentials/{endorsement['id']}", headers=HTML).get_data(as_text=True)
    assert f'About the badge <a href="{made["vc_id"]}"><em>Community facilitator</em></a>' in html
    assert "Thorough <em>and</em> kind." in html and "Issued by Bob" in html
    assert "Signed by Bob (member), and the key belongs to them." in html


def test_revoked_credential_page_says_revoked_with_the_reason(client, app):
    made = award(app)
    revoke(app, made["id"], "awarded to the wrong person")
    for suffix in ("", "/verify"):
        html = client.get(f"/credentials/{made['id']}{suffix}", headers=HTML).get_data(as_text=True)
        assert '<p class="verdict failed" role="status">Not verified</p>' in html
        assert "It was revoked (awarded to the wrong person)." in html


def test_verify_page_of_a_credential_shows_the_result_and_links_back(client, app):
    made = award(app, valid_from=datetime(2020, 5, 3, tzinfo=timezone.utc),
                 valid_until=NOW + timedelta(days=400))
    html = client.get(f"/credentials/{made['id']}/verify", headers=HTML).get_data(as_text=True)
    assert "<h1>Verification of “Community facilitator”</h1>" in html
    end = NOW + timedelta(days=400)
    assert f"Valid since 3 May 2020, until {end.day} {end.strftime('%B')} {end.year}." in html
    assert f'href="/credentials/{made["id"]}">See the credential' in html


def test_peer_badge_names_the_member_and_their_community(client, app):
    browser, lea = person(app, "lea", "Lea")
    with app.app_context():
        session, platform = storage.get_session(), app.extensions["issuer.platform"]
        issuer = services.new_issuer(platform, slug="community:gardens", kind="community",
                                     name="Gardeners", url=platform.base_url + "/communities/gardens")
        session.add(Community(slug="gardens", name="Gardeners", domain="gardens", purpose="grow",
                              issuer=issuer, created_by=lea))
        session.commit()
        community_id = session.query(Community).filter_by(slug="gardens").one().id
    made = award(app, issuer_slug="person:lea",
                 record={"peer_issued": True, "community_id": community_id, "author_user_id": lea})
    html = client.get(f"/credentials/{made['id']}", headers=HTML).get_data(as_text=True)
    assert "Peer badge issued by Lea, member of Gardeners" in html
    assert "Signed by Lea (member), and the key belongs to them." in html
