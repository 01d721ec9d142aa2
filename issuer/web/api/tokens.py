"""API tokens in the JSON API: list, create (the plain token is shown once), revoke."""

from __future__ import annotations

from flask import abort, g, jsonify

from ... import storage
from ...services import tokens
from ..body import json_body, member
from .v1 import bp, require_token


def _token_json(record) -> dict:
    return {"id": record.id, "name": record.name, "createdAt": record.created_at.isoformat(),
            "lastUsedAt": record.last_used_at.isoformat() if record.last_used_at else None,
            "revoked": record.revoked_at is not None}


@bp.get("/tokens")
@require_token
def api_tokens():
    return jsonify([_token_json(t) for t in tokens.tokens_of(storage.get_session(), g.api_user)])


@bp.post("/tokens")
@require_token
def api_create_token():
    name = member(json_body(), "name", str)
    record, plain = tokens.create_token(storage.get_session(), g.api_user, name)
    return jsonify({**_token_json(record), "token": plain}), 201


@bp.delete("/tokens/<int:token_id>")
@require_token
def api_revoke_token(token_id: int):
    if not tokens.revoke_token(storage.get_session(), g.api_user, token_id):
        abort(404, description=f"no token {token_id} of yours")
    return "", 204
