"""Storage: one engine per app, one session per request in ``g``, named read helpers."""

from __future__ import annotations

import fcntl
import os
import stat
import zlib
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event, func, or_, select, text, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from .rate_limits import RateLimitCounter
from .models import (Award, AwardEvent, Base, CredentialOffer, IssuedCredential, Issuer, SigningKey,
                     StatusList, WalletNonce)
from .people import (ROLES, Achievement, ApiToken, Community, Invitation, Membership, StoredImage,
                     User)

__all__ = ["Award", "AwardEvent", "CredentialOffer", "WalletNonce", "Base", "IssuedCredential", "Issuer", "SigningKey", "StatusList", "init_app",
           "ROLES", "Achievement", "ApiToken", "Community", "Invitation", "Membership",
           "StoredImage", "User", "RateLimitCounter",
           "MAX_ID", "in_id_range", "get_session", "issuer_by_slug", "issuer_by_did", "credential_by_uuid",
           "newest_status_list", "index_in_use", "allocated_count", "revoked_indexes",
           "vc_id_taken", "credentials_by_vc_id", "mark_revoked", "bump_status_version",
           "status_list_state", "store_signed_status_list", "lock_row"]


MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
MAX_ID = 2**31 - 1  # INTEGER columns (PostgreSQL int4): a larger id or index names no row


def init_app(app: Flask) -> None:
    """Create the engine, check (or, for the embedded database, bring) the schema to the newest
    migration, close sessions on teardown."""
    engine = make_engine(app.config["ISSUER_DATABASE_URL"], app.config.get("ISSUER_DATABASE_POOL"))
    app.extensions["issuer.engine"] = engine
    if app.config["ISSUER_MIGRATE_ON_START"]:
        with startup_lock(app):
            migrate(engine)
    else:
        require_newest_schema(engine)
    app.extensions["issuer.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def make_engine(url: str, pool: str | None = None) -> Engine:
    """The engine of ``url``; SQLite files private, with WAL and a busy timeout."""
    options = {"poolclass": NullPool} if pool == "none" else {}
    engine = create_engine(url, future=True, pool_pre_ping=True, **options)
    if url.startswith("sqlite"):
        _private_sqlite_files(engine.url.database)
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


UPGRADE_COMMAND = "flask --app issuer db-upgrade"


class SchemaNotCurrent(RuntimeError):
    """A configured database whose schema is not the one this version of the code needs."""


def schema_revisions(engine: Engine) -> tuple[str | None, str]:
    """(the database's Alembic revision or None when it has none, the code's newest revision)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision(), head


def require_newest_schema(engine: Engine) -> None:
    """Refuse to start on a database not at the newest migration: workers never migrate it."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    current, head = schema_revisions(engine)
    if current == head:
        return
    database = engine.url.render_as_string(hide_password=True)
    try:
        known = current is None or ScriptDirectory.from_config(alembic_config()).get_revision(current)
    except CommandError:
        known = False
    if not known:
        raise SchemaNotCurrent(
            f"the database {database} is at revision {current}, which this version of the "
            f"service does not know (its newest is {head}): a newer version migrated it")
    where = f"at revision {current}" if current else "empty (no schema yet)"
    raise SchemaNotCurrent(
        f"the database {database} is {where}; this version of the service needs revision "
        f"{head}. Run `{UPGRADE_COMMAND}` with the same ISSUER_* settings once, then start "
        f"the service.")


def upgrade(url: str) -> tuple[str | None, str]:
    """Bring the database at ``url`` to the newest migration, one process at a time;
    (revision before, revision after). What `flask --app issuer db-upgrade` runs."""
    engine = make_engine(url, "none")
    try:
        with startup_lock(engine):
            before, _ = schema_revisions(engine)
            migrate(engine)
            return before, schema_revisions(engine)[0]
    finally:
        engine.dispose()


# pg_advisory_lock key shared by every process of the service on one database
STARTUP_LOCK_KEY = zlib.crc32(b"open-recognition-issuer start-up")


@contextmanager
def startup_lock(app: Flask | Engine):
    """Let one process at a time through start-up work (migrations, first rows).

    Workers started together (gunicorn -w N) would otherwise create the same first rows (and,
    on the embedded database, migrate) at once; so would two `db-upgrade` commands migrate.
    PostgreSQL: a session advisory lock, held on a connection of its own (in autocommit: the
    lock outlives transactions, so none is left open while it is held). SQLite: an exclusive
    flock on a file beside the database file.
    """
    engine = app.extensions["issuer.engine"] if isinstance(app, Flask) else app
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK_KEY})
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    fd = os.open(f"{database}.startup-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the file releases the lock


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
    cursor.execute("PRAGMA busy_timeout=5000")  # first: switching to WAL may wait for a lock
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
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


def in_id_range(value: int) -> bool:
    """Whether an integer from a URL or a document can be an id or index in the database."""
    return 0 <= value <= MAX_ID


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
        .order_by(StatusList.seq.desc())
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


def vc_id_taken(session: Session, vc_id: str) -> bool:
    """Whether a stored credential already has this id."""
    return session.scalar(select(IssuedCredential.id).where(IssuedCredential.vc_id == vc_id)
                          .limit(1)) is not None


def credentials_by_vc_id(session: Session, vc_id: str, limit: int = 2) -> list[IssuedCredential]:
    """Stored credentials with this id: one at most, unless the database predates the unique index."""
    return list(session.scalars(select(IssuedCredential).where(IssuedCredential.vc_id == vc_id)
                                .limit(limit)))


def mark_revoked(session: Session, row: IssuedCredential | Award, at, reason: str) -> bool:
    """Revoke the credential or award unless it already is; True when this call revoked it
    (no commit)."""
    model = type(row)
    result = session.execute(
        update(model)
        .where(model.id == row.id, model.revoked_at.is_(None))
        .values(revoked_at=at, revocation_reason=reason)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def bump_status_version(session: Session, list_id: int) -> None:
    """The list's bits changed: one more version, counted in the database (no commit)."""
    session.execute(update(StatusList).where(StatusList.id == list_id)
                    .values(version=StatusList.version + 1)
                    .execution_options(synchronize_session=False))


def status_list_state(session: Session, list_id: int) -> tuple[int, int | None, str | None]:
    """(version, signed_version, signed_json) of a list, read fresh from the database."""
    version, signed_version, signed_json = session.execute(
        select(StatusList.version, StatusList.signed_version, StatusList.signed_json)
        .where(StatusList.id == list_id)).one()
    return version, signed_version, signed_json


def store_signed_status_list(session: Session, list_id: int, version: int, text_: str, at) -> bool:
    """Cache a signed list of ``version`` unless a list as new or newer is cached (no commit)."""
    result = session.execute(
        update(StatusList)
        .where(StatusList.id == list_id,
               or_(StatusList.signed_version.is_(None), StatusList.signed_version < version))
        .values(signed_json=text_, signed_version=version, signed_at=at)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def lock_row(session: Session, model, key) -> None:
    """Hold a write lock on one row until the transaction ends, serializing a check-then-insert.

    PostgreSQL: SELECT … FOR NO KEY UPDATE (rows that merely reference it are not blocked).
    SQLite has no row locks, so a no-op write starts the database's single write transaction.
    """
    if session.get_bind().dialect.name == "sqlite":
        column = model.__table__.primary_key.columns[0]
        session.execute(update(model).where(column == key).values({column.name: column})
                        .execution_options(synchronize_session=False))
        return
    column = model.__table__.primary_key.columns[0]
    session.execute(select(column).where(column == key).with_for_update(key_share=True))
