""""Download my record": a signed CLR 2.0 record of a person's chosen public items, through the
service, the page, the JSON API, and back through /verify (envelope and every member)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft201909Validator

from issuer.services import badges, recognition, record
from issuer.services.errors import FieldError
from issuer.storage import Award, IssuedCredential, User, get_session
from tests.conftest import make_app
from tests.web.browsing import Browser

ROOT = Path(__file__).resolve().parents[2]
CLR_SCHEMA = json.loads((ROOT / "schemas" / "clr_v2p0" / "clr_v2p0_clrcredential_schema.json").read_text())
CONTEXTS = ["https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]


def log_in(app, handle: str) -> Browser:
    browser = Browser(app)
    response = browser.submit("/login", {"email": f"{handle}@demo.example",
                                          "password": "demo-password-123"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


def items_of(app, handle: str) -> dict[str, list[str]]:
    """A person's public item ids by kind, and every other award id (not theirs or not public)."""
    with app.app_context():
        session = get_session()
        user = session.query(User).filter_by(handle=handle).one()
        public = record.record_items(session, user)
        others = [a.id for a in session.query(Award).all() if a.id not in {p.id for p in public}]
        return {"badge": [a.id for a in public if a.kind == "badge"],
                "endorsement": [a.id for a in public if a.kind == "endorsement"], "other": others}


def issue(app, handle: str, item_ids=None) -> dict:
    with app.app_context():
        session = get_session()
        user = session.query(User).filter_by(handle=handle).one()
        row = record.issue_record(session, app.extensions["issuer.platform"], user, item_ids)
        return json.loads(row.signed_json)


def signed_of(app, award_id: str) -> dict:
    with app.app_context():
        return json.loads(get_session().get(Award, award_id).credential.signed_json)


def test_the_record_holds_every_public_item_as_signed_and_passes_the_1edtech_schema(demo):
    document = issue(demo, "bram")
    ids = items_of(demo, "bram")
    assert len(ids["badge"]) == 1 and len(ids["endorsement"]) == 2
    assert list(Draft201909Validator(CLR_SCHEMA).iter_errors(document)) == []
    assert document["@context"][:3] == CONTEXTS
    assert document["type"] == ["VerifiableCredential", "ClrCredential"]
    assert document["name"] == "Bram de Vries's recognition record" and document["partial"] is False
    platform_issuer = demo.test_client().get("/issuer").get_json()
    assert document["issuer"]["id"] == platform_issuer["id"] and document["issuer"]["type"] == ["Profile"]
    with demo.app_context():
        bram = get_session().query(User).filter_by(handle="bram").one()
        assert document["credentialSubject"]["id"] == bram.issuer.did
        stored = get_session().query(IssuedCredential).filter_by(vc_id=document["id"]).one()
        assert stored.kind == "ClrCredential" and stored.award_id is None
    subject = document["credentialSubject"]
    assert subject["type"] == ["ClrSubject"]
    assert subject["verifiableCredential"] == [signed_of(demo, i) for i in ids["badge"]]
    assert subject["achievement"] == [subject["verifiableCredential"][0]["credentialSubject"]["achievement"]]
    assert "association" not in subject  # the demo achievements state no link between them
    assert sorted(e["id"] for e in document["endorsement"]) == sorted(
        signed_of(demo, i)["id"] for i in ids["endorsement"])
    assert document["credentialSchema"] == [{
        "id": "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json",
        "type": "1EdTechJsonSchemaValidator2019"}]
    assert document["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert document["proof"]["verificationMethod"].startswith(platform_issuer["id"])


def test_choosing_items_leaves_the_rest_out_and_says_so(demo):
    ids = items_of(demo, "bram")
    document = issue(demo, "bram", ids["badge"] + ids["endorsement"][:1])
    assert document["partial"] is True and len(document["endorsement"]) == 1
    only_badge = issue(demo, "bram", ids["badge"])
    assert only_badge["partial"] is True and "endorsement" not in only_badge
    assert list(Draft201909Validator(CLR_SCHEMA).iter_errors(only_badge)) == []


@pytest.mark.parametrize("choice,code", [
    (lambda ids: ids["badge"] + ids["other"][:1], "record.not-your-public-item"),
    (lambda ids: ["not-an-id"], "record.not-your-public-item"),
    (lambda ids: [], "record.nothing-chosen"),
    (lambda ids: ids["endorsement"], "record.needs-a-badge"),
])
def test_choices_that_are_not_the_persons_public_items_are_refused(demo, choice, code):
    with pytest.raises(FieldError) as raised:
        issue(demo, "bram", choice(items_of(demo, "bram")))
    assert raised.value.code == code and raised.value.field == "items"


def test_a_private_item_of_ones_own_is_refused(demo):
    guide = items_of(demo, "chen")["badge"][0]
    with demo.app_context():
        session = get_session()
        chen = session.query(User).filter_by(handle="chen").one()
        recognition.set_visibility(session, chen, guide, "private")
    try:
        with pytest.raises(FieldError, match="record.not-your-public-item"):
            issue(demo, "chen", [guide])
        with pytest.raises(FieldError, match="record.nothing-chosen"):
            issue(demo, "chen")  # nothing public left
    finally:
        with demo.app_context():
            session = get_session()
            chen = session.query(User).filter_by(handle="chen").one()
            recognition.set_visibility(session, chen, guide, "public")


def test_the_page_offers_every_public_item_checked_and_downloads_the_signed_record(demo):
    bram = log_in(demo, "bram")
    inbox = bram.get("/me/recognition").get_data(as_text=True)
    assert 'href="/me/record"' in inbox and "Download my record" in inbox
    page = bram.get("/me/record").get_data(as_text=True)
    ids = items_of(demo, "bram")
    for item_id in ids["badge"] + ids["endorsement"]:
        assert re.search(rf'value="{item_id}"[^>]*checked', page), item_id
    assert "Session host" in page
    response = bram.submit("/me/record", {"items": ids["badge"] + ids["endorsement"]})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="bram-de-vries-recognition-record.json"'
    document = json.loads(response.get_data(as_text=True))
    assert document["type"] == ["VerifiableCredential", "ClrCredential"] and document["partial"] is False
    kept = Browser(demo).get(document["id"].split("127.0.0.1:5000")[-1])  # kept at its own URL
    text = kept.get_data(as_text=True)
    assert kept.status_code == 200 and "What this record holds" in text and "Session host" in text
    assert "Dana Fischer" in text and "Bram de Vries" in text and "Verified" in text
    as_json = demo.test_client().get(document["id"].split("127.0.0.1:5000")[-1],
                                     headers={"Accept": "application/json"})
    assert as_json.get_json() == document


def test_the_page_refuses_someone_elses_item_in_words(demo):
    bram = log_in(demo, "bram")
    other = items_of(demo, "chen")["badge"]
    response = bram.submit("/me/record", {"items": items_of(demo, "bram")["badge"] + other})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "is not one of your public badges or endorsements" in text
    nothing = bram.submit("/me/record", {})
    assert nothing.status_code == 422 and "Choose at least one badge" in nothing.get_data(as_text=True)
    assert Browser(demo).get("/me/record").status_code == 302  # signed-in people only


def test_the_api_signs_a_record_and_refuses_others_items(demo):
    token = {"Authorization": f"Bearer {log_in(demo, 'bram').api_token()}"}
    client = demo.test_client()
    made = client.post("/api/v1/me/record", json={}, headers=token)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert made.headers["Location"] == body["url"] and body["partial"] is False
    assert body["verifiableCredential"]["type"] == ["VerifiableCredential", "ClrCredential"]
    refused = client.post("/api/v1/me/record", json={"items": items_of(demo, "chen")["badge"]},
                          headers=token)
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["field"] == "items"
    assert "not one of your public badges" in refused.get_json()["detail"]
    wrong = client.post("/api/v1/me/record", json={"items": [1]}, headers=token)
    assert wrong.status_code == 400 and "items" in wrong.get_json()["detail"]
    assert client.post("/api/v1/me/record", json={}).status_code == 401
    described = client.get("/api/v1/openapi.json").get_json()
    assert "post" in described["paths"]["/me/record"]
    assert "SignedRecord" in described["components"]["schemas"]


def test_verify_explains_the_record_and_each_credential_inside(demo):
    document = issue(demo, "bram")
    token = {"Authorization": f"Bearer {log_in(demo, 'bram').api_token('verify')}"}
    answer = demo.test_client().post("/api/v1/verify", json={"credential": document}, headers=token)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert [c["check"] for c in body["checks"]].count("credentials") == 1
    assert [(m["name"], m["verdict"]) for m in body["credentials"]] == [("Session host", "Verified")]
    assert len(body["endorsements"]) == 2 and all(e["verified"] for e in body["endorsements"])
    visitor = Browser(demo)
    page = visitor.submit("/verify", {"credential": json.dumps(document)})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Each credential inside, checked on its own" in text
    assert "Comprehensive Learner Record" in text and "Session host — from Open Source Mentors" in text


def test_a_changed_member_breaks_the_record(demo):
    document = issue(demo, "bram")
    document["credentialSubject"]["verifiableCredential"][0]["credentialSubject"]["narrative"] = "Hosted it all."
    answer = demo.test_client().post("/credentials/verify", json={"verifiableCredential": document})
    assert answer.status_code == 422
    failed = {c["check"] for c in answer.get_json()["result"]["checks"] if c["outcome"] == "failed"}
    assert failed == {"proof", "credentials"}


def test_a_revoked_member_is_reported_for_that_member(tmp_path):
    app = make_app(tmp_path, ISSUER_DEMO=True)
    document = issue(app, "bram")
    with app.app_context():
        session = get_session()
        amara = session.query(User).filter_by(handle="amara").one()
        badge = session.get(Award, items_of(app, "bram")["badge"][0])
        badges.revoke_badge(session, app.extensions["issuer.platform"], badge, amara, "Given twice")
    answer = app.test_client().post("/credentials/verify", json={"verifiableCredential": document})
    result = answer.get_json()["result"]
    assert answer.status_code == 422
    assert {c["check"]: c["outcome"] for c in result["checks"]}["proof"] == "ok"
    assert [c["outcome"] for c in result["checks"] if c["check"] == "credentials"] == ["failed"]
    member = result["credentials"][0]
    assert {c["check"]: c["outcome"] for c in member["checks"]}["status"] == "failed"
    page = Browser(app).submit("/verify", {"credential": json.dumps(document)}).get_data(as_text=True)
    assert "The credential inside, “Session host”, is not verified (see below)." in page
    assert "It was revoked (Given twice)." in page


def test_a_record_holds_at_most_max_items(demo, monkeypatch):
    monkeypatch.setattr(record, "MAX_ITEMS", 2)
    with pytest.raises(FieldError) as raised:
        issue(demo, "bram")  # one badge and two endorsements
    assert raised.value.code == "record.too-many" and raised.value.params == {"limit": 2}
    ids = items_of(demo, "bram")
    assert issue(demo, "bram", ids["badge"] + ids["endorsement"][:1])["partial"] is True


ISO_DAY = re.compile(r">\s*\d{4}-\d{2}-\d{2}\s*<")  # a bare ISO date as the text of an element
WRITTEN_DAY = re.compile(r">\s*\d{1,2} (January|February|March|April|May|June|July|August|September|"
                         r"October|November|December) \d{4}\s*<")


@pytest.mark.parametrize("path", ["/me/record", "/me/recognition"])
def test_a_person_s_own_lists_write_dates_as_people_do(demo, path):
    html = log_in(demo, "bram").get(path).get_data(as_text=True)
    assert WRITTEN_DAY.search(html), html
    assert not ISO_DAY.search(html)


def test_an_endorsement_s_page_does_not_list_endorsements_of_itself(demo):
    with demo.app_context():
        session = get_session()
        bram = session.query(User).filter_by(handle="bram").one()
        endorsement = next(a for a in session.query(Award).filter_by(kind="endorsement")
                           if a.recipient_user_id == bram.id)
        badge = next(a for a in session.query(Award).filter_by(kind="badge")
                     if a.recipient_user_id == bram.id)
    browser = log_in(demo, "bram")
    page = browser.get(f"/credentials/{endorsement.id}").get_data(as_text=True)
    assert "<h2>Endorsements</h2>" not in page and "No endorsements yet" not in page
    assert "<h2>Endorsements</h2>" in browser.get(f"/credentials/{badge.id}").get_data(as_text=True)
