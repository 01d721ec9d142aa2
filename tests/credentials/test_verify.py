"""verify(): each check's outcome with injected clock, keys and status lists; it never raises."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from issuer.credentials import documents, keys, proof, status
from issuer.credentials.canonical import Canonicalizer
from issuer.credentials.errors import KeyMaterialError
from issuer.credentials.loader import DocumentLoader
from issuer.credentials.schema import SchemaRegistry
from issuer.credentials.verify import KeyInfo, KeyUnavailable, StatusUnavailable, Verifier

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
LIST_URL = "https://issuer.example/status/1"


@pytest.fixture(scope="module")
def canon():
    return Canonicalizer(DocumentLoader(allow_test_contexts=True))


def did_key_resolver(vm_id: str) -> KeyInfo:
    if not vm_id.startswith("did:key:"):
        raise KeyUnavailable("only did:key in this test")
    return KeyInfo(vm_id, keys.public_key_from_did_key(vm_id), vm_id.split("#")[0],
                   frozenset({"assertionMethod", "authentication"}))


def no_status(url):
    raise StatusUnavailable(f"{url} is offline")


def make_verifier(canon, *, resolve_key=did_key_resolver, get_status=no_status, now=NOW):
    return Verifier(canonicalizer=canon, resolve_key=resolve_key, get_status=get_status,
                    schemas=SchemaRegistry(), now=now)


def outcomes(result) -> dict:
    return {c.name: c.outcome for c in result.checks}


class Signer:
    def __init__(self, canon):
        self.canon = canon
        self.key = keys.generate_private_key()
        self.did = keys.did_key(self.key.public_key())
        self.vm = keys.did_key_vm_id(self.did)

    def sign(self, document, **options):
        return proof.add_proof(document, self.key, verification_method=self.vm,
                               canonicalizer=self.canon, created="2026-01-01T00:00:00Z", **options)

    def badge(self, **extra):
        achievement = documents.achievement("https://issuer.example/a/1", "Mentor", "Mentors newcomers.",
                                            documents.criteria("Mentor three newcomers."))
        return documents.open_badge_credential(
            "urn:uuid:9a1b4d0e-8e55-4a35-a8b4-1f6a1f2f2c11", documents.profile(self.did, name="CoP"),
            "did:example:ada", achievement, valid_from=datetime(2026, 1, 1, tzinfo=timezone.utc), **extra)


def test_w3c_vector_signature_verifies_but_its_issuer_does_not_own_the_key(canon):
    # The W3C vector's issuer is https://vc.example/issuers/5678 while its key is a did:key: the
    # signature is right, and the binding check says the key is not the issuer's.
    signed = json.loads((VECTORS / "eddsa-rdfc-2022" / "signedDataInt.json").read_text())
    result = make_verifier(canon).verify(signed)
    assert outcomes(result) == {"structure": "ok", "proof": "ok", "issuer": "failed", "validity": "ok"}
    assert not result.verified


def test_badge_with_every_check(canon):
    signer = Signer(canon)
    bits = status.StatusList()
    listing = signer.sign(status.status_list_credential(LIST_URL, signer.did, bits.encode(),
                                                        valid_from=datetime(2026, 1, 1, tzinfo=timezone.utc)))
    badge = signer.sign(signer.badge(status=status.status_entry(LIST_URL, 7)))
    result = make_verifier(canon, get_status=lambda url: listing).verify(badge)
    assert outcomes(result) == {"structure": "ok", "schema": "ok", "proof": "ok", "issuer": "ok",
                                "status": "ok", "validity": "ok"}
    bits.set(7)
    revoked_list = signer.sign(status.status_list_credential(
        LIST_URL, signer.did, bits.encode(), valid_from=datetime(2026, 1, 1, tzinfo=timezone.utc)))
    revoked = make_verifier(canon, get_status=lambda url: revoked_list).verify(badge)
    assert outcomes(revoked)["status"] == "failed" and not revoked.verified
    assert [c.message for c in revoked.checks if c.name == "status"] == ["revoked"]


def test_unreachable_status_list_is_never_not_revoked(canon):
    signer = Signer(canon)
    badge = signer.sign(signer.badge(status=status.status_entry(LIST_URL, 7)))
    result = make_verifier(canon).verify(badge)
    assert outcomes(result)["status"] == "could not check"
    assert not result.verified
    assert result.to_vcapi()["warnings"][0]["check"] == "status"


def test_status_list_of_another_issuer_is_accepted_and_named(canon):
    # Bitstring Status List lets an issuer have its list kept and signed by another party; the
    # signed credential names the list, so the list's signer is the issuer's choice. The list
    # must be validly signed by its own issuer, and the result says who that is.
    signer, keeper = Signer(canon), Signer(canon)
    bits = status.StatusList()
    theirs = keeper.sign(status.status_list_credential(
        LIST_URL, keeper.did, bits.encode(), valid_from=datetime(2026, 1, 1, tzinfo=timezone.utc)))
    badge = signer.sign(signer.badge(status=status.status_entry(LIST_URL, 7)))
    result = make_verifier(canon, get_status=lambda url: theirs).verify(badge)
    assert outcomes(result)["status"] == "ok" and result.verified
    assert [c.message for c in result.checks if c.name == "status"] == [
        f"not revoked (the status list is signed by {keeper.did})"]
    bits.set(7)
    revoked_list = keeper.sign(status.status_list_credential(
        LIST_URL, keeper.did, bits.encode(), valid_from=datetime(2026, 1, 1, tzinfo=timezone.utc)))
    revoked = make_verifier(canon, get_status=lambda url: revoked_list).verify(badge)
    assert [c.message for c in revoked.checks if c.name == "status"] == [
        f"revoked (the status list is signed by {keeper.did})"]
    assert not revoked.verified


def test_status_list_signed_by_someone_else_fails(canon):
    signer, stranger = Signer(canon), Signer(canon)
    forged = stranger.sign(status.status_list_credential(
        LIST_URL, signer.did, status.StatusList().encode(), valid_from=datetime(2026, 1, 1, tzinfo=timezone.utc)))
    badge = signer.sign(signer.badge(status=status.status_entry(LIST_URL, 7)))
    result = make_verifier(canon, get_status=lambda url: forged).verify(badge)
    assert outcomes(result)["status"] == "failed"


@pytest.mark.parametrize("now,words", [
    (datetime(2025, 1, 1, tzinfo=timezone.utc), "not valid yet"),
    (datetime(2031, 1, 1, tzinfo=timezone.utc), "expired on 2030-01-01T00:00:00Z"),
])
def test_validity_dates(canon, now, words):
    signer = Signer(canon)
    badge = signer.sign(signer.badge(valid_until=datetime(2030, 1, 1, tzinfo=timezone.utc)))
    result = make_verifier(canon, now=now).verify(badge)
    assert outcomes(result)["validity"] == "failed"
    assert words in [c.message for c in result.checks if c.name == "validity"][0]


def test_issuer_must_control_the_key(canon):
    signer, other = Signer(canon), Signer(canon)
    badge = signer.badge()
    badge["issuer"]["id"] = other.did
    result = make_verifier(canon).verify(signer.sign(badge))
    assert outcomes(result)["issuer"] == "failed" and outcomes(result)["proof"] == "ok"
    assert "not to the issuer" in [c.message for c in result.checks if c.name == "issuer"][0]


def test_key_must_be_authorised_for_assertion(canon):
    signer = Signer(canon)
    badge = signer.sign(signer.badge())

    def auth_only(vm_id):
        info = did_key_resolver(vm_id)
        return KeyInfo(info.vm_id, info.public_key, info.controller, frozenset({"authentication"}))

    result = make_verifier(canon, resolve_key=auth_only).verify(badge)
    assert outcomes(result)["issuer"] == "failed"


def test_unresolvable_key_could_not_be_checked_and_bad_key_fails(canon):
    vector = json.loads((VECTORS / "examples" / "signed" / "ob-v3p0-impl-guide-eddsa-rdfc-2022.json").read_text())
    result = make_verifier(canon).verify(vector)
    assert outcomes(result)["proof"] == "could not check" and not result.verified

    def broken(vm_id):
        raise KeyMaterialError("publicKeyMultibase is not valid base58btc")

    assert outcomes(make_verifier(canon, resolve_key=broken).verify(vector))["proof"] == "failed"


def test_1edtech_vector_verifies_once_its_key_is_resolved(canon):
    vector = json.loads((VECTORS / "examples" / "signed" / "ob-v3p0-impl-guide-eddsa-rdfc-2022.json").read_text())

    def from_controller_document(vm_id):  # what a fetched controller document would say
        controller, fragment = vm_id.split("#")
        return KeyInfo(vm_id, keys.public_key_from_multibase(fragment), controller,
                       frozenset({"assertionMethod"}))

    result = make_verifier(canon, resolve_key=from_controller_document).verify(vector)
    assert outcomes(result)["proof"] == "ok" and outcomes(result)["issuer"] == "ok"


def test_vc11_legacy_dates_and_legacy_suite(canon):
    signer = Signer(canon)
    legacy = {"@context": ["https://www.w3.org/2018/credentials/v1",
                           "https://w3id.org/security/suites/ed25519-2020/v1"],
              "id": "urn:uuid:0b0e9c3c-5d0a-4c39-9c1e-5d6f5c1c1a01", "type": ["VerifiableCredential"],
              "issuer": signer.did, "issuanceDate": "2020-01-01T00:00:00Z",
              "expirationDate": "2021-01-01T00:00:00Z", "credentialSubject": {"id": "did:example:ada"}}
    signed = signer.sign(legacy, suite="Ed25519Signature2020")
    result = make_verifier(canon).verify(signed)
    assert outcomes(result)["proof"] == "ok"
    assert outcomes(result)["validity"] == "failed"
    ok = make_verifier(canon, now=datetime(2020, 6, 1, tzinfo=timezone.utc)).verify(signed)
    assert ok.verified, ok.as_dict()


def test_embedded_endorsements_are_verified_on_their_own(canon):
    leader, peer = Signer(canon), Signer(canon)
    endorsement = peer.sign(documents.endorsement_credential(
        "urn:uuid:2f0b8c1d-0e7a-4e0e-9d35-3b7f7d0e6a10", documents.profile(peer.did, name="Peer"),
        "https://issuer.example/a/1", valid_from=datetime(2026, 1, 1, tzinfo=timezone.utc),
        name="Peer endorsement", endorsement_comment="Great mentor."))
    badge = leader.sign(leader.badge(endorsements=[endorsement]))
    result = make_verifier(canon).verify(badge)
    assert result.verified and [e.verified for e in result.endorsements] == [True]
    tampered = copy.deepcopy(endorsement)
    tampered["credentialSubject"]["endorsementComment"] = "Terrible."
    badge_with_forgery = leader.sign(leader.badge(endorsements=[tampered]))
    outer = make_verifier(canon).verify(badge_with_forgery)
    assert outer.verified and not outer.endorsements[0].verified
    assert "does not verify" in outer.to_vcapi()["warnings"][0]["message"]


@pytest.mark.parametrize("garbage", [None, [], "text", 5, {}, {"proof": 5}, {"@context": 5},
                                     {"@context": ["https://www.w3.org/ns/credentials/v2"],
                                      "type": ["VerifiableCredential"], "issuer": {"id": 5},
                                      "credentialSubject": {}, "proof": [1, "x", None]}])
def test_verify_never_raises(canon, garbage):
    result = make_verifier(canon).verify(garbage)
    assert not result.verified
    assert any(c.outcome == "failed" for c in result.checks)


class Keyring:
    """One issuer DID with several keys, each authorised for assertionMethod (like did:web)."""

    DID = "did:web:issuer.example"

    def __init__(self, canon, count: int):
        self.canon = canon
        self.keys = {f"{self.DID}#key-{n}": keys.generate_private_key() for n in range(1, count + 1)}

    def resolve(self, vm_id: str) -> KeyInfo:
        if vm_id not in self.keys:
            raise KeyUnavailable(f"{vm_id} is not in this DID document")
        return KeyInfo(vm_id, self.keys[vm_id].public_key(), self.DID, frozenset({"assertionMethod"}))

    def badge(self) -> dict:
        achievement = documents.achievement("https://issuer.example/a/1", "Mentor", "Mentors newcomers.",
                                            documents.criteria("Mentor three newcomers."))
        return documents.open_badge_credential(
            "urn:uuid:5d0f3a52-7c1e-4d8e-9b0e-6a3f2e1d4c10", documents.profile(self.DID, name="CoP"),
            "did:example:ada", achievement, valid_from=datetime(2026, 1, 1, tzinfo=timezone.utc))

    def sign(self, document: dict, n: int, proof_id: str | None = None, previous=None) -> dict:
        vm = f"{self.DID}#key-{n}"
        return proof.add_proof(document, self.keys[vm], verification_method=vm, canonicalizer=self.canon,
                               created=f"2026-01-0{n}T00:00:00Z", proof_id=proof_id, previous_proof=previous)

    def verify(self, document: dict):
        return make_verifier(self.canon, resolve_key=self.resolve).verify(document)


def proof_messages(result) -> list[tuple[str, str]]:
    return [(c.outcome, c.message) for c in result.checks if c.name == "proof"]


@pytest.mark.parametrize("length", [2, 3])
def test_proof_chain_verifies_in_order(canon, length):
    ring = Keyring(canon, length)
    doc = ring.badge()
    for n in range(1, length + 1):
        doc = ring.sign(doc, n, f"urn:example:p{n}", f"urn:example:p{n - 1}" if n > 1 else None)
    result = ring.verify(doc)
    assert result.verified, result.as_dict()
    assert [outcome for outcome, _ in proof_messages(result)] == ["ok"] * length
    # listed out of order, the chain still verifies: each proof after the ones it names
    shuffled = {**doc, "proof": list(reversed(doc["proof"]))}
    assert ring.verify(shuffled).verified


def test_proof_set_plus_chain(canon):
    ring = Keyring(canon, 3)
    doc = ring.sign(ring.sign(ring.badge(), 1, "urn:example:a"), 2, "urn:example:b")
    doc = ring.sign(doc, 3, previous=["urn:example:a", "urn:example:b"])
    result = ring.verify(doc)
    assert result.verified and len(proof_messages(result)) == 3, result.as_dict()
    # the set member the chain names cannot be dropped; an unnamed one could be
    without_b = {**doc, "proof": [doc["proof"][0], doc["proof"][2]]}
    failed = ring.verify(without_b)
    assert not failed.verified
    assert ("failed", "previousProof names 'urn:example:b', but no proof on the document has that "
            "id") in proof_messages(failed)


def test_dangling_previous_proof_fails(canon):
    ring = Keyring(canon, 2)
    doc = ring.sign(ring.sign(ring.badge(), 1, "urn:example:a"), 2, previous="urn:example:a")
    doc["proof"] = [doc["proof"][1]]
    result = ring.verify(doc)
    assert not result.verified
    assert proof_messages(result) == [("failed", "previousProof names 'urn:example:a', but no proof "
                                                 "on the document has that id")]


def test_tampered_previous_proof_fails_it_and_every_proof_built_on_it(canon):
    ring = Keyring(canon, 3)
    doc = ring.sign(ring.badge(), 1, "urn:example:a")
    doc = ring.sign(doc, 2, "urn:example:b", "urn:example:a")
    doc = ring.sign(doc, 3, previous="urn:example:b")
    doc["proof"][0]["created"] = "2026-02-01T00:00:00Z"
    result = ring.verify(doc)
    assert not result.verified
    outcomes_, messages = zip(*proof_messages(result))
    assert outcomes_ == ("failed", "failed", "failed")
    assert "signature does not match" in messages[0]
    assert messages[1] == ("the proof by did:web:issuer.example#key-2 builds on urn:example:a, and "
                           "that proof did not verify")
    assert messages[2].endswith("builds on urn:example:b, and that proof did not verify")


def test_replaced_previous_proof_breaks_the_chain_even_if_itself_valid(canon):
    ring = Keyring(canon, 2)
    doc = ring.sign(ring.sign(ring.badge(), 1, "urn:example:a"), 2, previous="urn:example:a")
    other_day = proof.add_proof(ring.badge(), ring.keys[f"{ring.DID}#key-1"], canonicalizer=canon,
                                verification_method=f"{ring.DID}#key-1", created="2026-03-01T00:00:00Z",
                                proof_id="urn:example:a")["proof"]
    swapped = {**doc, "proof": [other_day, doc["proof"][1]]}
    result = ring.verify(swapped)
    first, second = proof_messages(result)
    assert first[0] == "ok" and second[0] == "failed" and "signature does not match" in second[1]


def test_cycle_of_previous_proofs_fails_without_looping(canon):
    ring = Keyring(canon, 2)
    base = ring.badge()
    a = ring.sign(base, 1, "urn:example:a")["proof"]
    b = ring.sign({**base, "proof": a}, 2, "urn:example:b", "urn:example:a")["proof"][1]
    looped = {**base, "proof": [{**a, "previousProof": "urn:example:b"}, b]}
    result = ring.verify(looped)
    assert not result.verified
    assert [outcome for outcome, _ in proof_messages(result)] == ["failed", "failed"]
    assert [message for _, message in proof_messages(result)] == [
        "previousProof leads into a loop of proofs (urn:example:a → urn:example:b → urn:example:a), "
        "so it can never be verified",
        "previousProof leads into a loop of proofs (urn:example:a → urn:example:b → urn:example:a), "
        "so it can never be verified"]
    assert outcomes(result)["schema"] == "ok"


def test_previous_proof_that_could_not_be_checked_leaves_the_chain_unchecked(canon):
    ring = Keyring(canon, 2)
    doc = ring.sign(ring.sign(ring.badge(), 1, "urn:example:a"), 2, previous="urn:example:a")
    del ring.keys[f"{ring.DID}#key-1"]  # its DID document no longer lists the first key
    result = ring.verify(doc)
    assert [outcome for outcome, _ in proof_messages(result)] == ["could not check"] * 2
    assert proof_messages(result)[1][1].endswith("and that proof could not be checked")


def test_w3c_proof_chain_vector_every_proof_verifies(canon):
    # Four proofs by four did:keys (a set of two, then a chain of two); the issuer is an https
    # URL none of them belongs to, as in the single-proof vector above.
    signed = json.loads((VECTORS / "eddsa-rdfc-2022" / "proof-set-chain" / "signedProofChain2.json").read_text())
    result = make_verifier(canon).verify(signed)
    assert [outcome for outcome, _ in proof_messages(result)] == ["ok"] * 4
    assert outcomes(result)["issuer"] == "failed"
