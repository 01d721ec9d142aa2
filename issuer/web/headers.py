"""Security headers on every answer: no framing, no sniffing, a strict CSP, HSTS under https.

Pages work without JavaScript, so scripts are forbidden, except that a page with a control
that JavaScript improves (the profile's Share: copy the link) may load our own script files
(``allow_own_scripts``), never inline code; styles come only from our own stylesheets; images
from this site, data: URLs (QR codes, embedded badge images) and https (the image of a badge
issued elsewhere). Answers that set their own policy (stored images) keep it.
"""

from __future__ import annotations

from flask import Flask, Response, g

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'", "script-src 'none'", "object-src 'none'", "style-src 'self'",
    "img-src 'self' data: https:", "font-src 'self'", "form-action 'self'",
    "frame-ancestors 'none'", "base-uri 'none'"))
OWN_SCRIPTS_POLICY = CONTENT_SECURITY_POLICY.replace("script-src 'none'", "script-src 'self'")
HSTS_SECONDS = 63072000  # two years


def allow_own_scripts() -> None:
    """Let the page being rendered load script files from this site (not inline scripts)."""
    g.own_scripts = True


def init_app(app: Flask) -> None:
    https = app.config["ISSUER_BASE_URL"].startswith("https://")

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            headers.setdefault("Content-Security-Policy", OWN_SCRIPTS_POLICY if g.get("own_scripts")
                               else CONTENT_SECURITY_POLICY)
            headers.setdefault("X-Frame-Options", "DENY")
        if https:
            headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_SECONDS}")
        return response
