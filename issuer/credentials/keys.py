"""Ed25519 keys as Multikey, did:key and did:web documents, and private keys encrypted at rest.

Multikey encoding follows Data Integrity EdDSA v1.0 §2.1.1: ``publicKeyMultibase`` is ``z`` +
base58btc(0xed 0x01 ‖ 32-byte key) and no other encoding is accepted. Private keys leave this
module only encrypted (:func:`encrypt_private_key`) or, for tests and export, through
:func:`private_key_multibase`; no error message ever contains key bytes.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from urllib.parse import quote, unquote, urlsplit

import base58
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import KeyMaterialError

ED25519_PUB_PREFIX = b"\xed\x01"  # multicodec ed25519-pub (0xed) as an unsigned varint
ED25519_PRIV_PREFIX = b"\x80\x26"  # multicodec ed25519-priv (0x1300) as an unsigned varint
DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
_MULTICODEC_NAMES = {0xED: "ed25519-pub", 0x1300: "ed25519-priv", 0x1200: "P-256 public key",
                     0x1201: "P-384 public key", 0xE7: "secp256k1 public key",
                     0xEC: "X25519 public key"}
_ENCRYPTION_VERSION = "v1."
_NONCE_BYTES = 12
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def generate_private_key() -> Ed25519PrivateKey:
    """A fresh random Ed25519 signing key."""
    return Ed25519PrivateKey.generate()


def _multicodec(data: bytes) -> int:
    """The unsigned-varint multicodec code at the start of ``data`` (for error messages)."""
    code, shift = 0, 0
    for byte in data[:4]:
        code |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    return code


def _decode_multibase(value: object, what: str, prefix: bytes, lengths: tuple[int, ...]) -> bytes:
    """Decode ``z`` + base58btc, check the multicodec prefix and length; return the key bytes."""
    if not isinstance(value, str) or not value.startswith("z") or len(value) < 2:
        raise KeyMaterialError(f"{what} must be a multibase base58btc string starting with 'z'")
    try:
        data = base58.b58decode(value[1:])
    except ValueError:
        raise KeyMaterialError(f"{what} is not valid base58btc") from None
    if not data.startswith(prefix):
        code = _multicodec(data)
        name = _MULTICODEC_NAMES.get(code, "an unknown key type")
        raise KeyMaterialError(f"{what} encodes multicodec 0x{code:x} ({name}); only Ed25519 "
                               f"(0x{_multicodec(prefix):x}) is supported")
    body = data[len(prefix):]
    if len(body) not in lengths:
        raise KeyMaterialError(f"{what} holds {len(body)} key bytes; Ed25519 needs {lengths[0]}")
    return body


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    """Multikey ``publicKeyMultibase``: 'z' + base58btc(0xed01 ‖ key), always 'z6Mk…'."""
    if not isinstance(public_key, Ed25519PublicKey):
        raise KeyMaterialError("only Ed25519 public keys can be encoded as Multikey here")
    return "z" + base58.b58encode(ED25519_PUB_PREFIX + public_key.public_bytes_raw()).decode()


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    """Decode a Multikey ``publicKeyMultibase``; any other encoding or key type is refused."""
    raw = _decode_multibase(value, "publicKeyMultibase", ED25519_PUB_PREFIX, (32,))
    return Ed25519PublicKey.from_public_bytes(raw)


def private_key_from_multibase(value: str) -> Ed25519PrivateKey:
    """Decode 0x8026 + 32-byte seed (W3C) or + seed ‖ public key (1EdTech guide, checked)."""
    raw = _decode_multibase(value, "secretKeyMultibase", ED25519_PRIV_PREFIX, (32, 64))
    private_key = Ed25519PrivateKey.from_private_bytes(raw[:32])
    if len(raw) == 64 and private_key.public_key().public_bytes_raw() != raw[32:]:
        raise KeyMaterialError("secretKeyMultibase: the public half does not match the seed")
    return private_key


def private_key_multibase(private_key: Ed25519PrivateKey) -> str:
    """'z' + base58btc(0x8026 ‖ seed): for tests and export only, never in served documents."""
    return "z" + base58.b58encode(ED25519_PRIV_PREFIX + private_key.private_bytes_raw()).decode()


def did_key(public_key: Ed25519PublicKey) -> str:
    """The did:key DID of ``public_key`` (the method-specific id is the Multikey value)."""
    return "did:key:" + public_key_multibase(public_key)


def _did_key_parts(did_or_vm_id: str) -> tuple[str, str | None]:
    """Split a did:key DID or DID URL into (multibase, fragment or None)."""
    if not isinstance(did_or_vm_id, str) or not did_or_vm_id.startswith("did:key:"):
        raise KeyMaterialError(f"{did_or_vm_id!r} is not a did:key identifier")
    did, _, fragment = did_or_vm_id.partition("#")
    return did[len("did:key:"):], fragment if "#" in did_or_vm_id else None


def did_key_vm_id(did: str) -> str:
    """The verification method id of a did:key DID: did + '#' + multibase."""
    multibase, fragment = _did_key_parts(did)
    if fragment is not None:
        raise KeyMaterialError("did_key_vm_id takes a DID without a fragment")
    return f"{did}#{multibase}"


def public_key_from_did_key(did_or_vm_id: str) -> Ed25519PublicKey:
    """The Ed25519 key named by a did:key DID or its verification method id."""
    multibase, fragment = _did_key_parts(did_or_vm_id)
    if fragment is not None and fragment != multibase:
        raise KeyMaterialError("a did:key verification method fragment must repeat the key")
    return public_key_from_multibase(multibase)


def verification_method(controller: str, public_key: Ed25519PublicKey,
                        vm_id: str | None = None) -> dict:
    """A Multikey verification method; the id defaults to controller + '#' + multibase."""
    multibase = public_key_multibase(public_key)
    return {"id": vm_id or f"{controller}#{multibase}", "type": "Multikey",
            "controller": controller, "publicKeyMultibase": multibase}


def did_key_document(did: str) -> dict:
    """The DID document of a did:key DID (no fragment), computed locally (did:key §3.1)."""
    multibase, fragment = _did_key_parts(did)
    if fragment is not None:
        raise KeyMaterialError("did_key_document takes a DID without a fragment")
    method = verification_method(did, public_key_from_multibase(multibase))
    vm_id = method["id"]
    return {"@context": list(DID_CONTEXTS), "id": did, "verificationMethod": [method],
            "assertionMethod": [vm_id], "authentication": [vm_id],
            "capabilityInvocation": [vm_id], "capabilityDelegation": [vm_id]}


def did_web(base_url: str, path: str | None = None) -> str:
    """did:web DID of an https URL (+ optional path): port → %3A, path segments joined by ':'."""
    parts = urlsplit(base_url)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        raise KeyMaterialError(f"did:web needs a plain https URL, not {base_url!r}")
    host = parts.hostname + (f"%3A{parts.port}" if parts.port else "")
    segments = [s for s in f"{parts.path}/{path or ''}".split("/") if s]
    return ":".join(["did:web", host, *(quote(s, safe="-._~%!$&'()*+,;=@") for s in segments)])


def did_web_url(did: str) -> str:
    """Where a did:web DID document lives (did:web §3.2): /.well-known/did.json or …/did.json."""
    if not isinstance(did, str) or not did.startswith("did:web:"):
        raise KeyMaterialError(f"{did!r} is not a did:web identifier")
    host, *segments = did[len("did:web:"):].split("#", 1)[0].split(":")
    if not host or not all(segments):
        raise KeyMaterialError(f"{did!r} is not a valid did:web identifier")
    path = "/".join(segments) if segments else ".well-known"
    return f"https://{unquote(host)}/{path}/did.json"


def did_web_document(did: str, keys: list[tuple[str, Ed25519PublicKey]]) -> dict:
    """A did:web DID document listing every still-valid key for assertion and authentication."""
    methods = [verification_method(did, public_key, vm_id) for vm_id, public_key in keys]
    ids = [method["id"] for method in methods]
    if any(not vm_id.startswith(did + "#") for vm_id in ids) or len(set(ids)) != len(ids):
        raise KeyMaterialError(f"verification method ids must be unique and start with {did}#")
    return {"@context": list(DID_CONTEXTS), "id": did, "verificationMethod": methods,
            "assertionMethod": list(ids), "authentication": list(ids)}


def new_kek() -> bytes:
    """A fresh 32-byte key-encryption key for AES-256-GCM."""
    return os.urandom(32)


def _aead(kek: bytes) -> AESGCM:
    if not isinstance(kek, bytes) or len(kek) != 32:
        raise KeyMaterialError("the key-encryption key must be exactly 32 bytes")
    return AESGCM(kek)


def encrypt_private_key(private_key: Ed25519PrivateKey, kek: bytes, *,
                        associated_data: bytes = b"") -> str:
    """Encrypt the seed with AES-256-GCM under ``kek``: 'v1.' + base64url(nonce ‖ ciphertext)."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _aead(kek).encrypt(nonce, private_key.private_bytes_raw(), associated_data)
    return _ENCRYPTION_VERSION + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def decrypt_private_key(blob: str, kek: bytes, *,
                        associated_data: bytes = b"") -> Ed25519PrivateKey:
    """Reverse :func:`encrypt_private_key`; any mismatch is one plain KeyMaterialError."""
    aead = _aead(kek)
    failure = KeyMaterialError("cannot decrypt private key: wrong key-encryption key, wrong "
                               "associated data, or corrupted data")
    if not isinstance(blob, str) or not blob.startswith(_ENCRYPTION_VERSION):
        raise failure
    text = blob[len(_ENCRYPTION_VERSION):]
    if not _BASE64URL.fullmatch(text):
        raise failure
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        seed = aead.decrypt(data[:_NONCE_BYTES], data[_NONCE_BYTES:], associated_data)
    except (InvalidTag, binascii.Error, ValueError):
        raise failure from None
    if len(seed) != 32:
        raise failure
    return Ed25519PrivateKey.from_private_bytes(seed)
