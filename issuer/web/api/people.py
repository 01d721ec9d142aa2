"""JSON API of people: profiles, the consent inbox, endorsements (documented in openapi/people.json)."""

from __future__ import annotations

import json

from flask import Response, g, jsonify

from ... import storage
from ...services import endorsing, recognition
from ..body import json_body, member
from ..context import platform
from ..lookups import achievement_or_404, person_or_404
from .v1 import bp, require_token


@bp.get("/people/<handle>")
def api_person(handle: str):
    person = person_or_404(handle)
    session = storage.get_session()
    items = [i for _, group in recognition.public_groups(session, person) for i in group]
    return jsonify({"handle": person.handle, "displayName": person.display_name, "bio": person.bio,
                    "did": person.issuer.did, "url": person.issuer.url,
                    "profile": recognition.profile_document(session, person),
                    "credentials": [i.to_json() for i in items]})


@bp.get("/me/credentials")
@require_token
def api_my_credentials():
    items = recognition.incoming(storage.get_session(), g.api_user)
    return jsonify([i.to_json(private=True) for i in items])


@bp.post("/me/credentials/<uuid>/accept")
@require_token
def api_me_accept(uuid: str):
    return _changed(recognition.set_consent(storage.get_session(), g.api_user, uuid, "accepted"))


@bp.post("/me/credentials/<uuid>/decline")
@require_token
def api_me_decline(uuid: str):
    return _changed(recognition.set_consent(storage.get_session(), g.api_user, uuid, "declined"))


@bp.patch("/me/credentials/<uuid>")
@require_token
def api_me_visibility(uuid: str):
    visibility = member(json_body(), "visibility", str)
    return _changed(recognition.set_visibility(storage.get_session(), g.api_user, uuid, visibility))


def _changed(row):
    return jsonify(recognition.item(storage.get_session(), row).to_json(private=True))


def _points() -> endorsing.Points:
    body = json_body()
    values = {name: member(body, key, str, required=False)
              for name, key in (("comment", "comment"), ("how_known", "howKnown"),
                                ("observed", "observed"), ("link", "link"))}
    return endorsing.points(**values)


def _signed(row) -> Response:
    """201 for a new endorsement, 200 for an edit; the body holds the credential as signed."""
    text = json.dumps({"id": row.id, "url": platform().credential_url(row.id),
                       "edited": row.updated_at is not None, "consent": row.award.consent,
                       "visibility": row.award.visibility})
    text = text[:-1] + ', "verifiableCredential": ' + row.signed_json + "}"
    return Response(text, status=200 if row.updated_at else 201, mimetype="application/json",
                    headers={"Location": platform().credential_url(row.id)})


@bp.post("/people/<handle>/endorsements")
@require_token
def api_endorse_person(handle: str):
    subject = endorsing.person_subject(g.api_user, person_or_404(handle))
    return _signed(endorsing.endorse(storage.get_session(), platform(), g.api_user, subject, _points()))


@bp.post("/credentials/<uuid>/endorsements")
@require_token
def api_endorse_credential(uuid: str):
    session = storage.get_session()
    subject = endorsing.credential_subject(session, g.api_user, uuid)
    return _signed(endorsing.endorse(session, platform(), g.api_user, subject, _points()))


@bp.post("/achievements/<achievement_id>/endorsements")
@require_token
def api_endorse_achievement(achievement_id: str):
    session, achievement = storage.get_session(), achievement_or_404(achievement_id)
    subject = endorsing.achievement_subject(session, platform(), g.api_user, achievement)
    return _signed(endorsing.endorse(session, platform(), g.api_user, subject, _points()))


@bp.post("/endorsements/<uuid>/revoke")
@require_token
def api_revoke_endorsement(uuid: str):
    reason = member(json_body(), "reason", str, required=False)
    session = storage.get_session()
    row = endorsing.revoke_endorsement(session, platform(), g.api_user, uuid, reason)
    return jsonify({"id": row.id, "credentialId": row.credential.vc_id, "status": "revoked",
                    "reason": row.revocation_reason, "revokedAt": row.revoked_at.isoformat()})

