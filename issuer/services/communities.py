"""Communities of practice: create and edit them, join, leave, approve requests, manage roles.

Every unit of work commits once or rolls back entirely. Role checks go through roles.py; the
last leader of a community can neither leave, be removed nor be demoted, so a community always
has someone who can manage it.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from .. import images, linkedin
from ..credentials.vocab import OB_CONTEXTS
from ..storage import ROLES, Community, Membership, User
from .issuers import issuer_profile, new_issuer
from .errors import FieldError, Forbidden
from .platform import Platform
from .roles import active_role, require_leader, require_manage
from .transaction import savepoint, transaction

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?")
RESERVED_SLUGS = {"new", "api", "join", "images"}
LIMITS = {"alt": images.MAX_ALT, "name": 120, "domain": 2000, "purpose": 4000, "practice": 4000}


def slugify(name: str) -> str:
    """A URL slug from a name: ASCII lower-case letters, digits and single hyphens."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:50].strip("-")


def community_by_slug(session: Session, slug: str) -> Community | None:
    return session.scalar(select(Community).where(Community.slug == slug.lower()))


def all_communities(session: Session) -> list[tuple[Community, int]]:
    """Every community with its number of active members, by name."""
    counts = (select(Membership.community_id, func.count().label("n"))
              .where(Membership.status == "active").group_by(Membership.community_id).subquery())
    rows = session.execute(select(Community, func.coalesce(counts.c.n, 0))
                           .outerjoin(counts, counts.c.community_id == Community.id)
                           .order_by(func.lower(Community.name)))
    return [(community, count) for community, count in rows]


def _members(session: Session, community: Community, status: str) -> list[Membership]:
    found = session.scalars(select(Membership).options(selectinload(Membership.user))
                            .where(Membership.community_id == community.id, Membership.status == status))
    return sorted(found, key=lambda m: (ROLES.index(m.role) if m.role in ROLES else len(ROLES),
                                        m.user.display_name.lower()))


def active_members(session: Session, community: Community) -> list[Membership]:
    """Active memberships with their users loaded, by role then name."""
    return _members(session, community, "active")


def members_visible(session: Session, community: Community, user: User | None) -> bool:
    """Who belongs to a community is public when anyone may join; a closed community shows
    its members only to its own active members (others see how many there are)."""
    return community.open_membership or active_role(session, community, user) is not None


def visible_members(session: Session, community: Community, user: User | None) -> list[Membership]:
    """Active members for those who may see them (members_visible), else Forbidden."""
    if not members_visible(session, community, user):
        raise Forbidden("community.members-hidden", community=community.name)
    return active_members(session, community)


def pending_requests(session: Session, community: Community) -> list[Membership]:
    return _members(session, community, "pending")


def membership_of(session: Session, community: Community, handle: str) -> Membership | None:
    """The membership (any status) of the person with this handle, or None."""
    return session.scalar(select(Membership).join(User).where(
        Membership.community_id == community.id, User.handle == handle.lower()))


def community_profile(community: Community) -> dict:
    """The community's OB Profile as a JSON-LD document of its own."""
    return {"@context": list(OB_CONTEXTS), **issuer_profile(community.issuer)}


def _text(fields: dict, name: str, *, required: bool = True) -> str | None:
    value = (fields.get(name) or "").strip()
    if not value:
        if required:
            raise FieldError("community.text-required", field=name)
        return None
    if len(value) > LIMITS[name]:
        raise FieldError("community.text-too-long", field=name, limit=LIMITS[name])
    return value


def _linkedin_id(value: str | None) -> str | None:
    """A LinkedIn company page id: digits only (spaces around them ignored), or None."""
    value = (value or "").strip()
    if value and not linkedin.valid_organization_id(value):
        raise FieldError("community.linkedin-id-invalid", field="linkedin_organization_id")
    return value or None


def _free_slug(session: Session, wanted: str | None, name: str) -> str:
    """The requested slug if valid and free; a derived one (numbered if taken) when none is given."""
    if wanted and wanted.strip():
        slug = wanted.strip().lower()
        if not SLUG.fullmatch(slug) or slug in RESERVED_SLUGS:
            raise FieldError("community.slug-invalid", field="slug")
        if community_by_slug(session, slug):
            raise FieldError("community.slug-taken", field="slug")
        return slug
    base = slugify(name) or "community"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or community_by_slug(session, slug):
        n += 1
        slug = f"{base[:46]}-{n}"
    return slug


def _apply(session: Session, platform: Platform, community: Community, fields: dict) -> None:
    """Copy the checked fields onto the community and its issuer profile (image included)."""
    community.name = _text(fields, "name")
    community.domain, community.purpose = _text(fields, "domain"), _text(fields, "purpose")
    community.practice = _text(fields, "practice", required=False)
    community.open_membership = bool(fields.get("open_membership", community.open_membership))
    community.allow_peer_badges = bool(fields.get("allow_peer_badges", community.allow_peer_badges))
    if "linkedin_organization_id" in fields:  # absent: unchanged; empty or None: cleared
        community.linkedin_organization_id = _linkedin_id(fields["linkedin_organization_id"])
    if fields.get("image"):
        community.image = images.store_image(session, fields["image"], fields.get("image_filename") or "",
                                             fields.get("image_alt") or "")
    elif community.image is not None and (fields.get("image_alt") or "").strip():
        community.image.alt = _text({"alt": fields["image_alt"]}, "alt")
    issuer = community.issuer
    issuer.name, issuer.description = community.name, community.purpose
    if community.image is not None:
        issuer.image_url = platform.urls.image(community.image.id)
        issuer.image_caption = community.image.alt


def create_community(session: Session, platform: Platform, user: User, **fields) -> Community:
    """A community, its issuer (own key and DID) and its creator as leader, in one transaction.

    Fields: name, slug (optional), domain, purpose, practice, open_membership, allow_peer_badges,
    linkedin_organization_id (optional digits),
    image (bytes), image_filename, image_alt.
    """
    name = _text(fields, "name")
    slug = _free_slug(session, fields.get("slug"), name)
    issuer = new_issuer(platform, slug=f"community:{slug}", kind="community", name=name,
                        url=platform.urls.community(slug), did_web=platform.urls.community_did(slug))
    community = Community(slug=slug, issuer=issuer, created_by=user.id,
                          open_membership=True, allow_peer_badges=False)
    with transaction(session):
        _apply(session, platform, community, fields)
        session.add(community)
        session.add(Membership(community=community, user_id=user.id, role="leader", status="active"))
    return community


def update_community(session: Session, platform: Platform, user: User, community: Community,
                     **fields) -> Community:
    """Leaders edit what the community is about, its image and its membership rules."""
    require_leader(session, community, user)
    with transaction(session):
        _apply(session, platform, community, fields)
    return community


def join(session: Session, community: Community, user: User) -> Membership:
    """Join an open community, or ask to join a closed one; an existing membership is kept."""
    found = membership_of(session, community, user.handle)
    if found is not None:
        return found
    found = Membership(community_id=community.id, user_id=user.id, role="member",
                       status="active" if community.open_membership else "pending")
    with transaction(session):
        try:
            with savepoint(session):
                session.add(found)
        except IntegrityError:  # the same person joined in a concurrent request
            found = membership_of(session, community, user.handle)
    return found


def _leader_count(session: Session, community: Community) -> int:
    return session.scalar(select(func.count()).select_from(Membership).where(
        Membership.community_id == community.id, Membership.role == "leader",
        Membership.status == "active")) or 0


def _keep_a_leader(session: Session, member: Membership, field: str) -> None:
    if member.role == "leader" and member.status == "active" and _leader_count(session, member.community) <= 1:
        raise FieldError("community.last-leader", field=field, name=member.user.display_name,
                         community=member.community.name)


def leave(session: Session, community: Community, user: User) -> None:
    """Leave a community (or withdraw a request to join it)."""
    found = membership_of(session, community, user.handle)
    if found is None:
        raise FieldError("community.not-a-member", field="membership", community=community.name)
    _keep_a_leader(session, found, "membership")
    with transaction(session):
        session.delete(found)


def approve(session: Session, leader: User, member: Membership) -> Membership:
    """A leader or coordinator accepts a request to join."""
    require_manage(session, leader, member)
    with transaction(session):
        member.status = "active"
    return member


def decline(session: Session, leader: User, member: Membership) -> None:
    """A leader turns down a request to join; active members are removed with remove_member."""
    require_manage(session, leader, member)
    if member.status != "pending":
        raise FieldError("community.no-pending-request", field="membership", name=member.user.display_name)
    with transaction(session):
        session.delete(member)


def set_role(session: Session, leader: User, member: Membership, role: str) -> Membership:
    """Give a member another role, as roles.py allows; the last leader keeps theirs."""
    require_manage(session, leader, member, role)
    if role not in ROLES:
        raise FieldError("role.unknown", field="role", roles=ROLES)
    if role != "leader":
        _keep_a_leader(session, member, "role")
    with transaction(session):
        member.role = role
    return member


def remove_member(session: Session, leader: User, member: Membership) -> None:
    """Remove someone from the community, as roles.py allows; never its last leader."""
    require_manage(session, leader, member)
    _keep_a_leader(session, member, "membership")
    with transaction(session):
        session.delete(member)
