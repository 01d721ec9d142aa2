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
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from issuer.credentials import status
from tests.conftest import TOKEN, _database_url

WORKERS = 4
GUNICORN = Path(sys.executable).with_name("gunicorn")
FLASK = Path(sys.executable).with_name("flask")
HOOKS = '''
def post_worker_init(worker):
    worker.log.info("issuer worker ready %s", worker.pid)
'''


class Gunicorn:
    """``gunicorn -w 4 'issuer:create_app()'`` on a socket this process bound and hands over.

    Its hooks file and log live in ``workdir``; ``data_dir`` is left to the service to create.
    With no ``database`` the workers use the suite's database: a fresh PostgreSQL schema under
    ISSUER_TEST_DATABASE_URL, or the embedded SQLite default of the data directory (always the
    latter with ``embedded``). A configured database is first brought to the newest migration
    by `flask --app issuer db-upgrade`, as a deployment does (unless ``migrate`` is false).
    """

    def __init__(self, workdir: Path, data_dir: Path, database: str | None = None,
                 migrate: bool = True, embedded: bool = False, workers: int = WORKERS, **env):
        self.workers = workers
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        if database is None and not embedded:
            database = _database_url()
        self.database = database or f"sqlite:///{data_dir / 'issuer.sqlite3'}"
        hooks = workdir / "gunicorn_hooks.py"
        hooks.write_text(HOOKS)
        self.log = workdir / "gunicorn.log"
        environ = {**os.environ, "ISSUER_DATA_DIR": str(data_dir), "ISSUER_API_TOKEN": TOKEN,
                   "ISSUER_BASE_URL": self.url, "ISSUER_DATABASE_POOL": "none", **env}
        environ.pop("ISSUER_TEST_DATABASE_URL", None)
        environ.pop("ISSUER_DATABASE_URL", None)
        if database:
            environ["ISSUER_DATABASE_URL"] = database
            if migrate:
                upgrade = subprocess.run([str(FLASK), "--app", "issuer", "db-upgrade"], env=environ,
                                         cwd=workdir, capture_output=True, text=True, timeout=120)
                assert upgrade.returncode == 0, upgrade.stderr
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [str(GUNICORN), "-w", str(workers), "--bind", f"fd://{self.sock.fileno()}",
                 "-c", str(hooks), "--log-level", "info", "--graceful-timeout", "2",
                 "issuer:create_app()"],
                env=environ, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
                pass_fds=(self.sock.fileno(),), start_new_session=True)

    def wait_ready(self, deadline: float = 60) -> None:
        """Until every worker has finished create_app; fails when gunicorn gives up."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited ({self.process.returncode}):\n{self.log_text()[-4000:]}")
            if self.log_text().count("issuer worker ready") >= self.workers:
                return
            time.sleep(0.1)
        pytest.fail(f"gunicorn workers not ready in {deadline} s:\n{self.log_text()[-4000:]}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def worker_errors(self) -> list[str]:
        """Log lines telling of an error, a traceback or a worker that exited or was killed."""
        signs = ("[ERROR]", "[CRITICAL]", "Traceback", "Exception", "exited with code",
                 "Worker failed", "WORKER TIMEOUT", "SIGKILL")  # "was sent SIGTERM": a normal stop
        return [line for line in self.log_text().splitlines() if any(sign in line for sign in signs)]

    def booted_workers(self) -> int:
        return self.log_text().count("Booting worker")

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
    """start(database=None, data_dir=None, migrate=True, embedded=False, workers=4, **env): a fresh server,
    stopped after the test; each in a work directory of its own, on a fresh data directory unless
    given one."""
    servers = []

    def start(database: str | None = None, data_dir: Path | None = None, migrate: bool = True,
              embedded: bool = False, workers: int = WORKERS, **env):
        workdir = tmp_path / f"gunicorn-{len(servers)}"
        server = Gunicorn(workdir, data_dir or workdir / "data", database, migrate, embedded, workers, **env)
        servers.append(server)
        server.wait_ready()
        return server

    yield start
    for server in servers:
        server.close()


def _credential(server: Gunicorn, n: int) -> dict:
    return {"credential": {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"], "issuer": server.request("GET", "/issuer")[1]["id"],
        "credentialSubject": {"id": f"did:example:holder-{n}"}}}


def _published_bits(server: Gunicorn, list_path: str) -> status.StatusList:
    code, document = server.request("GET", list_path)
    assert code == 200, document
    return status.StatusList.decode(document["credentialSubject"]["encodedList"])


def test_a_fresh_issuers_first_concurrent_issuances_share_one_status_list(gunicorn):
    server = gunicorn()
    with ThreadPoolExecutor(8) as pool:
        issued = list(pool.map(lambda n: server.request("POST", "/credentials/issue", _credential(server, n)),
                               range(16)))
    assert all(code == 201 for code, _ in issued), issued[:2]
    lists = {body["verifiableCredential"]["credentialStatus"]["statusListCredential"]
             for _, body in issued}
    assert len(lists) == 1, lists


def _endorse(server, bearer: str, handle: str) -> int:
    """POST an endorsement of ``handle`` through the JSON API; the status code."""
    request = urllib.request.Request(
        f"{server.url}/api/v1/people/{handle}/endorsements", method="POST",
        data=b'{"comment": "Thanks"}', headers={"Authorization": f"Bearer {bearer}",
                                                 "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_hourly_endorsement_limit_holds_for_concurrent_requests(gunicorn, tmp_path):
    from issuer.services import recognition
    from issuer.services.people import create_user
    from issuer.services.tokens import create_token
    from issuer.storage import get_session
    from tests.conftest import make_app

    app = make_app(tmp_path)
    with app.app_context():
        session, platform = get_session(), app.extensions["issuer.platform"]
        people = [create_user(session, platform, handle=f"p{n}", email=f"p{n}@example.org",
                              display_name=f"P{n}", password="long enough pw") for n in range(27)]
        _, bearer = create_token(session, people[0], "endorsing")
    server = gunicorn(database=app.config["ISSUER_DATABASE_URL"], data_dir=tmp_path)
    limit = recognition.RATE_LIMIT_PER_HOUR

    with ThreadPoolExecutor(13) as pool:
        codes = list(pool.map(lambda person: _endorse(server, bearer, person.handle), people[1:]))
    assert sorted(codes) == [201] * limit + [429] * (26 - limit)


def test_concurrent_endorsements_of_one_subject_by_one_person_store_one(gunicorn, tmp_path):
    """One endorsement per endorser and subject, also when the same form is sent several times
    at once to several workers."""
    from issuer.services.people import create_user
    from issuer.services.tokens import create_token
    from issuer.storage import IssuedCredential, get_session
    from tests.conftest import make_app

    app = make_app(tmp_path)
    with app.app_context():
        session, platform = get_session(), app.extensions["issuer.platform"]
        ada, bob = (create_user(session, platform, handle=h, email=f"{h}@example.org",
                                display_name=h.title(), password="long enough pw") for h in ("ada", "bob"))
        _, bearer = create_token(session, ada, "endorsing")
    server = gunicorn(database=app.config["ISSUER_DATABASE_URL"], data_dir=tmp_path)

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: _endorse(server, bearer, "bob"), range(8)))
    assert codes.count(201) == 1 and 500 not in codes, codes
    with app.app_context():
        stored = get_session().query(IssuedCredential).filter_by(kind="EndorsementCredential").count()
    assert stored == 1


def test_revocations_are_published_by_every_worker(gunicorn):
    """Concurrent revocations while others read the list: every revoked bit is served after."""
    server = gunicorn()
    rounds, per_round = 8, 4
    issued = [server.request("POST", "/credentials/issue", _credential(server, 0))]  # makes the list
    with ThreadPoolExecutor(8) as pool:
        issued += pool.map(lambda n: server.request("POST", "/credentials/issue", _credential(server, n)),
                           range(1, rounds * per_round))
    assert all(code == 201 for code, _ in issued), issued[:2]
    credentials = [body["verifiableCredential"] for _, body in issued]
    list_urls = {c["credentialStatus"]["statusListCredential"] for c in credentials}
    assert len(list_urls) == 1, list_urls
    list_path = list_urls.pop()[len(server.url):]
    revoked: list[dict] = []
    for round_ in range(rounds):
        batch = credentials[round_ * per_round:(round_ + 1) * per_round]
        stop = threading.Event()

        def read_list():
            while not stop.is_set():
                server.request("GET", list_path)

        readers = [threading.Thread(target=read_list) for _ in range(4)]
        for reader in readers:
            reader.start()
        with ThreadPoolExecutor(per_round) as pool:
            answers = list(pool.map(lambda c: server.request("POST", "/credentials/status", {
                "credentialId": c["id"], "reason": "issued in error",
                "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}]}),
                batch))
        stop.set()
        for reader in readers:
            reader.join()
        assert all(code == 200 for code, _ in answers), answers
        revoked += batch
        for _ in range(2 * WORKERS):  # whichever worker answers, the new bits are there
            bits = _published_bits(server, list_path)
            missing = [c["id"] for c in revoked
                       if not bits.get(int(c["credentialStatus"]["statusListIndex"]))]
            assert missing == [], f"round {round_}: revoked but not published: {missing}"
    for credential in (revoked[0], revoked[-1]):
        code, result = server.request("POST", "/credentials/verify",
                                      {"verifiableCredential": credential})
        assert (code, result["verified"]) == (422, False)


def test_workers_start_together_on_a_fresh_database_with_the_demo(gunicorn):
    """Four workers migrate, create the platform issuer and seed the demo at once: all boot."""
    server = gunicorn(migrate=False, ISSUER_DEMO="true")  # the demo migrates even PostgreSQL
    assert server.worker_errors() == [], server.log_text()[-4000:]
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


def _platform_issuers(database: str) -> int:
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM issuer WHERE slug = 'platform'")).scalar()
    finally:
        engine.dispose()


@pytest.mark.parametrize("database", ["embedded", "configured"])
def test_four_workers_start_together_cleanly_every_time(gunicorn, tmp_path, database):
    """Fresh starts, one after another: the embedded SQLite default on a data directory that
    does not exist yet (the workers create it and migrate), and a configured database (a fresh
    PostgreSQL schema under ISSUER_TEST_DATABASE_URL, else a SQLite file) after
    `flask --app issuer db-upgrade`. Each time one platform issuer, no worker error."""
    for round_ in range(3):
        if database == "embedded":
            server = gunicorn(embedded=True)
        else:
            server = gunicorn(database=_database_url() or f"sqlite:///{tmp_path / f'db{round_}.sqlite3'}")
        assert server.booted_workers() == WORKERS, server.log_text()[-4000:]
        assert _platform_issuers(server.database) == 1
        answers = [server.request("GET", "/issuer") for _ in range(2 * WORKERS)]
        assert {code for code, _ in answers} == {200}
        assert len({profile["id"] for _, profile in answers}) == 1
        server.close()
        assert server.worker_errors() == [], f"start {round_}:\n{server.log_text()[-4000:]}"
