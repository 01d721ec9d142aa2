"""Thin web views: parse → one service or core call → render."""

import contextlib

from flask import Flask, g
from flask_wtf.csrf import CSRFProtect

from ..fetch import request_budget
from . import headers, limits
from . import achievements, api, auth, communities, errors, people, public, settings, vcapi, verifier

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
                      verifier.bp, vcapi.bp, api.bp):
        app.register_blueprint(blueprint)
    csrf.exempt(vcapi.bp)  # bearer-token and public JSON endpoints: no cookies, no CSRF
    csrf.exempt(api.bp)
    errors.init_app(app)
    _fetch_budget(app)

    @app.context_processor
    def _navigation():
        def has_endpoint(name: str) -> bool:
            return name in app.view_functions

        def nav_links():
            return [(endpoint, label) for endpoint, label in NAV if has_endpoint(endpoint)]

        return {"nav_links": nav_links, "has_endpoint": has_endpoint}


def _fetch_budget(app: Flask) -> None:
    """All outbound fetches of one request share one fetch timeout (ISSUER_FETCH_TIMEOUT)."""

    @app.before_request
    def _start():
        stack = contextlib.ExitStack()
        stack.enter_context(request_budget(app.config["ISSUER_FETCH_TIMEOUT"]))
        g.fetch_budget = stack

    @app.teardown_request
    def _end(_error):
        stack = g.pop("fetch_budget", None)
        if stack is not None:
            stack.close()
