"""Who migrates: `flask --app issuer db-upgrade` for a configured database, create_app only for
the embedded SQLite default and the demo.

"Configured" here is the suite's database: a fresh PostgreSQL schema under
ISSUER_TEST_DATABASE_URL, otherwise a SQLite file named by ISSUER_DATABASE_URL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, make_url, text

from issuer import create_app, storage
from issuer.cli import upgrade_database
from tests.conftest import TOKEN, _database_url

FLASK = Path(sys.executable).with_name("flask")


def _head() -> str:
    engine = create_engine("sqlite://")
    try:
        return storage.schema_revisions(engine)[1]
    finally:
        engine.dispose()


def _configured(tmp_path) -> dict:
    database = _database_url() or f"sqlite:///{tmp_path / 'configured.sqlite3'}"
    return {"TESTING": True, "ISSUER_DATA_DIR": str(tmp_path / "data"), "ISSUER_API_TOKEN": TOKEN,
            "ISSUER_DATABASE_URL": database, "ISSUER_DATABASE_POOL": "none"}


def _revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        return storage.schema_revisions(engine)[0]
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _run_command(settings: dict, cwd: Path) -> subprocess.CompletedProcess:
    """`flask --app issuer db-upgrade` with the settings as ISSUER_* environment variables."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ISSUER_")}
    env.update({key: str(value) for key, value in settings.items() if key.startswith("ISSUER_")})
    return subprocess.run([str(FLASK), "--app", "issuer", "db-upgrade"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_a_configured_empty_database_is_refused_until_the_command_has_run(tmp_path):
    settings = _configured(tmp_path)
    with pytest.raises(storage.SchemaNotCurrent) as refused:
        create_app(settings)
    message = str(refused.value)
    assert "empty (no schema yet)" in message and f"needs revision {_head()}" in message
    assert "Run `flask --app issuer db-upgrade`" in message
    assert _tables(settings["ISSUER_DATABASE_URL"]) == set()  # start-up wrote nothing

    done = _run_command(settings, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"database schema upgraded from nothing to revision {_head()}"
    again = _run_command(settings, tmp_path)
    assert (again.returncode, again.stdout.strip()) == (0, f"database schema already at revision {_head()}")

    app = create_app(settings)
    try:
        assert app.test_client().get("/issuer").status_code == 200
    finally:
        app.extensions["issuer.engine"].dispose()


def test_a_configured_database_behind_the_code_is_refused_and_not_touched(tmp_path):
    settings = _configured(tmp_path)
    upgrade_database(settings)
    url = settings["ISSUER_DATABASE_URL"]
    engine = create_engine(url)
    try:
        config = storage.alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0002")
    finally:
        engine.dispose()
    with pytest.raises(storage.SchemaNotCurrent, match=rf"is at revision 0002; this version of the "
                                                       rf"service needs revision {_head()}\. Run "
                                                       r"`flask --app issuer db-upgrade`"):
        create_app(settings)
    assert _revision(url) == "0002"
    assert upgrade_database(settings) == ("0002", _head())
    create_app(settings).extensions["issuer.engine"].dispose()


def test_a_database_a_newer_version_migrated_is_refused(tmp_path):
    settings = _configured(tmp_path)
    upgrade_database(settings)
    engine = create_engine(settings["ISSUER_DATABASE_URL"])
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    finally:
        engine.dispose()
    with pytest.raises(storage.SchemaNotCurrent, match=rf"is at revision 0999, which this version of "
                                                       rf"the service does not know \(its newest is "
                                                       rf"{_head()}\): a newer version migrated it"):
        create_app(settings)


def test_the_refusal_hides_the_database_password(monkeypatch):
    class NoSchema:
        """Stands for an engine on a database with no schema (nothing is connected to)."""
        url = make_url("postgresql+psycopg://issuer:s3cret@db.example.org/issuer")

    monkeypatch.setattr(storage, "schema_revisions", lambda _engine: (None, "0003"))
    with pytest.raises(storage.SchemaNotCurrent) as refused:
        storage.require_newest_schema(NoSchema())
    assert "s3cret" not in str(refused.value)
    assert "postgresql+psycopg://issuer:***@db.example.org/issuer is empty" in str(refused.value)


def test_the_embedded_default_database_is_migrated_on_start(tmp_path):
    data = tmp_path / "fresh"  # nothing there yet
    app = create_app({"TESTING": True, "ISSUER_DATA_DIR": str(data), "ISSUER_API_TOKEN": TOKEN,
                      "ISSUER_DATABASE_URL": None})
    try:
        assert app.config["ISSUER_DATABASE_URL"] == f"sqlite:///{data / 'issuer.sqlite3'}"
        assert _revision(app.config["ISSUER_DATABASE_URL"]) == _head()
    finally:
        app.extensions["issuer.engine"].dispose()


def test_the_demo_migrates_a_configured_empty_database_on_start(tmp_path):
    settings = {**_configured(tmp_path), "ISSUER_DEMO": True}
    app = create_app(settings)
    try:
        assert _revision(settings["ISSUER_DATABASE_URL"]) == _head()
        with app.extensions["issuer.engine"].connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM community")).scalar() == 1
    finally:
        app.extensions["issuer.engine"].dispose()
