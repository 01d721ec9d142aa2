"""Open Badges 3.0 / VC vocabulary: context and schema URLs, enumerations, XSD date-times.

Every context and schema URL the code names is defined here, once; the pinned files they stand
for are listed in ``schemas/*/manifest.json``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from .errors import DocumentError

VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
OB_CONTEXTS = [VC2_CONTEXT, OB_CONTEXT]
DATA_INTEGRITY_CONTEXT = "https://w3id.org/security/data-integrity/v2"  # proofs in VC 1.1 documents
STATUS_CONTEXT = "https://www.w3.org/ns/credentials/status/v1"  # status entries in VC 1.1 documents
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
# The service's own context (schemas/contexts/manifest.json "served"), at its base URL + this path
RECOGNITION_CONTEXT_PATH = "/contexts/recognition/v1"
_OB_CONTEXT_URL = re.compile(r"https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)*\.json")

# The credential type names whose rules differ (the table of kinds is ``kinds.KINDS``).
OPEN_BADGE_TYPES = ("OpenBadgeCredential", "AchievementCredential")  # OB 3.0: the second an alias
ENDORSEMENT_TYPE = "EndorsementCredential"

_SCHEMA_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
ACHIEVEMENT_CREDENTIAL_SCHEMA = _SCHEMA_BASE + "ob_v3p0_achievementcredential_schema.json"
ENDORSEMENT_CREDENTIAL_SCHEMA = _SCHEMA_BASE + "ob_v3p0_endorsementcredential_schema.json"
PROFILE_SCHEMA = _SCHEMA_BASE + "ob_v3p0_profile_schema.json"
CLR_CREDENTIAL_SCHEMA = \
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
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

def _extension_ok(value: Any, allowed: frozenset[str]) -> bool:
    """An extensible-enum value: one of ``allowed`` or an ``ext:``-prefixed extension."""
    return isinstance(value, str) and (value in allowed or re.fullmatch(r"ext:\S+", value) is not None)


def type_list(value: Any) -> list[str]:
    """A ``type`` (or other 1..* string) value as a list: a compacted single string is allowed."""
    if isinstance(value, str):
        return [value]
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []
