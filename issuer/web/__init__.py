"""Thin web views: parse → one service or core call → render."""

import contextlib

from flask import Flask, g
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from ..fetch import request_budget
from . import headers, limits
from . import achievements, api, auth, body, communities, errors, people, public, record, settings, verifier
from . import people_endorse  # noqa: F401  (adds the endorsement pages to people.bp)
from . import people_card, settings_profile  # noqa: F401  (the card and header; the profile form)

csrf = CSRFProtect()

# Main navigation: (endpoint, label); an entry shows once its blueprint is registered.
NAV = [("communities.index", "Communities"), ("verifier.verify", "Verify a credential"),
       ("people.inbox", "My recognition")]


def cookies(app: Flask) -> None:
    """Session cookie flags. Flask ships these keys with lax defaults (SameSite None, Secure off),
    so they are set here, not with setdefault; a stricter value from the config is kept."""
    config = app.config
    config["SESSION_COOKIE_SAMESITE"] = config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SECURE"] = bool(config.get("SESSION_COOKIE_SECURE")) \
        or config["ISSUER_BASE_URL"].startswith("https://")
    config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the session (and its generation) bounds the token's life


def init_app(app: Flask) -> None:
    cookies(app)
    limits.init_app(app)
    csrf.init_app(app)
    headers.init_app(app)
    auth.login_manager.init_app(app)
    for blueprint in (public.bp, auth.bp, settings.bp, communities.bp, achievements.bp, people.bp,
                      verifier.bp, record.bp):
        app.register_blueprint(blueprint)
    for blueprint in api.BLUEPRINTS:  # bearer-token and public JSON endpoints: no cookies, no CSRF
        app.register_blueprint(blueprint)
        csrf.exempt(blueprint)
    errors.init_app(app)
    _request_budgets(app)
    app.wsgi_app = body.ChunkedBodyLimit(app.wsgi_app, app.config["ISSUER_MAX_BODY_BYTES"])
    hops = app.config["ISSUER_PROXY_HOPS"]
    if hops:  # the client address (rate limits) and scheme as the trusted proxies saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    @app.context_processor
    def _navigation():
        def has_endpoint(name: str) -> bool:
            return name in app.view_functions

        def nav_links():
            return [(endpoint, label) for endpoint, label in NAV if has_endpoint(endpoint)]

        return {"nav_links": nav_links, "has_endpoint": has_endpoint}


def _request_budgets(app: Flask) -> None:
    """One request, two budgets: all its outbound fetches share one fetch timeout
    (ISSUER_FETCH_TIMEOUT), all its JSON-LD and schema work one CPU-time deadline
    (ISSUER_CANON_MAX_SECONDS)."""

    @app.before_request
    def _open_budgets():
        stack = contextlib.ExitStack()
        stack.enter_context(request_budget(app.config["ISSUER_FETCH_TIMEOUT"]))
        stack.enter_context(app.extensions["issuer.platform"].canonicalizer.budget())
        g.request_budgets = stack

    @app.teardown_request
    def _close_budgets(_error=None):
        stack = g.pop("request_budgets", None)
        if stack is not None:
            stack.close()
