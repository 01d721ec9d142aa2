"""Credentials in the JSON API: explained verification (of a credential given inline, by URL or
baked in a badge image) and the signed JSON of a stored credential."""

from __future__ import annotations

import base64
import binascii

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
from ..submitted import fetch_document, parse_baked
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
    elif "baked" in body:
        document = _baked_document(member(body, "baked", str))
    else:
        raise BadRequest('send {"credential": {…}}, {"url": "…"} or {"baked": "<base64 PNG or SVG>"}',
                         kind="missing-member")
    result, explanation = showing.verify_explained(storage.get_session(), platform(), document,
                                                   g.api_user, email=_email(body))
    payload = {key: explanation[key]
               for key in ("verified", "verdict", "checks", "warnings", "endorsements", "credentials",
                           "recipient")
               if key in explanation}
    if "email_check" in explanation:
        payload["emailCheck"] = explanation["email_check"]
    return jsonify({**payload, "result": result.as_dict()}), 200 if result.verified else 422


def _email(body: dict) -> str | None:
    """The optional address to check the credential against (neither stored nor logged)."""
    address = member(body, "email", str, required=False)
    if address is None:
        return None
    if "@" not in address.strip() or len(address) > 254:
        raise BadRequest("email: must be an e-mail address (at most 254 characters)")
    return address.strip()


def _baked_document(text: str) -> dict | str:
    """The credential inside a baked badge image sent as base64 (PNG or SVG)."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("baked: must be a PNG or SVG image in base64", kind="wrong-type") from None
    try:
        return parse_baked(data, "baked")
    except FieldError as error:
        raise BadRequest(f"baked: {words(error)}", kind="baked-unreadable") from None


@bp.get("/credentials/<uuid>")
@require_token
def api_signed_credential(uuid: str):
    return signed_json(visible_credential_or_404(uuid, g.api_user).signed_json)
