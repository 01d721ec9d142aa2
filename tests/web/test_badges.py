"""Achievements, badges (leader and peer) and revocation through real forms and the JSON API."""

from __future__ import annotations

import base64
import io
import json
import re

import pytest
from sqlalchemy.orm import joinedload
from PIL import Image

from issuer.services import communities
from issuer.services.people import user_by_handle
from issuer.storage import Achievement, Award, IssuedCredential, StatusList, get_session
from tests.web.browsing import Browser

CRITERIA = "Host **three** community calls.\n\n- prepare\n- host"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (32, 32), (31, 111, 92, 255)).save(out, format="PNG")
    return out.getvalue()


def make_community(app, leader: str, members=(), *, slug="cop", peers=False, pending=()) -> None:
    """A community led by ``leader`` with active ``members`` and ``pending`` requests."""
    with app.app_context():
        session, platform = get_session(), app.extensions["issuer.platform"]
        founder = user_by_handle(session, leader)
        community = communities.create_community(
            session, platform, founder, name=f"Facilitators {slug}", slug=slug,
            domain="Facilitation", purpose="Better calls", allow_peer_badges=peers)
        for handle in members:
            communities.join(session, community, user_by_handle(session, handle))
        if pending:
            community.open_membership = False
            session.commit()
            for handle in pending:
                communities.join(session, community, user_by_handle(session, handle))


@pytest.fixture
def people(app):
    """Browsers of a leader, two members, an outsider and a pending member; community "cop"."""
    found = {handle: Browser(app).sign_up(handle) for handle in ("lea", "ada", "bob", "eve", "pat")}
    make_community(app, "lea", ("ada", "bob"), pending=("pat",))
    return found


def define(browser, slug="cop", **overrides):
    data = {"name": "Call host", "description": "Hosted community calls.", "criteria": CRITERIA,
            "achievement_type": "ext:Facilitation", "image": (io.BytesIO(png()), "badge.png"),
            "alt": "A green circle", "tags": "facilitation, calls",
            "alignments": "ESCO facilitation | https://example.org/esco/facilitate"}
    data.update(overrides)
    return browser.submit(f"/communities/{slug}/achievements/new", data,
                          content_type="multipart/form-data")


def achievement_id(response) -> str:
    if response.status_code != 302:
        raise AssertionError(response.get_data(as_text=True))
    return response.headers["Location"].rsplit("/", 1)[1]


def rows(app, model, **filters):
    with app.app_context():
        return get_session().query(model).filter_by(**filters).all()


def awards(app, **filters) -> list[Award]:
    """Awards (by their columns), each with its custodial credential loaded."""
    with app.app_context():
        return get_session().query(Award).options(joinedload(Award.credential)).filter_by(**filters).all()


def did_of(app, handle: str) -> str:
    with app.app_context():
        return user_by_handle(get_session(), handle).issuer.did


def verify(client, credential: dict):
    return client.post("/credentials/verify", json={"verifiableCredential": credential})


def assert_verifies(client, credential: dict) -> None:
    response = verify(client, credential)
    body = response.get_json()
    assert response.status_code == 200, body
    assert all(c["outcome"] == "ok" for c in body["result"]["checks"]), body
    assert {"proof", "status", "schema"} <= set(body["checks"])


def issue_form(browser, aid, recipients, **extra):
    data = {"recipients": recipients, "narrative": "Hosted *five* calls.",
            "evidence": "https://example.org/calls/1\nhttps://example.org/calls/2", **extra}
    return browser.submit(f"/achievements/{aid}/award", data, form_url=f"/achievements/{aid}")


# --- achievements ---------------------------------------------------------------------------

def test_leader_defines_an_achievement_with_image_and_alt(app, people):
    lea = people["lea"]
    aid = achievement_id(define(lea))
    page = lea.get(f"/achievements/{aid}", headers={"Accept": "text/html"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert re.search(r'<img class="badge-image" src="http://[^"]+/images/[0-9a-f-]+" alt="A green circle">', html)
    assert "<strong>three</strong>" in html and "<li>prepare</li>" in html
    assert "Facilitation" in html and "facilitation, calls" in html and "ESCO facilitation" in html
    assert 'action="/achievements/' in html  # leaders see the issue form
    listing = people["eve"].get("/communities/cop/achievements").get_data(as_text=True)
    assert "Call host" in listing and "Define an achievement" not in listing


def test_a_png_declaring_a_huge_size_is_a_400_naming_the_limit(app, people):
    from tests.test_images import declared_png

    response = define(people["lea"], image=(io.BytesIO(declared_png(30000, 30000)), "bomb.png"))
    assert response.status_code == 400
    assert "30000×30000 pixels; at most 2048×2048 is accepted" in response.get_data(as_text=True)


def test_achievement_json_is_negotiated_and_expands_in_safe_mode(app, people):
    aid = achievement_id(define(people["lea"]))
    platform = app.extensions["issuer.platform"]
    for accept in ("application/ld+json", "application/json"):
        response = app.test_client().get(f"/achievements/{aid}", headers={"Accept": accept})
        assert response.status_code == 200 and response.mimetype == accept
    document = app.test_client().get(f"/achievements/{aid}", headers={"Accept": "application/ld+json"}).get_json()
    # the OB implementation guide: no Accept header means JSON-LD; */* and browsers get the page
    assert app.test_client().get(f"/achievements/{aid}").mimetype == "application/ld+json"
    assert app.test_client().get(f"/achievements/{aid}", headers={"Accept": "*/*"}).mimetype == "text/html"
    assert document["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert document["id"] == f"{platform.base_url}/achievements/{aid}"
    assert document["type"] == ["Achievement"] and document["achievementType"] == "ext:Facilitation"
    assert document["criteria"] == {"narrative": CRITERIA}
    assert document["image"]["caption"] == "A green circle" and document["image"]["type"] == "Image"
    assert document["tag"] == ["facilitation", "calls"]
    assert document["alignment"][0]["targetUrl"] == "https://example.org/esco/facilitate"
    with app.app_context():
        community = communities.community_by_slug(get_session(), "cop")
        assert document["creator"]["id"] == community.issuer.did
    assert platform.canonicalizer.expand(document)
    image = app.test_client().get(document["image"]["id"].removeprefix(platform.base_url))
    assert image.status_code == 200 and image.mimetype == "image/png"


def test_missing_alt_and_bad_input_are_refused_keeping_what_was_typed(app, people):
    lea = people["lea"]
    response = define(lea, alt="", name="Mentor <b>of</b> the year")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "describe the image" in page
    assert 'value="Mentor &lt;b&gt;of&lt;/b&gt; the year"' in page
    bad_type = define(lea, achievement_type="ext:Bogus")
    assert bad_type.status_code == 400 and "Not a valid choice" in bad_type.get_data(as_text=True)
    bad_alignment = define(lea, alignments="just a name")
    assert bad_alignment.status_code == 400 and "name | https://url" in bad_alignment.get_data(as_text=True)
    not_an_image = define(lea, image=(io.BytesIO(b"GIF89a...."), "x.gif"))
    assert not_an_image.status_code == 400 and "GIF" in not_an_image.get_data(as_text=True)
    assert rows(app, Achievement) == []


def test_only_leaders_define_and_edit(app, people):
    aid = achievement_id(define(people["lea"]))
    for handle in ("ada", "eve", "pat"):
        assert people[handle].get("/communities/cop/achievements/new").status_code == 403
        forbidden = people[handle].client.post("/communities/cop/achievements/new", data={
            "csrf_token": people[handle].csrf("/settings/tokens"), "name": "x"})
        assert forbidden.status_code == 403
        assert people[handle].get(f"/achievements/{aid}/edit").status_code == 403
    assert Browser(app).get("/communities/cop/achievements/new").status_code == 302  # log in first
    assert people["lea"].get("/communities/nowhere/achievements/new").status_code == 404
    assert len(rows(app, Achievement)) == 1


def test_leader_edits_an_achievement(app, people):
    lea = people["lea"]
    aid = achievement_id(define(lea))
    form = lea.get(f"/achievements/{aid}/edit").get_data(as_text=True)
    assert "Call host" in form and "ESCO facilitation | https://example.org/esco/facilitate" in form
    saved = lea.submit(f"/achievements/{aid}/edit", {
        "name": "Call host <i>pro</i>", "description": "d", "criteria": "c",
        "achievement_type": "Badge", "tags": "", "alignments": "", "alt": "A darker circle"})
    assert saved.status_code == 302
    document = lea.get(f"/achievements/{aid}", headers={"Accept": "application/json"}).get_json()
    assert document["name"] == "Call host <i>pro</i>" and document["achievementType"] == "Badge"
    assert document["image"]["caption"] == "A darker circle" and "tag" not in document


def test_unknown_achievement_is_404(app, people):
    assert people["lea"].get("/achievements/nope", headers={"Accept": "text/html"}).status_code == 404
    assert people["lea"].submit("/achievements/nope/award", {"recipients": ["ada"]},
                                form_url="/settings/tokens").status_code == 404
    assert people["lea"].get("/achievements/nope/edit").status_code == 404


# --- issuing --------------------------------------------------------------------------------

def test_leader_issues_to_one_and_to_several_and_each_verifies(app, people):
    lea = people["lea"]
    aid = achievement_id(define(lea))
    one = issue_form(lea, aid, ["ada"])
    assert one.status_code == 302
    assert "Badge issued to Ada" in lea.get(f"/achievements/{aid}").get_data(as_text=True)
    several = issue_form(lea, aid, ["ada", "bob"])
    assert several.status_code == 302
    badges = awards(app, achievement_id=aid)
    assert len(badges) == 3
    with app.app_context():
        community = communities.community_by_slug(get_session(), "cop")
        community_did, community_id = community.issuer.did, community.id
    for badge in badges:
        credential = json.loads(badge.credential.signed_json)
        assert credential["issuer"]["id"] == community_did and badge.peer_issued is False
        assert credential["credentialSubject"]["achievement"]["id"].endswith(f"/achievements/{aid}")
        assert credential["credentialSubject"]["narrative"] == "Hosted *five* calls."
        assert [e["id"] for e in credential["evidence"]] == ["https://example.org/calls/1",
                                                             "https://example.org/calls/2"]
        assert credential["validFrom"] == credential["awardedDate"]
        assert (badge.consent, badge.visibility, badge.community_id) == ("pending", "private", community_id)
        assert_verifies(app.test_client(), credential)
    subjects = sorted(json.loads(b.credential.signed_json)["credentialSubject"]["id"] for b in badges)
    assert subjects == sorted([did_of(app, "ada"), did_of(app, "ada"), did_of(app, "bob")])


def test_the_platform_token_cannot_revoke_a_communitys_badge(app, people, auth):
    """Only the community's leaders revoke its badges; the platform token speaks for the platform."""
    aid = achievement_id(define(people["lea"]))
    issue_form(people["lea"], aid, ["ada"])
    [badge] = awards(app, achievement_id=aid)
    response = app.test_client().post("/credentials/status", headers=auth, json={
        "credentialId": badge.credential.vc_id, "reason": "spite",
        "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}]})
    assert response.status_code == 403 and response.mimetype == "application/problem+json"
    assert response.get_json()["detail"].startswith("credentialId: ")
    [badge] = awards(app, achievement_id=aid)
    assert badge.revoked_at is None and badge.revocation_reason is None


def test_issue_refusals(app, people):
    lea = people["lea"]
    aid = achievement_id(define(lea))
    outsider = issue_form(lea, aid, ["eve"])
    assert outsider.status_code == 400 and "not a valid choice" in outsider.get_data(as_text=True)
    assert issue_form(lea, aid, []).status_code == 400
    bad_link = issue_form(lea, aid, ["ada"], evidence="javascript:alert(1)")
    assert bad_link.status_code == 400 and "is not an http(s) link" in bad_link.get_data(as_text=True)
    assert issue_form(people["ada"], aid, ["bob"]).status_code == 403  # no peer badges here
    assert issue_form(people["eve"], aid, ["ada"]).status_code == 403
    no_csrf = lea.client.post(f"/achievements/{aid}/award", data={"recipients": ["ada"]})
    assert no_csrf.status_code == 400 and "CSRF" in no_csrf.get_data(as_text=True)
    token = lea.api_token()
    auth = {"Authorization": f"Bearer {token}"}
    for handles, message in ((["eve"], "not an active member"), (["pat"], "not an active member"),
                             (["nobody"], "no member @nobody"), ([], "at least one")):
        response = lea.client.post(f"/api/v1/achievements/{aid}/awards", headers=auth,
                                   json={"recipients": handles})
        assert response.status_code == 422 and message in response.get_json()["detail"]
        assert response.get_json()["field"] == "recipients"
    assert lea.client.post("/api/v1/achievements/nope/awards", headers=auth,
                           json={"recipients": ["ada"]}).status_code == 404
    assert awards(app, achievement_id=aid) == []


def test_peer_badges(app):
    people = {h: Browser(app).sign_up(h) for h in ("lea", "ada", "bob")}
    make_community(app, "lea", ("ada", "bob"), slug="peers", peers=True)
    aid = achievement_id(define(people["lea"], slug="peers"))
    page = people["ada"].get(f"/achievements/{aid}").get_data(as_text=True)
    assert "Give peer badge" in page and 'value="ada"' not in page and 'value="bob"' in page
    assert issue_form(people["ada"], aid, ["bob"]).status_code == 302
    badge = awards(app, achievement_id=aid)[0]
    credential = json.loads(badge.credential.signed_json)
    with app.app_context():
        community_did = communities.community_by_slug(get_session(), "peers").issuer.did
    assert credential["issuer"]["id"] == did_of(app, "ada") and badge.peer_issued
    assert credential["issuer"]["parentOrg"]["id"] == community_did
    assert credential["credentialSubject"]["id"] == did_of(app, "bob")
    assert_verifies(app.test_client(), credential)
    assert issue_form(people["ada"], aid, ["ada"]).status_code == 400  # not offered: never to self
    auth = {"Authorization": f"Bearer {people['ada'].api_token()}"}
    to_self = people["ada"].client.post(f"/api/v1/achievements/{aid}/awards", headers=auth,
                                        json={"recipients": ["ada"]})
    assert to_self.status_code == 422 and "not yourself" in to_self.get_json()["detail"]
    led = people["lea"].client.post(f"/api/v1/achievements/{aid}/awards", json={
        "recipients": ["ada"], "peer": True},
        headers={"Authorization": f"Bearer {people['lea'].api_token()}"})
    assert led.status_code == 201
    assert led.get_json()["awarded"][0]["verifiableCredential"]["issuer"]["id"] == did_of(app, "lea")
    assert len(awards(app, achievement_id=aid)) == 2


def test_signing_failure_leaves_nothing_half_written(app, people, monkeypatch):
    aid = achievement_id(define(people["lea"]))

    def broken(*args, **kwargs):
        raise RuntimeError("the signer is down")

    monkeypatch.setattr("issuer.services.issuing.proof.add_proof", broken)
    response = issue_form(people["lea"], aid, ["ada", "bob"])
    assert response.status_code == 302
    page = people["lea"].get(f"/achievements/{aid}").get_data(as_text=True)
    assert "Not issued to Ada: signing failed; nothing was stored" in page
    assert rows(app, IssuedCredential) == [] and rows(app, StatusList) == []


# --- revocation and escaping ----------------------------------------------------------------

def test_revocation_with_reason_is_final_and_verifiers_see_it(app, people):
    lea = people["lea"]
    aid = achievement_id(define(lea))
    issue_form(lea, aid, ["ada"])
    badge = awards(app, achievement_id=aid)[0]
    listing = lea.get("/communities/cop/badges").get_data(as_text=True)
    assert "Call host" in listing and f"/badges/{badge.id}/revoke" in listing
    url = f"/badges/{badge.id}/revoke"
    empty = lea.submit(url, {"reason": "  "}, form_url="/communities/cop/badges")
    assert empty.status_code == 400 and "say in at most 500 characters why" in empty.get_data(as_text=True)
    assert people["ada"].submit(url, {"reason": "mine"}, form_url="/").status_code == 403
    assert people["ada"].get("/communities/cop/badges").status_code == 200  # only their peer badges
    assert people["eve"].get("/communities/cop/badges").status_code == 403
    assert lea.client.post(url, data={"reason": "no token"}).status_code == 400
    done = lea.submit(url, {"reason": "Given by mistake"}, form_url="/communities/cop/badges")
    assert done.status_code == 302
    again = lea.submit(url, {"reason": "twice"}, form_url="/communities/cop/badges")
    assert again.status_code == 400 and "revocation is final" in again.get_data(as_text=True)
    result = verify(app.test_client(), json.loads(badge.credential.signed_json))
    assert result.status_code == 422
    status = [c for c in result.get_json()["result"]["checks"] if c["check"] == "status"]
    assert status[0]["outcome"] == "failed" and "revoked" in status[0]["message"]
    assert rows(app, IssuedCredential, id=badge.id)[0].revocation_reason == "Given by mistake"
    assert lea.submit("/badges/nope/revoke", {"reason": "x"}, form_url="/").status_code == 404


def test_html_in_names_is_escaped_on_every_page(app, people):
    lea = people["lea"]
    aid = achievement_id(define(lea, name="<script>alert(1)</script>",
                                criteria="<script>bad()</script> **ok**"))
    issue_form(lea, aid, ["ada"])
    for url in (f"/achievements/{aid}", "/communities/cop/achievements", "/communities/cop/badges"):
        page = lea.get(url, headers={"Accept": "text/html"}).get_data(as_text=True)
        assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url


# --- JSON API -------------------------------------------------------------------------------

def test_api_defines_updates_awards_lists_and_revokes(app, people):
    auth = {"Authorization": f"Bearer {people['lea'].api_token()}"}
    client = app.test_client()
    body = {"name": "Mentor", "description": "Mentors newcomers.", "criteria": "Mentor someone.",
            "achievementType": "ext:Mentoring", "tags": ["mentoring"],
            "alignments": [{"targetName": "Mentoring", "targetUrl": "https://example.org/m"}],
            "image": {"data": base64.b64encode(png()).decode(), "filename": "m.png", "alt": "A tree"}}
    made = client.post("/api/v1/communities/cop/achievements", json=body, headers=auth)
    assert made.status_code == 201, made.get_json()
    aid = made.get_json()["id"].rsplit("/", 1)[1]
    assert made.headers["Location"] == made.get_json()["id"]
    assert client.get(f"/api/v1/achievements/{aid}", headers=auth).get_json()["image"]["caption"] == "A tree"
    patched = client.patch(f"/api/v1/achievements/{aid}", json={"name": "Mentor of newcomers"}, headers=auth)
    assert patched.status_code == 200 and patched.get_json()["name"] == "Mentor of newcomers"
    bad = client.patch(f"/api/v1/achievements/{aid}", json={"achievementType": "Nonsense"}, headers=auth)
    assert bad.status_code == 422 and bad.get_json()["field"] == "achievement_type"
    no_alt = dict(body, image={"data": body["image"]["data"], "filename": "m.png"})
    refused = client.post("/api/v1/communities/cop/achievements", json=no_alt, headers=auth)
    assert refused.status_code == 422 and refused.get_json()["field"] == "alt"
    awarded = client.post(f"/api/v1/achievements/{aid}/awards", headers=auth, json={
        "recipients": ["ada", "bob"], "narrative": "Welcomed five newcomers.",
        "evidence": ["https://example.org/welcome"]})
    assert awarded.status_code == 201 and awarded.get_json()["failed"] == []
    for entry in awarded.get_json()["awarded"]:
        assert_verifies(client, entry["verifiableCredential"])
    listed = client.get("/api/v1/communities/cop/badges", headers=auth).get_json()
    assert {b["recipient"] for b in listed} == {"ada", "bob"} and not listed[0]["revoked"]
    badge_id = listed[0]["id"]
    assert client.post(f"/api/v1/badges/{badge_id}/revoke", json={}, headers=auth).status_code == 400
    revoked = client.post(f"/api/v1/badges/{badge_id}/revoke", json={"reason": "duplicate"}, headers=auth)
    assert revoked.status_code == 200 and revoked.get_json()["revocationReason"] == "duplicate"
    assert client.post("/api/v1/badges/nope/revoke", json={"reason": "x"}, headers=auth).status_code == 404
    assert client.get("/api/v1/achievements/nope", headers=auth).status_code == 404


def test_api_refuses_non_leaders(app, people):
    aid = achievement_id(define(people["lea"]))
    auth = {"Authorization": f"Bearer {people['ada'].api_token()}"}
    client = app.test_client()
    made = client.post("/api/v1/communities/cop/achievements", headers=auth, json={
        "name": "x", "description": "y", "criteria": "z"})
    assert made.status_code == 403 and made.mimetype == "application/problem+json"
    assert client.patch(f"/api/v1/achievements/{aid}", json={"name": "x"}, headers=auth).status_code == 403
    assert client.post(f"/api/v1/achievements/{aid}/awards", json={"recipients": ["bob"]},
                       headers=auth).status_code == 403
    outsider = {"Authorization": f"Bearer {people['eve'].api_token()}"}
    assert client.get("/api/v1/communities/cop/badges", headers=outsider).status_code == 403
    assert client.post("/api/v1/communities/cop/achievements", json={}).status_code == 401


def test_peer_revokes_own_peer_badge_through_the_api(app):
    people = {h: Browser(app).sign_up(h) for h in ("lea", "ada", "bob")}
    make_community(app, "lea", ("ada", "bob"), slug="peers", peers=True)
    aid = achievement_id(define(people["lea"], slug="peers"))
    ada = {"Authorization": f"Bearer {people['ada'].api_token()}"}
    bob = {"Authorization": f"Bearer {people['bob'].api_token()}"}
    client = app.test_client()
    given = client.post(f"/api/v1/achievements/{aid}/awards", json={"recipients": ["bob"]}, headers=ada)
    badge_id = given.get_json()["awarded"][0]["id"]
    assert [b["id"] for b in client.get("/api/v1/communities/peers/badges", headers=ada).get_json()] == [badge_id]
    assert client.get("/api/v1/communities/peers/badges", headers=bob).get_json() == []
    assert client.post(f"/api/v1/badges/{badge_id}/revoke", json={"reason": "x"}, headers=bob).status_code == 403
    done = client.post(f"/api/v1/badges/{badge_id}/revoke", json={"reason": "wrong person"}, headers=ada)
    assert done.status_code == 200 and done.get_json()["revoked"] is True


def test_openapi_describes_the_achievement_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/communities/{slug}/achievements", "/achievements/{achievementId}",
                 "/achievements/{achievementId}/awards", "/communities/{slug}/badges",
                 "/badges/{badgeId}/revoke"):
        assert path in paths
