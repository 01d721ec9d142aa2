"""Other issuers' status lists and key documents: fetched through the guard, or 'could not check'."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from issuer.credentials import documents, keys, proof, status
from issuer.credentials.canonical import Canonicalizer
from issuer.credentials.loader import DocumentLoader
from tests.conftest import make_app
from tests.loopback import LoopbackServer

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def remote():
    """Another issuer's web server on loopback, serving a status list and its key document."""
    server = LoopbackServer()
    yield server.port, server.documents
    server.close()


def _signed_badge(port, served, purpose: str = "revocation"):
    """Another issuer's badges (indexes 4 and 5) on a status list of ``purpose`` with bit 5 set,
    its key document and the list served from ``served``."""
    canon = Canonicalizer(DocumentLoader())
    key = keys.generate_private_key()
    # did:web needs https; a plain-http controller document takes the same fetch-and-check path
    did = f"http://127.0.0.1:{port}/issuer"
    vm = f"{did}#key-1"
    served["/issuer"] = json.dumps({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did, "verificationMethod": [keys.verification_method(did, key.public_key(), vm)],
        "assertionMethod": [vm]}).encode()
    list_url = f"http://127.0.0.1:{port}/status/1"
    bits = status.StatusList()
    bits.set(5)
    listing = status.status_list_credential(list_url, did, bits.encode(), valid_from=START,
                                            purpose=purpose)
    served["/status/1"] = json.dumps(proof.add_proof(listing, key, verification_method=vm,
                                                     canonicalizer=canon)).encode()
    achievement = documents.achievement("https://other.example/a/1", "Helper", "Helps.",
                                        documents.criteria("Help."))

    def badge(index):
        unsigned = documents.open_badge_credential(
            f"urn:uuid:00000000-0000-4000-8000-00000000000{index}", documents.profile(did, name="Other"),
            "did:example:ada", achievement, valid_from=START,
            status=status.status_entry(list_url, index, purpose))
        return proof.add_proof(unsigned, key, verification_method=vm, canonicalizer=canon)

    return badge(4), badge(5)


def _outcomes(response):
    return {c["check"]: c["outcome"] for c in response.get_json()["result"]["checks"]}


def test_plain_http_keys_and_loopback_lists_are_not_fetched_by_default(tmp_path, remote):
    active, _ = _signed_badge(*remote)
    client = make_app(tmp_path).test_client()
    response = client.post("/credentials/verify", json={"verifiableCredential": active})
    assert response.status_code == 422
    assert _outcomes(response)["proof"] == "failed"
    assert "only fetched over https" in json.dumps(response.get_json()["errors"])
    assert _outcomes(response)["status"] == "could not check"
    assert "non-public address 127.0.0.1" in json.dumps(response.get_json()["warnings"])


def test_allowed_fetches_resolve_did_web_and_read_the_status_list(tmp_path, remote):
    active, revoked = _signed_badge(*remote)
    client = make_app(tmp_path, ISSUER_FETCH_ALLOW_PRIVATE=True).test_client()
    ok = client.post("/credentials/verify", json={"verifiableCredential": active})
    assert ok.status_code == 200, json.dumps(ok.get_json()["errors"] + ok.get_json()["warnings"])
    bad = client.post("/credentials/verify", json={"verifiableCredential": revoked})
    assert bad.status_code == 422 and _outcomes(bad)["status"] == "failed"


def test_unreachable_status_list_is_could_not_check(tmp_path, remote):
    port, served = remote
    active, _ = _signed_badge(port, served)
    del served["/status/1"]
    client = make_app(tmp_path, ISSUER_FETCH_ALLOW_PRIVATE=True).test_client()
    response = client.post("/credentials/verify", json={"verifiableCredential": active})
    assert response.status_code == 422
    assert _outcomes(response) == {"structure": "ok", "schema": "ok", "proof": "ok", "issuer": "ok",
                                   "status": "could not check", "validity": "ok"}
