"""The only place that knows HTTP status codes: core and service errors → pages or RFC 9457 problems.

Which of the two an error becomes depends on the blueprint that handled the request (see
``wants_html``), never on the handler that raised it: every error is mapped here, once.
"""

from __future__ import annotations

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_limiter import RateLimitExceeded
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ..services.errors import (DuplicateCredential, FieldError, Forbidden, Invalid, InvitationRefused,
                               NotFound, RateLimited, ServiceError, WalletRefused)
from . import limits
from .messages import words

from ..credentials.errors import CanonicalizationError, ContextError, CredentialError, WorkLimitExceeded

PROBLEM = "application/problem+json"
TYPES = "https://w3id.org/open-recognition/problems#"
# How each blueprint answers an error: the JSON API (/api/v1) and the VC-API always with a
# problem document; every other blueprint (the pages) negotiates (see wants_html).
PROBLEM_BLUEPRINTS = frozenset({"api", "vcapi", "oid4vci", "lcw"})
# Service errors → (status, problem title, problem type, page title); the first match by class.
SERVICE_ANSWERS = (
    (RateLimited, 429, "Too many endorsements", "rate-limited", "Too many attempts"),
    (FieldError, 422, "Invalid field", "invalid-field", "Invalid field"),
    (Forbidden, 403, "Forbidden", "forbidden", "Not allowed"),
    (NotFound, 404, "Not Found", "not-found", "Not Found"),
    (InvitationRefused, 410, "Gone", "invitation-refused", "Invitation refused"),
    (DuplicateCredential, 409, "Conflict", "duplicate-id", "Conflict"),
    (Invalid, 422, "Invalid credential", "invalid-document", "Invalid request"),
    (WalletRefused, 400, "Refused", "wallet-refused", "Refused"),
)
RATE_LIMIT_WINDOW_SECONDS = 3600  # RateLimited counts the endorsements of the last hour


class BadRequest(Exception):
    """A request the client must fix; the message says what is wrong."""

    status = 400

    def __init__(self, message: str, *, status: int = 400, kind: str = "invalid-request"):
        super().__init__(message)
        self.status = status
        self.kind = kind


def problem(status: int, title: str, detail: str, kind: str, **members):
    """An RFC 9457 problem document; ``members`` are extension members (e.g. ``field``)."""
    response = jsonify({"type": TYPES + kind, "title": title, "status": status, "detail": detail,
                        **members})
    response.status_code = status
    response.mimetype = PROBLEM
    return response


def answer(status: int, title: str, detail: str, kind: str, *, page_title: str | None = None,
           members: dict | None = None, headers=()):
    """The error as a page for a browser on a page route, else as a problem document."""
    if wants_html():
        response = make_response(render_template("error.html", status=status,
                                                 title=page_title or title, detail=detail), status)
    else:
        response = problem(status, title, detail, kind, **(members or {}))
    response.headers.extend(headers)
    return response


def wants_html() -> bool:
    """Browsers get pages; the API blueprints and every other client get problem documents.

    A browser names text/html in Accept; a client sending ``*/*`` (or nothing) is a program, and a
    program reads JSON better than an error page.
    """
    if PROBLEM_BLUEPRINTS.intersection(handling_blueprints()):
        return False
    accept = request.accept_mimetypes
    if not any(value == "text/html" and quality > 0 for value, quality in accept):
        return False
    best = accept.best_match(["text/html", "application/json", "application/problem+json"])
    return best == "text/html"


def handling_blueprints() -> list[str]:
    """The blueprints of the view that handles the request, innermost first.

    A request that matched no route stands in with the route its path has for another method
    (a 405), or else the blueprint whose URL prefix it is under (a 404 such as /api/v1/nothing).
    """
    if request.url_rule is not None:
        return request.blueprints
    error = request.routing_exception
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        try:
            rule, _ = current_app.create_url_adapter(request).match(
                method=sorted(error.valid_methods)[0], return_rule=True)
        except HTTPException:
            rule = None
        if rule is not None:
            return _with_parents(rule.endpoint.rpartition(".")[0])
    for name, blueprint in current_app.blueprints.items():
        prefix = (blueprint.url_prefix or "").rstrip("/")
        if prefix and (request.path == prefix or request.path.startswith(prefix + "/")):
            return _with_parents(name)
    return []


def _with_parents(name: str) -> list[str]:
    """"a.b" → ["a.b", "a"], as Flask's request.blueprints lists a nested blueprint ("" → [])."""
    found = []
    while name:
        found.append(name)
        name = name.rpartition(".")[0]
    return found


def service_answer(error: ServiceError) -> tuple[int, str, str, str]:
    """(status, problem title, problem type, page title) of a service error."""
    for kind, *found in SERVICE_ANSWERS:
        if isinstance(error, kind):
            return tuple(found)
    return 422, "Refused", "refused", "Refused"


def init_app(app: Flask) -> None:
    @app.errorhandler(BadRequest)
    def _bad_request(error: BadRequest):
        return answer(error.status, "Bad request", str(error), error.kind)

    @app.errorhandler(ServiceError)
    def _service_error(error: ServiceError):
        status, title, kind, page_title = service_answer(error)
        members = {"field": error.field} if isinstance(error, FieldError) else {}
        headers = [("Retry-After", str(RATE_LIMIT_WINDOW_SECONDS))] if isinstance(error, RateLimited) else []
        return answer(status, title, words(error), kind, page_title=page_title, members=members,
                      headers=headers)

    @app.errorhandler(CredentialError)
    def _credential_error(error: CredentialError):
        if isinstance(error, WorkLimitExceeded):
            return answer(422, "Too much work", str(error), "work-limit")
        if isinstance(error, ContextError):
            return answer(422, "Context not allowed", str(error), "context-not-allowed")
        if isinstance(error, CanonicalizationError):
            return answer(422, "Invalid JSON-LD", str(error), "invalid-json-ld")
        return answer(422, "Invalid credential", str(error), error.code.lower().replace("_", "-"))

    @app.errorhandler(RateLimitExceeded)
    def _too_many(error: RateLimitExceeded):
        return answer(429, "Too many requests", f"{error.description}; try again later", "rate-limited",
                      page_title="Too many attempts",
                      headers=[("Retry-After", str(limits.retry_after_seconds()))])

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        # The exception's own headers (Allow on a 405, Retry-After on a 429…) go with the answer.
        headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
        if wants_html():
            return render_template("error.html", status=error.code, title=error.name,
                                   detail=error.description), error.code, headers
        detail = error.description or error.name
        if error.code == 413:
            limit = app.config["ISSUER_MAX_BODY_BYTES"]
            detail = f"the request body is larger than the limit of {limit} bytes"
        response = problem(error.code or 500, error.name, detail, error.name.lower().replace(" ", "-"))
        response.headers.extend(headers)
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return problem(500, "Internal error", "the server failed; nothing was stored", "internal")
