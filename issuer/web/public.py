"""Public, unauthenticated resources: status lists, the platform issuer, the DID document (credentials: web/verifier.py)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, render_template, request

from .. import services, storage
from ..credentials.loader import served_bytes
from ..credentials.vocab import RECOGNITION_CONTEXT_PATH
from .negotiation import CREDENTIAL_TYPES, json_type
from ..storage import StatusList
from .context import platform

bp = Blueprint("public", __name__)




def _json(text: str, *, cache_seconds: int | None = None) -> Response:
    mimetype = json_type(CREDENTIAL_TYPES) or "application/json"
    response = Response(text, mimetype=mimetype)
    if cache_seconds is not None:
        response.headers["Cache-Control"] = f"public, max-age={cache_seconds}"
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/")
def index():
    session = storage.get_session()
    issuer = storage.issuer_by_slug(session, "platform")
    from ..services.communities import all_communities

    return render_template("index.html", issuer=issuer, base_url=platform().base_url,
                           communities=all_communities(session))


@bp.get("/credentials/status/<int:list_id>")
def status_list(list_id: int):
    session = storage.get_session()
    listing = session.get(StatusList, list_id) if storage.in_id_range(list_id) else None
    if listing is None:
        abort(404, description=f"no status list {list_id} here")
    text = services.status_list_json(session, platform(), listing)
    return _json(text, cache_seconds=current_app.config["ISSUER_STATUS_CACHE_SECONDS"])


@bp.get("/issuer")
def platform_issuer():
    """The platform issuer's Profile: what a VC-API caller names as ``issuer``."""
    issuer = storage.issuer_by_slug(storage.get_session(), "platform")
    profile = services.issuer_profile(issuer)
    return Response(json.dumps(profile), mimetype="application/ld+json" if "ld+json" in
                    request.headers.get("Accept", "") else "application/json")


@bp.get("/.well-known/did.json")
def did_document():
    issuer = storage.issuer_by_slug(storage.get_session(), "platform")
    if not issuer.did.startswith("did:web:"):
        abort(404, description=f"this service's DID is {issuer.did}; did:web needs an https base URL")
    text = json.dumps(services.did_document(issuer), indent=2)
    return Response(text, mimetype="application/did+json" if "did+json" in request.headers.get("Accept", "")
                    else "application/json")


@bp.get("/contexts/recognition/v1")
def recognition_context():
    """The JSON-LD context of people's recognition graphs, exactly as pinned in schemas/contexts.

    Any JSON-LD processor may fetch it (also from a browser page elsewhere: CORS is open for this
    public, unchanging document); this service itself never fetches it.
    """
    text = served_bytes(RECOGNITION_CONTEXT_PATH)
    response = Response(text, mimetype="application/ld+json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
