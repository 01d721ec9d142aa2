"""Data Integrity proofs: eddsa-rdfc-2022 and the legacy Ed25519Signature2020, create and verify.

Function names follow the algorithm steps of Data Integrity EdDSA Cryptosuites v1.0 (W3C REC
2025-05-15, §3.2 for eddsa-rdfc-2022; the legacy Ed25519Signature2020 runs the same steps with
its own proof type).
A suite is data (:data:`SUITES`): both suites canonicalize with RDFC-1.0, hash proof options then
document with SHA-256, and sign the 64 bytes with Ed25519. A proof set (several proofs) is made
of independent proofs, each over the document without any proof; a chained proof (one with
``previousProof``, see :mod:`.chains`) is made over the document with the proofs it names.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import re
from dataclasses import dataclass

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .canonical import LEGACY, RDFC, Canonicalizer
from .chains import previous_proofs
from .errors import CredentialError, ProofError
from .vocab import ED25519_2020_CONTEXT
_XSD_DATETIME = re.compile(
    r"-?(?P<year>[1-9][0-9]{3,}|0[0-9]{3})-(?P<month>0[1-9]|1[0-2])-(?P<day>0[1-9]|[12][0-9]|3[01])"
    r"T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|24:00:00(\.0+)?)"
    r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?")


class ProofVerificationFailed(CredentialError):
    """A proof that does not verify; the message says why in plain words."""

    code = "PROOF_VERIFICATION_ERROR"


@dataclass(frozen=True)
class Suite:
    """What distinguishes one Ed25519 + RDFC-1.0 suite from another."""

    name: str
    proof_type: str
    cryptosuite: str | None
    required_context: str | None
    created_required: bool
    escaping: str  # how literals are serialised: RDFC-1.0, or as the legacy JS suite does


SUITES: dict[str, Suite] = {
    "eddsa-rdfc-2022": Suite("eddsa-rdfc-2022", "DataIntegrityProof", "eddsa-rdfc-2022",
                             None, False, RDFC),
    # The JS reference signs Ed25519Signature2020 with rdf-canonize 3.x, which leaves control
    # characters other than LF and CR unescaped; wallets verify with it, so we sign that way.
    "Ed25519Signature2020": Suite("Ed25519Signature2020", "Ed25519Signature2020", None,
                                  ED25519_2020_CONTEXT, True, LEGACY),
}


def suite_of(proof: dict) -> Suite | None:
    """The suite whose proof type and cryptosuite match ``proof``, or None."""
    for suite in SUITES.values():
        if proof.get("type") == suite.proof_type and proof.get("cryptosuite") == suite.cryptosuite:
            return suite
    return None


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def _describe(proof: dict) -> str:
    """Name a proof's type and cryptosuite for an 'unsupported' message."""
    suffix = f" with cryptosuite {proof['cryptosuite']!r}" if "cryptosuite" in proof else ""
    return f"proof type {proof.get('type')!r}{suffix}"


def is_xsd_datetime(value: object) -> bool:
    """True when ``value`` is a valid XML Schema 1.1 dateTime lexical form (with a real date)."""
    match = _XSD_DATETIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return False
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return day <= days


def proof_configuration(document: dict, options: dict, canonicalizer: Canonicalizer,
                        escaping: str | None = None) -> str:
    """Canonical N-Quads of the proof options under the document's @context (EdDSA §3.2.5)."""
    suite = suite_of(options)
    if suite is None:
        raise ProofError(f"unsupported {_describe(options)}; expected DataIntegrityProof with "
                         "cryptosuite 'eddsa-rdfc-2022' (or legacy Ed25519Signature2020)")
    if "proofValue" in options:
        raise ProofError("proof options must not contain proofValue")
    if "created" in options and not is_xsd_datetime(options["created"]):
        raise ProofError(f"created {options['created']!r} is not a valid XML Schema dateTime")
    if suite.created_required and "created" not in options:
        raise ProofError(f"{suite.name} proofs require created")
    if "@context" not in document:
        raise ProofError("the document has no @context")
    contexts = _as_list(document["@context"])
    if suite.required_context and suite.required_context not in contexts:
        raise ProofError(f"{suite.name} needs {suite.required_context!r} in the document's "
                         "@context; add it before any proof is made")
    config = {**options, "@context": document["@context"]}
    return canonicalizer.canonize(config, escaping=escaping or suite.escaping)


def transformation(document: dict, canonicalizer: Canonicalizer, escaping: str = RDFC,
                   previous: list[dict] | None = None) -> str:
    """Canonical N-Quads of the document without its proof(s) (EdDSA §3.2.3).

    For a chained proof, ``previous`` are the proofs its previousProof names: they take the
    place of the document's proofs, as Data Integrity §4.3 step 5 and §4.5 step 3.2 say.
    """
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    if previous:
        unsecured["proof"] = previous
    return canonicalizer.canonize(unsecured, escaping=escaping)


def hashing(transformed: str, canonical_config: str) -> bytes:
    """SHA-256(proof configuration) ‖ SHA-256(transformed document), 64 bytes (EdDSA §3.2.4)."""
    return (hashlib.sha256(canonical_config.encode("utf-8")).digest()
            + hashlib.sha256(transformed.encode("utf-8")).digest())


def serialize_proof(hash_data: bytes, private_key: Ed25519PrivateKey) -> str:
    """Ed25519-sign the hash data; proofValue = 'z' + base58btc(signature) (EdDSA §3.2.6)."""
    if not isinstance(private_key, Ed25519PrivateKey):
        raise ProofError("the signing key must be an Ed25519 private key")
    return "z" + base58.b58encode(private_key.sign(hash_data)).decode()


def verify_proof(hash_data: bytes, proof_bytes: bytes, public_key: Ed25519PublicKey) -> bool:
    """Ed25519 verification of the proof bytes over the hash data (EdDSA §3.2.7)."""
    try:
        public_key.verify(proof_bytes, hash_data)
    except InvalidSignature:
        return False
    return True


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def create_proof(document: dict, private_key: Ed25519PrivateKey, *, verification_method: str,
                 canonicalizer: Canonicalizer, suite: str = "eddsa-rdfc-2022",
                 created: str | None = None, proof_purpose: str = "assertionMethod",
                 challenge: str | None = None, domain: str | None = None,
                 proof_id: str | None = None,
                 previous_proof: str | list[str] | None = None) -> dict:
    """The proof object for ``document`` (EdDSA §3.2.1 Create Proof); the document is unchanged.

    ``proof_id`` gives the proof an ``id`` that a later proof can name; ``previous_proof`` names
    proofs already on ``document`` that this one chains to (Data Integrity §4.3).
    """
    chosen = SUITES.get(suite)
    if chosen is None:
        raise ProofError(f"unsupported suite {suite!r}; use one of {sorted(SUITES)}")
    if not isinstance(verification_method, str) or not verification_method:
        raise ProofError("verification_method must be a non-empty URL")
    options: dict = {"type": chosen.proof_type}
    if proof_id is not None:
        options["id"] = _proof_id(document, proof_id)
    if chosen.cryptosuite:
        options["cryptosuite"] = chosen.cryptosuite
    options.update(created=created or _now(), verificationMethod=verification_method,
                   proofPurpose=proof_purpose)
    for name, value in (("previousProof", previous_proof), ("challenge", challenge),
                        ("domain", domain)):
        if value is not None:
            options[name] = value
    previous = previous_proofs(proofs_of(document), options, ProofError)
    config = proof_configuration(document, options, canonicalizer)
    transformed = transformation(document, canonicalizer, chosen.escaping, previous)
    return {**options, "proofValue": serialize_proof(hashing(transformed, config), private_key)}


def _proof_id(document: dict, proof_id: object) -> str:
    """A new proof's id: a string no proof on the document has (else previousProof is ambiguous)."""
    if not isinstance(proof_id, str) or not proof_id:
        raise ProofError("proof_id must be a non-empty string (a URL such as urn:uuid:…)")
    if any(isinstance(p, dict) and p.get("id") == proof_id for p in proofs_of(document)):
        raise ProofError(f"the document already has a proof with id {proof_id!r}")
    return proof_id


def proofs_of(document: dict) -> list[dict]:
    """The document's proofs as a list (none, one object, or a proof set)."""
    proof = document.get("proof")
    if proof is None:
        return []
    return list(proof) if isinstance(proof, list) else [proof]


def add_proof(document: dict, private_key: Ed25519PrivateKey, **options) -> dict:
    """A new document with one more proof; an existing proof makes the result a proof set.

    Data Integrity §4.2 Add Proof, and §4.3 Add Proof Set/Chain when the document already has
    proofs (``previous_proof=`` chains the new proof to some of them).
    """
    proof = create_proof(document, private_key, **options)
    signed = copy.deepcopy(document)
    existing = proofs_of(document)
    signed["proof"] = [*copy.deepcopy(existing), proof] if existing else proof
    return signed


def _decode_proof_value(value: object) -> bytes:
    """The 64 signature bytes of a multibase base58btc proofValue."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise ProofVerificationFailed("proofValue is missing or not multibase base58btc ('z…')")
    try:
        proof_bytes = base58.b58decode(value[1:])
    except ValueError:
        raise ProofVerificationFailed("proofValue is not valid base58btc") from None
    if len(proof_bytes) != 64:
        raise ProofVerificationFailed(f"proofValue decodes to {len(proof_bytes)} bytes, not a "
                                      "64-byte Ed25519 signature")
    return proof_bytes


def _check_shape(document: dict, proof: object, expected_purpose: str | None) -> dict:
    """Refuse a proof that cannot be verified before any canonicalization; return it."""
    if not isinstance(proof, dict):
        raise ProofVerificationFailed("proof is not a JSON object")
    if suite_of(proof) is None:
        raise ProofVerificationFailed(f"unsupported {_describe(proof)}")
    for name in ("proofPurpose", "verificationMethod"):
        if not isinstance(proof.get(name), str):
            raise ProofVerificationFailed(f"proof has no {name}")
    if expected_purpose and proof["proofPurpose"] != expected_purpose:
        raise ProofVerificationFailed(
            f"proofPurpose is {proof['proofPurpose']!r}, expected {expected_purpose!r}")
    if "@context" in proof:  # as in the EdDSA CR drafts' Verify Proof step 4
        wanted = _as_list(proof["@context"])
        if _as_list(document.get("@context"))[:len(wanted)] != wanted:
            raise ProofVerificationFailed(
                "the document's @context does not start with the proof's @context")
    return proof


def verify_document_proof(document: dict, proof: dict, public_key: Ed25519PublicKey, *,
                          canonicalizer: Canonicalizer,
                          expected_purpose: str | None = None) -> None:
    """Raise ProofVerificationFailed unless ``proof`` verifies over ``document`` (EdDSA §3.2.2).

    A chained proof is checked over the document with exactly the proofs it names attached
    (Data Integrity §4.5 step 3); whether those verify is for the caller
    (:func:`.chains.chain_order`).
    A document that cannot be canonicalized raises CanonicalizationError or ContextError
    unchanged, so the caller can tell "could not transform" from "does not match".
    """
    _check_shape(document, proof, expected_purpose)
    previous = previous_proofs(proofs_of(document), proof, ProofVerificationFailed)
    if not isinstance(public_key, Ed25519PublicKey):
        raise ProofVerificationFailed("the verification key is not an Ed25519 public key")
    proof_bytes = _decode_proof_value(proof.get("proofValue"))
    options = {key: value for key, value in proof.items() if key not in ("proofValue", "@context")}
    suite = suite_of(proof)
    # Legacy proofs: first as the JS reference signs them, then as an RDFC-1.0 signer would.
    escapings = (LEGACY, RDFC) if suite.escaping == LEGACY else (RDFC,)
    seen = set()
    for escaping in escapings:
        try:
            config = proof_configuration(document, options, canonicalizer, escaping)
        except ProofError as error:
            raise ProofVerificationFailed(str(error)) from None
        transformed = transformation(document, canonicalizer, escaping, previous)
        if (config, transformed) in seen:
            continue
        seen.add((config, transformed))
        if verify_proof(hashing(transformed, config), proof_bytes, public_key):
            return
    raise ProofVerificationFailed(
        "signature does not match: the document, the proof options or the key differ from "
        "what was signed")
