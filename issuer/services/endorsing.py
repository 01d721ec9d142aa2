"""Peer endorsements: a person, a credential or an achievement, signed with the endorser's own key.

One endorsement per endorser and subject: endorsing again edits it — the same credential ``id``
and ``awardedDate`` and status entry, a new ``validFrom``, signed again. The structured points of
the form become Markdown in ``endorsementComment``, so any verifier and wallet keeps them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import storage
from ..credentials import documents
from ..storage import Achievement, Award, Community, IssuedCredential, User
from . import issuing
from .issuers import issuer_profile
from .errors import FieldError, Forbidden, NotFound, RateLimited
from .platform import Platform, now_utc
from .recognition import RATE_LIMIT_PER_HOUR, credential_name, new_in_last_hour
from .roles import LEADER_ROLES, active_role, require_leader
from .showing import can_see
from .transaction import transaction

BADGE_KINDS = ("OpenBadgeCredential", "AchievementCredential")
LIMITS = {"comment": 2000, "how_known": 500, "observed": 1000, "link": 600}
MARKERS = (("link", "**Contribution:** "), ("observed", "**What I observed:** "),
           ("how_known", "**How I know them:** "))  # parsed from the end, so in reverse order


@dataclass(frozen=True)
class Points:
    """What the endorser says: a comment and optional structured points."""

    comment: str
    how_known: str = ""
    observed: str = ""
    link: str = ""

    def to_markdown(self) -> str:
        """The comment paragraph, then one bold-labelled paragraph per point given."""
        parts = [self.comment]
        for name, marker in reversed(MARKERS):
            value = getattr(self, name)
            if value:
                parts.append(marker + (f"<{value}>" if name == "link" else value))
        return "\n\n".join(parts)


def points(comment: str | None, how_known: str | None = None, observed: str | None = None,
           link: str | None = None) -> Points:
    """Checked points: a comment is required, the rest is optional; the link must be http(s)."""
    comment = (comment or "").replace("\r\n", "\n").strip()
    how_known, observed = " ".join((how_known or "").split()), " ".join((observed or "").split())
    link = (link or "").strip()
    if not comment:
        raise FieldError("endorsement.comment-required", field="comment")
    for name, value in (("comment", comment), ("how_known", how_known), ("observed", observed),
                        ("link", link)):
        if len(value) > LIMITS[name]:
            raise FieldError("endorsement.too-long", field=name, limit=LIMITS[name])
    parts = urlsplit(link)
    if link and (parts.scheme not in ("http", "https") or not parts.netloc
                 or any(c.isspace() or c in "<>" for c in link)):
        raise FieldError("endorsement.link-invalid", field="link")
    return Points(comment, how_known, observed, link)


def parse_points(markdown: str | None) -> Points:
    """The points back from an endorsementComment this service wrote (to prefill an edit)."""
    text, found = markdown or "", {}
    for name, marker in MARKERS:
        head, separator, tail = text.rpartition("\n\n" + marker)
        if separator:
            found[name], text = tail.strip(), head
    found["link"] = found.get("link", "").strip("<>")
    return Points(comment=text.strip(), **found)


@dataclass(frozen=True)
class Subject:
    """What is endorsed: its id as signed, a name for the credential, and who consents to it.

    A person or a badge: its recipient consents. An achievement: its community consents,
    through a leader or coordinator (``achievement_id`` set, no recipient).
    """

    id: str
    title: str
    recipient_user_id: int | None
    community_id: int | None
    achievement_id: str | None = None


def person_subject(endorser: User, person: User) -> Subject:
    """A person, by their Profile id (their DID)."""
    if person.id == endorser.id:
        raise Forbidden("endorsement.of-yourself")
    return Subject(person.issuer.did, person.display_name, person.id, None)


def credential_subject(session: Session, endorser: User, row_uuid: str) -> Subject:
    """A badge, by its credential id as signed; never one you received or issued yourself."""
    row = session.get(IssuedCredential, row_uuid) if len(row_uuid) <= 36 else None
    if row is None or row.kind not in BADGE_KINDS or not can_see(row, endorser):
        raise NotFound("badge.not-visible", id=row_uuid)
    award = row.award  # None for a badge signed through the VC-API: nobody here received it
    recipient_id, author_id, community_id = (award.recipient_user_id, award.author_user_id,
                                             award.community_id) if award else (None, None, None)
    if endorser.id in (recipient_id, author_id) or row.issuer_id == endorser.issuer_id:
        raise Forbidden("endorsement.of-own-badge")
    if row.revoked_at is not None:
        raise Forbidden("endorsement.of-revoked-badge")
    return Subject(row.vc_id, credential_name(row), recipient_id, community_id)


def achievement_subject(session: Session, platform: Platform, endorser: User,
                        achievement: Achievement) -> Subject:
    """An achievement (badge class), by its public URL.

    Its community's leaders and coordinators define achievements, so they do not endorse them
    (the community would be praising itself); a closed community's achievements are endorsed
    by its active members only. Anyone else logged in may endorse an open community's.
    """
    community = achievement.community
    role = active_role(session, community, endorser)
    if role in LEADER_ROLES:
        raise Forbidden("endorsement.by-leader", community=community.name)
    if not community.open_membership and role is None:
        raise Forbidden("endorsement.members-only", community=community.name)
    return Subject(platform.urls.achievement(achievement.id), achievement.name, None,
                   achievement.community_id, achievement.id)


def existing(session: Session, endorser: User, subject: Subject) -> Award | None:
    """The endorser's live endorsement of this subject, if any."""
    return session.scalar(select(Award).where(
        Award.author_user_id == endorser.id, Award.subject_ref == subject.id,
        Award.kind == "endorsement", Award.revoked_at.is_(None)))


def endorse(session: Session, platform: Platform, endorser: User, subject: Subject,
            said: Points) -> IssuedCredential:
    """Sign a new endorsement, or edit (re-sign) the endorser's existing one of this subject;
    returns the signed credential (its ``award`` is the endorsement)."""
    award = existing(session, endorser, subject)
    if award is not None:
        return _resign(session, platform, award, subject, said)
    _within_rate_limit(endorser)(session)  # refuse early, before any signing
    row_id, now = str(uuid.uuid4()), now_utc()
    document = _document(platform.credential_url(row_id), endorser, subject, said, now)
    document["awardedDate"] = document["validFrom"]
    return issuing.issue(session, platform, document, issuer=endorser.issuer, row_id=row_id,
                         guard=_within_rate_limit(endorser, lock=True, subject=subject), award=Award(
        id=row_id, kind="endorsement", issuer_id=endorser.issuer_id, author_user_id=endorser.id,
        recipient_user_id=subject.recipient_user_id, community_id=subject.community_id,
        subject_ref=subject.id, achievement_id=subject.achievement_id, consent="pending",
        visibility="private", created_at=now))


def _within_rate_limit(endorser: User, *, lock: bool = False, subject: Subject | None = None):
    """A check of the hourly limit (and, with ``subject``, of one endorsement per subject); with
    ``lock``, it holds until the new row commits.

    Counting and then inserting let concurrent requests (several workers) all pass the count;
    locking the endorser's row first makes their check-and-insert one at a time.
    """
    def check(session: Session) -> None:
        if lock:
            storage.lock_row(session, User, endorser.id)
        if subject is not None and existing(session, endorser, subject) is not None:
            raise FieldError("endorsement.duplicate", field="comment")
        if new_in_last_hour(session, endorser) >= RATE_LIMIT_PER_HOUR:
            raise RateLimited("endorsement.rate-limited", field="comment", limit=RATE_LIMIT_PER_HOUR)
    return check


def _document(vc_id: str, endorser: User, subject: Subject, said: Points, now) -> dict:
    return documents.endorsement_credential(
        vc_id, issuer_profile(endorser.issuer), subject.id, valid_from=now,
        name=f"Endorsement of {subject.title}", endorsement_comment=said.to_markdown(),
        check=False)  # issue() and reissue() check what they sign


def _resign(session: Session, platform: Platform, award: Award, subject: Subject,
            said: Points) -> IssuedCredential:
    """Edit: re-issued in place with a new validFrom; the recipient consents again to new words."""
    endorser = session.get(User, award.author_user_id)
    credential = award.credential
    document = _document(credential.vc_id, endorser, subject, said, now_utc())
    return issuing.reissue(session, platform, credential, document,
                           {"consent": "pending", "visibility": "private"})


def own_endorsement(session: Session, endorser: User, row_uuid: str) -> Award:
    """An endorsement this person signed, or NotFound (also for other people's)."""
    row = session.get(Award, row_uuid) if len(row_uuid) <= 36 else None
    if row is None or row.kind != "endorsement" or row.author_user_id != endorser.id:
        raise NotFound("endorsement.not-yours", id=row_uuid)
    return row


def revoke_endorsement(session: Session, platform: Platform, endorser: User, row_uuid: str,
                       reason: str | None) -> Award:
    """The endorser withdraws their endorsement for good, saying why."""
    row = own_endorsement(session, endorser, row_uuid)
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise FieldError("endorsement.revocation-reason", field="reason", limit=500)
    if row.revoked_at is not None:
        raise FieldError("endorsement.already-revoked", field="reason")
    return issuing.revoke_award(session, platform, row, reason)


# The community's consent to endorsements of its achievements, given by a leader or coordinator.
COMMUNITY_DECISIONS = {"accept": {"consent": "accepted"},
                       "decline": {"consent": "declined", "visibility": "private"},
                       "public": {"visibility": "public"}, "private": {"visibility": "private"}}


def achievement_endorsements(session: Session, community: Community) -> list[Award]:
    """Live endorsements of the community's achievements, whatever their consent, newest first."""
    return list(session.scalars(select(Award).where(
        Award.community_id == community.id, Award.kind == "endorsement",
        Award.achievement_id.is_not(None), Award.recipient_user_id.is_(None),
        Award.revoked_at.is_(None)).order_by(Award.created_at.desc())
        .options(selectinload(Award.credential))))


def decide_achievement_endorsement(session: Session, leader: User, community: Community,
                                   row_uuid: str, decision: str) -> Award:
    """A leader or coordinator accepts or declines an endorsement of an achievement, and
    chooses whether it is public; only accepted ones can be public."""
    require_leader(session, community, leader)
    row = session.get(Award, row_uuid) if len(row_uuid) <= 36 else None
    if row is None or row.community_id != community.id or row.kind != "endorsement" \
            or row.achievement_id is None or row.recipient_user_id is not None or row.revoked_at is not None:
        raise NotFound("community.no-endorsement", community=community.name, id=row_uuid)
    if decision not in COMMUNITY_DECISIONS:
        raise FieldError("decision.unknown", field="decision", decisions=tuple(COMMUNITY_DECISIONS))
    if decision == "public" and row.consent != "accepted":
        raise FieldError("decision.needs-consent", field="decision")
    with transaction(session):
        for name, value in COMMUNITY_DECISIONS[decision].items():
            setattr(row, name, value)
    return row
