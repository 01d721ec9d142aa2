"""Whose badge it is, on the pages and in the API: the consent setting, "Awarded to …" from the
signed name identifier (only when the signature holds), the e-mail check (matches / does not
match / no fingerprint, nothing kept), and endorsement pages that name what they endorse."""

from __future__ import annotations

import html as markup
import json
import logging
import re

import pytest
from sqlalchemy import select

from issuer.storage import Award, IssuedCredential, User, get_session
from tests.web.browsing import Browser
from tests.web.test_credential_page import award as vc_api_badge

PASSWORD = "demo-password-123"
AWARDED = '<p class="awarded-to">Awarded to {}</p>'
MISSING = "No such address is kept by this test"


def _badge_of(app, handle: str) -> IssuedCredential:
    with app.app_context():
        session = get_session()
        user = session.scalar(select(User).where(User.handle == handle))
        row = session.scalar(select(IssuedCredential).join(Award, IssuedCredential.award_id == Award.id)
                             .where(Award.kind == "badge", Award.recipient_user_id == user.id))
        session.expunge(row)
        return row


def _logged_in(app, handle: str) -> Browser:
    browser = Browser(app)
    response = browser.submit("/login", {"email": f"{handle}@demo.example", "password": PASSWORD})
    assert response.status_code == 302
    return browser


def _text(page) -> str:
    return markup.unescape(re.sub(r"\s+", " ", page.get_data(as_text=True)))


# --- the setting ------------------------------------------------------------------------------

def test_the_setting_is_explained_on_by_default_and_changes_only_new_badges(demo):
    assert Browser(demo).get("/settings/badges").status_code == 302  # log in first
    browser = _logged_in(demo, "chen")
    page = browser.get("/settings/badges")
    text = _text(page)
    assert page.status_code == 200
    assert ("Put my name and a fingerprint of my e-mail in badges issued to me, so employers can "
            "check they are mine") in text
    assert "from now on" in text and "Badges you already have stay exactly as they were signed" in text
    assert "does not show the address" in text
    assert re.search(r'<input checked id="identify" name="identify" type="checkbox"', page.get_data(as_text=True))
    assert 'href="/settings/badges"' in browser.get("/").get_data(as_text=True)  # reachable from every page

    saved = browser.submit("/settings/badges", {}, follow_redirects=True)  # unticked
    assert "will not carry your name or e-mail fingerprint" in _text(saved)
    assert 'name="identify" type="checkbox"' in saved.get_data(as_text=True)
    assert "checked" not in re.search(r'<input[^>]*name="identify"[^>]*>', saved.get_data(as_text=True)).group(0)
    with demo.app_context():
        chen = get_session().scalar(select(User).where(User.handle == "chen"))
        assert chen.identify_in_badges is False
    browser.submit("/settings/badges", {"identify": "y"})
    with demo.app_context():
        assert get_session().scalar(select(User).where(User.handle == "chen")).identify_in_badges


def test_the_setting_needs_the_csrf_token(demo):
    browser = _logged_in(demo, "chen")
    refused = browser.client.post("/settings/badges", data={})
    assert refused.status_code == 400
    with demo.app_context():
        assert get_session().scalar(select(User).where(User.handle == "chen")).identify_in_badges


# --- whose badge it is --------------------------------------------------------------------------

def test_the_verify_page_names_the_person_from_the_signed_name(demo):
    row = _badge_of(demo, "dana")
    browser = Browser(demo)
    page = browser.submit("/verify", {"credential": row.signed_json})
    assert page.status_code == 200
    assert AWARDED.format("Dana Fischer") in page.get_data(as_text=True)
    assert "Bram de Vries put this name in the badge and signed it" in _text(page)
    assert "not who is showing it to you" in _text(page)
    for suffix in ("/verify", ""):  # the QR target, and the badge's own page keeps its profile link
        html = browser.get(f"/credentials/{row.id}{suffix}").get_data(as_text=True)
        assert "Awarded to Dana Fischer" in " ".join(re.sub(r"<[^>]+>", "", html).split())
        assert (AWARDED.format("Dana Fischer") in html) == (suffix == "/verify")


def test_a_name_whose_signature_fails_is_not_trusted(demo):
    document = json.loads(_badge_of(demo, "dana").signed_json)
    document["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory Mallet"
    page = Browser(demo).submit("/verify", {"credential": json.dumps(document)})
    text = _text(page)
    assert "Awarded to" not in text
    assert ("It names Mallory Mallet, but its signature is not valid, so that name cannot be "
            "trusted.") in text


def test_a_badge_without_identifiers_names_no_one(demo):
    made = vc_api_badge(demo)  # a badge for did:example:ada, signed through the VC-API
    page = Browser(demo).submit("/verify", {"credential": made["text"]})
    text = _text(page)
    assert "The credential names no one by name." in text and "Awarded to" not in text
    assert "this credential carries no e-mail fingerprint" in _check(demo, made["text"], "ada@example.org").lower()


# --- the e-mail check ---------------------------------------------------------------------------

def _check(app, credential: str, email: str, status: int = 200) -> str:
    page = Browser(app).submit("/verify", {"credential": credential, "email": email})
    assert page.status_code == status, page.get_data(as_text=True)[:2000]
    found = re.search(r'<p class="check [a-z]+" role="status">\s*(.*?)</p>', page.get_data(as_text=True), re.S)
    return " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split()) if found else ""


def test_the_email_check_on_the_verify_page(demo, caplog):
    text = _badge_of(demo, "dana").signed_json
    with caplog.at_level(logging.DEBUG):
        assert _check(demo, text, "dana@demo.example").startswith(
            "It matches: Bram de Vries issued this badge to this e-mail address.")
        assert _check(demo, text, " Dana@Demo.Example ").startswith("It matches:")
        assert _check(demo, text, "bram@demo.example").startswith(
            "It does not match: this badge was not issued to this e-mail address")
    assert "dana@demo.example" not in caplog.text and "bram@demo.example" not in caplog.text
    forged = json.loads(text)
    forged["name"] = "Something else"
    assert "so this proves nothing" in _check(demo, json.dumps(forged), "dana@demo.example")


def test_the_email_form_carries_the_credential_and_refuses_what_is_not_an_address(demo):
    row = _badge_of(demo, "dana")
    html = Browser(demo).get(f"/credentials/{row.id}/verify").get_data(as_text=True)
    form = re.search(r'<form class="email-check" method="post" action="/verify#email-check".*?</form>', html, re.S)
    assert form and 'name="csrf_token"' in form.group(0) and 'name="email"' in form.group(0)
    hidden = re.search(r'<input type="hidden" name="credential" value="([^"]*)">', form.group(0))
    assert json.loads(markup.unescape(hidden.group(1))) == json.loads(row.signed_json)
    for wrong in ("dana", "d" * 250 + "@demo.example"):
        page = Browser(demo).submit("/verify", {"credential": row.signed_json, "email": wrong})
        assert page.status_code == 400 and "enter an email address" in page.get_data(as_text=True)
        assert AWARDED.format("Dana Fischer") in page.get_data(as_text=True)  # the result still shows


def test_the_api_answers_whose_badge_and_the_email_check(demo):
    token = Browser(demo).sign_up("eve").api_token()
    headers = {"Authorization": f"Bearer {token}"}
    client = demo.test_client()
    document = json.loads(_badge_of(demo, "dana").signed_json)

    def verify(**body):
        return client.post("/api/v1/verify", headers=headers, json={"credential": document, **body})

    plain = verify().get_json()
    assert plain["recipient"]["names"] == ["Dana Fischer"]
    assert plain["recipient"]["awardedTo"] == "Awarded to Dana Fischer" and "emailCheck" not in plain
    assert verify(email="dana@demo.example").get_json()["emailCheck"]["answer"] == "matches"
    assert verify(email="dana@demo.example").get_json()["emailCheck"]["trusted"] is True
    assert verify(email="chen@demo.example").get_json()["emailCheck"]["answer"] == "does not match"
    bare = client.post("/api/v1/verify", headers=headers,
                       json={"credential": json.loads(vc_api_badge(demo)["text"]), "email": "ada@example.org"})
    assert bare.get_json()["emailCheck"]["answer"] == "no e-mail fingerprint"
    assert bare.get_json()["recipient"]["text"] == "The credential names no one by name."
    for wrong, says in ((7, "email: must be a string"), ("dana", "email: must be an e-mail address")):
        refused = verify(email=wrong)
        assert refused.status_code == 400 and refused.mimetype == "application/problem+json"
        assert refused.get_json()["detail"].startswith(says)
    described = client.get("/api/v1/openapi.json").get_json()
    body = described["paths"]["/verify"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert all("email" in variant["properties"] for variant in body["oneOf"])
    assert "emailCheck" in described["components"]["schemas"]["ExplainedVerification"]["properties"]


# --- endorsement pages --------------------------------------------------------------------------

def _endorsement_page(app, condition) -> str:
    with app.app_context():
        row = get_session().scalar(select(Award).where(Award.kind == "endorsement", condition))
        uuid = row.id
    return Browser(app).get(f"/credentials/{uuid}").get_data(as_text=True)


def test_endorsement_pages_name_what_they_endorse(demo):
    with demo.app_context():
        session = get_session()
        bram = session.scalar(select(User).where(User.handle == "bram"))
        host = _badge_of(demo, "bram")
        bram_did = bram.issuer.did
    person = _endorsement_page(demo, Award.subject_ref == bram_did)
    assert re.search(r'About <a href="http://[^"]+/people/bram">Bram de Vries</a>\s*</p>', person)
    badge = _endorsement_page(demo, Award.subject_ref == host.vc_id)
    assert re.search(r'About <a href="http://[^"]+/people/bram">Bram de Vries</a>’s badge '
                     rf'<a href="http://[^"]+/credentials/{host.id}"><em>Session host</em></a>', badge)
    achievement = _endorsement_page(demo, Award.achievement_id.is_not(None))
    assert re.search(r'About the achievement <a href="http://[^"]+/achievements/[0-9a-f-]+">'
                     r'<em>Newcomer guide</em></a>', achievement)
    for page in (person, badge, achievement):
        assert "About\n" not in page and "did:key:" not in page.split("<h2>Verification</h2>")[0]


# --- the words, for every outcome of the checks they depend on ----------------------------------

def _result(proof: str, issuer: str = "ok", types=("VerifiableCredential", "OpenBadgeCredential")):
    from issuer.credentials.results import VerificationResult

    result = VerificationResult("urn:uuid:1", "did:example:issuer", list(types))
    result.add("proof", proof, "…")
    result.add("issuer", issuer, "…")
    return result


@pytest.mark.parametrize("proof, issuer, doubt", [
    ("ok", "ok", None),
    ("failed", "ok", "its signature is not valid"),
    ("failed", "failed", "its signature is not valid"),
    ("ok", "failed", "the signing key does not belong to the issuer it names"),
    ("could not check", "ok", "its signature could not be checked"),
    ("unsupported", "could not check", "its signature could not be checked"),
])
def test_a_name_and_a_match_count_only_when_signature_and_key_hold(proof, issuer, doubt):
    from issuer.explain import email_words, recipient_words

    result = _result(proof, issuer)
    named = recipient_words(["Dana Jansen"], result, "Open Source Mentors")
    matched = email_words("matches", result, "Open Source Mentors")
    if doubt is None:
        assert named["awardedTo"] == "Awarded to Dana Jansen" and matched["trusted"] is True
        assert named["text"].startswith("Open Source Mentors put this name in the badge and signed it.")
        assert matched["text"] == "It matches: Open Source Mentors issued this badge to this e-mail address."
    else:
        assert named["awardedTo"] is None and matched["trusted"] is False
        assert named["text"] == f"It names Dana Jansen, but {doubt}, so that name cannot be trusted."
        assert matched["text"].endswith(f"but {doubt}, so this proves nothing.")
    assert email_words("absent", result, "X")["answer"] == "no e-mail fingerprint"
    assert email_words("does not match", result, "X")["trusted"] is False


def test_only_badges_are_said_to_be_awarded():
    from issuer.explain import recipient_words

    endorsement = _result("ok", types=("VerifiableCredential", "EndorsementCredential"))
    assert recipient_words(["Dana"], endorsement, "X") is None
    achievement = _result("ok", types=("VerifiableCredential", "AchievementCredential"))
    assert recipient_words(["Dana", "D. Jansen"], achievement, "X")["awardedTo"] == "Awarded to Dana and D. Jansen"
    assert recipient_words([], achievement, "X") == {
        "names": [], "awardedTo": None, "text": "The credential names no one by name."}
