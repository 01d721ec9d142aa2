"""Open Badges 3.0 documents: builders that emit sign-ready dicts.

Builders follow OB 3.0 serialization (arrays for 0..*/1..* values, no nulls or empty arrays,
``Image.type`` a plain string) and finish by running the matching check from ``checks``, so
issuing raises on bad input. Vocabulary and the checks are re-exported for callers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .checks import (_achievement, _alignment, _image, _raise, _types, check_endorsement,
                     check_open_badge, check_presentation, check_vc)
from .errors import DocumentError
from .vocab import (ACHIEVEMENT_CREDENTIAL_SCHEMA, ACHIEVEMENT_TYPES, ALIGNMENT_TARGET_TYPES,
                    ENDORSEMENT_CREDENTIAL_SCHEMA, IDENTIFIER_TYPES, JSON_SCHEMA_VALIDATOR,
                    OB_CONTEXT, OB_CONTEXTS, OB_EXTENSIONS_CONTEXT, PROFILE_SCHEMA, RESULT_TYPES,
                    VC1_CONTEXT, VC2_CONTEXT, parse_datetime, xsd_datetime)

__all__ = ["ACHIEVEMENT_CREDENTIAL_SCHEMA", "ACHIEVEMENT_TYPES", "ALIGNMENT_TARGET_TYPES",
           "ENDORSEMENT_CREDENTIAL_SCHEMA", "IDENTIFIER_TYPES", "JSON_SCHEMA_VALIDATOR", "OB_CONTEXT",
           "OB_CONTEXTS", "OB_EXTENSIONS_CONTEXT", "PROFILE_SCHEMA", "RESULT_TYPES", "VC1_CONTEXT",
           "VC2_CONTEXT", "achievement", "alignment", "check_endorsement", "check_open_badge",
           "check_presentation", "check_vc", "criteria", "endorsement_credential", "evidence", "image",
           "open_badge_credential", "parse_datetime", "profile", "xsd_datetime"]

def _compact(mapping: dict) -> dict:
    """Drop None values and empty sequences (OB serialization forbids both); tuples become lists."""
    out = {}
    for key, value in mapping.items():
        if isinstance(value, tuple):
            value = list(value)
        if value is not None and value != []:
            out[key] = value
    return out



def _as_image(value: dict | str | None, path: str) -> dict | None:
    """An Image object from a URL string or an Image dict (complex types must be objects)."""
    if value is None or isinstance(value, dict):
        problems = list(_image(value, path))
        if problems:
            raise DocumentError("; ".join(problems))
        return value
    return image(value)


def image(id: str, caption: str | None = None) -> dict:
    """An OB Image: ``type`` is the single string "Image", as the 1EdTech schema requires."""
    if not id or not isinstance(id, str):
        raise DocumentError("image.id: an image needs a URL or data URI")
    return _compact({"id": id, "type": "Image", "caption": caption})


def profile(id: str, *, name: str | None = None, url: str | None = None,
            description: str | None = None, image: dict | str | None = None,
            email: str | None = None, type_extra: Iterable[str] = ()) -> dict:
    """A Profile (issuer, creator, endorser): ``type`` always an array starting with Profile."""
    if not id or not isinstance(id, str):
        raise DocumentError("profile.id: a profile needs a URI id")
    types = ["Profile", *(t for t in type_extra if t != "Profile")]
    return _compact({"id": id, "type": types, "name": name, "url": url, "description": description,
                     "image": _as_image(image, "profile.image"), "email": email})


def alignment(target_name: str, target_url: str, *, target_code: str | None = None,
              target_description: str | None = None, target_framework: str | None = None,
              target_type: str | None = None) -> dict:
    """An Alignment to a framework item; targetType must be in the OB enum or start with 'ext:'."""
    found = _compact({"type": ["Alignment"], "targetName": target_name, "targetUrl": target_url,
                      "targetCode": target_code, "targetDescription": target_description,
                      "targetFramework": target_framework, "targetType": target_type})
    _raise(_alignment(found, "alignment"))
    return found


def criteria(narrative: str | None = None, id: str | None = None) -> dict:
    """Achievement criteria: a page URL, a Markdown narrative, or both (at least one)."""
    if not narrative and not id:
        raise DocumentError("criteria: needs an id or a narrative")
    return _compact({"id": id, "narrative": narrative})


def evidence(*, id: str | None = None, name: str | None = None, description: str | None = None,
             narrative: str | None = None, genre: str | None = None,
             audience: str | None = None) -> dict:
    """An Evidence entry; prefer an immutable URL or urn id over a large data URI (OB impl guide)."""
    return _compact({"id": id, "type": ["Evidence"], "name": name, "description": description,
                     "narrative": narrative, "genre": genre, "audience": audience})


def achievement(id: str, name: str, description: str, criteria: dict, *,
                achievement_type: str | None = None, image: dict | str | None = None,
                tags: Iterable[str] = (), alignments: Iterable[dict] = (),
                creator: dict | None = None) -> dict:
    """An Achievement (badge class); achievementType must be in the OB enum or start with 'ext:'."""
    found = _compact({"id": id, "type": ["Achievement"], "name": name, "description": description,
                      "criteria": criteria, "achievementType": achievement_type,
                      "image": _as_image(image, "achievement.image"), "tag": list(tags),
                      "alignment": list(alignments), "creator": creator})
    _raise(_achievement(found, "achievement"))
    return found


def _contexts_for(include_schema: bool, status: dict | None) -> list[str]:
    """OB contexts, plus extensions.json when a 1EdTech* type (schema validator, VCRL) is used."""
    status_type = status.get("type") if isinstance(status, dict) else None
    uses_1edtech = include_schema or any(t.startswith("1EdTech") for t in _types(status_type))
    return [*OB_CONTEXTS, OB_EXTENSIONS_CONTEXT] if uses_1edtech else list(OB_CONTEXTS)


def open_badge_credential(id: str, issuer: dict, subject_id: str, achievement: dict, *,
                          valid_from: datetime, name: str | None = None,
                          description: str | None = None, valid_until: datetime | None = None,
                          awarded_date: datetime | None = None, narrative: str | None = None,
                          evidence: Iterable[dict] = (), status: dict | None = None,
                          endorsements: Iterable[dict] = (), image: dict | str | None = None,
                          include_schema: bool = True, check: bool = True) -> dict:
    """An unsigned OpenBadgeCredential, checked unless ``check`` is False (issuing checks what
    it signs); ``name`` defaults to the achievement's name."""
    subject = _compact({"id": subject_id, "type": ["AchievementSubject"],
                        "achievement": achievement, "narrative": narrative})
    schema = [{"id": ACHIEVEMENT_CREDENTIAL_SCHEMA, "type": JSON_SCHEMA_VALIDATOR}]
    document = _compact({
        "@context": _contexts_for(include_schema, status), "id": id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name or achievement.get("name"), "description": description,
        "image": _as_image(image, "image"), "issuer": issuer,
        "validFrom": xsd_datetime(valid_from),
        "validUntil": xsd_datetime(valid_until) if valid_until else None,
        "awardedDate": xsd_datetime(awarded_date) if awarded_date else None,
        "credentialSubject": subject, "evidence": list(evidence),
        "endorsement": list(endorsements), "credentialStatus": status,
        "credentialSchema": schema if include_schema else None})
    if check:
        check_open_badge(document)
    return document


def endorsement_credential(id: str, issuer: dict, subject_id: str, *, valid_from: datetime,
                           name: str, endorsement_comment: str | None = None,
                           description: str | None = None, status: dict | None = None,
                           valid_until: datetime | None = None,
                           include_schema: bool = True, check: bool = True) -> dict:
    """An unsigned EndorsementCredential about ``subject_id`` (a credential, achievement or
    profile), checked unless ``check`` is False (issuing checks what it signs)."""
    subject = _compact({"id": subject_id, "type": ["EndorsementSubject"],
                        "endorsementComment": endorsement_comment})
    schema = [{"id": ENDORSEMENT_CREDENTIAL_SCHEMA, "type": JSON_SCHEMA_VALIDATOR}]
    document = _compact({
        "@context": _contexts_for(include_schema, status), "id": id,
        "type": ["VerifiableCredential", "EndorsementCredential"], "name": name,
        "description": description, "issuer": issuer, "validFrom": xsd_datetime(valid_from),
        "validUntil": xsd_datetime(valid_until) if valid_until else None,
        "credentialSubject": subject, "credentialStatus": status,
        "credentialSchema": schema if include_schema else None})
    if check:
        check_endorsement(document)
    return document
