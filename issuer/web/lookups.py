"""The row a URL names, or a 404 saying what was not found: one lookup per kind of row, shared by
the pages and the JSON API so both answer an unknown id the same way."""

from __future__ import annotations

from flask import abort

from .. import storage
from ..services import badges, invitations, showing
from ..services.communities import community_by_slug, membership_of
from ..services.people import user_by_handle
from ..storage import Community, Invitation, IssuedCredential, Membership, User

MAX_ID_CHARS = 36  # row uuids; a longer value names nothing, so it is not looked up


def community_or_404(slug: str) -> Community:
    found = community_by_slug(storage.get_session(), slug)
    if found is None:
        abort(404, description=f"there is no community at /communities/{slug}")
    return found


def member_or_404(community: Community, handle: str) -> Membership:
    """The membership (any status) of @handle in the community."""
    found = membership_of(storage.get_session(), community, handle)
    if found is None:
        abort(404, description=f"{handle} is not a member of {community.name}")
    return found


def achievement_or_404(achievement_id: str):
    found = (badges.achievement_by_id(storage.get_session(), achievement_id)
             if len(achievement_id) <= MAX_ID_CHARS else None)
    if found is None:
        abort(404, description=f"there is no achievement {achievement_id}")
    return found


def badge_or_404(badge_id: str) -> IssuedCredential:
    """A badge issued from an achievement (not any credential)."""
    found = badges.badge_by_id(storage.get_session(), badge_id) if len(badge_id) <= MAX_ID_CHARS else None
    if found is None:
        abort(404, description=f"there is no badge {badge_id}")
    return found


def person_or_404(handle: str) -> User:
    """The account with this handle."""
    user = user_by_handle(storage.get_session(), handle) if len(handle) <= 40 else None
    if user is None:
        abort(404, description=f"there is no one called @{handle} here")
    return user


def visible_credential_or_404(uuid: str, viewer: User | None) -> IssuedCredential:
    """A stored credential ``viewer`` may see (services.showing.can_see): an unknown one and one
    that is not theirs to see get the same answer."""
    row = showing.visible_credential(storage.get_session(), uuid, viewer)
    if row is None:
        abort(404, description=f"there is no credential {uuid} here that you may see")
    return row


def invitation_or_404(token: str) -> Invitation:
    found = invitations.invitation_by_token(storage.get_session(), token)
    if found is None:
        abort(404, description="this invitation is not known; check that you copied all of it")
    return found
