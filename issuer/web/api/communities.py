"""Communities in the JSON API (/api/v1/communities…): the same actions as the pages, with tokens."""

from __future__ import annotations

import base64
import binascii

from flask import abort, g, jsonify, url_for

from ... import storage
from ...services import communities as service
from ...services import endorsing, invitations
from ...services.recognition import item
from ...services.roles import LEADER_ROLES, active_role, require_leader
from ...storage import Community, Membership
from ..body import json_body, member
from ..context import platform
from ..errors import BadRequest
from ..lookups import community_or_404, invitation_or_404, member_or_404
from .v1 import bp, require_token

TEXT_FIELDS = {"name": "name", "slug": "slug", "domain": "domain", "purpose": "purpose",
               "practice": "practice"}
FLAGS = {"openMembership": "open_membership", "allowPeerBadges": "allow_peer_badges"}


def community_json(community: Community, members: int | None = None) -> dict:
    found = {"slug": community.slug, "name": community.name, "domain": community.domain,
             "purpose": community.purpose, "practice": community.practice,
             "openMembership": community.open_membership, "allowPeerBadges": community.allow_peer_badges,
             "linkedinOrganizationId": community.linkedin_organization_id,
             "did": community.issuer.did, "url": community.issuer.url,
             "image": community.issuer.image_url, "imageAlt": community.issuer.image_caption}
    return found if members is None else {**found, "members": members}


def membership_json(found: Membership) -> dict:
    return {"handle": found.user.handle, "displayName": found.user.display_name, "role": found.role,
            "status": found.status, "since": found.created_at.isoformat()}


def integer(body: dict, name: str, default: int) -> int:
    """An optional whole-number member of the body (true/false are not numbers)."""
    value = body.get(name, default)
    if type(value) is not int:
        raise BadRequest(f"{name}: must be a whole number", kind="wrong-type")
    return value


def fields_from(body: dict) -> dict:
    """The body's community fields as keyword arguments of create/update_community."""
    fields = {key: member(body, name, str, required=False) for name, key in TEXT_FIELDS.items()
              if name in body}
    fields.update({key: member(body, name, bool) for name, key in FLAGS.items() if name in body})
    if "linkedinOrganizationId" in body:  # digits, or null (or "") to remove it
        fields["linkedin_organization_id"] = (None if body["linkedinOrganizationId"] is None
                                              else member(body, "linkedinOrganizationId", str))
    upload = member(body, "image", dict, required=False)
    if upload is not None:
        try:
            fields["image"] = base64.b64decode(member(upload, "data", str), validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("image.data: must be base64", kind="wrong-type") from None
        fields["image_filename"] = member(upload, "filename", str, required=False) or ""
        fields["image_alt"] = member(upload, "alt", str, required=False) or ""
    return fields


@bp.get("/communities")
@require_token
def api_communities():
    return jsonify([community_json(c, n) for c, n in service.all_communities(storage.get_session())])


@bp.post("/communities")
@require_token
def api_create_community():
    created = service.create_community(storage.get_session(), platform(), g.api_user,
                                       **fields_from(json_body()))
    response = jsonify(community_json(created, 1))
    response.headers["Location"] = url_for("api.api_community", slug=created.slug)
    return response, 201


@bp.get("/communities/<slug>")
@require_token
def api_community(slug: str):
    community = community_or_404(slug)
    members = len(service.active_members(storage.get_session(), community))
    return jsonify({**community_json(community, members), "profile": service.community_profile(community)})


@bp.patch("/communities/<slug>")
@require_token
def api_update_community(slug: str):
    community = community_or_404(slug)
    current = {"name": community.name, "domain": community.domain, "purpose": community.purpose,
               "practice": community.practice}
    service.update_community(storage.get_session(), platform(), g.api_user, community,
                             **{**current, **fields_from(json_body())})
    return jsonify(community_json(community))


@bp.post("/communities/<slug>/join")
@require_token
def api_join(slug: str):
    return jsonify(membership_json(service.join(storage.get_session(), community_or_404(slug), g.api_user)))


@bp.post("/communities/<slug>/leave")
@require_token
def api_leave(slug: str):
    service.leave(storage.get_session(), community_or_404(slug), g.api_user)
    return "", 204


@bp.get("/communities/<slug>/members")
@require_token
def api_members(slug: str):
    """Active members (of a closed community: for its members only); leaders also see requests."""
    session, community = storage.get_session(), community_or_404(slug)
    found = service.visible_members(session, community, g.api_user)
    if active_role(session, community, g.api_user) in LEADER_ROLES:
        found += service.pending_requests(session, community)
    return jsonify([membership_json(m) for m in found])


@bp.post("/communities/<slug>/members/<handle>/approve")
@require_token
def api_approve(slug: str, handle: str):
    found = member_or_404(community_or_404(slug), handle)
    return jsonify(membership_json(service.approve(storage.get_session(), g.api_user, found)))


@bp.post("/communities/<slug>/members/<handle>/decline")
@require_token
def api_decline(slug: str, handle: str):
    return _on_member(service.decline, slug, handle)


@bp.patch("/communities/<slug>/members/<handle>")
@require_token
def api_set_role(slug: str, handle: str):
    found = member_or_404(community_or_404(slug), handle)
    role = member(json_body(), "role", str)
    return jsonify(membership_json(service.set_role(storage.get_session(), g.api_user, found, role)))


@bp.delete("/communities/<slug>/members/<handle>")
@require_token
def api_remove(slug: str, handle: str):
    return _on_member(service.remove_member, slug, handle)


def _on_member(action, slug: str, handle: str):
    """Decline or remove a membership: the acting user's decision, no content in return."""
    action(storage.get_session(), g.api_user, member_or_404(community_or_404(slug), handle))
    return "", 204


@bp.get("/communities/<slug>/endorsements")
@require_token
def api_achievement_endorsements(slug: str):
    session, community = storage.get_session(), community_or_404(slug)
    require_leader(session, community, g.api_user)
    return jsonify([item(session, row).to_json(private=True)
                    for row in endorsing.achievement_endorsements(session, community)])


@bp.post("/communities/<slug>/endorsements/<uuid>/<decision>")
@require_token
def api_decide_endorsement(slug: str, uuid: str, decision: str):
    session, community = storage.get_session(), community_or_404(slug)
    if decision not in endorsing.COMMUNITY_DECISIONS:
        abort(404, description=f"there is no decision {decision!r}; use one of "
                               + ", ".join(endorsing.COMMUNITY_DECISIONS))
    row = endorsing.decide_achievement_endorsement(session, g.api_user, community, uuid, decision)
    return jsonify(item(session, row).to_json(private=True))


@bp.post("/communities/<slug>/invitations")
@require_token
def api_invite(slug: str):
    body = json_body()
    invitation, url = invitations.create_invitation(
        storage.get_session(), platform(), community_or_404(slug), g.api_user,
        role=member(body, "role", str, required=False) or "member",
        days=integer(body, "days", 14), uses=integer(body, "uses", 1))
    return jsonify({"url": url, "role": invitation.role, "expiresAt": invitation.expires_at.isoformat(),
                    "usesLeft": invitation.uses_left}), 201


@bp.post("/invitations/<token>/accept")
@require_token
def api_accept_invitation(token: str):
    session, invitation = storage.get_session(), invitation_or_404(token)
    joined = invitations.accept_invitation(session, invitation, g.api_user)  # refused: a 410
    return jsonify({**membership_json(joined), "community": invitation.community.slug})
