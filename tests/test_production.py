"""README "Running in production", run as written.

The section's second shell block is run verbatim by bash in a copy of the checkout, with HOME
a fresh directory holding the settings file the first block shows (same variables, this test's
values): a fresh venv, `pip install -r requirements.txt .`, the upgrade command, gunicorn with
two workers. The database is the suite's: a fresh PostgreSQL schema under
ISSUER_TEST_DATABASE_URL (as CI runs it), otherwise a SQLite file named by ISSUER_DATABASE_URL.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import _database_url
from tests.test_packaging import NOT_SOURCES

ROOT = Path(__file__).resolve().parents[1]
BASE_URL = "https://badges.example.org"


def _section() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("\n## Running in production\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def _shell_blocks() -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```$", _section(), flags=re.S | re.M)


def _settings_names(block: str) -> list[str]:
    return re.findall(r"^([A-Z_]+)=", block, flags=re.M)


def test_the_section_shows_settings_then_commands():
    settings, commands = _shell_blocks()
    assert _settings_names(settings) == ["ISSUER_BASE_URL", "ISSUER_DATABASE_URL", "ISSUER_DATA_DIR",
                                         "ISSUER_KEK_FILE", "ISSUER_PROXY_HOPS", "GUNICORN_CMD_ARGS"]
    assert "flask --app issuer db-upgrade" in commands and "gunicorn --workers 2" in commands
    assert commands.index("db-upgrade") < commands.index("bin/gunicorn")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, accept: str = "application/json") -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def test_the_production_commands_run_as_written(tmp_path):
    settings_block, commands = _shell_blocks()
    home, checkout = tmp_path / "home", tmp_path / "checkout"
    home.mkdir()
    shutil.copytree(ROOT, checkout, symlinks=True, ignore=NOT_SOURCES)
    port = _free_port()
    settings = {"ISSUER_BASE_URL": BASE_URL,
                "ISSUER_DATABASE_URL": _database_url() or f"sqlite:///{home / 'issuer.sqlite3'}",
                "ISSUER_DATA_DIR": str(home / "data"), "ISSUER_KEK_FILE": str(home / "kek" / "kek"),
                "ISSUER_PROXY_HOPS": "1", "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port}"}
    assert list(settings) == _settings_names(settings_block)
    (home / "issuer.env").write_text("".join(f"{name}={shlex.quote(value)}\n"
                                             for name, value in settings.items()))
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("ISSUER_", "PYTHON", "FLASK_", "GUNICORN_", "VIRTUAL_ENV"))}
    env["HOME"] = str(home)
    log = tmp_path / "commands.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(["bash", "-euo", "pipefail", "-c", commands], cwd=checkout, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + 900  # the install may download every dependency
        while log.read_text(errors="replace").count("Booting worker") < 2:
            if process.poll() is not None or time.monotonic() > end:
                pytest.fail(f"the commands stopped ({process.poll()}):\n{log.read_text()[-4000:]}")
            time.sleep(0.5)
        answers = []
        while len(answers) < 4:  # whichever workers answer
            try:
                answers.append(_get(f"{url}/.well-known/did.json"))
            except (ConnectionError, urllib.error.URLError):
                if process.poll() is not None or time.monotonic() > end:
                    pytest.fail(f"gunicorn does not answer:\n{log.read_text()[-4000:]}")
                time.sleep(0.2)
        for code, _, body in answers:
            assert code == 200 and json.loads(body)["id"] == "did:web:badges.example.org"
        code, content_type, body = _get(f"{url}/", accept="text/html")
        assert (code, content_type) == (200, "text/html; charset=utf-8") and b"<title>" in body
        code, _, body = _get(f"{url}/issuer")
        assert code == 200 and json.loads(body)["id"] == "did:web:badges.example.org"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    output = log.read_text(errors="replace")
    assert "database schema upgraded from nothing to revision " in output
    assert output.count("Booting worker") == 2, output[-4000:]
    assert not [line for line in output.splitlines()
                if any(sign in line for sign in ("Traceback", "[ERROR]", "exited with code"))], output[-4000:]
    assert stat.S_IMODE((home / "kek" / "kek").stat().st_mode) == 0o600
    assert (home / "issuer" / "bin" / "gunicorn").exists()
