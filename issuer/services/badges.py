"""Badges issued from achievements, and their revocation.

Leaders issue badges signed by the community's key; when a community
allows it, any active member gives a peer badge signed with their own key, the community named
as the ``parentOrg`` of their issuer Profile. Every badge goes through ``issue()`` (checked,
status entry, signed, stored, committed), one transaction per recipient.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ..credentials import documents
from ..credentials.errors import CredentialError
from ..storage import Achievement, Award, Community, IssuedCredential, User
from .achievements import (ACHIEVEMENT_TYPES, achievement_by_id, achievement_json, achievement_url,
                           achievements_of, define_achievement, lines, parse_alignments, parse_tags,
                           update_achievement, web_url)
from .communities import active_members
from .identity import with_identifiers
from .issuers import issuer_profile
from .issuing import issue, revoke_award
from .errors import FieldError, Forbidden
from .platform import Platform, now_utc
from .roles import LEADER_ROLES, active_role, require_leader, require_member

log = logging.getLogger(__name__)
MAX_EVIDENCE, MAX_NARRATIVE = 20, 5000
__all__ = [  # the achievement functions are re-exported: callers need one import for this area
    "ACHIEVEMENT_TYPES", "AwardOutcome", "BadgeListing", "achievement_by_id", "achievement_json",
    "achievement_url", "achievements_of", "authorise_issue", "award", "badge_by_id", "badges_of",
    "define_achievement", "issue_badge", "issue_mode", "lines", "listing_of", "parse_alignments",
    "parse_tags", "recipient_choices", "revoke_badge", "update_achievement", "users_by_handles"]


@dataclass
class AwardOutcome:
    """What happened for one recipient of a multi-recipient award: its signed badge, or why not."""

    recipient: User
    credential: IssuedCredential | None = None
    error: str | None = None


@dataclass
class BadgeListing:
    """One badge awarded, with the people and achievement it names, for lists."""

    badge: Award
    achievement: Achievement
    recipient: User
    author: User


# --- issuing --------------------------------------------------------------------------------

def issue_mode(session: Session, achievement: Achievement, user: User | None) -> str | None:
    """How this user may issue the achievement: "leader", "peer" or None."""
    role = active_role(session, achievement.community, user)
    if role in LEADER_ROLES:
        return "leader"
    return "peer" if role is not None and achievement.community.allow_peer_badges else None


def recipient_choices(session: Session, achievement: Achievement, user: User) -> list[User]:
    """Active members the user may give this achievement to (never themselves as a peer)."""
    peer = issue_mode(session, achievement, user) == "peer"
    return [m.user for m in active_members(session, achievement.community)
            if not (peer and m.user_id == user.id)]


def users_by_handles(session: Session, handles: Iterable[str]) -> list[User]:
    """The accounts named by handles, or a FieldError naming the first unknown one."""
    found = []
    for handle in dict.fromkeys(h.strip().lower() for h in handles if isinstance(h, str)):
        user = session.scalar(select(User).where(User.handle == handle))
        if user is None:
            raise FieldError("member.unknown", field="recipients", handle=handle)
        found.append(user)
    return found


def authorise_issue(session: Session, achievement: Achievement, author: User, peer: bool | None) -> bool:
    """Whether the author gives a peer badge (``peer`` None: leaders issue as the community).

    Forbidden when the author may not issue this achievement at all.
    """
    community = achievement.community
    role = require_member(session, community, author)
    peer = role not in LEADER_ROLES if peer is None else peer
    if not peer:
        require_leader(session, community, author)
    elif not community.allow_peer_badges:
        raise Forbidden("community.no-peer-badges", community=community.name)
    return peer


def _check_recipient(session: Session, achievement: Achievement, recipient: User, author: User,
                     peer: bool) -> None:
    if peer and recipient.id == author.id:
        raise FieldError("peer-badge.to-self", field="recipients")
    if active_role(session, achievement.community, recipient) is None:
        raise FieldError("recipient.not-member", field="recipients", handle=recipient.handle,
                         community=achievement.community.name)


def _evidence(urls: Iterable[str]) -> list[dict]:
    found = [u.strip() for u in urls if isinstance(u, str) and u.strip()]
    if len(found) > MAX_EVIDENCE:
        raise FieldError("evidence.too-many", field="evidence", limit=MAX_EVIDENCE)
    for url in found:
        if not web_url(url):
            raise FieldError("evidence.not-a-link", field="evidence", url=url)
    return [documents.evidence(id=url, name=urlsplit(url).netloc) for url in found]


def _narrative(text: str | None) -> str | None:
    text = (text or "").strip() or None
    if text and len(text) > MAX_NARRATIVE:
        raise FieldError("narrative.too-long", field="narrative", limit=MAX_NARRATIVE)
    return text


def issue_badge(session: Session, platform: Platform, *, achievement: Achievement, recipient: User,
                author: User, narrative: str | None = None, evidence: Iterable[str] = (),
                peer: bool | None = None) -> IssuedCredential:
    """Award one badge and store its signed credential (returned; its ``award`` is the badge).

    ``peer`` None means a leader issues as the community, others as peers.
    """
    peer = authorise_issue(session, achievement, author, peer)
    _check_recipient(session, achievement, recipient, author, peer)
    narrative = _narrative(narrative)
    community = achievement.community
    signer = author.issuer if peer else community.issuer
    profile = issuer_profile(signer)
    if peer:
        profile["parentOrg"] = issuer_profile(community.issuer)
    row_id, now = str(uuid.uuid4()), now_utc()
    document = documents.open_badge_credential(
        platform.credential_url(row_id), profile, recipient.issuer.did,
        achievement_json(platform, achievement), valid_from=now, awarded_date=now,
        narrative=narrative, evidence=_evidence(evidence), check=False)  # issue() checks it
    document["credentialSubject"] = with_identifiers(document["credentialSubject"], recipient)
    return issue(session, platform, document, issuer=signer, row_id=row_id, award=Award(
        id=row_id, kind="badge", issuer_id=signer.id, recipient_user_id=recipient.id,
        author_user_id=author.id, community_id=community.id, achievement_id=achievement.id,
        peer_issued=peer, consent="pending", visibility="private", created_at=now))


def award(session: Session, platform: Platform, *, achievement: Achievement,
          recipients: Sequence[User], author: User, narrative: str | None = None,
          evidence: Iterable[str] = (), peer: bool | None = None) -> list[AwardOutcome]:
    """One badge per recipient, each its own transaction; refuses up front if any recipient is wrong."""
    if not recipients:
        raise FieldError("recipients.none", field="recipients")
    evidence = list(evidence)
    peer = authorise_issue(session, achievement, author, peer)
    _narrative(narrative)
    _evidence(evidence)
    for recipient in recipients:
        _check_recipient(session, achievement, recipient, author, peer)
    results = []
    for recipient in recipients:
        try:
            results.append(AwardOutcome(recipient, issue_badge(
                session, platform, achievement=achievement, recipient=recipient, author=author,
                narrative=narrative, evidence=evidence, peer=peer)))
        except CredentialError as error:
            results.append(AwardOutcome(recipient, error=str(error)))
        except Exception:  # reported per recipient; issue() rolled back, nothing was stored
            log.exception("issuing %s to %s failed", achievement.id, recipient.handle)
            results.append(AwardOutcome(recipient, error="signing failed; nothing was stored"))
    return results


# --- issued badges and revocation -----------------------------------------------------------

def badge_by_id(session: Session, badge_id: str) -> Award | None:
    """A badge awarded from an achievement (not an endorsement) by its uuid."""
    badge = session.get(Award, badge_id) if len(badge_id) <= 36 else None
    return badge if badge is not None and badge.kind == "badge" else None


def badges_of(session: Session, community: Community, user: User) -> list[BadgeListing]:
    """Leaders see every badge of the community; other members the peer badges they gave."""
    role = require_member(session, community, user)
    recipient, author = aliased(User), aliased(User)
    query = (select(Award, Achievement, recipient, author)
             .join(Achievement, Award.achievement_id == Achievement.id)
             .join(recipient, Award.recipient_user_id == recipient.id)
             .join(author, Award.author_user_id == author.id)
             .where(Award.community_id == community.id, Award.kind == "badge")
             .order_by(Award.created_at.desc(), Award.id))
    if role not in LEADER_ROLES:
        query = query.where(Award.author_user_id == user.id, Award.peer_issued)
    return [BadgeListing(*row) for row in session.execute(query)]


def listing_of(session: Session, badge: Award) -> BadgeListing:
    """The badge with its achievement, recipient and author loaded."""
    return BadgeListing(badge, session.get(Achievement, badge.achievement_id),
                        session.get(User, badge.recipient_user_id), session.get(User, badge.author_user_id))


def revoke_badge(session: Session, platform: Platform, badge: Award, user: User,
                 reason: str | None) -> Award:
    """Revoke for good: leaders any badge of their community, a peer the peer badges they gave."""
    community = session.get(Community, badge.community_id)
    is_giver = badge.peer_issued and badge.author_user_id == user.id \
        and active_role(session, community, user) is not None
    if not is_giver:
        require_leader(session, community, user)
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise FieldError("badge.revocation-reason", field="reason", limit=500)
    if badge.revoked_at is not None:
        raise FieldError("badge.already-revoked", field="reason")
    return revoke_award(session, platform, badge, reason)
