"""What a verifier tolerates from other issuers: conformance nits and formats it cannot check.

A credential is verified when its proof, the issuer's key, its status and its dates hold and it
is well typed. Deviations from OB 3.0 that both reference verifiers (DCC's verifier-core and
1EdTech's validator) accept are warnings beside the verdict, never failures. The list is short
and each entry is about a value whose meaning in JSON-LD is unchanged; a wrong type on a core
object (issuer, credentialSubject, evidence, result, identifier, …) is never on it.
"""

from __future__ import annotations

import re

from .vocab import ACHIEVEMENT_TYPES, JSON_SCHEMA_VALIDATOR, _extension_ok

NOT_CONFORMING = "does not fully conform to OB 3.0"
JWT_MESSAGE = ("it is a VC-JWT (a credential packed in a JSON Web Token), a format this service "
               "cannot check")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*(~[A-Za-z0-9_.~-]*)?")
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")

# Structure rules (issuer.credentials.checks), by the "path: problem" they report.
_STRUCTURE_NITS = (
    # OB wants an id or an identifier for the subject; VC 2.0 allows neither (a bearer badge).
    re.compile(r"credentialSubject: needs an id or at least one identifier"),
    # An achievementType outside the vocabulary (e.g. a misspelt or new term, no 'ext:' prefix).
    re.compile(r"(credentialSubject\.)?achievement\.achievementType: .* is not in the OB vocabulary.*"),
    # A credentialSchema of another type (VC 2.0's JsonSchema) or for another schema.
    re.compile(r"credentialSchema: must include \{id: .*\}"),
)
_IMAGE = re.compile(r"(?P<path>(.+\.)?image): must be an Image object.*")

def looks_like_jwt(text: object) -> bool:
    """True for a compact JWS/JWT (or SD-JWT): what a VC-JWT credential is."""
    return isinstance(text, str) and _JWT.fullmatch(text.strip()) is not None


def structure_nit(doc: dict, problem: str) -> bool:
    """Is this structure problem a tolerated deviation rather than a failure?"""
    if any(rule.fullmatch(problem) for rule in _STRUCTURE_NITS):
        return True
    image = _IMAGE.fullmatch(problem)
    return image is not None and _is_url(value_at(doc, image["path"]))


def conforming_copy(doc: dict) -> dict:
    """``doc`` with each tolerated deviation replaced by its conforming form, for the 1EdTech
    JSON Schema check: the schema then judges everything else. (Matching schema errors by path
    does not work: with ``anyOf`` the reported branch is not the one that nearly matched.)"""
    copy = _conform(doc)
    subject = copy.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    if isinstance(achievement, dict) and "achievementType" in achievement and not _extension_ok(
            achievement["achievementType"], ACHIEVEMENT_TYPES):
        achievement["achievementType"] = "Achievement"
    schemas = copy.get("credentialSchema")
    for entry in schemas if isinstance(schemas, list) else [schemas]:
        if isinstance(entry, dict) and entry.get("type") == "JsonSchema":
            entry["type"] = JSON_SCHEMA_VALIDATOR
    return copy


def _conform(node: object) -> object:
    if isinstance(node, list):
        return [_conform(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {key: {"id": value, "type": "Image"} if key == "image" and _is_url(value) else _conform(value)
            for key, value in node.items()}


def value_at(doc: object, path: str) -> object:
    """The value at "a.b[0].c" in ``doc``, or None."""
    node = doc
    for name, index in _PATH_PART.findall(path):
        if name and isinstance(node, dict):
            node = node.get(name)
        elif index and isinstance(node, list) and int(index) < len(node):
            node = node[int(index)]
        else:
            return None
    return node


def _is_url(value: object) -> bool:
    """An image given as a URL string: the same IRI an Image object's id would carry."""
    return isinstance(value, str) and re.match(r"(https?|data):", value) is not None
