"""The only place that knows HTTP status codes: core and service errors → RFC 9457 problems."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_limiter import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from ..services.issuing import DuplicateCredential
from ..services.roles import Forbidden
from . import limits

from ..credentials.errors import CanonicalizationError, ContextError, CredentialError, WorkLimitExceeded

PROBLEM = "application/problem+json"
TYPES = "https://w3id.org/open-recognition/problems#"


class BadRequest(Exception):
    """A request the client must fix; the message says what is wrong."""

    status = 400

    def __init__(self, message: str, *, status: int = 400, kind: str = "invalid-request"):
        super().__init__(message)
        self.status = status
        self.kind = kind


def problem(status: int, title: str, detail: str, kind: str):
    response = jsonify({"type": TYPES + kind, "title": title, "status": status, "detail": detail})
    response.status_code = status
    response.mimetype = PROBLEM
    return response


def wants_html() -> bool:
    """Browsers get pages; API paths and every other client get problem documents.

    A browser names text/html in Accept; a client sending ``*/*`` (or nothing) is a program, and a
    program reads JSON better than an error page.
    """
    if request.path.startswith(("/api/", "/presentations")) or request.path == "/credentials/issue":
        return False
    accept = request.accept_mimetypes
    if not any(value == "text/html" and quality > 0 for value, quality in accept):
        return False
    best = accept.best_match(["text/html", "application/json", "application/problem+json"])
    return best == "text/html"


def init_app(app: Flask) -> None:
    @app.errorhandler(BadRequest)
    def _bad_request(error: BadRequest):
        return problem(error.status, "Bad request", str(error), error.kind)

    @app.errorhandler(CredentialError)
    def _credential_error(error: CredentialError):
        if isinstance(error, DuplicateCredential):
            return problem(409, "Conflict", str(error), "duplicate-id")
        if isinstance(error, WorkLimitExceeded):
            return problem(422, "Too much work", str(error), "work-limit")
        if isinstance(error, ContextError):
            return problem(422, "Context not allowed", str(error), "context-not-allowed")
        if isinstance(error, CanonicalizationError):
            return problem(422, "Invalid JSON-LD", str(error), "invalid-json-ld")
        return problem(422, "Invalid credential", str(error), error.code.lower().replace("_", "-"))

    @app.errorhandler(Forbidden)
    def _forbidden(error: Forbidden):
        if wants_html():
            return render_template("error.html", status=403, title="Not allowed",
                                   detail=str(error)), 403
        return problem(403, "Forbidden", str(error), "forbidden")

    @app.errorhandler(RateLimitExceeded)
    def _too_many(error: RateLimitExceeded):
        detail = f"{error.description}; try again later"
        if wants_html():
            response = make_response(render_template("error.html", status=429, title="Too many attempts",
                                                      detail=detail), 429)
        else:
            response = problem(429, "Too many requests", detail, "rate-limited")
        response.headers["Retry-After"] = str(limits.retry_after_seconds())
        return response

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
