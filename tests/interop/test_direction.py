"""A string's base direction (@direction) is signed the same way here and in the reference.

Before, pyld dropped @direction: what we issued with one failed in the reference verifier, and
changing "ltr" to "rtl" still verified here. The reference signs it as an i18n-datatype literal.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from issuer.credentials import keys
from issuer.credentials.canonical import Canonicalizer
from issuer.credentials.loader import DocumentLoader
from issuer.credentials.proof import add_proof
from tests.conftest import TOKEN, LiveServer
from tests.interop.test_our_credentials import http

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "direction"
VC2 = "https://www.w3.org/ns/credentials/v2"


post_json = http.post_json


def verify_here(server, credential: dict) -> tuple[int, dict]:
    return post_json(server.url + "/credentials/verify", {"verifiableCredential": credential})


def failed_checks(answer: dict) -> set[str]:
    return {c["check"] for c in answer["result"]["checks"] if c["outcome"] == "failed"}


def flip(credential: dict) -> dict:
    """The credential with its first "ltr" made "rtl" (or the first "rtl" made "ltr")."""
    text = json.dumps(credential, ensure_ascii=False)
    old, new = ('"ltr"', '"rtl"') if '"ltr"' in text else ('"rtl"', '"ltr"')
    return json.loads(text.replace(old, new, 1))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("direction"))
    yield live
    live.close()


@pytest.mark.parametrize("path", sorted(VECTORS.glob("*.nq")), ids=lambda p: p.stem)
def test_our_nquads_equal_the_reference_now_not_only_when_the_vectors_were_made(js, path):
    document = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    theirs = js.canonize_all(document)
    assert Canonicalizer(DocumentLoader()).canonize(document) == theirs["nquads"]
    if "direction" in path.stem:  # the legacy suite's path refuses @direction, as ours does
        assert "Safe mode validation error" in theirs["error_ed25519_2020"]


def test_what_the_service_signs_with_a_direction_verifies_in_the_reference(js, server):
    credential = {"@context": [VC2], "type": ["VerifiableCredential"],
                  "issuer": http.get_json(server.url + "/issuer")["id"],
                  "name": {"@value": "Community mentor", "@language": "en", "@direction": "ltr"},
                  "description": {"@value": "شهادة المرشد", "@direction": "rtl"},
                  "credentialSubject": {"id": "did:example:ada"}}
    status, answer = post_json(server.url + "/credentials/issue", {"credential": credential},
                                    headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 201, answer
    issued = answer["verifiableCredential"]
    allow = [server.url + "/"]
    result = js.verify(issued, allow_http=allow)
    assert result["verified"] is True, result
    assert verify_here(server, issued)[0] == 200

    tampered = flip(issued)
    assert tampered["name"]["@direction"] == "rtl"
    assert js.verify(tampered, allow_http=allow)["verified"] is False
    status, answer = verify_here(server, tampered)
    assert status == 422 and failed_checks(answer) == {"proof"}, answer


@pytest.mark.parametrize("form", ["language-direction", "direction"])
def test_achievement_fields_with_a_direction_verify_in_the_reference(js, form):
    # OB's JSON Schema wants plain strings, so the service does not issue these; the core must
    # still sign them as the reference does (OB 3.0 credentials from elsewhere carry them).
    key = Ed25519PrivateKey.generate()
    did = keys.did_key(key.public_key())
    document = json.loads((VECTORS / f"ob-{form}.json").read_text(encoding="utf-8"))
    document["issuer"]["id"] = did
    signed = add_proof(document, key, canonicalizer=Canonicalizer(DocumentLoader()),
                       verification_method=keys.did_key_vm_id(did))
    assert js.verify(signed)["verified"] is True
    assert js.verify(flip(signed))["verified"] is False
