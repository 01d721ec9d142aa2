"""The recipient's "Add to LinkedIn" link for one of their badges, and the values it carries.

Only the signed-in recipient gets it, and only for a badge they accepted and made public and that
is not revoked: LinkedIn shows ``certUrl`` to everyone who looks at the profile, so that page must
answer them.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session

from ..linkedin import Certification
from ..storage import Community, IssuedCredential, User
from .platform import Platform
from .published import is_public

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def add_to_linkedin(session: Session, platform: Platform, row: IssuedCredential,
                    user: User | None) -> dict | None:
    """``{"url", "fields"}`` for the recipient's own public badge, else None. ``fields`` are the
    values of LinkedIn's certification form as (label, value), for copying by hand."""
    award = row.award
    user_id = getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None
    if (award is None or user_id is None or award.kind != "badge" or award.recipient_user_id != user_id
            or not is_public(award) or row.revoked_at is not None):
        return None
    document = json.loads(row.signed_json)
    issued, expires = _date(document.get("validFrom")), _date(document.get("validUntil"))
    if issued is None:
        return None
    subject = document.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    name = _text(achievement.get("name") if isinstance(achievement, dict) else None) \
        or _text(document.get("name")) or "Badge"
    community = session.get(Community, award.community_id) if award.community_id else None
    organization = community.name if community else (row.issuer.name or platform.name)
    certification = Certification(
        name=name, organization_name=organization,
        organization_id=community.linkedin_organization_id if community else None,
        issued=issued, expires=expires, cert_url=platform.urls.credential(row.id),
        cert_id=str(document.get("id") or platform.urls.credential(row.id)))
    fields = [("Name", name), ("Issuing organization", organization),
              ("Issue date", _month(issued))]
    if expires is not None:
        fields.append(("Expiration date", _month(expires)))
    fields += [("Credential ID", certification.cert_id), ("Credential URL", certification.cert_url)]
    return {"url": certification.url(), "fields": fields,
            "organization_id": certification.organization_id}


def _date(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _month(when: datetime) -> str:
    return f"{MONTHS[when.month - 1]} {when.year}"


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
