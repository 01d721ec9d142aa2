"""'Add to LinkedIn' on the recipient's own badge page, and the community's LinkedIn organization id."""

from __future__ import annotations

import html
import io
import json
import re
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
from PIL import Image

from issuer import services, storage
from issuer.storage import Award, Community
from tests.conftest import make_app
from tests.web.browsing import Browser

BASE = "https://issuer.example"
LINK = re.compile(r'href="(https://www\.linkedin\.com/profile/add\?[^"]*)"')
FIELD = re.compile(r'<label for="linkedin-field-\d+">([^<]*)</label></dt>\s*<dd><input type="text" '
                   r'id="linkedin-field-\d+" value="([^"]*)" readonly>')


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 24), (31, 111, 92)).save(out, "PNG")
    return out.getvalue()


def linkedin_of(page: str) -> tuple[dict, dict] | None:
    """The link's query and the copy-paste values shown beside it, or None when there is none."""
    found = LINK.findall(page)
    if not found:
        assert "linkedin" not in page.lower(), "a LinkedIn section without its link"
        return None
    [url] = found
    query = dict(parse_qsl(urlsplit(html.unescape(url)).query, strict_parsing=True))
    shown = {html.unescape(label): html.unescape(value) for label, value in FIELD.findall(page)}
    return query, shown


@pytest.fixture()
def world(tmp_path):
    """Lea leads "R&D #1 — Café" (open); Ada and Bob are members; Ada holds an awarded badge."""
    app = make_app(tmp_path, ISSUER_BASE_URL=BASE)
    lea, ada, bob = (Browser(app).sign_up(h, n) for h, n in
                     (("lea", "Lea Leader"), ("ada", "Ada Lovelace"), ("bob", "Bob Builder")))
    made = lea.submit("/communities/new", {"name": "R&D #1 — Café", "slug": "rd", "domain": "Research",
                                           "purpose": "Better research", "open_membership": "y"})
    assert made.status_code == 302
    for member in (ada, bob):
        member.submit("/communities/rd/join", form_url="/communities/rd")
    defined = lea.submit("/communities/rd/achievements/new", {
        "name": "C++ & Rust #1: 100% + ünïcode", "description": "Reviews.", "criteria": "Review ten PRs.",
        "achievement_type": "Badge", "image": (io.BytesIO(png()), "badge.png"), "alt": "A green square"},
        content_type="multipart/form-data")
    achievement_id = defined.headers["Location"].rsplit("/", 1)[1]
    awarded = lea.submit(f"/achievements/{achievement_id}/award", {"recipients": ["ada"], "narrative": "Ten."},
                         form_url=f"/achievements/{achievement_id}")
    assert awarded.status_code == 302
    [uuid] = re.findall(r"/me/recognition/([0-9a-f-]+)/accept", ada.get("/me/recognition").get_data(as_text=True))
    return {"app": app, "lea": lea, "ada": ada, "bob": bob, "uuid": uuid,
            "achievement": f"/achievements/{achievement_id}"}


def page(browser: Browser, uuid: str) -> str:
    response = browser.get(f"/credentials/{uuid}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def make_public(world) -> None:
    for action in ("accept", "public"):
        world["ada"].submit(f"/me/recognition/{world['uuid']}/{action}", form_url="/me/recognition")


def test_the_recipient_gets_the_link_and_the_values_for_a_public_badge(world):
    make_public(world)
    uuid = world["uuid"]
    query, shown = linkedin_of(page(world["ada"], uuid))
    with world["app"].app_context():
        document = json.loads(storage.credential_by_uuid(storage.get_session(), uuid).signed_json)
    issued = datetime.fromisoformat(document["validFrom"].replace("Z", "+00:00"))
    assert query == {"startTask": "CERTIFICATION_NAME", "name": "C++ & Rust #1: 100% + ünïcode",
                     "organizationName": "R&D #1 — Café", "issueYear": str(issued.year),
                     "issueMonth": str(issued.month), "certUrl": f"{BASE}/credentials/{uuid}",
                     "certId": document["id"]}
    assert document["id"] == f"{BASE}/credentials/{uuid}"
    assert shown == {"Name": "C++ & Rust #1: 100% + ünïcode", "Issuing organization": "R&D #1 — Café",
                     "Issue date": f"{issued.strftime('%B')} {issued.year}",
                     "Credential ID": document["id"], "Credential URL": f"{BASE}/credentials/{uuid}"}
    # certUrl is the page LinkedIn shows to whoever looks: it answers a stranger
    assert Browser(world["app"]).get(f"/credentials/{uuid}").status_code == 200


def test_strangers_and_other_members_see_nothing_of_it(world):
    make_public(world)
    for who in (Browser(world["app"]), world["bob"], world["lea"]):
        assert linkedin_of(page(who, world["uuid"])) is None


@pytest.mark.parametrize("actions", [(), ("accept",)])
def test_nothing_for_a_badge_not_yet_public(world, actions):
    for action in actions:
        world["ada"].submit(f"/me/recognition/{world['uuid']}/{action}", form_url="/me/recognition")
    assert linkedin_of(page(world["ada"], world["uuid"])) is None


def test_nothing_for_a_revoked_badge(world):
    make_public(world)
    app = world["app"]
    with app.app_context():
        session = storage.get_session()
        services.revoke(session, app.extensions["issuer.platform"],
                        storage.credential_by_uuid(session, world["uuid"]), "awarded by mistake")
    assert linkedin_of(page(world["ada"], world["uuid"])) is None


def test_the_community_organization_id_replaces_its_name(world):
    lea = world["lea"]
    edit = {"name": "R&D #1 — Café", "domain": "Research", "purpose": "Better research",
            "open_membership": "y", "alt": "", "linkedin_organization_id": " 2414183 "}
    assert lea.submit("/communities/rd/edit", edit).status_code == 302
    assert 'value="2414183"' in lea.get("/communities/rd/edit").get_data(as_text=True)
    make_public(world)
    query, shown = linkedin_of(page(world["ada"], world["uuid"]))
    assert query["organizationId"] == "2414183" and "organizationName" not in query
    assert shown["Issuing organization"] == "R&D #1 — Café"  # for typing it by hand


def test_expiry_is_sent_when_the_credential_has_one(world):
    """A badge with validUntil, signed for Ada's award: expirationYear/Month follow it."""
    from issuer.credentials import documents
    make_public(world)
    app = world["app"]
    until = datetime(2031, 7, 9, tzinfo=timezone.utc)
    with app.app_context():
        session, platform = storage.get_session(), app.extensions["issuer.platform"]
        original = storage.credential_by_uuid(session, world["uuid"])
        award = original.award
        community = session.get(Community, award.community_id)
        row_id = "5d1f0c4e-8f5b-4b5e-9d1a-3c2b1a0f9e8d"
        document = documents.open_badge_credential(
            platform.credential_url(row_id), services.issuer_profile(community.issuer), "did:example:ada",
            documents.achievement("https://example.org/a", "Expiring", "Lasts.", documents.criteria("Do it.")),
            valid_from=datetime(2026, 1, 5, tzinfo=timezone.utc), valid_until=until)
        made = Award(id=row_id, kind="badge", issuer_id=community.issuer_id, community_id=community.id,
                     recipient_user_id=award.recipient_user_id, consent="accepted", visibility="public")
        services.issue(session, platform, document, issuer=community.issuer, row_id=row_id, award=made)
    query, shown = linkedin_of(page(world["ada"], row_id))
    assert (query["issueYear"], query["issueMonth"]) == ("2026", "1")
    assert (query["expirationYear"], query["expirationMonth"]) == ("2031", "7")
    assert shown["Expiration date"] == "July 2031"
    query, shown = linkedin_of(page(world["ada"], world["uuid"]))
    assert "expirationYear" not in query and "Expiration date" not in shown


@pytest.mark.parametrize("value", ["12a", "-1", "https://www.linkedin.com/company/2414183", "1" * 21, "١٢٣"])
def test_the_edit_form_refuses_an_id_that_is_not_digits(world, value):
    lea = world["lea"]
    edit = {"name": "R&D #1 — Café", "domain": "Research", "purpose": "Better research",
            "open_membership": "y", "alt": "", "linkedin_organization_id": value}
    refused = lea.submit("/communities/rd/edit", edit)
    [said] = re.findall(r'<p class="field-error" id="linkedin_organization_id-error">([^<]*)</p>',
                        refused.get_data(as_text=True))
    assert refused.status_code == 400
    assert "LinkedIn company page id" in html.unescape(said) or "longer than 20" in said
    with world["app"].app_context():
        assert storage.get_session().query(Community).filter_by(slug="rd").one().linkedin_organization_id is None


def test_the_api_sets_checks_and_clears_the_id(world):
    client = world["app"].test_client()
    lead = {"Authorization": f"Bearer {world['lea'].api_token()}"}
    member = {"Authorization": f"Bearer {world['bob'].api_token()}"}
    path = "/api/v1/communities/rd"
    assert client.get(path, headers=lead).get_json()["linkedinOrganizationId"] is None
    done = client.patch(path, headers=lead, json={"linkedinOrganizationId": "2414183"})
    assert done.status_code == 200 and done.get_json()["linkedinOrganizationId"] == "2414183"
    kept = client.patch(path, headers=lead, json={"openMembership": True})
    assert kept.get_json()["linkedinOrganizationId"] == "2414183"  # absent: unchanged
    for bad in ("12a", "1" * 21, " 1 2 ", "https://www.linkedin.com/company/2414183"):
        refused = client.patch(path, headers=lead, json={"linkedinOrganizationId": bad})
        assert (refused.status_code, refused.mimetype) == (422, "application/problem+json")
        assert refused.get_json()["field"] == "linkedin_organization_id"
        assert "LinkedIn company page id" in refused.get_json()["detail"]
    for bad in (2414183, [], {"id": "1"}):
        refused = client.patch(path, headers=lead, json={"linkedinOrganizationId": bad})
        assert (refused.status_code, refused.mimetype) == (400, "application/problem+json")
        assert refused.get_json()["detail"] == "linkedinOrganizationId: must be a string"
    assert client.get(path, headers=lead).get_json()["linkedinOrganizationId"] == "2414183"
    assert client.patch(path, headers=member, json={"linkedinOrganizationId": "1"}).status_code == 403
    cleared = client.patch(path, headers=lead, json={"linkedinOrganizationId": None})
    assert cleared.get_json()["linkedinOrganizationId"] is None
    client.patch(path, headers=lead, json={"linkedinOrganizationId": "77"})
    assert client.patch(path, headers=lead, json={"linkedinOrganizationId": ""}).get_json()[
        "linkedinOrganizationId"] is None
