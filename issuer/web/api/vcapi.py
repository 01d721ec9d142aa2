"""W3C VC-API: issue (bearer token), verify credentials and presentations."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, current_app, jsonify, request

from ... import services, storage
from ...credentials.verify import CHECK_NAMES
from ..body import credential_member, json_body, member
from .. import limits
from ..errors import BadRequest
from ..context import platform

bp = Blueprint("vcapi", __name__)



def _require_token() -> None:
    expected = current_app.config["ISSUER_API_TOKEN"]
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:  # no guess: not counted
        raise BadRequest("send the API token as 'Authorization: Bearer <token>'", status=401,
                         kind="unauthorized")
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        limits.refused()
        raise BadRequest("the API token is not valid", status=403, kind="forbidden")


ISSUE_OPTIONS = ("created", "suites", "credentialStatus", "credentialId", "mandatoryPointers")
VERIFY_OPTIONS = ("checks",)
PRESENTATION_OPTIONS = ("challenge", "domain", "checks")


def _known_options(options: dict, known: tuple[str, ...]) -> None:
    """VCALM: an option the service does not know is refused, never silently ignored."""
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise BadRequest(f"options.{unknown[0]}: not an option of this endpoint (known: "
                         f"{', '.join(known)})", kind="unknown-option")


def _issue_options(options: dict) -> dict:
    _known_options(options, ISSUE_OPTIONS)
    created = options.get("created")
    if created is not None and not isinstance(created, str):
        raise BadRequest("options.created: must be a date-time string")
    suites = options.get("suites", None)
    if suites is not None:
        if not isinstance(suites, list) or not suites or any(s not in services.SUITES for s in suites):
            raise BadRequest(f"options.suites: a non-empty list drawn from {list(services.SUITES)}")
        suites = tuple(suites)
    if "mandatoryPointers" in options:
        raise BadRequest("options.mandatoryPointers: selective disclosure is not offered; "
                         "eddsa-rdfc-2022 signs the whole credential", kind="unsupported-option")
    status = options.get("credentialStatus")
    if status is not None and (not isinstance(status, dict) or status.get("type") != "BitstringStatusListEntry"
                               or status.get("statusPurpose", "revocation") != "revocation"
                               or set(status) - {"type", "statusPurpose"}):
        raise BadRequest('options.credentialStatus: only {"type": "BitstringStatusListEntry"} '
                         '(statusPurpose "revocation") is offered')
    credential_id = options.get("credentialId")
    if credential_id is not None and (not isinstance(credential_id, str) or not credential_id):
        raise BadRequest("options.credentialId: must be a non-empty string (a URL)")
    return {"created": created, "suites": suites, "credential_id": credential_id,
            "status_entry": True if status is not None else None}


def _checks_option(options: dict) -> frozenset[str] | None:
    """options.checks: the checks to run and report (VC-API); None runs every check."""
    checks = options.get("checks")
    if checks is None:
        return None
    if not isinstance(checks, list) or not checks or not all(isinstance(c, str) for c in checks):
        raise BadRequest("options.checks: must be a non-empty array of check names")
    unknown = sorted(set(checks) - set(CHECK_NAMES))
    if unknown:
        raise BadRequest(f"options.checks: {unknown[0]!r} is not a check of this verifier "
                         f"(checks: {', '.join(CHECK_NAMES)})", kind="unknown-check")
    return frozenset(checks)


@bp.post("/credentials/issue")
@limits.bad_token_limit
def issue():
    _require_token()
    body = json_body()
    credential = member(body, "credential")
    options = _issue_options(member(body, "options", required=False) or {})
    session = storage.get_session()
    issuer = services.signing_issuer(session, credential)
    row = services.issue(session, platform(), credential, issuer=issuer, **options)
    text = '{"verifiableCredential": ' + row.signed_json + "}"
    return Response(text, status=201, mimetype="application/json",
                    headers={"Location": platform().credential_url(row.id)})


@bp.post("/credentials/verify")
def verify_credential():
    body = json_body()
    credential = credential_member(body, "verifiableCredential")
    options = member(body, "options", required=False) or {}
    _known_options(options, VERIFY_OPTIONS)
    checks = _checks_option(options)
    session = storage.get_session()
    result = services.verifier(session, platform()).verify(credential, checks=checks)
    payload = result.to_vcapi()
    reason = services.revocation_reason(session, platform(), credential, viewer=None)  # anonymous
    if reason:
        payload["revocationReason"] = reason
    return jsonify(payload), 200 if result.verified else 422


@bp.post("/presentations/verify")
def verify_presentation():
    """The presentation's own proof (authentication, challenge, domain) and every credential in
    it (credentials.verify.Verifier.verify_presentation); 422 with the same body when not verified."""
    body = json_body()
    presentation = member(body, "verifiablePresentation")
    options = member(body, "options", required=False) or {}
    _known_options(options, PRESENTATION_OPTIONS)
    challenge = member(options, "challenge", str, required=False)
    domain = member(options, "domain", str, required=False)
    checks = _checks_option(options)
    result = services.verifier(storage.get_session(), platform()).verify_presentation(
        presentation, challenge=challenge, domain=domain, checks=checks)
    return jsonify(result.to_vcapi()), 200 if result.verified else 422


@bp.post("/credentials/status")
@limits.bad_token_limit
def update_status():
    """VC-API status update; only revocation, which is final, and it needs a reason."""
    _require_token()
    body = json_body()
    vc_id = member(body, "credentialId", str)
    updates = member(body, "credentialStatus", list)
    reason = member(body, "reason", str, required=False) or ""
    if not updates or any(not isinstance(u, dict) or u.get("status") != "revoked" for u in updates):
        raise BadRequest('credentialStatus: only [{"type": "BitstringStatusListEntry", "status": '
                         '"revoked"}] is supported (revocation cannot be undone)')
    session = storage.get_session()
    row = services.credential_by_vc_id(session, vc_id)
    if row is None:
        raise BadRequest(f"credentialId: no credential {vc_id} was issued here", status=404,
                         kind="not-found")
    services.require_platform_signed(session, row)
    services.revoke(session, platform(), row, reason)
    return jsonify({"credentialId": vc_id, "status": "revoked", "reason": row.revocation_reason,
                    "revokedAt": row.revoked_at.isoformat()})
