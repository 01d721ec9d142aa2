"""Open Badges 3.0 documents: builders that emit sign-ready dicts, and structural checks.

Builders follow OB 3.0 serialization (arrays for 0..*/1..* values, no nulls or empty arrays,
``Image.type`` a plain string) and finish by running the matching check, so issuing raises on
bad input. The checks are the rules a verifier can apply without JSON Schema; each names the
property path it is about (DESIGN §4.10).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from .errors import DocumentError

VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
OB_CONTEXTS = [VC2_CONTEXT, OB_CONTEXT]
_OB_CONTEXT_URL = re.compile(r"https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)*\.json")

_SCHEMA_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
ACHIEVEMENT_CREDENTIAL_SCHEMA = _SCHEMA_BASE + "ob_v3p0_achievementcredential_schema.json"
ENDORSEMENT_CREDENTIAL_SCHEMA = _SCHEMA_BASE + "ob_v3p0_endorsementcredential_schema.json"
PROFILE_SCHEMA = _SCHEMA_BASE + "ob_v3p0_profile_schema.json"
JSON_SCHEMA_VALIDATOR = "1EdTechJsonSchemaValidator2019"

ACHIEVEMENT_TYPES = frozenset(
    "Achievement ApprenticeshipCertificate Assessment Assignment AssociateDegree Award Badge "
    "BachelorDegree Certificate CertificateOfCompletion Certification CommunityService Competency "
    "Course CoCurricular Degree Diploma DoctoralDegree Fieldwork GeneralEducationDevelopment "
    "JourneymanCertificate LearningProgram License Membership ProfessionalDoctorate "
    "QualityAssuranceCredential MasterCertificate MasterDegree MicroCredential ResearchDoctorate "
    "SecondarySchoolDiploma".split())
ALIGNMENT_TARGET_TYPES = frozenset(
    "ceasn:Competency ceterms:Credential CFItem CFRubric CFRubricCriterion CFRubricCriterionLevel "
    "CTDL".split())
RESULT_TYPES = frozenset(
    "GradePointAverage LetterGrade Percent PerformanceLevel PredictedScore RawScore Result "
    "RubricCriterion RubricCriterionLevel RubricScore ScaledScore Status".split())
IDENTIFIER_TYPES = frozenset(
    "name sourcedId systemId productId userName accountId emailAddress nationalIdentityNumber isbn "
    "issn lisSourcedId oneRosterSourcedId sisSourcedId ltiContextId ltiDeploymentId ltiToolId "
    "ltiPlatformId ltiUserId identifier".split())

# xsd:dateTimeStamp: a dateTime whose timezone is mandatory. re.ASCII keeps \d to 0-9.
_DATETIME_STAMP = re.compile(
    r"(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)", re.ASCII)


def xsd_datetime(dt: datetime) -> str:
    """An aware datetime as an xsd:dateTimeStamp in UTC to the second, e.g. 2024-05-01T00:00:00Z."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise DocumentError(f"datetime {dt.isoformat()} has no timezone; pass an aware datetime")
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _offset(tz: str) -> timezone:
    if tz == "Z":
        return timezone.utc
    hours, minutes = int(tz[1:3]), int(tz[4:6])
    if minutes > 59 or hours > 14 or (hours == 14 and minutes):
        raise ValueError(f"timezone offset {tz} is out of range")
    sign = -1 if tz[0] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_datetime(value: Any) -> datetime:
    """Parse a strict XML Schema dateTimeStamp (timezone required) into an aware datetime."""
    match = _DATETIME_STAMP.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise DocumentError(f"{value!r} is not a date-time with timezone (e.g. 2024-05-01T00:00:00Z)")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, tz = match.group(7) or "", match.group(8)
    end_of_day = hour == 24 and minute == second == 0 and not fraction.strip(".0")
    try:
        parsed = datetime(year, month, day, 0 if end_of_day else hour, minute, second,
                          int(fraction[1:7].ljust(6, "0") or 0), tzinfo=_offset(tz))
    except (ValueError, OverflowError) as error:
        raise DocumentError(f"{value!r} is not a valid date-time: {error}") from None
    return parsed + timedelta(days=1) if end_of_day else parsed  # XSD: 24:00:00 is next midnight


# ---------------------------------------------------------------- builders


def _compact(mapping: dict) -> dict:
    """Drop None values and empty sequences (OB serialization forbids both); tuples become lists."""
    out = {}
    for key, value in mapping.items():
        if isinstance(value, tuple):
            value = list(value)
        if value is not None and value != []:
            out[key] = value
    return out


def _extension_ok(value: Any, allowed: frozenset[str]) -> bool:
    """An extensible-enum value: one of ``allowed`` or an ``ext:``-prefixed extension."""
    return isinstance(value, str) and (value in allowed or re.fullmatch(r"ext:\S+", value) is not None)


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
                          include_schema: bool = True) -> dict:
    """An unsigned OpenBadgeCredential, checked; ``name`` defaults to the achievement's name."""
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
    check_open_badge(document)
    return document


def endorsement_credential(id: str, issuer: dict, subject_id: str, *, valid_from: datetime,
                           name: str, endorsement_comment: str | None = None,
                           description: str | None = None, status: dict | None = None,
                           valid_until: datetime | None = None,
                           include_schema: bool = True) -> dict:
    """An unsigned EndorsementCredential about ``subject_id`` (a credential, achievement or profile)."""
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
    check_endorsement(document)
    return document


# ---------------------------------------------------------------- checks
# Each validator is a generator of "property.path: problem" strings (one rule, one message);
# the public checks run them all and raise one DocumentError listing every problem.

_ACHIEVEMENT_SCHEMAS = frozenset({
    ACHIEVEMENT_CREDENTIAL_SCHEMA, ACHIEVEMENT_CREDENTIAL_SCHEMA.replace("/json/", "/json-ld/"),
    _SCHEMA_BASE + "ob_v3p0_anyachievementcredential_schema.json"})
_ENDORSEMENT_SCHEMAS = frozenset({
    ENDORSEMENT_CREDENTIAL_SCHEMA, ENDORSEMENT_CREDENTIAL_SCHEMA.replace("/json/", "/json-ld/"),
    _SCHEMA_BASE + "ob_v3p0_anyendorsementcredential_schema.json"})
_OB_KINDS = ("OpenBadgeCredential", "AchievementCredential")
Problems = Iterator[str]


def _at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _types(value: Any) -> list[str]:
    """A ``type`` value as a list: OB allows a compacted single string."""
    if isinstance(value, str):
        return [value]
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []


def _raise(problems: Iterable[str]) -> None:
    found = list(problems)
    if found:
        raise DocumentError("; ".join(found))


def _objects(value: Any, path: str, check) -> Problems:
    """Run ``check`` on each entry of a 0..* property (a lone object counts as one entry)."""
    entries = value if isinstance(value, list) else [] if value is None else [value]
    for index, entry in enumerate(entries):
        entry_path = _at(path, index) if isinstance(value, list) else path
        if isinstance(entry, dict):
            yield from check(entry, entry_path)
        else:
            yield f"{entry_path}: must be an object"


def _required(node: dict, path: str, *keys: str) -> Problems:
    for key in keys:
        if node.get(key) in (None, "", [], {}):
            yield f"{_at(path, key)}: required"


def _typed(node: dict, path: str, *wanted: str) -> Problems:
    if not set(wanted) & set(_types(node.get("type"))):
        yield f"{_at(path, 'type')}: must include {' or '.join(wanted)}"


def _enum(node: dict, path: str, key: str, allowed: frozenset[str]) -> Problems:
    value = node.get(key)
    if value is not None and not _extension_ok(value, allowed):
        yield f"{_at(path, key)}: {value!r} is not in the OB vocabulary and does not start with 'ext:'"


def _image(value: Any, path: str) -> Problems:
    if value is None:
        return
    if not isinstance(value, dict):
        yield f"{path}: must be an Image object with an id and type 'Image'"
        return
    yield from _required(value, path, "id")
    if value.get("type") != "Image":
        yield f"{_at(path, 'type')}: must be the string 'Image'"


def _profile(node: dict, path: str) -> Problems:
    yield from _required(node, path, "id")
    yield from _typed(node, path, "Profile")
    yield from _image(node.get("image"), _at(path, "image"))


def _alignment(node: dict, path: str) -> Problems:
    yield from _typed(node, path, "Alignment")
    yield from _required(node, path, "targetName", "targetUrl")
    yield from _enum(node, path, "targetType", ALIGNMENT_TARGET_TYPES)


def _criteria(node: dict, path: str) -> Problems:
    if not node.get("id") and not node.get("narrative"):
        yield f"{path}: needs an id or a narrative"


def _result_description(node: dict, path: str) -> Problems:
    yield from _required(node, path, "id", "name", "resultType")
    yield from _typed(node, path, "ResultDescription")
    yield from _enum(node, path, "resultType", RESULT_TYPES)


def _achievement(node: dict, path: str) -> Problems:
    yield from _required(node, path, "id", "name", "description")
    yield from _typed(node, path, "Achievement")
    yield from _enum(node, path, "achievementType", ACHIEVEMENT_TYPES)
    if isinstance(node.get("criteria"), dict):
        yield from _criteria(node["criteria"], _at(path, "criteria"))
    else:
        yield f"{_at(path, 'criteria')}: required (an object with an id or a narrative)"
    yield from _image(node.get("image"), _at(path, "image"))
    yield from _objects(node.get("alignment"), _at(path, "alignment"), _alignment)
    yield from _objects(node.get("resultDescription"), _at(path, "resultDescription"),
                        _result_description)
    yield from _objects(node.get("creator"), _at(path, "creator"), _profile)


def _identity(node: dict, path: str) -> Problems:
    if node.get("type") != "IdentityObject":
        yield f"{_at(path, 'type')}: must be 'IdentityObject'"
    if not isinstance(node.get("hashed"), bool):
        yield f"{_at(path, 'hashed')}: must be true or false"
    yield from _required(node, path, "identityHash", "identityType")
    yield from _enum(node, path, "identityType", IDENTIFIER_TYPES)


def _results(subject: dict, path: str) -> Problems:
    """Every result is typed and points at a resultDescription of the asserted achievement."""
    described = subject["achievement"].get("resultDescription")
    entries = described if isinstance(described, list) else [described]
    known = {entry.get("id") for entry in entries if isinstance(entry, dict)}

    def check(node: dict, node_path: str) -> Problems:
        yield from _typed(node, node_path, "Result")
        ref = node.get("resultDescription")
        if ref is not None and ref not in known:
            yield (f"{_at(node_path, 'resultDescription')}: {ref!r} is not the id of a "
                   "resultDescription of the achievement")
    yield from _objects(subject.get("result"), _at(path, "result"), check)


def _achievement_subject(node: dict, path: str) -> Problems:
    yield from _typed(node, path, "AchievementSubject")
    if not node.get("id") and not node.get("identifier"):
        yield f"{path}: needs an id or at least one identifier"
    yield from _objects(node.get("identifier"), _at(path, "identifier"), _identity)
    yield from _image(node.get("image"), _at(path, "image"))
    if not isinstance(node.get("achievement"), dict):
        yield f"{_at(path, 'achievement')}: required (an Achievement object)"
        return
    yield from _achievement(node["achievement"], _at(path, "achievement"))
    yield from _results(node, path)


def _edtech_types(node: Any, top: bool = True) -> Iterator[str]:
    """1EdTech* type names used in a document, skipping embedded documents with their own @context."""
    if isinstance(node, list):
        for item in node:
            yield from _edtech_types(item, False)
    elif isinstance(node, dict) and (top or "@context" not in node):
        yield from (t for t in _types(node.get("type")) if t.startswith("1EdTech"))
        for key, value in node.items():
            if key != "type":
                yield from _edtech_types(value, False)


def _contexts(doc: dict, ob: bool) -> Problems:
    contexts = doc.get("@context")
    if not isinstance(contexts, list) or not contexts:
        yield "@context: must be a list starting with the VC context"
        return
    if contexts[0] not in (VC2_CONTEXT, VC1_CONTEXT):
        yield f"@context: the first item must be {VC2_CONTEXT} (or {VC1_CONTEXT} for VC 1.1)"
    if not ob:
        return
    second = contexts[1] if len(contexts) > 1 else None
    if not isinstance(second, str) or not _OB_CONTEXT_URL.fullmatch(second):
        yield f"@context: the second item must be the Open Badges context {OB_CONTEXT}"
    used = sorted(set(_edtech_types(doc)))
    if used and OB_EXTENSIONS_CONTEXT not in contexts:
        yield f"@context: must include {OB_EXTENSIONS_CONTEXT} because {', '.join(used)} is used"


def _issuer(doc: dict, ob: bool) -> Problems:
    issuer = doc.get("issuer")
    if isinstance(issuer, str) and issuer:
        return
    if not isinstance(issuer, dict):
        yield "issuer: required (a URI, or an object with an id)"
        return
    yield from (_profile(issuer, "issuer") if ob else _required(issuer, "issuer", "id"))


def _dates(doc: dict, start_key: str, end_key: str, required: bool) -> Problems:
    parsed = {}
    for key in (start_key, end_key, "awardedDate"):
        if doc.get(key) is None:
            if required and key == start_key:
                yield f"{key}: required"
            continue
        try:
            parsed[key] = parse_datetime(doc[key])
        except DocumentError as error:
            yield f"{key}: {error}"
    if start_key in parsed and end_key in parsed and parsed[end_key] < parsed[start_key]:
        yield f"{end_key}: must not be earlier than {start_key}"


def _status(doc: dict, ob: bool) -> Problems:
    value = doc.get("credentialStatus")
    if ob and isinstance(value, list):
        yield "credentialStatus: Open Badges allows one status object, not a list"
        return
    keys = ("id", "type") if ob else ("type",)  # OB makes the status id required
    yield from _objects(value, "credentialStatus", lambda node, path: _required(node, path, *keys))


def _schemas(doc: dict, accepted: frozenset[str], preferred: str) -> Problems:
    value = doc.get("credentialSchema")
    if value is None:
        return
    yield from _objects(value, "credentialSchema",
                        lambda node, path: _required(node, path, "id", "type"))
    entries = value if isinstance(value, list) else [value]
    if not any(isinstance(e, dict) and e.get("type") == JSON_SCHEMA_VALIDATOR
               and e.get("id") in accepted for e in entries):
        yield f"credentialSchema: must include {{id: {preferred}, type: {JSON_SCHEMA_VALIDATOR}}}"


def _credential(doc: dict, kinds: tuple[str, ...], ob: bool) -> Problems:
    """Rules every credential meets; OB ones also need the OB context and a Profile issuer."""
    yield from _contexts(doc, ob)
    types = _types(doc.get("type"))
    if "VerifiableCredential" not in types:
        yield "type: must include VerifiableCredential"
    if kinds and not set(kinds) & set(types):
        yield f"type: must include {' or '.join(kinds)}"
    if ob:
        yield from _required(doc, "", "id")
    yield from _issuer(doc, ob)
    contexts = doc.get("@context")
    if isinstance(contexts, list) and contexts and contexts[0] == VC1_CONTEXT:
        yield from _dates(doc, "issuanceDate", "expirationDate", required=True)
    else:
        yield from _dates(doc, "validFrom", "validUntil", required=ob)
    if doc.get("credentialSubject") in (None, [], {}):
        yield "credentialSubject: required"
    yield from _status(doc, ob)


def _open_badge(doc: dict) -> Problems:
    yield from _credential(doc, _OB_KINDS, ob=True)
    yield from _schemas(doc, _ACHIEVEMENT_SCHEMAS, ACHIEVEMENT_CREDENTIAL_SCHEMA)
    yield from _image(doc.get("image"), "image")
    yield from _objects(doc.get("evidence"), "evidence", lambda n, p: _typed(n, p, "Evidence"))
    yield from _objects(doc.get("endorsement"), "endorsement",
                        lambda n, p: _typed(n, p, "EndorsementCredential"))
    subject = doc.get("credentialSubject")
    if isinstance(subject, dict):
        yield from _achievement_subject(subject, "credentialSubject")
    elif subject is not None:
        yield "credentialSubject: must be one AchievementSubject object"


def _endorsement(doc: dict) -> Problems:
    yield from _credential(doc, ("EndorsementCredential",), ob=True)
    yield from _required(doc, "", "name")
    yield from _schemas(doc, _ENDORSEMENT_SCHEMAS, ENDORSEMENT_CREDENTIAL_SCHEMA)
    subject = doc.get("credentialSubject")
    if isinstance(subject, dict):
        yield from _required(subject, "credentialSubject", "id")
        yield from _typed(subject, "credentialSubject", "EndorsementSubject")
    elif subject is not None:
        yield "credentialSubject: must be one EndorsementSubject object"


def _check(doc: Any, rules) -> None:
    if not isinstance(doc, dict):
        raise DocumentError("document: a credential must be a JSON object")
    _raise(rules(doc))


def check_vc(doc: dict) -> None:
    """Generic VC 1.1/2.0 rules (contexts, types, issuer, subject, dates); raises DocumentError."""
    _check(doc, lambda d: _credential(d, (), ob=False))


def check_open_badge(doc: dict) -> None:
    """OB 3.0 §1.16 structural rules for an OpenBadgeCredential; raises DocumentError naming paths."""
    _check(doc, _open_badge)


def check_endorsement(doc: dict) -> None:
    """OB 3.0 structural rules for an EndorsementCredential; raises DocumentError naming paths."""
    _check(doc, _endorsement)
