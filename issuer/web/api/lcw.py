"""The Learner Credential Wallet's endpoints: the legacy DIDAuth request, the VC-API exchange and
its VCALM interaction URL, all for one offer (issuer.services.lcw) named by its secret.

- ``POST /exchanges/<secret>/didauth`` — the ``vc_request_url`` of the link LCW 2.2.10 binds and
  stores: the bare DIDAuth presentation (challenge from the link, no domain) → the bare
  credential (a badge bound to the holder; an endorsement or a record as signed).
- ``POST /exchanges/<secret>`` — VC-API: ``{}`` → a ``DIDAuthentication`` presentation request
  with challenge and domain; ``{"verifiablePresentation": …}`` → the credential in a presentation.
- ``GET /exchanges/<secret>/interaction?iuv=1`` — VCALM: ``{"protocols": {"vcapi": …}}`` for JSON
  clients, a short page otherwise.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from markupsafe import escape

from ... import storage
from ...credentials.vocab import VC2_CONTEXT
from ...services import lcw
from ..body import json_body, member
from ..context import platform
from ..errors import BadRequest
from ..negotiation import json_type

bp = Blueprint("lcw", __name__)



def _domain() -> str:
    """The domain a VC-API DIDAuth proof must name: this service's host, from its base URL
    (not the request's Host, which a proxy may rewrite)."""
    return platform().urls.host()


def _exchange_url(secret: str) -> str:
    return platform().urls.lcw_exchange(secret)


@bp.post("/exchanges/<secret>/didauth")
def didauth(secret: str):
    """Legacy LCW request: the body is the DIDAuth presentation itself."""
    presentation = json_body()
    row = lcw.answer_didauth(storage.get_session(), platform(), secret, presentation)
    return Response(row.signed_json, status=200, mimetype="application/json")


@bp.post("/exchanges/<secret>")
def exchange(secret: str):
    body = json_body()
    session = storage.get_session()
    lcw.find_offer(session, secret)
    if not body:
        return jsonify({"verifiablePresentationRequest": {
            "query": [{"type": "DIDAuthentication",
                       "acceptedMethods": [{"method": "key"}],
                       "acceptedCryptosuites": [{"cryptosuite": lcw.DIDAUTH_SUITE}]}],
            "challenge": lcw.challenge_of(secret),
            "domain": _domain(),
            "interact": {"service": [{"type": "UnmediatedPresentationService2021",
                                      "serviceEndpoint": _exchange_url(secret)}]},
        }})
    unknown = sorted(set(body) - {"verifiablePresentation"})
    if unknown:
        raise BadRequest(f"{unknown[0]}: not a member of an exchange step (send {{}} to start, "
                         'then {"verifiablePresentation": …})', kind="unknown-member")
    presentation = member(body, "verifiablePresentation")
    row = lcw.answer_didauth(session, platform(), secret, presentation, domain=_domain())
    text = ('{"verifiablePresentation": {"@context": ["' + VC2_CONTEXT + '"], "type": '
            '["VerifiablePresentation"], "verifiableCredential": [' + row.signed_json + "]}}")
    return Response(text, status=200, mimetype="application/json")


@bp.get("/exchanges/<secret>/interaction")
def interaction(secret: str):
    """VCALM interaction URL (``?iuv=1``): the protocols this exchange speaks."""
    lcw.find_offer(storage.get_session(), secret)
    protocols = {"protocols": {"vcapi": _exchange_url(secret)}}
    if json_type(("application/json",)) is not None:
        return jsonify(protocols)
    url = escape(_exchange_url(secret))
    return Response(f"<!doctype html><title>Add to a wallet</title><p>Open this link in a wallet "
                    f"that speaks the VC-API: <code>{url}</code></p>", mimetype="text/html")
