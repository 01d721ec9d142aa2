"""Per-user bearer tokens of the JSON API: shown once, stored as SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..storage import ApiToken, User, in_id_range
from .people import FieldError
from .platform import now_utc
from .transaction import transaction

PREFIX = "orc_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; the plain token is returned once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise FieldError("name", "name the token (at most 80 characters)")
    plain = PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, name=name, token_sha256=_digest(plain))
    with transaction(session):
        session.add(record)
    return record, plain


def user_for_token(session: Session, plain: str) -> User | None:
    """The user a live token belongs to (and note its use), or None."""
    record = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _digest(plain),
                                                   ApiToken.revoked_at.is_(None)))
    if record is None:
        return None
    with transaction(session):
        record.last_used_at = now_utc()
    return record.user


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
