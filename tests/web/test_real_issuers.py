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
