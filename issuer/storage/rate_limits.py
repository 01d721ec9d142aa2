"""Rate-limit counters in the service's own database, shared by every worker process.

A storage backend for the ``limits`` library (used by Flask-Limiter), fixed-window strategy:
one row per limit key with its count and the end of its window. Each increment is a single
atomic upsert (SQLite and PostgreSQL both have INSERT … ON CONFLICT … RETURNING), committed on
a connection of its own, so it neither joins nor disturbs the request's unit of work.
"""

from __future__ import annotations

import random
import time

from flask import current_app
from limits.storage import Storage
from sqlalchemy import Float, String, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base

SCHEME = "issuer-db"
PURGE_ONE_IN = 200  # about one increment in 200 also deletes expired counters


class RateLimitCounter(Base):
    """Hits of one rate-limit key in its current window."""

    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int]
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # Unix time the window ends


class DatabaseStorage(Storage):
    """``issuer-db://``: counters in the database of the current Flask app."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    @staticmethod
    def _engine():
        return current_app.extensions["issuer.engine"]

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` hits; a window that has ended starts again at ``amount``."""
        now = time.time()
        key = key[:255]
        table = RateLimitCounter.__table__
        engine = self._engine()
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        expired = table.c.expires_at <= now
        statement = dialect.insert(table).values(key=key, hits=amount, expires_at=now + expiry)
        statement = statement.on_conflict_do_update(index_elements=[table.c.key], set_={
            "hits": case((expired, amount), else_=table.c.hits + amount),
            "expires_at": case((expired, now + expiry), else_=table.c.expires_at)}).returning(table.c.hits)
        with engine.begin() as connection:
            hits = connection.execute(statement).scalar_one()
            if random.randrange(PURGE_ONE_IN) == 0:
                connection.execute(delete(table).where(table.c.expires_at <= now))
        return hits

    def get(self, key: str) -> int:
        row = self._row(key)
        return row.hits if row is not None and row.expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row.expires_at if row is not None and row.expires_at > time.time() else time.time()

    def _row(self, key: str):
        table = RateLimitCounter.__table__
        with self._engine().connect() as connection:
            return connection.execute(select(table.c.hits, table.c.expires_at)
                                      .where(table.c.key == key[:255])).first()

    def check(self) -> bool:
        try:
            with self._engine().connect() as connection:
                connection.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self._engine().begin() as connection:
            return connection.execute(delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        with self._engine().begin() as connection:
            connection.execute(delete(RateLimitCounter.__table__)
                               .where(RateLimitCounter.__table__.c.key == key[:255]))

