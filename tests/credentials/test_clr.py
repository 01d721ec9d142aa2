"""CLR 2.0 records: the builder, its structure rules, and verification of the record and of each
credential inside (the 1EdTech vector, a changed member, a member that fails on its own)."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from issuer.credentials import clr, documents, keys, kinds, proof
from issuer.credentials.canonical import Canonicalizer
from issuer.credentials.errors import DocumentError
from issuer.credentials.loader import DocumentLoader
from issuer.credentials.schema import SchemaRegistry
from issuer.credentials.verify import KeyInfo, KeyUnavailable, StatusUnavailable, Verifier
from issuer.explain import explain

VECTOR = Path(__file__).resolve().parents[1] / "vectors" / "eddsa-rdfc-2022" / "1edtech-clr-v2p0"
NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
PERSON = "did:example:dana"


@pytest.fixture(scope="module")
def canon():
    return Canonicalizer(DocumentLoader())


@pytest.fixture(scope="module")
def schemas():
    return SchemaRegistry()


def vector_key(vm_id: str) -> KeyInfo:
    """The vector's key: ``<issuer>#<multibase>`` controlled by the issuer URL (fragment key)."""
    pair = json.loads((VECTOR / "key-pair.json").read_text())
    if vm_id == pair["verificationMethod"]:
        return KeyInfo(vm_id, keys.public_key_from_multibase(pair["publicKeyMultibase"]),
                       pair["controller"], frozenset({"assertionMethod"}))
    if vm_id.startswith("did:key:"):
        return KeyInfo(vm_id, keys.public_key_from_did_key(vm_id), vm_id.split("#")[0],
                       frozenset({"assertionMethod"}))
    raise KeyUnavailable(vm_id)


def no_status(url):
    raise StatusUnavailable(url)


def verifier(canon, schemas):
    return Verifier(canon, vector_key, no_status, schemas, NOW)


class Signer:
    def __init__(self, canon, name):
        self.canon, self.name = canon, name
        self.key = keys.generate_private_key()
        self.did = keys.did_key(self.key.public_key())

    def sign(self, document):
        return proof.add_proof(document, self.key, verification_method=keys.did_key_vm_id(self.did),
                               canonicalizer=self.canon, created="2026-01-01T00:00:00Z")

    def badge(self, number: int, subject=PERSON, alignments=()):
        achievement = documents.achievement(
            f"https://issuer.example/achievements/{number}", f"Achievement {number}",
            "Hosts sessions.", documents.criteria("Host four sessions."), alignments=alignments)
        return self.sign(documents.open_badge_credential(
            f"urn:uuid:00000000-0000-4000-8000-00000000000{number}",
            documents.profile(self.did, name=self.name), subject, achievement,
            valid_from=datetime(2026, 1, 1, tzinfo=timezone.utc)))

    def endorsement(self, about):
        return self.sign(documents.endorsement_credential(
            "urn:uuid:00000000-0000-4000-8000-0000000000e1", documents.profile(self.did, name=self.name),
            about, valid_from=datetime(2026, 1, 2, tzinfo=timezone.utc), name="Endorsement",
            endorsement_comment="Well earned."))


def record(canon, platform, members, **extra):
    achievements = [m["credentialSubject"]["achievement"] for m in members]
    document = clr.clr_credential(
        "urn:uuid:00000000-0000-4000-8000-0000000000c1", documents.profile(platform.did, name="Platform"),
        PERSON, members, valid_from=datetime(2026, 2, 1, tzinfo=timezone.utc),
        name="Dana's recognition record", achievements=achievements,
        associations=clr.aligned_associations(achievements), **extra)
    return platform.sign(document)


def outcomes(result) -> dict:
    return {c.name: c.outcome for c in result.checks}


@pytest.fixture(scope="module")
def parties(canon):
    return Signer(canon, "Platform"), Signer(canon, "Community")


def test_the_builder_emits_the_contexts_the_schema_requires_and_passes_it(canon, schemas, parties):
    platform, community = parties
    first = community.badge(1)
    second = community.badge(2, alignments=[documents.alignment("Achievement 1", first["credentialSubject"]["achievement"]["id"])])
    document = record(canon, platform, [first, second],
                      endorsements=[community.endorsement(first["id"])], partial=True)
    assert document["@context"][:3] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert document["type"] == ["VerifiableCredential", "ClrCredential"]
    assert document["credentialSubject"]["type"] == ["ClrSubject"] and document["partial"] is True
    assert document["credentialSubject"]["verifiableCredential"] == [first, second]  # as signed
    assert document["credentialSubject"]["association"] == [{
        "type": "Association", "associationType": "isRelatedTo",
        "sourceId": "https://issuer.example/achievements/2",
        "targetId": "https://issuer.example/achievements/1"}]
    assert schemas.validate(document, kinds.CLR.schema) == []
    canon.expand(document)  # every term defined: nothing goes unsigned
    assert kinds.kind_of_document(document) is kinds.CLR and kinds.CLR.builder is clr.clr_credential


def test_no_associations_are_invented(parties):
    _, community = parties
    achievements = [community.badge(n)["credentialSubject"]["achievement"] for n in (1, 2)]
    assert clr.aligned_associations(achievements) == []


@pytest.mark.parametrize("change,message", [
    (lambda d: d["@context"].__setitem__(1, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"),
     "@context: the second item must be the CLR context"),
    (lambda d: d.pop("name"), "name: required"),
    (lambda d: d["credentialSubject"].update(verifiableCredential=[]),
     "credentialSubject.verifiableCredential: required"),
    (lambda d: d["credentialSubject"].update(type=["AchievementSubject"]),
     "credentialSubject.type: must include ClrSubject"),
    (lambda d: d["credentialSubject"].update(association=[{
        "type": "Association", "associationType": "isPartOf", "sourceId": "urn:x:1",
        "targetId": "https://issuer.example/achievements/1"}]),
     "credentialSubject.association[0].sourceId: 'urn:x:1' is not the id of an achievement"),
    (lambda d: d["credentialSubject"].update(association=[{
        "type": "Association", "associationType": "sameAs",
        "sourceId": "https://issuer.example/achievements/1",
        "targetId": "https://issuer.example/achievements/1"}]),
     "associationType: 'sameAs' is not one of"),
    (lambda d: d.update(partial="yes"), "partial: must be true or false"),
])
def test_structure_rules_name_the_path(canon, parties, change, message):
    platform, community = parties
    document = record(canon, platform, [community.badge(1)])
    document.pop("proof")
    change(document)
    with pytest.raises(DocumentError, match=message.replace("[", r"\[").replace("]", r"\]")):
        kinds.CLR.check(document)


def test_the_1edtech_vector_verifies_with_its_member(canon, schemas):
    signed = json.loads((VECTOR / "signed-credential.json").read_text())
    result = verifier(canon, schemas).verify(signed)
    assert outcomes(result) == {"structure": "ok", "schema": "ok", "proof": "ok", "issuer": "ok",
                                "validity": "ok", "credentials": "ok"}
    assert result.verified and len(result.members) == 1 and result.members[0].verified
    assert outcomes(result.members[0])["proof"] == "ok"
    assert result.as_dict()["credentials"][0]["credentialId"] == "urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002"


def test_a_changed_association_breaks_the_vector(canon, schemas):
    signed = json.loads((VECTOR / "signed-credential.json").read_text())
    signed["credentialSubject"]["association"][0]["associationType"] = "isChildOf"
    result = verifier(canon, schemas).verify(signed)
    assert outcomes(result)["proof"] == "failed" and not result.verified


def test_a_changed_member_breaks_the_envelope_and_itself(canon, schemas, parties):
    platform, community = parties
    document = record(canon, platform, [community.badge(1), community.badge(2)])
    assert verifier(canon, schemas).verify(document).verified
    changed = copy.deepcopy(document)
    changed["credentialSubject"]["verifiableCredential"][1]["name"] = "Chief host"
    result = verifier(canon, schemas).verify(changed)
    assert outcomes(result)["proof"] == "failed"  # the record's own signature covers its members
    assert outcomes(result)["credentials"] == "failed"
    assert [m.verified for m in result.members] == [True, False]
    message = next(c.message for c in result.checks if c.name == "credentials")
    assert message == "credential 2 (Chief host) does not verify"


def test_a_member_that_fails_on_its_own_is_reported_for_that_member(canon, schemas, parties):
    platform, community = parties
    broken = community.badge(2)
    broken["name"] = "Changed before the record was signed"  # its own proof no longer holds
    document = record(canon, platform, [community.badge(1), broken])
    result = verifier(canon, schemas).verify(document)
    assert outcomes(result)["proof"] == "ok"  # the record was signed over what it holds
    assert outcomes(result)["credentials"] == "failed" and not result.verified
    assert [m.verified for m in result.members] == [True, False]
    assert outcomes(result.members[1])["proof"] == "failed"
    explained = explain(result)
    line = next(c for c in explained["checks"] if c["check"] == "credentials")
    assert line["text"].startswith("1 of the 2 credentials inside is not verified")
    assert [(m["name"], m["verdict"]) for m in explained["credentials"]] == [
        ("Achievement 1", "Verified"), ("Changed before the record was signed", "Not verified")]


def test_a_member_about_someone_else_fails_the_record(canon, schemas, parties):
    platform, community = parties
    document = record(canon, platform, [community.badge(1), community.badge(2, subject="did:example:eve")])
    result = verifier(canon, schemas).verify(document)
    assert all(m.verified for m in result.members)
    message = next(c.message for c in result.checks if c.name == "credentials")
    assert "is about did:example:eve, not the record's subject did:example:dana" in message
    assert not result.verified


def test_endorsements_beside_the_members_are_verified_too(canon, schemas, parties):
    platform, community = parties
    badge = community.badge(1)
    document = record(canon, platform, [badge], endorsements=[community.endorsement(badge["id"])])
    result = verifier(canon, schemas).verify(document)
    assert result.verified and [e.verified for e in result.endorsements] == [True]
