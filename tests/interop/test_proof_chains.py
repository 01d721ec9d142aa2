"""Proof chains (Data Integrity 1.0 previousProof) in the reference libraries.

@digitalcredentials/jsonld-signatures 12.0.1 does not implement proof chains (its ProofChain
class is an empty stub): it checks every proof over the document without any proof and calls
the document verified when one proof verifies. So a chained proof is, to it, a bad signature
beside a good one. These tests pin what wallets using it do with a chain we sign.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from issuer.credentials import documents, keys, proof
from issuer.credentials.canonical import Canonicalizer
from issuer.credentials.loader import DocumentLoader
from issuer.credentials.verify import KeyInfo, Verifier

CHAIN = Path(__file__).resolve().parents[1] / "vectors" / "eddsa-rdfc-2022" / "proof-set-chain"
FIRST = "urn:uuid:0c7c61f2-58a4-4b44-9d36-1b3d9a2b6f01"


def per_proof(result: dict) -> list[bool]:
    return [item["verified"] for item in result["results"]["results"]]


def chained_badge() -> tuple[dict, Verifier]:
    canon = Canonicalizer(DocumentLoader())
    key = keys.generate_private_key()
    did = keys.did_key(key.public_key())
    vm = keys.did_key_vm_id(did)
    achievement = documents.achievement("https://issuer.example/a/1", "Mentor", "Mentors newcomers.",
                                        documents.criteria("Mentor three newcomers."))
    badge = documents.open_badge_credential(
        "urn:uuid:5d0f3a52-7c1e-4d8e-9b0e-6a3f2e1d4c10", documents.profile(did, name="CoP"),
        "did:example:ada", achievement, valid_from=datetime(2026, 1, 1, tzinfo=timezone.utc))
    one = proof.add_proof(badge, key, verification_method=vm, canonicalizer=canon, proof_id=FIRST)
    two = proof.add_proof(one, key, verification_method=vm, canonicalizer=canon, previous_proof=FIRST)
    verifier = Verifier(canonicalizer=canon, get_status=lambda url: {}, resolve_key=lambda vm_id: KeyInfo(
        vm_id, keys.public_key_from_did_key(vm_id), did, frozenset({"assertionMethod"})))
    return two, verifier


def test_a_chain_we_sign_verifies_here_and_wallets_accept_it_on_its_first_proof(js):
    chained, verifier = chained_badge()
    ours = verifier.verify(chained)
    assert ours.verified and [c.outcome for c in ours.checks if c.name == "proof"] == ["ok", "ok"]
    theirs = js.verify(chained)
    assert theirs["verified"] is True
    assert per_proof(theirs) == [True, False]  # the chained proof, checked without its previous one
    assert js.verify_core(chained)["verified"] is True
    alone = {**chained, "proof": chained["proof"][1]}  # without the proof it builds on
    assert js.verify(alone)["verified"] is False and not verifier.verify(alone).verified


def test_reference_checks_the_w3c_chain_vector_as_a_plain_set(js):
    signed = json.loads((CHAIN / "signedProofChain2.json").read_text())
    result = js.verify(signed, test_contexts=True, check_issuer=False)
    assert result["verified"] is True
    assert per_proof(result) == [True, True, False, False]
