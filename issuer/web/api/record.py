"""A person's signed record (CLR 2.0) through the JSON API (documented in openapi/record.json)."""

from __future__ import annotations

import json

from flask import Response, g

from ... import storage
from ...services import record
from ..body import json_body, member
from ..context import platform
from ..errors import BadRequest
from .v1 import bp, require_token


@bp.post("/me/record")
@require_token
def api_issue_record():
    """Sign a record of the caller's chosen public items (all of them when ``items`` is absent)."""
    items = member(json_body(), "items", list, required=False)
    if items is not None and not all(isinstance(i, str) for i in items):
        raise BadRequest("items: must be an array of item ids (strings)", kind="wrong-type")
    row = record.issue_record(storage.get_session(), platform(), g.api_user, items)
    url = platform().credential_url(row.id)
    partial = json.loads(row.signed_json).get("partial") is True
    text = json.dumps({"id": row.id, "url": url, "partial": partial})
    text = text[:-1] + ', "verifiableCredential": ' + row.signed_json + "}"
    return Response(text, status=201, mimetype="application/json", headers={"Location": url})
