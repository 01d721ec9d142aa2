"""What of a person's recognition the public may see: one query each way, with the signed credentials.

The consent rule, applied to both sides of a recognition: an award is public when the party who
consents to it (its recipient; for an endorsement of an achievement, the achievement's community)
accepted it and made it public, and it is not revoked. An endorsement of a badge is public only
while that badge is public too, so revoking (or hiding) a badge takes its endorsements with it.

The profile page, the JSON-LD graph and the CLR record all read from here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from ..storage import Award, IssuedCredential, User


@dataclass(frozen=True)
class PublicAward:
    """An award the public may see, with its custodial credential (the exact signed text) parsed."""

    award: Award
    credential: IssuedCredential
    document: dict

    @property
    def at(self) -> datetime:
        """When it was awarded (the signed ``awardedDate``; an edit does not change it)."""
        return self.award.created_at


def _consented():
    return and_(Award.consent == "accepted", Award.visibility == "public")


def public_awards(session: Session, user: User, *, include_revoked: bool = False) -> list[PublicAward]:
    """Badges and endorsements the person received, accepted and made public, oldest first.

    With ``include_revoked`` (for the person's own eyes only), revoked ones they had made
    public are kept too; an endorsement of a badge that is not public still never is.
    """
    query = select(Award).where(Award.recipient_user_id == user.id, _consented())
    if not include_revoked:
        query = query.where(Award.revoked_at.is_(None))
    return _with_public_subjects(session, _rows(session, query), include_revoked=include_revoked)


def public_awards_given(session: Session, user: User) -> list[PublicAward]:
    """Badges the person awarded and endorsements they wrote that the other side accepted and
    made public (for an achievement: its community), not revoked, oldest first."""
    query = select(Award).where(Award.author_user_id == user.id, Award.revoked_at.is_(None),
                                _consented(), or_(Award.recipient_user_id.is_not(None),
                                                  Award.achievement_id.is_not(None)))
    return _with_public_subjects(session, _rows(session, query))


def _rows(session: Session, query) -> list[Award]:
    return list(session.scalars(query.order_by(Award.created_at, Award.id)
                                .options(selectinload(Award.credential))))


def _with_public_subjects(session: Session, rows: list[Award], *,
                          include_revoked: bool = False) -> list[PublicAward]:
    """Drop endorsements whose endorsed credential is ours and not public (or revoked)."""
    refs = {row.subject_ref for row in rows if row.kind == "endorsement" and row.subject_ref}
    hidden = {row.vc_id for row in (session.scalars(select(IssuedCredential).where(
        IssuedCredential.vc_id.in_(refs), IssuedCredential.holder_did.is_(None))) if refs else ())
        if not is_public(row.award, include_revoked=include_revoked)
        or (row.revoked_at is not None and not include_revoked)}
    return [PublicAward(row, row.credential, json.loads(row.credential.signed_json)) for row in rows
            if row.credential is not None and row.subject_ref not in hidden]


def is_public(award: Award | None, *, include_revoked: bool = False) -> bool:
    """Whether the award is public by the consent rule (a credential without one is: VC-API)."""
    if award is None:
        return True
    return award.consent == "accepted" and award.visibility == "public" and (
        include_revoked or award.revoked_at is None)
