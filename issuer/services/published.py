"""What of a person's recognition the public may see: one definition, one query each way.

The consent rule, applied to both sides of a recognition: an award is public when the party who
consents to it (its recipient; for an endorsement of an achievement, the achievement's community)
accepted it and made it public, and it is not revoked. An endorsement of a badge is public only
while that badge is public too, so revoking (or hiding) a badge takes its endorsements with it.

The profile page, its card and counts, the JSON-LD graph, the CLR record and the people API all
read from here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
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


def public_awards(session: Session, user: User, *, include_revoked: bool = False) -> list[PublicAward]:
    """Badges and endorsements the person received, accepted and made public, oldest first.

    With ``include_revoked`` (for the person's own eyes only), revoked ones they had made
    public are kept too; an endorsement of a badge that is not public still never is.
    """
    return _public(session, Award.recipient_user_id == user.id, include_revoked=include_revoked)


def public_awards_given(session: Session, user: User) -> list[PublicAward]:
    """Badges the person awarded and endorsements they wrote that the other side accepted and
    made public (for an achievement: its community), not revoked, oldest first."""
    return _public(session, Award.author_user_id == user.id)


def public_recognition(session: Session, user: User) -> list[PublicAward]:
    """What the person received or gave that is public, each once, oldest first."""
    return _public(session, or_(Award.recipient_user_id == user.id, Award.author_user_id == user.id))


def newest_first(items: list[PublicAward]) -> list[PublicAward]:
    """The same items newest first (those of the same moment keep their order)."""
    return sorted(items, key=lambda i: i.at, reverse=True)


def is_public(award: Award | None, *, include_revoked: bool = False) -> bool:
    """Whether the award is public by the consent rule (a credential without one is: VC-API)."""
    if award is None:
        return True
    return award.consent == "accepted" and award.visibility == "public" and (
        include_revoked or award.revoked_at is None)


def _public(session: Session, whose, *, include_revoked: bool = False) -> list[PublicAward]:
    """Awards matching ``whose`` that someone consented to and made public (see the module)."""
    query = select(Award).where(whose, Award.consent == "accepted", Award.visibility == "public",
                                or_(Award.recipient_user_id.is_not(None), Award.achievement_id.is_not(None)))
    if not include_revoked:
        query = query.where(Award.revoked_at.is_(None))
    rows = session.scalars(query.order_by(Award.created_at, Award.id)
                           .options(selectinload(Award.credential)))
    shown = [row for row in rows if row.credential is not None
             and (include_revoked or row.credential.revoked_at is None)]
    hidden = _hidden_subjects(session, shown, include_revoked=include_revoked)
    return [PublicAward(row, row.credential, json.loads(row.credential.signed_json)) for row in shown
            if row.subject_ref not in hidden]


def _hidden_subjects(session: Session, rows: list[Award], *, include_revoked: bool) -> set[str]:
    """The ids of our badges endorsed by ``rows`` that are not public (or are revoked)."""
    refs = {row.subject_ref for row in rows if row.kind == "endorsement" and row.subject_ref}
    if not refs:
        return set()
    endorsed = session.scalars(select(IssuedCredential).where(
        IssuedCredential.vc_id.in_(refs), IssuedCredential.holder_did.is_(None)))
    return {row.vc_id for row in endorsed if not is_public(row.award, include_revoked=include_revoked)
            or (row.revoked_at is not None and not include_revoked)}
