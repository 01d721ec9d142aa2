"""Rate limits on guessing: wrong passwords at login and unknown bearer tokens.

Flask-Limiter with the fixed-window strategy; the counters live in the service's own database
(storage/rate_limits.py), so every gunicorn worker sees the same counts and no Redis is needed.
Only failures count: a view that refuses credentials calls ``refused()``, and the limits deduct
after the answer when it did. Once a limit is reached, the request is answered 429 with
Retry-After before the password or token is even looked at.
"""

from __future__ import annotations

import time

from flask import Flask, g, request
from flask_limiter import Limiter

from ..storage import rate_limits

LOGIN_PER_ADDRESS = "30 per 15 minutes"  # failed logins from one client address, any account
LOGIN_PER_ACCOUNT = "10 per 15 minutes"  # failed logins for one email address, from anywhere
BAD_TOKEN_PER_ADDRESS = "20 per 10 minutes"  # unknown or revoked bearer tokens from one address


def client_address() -> str:
    return request.remote_addr or "unknown"


def login_account() -> str:
    """The account a login attempt is for (its email, as the login form normalises it)."""
    return "email:" + ((request.form.get("email") or "").strip().lower()[:254] or "-")


def refused() -> None:
    """Mark this request as one that presented wrong credentials (counted by the limits)."""
    g.credentials_refused = True


def _was_refused(_response) -> bool:
    return bool(g.get("credentials_refused"))


limiter = Limiter(key_func=client_address, storage_uri=f"{rate_limits.SCHEME}://",
                  strategy="fixed-window", headers_enabled=False)

login_limits = (
    limiter.limit(LOGIN_PER_ADDRESS, methods=["POST"], deduct_when=_was_refused, scope="login-address",
                  error_message="too many failed logins from your address"),
    limiter.limit(LOGIN_PER_ACCOUNT, key_func=login_account, methods=["POST"], deduct_when=_was_refused,
                  scope="login-account", error_message="too many failed logins for this account"),
)
bad_token_limit = limiter.shared_limit(BAD_TOKEN_PER_ADDRESS, scope="bearer-token", deduct_when=_was_refused,
                                       error_message="too many requests with a wrong API token from "
                                                     "your address")


def limit_login(view):
    for limit in login_limits:
        view = limit(view)
    return view


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", f"{rate_limits.SCHEME}://")
    limiter.init_app(app)


def retry_after_seconds() -> int:
    """Seconds until the limit this request broke lets it through again (at least 1)."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, int(current.reset_at - time.time()))
