"""A person's recognition story for their profile page: plain view models, built from public items.

Each badge carries its endorsements; endorsements of the person and the recognition they gave
sit beside them; all of it grouped by community (with the person's role there), and the same
items again as a timeline. Only what :mod:`.published` makes public shows, except that the
person, looking at their own profile, also sees their revoked items, marked.

An endorsement of a person names no community when it is signed, so it is filed under the
community the two share (the one they have shared longest), not "outside any community".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..explain import date_words
from ..storage import Achievement, Community, IssuedCredential, Membership, User
from .communities import members_visible
from .endorsing import parse_points
from .published import PublicAward, newest_first, public_awards, public_awards_given
from .recognition import credential_name
from .showing import describe

VIEWS = ("communities", "timeline")


@dataclass(frozen=True)
class When:
    """A moment, for people ("1 December 2026") and for machines (ISO 8601)."""

    at: datetime

    @property
    def text(self) -> str:
        return date_words(self.at)

    @property
    def iso(self) -> str:
        return self.at.isoformat()


@dataclass(frozen=True)
class Link:
    """A person (``handle``) or a community (``slug``) a page links to, by name."""

    name: str
    handle: str | None = None
    slug: str | None = None


@dataclass(frozen=True)
class Revocation:
    when: When
    reason: str


@dataclass(frozen=True)
class Endorsement:
    """An endorsement: who said it, about what, and their points (comment in Markdown)."""

    id: str
    endorser: Link
    subject: Link | None  # the person endorsed (their badge's recipient); None: an achievement
    badge_name: str | None  # endorsing a badge: its name (``badge_id`` its page)
    badge_id: str | None
    achievement_id: str | None
    achievement_name: str | None
    comment: str
    how_known: str
    observed: str
    link: str
    when: When
    revoked: Revocation | None = None


@dataclass(frozen=True)
class Badge:
    """A badge as its signed credential says, with who awarded it and its endorsements."""

    id: str
    name: str
    image: dict | None
    description: str | None
    narrative: str | None
    evidence: list[dict]
    recipient: Link | None
    awarded_by: Link | None
    issuer_name: str
    peer: bool
    when: When
    endorsements: list[Endorsement] = field(default_factory=list)
    revoked: Revocation | None = None


@dataclass
class Group:
    """One community (None: recognition outside the person's communities) and what happened there."""

    community: Link | None
    role: str | None = None
    member_since: When | None = None
    badges: list[Badge] = field(default_factory=list)
    endorsements: list[Endorsement] = field(default_factory=list)
    given_badges: list[Badge] = field(default_factory=list)
    given_endorsements: list[Endorsement] = field(default_factory=list)

    @property
    def has_items(self) -> bool:
        return bool(self.badges or self.endorsements or self.given_badges or self.given_endorsements)


@dataclass(frozen=True)
class Entry:
    """One line of the timeline: ``kind`` is badge, endorsement, gave-badge, gave-endorsement
    or joined; ``item`` the Badge, Endorsement or Group."""

    when: When
    kind: str
    item: object
    community: Link | None


@dataclass
class Story:
    person: Link
    owner: bool
    groups: list[Group]
    timeline: list[Entry]

    @property
    def received(self) -> int:
        return sum(len(g.badges) + len(g.endorsements) for g in self.groups)

    @property
    def given(self) -> int:
        return sum(len(g.given_badges) + len(g.given_endorsements) for g in self.groups)

    @property
    def empty(self) -> bool:
        return not any(g.has_items for g in self.groups)


def profile_story(session: Session, user: User, viewer: User | None = None) -> Story:
    """The person's public recognition, grouped by community and as a timeline."""
    owner = bool(getattr(viewer, "is_authenticated", False)) and getattr(viewer, "id", None) == user.id
    reader = _Reader(session, user)
    groups = reader.groups(viewer)
    received = newest_first(public_awards(session, user, include_revoked=owner))
    for item in sorted(received, key=lambda i: i.award.kind != "badge"):  # badges before their endorsements
        reader.receive(item)
    for item in newest_first(public_awards_given(session, user)):
        reader.give(item)
    ordered = sorted(groups.values(), key=lambda g: (g.community is None, (g.community.name.lower()
                                                                           if g.community else "")))
    shown = [g for g in ordered if g.has_items or g.role]
    return Story(_person(user), owner, shown, _timeline(shown))


class _Reader:
    """Reads public awards into groups; remembers people, communities and memberships it met."""

    def __init__(self, session: Session, user: User):
        self.session, self.user = session, user
        self.groups_by_id: dict[int | None, Group] = {}
        self.badges_by_vc_id: dict[str, Badge] = {}
        self.memberships = _memberships(session, user.id)

    def groups(self, viewer: User | None) -> dict[int | None, Group]:
        for membership in self.memberships.values():
            community = membership.community
            group = self._group(community.id)
            if members_visible(self.session, community, viewer):
                group.role, group.member_since = membership.role, When(membership.created_at)
        return self.groups_by_id

    def _group(self, community_id: int | None) -> Group:
        if community_id not in self.groups_by_id:
            community = self.session.get(Community, community_id) if community_id else None
            self.groups_by_id[community_id] = Group(
                Link(community.name, slug=community.slug) if community else None)
        return self.groups_by_id[community_id]

    def receive(self, item: PublicAward) -> None:
        """A badge goes to its community; an endorsement under its badge, or of the person."""
        award = item.award
        if award.kind == "badge":
            badge = self._badge(item)
            self._group(award.community_id).badges.append(badge)
            self.badges_by_vc_id[item.credential.vc_id] = badge
            return
        endorsement = self._endorsement(item)
        badge = self.badges_by_vc_id.get(award.subject_ref or "")
        if badge is not None:
            badge.endorsements.append(endorsement)
        else:
            self._group(self._community_of(item)).endorsements.append(endorsement)

    def give(self, item: PublicAward) -> None:
        group = self._group(self._community_of(item))
        if item.award.kind == "badge":
            group.given_badges.append(self._badge(item))
        else:
            group.given_endorsements.append(self._endorsement(item))

    def _community_of(self, item: PublicAward) -> int | None:
        """The award's community, or for an endorsement of a person the one both share."""
        award = item.award
        if award.community_id is not None:
            return award.community_id
        other = award.author_user_id if award.recipient_user_id == self.user.id else award.recipient_user_id
        return _shared_community(self.memberships, _memberships(self.session, other) if other else {})

    def _badge(self, item: PublicAward) -> Badge:
        award, said = item.award, describe(item.document)
        issuer = item.document.get("issuer")
        issuer_name = issuer.get("name") if isinstance(issuer, dict) else None
        return Badge(
            id=award.id, name=said["name"], image=said["image"], description=said["description"],
            narrative=said["narrative"], evidence=said["evidence"],
            recipient=self._person_link(award.recipient_user_id),
            awarded_by=self._person_link(award.author_user_id),
            issuer_name=str(issuer_name or award.issuer.name), peer=award.peer_issued,
            when=When(item.at), revoked=_revocation(award))

    def _endorsement(self, item: PublicAward) -> Endorsement:
        award = item.award
        points = parse_points(describe(item.document)["comment"])
        endorsed = self._endorsed_badge(award.subject_ref)
        achievement = award.achievement_id and not award.recipient_user_id
        return Endorsement(
            id=award.id, endorser=self._person_link(award.author_user_id) or Link(award.issuer.name),
            subject=None if achievement else self._person_link(award.recipient_user_id),
            badge_name=credential_name(endorsed) if endorsed else None,
            badge_id=endorsed.award_id if endorsed else None,
            achievement_id=award.achievement_id if achievement else None,
            achievement_name=self._achievement_name(award.achievement_id) if achievement else None,
            comment=points.comment, how_known=points.how_known, observed=points.observed,
            link=points.link, when=When(item.at), revoked=_revocation(award))

    def _endorsed_badge(self, subject_ref: str | None) -> IssuedCredential | None:
        if not subject_ref or not subject_ref.startswith(("http://", "https://")):
            return None
        return self.session.scalar(select(IssuedCredential).where(
            IssuedCredential.vc_id == subject_ref, IssuedCredential.holder_did.is_(None),
            IssuedCredential.award_id.is_not(None)))

    def _achievement_name(self, achievement_id: str) -> str | None:
        found = self.session.get(Achievement, achievement_id)
        return found.name if found else None

    def _person_link(self, user_id: int | None) -> Link | None:
        found = self.session.get(User, user_id) if user_id else None
        return _person(found) if found else None


def _person(user: User) -> Link:
    return Link(user.display_name, handle=user.handle)


def _revocation(award) -> Revocation | None:
    return Revocation(When(award.revoked_at), award.revocation_reason or "") if award.revoked_at else None


def _memberships(session: Session, user_id: int) -> dict[int, Membership]:
    """The person's active memberships by community id."""
    rows = session.scalars(select(Membership).where(Membership.user_id == user_id,
                                                    Membership.status == "active"))
    return {row.community_id: row for row in rows}


def _shared_community(mine: dict[int, Membership], theirs: dict[int, Membership]) -> int | None:
    """The community both belong to, the one shared longest when several; None when none."""
    shared = set(mine) & set(theirs)
    if not shared:
        return None
    return min(shared, key=lambda c: (max(mine[c].created_at, theirs[c].created_at), c))


def _timeline(groups: list[Group]) -> list[Entry]:
    """Everything shown, newest first: badges (with their endorsements), endorsements, what the
    person gave, and when they joined a community."""
    entries = []
    for group in groups:
        where = group.community
        entries += [Entry(b.when, "badge", b, where) for b in group.badges]
        entries += [Entry(e.when, "endorsement", e, where) for e in group.endorsements]
        entries += [Entry(b.when, "gave-badge", b, where) for b in group.given_badges]
        entries += [Entry(e.when, "gave-endorsement", e, where) for e in group.given_endorsements]
        if group.member_since is not None:
            entries.append(Entry(group.member_since, "joined", group, where))
    # awards are dated to the second, joins finer: a join never sorts after what followed it
    return sorted(entries, key=lambda e: (e.when.at.replace(microsecond=0), e.kind != "joined"),
                  reverse=True)
