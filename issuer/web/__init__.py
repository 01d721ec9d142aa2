"""Thin web views: parse → one service or core call → render."""

from flask import Flask, g
from flask_wtf.csrf import CSRFProtect

from . import achievements, api, auth, body, communities, errors, people, public, settings, vcapi, verifier

csrf = CSRFProtect()

# Main navigation: (endpoint, label); an entry shows once its blueprint is registered.
NAV = [("communities.index", "Communities"), ("verifier.verify", "Verify a credential"),
       ("people.inbox", "My recognition")]


def init_app(app: Flask) -> None:
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SECURE", app.config["ISSUER_BASE_URL"].startswith("https://"))
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the session bounds the token's life
    csrf.init_app(app)
    auth.login_manager.init_app(app)
    for blueprint in (public.bp, auth.bp, settings.bp, communities.bp, achievements.bp, people.bp,
                      verifier.bp, vcapi.bp, api.bp):
        app.register_blueprint(blueprint)
    csrf.exempt(vcapi.bp)  # bearer-token and public JSON endpoints: no cookies, no CSRF
    csrf.exempt(api.bp)
    errors.init_app(app)
    _work_budget(app)
    app.wsgi_app = body.ChunkedBodyLimit(app.wsgi_app, app.config["ISSUER_MAX_BODY_BYTES"])

    @app.context_processor
    def _navigation():
        def has_endpoint(name: str) -> bool:
            return name in app.view_functions

        def nav_links():
            return [(endpoint, label) for endpoint, label in NAV if has_endpoint(endpoint)]

        return {"nav_links": nav_links, "has_endpoint": has_endpoint}


def _work_budget(app: Flask) -> None:
    """All JSON-LD work of one request shares one CPU-time deadline (ISSUER_CANON_MAX_SECONDS)."""

    @app.before_request
    def _open_budget():
        budget = app.extensions["issuer.platform"].canonicalizer.budget()
        budget.__enter__()
        g.canonicalization_budget = budget

    @app.teardown_request
    def _close_budget(_error=None):
        budget = g.pop("canonicalization_budget", None)
        if budget is not None:
            budget.__exit__(None, None, None)
