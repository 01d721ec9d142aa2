"""One content-negotiation rule for every resource that is both a page and a JSON-LD document.

Following the OB implementation guide for Profile and Achievement URLs: JSON media types — and a
request with no Accept header at all — get JSON-LD; browsers, and ``*/*``, get the HTML page.
Credential URLs differ on ``*/*``: wallets fetch them as programs do (the Learner Credential
Wallet adds a badge by URL with ``fetch()``, which sends ``Accept: */*``), so there only a client
that names HTML gets the page.
"""

from __future__ import annotations

from flask import Response, request

PROFILE_TYPES = ["application/ld+json", "application/json"]
CREDENTIAL_TYPES = ["application/vc+ld+json", "application/vc", "application/ld+json",
                    "application/json"]
PAGE_TYPES = {"text/html", "application/xhtml+xml", "text/*"}


def json_type(offered: list[str], *, wildcard_is_json: bool = False) -> str | None:
    """The JSON media type to answer with, or None when the client should get the page.

    With ``wildcard_is_json`` a client gets the page only when its Accept header names HTML;
    one that accepts anything (``*/*``) gets the best of ``offered``.
    """
    if request.args.get("format") == "json" or not request.headers.get("Accept"):
        return offered[-1] if request.args.get("format") == "json" else offered[0]
    accept = request.accept_mimetypes
    best = accept.best_match(["text/html", *offered])
    if best == "text/html" and wildcard_is_json and not _names_a_page(accept):
        best = accept.best_match(offered)
    return None if best in (None, "text/html") else best


def _names_a_page(accept) -> bool:
    return any(quality > 0 and value.lower() in PAGE_TYPES for value, quality in accept)


def signed_json(text: str) -> Response:
    """A signed credential exactly as stored, in the JSON media type the client asked for."""
    mimetype = json_type(CREDENTIAL_TYPES, wildcard_is_json=True) or "application/json"
    response = Response(text, mimetype=mimetype)
    response.headers["Vary"] = "Accept"
    return response


def asks_for_profile(profile: str, offered: list[str]) -> bool:
    """Whether the client asks for ``application/ld+json`` with this ``profile`` (JSON-LD 1.1 §9.1:
    a space-separated list of URIs) at least as much as for the page or any of ``offered``."""
    accept = request.accept_mimetypes
    wanted = max((quality for value, quality in accept if _names_profile(value, profile)), default=0)
    best = accept.best_match(["text/html", *offered])
    return wanted > 0 and wanted >= (accept.quality(best) if best else 0)


def _names_profile(value: str, profile: str) -> bool:
    media_type, *parameters = value.split(";")
    if media_type.strip().lower() != "application/ld+json":
        return False
    for parameter in parameters:
        name, _, given = parameter.partition("=")
        if name.strip().lower() == "profile" and profile in given.strip().strip('"').split():
            return True
    return False
