"""Per-user bearer tokens of the JSON API: shown once, stored as SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..storage import ApiToken, User, in_id_range
from .errors import FieldError
from .platform import now_utc
from .transaction import transaction

PREFIX = "orc_"
USE_NOTED_EVERY = timedelta(minutes=1)  # a token's last use is kept to the minute, not per request


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; the plain token is returned once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise FieldError("token.name-invalid", field="name", limit=80)
    plain = PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, name=name, token_sha256=_digest(plain))
    with transaction(session):
        session.add(record)
    return record, plain


def _live_token(session: Session, plain: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _digest(plain),
                                                 ApiToken.revoked_at.is_(None)))


def user_for_token(session: Session, plain: str) -> User | None:
    """The user a live token belongs to, or None; only reads (see note_token_use)."""
    record = _live_token(session, plain)
    return None if record is None else record.user


def note_token_use(session: Session, plain: str, *, now: datetime | None = None) -> bool:
    """Record that a live token was used, unless a use less than USE_NOTED_EVERY ago was.

    A request that only reads writes nothing, so the web layer calls this from requests
    that change something; True when the time was written.
    """
    now = now or now_utc()
    record = _live_token(session, plain)
    if record is None or (record.last_used_at is not None
                          and now - record.last_used_at < USE_NOTED_EVERY):
        return False
    with transaction(session):
        record.last_used_at = now
    return True


def revoke_token(session: Session, user: User, token_id: int) -> bool:
    """Revoke one of ``user``'s tokens; False when there is no such token of theirs."""
    record = session.get(ApiToken, token_id) if in_id_range(token_id) else None
    if record is None or record.user_id != user.id:
        return False
    with transaction(session):
        record.revoked_at = record.revoked_at or now_utc()
    return True


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.id.desc())))
