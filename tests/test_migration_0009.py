"""Migration 0009: people already here get the consent to be named in badges on (the issue makes
it the default for new badges; past badges are not touched), and it goes away on downgrade."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from issuer import storage
from tests.conftest import make_app


def _downgrade(engine, revision: str) -> None:
    config = storage.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _columns(engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("app_user")}


def test_people_before_0009_are_named_in_new_badges_and_downgrade_drops_the_column(tmp_path):
    app = make_app(tmp_path, ISSUER_DEMO=True)
    engine = app.extensions["issuer.engine"]
    _downgrade(engine, "0008")
    assert "identify_in_badges" not in _columns(engine)
    storage.migrate(engine)
    with engine.connect() as connection:
        values = connection.execute(text("SELECT identify_in_badges FROM app_user")).scalars().all()
    assert len(values) == 4 and all(v in (True, 1) for v in values)
    with engine.begin() as connection:
        connection.execute(text("UPDATE app_user SET identify_in_badges = :off"), {"off": False})
    _downgrade(engine, "0008")
    assert "identify_in_badges" not in _columns(engine)
    storage.migrate(engine)
