"""Achievements and badges in the JSON API (on api.bp, bearer tokens, problem+json errors).

Described in issuer/openapi/achievements.json; each endpoint mirrors a page of web/achievements.py.
"""

from __future__ import annotations

import base64
import binascii
import json

from flask import g, jsonify

from ... import storage
from ...services import badges
from ..body import json_body, member
from ..context import platform
from ..errors import BadRequest
from ..lookups import achievement_or_404, badge_or_404, community_or_404
from .v1 import bp, require_token


def _api_fields(body: dict) -> dict:
    """Achievement fields from a JSON body (all optional here; the service says what is missing)."""
    fields = {name: member(body, key, str, required=False) for key, name in (
        ("name", "name"), ("description", "description"), ("criteria", "criteria"),
        ("achievementType", "achievement_type"))}
    fields = {name: value for name, value in fields.items() if value is not None}
    if "tags" in body:
        fields["tags"] = [str(t) for t in member(body, "tags", list)]
    if "alignments" in body:
        fields["alignments"] = [{"name": a.get("targetName"), "url": a.get("targetUrl")}
                                if isinstance(a, dict) else {} for a in member(body, "alignments", list)]
    image = member(body, "image", dict, required=False)
    if image is not None:
        try:
            data = base64.b64decode(member(image, "data", str), validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("image.data: must be base64", kind="wrong-type") from None
        fields["image"] = (data, member(image, "filename", str, required=False) or "")
        fields["alt"] = member(image, "alt", str, required=False)
    return fields


def _achievement_response(achievement, status: int = 200):
    response = jsonify(badges.achievement_json(platform(), achievement, context=True))
    response.status_code = status
    response.headers["Location"] = badges.achievement_url(platform(), achievement)
    return response


@bp.post("/communities/<slug>/achievements")
@require_token
def api_define_achievement(slug: str):
    community, fields = community_or_404(slug), _api_fields(json_body())
    found = badges.define_achievement(storage.get_session(), platform(), community, g.api_user, **fields)
    return _achievement_response(found, 201)


@bp.get("/achievements/<achievement_id>")
@require_token
def api_achievement(achievement_id: str):
    return _achievement_response(achievement_or_404(achievement_id))


@bp.patch("/achievements/<achievement_id>")
@require_token
def api_update_achievement(achievement_id: str):
    achievement, fields = achievement_or_404(achievement_id), _api_fields(json_body())
    badges.update_achievement(storage.get_session(), platform(), achievement, g.api_user, **fields)
    return _achievement_response(achievement)


@bp.post("/achievements/<achievement_id>/awards")
@require_token
def api_award_achievement(achievement_id: str):
    session, achievement, body = storage.get_session(), achievement_or_404(achievement_id), json_body()
    handles = [h for h in member(body, "recipients", list) if isinstance(h, str)]
    results = badges.award(session, platform(), achievement=achievement,
                           recipients=badges.users_by_handles(session, handles), author=g.api_user,
                           narrative=member(body, "narrative", str, required=False),
                           evidence=member(body, "evidence", list, required=False) or [],
                           peer=member(body, "peer", bool, required=False))
    awarded = [{"recipient": r.recipient.handle, "id": r.credential.id, "url": r.credential.vc_id,
                "verifiableCredential": json.loads(r.credential.signed_json)}
               for r in results if r.credential is not None]
    failed = [{"recipient": r.recipient.handle, "detail": r.error} for r in results if r.error]
    return jsonify({"awarded": awarded, "failed": failed}), 207 if failed else 201


def _badge_json(listing: badges.BadgeListing) -> dict:
    badge = listing.badge
    return {"id": badge.id, "url": badge.credential.vc_id, "achievement": badges.achievement_url(platform(), listing.achievement),
            "achievementName": listing.achievement.name, "recipient": listing.recipient.handle,
            "issuedBy": listing.author.handle, "peerIssued": badge.peer_issued,
            "issuedAt": badge.created_at.isoformat(), "consent": badge.consent,
            "revoked": badge.revoked_at is not None, "revocationReason": badge.revocation_reason}


@bp.get("/communities/<slug>/badges")
@require_token
def api_community_badges(slug: str):
    listings = badges.badges_of(storage.get_session(), community_or_404(slug), g.api_user)
    return jsonify([_badge_json(listing) for listing in listings])


@bp.post("/badges/<badge_id>/revoke")
@require_token
def api_revoke_badge(badge_id: str):
    session, badge = storage.get_session(), badge_or_404(badge_id)
    reason = member(json_body(), "reason", str)
    badges.revoke_badge(session, platform(), badge, g.api_user, reason)
    return jsonify(_badge_json(badges.listing_of(session, badge)))
