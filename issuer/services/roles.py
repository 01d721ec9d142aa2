"""Who may do what in a community: one place for the role rules.

Roles follow the community-of-practice model. Leaders steward the community: they give any
role to anyone (also make other leaders or step down themselves), remove anyone and invite with
any role — only a community's last leader keeps that role. Coordinators organise the day to day:
they approve or decline requests to join, move people between member and coach, remove members
and coaches, and invite members and coaches; they cannot change or remove leaders, sponsors or
other coordinators, nor their own role. Sponsors, coaches and members manage nobody.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..storage import ROLES, Community, Membership, User
from .errors import Forbidden

LEADER_ROLES = frozenset({"leader", "coordinator"})  # define achievements, issue, revoke, manage
GRANTS = {"leader": frozenset(ROLES), "coordinator": frozenset({"coach", "member"})}


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
        raise Forbidden("community.members-only", community=community.name)
    return role


def require_leader(session: Session, community: Community, user: User | None) -> str:
    role = active_role(session, community, user)
    if role not in LEADER_ROLES:
        raise Forbidden("community.leaders-only", community=community.name)
    return role


def grantable(role: str | None) -> tuple[str, ...]:
    """The roles someone with ``role`` may give (in the usual order); none for non-managers."""
    allowed = GRANTS.get(role or "", frozenset())
    return tuple(r for r in ROLES if r in allowed)


def may_manage(role: str | None, actor: User | None, target: Membership) -> bool:
    """Whether someone with ``role`` may approve, change or remove this membership."""
    if role == "leader":
        return True
    if role == "coordinator":
        return getattr(actor, "id", None) != target.user_id and (
            target.status == "pending" or target.role in GRANTS["coordinator"])
    return False


def require_manage(session: Session, actor: User | None, target: Membership,
                   new_role: str | None = None) -> str:
    """The actor's role if they may manage ``target`` (and give ``new_role``), else Forbidden."""
    community = target.community
    role = require_leader(session, community, actor)
    if not may_manage(role, actor, target):
        if getattr(actor, "id", None) == target.user_id:
            raise Forbidden("community.manage-own-role", community=community.name)
        raise Forbidden("community.manage-role", community=community.name, role=target.role)
    if new_role is not None and new_role in ROLES and new_role not in GRANTS[role]:
        raise Forbidden("community.grant-role", community=community.name, role=new_role)
    return role


def require_grant(session: Session, community: Community, actor: User | None, new_role: str) -> str:
    """The actor's role if they may bring someone in as ``new_role`` (invitations), else Forbidden."""
    role = require_leader(session, community, actor)
    if new_role in ROLES and new_role not in GRANTS[role]:
        raise Forbidden("community.invite-role", community=community.name, role=new_role)
    return role
