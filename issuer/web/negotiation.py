"""One content-negotiation rule for every resource that is both a page and a JSON-LD document.

Following the OB implementation guide for Profile and Achievement URLs: JSON media types — and a
request with no Accept header at all — get JSON-LD; browsers, and ``*/*``, get the HTML page.
"""

from __future__ import annotations

from flask import request

PROFILE_TYPES = ["application/ld+json", "application/json"]
CREDENTIAL_TYPES = ["application/vc+ld+json", "application/vc", "application/ld+json",
                    "application/json"]


def json_type(offered: list[str]) -> str | None:
    """The JSON media type to answer with, or None when the client should get the page."""
    if request.args.get("format") == "json" or not request.headers.get("Accept"):
        return offered[-1] if request.args.get("format") == "json" else offered[0]
    best = request.accept_mimetypes.best_match(["text/html", *offered])
    return None if best in (None, "text/html") else best
