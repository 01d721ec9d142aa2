"""The OpenID4VCI key proof (a JWT, OpenID4VCI 1.0 Appendix F.1) a wallet sends for its DID.

Checked here, with no storage: the header (``alg`` EdDSA, ``kid`` a did:key DID URL whose
fragment is the key, no other key reference), the Ed25519 signature, ``aud`` = the credential
issuer, the time it was made (``iat``, fresh), and a ``nonce`` present (whether it was issued
and is unused is the caller's to check). Returns the holder's DID and the nonce.

Two tolerances, for ``@digitalbazaar/oid4-client`` 5.10.0 (see DELIVERY.md §1.3), both still
holding the proof to the same strength: ``typ`` may be absent (any other value than
``openid4vci-proof+jwt`` is refused), and without ``iat`` the ``nbf`` it sends is the time the
proof was made. An ``iss`` is accepted only when it is the holder's own DID.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography.exceptions import InvalidSignature

from .errors import CredentialError, KeyMaterialError
from .keys import public_key_from_did_key

PROOF_TYPE = "openid4vci-proof+jwt"
MAX_AGE = timedelta(minutes=5)  # a proof made longer ago than this is stale
CLOCK_SKEW = timedelta(seconds=60)  # a wallet clock this far ahead is still believed
MAX_LENGTH = 8192
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")


class ProofError(CredentialError):
    """A key proof that does not hold; the message names what is wrong (never key bytes)."""

    code = "INVALID_PROOF"


@dataclass(frozen=True)
class HolderProof:
    did: str  # the holder's DID (did:key)
    nonce: str  # the c_nonce it answers


def _b64url(segment: str, what: str) -> bytes:
    if not _SEGMENT.fullmatch(segment):
        raise ProofError(f"{what} is not base64url")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise ProofError(f"{what} is not base64url") from None


def _json_object(segment: str, what: str) -> dict:
    try:
        value = json.loads(_b64url(segment, what))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ProofError(f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise ProofError(f"{what} is not a JSON object")
    return value


def _time(payload: dict, name: str) -> datetime | None:
    value = payload.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProofError(f"{name} must be a number of seconds since 1970")
    try:
        return datetime.fromtimestamp(value, timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise ProofError(f"{name} is out of range") from None


def check(jwt: object, *, audience: str, now: datetime) -> HolderProof:
    """The holder's DID and nonce of a valid key proof; ProofError naming what is wrong."""
    if not isinstance(jwt, str) or not jwt:
        raise ProofError("the proof must be a JWT string")
    if len(jwt) > MAX_LENGTH:
        raise ProofError(f"the proof JWT is longer than {MAX_LENGTH} characters")
    parts = jwt.split(".")
    if len(parts) != 3:
        raise ProofError("the proof must be a compact JWS (three dot-separated parts)")
    header, payload = _json_object(parts[0], "the JWT header"), _json_object(parts[1], "the JWT payload")
    if header.get("alg") != "EdDSA":
        raise ProofError(f"alg must be EdDSA, not {header.get('alg')!r}")
    if "typ" in header and header["typ"] != PROOF_TYPE:
        raise ProofError(f"typ must be {PROOF_TYPE}, not {header['typ']!r}")
    for other in ("jwk", "x5c", "trust_chain", "key_attestation"):
        if other in header:
            raise ProofError(f"the header names its key by kid only; leave {other} out")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid.startswith("did:key:") or "#" not in kid:
        raise ProofError("kid must be a did:key DID URL (did:key:z…#z…)")
    try:
        public_key = public_key_from_did_key(kid)  # its fragment must repeat the key
    except KeyMaterialError as error:
        raise ProofError(f"kid: {error}") from None
    did = kid.partition("#")[0]
    try:
        public_key.verify(_b64url(parts[2], "the JWT signature"), f"{parts[0]}.{parts[1]}".encode())
    except InvalidSignature:
        raise ProofError("the JWT signature does not verify with the kid's key") from None
    audiences = payload.get("aud")
    if audience not in (audiences if isinstance(audiences, list) else [audiences]):
        raise ProofError(f"aud must be the credential issuer {audience}")
    if "iss" in payload and payload["iss"] != did:
        raise ProofError("iss must be left out (anonymous pre-authorized access) or be the holder's DID")
    made = _time(payload, "iat") or _time(payload, "nbf")
    if made is None:
        raise ProofError("iat is required (when the proof was made)")
    if made > now + CLOCK_SKEW:
        raise ProofError("iat is in the future")
    if made < now - MAX_AGE:
        raise ProofError(f"the proof is stale: made more than {int(MAX_AGE.total_seconds())} seconds ago")
    expires = _time(payload, "exp")
    if expires is not None and expires < now - CLOCK_SKEW:
        raise ProofError("the proof has expired (exp)")
    nonce = payload.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise ProofError("nonce is required: ask the nonce endpoint for a c_nonce")
    return HolderProof(did=did, nonce=nonce)
