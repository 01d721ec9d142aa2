"""Comprehensive Learner Record 2.0: the ClrCredential builder, its structure rules, its members.

A ClrCredential bundles one person's credentials, each exactly as its own issuer signed it, in
``credentialSubject.verifiableCredential``; the record is signed once more by whoever assembles
it (here the platform). The rules follow the 1EdTech CLR 2.0 JSON Schema (STANDARDS.md §2):
``@context`` is VC 2.0, then the CLR context, then the OB context; ``name`` is required; a
``ClrSubject`` names the person and holds at least one credential.

Endorsements go in the record's own ``endorsement``: the CLR schema types that property as
EndorsementCredential (``verifiableCredential`` only as a generic credential, which CLR 2.0 means
for AchievementCredentials), the OB context defines ``endorsement`` for every node so it is
signed with the record, and 1EdTech's CLR validator verifies every ``endorsement`` it finds. Each
endorsement names what it is about in its own ``credentialSubject.id``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from . import checks
from .checks import _achievement, _at, _identity, _objects, _profile, _raise, _required, _typed
from .errors import DocumentError
from .vocab import (CLR_CREDENTIAL_SCHEMA, ENDORSEMENT_TYPE, JSON_SCHEMA_VALIDATOR, OB_CONTEXT,
                    OB_EXTENSIONS_CONTEXT, OPEN_BADGE_TYPES, VC2_CONTEXT, _OB_CONTEXT_URL,
                    type_list, xsd_datetime)

CLR_TYPE = "ClrCredential"
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
CLR_CONTEXTS = [VC2_CONTEXT, CLR_CONTEXT, OB_CONTEXT]  # in the order the 1EdTech schema requires
_CLR_CONTEXT_URL = re.compile(r"https://purl\.imsglobal\.org/spec/clr/v2p0/context(-2\.\d\.\d)*\.json")
ASSOCIATION_TYPES = frozenset(
    "exactMatchOf isChildOf isParentOf isPartOf isPeerOf isRelatedTo precedes replacedBy".split())

Problems = checks.Problems


def association(association_type: str, source_id: str, target_id: str) -> dict:
    """An Association between two achievements of a record (by their ids)."""
    found = {"type": "Association", "associationType": association_type, "sourceId": source_id,
             "targetId": target_id}
    _raise(_association(found, "association", {source_id, target_id}))
    return found


def aligned_associations(achievements: Iterable[dict]) -> list[dict]:
    """Associations the achievements state themselves: one whose alignment targets another
    achievement of the record (its ``targetUrl`` is that achievement's id) is related to it.
    Nothing else is inferred: achievements that merely share a community or tag are not linked."""
    listed = [a for a in achievements if isinstance(a, dict) and isinstance(a.get("id"), str)]
    ids = {a["id"] for a in listed}
    found = []
    for source in listed:
        for entry in source.get("alignment") or []:
            target = entry.get("targetUrl") if isinstance(entry, dict) else None
            if target in ids and target != source["id"]:
                link = association("isRelatedTo", source["id"], target)
                if link not in found:
                    found.append(link)
    return found


def clr_credential(id: str, issuer: dict, subject_id: str, credentials: Iterable[dict], *,
                   valid_from: datetime, name: str, description: str | None = None,
                   achievements: Iterable[dict] = (), associations: Iterable[dict] = (),
                   endorsements: Iterable[dict] = (), partial: bool | None = None,
                   status: dict | None = None, include_schema: bool = True,
                   check: bool = True) -> dict:
    """An unsigned ClrCredential about ``subject_id`` holding ``credentials`` as they were
    signed; checked unless ``check`` is False (issuing checks what it signs)."""
    subject = {"id": subject_id, "type": ["ClrSubject"], "verifiableCredential": list(credentials)}
    if achievements:
        subject["achievement"] = list(achievements)
    if associations:
        subject["association"] = list(associations)
    contexts = [*CLR_CONTEXTS, OB_EXTENSIONS_CONTEXT] if include_schema else list(CLR_CONTEXTS)
    document = {"@context": contexts, "id": id, "type": ["VerifiableCredential", CLR_TYPE],
                "name": name, "description": description, "issuer": issuer,
                "validFrom": xsd_datetime(valid_from), "partial": partial,
                "credentialSubject": subject, "endorsement": list(endorsements),
                "credentialStatus": status,
                "credentialSchema": [{"id": CLR_CREDENTIAL_SCHEMA, "type": JSON_SCHEMA_VALIDATOR}]
                if include_schema else None}
    document = {key: value for key, value in document.items() if value is not None and value != []}
    if check:
        check_clr(document)
    return document


def members(document: Any) -> list:
    """The credentials a record holds (``credentialSubject.verifiableCredential``)."""
    subject = document.get("credentialSubject") if isinstance(document, dict) else None
    found = subject.get("verifiableCredential") if isinstance(subject, dict) else None
    return found if isinstance(found, list) else [] if found is None else [found]


def subject_id(document: Any) -> str | None:
    """The id of the person a record or credential is about, if it names one."""
    subject = document.get("credentialSubject") if isinstance(document, dict) else None
    found = subject.get("id") if isinstance(subject, dict) else None
    return found if isinstance(found, str) else None


def check_clr(document: Any) -> None:
    """CLR 2.0 structure rules (after the VC ones); raises DocumentError naming paths."""
    checks.check_as(document, clr_rules)


def clr_rules(doc: dict, *, model: bool = True) -> Problems:
    """The rules of a ClrCredential beyond VC 2.0's (``model`` as in ``checks._credential``)."""
    yield from checks._credential(doc, (CLR_TYPE,), ob=False, model=model)
    yield from _contexts(doc)
    yield from _required(doc, "", "id", "name", "validFrom")
    if isinstance(doc.get("issuer"), dict):
        yield from _profile(doc["issuer"], "issuer")
    if doc.get("partial") is not None and not isinstance(doc.get("partial"), bool):
        yield "partial: must be true or false"
    status = doc.get("credentialStatus")
    if isinstance(status, list):
        yield "credentialStatus: a record has one status object, not a list"
    elif isinstance(status, dict):
        yield from _required(status, "credentialStatus", "id")
    yield from checks._schemas(doc, frozenset({CLR_CREDENTIAL_SCHEMA}), CLR_CREDENTIAL_SCHEMA)
    yield from _objects(doc.get("endorsement"), "endorsement",
                        lambda n, p: _typed(n, p, ENDORSEMENT_TYPE))
    yield from checks._subject(doc, "ClrSubject", _clr_subject)


def _contexts(doc: dict) -> Problems:
    contexts = doc.get("@context")
    contexts = contexts if isinstance(contexts, list) else []
    second = contexts[1] if len(contexts) > 1 else None
    third = contexts[2] if len(contexts) > 2 else None
    if not isinstance(second, str) or not _CLR_CONTEXT_URL.fullmatch(second):
        yield f"@context: the second item must be the CLR context {CLR_CONTEXT}"
    if not isinstance(third, str) or not _OB_CONTEXT_URL.fullmatch(third):
        yield f"@context: the third item must be the Open Badges context {OB_CONTEXT}"
    used = sorted(set(checks._edtech_types(doc)))
    if used and OB_EXTENSIONS_CONTEXT not in contexts:
        yield f"@context: must include {OB_EXTENSIONS_CONTEXT} because {', '.join(used)} is used"


def _clr_subject(node: dict, path: str) -> Problems:
    yield from _typed(node, path, "ClrSubject")
    if not node.get("id") and not node.get("identifier"):
        yield f"{path}: needs an id or at least one identifier"
    yield from _objects(node.get("identifier"), _at(path, "identifier"), _identity)
    held = node.get("verifiableCredential")
    if held in (None, [], {}):
        yield f"{_at(path, 'verifiableCredential')}: required (at least one credential)"
    else:
        yield from _objects(held, _at(path, "verifiableCredential"), _member)
    yield from _objects(node.get("achievement"), _at(path, "achievement"), _achievement)
    known = _achievement_ids(node)
    yield from _objects(node.get("association"), _at(path, "association"),
                        lambda n, p: _association(n, p, known))


def _member(node: dict, path: str) -> Problems:
    if "VerifiableCredential" not in type_list(node.get("type")):
        yield f"{_at(path, 'type')}: must include VerifiableCredential"


def _achievement_ids(subject: dict) -> set[str]:
    """Ids of the achievements a record names: its own list and those its credentials assert."""
    listed = subject.get("achievement")
    found = list(listed) if isinstance(listed, list) else [listed]
    for credential in members({"credentialSubject": subject}):
        inner = credential.get("credentialSubject") if isinstance(credential, dict) else None
        if isinstance(inner, dict) and set(type_list(credential.get("type"))) & set(OPEN_BADGE_TYPES):
            found.append(inner.get("achievement"))
    return {a["id"] for a in found if isinstance(a, dict) and isinstance(a.get("id"), str)}


def _association(node: dict, path: str, known: set[str]) -> Problems:
    if node.get("type") != "Association":
        yield f"{_at(path, 'type')}: must be 'Association'"
    yield from _required(node, path, "associationType", "sourceId", "targetId")
    kind = node.get("associationType")
    if kind is not None and kind not in ASSOCIATION_TYPES:
        yield f"{_at(path, 'associationType')}: {kind!r} is not one of {', '.join(sorted(ASSOCIATION_TYPES))}"
    for key in ("sourceId", "targetId"):
        value = node.get(key)
        if isinstance(value, str) and value not in known:
            yield f"{_at(path, key)}: {value!r} is not the id of an achievement in the record"


__all__ = ["ASSOCIATION_TYPES", "CLR_CONTEXT", "CLR_CONTEXTS", "CLR_TYPE", "DocumentError",
           "aligned_associations", "association", "check_clr", "clr_credential", "clr_rules", "members", "subject_id"]
