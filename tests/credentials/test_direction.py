"""Base direction is signed: golden vectors from the JavaScript reference, byte for byte."""

import json
from pathlib import Path

import pytest
from pyld import jsonld

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from issuer.credentials.canonical import LEGACY, Canonicalizer, stock_canonize
from issuer.credentials.errors import CanonicalizationError
from issuer.credentials.loader import DocumentLoader
from issuer.credentials.proof import ProofVerificationFailed, create_proof, verify_document_proof

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "direction"
CASES = sorted(path.name.removesuffix(".nq") for path in VECTORS.glob("*.nq"))
SEED = "4f1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221100aa"  # as generate.py
KEY = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(SEED))


@pytest.fixture(scope="module")
def canon():
    return Canonicalizer(DocumentLoader())


def load(name: str, suffix: str):
    text = (VECTORS / f"{name}{suffix}").read_text(encoding="utf-8")
    return json.loads(text) if suffix.endswith(".json") else text


def test_all_six_cases_are_present():
    assert CASES == sorted(f"{kind}-{form}" for kind in ("vc2", "ob")
                           for form in ("language", "language-direction", "direction"))


@pytest.mark.parametrize("name", CASES)
def test_canonical_nquads_equal_the_javascript_reference(canon, name):
    assert canon.canonize(load(name, ".json")) == load(name, ".nq")


@pytest.mark.parametrize("name", CASES)
def test_we_sign_exactly_what_the_javascript_reference_signs(canon, name):
    signed = load(name, ".signed.json")
    options = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    proof = create_proof(load(name, ".json"), KEY, canonicalizer=canon,
                         verification_method=options["verificationMethod"],
                         created=options["created"])
    assert proof == signed["proof"]


@pytest.mark.parametrize("name", [n for n in CASES if n.endswith("direction")])
def test_changing_the_direction_breaks_the_signature(canon, name):
    signed = load(name, ".signed.json")
    public = KEY.public_key()
    verify_document_proof(signed, signed["proof"], public, canonicalizer=canon)
    text = json.dumps(signed, ensure_ascii=False)
    for old, new in (('"ltr"', '"rtl"'), ('"rtl"', '"ltr"')):
        if old in text:
            tampered = json.loads(text.replace(old, new, 1))
            with pytest.raises(ProofVerificationFailed, match="signature does not match"):
                verify_document_proof(tampered, tampered["proof"], public, canonicalizer=canon)


def test_a_direction_without_language_has_an_empty_language_in_the_datatype(canon):
    assert '"Community mentor"^^<https://www.w3.org/ns/i18n#_ltr>' in load("vc2-direction", ".nq")
    assert '"Community mentor"^^<https://www.w3.org/ns/i18n#en-gb_ltr>' in load(
        "vc2-language-direction", ".nq")


def _credential(**subject) -> dict:
    return {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer", "credentialSubject": {"id": "did:example:s", **subject}}


def test_a_blank_node_property_is_refused_not_dropped(canon):
    # toRdf has no statement for a blank-node predicate: "_:note" would go unsigned.
    with pytest.raises(CanonicalizationError, match="'_:note' is a blank node identifier"):
        canon.canonize(_credential(**{"_:note": "not signed"}))


def test_a_language_tag_that_is_not_bcp47_is_refused(canon):
    # it would be written verbatim into the N-Quads ("x"@en us), which no other processor reads
    document = {**_credential(), "name": {"@value": "x", "@language": "en us"}}
    with pytest.raises(CanonicalizationError, match="'en us' is not a BCP 47 language tag"):
        canon.canonize(document)


def test_the_legacy_suite_refuses_a_direction_as_its_reference_does(canon):
    # jsonld.canonize (no rdfDirection, safe mode) refuses @direction: a legacy proof over it
    # would verify nowhere else, and one made by dropping the direction would leave it unsigned.
    document = load("vc2-direction", ".json")
    document["@context"].append("https://w3id.org/security/suites/ed25519-2020/v1")
    with pytest.raises(CanonicalizationError, match="Ed25519Signature2020 suite cannot sign"):
        create_proof(document, KEY, canonicalizer=canon, suite="Ed25519Signature2020",
                     verification_method=document["issuer"] + "#key",
                     created="2026-12-01T00:00:00Z")
    assert canon.canonize(load("vc2-language", ".json"), escaping=LEGACY)  # no direction: fine


def test_values_equal_but_for_their_direction_are_refused(canon):
    # JSON-LD's duplicate check compares @value, @type, @language and @index, not @direction:
    # stock pyld (and jsonld.js) keep the first of these two and drop the other's direction.
    description = [{"@value": "a", "@language": "en"},
                   {"@value": "a", "@language": "en", "@direction": "rtl"}]
    document = {**_credential(), "description": description}
    assert "i18n#en_rtl" not in stock_canonize(document, canon.loader)
    with pytest.raises(CanonicalizationError, match="differ only in their direction"):
        canon.canonize(document)
    document["description"] = [description[1], dict(description[1])]  # true duplicates: fine
    assert '"a"^^<https://www.w3.org/ns/i18n#en_rtl>' in canon.canonize(document)


OLDER = sorted([*(VECTORS.parent / "examples").glob("*/*.json"),
                *(VECTORS.parent / "eddsa-rdfc-2022").glob("1edtech-*/*-credential.json")])


@pytest.mark.parametrize("path", OLDER, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_credentials_without_a_direction_canonicalize_as_before(canon, path):
    # what was signed before (pyld's default rdfDirection None) is what is verified now
    document = {k: v for k, v in json.loads(path.read_text()).items() if k != "proof"}
    assert "@direction" not in path.read_text()
    before = jsonld.normalize(document, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                         "documentLoader": canon.loader, "rdfDirection": None})
    assert canon.canonize(document) == before
