"""The verify page (paste, upload, URL), its JSON API twin, and explain() in plain words."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from issuer.credentials.results import FAILED, OK, UNCHECKED, VerificationResult
from issuer.explain import IssuerName, explain
from tests.conftest import make_app
from tests.web.browsing import Browser
from tests.web.test_credential_page import award, person, revoke


@pytest.fixture
def browser(app):
    return Browser(app)


@pytest.fixture
def served(app, loopback):
    loopback.url = loopback.put("badge.json", award(app)["text"].encode())
    return loopback


def test_the_form_is_public_and_has_a_csrf_token(browser):
    page = browser.get("/verify")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="csrf_token"' in html
    assert 'enctype="multipart/form-data"' in html and 'name="upload"' in html and 'name="url"' in html


def test_pasted_credential_is_verified_in_plain_words(browser, app):
    made = award(app)
    page = browser.submit("/verify", {"credential": made["text"]})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<p class="verdict ok" role="status">Verified</p>' in html
    assert "The signature is valid: nothing was changed since Open Recognition signed it." in html
    assert "Signed by Open Recognition (platform), and the key belongs to them." in html


def test_uploaded_file_is_verified(browser, app):
    made = award(app)
    upload = (io.BytesIO(made["text"].encode()), "badge.json")
    page = browser.submit("/verify", {"upload": upload}, form_url="/verify")
    assert page.status_code == 200 and ">Verified</p>" in page.get_data(as_text=True)


def test_tampered_credential_says_what_failed(browser, app):
    document = json.loads(award(app)["text"])
    document["credentialSubject"]["achievement"]["name"] = "Chief <b>everything</b>"
    html = browser.submit("/verify", {"credential": json.dumps(document)}).get_data(as_text=True)
    assert '<p class="verdict failed" role="status">Not verified</p>' in html
    assert "The signature is not valid" in html and "changed after it was signed" in html
    assert "<b>everything</b>" not in html


def test_revoked_credential_shows_the_reason(browser, app):
    made = award(app)
    revoke(app, made["id"], "a <i>duplicate</i>")
    html = browser.submit("/verify", {"credential": made["text"]}).get_data(as_text=True)
    assert "It was revoked (a &lt;i&gt;duplicate&lt;/i&gt;)." in html


@pytest.mark.parametrize("typed,message", [
    ("<script>not json</script>", "this is not valid JSON"),
    ("[1, 2]", "a credential is a JSON object"),
    ('"just a string"', "a credential is a JSON object"),
    ("[" * 100 + "]" * 100, "nested"),
])
def test_bad_pasted_input_is_shown_again_with_the_error(browser, typed, message):
    page = browser.submit("/verify", {"credential": typed})
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and message in html
    assert '<p class="field-error" id="credential-error">' in html
    if typed.startswith("<"):
        assert "&lt;script&gt;not json&lt;/script&gt;" in html and "<script>" not in html


def test_nothing_given_asks_for_something(browser):
    page = browser.submit("/verify", {"credential": "  ", "url": ""})
    assert page.status_code == 400 and "paste a credential, upload" in page.get_data(as_text=True)


def test_upload_over_the_size_limit_is_refused_in_the_form(tmp_path):
    app = make_app(tmp_path, ISSUER_MAX_BODY_BYTES=4000)
    browser = Browser(app)
    upload = (io.BytesIO(b"{" + b" " * 8000 + b"}"), "big.json")
    page = browser.submit("/verify", {"upload": upload}, form_url="/verify")
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "The file is too large: the limit is 4000 bytes." in html
    assert '<form class="stack"' in html


def test_form_without_csrf_token_is_refused(browser, app):
    made = award(app)
    page = browser.client.post("/verify", data={"credential": made["text"]})
    assert page.status_code == 400 and "CSRF" in page.get_data(as_text=True)


def test_url_to_a_private_address_is_refused_by_default(browser, served):
    page = browser.submit("/verify", {"url": served.url})
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "refusing to fetch from the non-public address 127.0.0.1" in html
    assert f'value="{served.url}"' in html


def test_url_is_fetched_when_private_addresses_are_allowed(tmp_path, loopback):
    app = make_app(tmp_path, ISSUER_FETCH_ALLOW_PRIVATE=True)
    url = loopback.put("badge.json", award(app)["text"].encode())
    page = Browser(app).submit("/verify", {"url": url})
    assert page.status_code == 200 and ">Verified</p>" in page.get_data(as_text=True)


def test_url_must_be_http_or_https(browser):
    page = browser.submit("/verify", {"url": "file:///etc/passwd"})
    assert page.status_code == 400 and "only http and https URLs" in page.get_data(as_text=True)


@pytest.mark.parametrize("url,words", [
    ("http://example.org:99999/badge.json", "not a valid URL"),
    ("http://example.org:-1/", "not a valid URL"), ("http://example.org:abc/", "not a valid URL"),
    ("http://[::1/", "not a valid URL"), ("http://a..b/", "not a valid host name"),
    ("http://" + "a" * 64 + ".example/", "not a valid host name"),
    ("http://.localhost/", "not a valid host name")])
def test_malformed_urls_are_a_400_naming_the_problem(app, browser, url, words):
    page = browser.submit("/verify", {"url": url})
    assert page.status_code == 400 and words in page.get_data(as_text=True)
    api_user, _ = person(app, "ada")
    auth = {"Authorization": f"Bearer {api_user.api_token()}"}
    refused = api_user.client.post("/api/v1/verify", json={"url": url}, headers=auth)
    assert refused.status_code == 400 and words in refused.get_json()["detail"]


def test_a_fetched_document_nested_too_deeply_is_a_400(tmp_path, loopback):
    app = make_app(tmp_path, ISSUER_FETCH_ALLOW_PRIVATE=True)
    url = loopback.put("deep.json", b"[" * 100_000 + b"]" * 100_000)
    page = Browser(app).submit("/verify", {"url": url})
    assert page.status_code == 400 and "nested too deeply" in page.get_data(as_text=True)


def test_api_verifies_and_explains(app):
    browser, _ = person(app, "ada")
    auth = {"Authorization": f"Bearer {browser.api_token()}"}
    made = award(app)
    good = browser.client.post("/api/v1/verify", json={"credential": json.loads(made["text"])},
                               headers=auth)
    body = good.get_json()
    assert good.status_code == 200 and body["verified"] is True and body["verdict"] == "Verified"
    assert {c["check"] for c in body["checks"]} == {"format", "signature", "issuer", "revocation",
                                                    "validity"}
    assert body["result"]["checks"] and body["result"]["verified"] is True
    tampered = json.loads(made["text"]) | {"name": "Changed"}
    bad = browser.client.post("/api/v1/verify", json={"credential": tampered}, headers=auth)
    assert bad.status_code == 422 and bad.get_json()["verdict"] == "Not verified"


def test_api_refuses_private_urls_missing_input_and_missing_tokens(app, served):
    browser, _ = person(app, "ada")
    auth = {"Authorization": f"Bearer {browser.api_token()}"}
    refused = browser.client.post("/api/v1/verify", json={"url": served.url}, headers=auth)
    assert refused.status_code == 400 and refused.mimetype == "application/problem+json"
    assert "non-public address" in refused.get_json()["detail"]
    empty = browser.client.post("/api/v1/verify", json={}, headers=auth)
    assert empty.status_code == 400 and "credential" in empty.get_json()["detail"]
    wrong = browser.client.post("/api/v1/verify", json={"credential": [1]}, headers=auth)
    assert wrong.status_code == 400
    assert browser.client.post("/api/v1/verify", json={"credential": {}}).status_code == 401


def test_openapi_documents_the_verify_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/verify"] and "get" in paths["/credentials/{uuid}"]


def result(*checks, issuer="did:example:lea", endorsements=()) -> VerificationResult:
    found = VerificationResult("urn:uuid:1", issuer, ["VerifiableCredential", "OpenBadgeCredential"])
    for name, outcome, message in checks:
        found.add(name, outcome, message)
    found.endorsements = list(endorsements)
    return found


BASE = [("structure", OK, "well-formed"), ("schema", OK, "valid"), ("proof", OK, "valid"),
        ("issuer", OK, "the key belongs to did:example:lea")]


def lines(explained: dict) -> dict:
    return {line["check"]: line["text"] for line in explained["checks"]}


def test_explain_words_for_dates_and_signer():
    names = {"did:example:lea": IssuerName("Lea", "community")}
    ok = explain(result(*BASE, ("status", OK, "not revoked"),
                        ("validity", OK, "valid from 2026-05-03T10:00:00Z, no end date")),
                 issuers=names)
    assert ok["verdict"] == "Verified" and ok["tone"] == "ok"
    assert lines(ok)["validity"] == "Valid since 3 May 2026, no end date."
    assert lines(ok)["issuer"] == "Signed by Lea (community), and the key belongs to them."
    assert lines(ok)["format"] == "It is a well-formed Open Badge and follows the Open Badges 3.0 rules."
    expired = explain(result(*BASE, ("validity", FAILED, "expired on 2021-01-31T00:00:00Z")))
    assert lines(expired)["validity"] == "Expired on 31 January 2021."
    assert lines(expired)["revocation"].startswith("It has no revocation status")
    early = explain(result(*BASE, ("validity", FAILED,
                                   "not valid yet: valid from 2030-12-01T00:00:00+02:00")))
    assert lines(early)["validity"] == "Not valid before 30 November 2030."
    assert early["verdict"] == "Not verified"


def test_explain_unchecked_status_revocation_reason_and_foreign_key():
    unknown = explain(result(*BASE, ("status", UNCHECKED, "status list could not be retrieved")))
    assert unknown["verdict"] == "Could not be fully checked" and unknown["tone"] == "unchecked"
    assert lines(unknown)["revocation"].startswith("Whether it was revoked could not be checked")
    revoked = explain(result(*BASE, ("status", FAILED, "revoked")), revocation_reason="duplicate")
    assert lines(revoked)["revocation"] == "It was revoked (duplicate)."
    stolen = explain(result(("structure", OK, "x"), ("proof", OK, "valid"),
                            ("issuer", FAILED, "the key belongs to did:key:zMallory")))
    assert lines(stolen)["issuer"].startswith("The signing key does not belong to did:example:lea")
    broken = explain(result(("structure", FAILED, "type: missing")))
    assert lines(broken)["format"] == "This is not a well-formed credential: type: missing."
    assert explain(result())["verdict"] == "Not verified"


def test_explain_reports_each_embedded_endorsement():
    good = result(*BASE, issuer="did:example:bob")
    bad = result(("structure", OK, "x"), ("proof", FAILED, "signature does not match"),
                 issuer="did:example:eve")
    explained = explain(result(*BASE, endorsements=[good, bad]),
                        issuers={"did:example:bob": IssuerName("Bob", "person")})
    endorsement_lines = [line["text"] for line in explained["checks"] if line["check"] == "endorsement"]
    assert endorsement_lines == ["Endorsement by Bob: verified.",
                                 "Endorsement by did:example:eve: not verified."]
    assert explained["endorsements"][1]["checks"][1]["check"] == "signature"
    assert explained["verified"] is True


def test_verify_page_lists_embedded_endorsements(browser, app):
    _, bob = person(app, "bob", "Bob")
    from tests.web.test_credential_page import endorse

    subject = award(app)
    inner = json.loads(endorse(app, bob, subject, "Kind and thorough.")["text"])
    made = award(app, endorsements=[inner], valid_until=datetime.now(timezone.utc) + timedelta(days=9))
    html = browser.submit("/verify", {"credential": made["text"]}).get_data(as_text=True)
    assert "Endorsement by Bob: verified." in html
    assert "<summary>Endorsement by Bob: Verified</summary>" in html


def test_explain_related_resource_digests_in_plain_words():
    matched = explain(result(*BASE, ("relatedResource", OK, "relatedResource.digestSRI: matches")))
    assert lines(matched)["relatedResource"] == "The resources it names by digest are unchanged."
    changed = explain(result(*BASE, ("relatedResource", OK, "relatedResource[0].digestSRI: matches"),
                             ("relatedResource", FAILED, "relatedResource[1].digestSRI: does not match")))
    assert lines(changed)["relatedResource"] == ("A resource it names by digest has changed: "
                                                 "relatedResource[1].digestSRI: does not match.")
    assert not any(line["text"].startswith("Something else") for line in changed["checks"])
