"""Credentials in the JSON API: explained verification and the signed JSON of a stored credential."""

from __future__ import annotations

from flask import g, jsonify

from ... import storage
from ...services import showing
from ...services.errors import FieldError
from ..body import credential_member, json_body, member
from ..context import platform
from ..errors import BadRequest
from ..lookups import visible_credential_or_404
from ..messages import words
from ..negotiation import signed_json
from ..submitted import fetch_document
from .v1 import bp, require_token


@bp.post("/verify")
@require_token
def api_verify_explained():
    body = json_body()
    if "credential" in body:
        document = credential_member(body, "credential")
    elif "url" in body:
        try:
            document = fetch_document(member(body, "url", str), "url")
        except FieldError as error:
            raise BadRequest(f"url: {words(error)}", kind="url-refused") from None
    else:
        raise BadRequest('send {"credential": {…}} or {"url": "…"}', kind="missing-member")
    result, explanation = showing.verify_explained(storage.get_session(), platform(), document,
                                                   g.api_user)
    payload = {key: explanation[key]
               for key in ("verified", "verdict", "checks", "warnings", "endorsements")}
    return jsonify({**payload, "result": result.as_dict()}), 200 if result.verified else 422


@bp.get("/credentials/<uuid>")
@require_token
def api_signed_credential(uuid: str):
    return signed_json(visible_credential_or_404(uuid, g.api_user).signed_json)
