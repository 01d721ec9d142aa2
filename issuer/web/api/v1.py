"""JSON API under /api/v1: per-user bearer tokens, RFC 9457 problems, OpenAPI documents.

Each area of the app adds its endpoints to ``bp`` from its own module (see web/api/__init__.py) and
describes them in ``issuer/openapi/<area>.json`` ({"paths": …, "components": …}); the fragments
are merged into /api/v1/openapi.json. The VC-API is described in issuer/openapi/vcapi/ and
served at /openapi.json. Both get the answers every route can give (see common_answers).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from flask import Blueprint, current_app, g, jsonify, request

from ... import services, storage
from ...services import tokens
from .. import limits
from ..errors import BadRequest
from . import vcapi

bp = Blueprint("api", __name__, url_prefix="/api/v1")
OPENAPI_DIR = Path(__file__).resolve().parents[2] / "openapi"
METHODS = ("get", "put", "post", "delete", "patch")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
PROBLEM_REF = {"$ref": "#/components/responses/Problem"}
PROBLEM_COMPONENTS = {
    "responses": {"Problem": {"description": "RFC 9457 problem",
                              "content": {"application/problem+json": {
                                  "schema": {"$ref": "#/components/schemas/Problem"}}}}},
    "schemas": {"Problem": {"type": "object", "required": ["type", "title", "status"],
                            "properties": {"type": {"type": "string"},
                                           "title": {"type": "string"},
                                           "status": {"type": "integer"},
                                           "detail": {"type": "string"},
                                           "field": {"type": "string"}}}},
}


def require_token(view):
    """Resolve 'Authorization: Bearer <token>' to a user in g.api_user, or answer 401."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():  # no guess: not counted
            raise BadRequest("send your API token as 'Authorization: Bearer <token>' (create one "
                             "under Settings → API tokens)", status=401, kind="unauthorized")
        user = tokens.user_for_token(storage.get_session(), token.strip())
        if user is None:
            limits.refused()
            raise BadRequest("the API token is not valid or was revoked", status=401,
                             kind="unauthorized")
        if request.method not in SAFE_METHODS:  # a request that only reads writes nothing
            tokens.note_token_use(storage.get_session(), token.strip())
        g.api_user = user
        return view(*args, **kwargs)

    return limits.bad_token_limit(wrapper)


@bp.get("/me")
@require_token
def me():
    user = g.api_user
    return jsonify({"handle": user.handle, "displayName": user.display_name, "did": user.issuer.did,
                    "profile": user.issuer.url})


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@vcapi.bp.get("/openapi.json")
def vcapi_openapi():
    """The VC-API description, beside the endpoints it describes."""
    document = json.loads((OPENAPI_DIR / "vcapi" / "document.json").read_text())
    document["servers"] = [{"url": current_app.config["ISSUER_BASE_URL"]}]
    issue = document["paths"]["/credentials/issue"]["post"]["requestBody"]["content"]["application/json"]
    platform_issuer = storage.issuer_by_slug(storage.get_session(), "platform")
    issue["example"]["credential"]["issuer"] = services.issuer_profile(platform_issuer)  # this instance's
    for section, entries in PROBLEM_COMPONENTS.items():
        document["components"].setdefault(section, {}).update(entries)
    return jsonify(common_answers(document))


def openapi_document() -> dict:
    """The API description: the base document plus every area's fragment."""
    document = {
        "openapi": "3.1.0",
        "info": {"title": f"{current_app.config['ISSUER_NAME']} API", "version": "1",
                 "description": "Communities, achievements, badges and endorsements as JSON. "
                                "Errors are RFC 9457 problem documents."},
        "servers": [{"url": current_app.config["ISSUER_BASE_URL"] + "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {"/me": {"get": {"summary": "The account the token belongs to",
                                  "responses": {"200": {"description": "the account", "content": {
                                      "application/json": {"schema": {"$ref": "#/components/schemas/Me"}}}}}}}},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": dict(PROBLEM_COMPONENTS["responses"]),
            "schemas": {**PROBLEM_COMPONENTS["schemas"],
                        "Me": {"type": "object", "required": ["handle", "displayName", "did", "profile"],
                               "properties": {"handle": {"type": "string"}, "displayName": {"type": "string"},
                                              "did": {"type": "string"},
                                              "profile": {"type": "string", "format": "uri"}}}}},
    }
    for fragment in sorted(OPENAPI_DIR.glob("*.json")):
        part = json.loads(fragment.read_text())
        document["paths"].update(part.get("paths", {}))
        for section, entries in part.get("components", {}).items():
            document["components"].setdefault(section, {}).update(entries)
    return common_answers(document)


def common_answers(document: dict) -> dict:
    """Document on every operation the problems any route can answer, so clients expect them.

    400 a request the server cannot read (bad JSON, bad path value); 413/415 a body too large or
    not JSON; 404 an unknown id in the path; 401 no or a bad token and 429 too many attempts on
    routes that need a token (a route with ``"security": []`` is public).
    """
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            codes = ["400"]
            if "requestBody" in operation:
                codes += ["413", "415"]
            if "{" in path:
                codes.append("404")
            if operation.get("security", document.get("security")):
                codes += ["401", "429"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, PROBLEM_REF)
    return document
