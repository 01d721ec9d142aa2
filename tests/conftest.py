"""Shared fixtures: an app on a temporary data directory, its client, and a live server."""

from __future__ import annotations

import os
import threading
import uuid

import pytest
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from issuer import create_app
from issuer.cli import upgrade_database
from tests.loopback import LoopbackServer

TOKEN = "test-token-0123456789"


def make_app(data_dir, **config):
    settings = {"TESTING": True, "ISSUER_DATA_DIR": str(data_dir), "ISSUER_API_TOKEN": TOKEN}
    database = _database_url()
    if database:  # no pool: an app a test drops must not leave PostgreSQL connections open
        settings.update(ISSUER_DATABASE_URL=database, ISSUER_DATABASE_POOL="none")
    settings.update(config)
    if settings.get("ISSUER_DATABASE_URL"):  # create_app never migrates a configured database:
        # upgrade it first, as a deployment does with `flask --app issuer db-upgrade`
        upgrade_database(settings)
    app = create_app(settings)
    _APPS.append(app)
    return app


_APPS: list = []


@pytest.fixture(autouse=True)
def _close_databases():
    """Close the pooled connections of the apps a test made (PostgreSQL warns otherwise)."""
    yield
    while _APPS:
        _APPS.pop().extensions["issuer.engine"].dispose()


def _database_url() -> str | None:
    """With ISSUER_TEST_DATABASE_URL (PostgreSQL), each app gets a schema of its own."""
    base = os.environ.get("ISSUER_TEST_DATABASE_URL")
    if not base:
        return None
    schema = f"t_{uuid.uuid4().hex[:16]}"
    engine = create_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


def as_platform(client, credential: dict) -> dict:
    """The credential naming the platform issuer (GET /issuer), as POST /credentials/issue needs."""
    return {**credential, "issuer": client.get("/issuer").get_json()["id"]}


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo community (ISSUER_DEMO) on a data directory of its own, shared by a test module."""
    app = make_app(tmp_path_factory.mktemp("demo"), ISSUER_DEMO=True)
    yield app
    app.extensions["issuer.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth():
    return {"Authorization": f"Bearer {TOKEN}"}


class ThreadedServer:
    """A werkzeug server on 127.0.0.1 in a thread of this process; ``close()`` stops it."""

    def _serve(self, server) -> None:
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()

    def close(self):
        self._server.shutdown()
        self._thread.join(timeout=5)
        self._server.server_close()


class LiveServer(ThreadedServer):
    """The real app behind a real HTTP server on 127.0.0.1, in a thread of this process."""

    def __init__(self, data_dir, **config):
        holder = {}
        server = make_server("127.0.0.1", 0, lambda env, start: holder["app"](env, start), threaded=True)
        self.url = f"http://127.0.0.1:{server.port}"
        self.app = holder["app"] = make_app(data_dir, ISSUER_BASE_URL=self.url, **config)
        self._serve(server)

    def close(self):
        super().close()
        self.app.extensions["issuer.engine"].dispose()


@pytest.fixture
def loopback():
    """Another web server on 127.0.0.1 (see tests/loopback.py)."""
    server = LoopbackServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("live"))
    yield server
    server.close()
