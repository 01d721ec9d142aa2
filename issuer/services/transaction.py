"""One unit of work: the only place in the service that commits or rolls back a session.

A service puts its writes inside ``with transaction(session):``. Only the outermost use
commits; a use nested inside it (a service called by another service) joins that unit, so
services compose: an award and the endorsements that come with it commit together or not at
all. An exception that leaves any level rolls the whole unit back. A nested level cannot
undo only its own part, so when its exception is caught by a caller that carries on, the
unit is marked failed and the outermost level rolls back instead of committing half of it.
What may fail alone and be retried (a unique index lost to a concurrent insert) goes inside
``savepoint(session)``, which undoes just its own writes.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy.orm import Session

_DEPTH = "issuer.transaction.depth"
_FAILED = "issuer.transaction.failed"


class UnitOfWorkFailed(RuntimeError):
    """A nested part of a unit of work raised and a caller carried on: nothing was committed."""


@contextmanager
def transaction(session: Session):
    """Commit on leaving the outermost use; join an enclosing use; roll back on an exception."""
    info = session.info
    if info.get(_DEPTH):
        info[_DEPTH] += 1
        try:
            yield session
        except BaseException:
            info[_FAILED] = True
            raise
        finally:
            info[_DEPTH] -= 1
        return
    info[_DEPTH], info[_FAILED] = 1, False
    try:
        yield session
        if info[_FAILED]:
            raise UnitOfWorkFailed("a part of this unit of work failed; nothing was committed")
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        info[_DEPTH], info[_FAILED] = 0, False


def in_transaction(session: Session) -> bool:
    """Whether a unit of work is open on the session (a write would join it)."""
    return bool(session.info.get(_DEPTH))


@contextmanager
def savepoint(session: Session):
    """A part of the open unit of work that can fail alone: an exception undoes its writes only.

    SQLite: Python's sqlite3 starts a transaction only before its first INSERT/UPDATE/DELETE,
    and a SAVEPOINT outside a transaction would start one of its own whose RELEASE commits.
    So the unit first takes the database's write lock (BEGIN IMMEDIATE) if it holds none yet:
    a unit that needs a savepoint writes anyway, and holding the lock means no concurrent
    writer can get between its reads and its writes.
    """
    if not in_transaction(session):
        raise RuntimeError("savepoint() is a part of a unit of work: open transaction() first")
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    failed = session.info[_FAILED]
    try:
        with session.begin_nested():
            yield session
    except BaseException:
        session.info[_FAILED] = failed  # what failed inside was undone with it
        raise
