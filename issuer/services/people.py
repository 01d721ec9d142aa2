"""Accounts: sign up (each person gets a profile URL and an issuer identity), log in."""

from __future__ import annotations

import functools
import re

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..storage import User
from .errors import FieldError
from .issuers import new_issuer
from .platform import Platform
from .transaction import transaction

HANDLE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
RESERVED_HANDLES = {"admin", "api", "login", "logout", "signup", "new", "me", "settings"}
MIN_PASSWORD = 10


def profile_url(platform: Platform, handle: str) -> str:
    return platform.urls.person(handle)


def create_user(session: Session, platform: Platform, *, handle: str, email: str,
                display_name: str, password: str) -> User:
    """A new account with its own issuer identity and key; commits."""
    handle, email, display_name = handle.strip().lower(), email.strip().lower(), display_name.strip()
    if not HANDLE.fullmatch(handle) or handle in RESERVED_HANDLES:
        raise FieldError("handle.invalid", field="handle")
    if "@" not in email or len(email) > 254:
        raise FieldError("email.invalid", field="email")
    if not display_name or len(display_name) > 120:
        raise FieldError("display-name.invalid", field="display_name", limit=120)
    if len(password) < MIN_PASSWORD:
        raise FieldError("password.too-short", field="password", minimum=MIN_PASSWORD)
    if session.scalar(select(User.id).where(User.handle == handle)):
        raise FieldError("handle.taken", field="handle")
    if session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise FieldError("email.taken", field="email")
    issuer = new_issuer(platform, slug=f"person:{handle}", kind="person", name=display_name,
                        url=profile_url(platform, handle), did_web=platform.urls.person_did(handle))
    user = User(handle=handle, email=email, display_name=display_name, issuer=issuer,
                password_hash=generate_password_hash(password))
    with transaction(session):
        session.add(user)
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user with this email and password, or None (same answer for either mistake)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        check_password_hash(_dummy_hash(), password)  # similar time whether or not the email exists
        return None
    return user if check_password_hash(user.password_hash, password) else None


def end_sessions(session: Session, user: User) -> None:
    """Log the user out everywhere: sessions that logged in before now are no longer accepted."""
    with transaction(session):
        session.execute(update(User).where(User.id == user.id)
                        .values(session_generation=User.session_generation + 1))


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("not a password of anyone")


def user_by_handle(session: Session, handle: str) -> User | None:
    return session.scalar(select(User).where(User.handle == handle.lower()))
