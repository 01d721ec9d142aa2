"""Guessing is rate limited: wrong passwords and wrong bearer tokens, counted in the database
so that every worker process shares the counts."""

from __future__ import annotations

import pytest

from issuer.web import limits
from tests.conftest import TOKEN, make_app
from tests.web.browsing import Browser

PASSWORD = "correct horse battery"
ATTACKER = {"REMOTE_ADDR": "203.0.113.9"}
PER_ACCOUNT = int(limits.LOGIN_PER_ACCOUNT.split()[0])
PER_ADDRESS = int(limits.LOGIN_PER_ADDRESS.split()[0])
BAD_TOKENS = int(limits.BAD_TOKEN_PER_ADDRESS.split()[0])


def wrong_login(app, email="ada@example.org", address=ATTACKER, accept="text/html"):
    """A login POST with a valid CSRF token from a fresh browser at ``address``."""
    browser = Browser(app)
    browser.client.environ_base.update(address)
    return browser.submit("/login", {"email": email, "password": "not the password"},
                          headers={"Accept": accept})


@pytest.fixture
def accounts(app):
    for handle in ("ada", "bob"):
        Browser(app).sign_up(handle).log_out()
    return app


def test_wrong_passwords_for_one_account_are_answered_429_with_retry_after(accounts):
    answers = [wrong_login(accounts).status_code for _ in range(PER_ACCOUNT)]
    assert answers == [400] * PER_ACCOUNT
    blocked = wrong_login(accounts)
    assert blocked.status_code == 429 and blocked.mimetype == "text/html"
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    assert "Too many attempts" in blocked.get_data(as_text=True)
    # even the right password waits now, from any address
    browser = Browser(accounts)
    browser.client.environ_base.update({"REMOTE_ADDR": "198.51.100.7"})
    right = browser.submit("/login", {"email": "ada@example.org", "password": PASSWORD})
    assert right.status_code == 429


def test_another_account_from_another_address_is_not_blocked(accounts):
    for _ in range(PER_ACCOUNT + 2):
        wrong_login(accounts)
    browser = Browser(accounts)
    browser.client.environ_base.update({"REMOTE_ADDR": "198.51.100.7"})
    response = browser.submit("/login", {"email": "bob@example.org", "password": PASSWORD})
    assert response.status_code == 302


def guess_many(app, forwarded_for) -> list[int]:
    """PER_ADDRESS + 1 wrong logins for other accounts, all through one proxy at 192.0.2.1."""
    answers = []
    for n in range(PER_ADDRESS + 1):
        browser = Browser(app)
        browser.client.environ_base.update({"REMOTE_ADDR": "192.0.2.1"})
        answers.append(browser.submit(
            "/login", {"email": f"guess{n}@example.org", "password": "not the password"},
            headers={"X-Forwarded-For": forwarded_for(n)}).status_code)
    return answers


def test_forwarded_addresses_are_ignored_unless_a_proxy_is_trusted(app):
    """Without ISSUER_PROXY_HOPS a client cannot dodge the limit by inventing X-Forwarded-For."""
    assert guess_many(app, lambda n: f"198.51.100.{n}")[-1] == 429


def test_behind_a_trusted_proxy_each_client_is_counted_on_its_own(tmp_path):
    app = make_app(tmp_path, ISSUER_PROXY_HOPS=1)
    answers = guess_many(app, lambda n: "198.51.100.7" if n < PER_ADDRESS else "198.51.100.8")
    assert answers == [400] * (PER_ADDRESS + 1)


def test_one_address_guessing_many_accounts_is_blocked(accounts):
    for n in range(PER_ADDRESS):
        assert wrong_login(accounts, email=f"guess{n}@example.org").status_code == 400
    assert wrong_login(accounts, email="bob@example.org").status_code == 429


def test_right_passwords_do_not_count(accounts):
    browser = Browser(accounts)
    for _ in range(PER_ACCOUNT + 2):
        assert browser.submit("/login", {"email": "ada@example.org", "password": PASSWORD}).status_code == 302
        browser.log_out()


def test_two_workers_on_one_database_share_the_count(tmp_path):
    first = make_app(tmp_path)
    second = make_app(tmp_path, ISSUER_DATABASE_URL=first.config["ISSUER_DATABASE_URL"])
    Browser(first).sign_up("ada").log_out()
    for n in range(PER_ACCOUNT):
        assert wrong_login(first if n % 2 else second).status_code == 400
    assert wrong_login(first).status_code == 429
    assert wrong_login(second).status_code == 429


def test_wrong_api_tokens_are_limited_as_problem_json(client):
    headers = {"Authorization": "Bearer orc_not-a-token"}
    for _ in range(BAD_TOKENS):
        assert client.get("/api/v1/me", headers=headers, environ_base=ATTACKER).status_code == 401
    blocked = client.get("/api/v1/me", headers=headers, environ_base=ATTACKER)
    assert blocked.status_code == 429 and blocked.mimetype == "application/problem+json"
    assert blocked.get_json()["status"] == 429 and int(blocked.headers["Retry-After"]) > 0
    # the VC-API's platform token shares the count of that address
    issue = client.post("/credentials/issue", json={}, environ_base=ATTACKER,
                        headers={"Authorization": f"Bearer {TOKEN}"})
    assert issue.status_code == 429
    elsewhere = client.get("/api/v1/me", headers=headers, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert elsewhere.status_code == 401


def test_wrong_platform_tokens_are_limited(client):
    for _ in range(BAD_TOKENS):
        answer = client.post("/credentials/status", json={}, environ_base=ATTACKER,
                             headers={"Authorization": "Bearer wrong"})
        assert answer.status_code == 403
    blocked = client.post("/credentials/issue", json={}, environ_base=ATTACKER,
                          headers={"Authorization": "Bearer wrong"})
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers


def test_right_tokens_do_not_count(app):
    token = Browser(app).sign_up("ada").api_token()
    client = app.test_client()
    for _ in range(BAD_TOKENS + 2):
        answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}, environ_base=ATTACKER)
        assert answer.status_code == 200


WORKER = """
import json, sys
from issuer import create_app
from tests.web.browsing import Browser
settings = json.loads(sys.argv[1])
app = create_app(settings)
answers = []
for _ in range(int(sys.argv[2])):
    browser = Browser(app)
    browser.client.environ_base.update({"REMOTE_ADDR": "203.0.113.9"})
    answers.append(browser.submit("/login", {"email": "ada@example.org",
                                             "password": "not the password"}).status_code)
print(json.dumps(answers))
"""


def test_worker_processes_share_the_count(tmp_path):
    """Two separate processes (as gunicorn -w 2 runs them) on one database count together."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    app = make_app(tmp_path)
    Browser(app).sign_up("ada").log_out()
    settings = {key: app.config[key] for key in ("ISSUER_DATA_DIR", "ISSUER_DATABASE_URL",
                                                 "ISSUER_DATABASE_POOL", "ISSUER_API_TOKEN")}
    settings["TESTING"] = True
    root = Path(__file__).resolve().parents[2]
    each = PER_ACCOUNT
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, json.dumps(settings), str(each)],
                                cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    answers = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        answers += json.loads(out.strip().splitlines()[-1])
    refused = answers.count(400)
    # one request per other worker may pass the check while a failure is still being counted
    assert PER_ACCOUNT <= refused <= PER_ACCOUNT + 1 and answers.count(429) == len(answers) - refused
    assert wrong_login(app).status_code == 429


def test_requests_without_a_token_are_not_counted_as_guesses(client):
    for _ in range(BAD_TOKENS + 2):
        assert client.get("/api/v1/me", environ_base=ATTACKER).status_code == 401
        assert client.post("/credentials/issue", json={}, environ_base=ATTACKER).status_code == 401
