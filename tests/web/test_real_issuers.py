"""Other issuers' credentials on the VC-API and the /verify page: conformance warnings beside
the verdict, and 'unsupported' in plain words for formats this service cannot check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.web.browsing import Browser

DCC = Path(__file__).resolve().parents[1] / "vectors" / "dcc"
JWT = "eyJhbGciOiJFUzI1NiIsInR5cCI6InZjK2p3dCJ9.eyJpc3MiOiJkaWQ6ZXhhbXBsZToxIn0.c2lnbmF0dXJl"
DCC_BADGE = "v1-dataIntegrityProof-didKey-noRegistry-noStatus-noExpiry.json"


def dcc(name: str) -> dict:
    return json.loads((DCC / name).read_text())


def verify(client, credential):
    return client.post("/credentials/verify", json={"verifiableCredential": credential})


def ed25519_2018() -> dict:
    document = dcc(DCC_BADGE)
    document["proof"] = {"type": "Ed25519Signature2018", "created": "2025-01-09T15:06:31Z",
                         "verificationMethod": document["proof"]["verificationMethod"],
                         "proofPurpose": "assertionMethod", "jws": "eyJhbGciOiJFZERTQSJ9..c2ln"}
    return document


def did_ion() -> dict:
    document = dcc(DCC_BADGE)
    document["proof"]["verificationMethod"] = "did:ion:EiClkZMDxPKqC9c-umQfTkR8vvZ9JPhl_xLDI9Nfk38w5w#key-1"
    return document


def test_a_real_badge_with_nits_is_verified_with_warnings_on_the_api(client):
    response = verify(client, dcc(DCC_BADGE))
    body = response.get_json()
    assert response.status_code == 200 and body["verified"] is True and body["errors"] == []
    assert [w["check"] for w in body["warnings"]] == ["conformance", "conformance"]
    assert body["warnings"][0]["message"].startswith("does not fully conform to OB 3.0: issuer.image")


@pytest.mark.parametrize("credential,words", [
    (JWT, "VC-JWT"), (ed25519_2018(), "Ed25519Signature2018"), (did_ion(), "did:ion"),
])
def test_unsupported_formats_are_their_own_outcome_on_the_api(client, credential, words):
    response = verify(client, credential)
    body = response.get_json()
    assert response.status_code == 422 and body["verified"] is False
    assert [e["outcome"] for e in body["errors"]] == ["unsupported"]
    assert words in body["errors"][0]["message"]


@pytest.mark.parametrize("typed,words", [
    (JWT, "This service cannot check this credential: it is a VC-JWT (a credential packed in a "
          "JSON Web Token), a format this service cannot check."),
    (json.dumps(JWT), "it is a VC-JWT"),
    (json.dumps(ed25519_2018()), "The signature cannot be checked here: it is signed with "
                                 "Ed25519Signature2018, a kind of signature this service cannot check."),
    (json.dumps(did_ion()), "a did:ion identifier, a kind of identifier this service cannot look up"),
])
def test_unsupported_formats_are_explained_in_plain_words_on_the_page(app, typed, words):
    page = Browser(app).submit("/verify", {"credential": typed})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<p class="verdict unsupported" role="status">Cannot be checked here</p>' in html
    assert words in html
    assert "This says nothing about whether it is genuine" in html
    assert "changed after it was signed" not in html and "not valid JSON" not in html
    if typed.strip('"') == JWT:
        assert "no revocation status" not in html


def test_the_page_shows_warnings_beside_the_verdict(app):
    page = Browser(app).submit("/verify", {"credential": json.dumps(dcc(DCC_BADGE))})
    html = page.get_data(as_text=True)
    assert '<p class="verdict ok" role="status">Verified</p>' in html
    assert "with deviations from the Open Badges 3.0 rules that do not affect its validity" in html
    assert ("<strong>Warning:</strong> Does not fully conform to OB 3.0: credentialSubject: needs "
            "an id or at least one identifier.") in html


def test_a_structure_failure_still_reports_signature_and_status(app):
    from tests.web.test_credential_page import award
    document = json.loads(award(app)["text"])
    document["evidence"] = "not an object"  # breaks structure (and the signature)
    html = Browser(app).submit("/verify", {"credential": json.dumps(document)}).get_data(as_text=True)
    assert "This is not a well-formed credential" in html
    assert "The signature is not valid" in html
    assert "It has no revocation status" not in html and "It is not revoked." in html


def test_embedded_key_and_a_status_list_kept_by_another_party(tmp_path, loopback):
    """A controller document with its key only inside assertionMethod (as DCC's did:web documents
    are), and a status list signed by a status service rather than by the issuer."""
    from datetime import datetime, timezone

    from issuer.credentials import documents, keys, proof, status
    from issuer.credentials.canonical import Canonicalizer
    from issuer.credentials.loader import DocumentLoader
    from tests.conftest import make_app

    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    canon = Canonicalizer(DocumentLoader())
    issuer_key, keeper_key = keys.generate_private_key(), keys.generate_private_key()
    did = loopback.base + "issuer"  # did:web needs https; a plain-http controller takes the same path
    vm = did + "#key-1"
    loopback.put("issuer", {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did, "assertionMethod": [keys.verification_method(did, issuer_key.public_key(), vm)]})
    keeper = keys.did_key(keeper_key.public_key())
    list_url = loopback.base + "status/1"
    listing = status.status_list_credential(list_url, keeper, status.StatusList().encode(), valid_from=start)
    loopback.put("status/1", proof.add_proof(listing, keeper_key, verification_method=keys.did_key_vm_id(keeper),
                                             canonicalizer=canon))
    achievement = documents.achievement("https://other.example/a/1", "Helper", "Helps.",
                                        documents.criteria("Help."))
    badge = proof.add_proof(documents.open_badge_credential(
        "urn:uuid:00000000-0000-4000-8000-000000000042", documents.profile(did, name="Other"),
        "did:example:ada", achievement, valid_from=start, status=status.status_entry(list_url, 3)),
        issuer_key, verification_method=vm, canonicalizer=canon)
    app = make_app(tmp_path, ISSUER_FETCH_ALLOW_PRIVATE=True)
    body = app.test_client().post("/credentials/verify", json={"verifiableCredential": badge}).get_json()
    assert body["verified"] is True, body["errors"]
    assert [c["message"] for c in body["result"]["checks"] if c["check"] == "status"] == [
        f"not revoked (the status list is signed by {keeper})"]
    html = Browser(app).submit("/verify", {"credential": json.dumps(badge)}).get_data(as_text=True)
    assert f"It is not revoked (according to a status list signed by {keeper})." in html


def test_the_explaining_api_says_unsupported_and_carries_warnings(app):
    from tests.web.test_credential_page import person
    browser, _ = person(app, "ada")
    auth = {"Authorization": f"Bearer {browser.api_token()}"}
    jwt = browser.client.post("/api/v1/verify", json={"credential": JWT}, headers=auth)
    body = jwt.get_json()
    assert jwt.status_code == 422 and body["verdict"] == "Cannot be checked here"
    assert [c["outcome"] for c in body["checks"]] == ["unsupported"]
    nits = browser.client.post("/api/v1/verify", json={"credential": dcc(DCC_BADGE)}, headers=auth)
    assert nits.status_code == 200 and len(nits.get_json()["warnings"]) == 2


def test_a_vc_jwt_inside_a_signed_presentation_is_unsupported_not_failed(app):
    """The holder's proof is checked and holds; the VC-JWT inside is 'cannot be checked here'."""
    from issuer.credentials import keys, proof

    holder = keys.generate_private_key()
    did = keys.did_key(holder.public_key())
    presentation = proof.add_proof(
        {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
         "holder": did, "verifiableCredential": [JWT]},
        holder, verification_method=keys.did_key_vm_id(did),
        canonicalizer=app.extensions["issuer.platform"].canonicalizer, proof_purpose="authentication")
    response = app.test_client().post("/presentations/verify",
                                      json={"verifiablePresentation": presentation})
    body = response.get_json()
    assert response.status_code == 422 and body["verified"] is False
    assert body["result"]["checks"] == [
        {**c, "outcome": "ok"} for c in body["result"]["checks"]]  # the presentation itself holds
    assert body["errors"] == [{"check": "credential", "outcome": "unsupported", "message":
                               "verifiableCredential[0] is of a kind this service cannot check "
                               "(see credentialResults)"}]
    assert [e["outcome"] for e in body["credentialResults"][0]["errors"]] == ["unsupported"]
    assert "VC-JWT" in body["credentialResults"][0]["errors"][0]["message"]


def test_a_vc_jwt_behind_a_url_is_unsupported_on_the_page_and_the_api(tmp_path, loopback):
    from tests.conftest import make_app
    from tests.web.test_credential_page import person

    app = make_app(tmp_path, ISSUER_FETCH_ALLOW_PRIVATE=True)
    url = loopback.put("credentials/jwt", JWT.encode())
    html = Browser(app).submit("/verify", {"url": url}).get_data(as_text=True)
    assert '<p class="verdict unsupported" role="status">Cannot be checked here</p>' in html
    assert "it is a VC-JWT" in html and "not return JSON" not in html
    browser, _ = person(app, "ada")
    auth = {"Authorization": f"Bearer {browser.api_token()}"}
    answer = browser.client.post("/api/v1/verify", json={"url": url}, headers=auth)
    assert answer.status_code == 422 and answer.get_json()["verdict"] == "Cannot be checked here"
    loopback.put("credentials/text", b"hello, not a credential")
    refused = browser.client.post("/api/v1/verify", json={"url": loopback.base + "credentials/text"},
                                  headers=auth)
    assert refused.status_code == 400 and "did not return JSON (nor a VC-JWT)" in refused.get_json()["detail"]
