"""Invitation links into a community: a role, an expiry and a number of uses.

An invitation also lets people into a closed community; accepting one takes a use atomically,
so two people racing for the last use cannot both get in.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..storage import ROLES, Community, Invitation, Membership, User
from .communities import membership_of
from .errors import FieldError, InvitationRefused
from .platform import Platform, now_utc
from .roles import require_grant
from .transaction import transaction

MAX_INVITATION_DAYS, MAX_INVITATION_USES = 90, 500


def create_invitation(session: Session, platform: Platform, community: Community, leader: User, *,
                      role: str = "member", days: int = 14, uses: int = 1) -> tuple[Invitation, str]:
    """An invitation link (also into a closed community) with a role, an expiry and a use count."""
    require_grant(session, community, leader, role)
    if role not in ROLES:
        raise FieldError("role.unknown", field="role", roles=ROLES)
    if not isinstance(days, int) or not 1 <= days <= MAX_INVITATION_DAYS:
        raise FieldError("invitation.days", field="days", limit=MAX_INVITATION_DAYS)
    if not isinstance(uses, int) or not 1 <= uses <= MAX_INVITATION_USES:
        raise FieldError("invitation.uses", field="uses", limit=MAX_INVITATION_USES)
    invitation = Invitation(community_id=community.id, token=secrets.token_urlsafe(24), role=role,
                            created_by=leader.id, expires_at=now_utc() + timedelta(days=days),
                            uses_left=uses)
    with transaction(session):
        session.add(invitation)
    return invitation, invitation_url(platform, invitation)


def invitation_url(platform: Platform, invitation: Invitation) -> str:
    return platform.urls.invitation(invitation.token)


def invitation_by_token(session: Session, token: str) -> Invitation | None:
    return session.scalar(select(Invitation).where(Invitation.token == token))


def check_invitation(invitation: Invitation) -> None:
    """Raise InvitationRefused when the invitation has expired or been used up."""
    if invitation.expires_at <= now_utc():
        raise InvitationRefused("invitation.expired", community=invitation.community.name)
    if invitation.uses_left <= 0:
        raise InvitationRefused("invitation.used-up", community=invitation.community.name)


def accept_invitation(session: Session, invitation: Invitation, user: User) -> Membership:
    """Become an active member with the invitation's role; existing active members stay as they are."""
    check_invitation(invitation)
    found = membership_of(session, invitation.community, user.handle)
    if found is not None and found.status == "active":
        return found
    with transaction(session):
        taken = session.execute(update(Invitation).where(Invitation.id == invitation.id,
                                                         Invitation.uses_left > 0)
                                .values(uses_left=Invitation.uses_left - 1))
        if taken.rowcount != 1:  # a concurrent acceptance took the last use
            raise InvitationRefused("invitation.taken")
        if found is None:
            found = Membership(community_id=invitation.community_id, user_id=user.id)
            session.add(found)
        found.role, found.status = invitation.role, "active"
    return found
