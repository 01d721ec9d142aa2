"""OpenID4VCI 1.0, pre-authorized code flow, ``ldp_vc``: a recipient's badge or endorsement, or a
person's record, to their wallet.

One credential configuration per row of issuer.services.delivery.DELIVERABLES: a badge is
bound to the wallet's DID (``cryptographic_binding_methods_supported`` and
``proof_types_supported``: the request carries a key proof); an endorsement or a person's
record (CLR) is delivered as signed (neither member: OID4VCI 1.0 then asks for no proof, and
none is needed).

Metadata (credential issuer and OAuth authorization server, also at the trailing-slash URL),
the credential offer by reference (answers once), token, nonce and credential endpoints. Errors
are OAuth error bodies (``{"error", "error_description"}``); a credential request without a
usable proof gets ``invalid_proof`` with a fresh ``c_nonce``. Both request shapes the wallets
send are served: 1.0 (``credential_configuration_id``, ``proofs.jwt``) and draft 13
(``format`` + ``credential_definition``, ``proof``), which gets the credential at top level
too. See DELIVERY.md §1.4 for what each client insists on.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, request

from ... import storage
from ...services import delivery
from ...services.errors import ServiceError, WalletRefused
from ..context import platform
from ..messages import words

bp = Blueprint("oid4vci", __name__)

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
# service error code → (HTTP status, OAuth error code)
OAUTH_ERRORS = {
    "offer.unknown": (404, "invalid_request"),
    "offer.code-refused": (400, "invalid_grant"),
    "offer.token-refused": (401, "invalid_token"),
    "proof.invalid": (400, "invalid_proof"),
    "proof.missing": (400, "invalid_proof"),
    "proof.nonce-refused": (400, "invalid_nonce"),
    "holder.not-a-did": (400, "invalid_proof"),
}
NEEDS_NONCE = {"invalid_proof", "invalid_nonce"}


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str):
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _oauth_answer(status: int, error: str, description: str) -> Response:
    body = {"error": error, "error_description": description}
    if error in NEEDS_NONCE:
        body["c_nonce"] = delivery.new_nonce(platform())
        body["c_nonce_expires_in"] = int(delivery.NONCE_LIFETIME.total_seconds())
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = f'Bearer error="{error}"'
    return _no_store(response)


@bp.errorhandler(OAuthError)
def _oauth_error(error: OAuthError):
    return _oauth_answer(error.status, error.error, error.description)


@bp.errorhandler(ServiceError)
def _service_error(error: ServiceError):
    status, code = OAUTH_ERRORS.get(error.code, (400, "invalid_request"))
    if not isinstance(error, WalletRefused):  # the award can no longer be delivered (revoked, …)
        code = "invalid_grant" if request.endpoint == "oid4vci.token" else "credential_request_denied"
    return _oauth_answer(status, code, words(error))


def _metadata() -> dict:
    urls = platform().urls
    return {
        "credential_issuer": urls.home(),
        "issuer": urls.home(),  # @digitalbazaar/oid4-client reads it (RFC 8414 name)
        "token_endpoint": urls.oid4vci_token(),  # and reads the token endpoint from here
        "credential_endpoint": urls.oid4vci_credential(),
        "nonce_endpoint": urls.oid4vci_nonce(),
        "display": [{"name": platform().name, "locale": "en"}],
        "credential_configurations_supported": {
            kind.configuration_id: _configuration(kind) for kind in delivery.DELIVERABLES.values()},
    }


def _configuration(kind: delivery.Deliverable) -> dict:
    """A kind's credential configuration; only a bound kind names binding methods and proofs."""
    binding = {"cryptographic_binding_methods_supported": ["did:key"],
               "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": ["EdDSA"]}}}
    return {
        "format": "ldp_vc",
        "scope": kind.type,
        **(binding if kind.bound else {}),
        "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
        "credential_definition": {"@context": list(kind.contexts),
                                  "type": ["VerifiableCredential", kind.type]},
        "credential_metadata": {"display": [{"name": kind.display, "locale": "en"}]},
    }


@bp.get("/.well-known/openid-credential-issuer")
def issuer_metadata():
    return jsonify(_metadata())


@bp.get("/.well-known/oauth-authorization-server")
@bp.get("/.well-known/oauth-authorization-server/", endpoint="authorization_server_metadata_slash")
def authorization_server_metadata():
    urls = platform().urls
    return jsonify({"issuer": urls.home(), "token_endpoint": urls.oid4vci_token(),
                    "grant_types_supported": [PRE_AUTHORIZED_GRANT],
                    "pre-authorized_grant_anonymous_access_supported": True,
                    "response_types_supported": []})


@bp.get("/oid4vci/offers/<secret>")
def offer(secret: str):
    opened, code = delivery.open_offer(storage.get_session(), secret)
    return _no_store(jsonify({
        "credential_issuer": platform().urls.home(),
        "credential_configuration_ids": [delivery.deliverable_of(opened).configuration_id],
        "grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": code}},
    }))


@bp.post("/oid4vci/token")
def token():
    form = request.form
    grant = form.get("grant_type")
    if not grant:
        raise OAuthError(400, "invalid_request", "grant_type is required")
    if grant != PRE_AUTHORIZED_GRANT:
        raise OAuthError(400, "unsupported_grant_type", f"only {PRE_AUTHORIZED_GRANT} is supported")
    code = form.get("pre-authorized_code")
    if not code:
        raise OAuthError(400, "invalid_request", "pre-authorized_code is required")
    # resource (RFC 8707) and authorization_details are accepted and need nothing: the offer
    # names the one credential, and this issuer is the only resource
    _, access_token, lifetime = delivery.redeem_code(storage.get_session(), code)
    return _no_store(jsonify({"access_token": access_token, "token_type": "bearer",
                              "expires_in": lifetime}))


@bp.post("/oid4vci/nonce")
def nonce():
    return _no_store(jsonify({"c_nonce": delivery.new_nonce(platform())}))


def _bearer() -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise OAuthError(401, "invalid_token", "send the access token as 'Authorization: Bearer <token>'")
    return value.strip()


def _request_shape(body: dict, kind: delivery.Deliverable) -> bool:
    """Whether the request is draft 13 shaped (format + credential_definition); refuses others,
    and a request for another credential than the token's offer carries."""
    if "credential_configuration_id" in body:
        asked = body["credential_configuration_id"]
        if not any(asked == known.configuration_id for known in delivery.DELIVERABLES.values()):
            raise OAuthError(400, "unknown_credential_configuration",
                             f"credential_configuration_id: {asked!r} is not one this issuer offers")
        if asked != kind.configuration_id:
            raise OAuthError(400, "invalid_credential_request", "credential_configuration_id: "
                             f"this access token is for {kind.configuration_id}")
        return False
    if "credential_identifier" in body:
        raise OAuthError(400, "unknown_credential_identifier",
                         "credential_identifier: this issuer gives none; use credential_configuration_id")
    if body.get("format") == "ldp_vc":
        definition = body.get("credential_definition")
        types = definition.get("type") if isinstance(definition, dict) else None
        if not isinstance(types, list) or kind.type not in types:
            raise OAuthError(400, "unsupported_credential_type",
                             f"credential_definition.type must name {kind.type}")
        return True
    if "format" in body:
        raise OAuthError(400, "unsupported_credential_format", "only ldp_vc is issued")
    raise OAuthError(400, "invalid_credential_request", "name credential_configuration_id "
                     f"({kind.configuration_id})")


def _proof_jwt(body: dict) -> str | None:
    """The one JWT proof of a 1.0 (``proofs.jwt``) or draft-13 (``proof``) request, or None."""
    if "proofs" in body and "proof" in body:
        raise OAuthError(400, "invalid_credential_request", "send proofs or proof, not both")
    if "proofs" in body:
        proofs = body["proofs"]
        if not isinstance(proofs, dict) or set(proofs) - {"jwt", "proof_type"} \
                or proofs.get("proof_type", "jwt") != "jwt":
            raise OAuthError(400, "invalid_proof", "proofs must hold jwt proofs only")
        jwts = proofs.get("jwt")
        if not isinstance(jwts, list) or len(jwts) != 1:
            raise OAuthError(400, "invalid_proof", "proofs.jwt must hold exactly one proof (one "
                             "credential per offer)")
        return jwts[0]
    if "proof" in body:
        proof = body["proof"]
        if not isinstance(proof, dict) or proof.get("proof_type") != "jwt":
            raise OAuthError(400, "invalid_proof", "proof.proof_type must be jwt")
        return proof.get("jwt")
    return None


@bp.post("/oid4vci/credential")
def credential():
    session = storage.get_session()
    access_token = _bearer()
    offer = delivery.offer_for_token(session, access_token)  # a bad token is refused first
    kind = delivery.deliverable_of(offer)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise OAuthError(400, "invalid_credential_request", "the request body must be a JSON object")
    draft13 = _request_shape(body, kind)
    jwt = _proof_jwt(body) if kind.bound else None  # unbound: a proof sent anyway is not read
    if jwt is None and kind.bound:
        raise OAuthError(400, "invalid_proof", "a key proof (jwt) over a c_nonce is required")
    row = delivery.deliver(session, platform(), access_token, jwt)
    issued = json.loads(row.signed_json)
    answer = {"credentials": [{"credential": issued}]}
    if draft13:
        answer.update(credential=issued, format="ldp_vc")
    return _no_store(jsonify(answer))
