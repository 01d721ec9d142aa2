"""Who may do what in a community: one place for the role rules."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..storage import Community, Membership, User

LEADER_ROLES = frozenset({"leader", "coordinator"})  # define achievements, issue, revoke, manage


class Forbidden(Exception):
    """The user may not do this here; the message says why in plain words."""


def membership(session: Session, community: Community, user: User | None) -> Membership | None:
    """The user's membership of the community (any status), or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return session.scalar(select(Membership).where(Membership.community_id == community.id,
                                                   Membership.user_id == user.id))


def active_role(session: Session, community: Community, user: User | None) -> str | None:
    """The user's role if they are an active member, else None."""
    found = membership(session, community, user)
    return found.role if found is not None and found.status == "active" else None


def require_member(session: Session, community: Community, user: User | None) -> str:
    role = active_role(session, community, user)
    if role is None:
        raise Forbidden(f"only members of {community.name} can do this")
    return role


def require_leader(session: Session, community: Community, user: User | None) -> str:
    role = active_role(session, community, user)
    if role not in LEADER_ROLES:
        raise Forbidden(f"only leaders and coordinators of {community.name} can do this")
    return role
