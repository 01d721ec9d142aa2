"""The service under ``gunicorn -w 4``: several worker processes on one database.

Each test starts gunicorn itself on a socket bound here (a free 127.0.0.1 port), drives it over
HTTP and stops it. Under ISSUER_TEST_DATABASE_URL the workers share a fresh PostgreSQL schema,
otherwise a fresh SQLite file.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import TOKEN, _database_url

WORKERS = 4
GUNICORN = Path(sys.executable).with_name("gunicorn")
HOOKS = '''
def post_worker_init(worker):
    worker.log.info("issuer worker ready %s", worker.pid)
'''


class Gunicorn:
    """``gunicorn -w 4 'issuer:create_app()'`` on a socket this process bound and hands over."""

    def __init__(self, data_dir: Path, **env):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.database = _database_url() or f"sqlite:///{data_dir / 'issuer.sqlite3'}"
        hooks = data_dir / "gunicorn_hooks.py"
        hooks.write_text(HOOKS)
        self.log = data_dir / "gunicorn.log"
        environ = {**os.environ, "ISSUER_DATA_DIR": str(data_dir), "ISSUER_API_TOKEN": TOKEN,
                   "ISSUER_BASE_URL": self.url, "ISSUER_DATABASE_URL": self.database,
                   "ISSUER_DATABASE_POOL": "none", **env}
        environ.pop("ISSUER_TEST_DATABASE_URL", None)
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [str(GUNICORN), "-w", str(WORKERS), "--bind", f"fd://{self.sock.fileno()}",
                 "-c", str(hooks), "--log-level", "info", "--graceful-timeout", "2",
                 "issuer:create_app()"],
                env=environ, stdout=log, stderr=subprocess.STDOUT, pass_fds=(self.sock.fileno(),),
                start_new_session=True)

    def wait_ready(self, deadline: float = 60) -> None:
        """Until every worker has finished create_app; fails when gunicorn gives up."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited ({self.process.returncode}):\n{self.log_text()[-4000:]}")
            if self.log_text().count("issuer worker ready") >= WORKERS:
                return
            time.sleep(0.1)
        pytest.fail(f"gunicorn workers not ready in {deadline} s:\n{self.log_text()[-4000:]}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.sock.close()

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": f"Bearer {TOKEN}", "Accept": "application/json",
            "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")


@pytest.fixture
def gunicorn(tmp_path):
    servers = []

    def start(**env):
        server = Gunicorn(tmp_path, **env)
        servers.append(server)
        server.wait_ready()
        return server

    yield start
    for server in servers:
        server.close()


def test_workers_start_together_on_a_fresh_database_with_the_demo(gunicorn):
    """Four workers migrate, create the platform issuer and seed the demo at once: all boot."""
    server = gunicorn(ISSUER_DEMO="true")
    assert "Exception" not in server.log_text(), server.log_text()[-4000:]
    engine = create_engine(server.database)
    try:
        with engine.connect() as connection:
            counted = {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                       for table in ("alembic_version", "community", "app_user")}
            platforms = connection.execute(text(
                "SELECT count(*) FROM issuer WHERE slug = 'platform'")).scalar()
    finally:
        engine.dispose()
    assert counted == {"alembic_version": 1, "community": 1, "app_user": 4}
    assert platforms == 1
    for _ in range(2 * WORKERS):
        code, _ = server.request("GET", "/credentials/status/1")
        assert code == 200
