"""Proofs: W3C and 1EdTech vectors byte for byte, verification, tampering, proof sets and chains."""

import copy
import json
import re
from pathlib import Path

import base58
import pytest

from issuer.credentials import keys
from issuer.credentials.canonical import Canonicalizer
from issuer.credentials.chains import chain_order
from issuer.credentials.errors import CanonicalizationError, ProofError
from issuer.credentials.loader import DocumentLoader
from issuer.credentials.proof import (
    ProofVerificationFailed, add_proof, create_proof, hashing, is_xsd_datetime,
    proof_configuration, proofs_of, serialize_proof, transformation, verify_document_proof,
    verify_proof)

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
EDDSA = VECTORS / "eddsa-rdfc-2022"
EDSIG = VECTORS / "ed25519-signature-2020"
CITIZENSHIP = "https://w3id.org/citizenship/v4rc1"
W3C_PAIR = json.loads((EDDSA / "keyPair.json").read_text())
W3C_KEY = keys.private_key_from_multibase(W3C_PAIR["privateKeyMultibase"])
EDTECH_KEY = keys.private_key_from_multibase(
    json.loads((EDDSA / "1edtech-ob-v3p0" / "key-pair.json").read_text())["secretKeyMultibase"])


@pytest.fixture(scope="module")
def canon():
    extra = {CITIZENSHIP: read(VECTORS / "contexts" / "w3id.org_citizenship_v4rc1.jsonld")}
    return Canonicalizer(DocumentLoader(allow_test_contexts=True, extra=extra))


def read(path: Path):
    text = path.read_text()
    return json.loads(text) if path.suffix in (".json", ".jsonld") else text


def w3c_case(folder: Path, suffix: str, suite: str) -> dict:
    """One W3C vector folder as: unsigned doc, options, expected outputs, signed doc."""
    signed = read(folder / f"signed{'EdSig' if suffix == 'EdSig' else 'DataInt'}.json")
    config = read(folder / f"proofConfig{suffix}.json")
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    return {"unsigned": unsigned, "signed": signed, "suite": suite, "key": W3C_KEY,
            "options": {k: v for k, v in config.items() if k != "@context"},
            "config_context": config["@context"],
            "proof_canon": read(folder / f"proofCanon{suffix}.txt"),
            "doc_canon": read(folder / f"canonDoc{suffix}.txt"),
            "hash_hex": read(folder / f"combinedHash{suffix}.txt").strip(),
            "sig_hex": read(folder / f"sigHex{suffix}.txt").strip(),
            "proof_value": read(folder / f"sigBTC58{suffix}.txt").strip()}


def edtech_case(folder: Path) -> dict:
    """A 1EdTech vector folder in the same shape as :func:`w3c_case`."""
    hashes = read(folder / "hashes.json")
    return {"unsigned": read(folder / "unsigned-credential.json"), "suite": "eddsa-rdfc-2022",
            "signed": read(folder / "signed-credential.json"), "key": EDTECH_KEY,
            "options": read(folder / "proof-options.json"), "config_context": None,
            "proof_canon": read(folder / "proof-canon.txt"),
            "doc_canon": read(folder / "document-canon.txt"),
            "hash_hex": hashes["dataToSignHex"], "sig_hex": hashes["signatureHex"],
            "proof_value": hashes["proofValue"]}


CASES = {
    "w3c": w3c_case(EDDSA, "DataInt", "eddsa-rdfc-2022"),
    "w3c-employ": w3c_case(EDDSA / "employ", "DataInt", "eddsa-rdfc-2022"),
    "w3c-ed25519-2020": w3c_case(EDSIG, "EdSig", "Ed25519Signature2020"),
    "1edtech-ob": edtech_case(EDDSA / "1edtech-ob-v3p0"),
    "1edtech-clr": edtech_case(EDDSA / "1edtech-clr-v2p0"),
}


@pytest.mark.parametrize("name", CASES)
def test_vector_steps_byte_for_byte(canon, name):
    case = CASES[name]
    unsigned, options = case["unsigned"], case["options"]
    if case["config_context"] is not None:
        assert case["config_context"] == unsigned["@context"]
    config = proof_configuration(unsigned, options, canon)
    assert config == case["proof_canon"]
    transformed = transformation(unsigned, canon)
    assert transformed == case["doc_canon"]
    hash_data = hashing(transformed, config)
    assert hash_data.hex() == case["hash_hex"]
    proof_value = serialize_proof(hash_data, case["key"])
    assert base58.b58decode(proof_value[1:]).hex() == case["sig_hex"]
    assert proof_value == case["proof_value"]


@pytest.mark.parametrize("name", CASES)
def test_vector_signed_document_reproduced(canon, name):
    case = CASES[name]
    signed = add_proof(case["unsigned"], case["key"], canonicalizer=canon, suite=case["suite"],
                       verification_method=case["options"]["verificationMethod"],
                       created=case["options"]["created"])
    assert signed == {**case["signed"], "proof": the_proof(case["signed"])}
    assert "proof" not in case["unsigned"]


@pytest.mark.parametrize("name", CASES)
def test_vector_signed_document_verifies(canon, name):
    case = CASES[name]
    verify_document_proof(case["signed"], the_proof(case["signed"]), case["key"].public_key(),
                          canonicalizer=canon, expected_purpose="assertionMethod")


def test_clr_embedded_credentials_verify_on_their_own(canon):
    embedded = CASES["1edtech-clr"]["signed"]["credentialSubject"]["verifiableCredential"]
    assert len(embedded) == 1
    for credential in embedded:
        verify_document_proof(credential, the_proof(credential), EDTECH_KEY.public_key(),
                              canonicalizer=canon)


def _first_text(node: dict) -> tuple[dict, str]:
    """The first string leaf that is not an id or type, as (holder, key)."""
    for key, value in node.items():
        if isinstance(value, str) and key not in ("id", "type"):
            return node, key
        if isinstance(value, list) and value and isinstance(value[0], dict):
            value = value[0]
        if isinstance(value, dict):
            return _first_text(value)
    raise LookupError("no text value")


def the_proof(doc: dict) -> dict:
    """The only proof of a vector (the CLR vector writes it as a one-element proof set)."""
    (proof,) = proofs_of(doc)
    return proof


def _tamper_subject(doc):
    holder, key = _first_text(doc["credentialSubject"])
    holder[key] += "!"


def _tamper_proof_value(doc):
    signature = bytearray(base58.b58decode(the_proof(doc)["proofValue"][1:]))
    signature[-1] ^= 1
    the_proof(doc)["proofValue"] = "z" + base58.b58encode(bytes(signature)).decode()


def _tamper_created(doc):
    proof = the_proof(doc)
    proof["created"] = proof["created"].replace(":24Z", ":25Z").replace(":38Z", ":39Z")


def _tamper_vm(doc):
    the_proof(doc)["verificationMethod"] = keys.did_key_vm_id(
        keys.did_key(keys.generate_private_key().public_key()))


def _tamper_context_meaning(doc):
    doc["@context"] = [*doc["@context"], {"ex": "https://evil.example/#"}]
    holder, key = _first_text(doc["credentialSubject"])
    holder["ex:" + key] = holder.pop(key)


TAMPERS = {"subject value": _tamper_subject, "proofValue": _tamper_proof_value,
           "created": _tamper_created, "verificationMethod key": _tamper_vm,
           "@context term meaning": _tamper_context_meaning}


@pytest.mark.parametrize("tamper", TAMPERS)
@pytest.mark.parametrize("name", CASES)
def test_tampered_vectors_fail(canon, name, tamper):
    case = CASES[name]
    doc = copy.deepcopy(case["signed"])
    TAMPERS[tamper](doc)
    with pytest.raises(ProofVerificationFailed, match="signature does not match"):
        verify_document_proof(doc, the_proof(doc), case["key"].public_key(), canonicalizer=canon)


@pytest.mark.parametrize("name", ["w3c", "1edtech-ob"])
def test_wrong_public_key_fails(canon, name):
    signed = CASES[name]["signed"]
    with pytest.raises(ProofVerificationFailed, match="signature does not match"):
        verify_document_proof(signed, signed["proof"], keys.generate_private_key().public_key(),
                              canonicalizer=canon)


@pytest.mark.parametrize("name", ["w3c", "1edtech-ob"])
def test_context_order_is_not_covered_by_the_signature(canon, name):
    """RDFC signs the RDF: reordering contexts that mean the same is invisible to the proof.

    The VC rule "the first context is the VC base context" belongs to the structure check.
    """
    doc = copy.deepcopy(CASES[name]["signed"])
    doc["@context"].reverse()
    verify_document_proof(doc, doc["proof"], CASES[name]["key"].public_key(), canonicalizer=canon)


def _with_proof(name: str, **changes) -> dict:
    doc = copy.deepcopy(CASES[name]["signed"])
    for key, value in changes.items():
        if value is None:
            doc["proof"].pop(key, None)
        else:
            doc["proof"][key] = value
    return doc


@pytest.mark.parametrize("name,changes,message", [
    ("w3c", {"type": "RsaSignature2018", "cryptosuite": None},
     "unsupported proof type 'RsaSignature2018'"),
    ("w3c", {"cryptosuite": "ecdsa-rdfc-2019"}, "cryptosuite 'ecdsa-rdfc-2019'"),
    ("w3c", {"proofPurpose": None}, "proof has no proofPurpose"),
    ("w3c", {"verificationMethod": None}, "proof has no verificationMethod"),
    ("w3c", {"proofPurpose": "authentication"}, "proofPurpose is 'authentication', expected"),
    ("w3c", {"proofValue": None}, "proofValue is missing or not multibase"),
    ("w3c", {"proofValue": "uAAAA"}, "not multibase base58btc"),
    ("w3c", {"proofValue": "z0OIl"}, "not valid base58btc"),
    ("w3c", {"proofValue": "z" + base58.b58encode(bytes(32)).decode()}, "not a 64-byte Ed25519"),
    ("w3c", {"created": "2023-02-30T00:00:00Z"}, "not a valid XML Schema dateTime"),
    ("w3c", {"@context": ["https://www.w3.org/ns/credentials/examples/v2"]}, "does not start with"),
    ("w3c-ed25519-2020", {"created": None}, "Ed25519Signature2020 proofs require created"),
])
def test_malformed_proofs_fail_with_a_plain_message(canon, name, changes, message):
    doc = _with_proof(name, **changes)
    with pytest.raises(ProofVerificationFailed, match=message):
        verify_document_proof(doc, doc["proof"], W3C_KEY.public_key(), canonicalizer=canon,
                              expected_purpose="assertionMethod")


def test_legacy_proof_without_its_context_fails(canon):
    doc = copy.deepcopy(CASES["w3c-ed25519-2020"]["signed"])
    doc["@context"] = doc["@context"][:2]
    with pytest.raises(ProofVerificationFailed, match="ed25519-2020/v1' in the document"):
        verify_document_proof(doc, doc["proof"], W3C_KEY.public_key(), canonicalizer=canon)


def test_undefined_term_is_a_canonicalization_error_not_a_mismatch(canon):
    doc = copy.deepcopy(CASES["1edtech-ob"]["signed"])
    doc["credentialSubject"]["nickname"] = "unsigned"
    with pytest.raises(CanonicalizationError, match="'nickname'"):
        verify_document_proof(doc, doc["proof"], EDTECH_KEY.public_key(), canonicalizer=canon)


@pytest.mark.parametrize("options,message", [
    ({"type": "Ed25519Signature2018"}, "unsupported proof type 'Ed25519Signature2018'"),
    ({"cryptosuite": "eddsa-jcs-2022"}, "cryptosuite 'eddsa-jcs-2022'"),
    ({"created": "yesterday"}, "'yesterday' is not a valid XML Schema dateTime"),
    ({"proofValue": "z1"}, "must not contain proofValue"),
])
def test_proof_configuration_refuses_bad_options(canon, options, message):
    base = {**CASES["w3c"]["options"], **options}
    with pytest.raises(ProofError, match=message):
        proof_configuration(CASES["w3c"]["unsigned"], base, canon)


def test_legacy_suite_needs_its_context_before_signing(canon):
    with pytest.raises(ProofError, match="add it before any proof is made"):
        add_proof(CASES["w3c"]["unsigned"], W3C_KEY, canonicalizer=canon,
                  suite="Ed25519Signature2020", verification_method="did:key:z6Mk#z6Mk")
    with pytest.raises(ProofError, match="unsupported suite 'eddsa-2022'"):
        create_proof(CASES["w3c"]["unsigned"], W3C_KEY, canonicalizer=canon, suite="eddsa-2022",
                     verification_method="did:key:z6Mk#z6Mk")


@pytest.mark.parametrize("value,valid", [
    ("2023-02-24T23:36:38Z", True), ("2023-02-24T23:36:38.123+01:00", True),
    ("2024-02-29T00:00:00", True), ("-0044-03-15T12:00:00Z", True), ("2023-02-29T00:00:00Z", False),
    ("2023-02-24 23:36:38Z", False), ("2023-02-24T25:00:00Z", False), ("2023-02-24", False),
    ("2023-02-24T23:36:38+15:00", False), (1677281798, False),
])
def test_xsd_datetime(value, valid):
    assert is_xsd_datetime(value) is valid


def test_create_proof_defaults_and_key_order(canon):
    did = keys.did_key(W3C_KEY.public_key())
    proof = create_proof(CASES["w3c"]["unsigned"], W3C_KEY, canonicalizer=canon,
                         verification_method=keys.did_key_vm_id(did))
    assert list(proof) == ["type", "cryptosuite", "created", "verificationMethod",
                           "proofPurpose", "proofValue"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", proof["created"])
    assert proof["proofPurpose"] == "assertionMethod"


def test_challenge_and_domain_are_signed(canon):
    doc = CASES["w3c"]["unsigned"]
    signed = add_proof(doc, W3C_KEY, canonicalizer=canon, verification_method="did:example:1#k",
                       proof_purpose="authentication", challenge="c-1", domain="example.org")
    assert list(signed["proof"])[4:] == ["proofPurpose", "challenge", "domain", "proofValue"]
    verify_document_proof(signed, signed["proof"], W3C_KEY.public_key(), canonicalizer=canon,
                          expected_purpose="authentication")
    signed["proof"]["challenge"] = "c-2"
    with pytest.raises(ProofVerificationFailed, match="signature does not match"):
        verify_document_proof(signed, signed["proof"], W3C_KEY.public_key(), canonicalizer=canon)


def test_proof_set_is_independent_proofs_over_the_bare_document(canon):
    case = CASES["w3c"]
    other = keys.generate_private_key()
    first = add_proof(case["unsigned"], W3C_KEY, canonicalizer=canon,
                      created="2023-02-24T23:36:38Z",
                      verification_method=case["options"]["verificationMethod"])
    both = add_proof(first, other, canonicalizer=canon, verification_method="did:example:2#k")
    assert isinstance(both["proof"], list) and len(both["proof"]) == 2
    assert both["proof"][0] == case["signed"]["proof"]  # not chained, unchanged
    assert isinstance(first["proof"], dict)  # the input document is not modified
    for proof, key in zip(proofs_of(both), [W3C_KEY, other]):
        verify_document_proof(both, proof, key.public_key(), canonicalizer=canon)
    three = add_proof(both, other, canonicalizer=canon, verification_method="did:example:3#k")
    assert len(three["proof"]) == 3 and len(both["proof"]) == 2


def test_proofs_of_normalises():
    assert proofs_of({}) == []
    assert proofs_of({"proof": {"type": "x"}}) == [{"type": "x"}]
    assert proofs_of({"proof": [{"type": "x"}, {"type": "y"}]}) == [{"type": "x"}, {"type": "y"}]


# Proof chains (Data Integrity 1.0 §2.1.2, §4.3, §4.5) -------------------------------------

CHAIN = EDDSA / "proof-set-chain"
CHAIN_KEYS = {name: keys.private_key_from_multibase(pair["privateKeyMultibase"])
              for name, pair in read(CHAIN / "multiKeyPairs.json").items()}


def _chain_sign(document: dict, config: str, key: str, canon) -> dict:
    options = read(CHAIN / config)
    return add_proof(document, CHAIN_KEYS[key], canonicalizer=canon, created=options["created"],
                     verification_method=options["verificationMethod"],
                     proof_id=options.get("id"), previous_proof=options.get("previousProof"))


def test_w3c_proof_set_and_chain_vectors_reproduced_byte_for_byte(canon):
    one = _chain_sign(read(CHAIN / "unsigned.json"), "proofSetConfig1.json", "keyPair1", canon)
    assert one == read(CHAIN / "signedProofSet1.json")
    two = _chain_sign(one, "proofSetConfig2.json", "keyPair2", canon)
    assert two == read(CHAIN / "signedProofSet2.json")
    three = _chain_sign(two, "proofChainConfig1.json", "keyPair3", canon)  # names both
    assert three == read(CHAIN / "signedProofChain1.json")
    four = _chain_sign(three, "proofChainConfig2.json", "keyPair4", canon)  # names the third
    assert four == read(CHAIN / "signedProofChain2.json")
    assert four["proof"][3] == read(CHAIN / "proofChainConfigSigned2.json")


def test_w3c_chain_vector_covers_exactly_the_named_previous_proofs(canon):
    signed = read(CHAIN / "signedProofChain2.json")
    for item, pair in zip(proofs_of(signed), CHAIN_KEYS.values()):
        verify_document_proof(signed, item, pair.public_key(), canonicalizer=canon)
    # the vector's intermediate documents: what each chained proof was made over
    for temp, item, key in (("proofChainTempDoc1.json", signed["proof"][2], "keyPair3"),
                            ("proofChainTempDoc2.json", signed["proof"][3], "keyPair4")):
        over = read(CHAIN / temp)
        config = proof_configuration(over, {k: v for k, v in item.items() if k != "proofValue"}, canon)
        data = hashing(transformation({k: v for k, v in over.items() if k != "proof"}, canon,
                                      previous=over["proof"]), config)
        assert data == hashing(canon.canonize(over), config)
        assert serialize_proof(data, CHAIN_KEYS[key]) == item["proofValue"]


def _chain(canon, length: int) -> tuple[dict, list]:
    """A chain of ``length`` proofs by fresh keys, each naming the one before."""
    signers = [keys.generate_private_key() for _ in range(length)]
    doc = CASES["w3c"]["unsigned"]
    for number, key in enumerate(signers, start=1):
        doc = add_proof(doc, key, canonicalizer=canon, verification_method=f"did:example:{number}#k",
                        proof_id=f"urn:example:proof-{number}",
                        previous_proof=f"urn:example:proof-{number - 1}" if number > 1 else None)
    return doc, [key.public_key() for key in signers]


@pytest.mark.parametrize("length", [2, 3])
def test_chain_proofs_verify_and_each_binds_its_previous_proof(canon, length):
    doc, public_keys = _chain(canon, length)
    assert [p.get("previousProof") for p in doc["proof"]] == [
        None, *[f"urn:example:proof-{n}" for n in range(1, length)]]
    for item, key in zip(doc["proof"], public_keys):
        verify_document_proof(doc, item, key, canonicalizer=canon)
    last = doc["proof"][-1]  # signed over the document with its previous proof, not without
    config = proof_configuration(doc, {k: v for k, v in last.items() if k != "proofValue"}, canon)
    signature = base58.b58decode(last["proofValue"][1:])
    assert not verify_proof(hashing(transformation(doc, canon), config), signature, public_keys[-1])
    assert verify_proof(hashing(transformation(doc, canon, previous=[doc["proof"][-2]]), config),
                        signature, public_keys[-1])


def test_chained_proof_fails_when_its_previous_proof_is_changed_or_replaced(canon):
    doc, (first_key, second_key) = _chain(canon, 2)
    tampered = copy.deepcopy(doc)
    tampered["proof"][0]["created"] = "2020-01-01T00:00:00Z"
    with pytest.raises(ProofVerificationFailed, match="signature does not match"):
        verify_document_proof(tampered, tampered["proof"][1], second_key, canonicalizer=canon)
    # a different, itself valid proof under the same id does not stand in for the signed one
    other = keys.generate_private_key()
    replaced = add_proof(CASES["w3c"]["unsigned"], other, canonicalizer=canon,
                         verification_method="did:example:1#k", proof_id="urn:example:proof-1")
    swapped = {**doc, "proof": [replaced["proof"], doc["proof"][1]]}
    verify_document_proof(swapped, swapped["proof"][0], other.public_key(), canonicalizer=canon)
    with pytest.raises(ProofVerificationFailed, match="signature does not match"):
        verify_document_proof(swapped, swapped["proof"][1], second_key, canonicalizer=canon)


@pytest.mark.parametrize("previous,message", [
    ("urn:example:gone", "previousProof names 'urn:example:gone', but no proof on the document"),
    (["urn:example:proof-1", "urn:example:gone"], "names 'urn:example:gone', but no proof"),
    (456321, "previousProof must be a proof id or a non-empty list of proof ids, not 456321"),
    ([], "previousProof must be a proof id or a non-empty list"),
    (["urn:example:proof-1", 7], "previousProof must be a proof id or a non-empty list"),
])
def test_dangling_or_malformed_previous_proof_fails_before_any_signature_check(canon, previous, message):
    doc, (_, second_key) = _chain(canon, 2)
    doc["proof"][1]["previousProof"] = previous
    with pytest.raises(ProofVerificationFailed, match=re.escape(message)):
        verify_document_proof(doc, doc["proof"][1], second_key, canonicalizer=canon)


def test_removing_the_previous_proof_leaves_a_dangling_chain(canon):
    doc, (_, second_key) = _chain(canon, 2)
    alone = {**doc, "proof": doc["proof"][1]}
    with pytest.raises(ProofVerificationFailed, match="no proof on the document has that id"):
        verify_document_proof(alone, alone["proof"], second_key, canonicalizer=canon)


def test_previous_proof_naming_an_id_two_proofs_share_is_ambiguous(canon):
    doc, (_, second_key) = _chain(canon, 2)
    doubled = {**doc, "proof": [doc["proof"][0], doc["proof"][0], doc["proof"][1]]}
    with pytest.raises(ProofVerificationFailed, match="and 2 proofs have that id"):
        verify_document_proof(doubled, doubled["proof"][2], second_key, canonicalizer=canon)


def test_add_proof_refuses_a_chain_it_cannot_build(canon):
    doc, _ = _chain(canon, 1)
    key = keys.generate_private_key()
    with pytest.raises(ProofError, match="no proof on the document has that id"):
        add_proof(doc, key, canonicalizer=canon, verification_method="did:example:2#k",
                  previous_proof="urn:example:nothing")
    with pytest.raises(ProofError, match="already has a proof with id 'urn:example:proof-1'"):
        add_proof(doc, key, canonicalizer=canon, verification_method="did:example:2#k",
                  proof_id="urn:example:proof-1")
    with pytest.raises(ProofError, match="previousProof names 'urn:example:proof-1', but no proof"):
        add_proof(CASES["w3c"]["unsigned"], key, canonicalizer=canon,
                  verification_method="did:example:2#k", previous_proof="urn:example:proof-1")


def test_chain_order_puts_previous_proofs_first_and_finds_loops():
    a = {"id": "urn:a"}
    b = {"id": "urn:b", "previousProof": "urn:a"}
    c = {"id": "urn:c", "previousProof": ["urn:a", "urn:b"]}
    steps = chain_order([c, b, a, {"type": "x"}])
    assert [(s.position, s.previous, s.problem) for s in steps] == [
        (2, (), None), (3, (), None), (1, (2,), None), (0, (1, 2), None)]
    loop = [{"id": "urn:x", "previousProof": "urn:y"}, {"id": "urn:y", "previousProof": "urn:x"},
            {"id": "urn:z", "previousProof": "urn:z"}, {"previousProof": "urn:x"}, a]
    problems = {s.position: s.problem for s in chain_order(loop)}
    assert problems[4] is None
    assert "loop of proofs (urn:x → urn:y → urn:x)" in problems[0]
    assert "loop of proofs (urn:x → urn:y → urn:x)" in problems[1]
    assert "loop of proofs (urn:z → urn:z)" in problems[2]
    assert "loop of proofs (urn:x → urn:y → urn:x)" in problems[3]  # leads into it
    ring = [{"id": f"urn:{n}", "previousProof": f"urn:{(n + 1) % 9}"} for n in range(9)]
    assert {s.problem for s in chain_order(ring)} == {
        "previousProof leads into a loop of proofs (urn:0 → urn:1 → urn:2 → … 6 more → urn:0), "
        "so it can never be verified"}
    dangling = chain_order([{"previousProof": "urn:q"}, "not a proof"])
    assert "no proof on the document has that id" in dangling[0].problem and dangling[1].problem is None
