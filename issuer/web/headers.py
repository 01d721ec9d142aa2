"""Security headers on every answer: no framing, no sniffing, a strict CSP, HSTS under https.

The pages use no JavaScript, so scripts are forbidden outright; styles come only from our own
stylesheet; images from this site, data: URLs (QR codes, embedded badge images) and https (the
image of a badge issued elsewhere). Answers that set their own policy (stored images) keep it.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'", "script-src 'none'", "object-src 'none'", "style-src 'self'",
    "img-src 'self' data: https:", "font-src 'self'", "form-action 'self'",
    "frame-ancestors 'none'", "base-uri 'none'"))
HSTS_SECONDS = 63072000  # two years


def init_app(app: Flask) -> None:
    https = app.config["ISSUER_BASE_URL"].startswith("https://")

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            headers.setdefault("X-Frame-Options", "DENY")
        if https:
            headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_SECONDS}")
        return response
