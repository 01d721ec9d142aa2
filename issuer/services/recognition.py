"""Recognition a person receives: their public profile, and their consent to what was issued.

Badges and endorsements made through the web app name a recipient, who decides: pending →
accepted or declined, and accepted ones private (the default) or public. Only what
:mod:`.published` makes public ever appears on a profile page or in a profile document.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..credentials.vocab import OB_CONTEXTS
from ..storage import Award, Community, IssuedCredential, User
from .issuers import issuer_profile
from .errors import FieldError, NotFound
from .platform import now_utc
from .published import newest_first, public_awards
from .transaction import transaction

RATE_LIMIT_PER_HOUR = 20  # new endorsements one person may sign in an hour (edits do not count)
CONSENTS = ("accepted", "declined")
VISIBILITIES = ("public", "private")


@dataclass(frozen=True)
class Item:
    """One badge or endorsement as a page or the API shows it: read from the signed JSON.

    ``row`` is the award (its id is also its custodial credential's), ``credential`` that copy.
    """

    row: Award
    credential: IssuedCredential
    name: str
    issuer_name: str
    issuer_id: str
    issued: str
    comment: str | None
    endorser: User | None
    author: User | None
    recipient: User | None
    community: Community | None

    @property
    def is_endorsement(self) -> bool:
        return self.row.kind == "endorsement"

    def to_json(self, *, private: bool = False) -> dict:
        """The item for the JSON API; ``private`` adds the recipient's consent and visibility."""
        row, credential = self.row, self.credential
        found = {"id": row.id, "credentialId": credential.vc_id, "kind": credential.kind, "name": self.name,
                 "issuer": {"id": self.issuer_id, "name": self.issuer_name},
                 "validFrom": self.issued, "endorsementComment": self.comment,
                 "endorser": self.endorser.handle if self.endorser and self.is_endorsement else None,
                 "community": self.community.slug if self.community else None}
        if private:
            found.update(consent=row.consent, visibility=row.visibility,
                         revoked=row.revoked_at is not None, subject=row.subject_ref)
        return found


def item(session: Session, row: Award) -> Item:
    """Read what the award's custodial credential says (never rebuilt from columns)."""
    credential = row.credential
    document = json.loads(credential.signed_json)
    issuer = document.get("issuer")
    issuer = issuer if isinstance(issuer, dict) else {"id": issuer}
    subject = document.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    author = session.get(User, row.author_user_id) if row.author_user_id else None
    return Item(
        row=row, credential=credential, name=credential_name(credential),
        issuer_name=str(issuer.get("name") or credential.issuer.name), issuer_id=str(issuer.get("id")),
        issued=str(document.get("validFrom") or document.get("issuanceDate") or ""),
        comment=subject.get("endorsementComment"), author=author,
        endorser=author if row.kind == "endorsement" else None,
        recipient=session.get(User, row.recipient_user_id) if row.recipient_user_id else None,
        community=session.get(Community, row.community_id) if row.community_id else None)


def credential_name(credential: IssuedCredential) -> str:
    """The name a credential gives itself, or its achievement's, or its kind."""
    document = json.loads(credential.signed_json)
    subject = document.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement") if isinstance(subject.get("achievement"), dict) else {}
    return str(document.get("name") or achievement.get("name") or credential.kind)


def _newest_first(query):
    """Newest first, each award with its custodial credential (read by :func:`item`)."""
    return query.order_by(Award.created_at.desc(), Award.id).options(selectinload(Award.credential))


def public_groups(session: Session, user: User) -> list[tuple[Community | None, list[Item]]]:
    """Public items (see :mod:`.published`), newest first, grouped by community (by name; those
    outside any community last)."""
    groups: dict[int | None, list[Item]] = {}
    for shown in newest_first(public_awards(session, user)):
        groups.setdefault(shown.award.community_id, []).append(item(session, shown.award))
    ordered = sorted(groups.items(), key=lambda g: (g[0] is None, g[1][0].community.name.lower()
                                                    if g[1][0].community else ""))
    return [(items[0].community, items) for _, items in ordered]


def profile_document(session: Session, user: User, *, endorsements: bool = True) -> dict:
    """The person's OB Profile as JSON-LD, with the public endorsements of them embedded (unless
    ``endorsements`` is false: the recognition graph carries them among its credentials).

    Name, headline (as ``description``) and photo (``image``) are their issuer Profile's, as
    credentials they sign embed it; the bio follows the headline in this document only.
    """
    profile = {"@context": list(OB_CONTEXTS), **issuer_profile(user.issuer)}
    about = "\n\n".join(text for text in (user.headline, user.bio) if text)
    if about:
        profile["description"] = about
    if not endorsements:
        return profile
    endorsements = [shown.document for shown in newest_first(public_awards(session, user))
                    if shown.award.kind == "endorsement" and shown.award.subject_ref == user.issuer.did]
    if endorsements:
        profile["endorsement"] = endorsements
    return profile


def incoming(session: Session, user: User) -> list[Item]:
    """Every badge and endorsement addressed to the person, whatever its consent, newest first."""
    rows = session.scalars(_newest_first(select(Award).where(Award.recipient_user_id == user.id)))
    return [item(session, row) for row in rows]


def given(session: Session, user: User) -> list[Item]:
    """Endorsements the person signed, not revoked, newest first."""
    rows = session.scalars(_newest_first(select(Award).where(
        Award.author_user_id == user.id, Award.kind == "endorsement", Award.revoked_at.is_(None))))
    return [item(session, row) for row in rows]


def own_item(session: Session, user: User, row_uuid: str) -> Award:
    """An award addressed to this user, or NotFound (also for other people's)."""
    row = session.get(Award, row_uuid) if len(row_uuid) <= 36 else None
    if row is None or row.recipient_user_id != user.id:
        raise NotFound("recognition.not-yours", id=row_uuid)
    return row


def set_consent(session: Session, user: User, row_uuid: str, consent: str) -> Award:
    """Accept or decline an item addressed to you; declining also makes it private."""
    if consent not in CONSENTS:
        raise FieldError("consent.unknown", field="consent")
    row = own_item(session, user, row_uuid)
    with transaction(session):
        row.consent = consent
        if consent == "declined":
            row.visibility = "private"
    return row


def set_visibility(session: Session, user: User, row_uuid: str, visibility: str) -> Award:
    """Show an accepted item on your public profile, or hide it again."""
    if visibility not in VISIBILITIES:
        raise FieldError("visibility.unknown", field="visibility")
    row = own_item(session, user, row_uuid)
    if visibility == "public" and row.consent != "accepted":
        raise FieldError("visibility.needs-consent", field="visibility")
    if visibility == "public" and row.revoked_at is not None:
        raise FieldError("visibility.revoked", field="visibility")
    with transaction(session):
        row.visibility = visibility
    return row


def new_in_last_hour(session: Session, user: User) -> int:
    """How many endorsements the person signed in the last hour (for the rate limit)."""
    return session.scalar(select(func.count()).select_from(Award).where(
        Award.author_user_id == user.id, Award.kind == "endorsement",
        Award.created_at >= now_utc() - timedelta(hours=1))) or 0
