"""Who a badge names: Open Badges 3.0 IdentityObjects in ``credentialSubject.identifier``.

A display name travels as plain text (identityType ``name``, ``hashed`` false). An e-mail
address travels only as an IdentityHash (OB 3.0 IdentityHash): ``sha256$`` and the hex SHA-256
of the UTF-8 address followed by the salt, with the salt beside it, so that whoever already
knows the address can confirm it and nobody can read it off the badge. Addresses are hashed
trimmed and lower-cased (OB names no normalisation; a verifier that lower-cases finds them).

Matching follows OB 3.0 "Verify the Recipient Using an Identifier": skip identifiers of another
type; a hashed one is compared by hashing the known value with its salt, a plain one as text.
"""

from __future__ import annotations

import hashlib
import hmac

NAME, EMAIL = "name", "emailAddress"
ALGORITHMS = {"sha256": hashlib.sha256, "md5": hashlib.md5}  # the two OB 3.0 allows
MATCHES, NO_MATCH, ABSENT = "matches", "does not match", "absent"


def normalise_email(address: str) -> str:
    """The form an address is hashed in: without surrounding spaces, lower-cased."""
    return address.strip().lower()


def identity_hash(value: str, salt: str, algorithm: str = "sha256") -> str:
    """OB 3.0 IdentityHash: ``<algorithm>$<hex of hash(UTF-8 value + salt)>``."""
    return f"{algorithm}${_hex(value, salt, algorithm)}"


def _hex(value: str, salt: str, algorithm: str) -> str:
    return ALGORITHMS[algorithm]((value + salt).encode("utf-8")).hexdigest()


def name_identifier(name: str) -> dict:
    """The recipient's name as the issuer states it (plain text)."""
    return {"type": "IdentityObject", "identityType": NAME, "hashed": False, "identityHash": name}


def email_identifier(address: str, salt: str) -> dict:
    """The recipient's e-mail address as a salted SHA-256 IdentityHash (the address itself is
    not in the credential); ``salt`` should be fresh and random for every credential."""
    if not salt:
        raise ValueError("an e-mail identifier needs a salt")
    return {"type": "IdentityObject", "identityType": EMAIL, "hashed": True,
            "identityHash": identity_hash(normalise_email(address), salt), "salt": salt}


def identifiers_of(document: object) -> list[dict]:
    """The IdentityObjects of a credential's subject (one object or an array of them)."""
    subject = document.get("credentialSubject") if isinstance(document, dict) else None
    found = subject.get("identifier") if isinstance(subject, dict) else None
    found = found if isinstance(found, list) else [found]
    return [entry for entry in found if isinstance(entry, dict)]


def names_in(document: object) -> list[str]:
    """The plain-text names a credential gives its recipient, in order, each once."""
    names = [entry.get("identityHash") for entry in identifiers_of(document)
             if entry.get("identityType") == NAME and entry.get("hashed") is False]
    return list(dict.fromkeys(n.strip() for n in names if isinstance(n, str) and n.strip()))


def check_identifier(document: object, identity_type: str, known: str) -> str:
    """Whether ``known`` is one of the credential's identifiers of ``identity_type``.

    MATCHES or NO_MATCH; ABSENT when the credential carries no identifier of that type that
    could be compared (none at all, or only hashes in an algorithm OB 3.0 does not allow).
    E-mail addresses are tried as given and normalised.
    """
    candidates = {known.strip()}
    if identity_type == EMAIL:
        candidates.add(normalise_email(known))
    outcomes = [_compare(entry, candidates, identity_type) for entry in identifiers_of(document)
                if entry.get("identityType") == identity_type]
    if True in outcomes:
        return MATCHES
    return NO_MATCH if False in outcomes else ABSENT


def _compare(entry: dict, candidates: set[str], identity_type: str) -> bool | None:
    """Whether one identifier is one of the candidates; None when it cannot be compared."""
    value, salt = entry.get("identityHash"), entry.get("salt")
    if not isinstance(value, str):
        return None
    if entry.get("hashed") is True:
        algorithm, _, digest = value.partition("$")
        algorithm, wanted = algorithm.lower(), digest.lower().encode("utf-8")
        if algorithm not in ALGORITHMS:  # no other is allowed: nothing to compare with
            return None
        salt = salt if isinstance(salt, str) else ""  # the salt is optional in OB 3.0
        return any(hmac.compare_digest(_hex(c, salt, algorithm).encode(), wanted) for c in candidates)
    if entry.get("hashed") is False:
        fold = str.lower if identity_type == EMAIL else str
        return any(fold(c) == fold(value.strip()) for c in candidates)
    return None
