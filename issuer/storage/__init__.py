"""Storage: one engine per app, one session per request in ``g``, named read helpers."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from .models import Base, IssuedCredential, Issuer, SigningKey, StatusList
from .people import (ROLES, Achievement, ApiToken, Community, Invitation, Membership, StoredImage,
                     User)

__all__ = ["Base", "IssuedCredential", "Issuer", "SigningKey", "StatusList", "init_app",
           "ROLES", "Achievement", "ApiToken", "Community", "Invitation", "Membership",
           "StoredImage", "User",
           "get_session", "issuer_by_slug", "issuer_by_did", "credential_by_uuid",
           "newest_status_list", "index_in_use", "allocated_count", "revoked_indexes"]


MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def init_app(app: Flask) -> None:
    """Create the engine, bring the schema to the newest migration, close sessions on teardown."""
    url = app.config["ISSUER_DATABASE_URL"]
    options = {"poolclass": NullPool} if app.config.get("ISSUER_DATABASE_POOL") == "none" else {}
    engine = create_engine(url, future=True, pool_pre_ping=True, **options)
    if url.startswith("sqlite"):
        _private_sqlite_files(engine.url.database)
        event.listen(engine, "connect", _sqlite_pragmas)
    migrate(engine)
    app.extensions["issuer.engine"] = engine
    app.extensions["issuer.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine, revision: str = "head") -> None:
    """Run the Alembic migrations up to ``revision`` on ``engine``."""
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _private_sqlite_files(database: str | None) -> None:
    """The SQLite file and its -wal/-shm/-journal readable by the service's user only.

    SQLite gives those companions the mode of the database file, so the file is made 0600
    before SQLite first opens it; files left 0644 by an older version are narrowed.
    """
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # an empty file is an empty database
    for companion in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal"))):
        if companion.exists() and stat.S_IMODE(companion.stat().st_mode) & 0o077:
            os.chmod(companion, 0o600)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def get_session() -> Session:
    """The session of the current request (or app context), created on first use."""
    if "db" not in g:
        g.db = current_app.extensions["issuer.sessionmaker"]()
    return g.db


def _close_session(_exc) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


def issuer_by_slug(session: Session, slug: str) -> Issuer | None:
    return session.scalar(select(Issuer).where(Issuer.slug == slug))


def issuer_by_did(session: Session, did: str) -> Issuer | None:
    return session.scalar(select(Issuer).where(Issuer.did == did))


def credential_by_uuid(session: Session, uuid: str) -> IssuedCredential | None:
    return session.get(IssuedCredential, uuid)


def newest_status_list(session: Session, issuer: Issuer, purpose: str) -> StatusList | None:
    """The newest list of this issuer and purpose (it may be full)."""
    return session.scalar(
        select(StatusList)
        .where(StatusList.issuer_id == issuer.id, StatusList.purpose == purpose)
        .order_by(StatusList.id.desc())
        .limit(1)
    )


def index_in_use(session: Session, status_list: StatusList, index: int) -> bool:
    """Whether an index of a list was already given out."""
    return session.scalar(select(IssuedCredential.id).where(
        IssuedCredential.status_list_id == status_list.id,
        IssuedCredential.status_index == index).limit(1)) is not None


def allocated_count(session: Session, status_list: StatusList) -> int:
    """How many indexes of a list are given out."""
    return session.scalar(select(func.count()).select_from(IssuedCredential).where(
        IssuedCredential.status_list_id == status_list.id)) or 0


def revoked_indexes(session: Session, status_list: StatusList) -> list[int]:
    """Indexes whose credentials are revoked: the set bits of the list."""
    return list(session.scalars(select(IssuedCredential.status_index).where(
        IssuedCredential.status_list_id == status_list.id,
        IssuedCredential.revoked_at.is_not(None))))
