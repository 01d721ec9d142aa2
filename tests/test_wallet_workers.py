"""Single use across processes: an OpenID4VCI offer URL and a pre-authorized code, each sent at
once to two gunicorn workers sharing one database, are answered once; every other request gets
the OAuth error body. SQLite here, PostgreSQL under ISSUER_TEST_DATABASE_URL (a fresh schema)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from issuer.services import delivery
from issuer.services.people import create_user
from issuer.storage import Award, get_session
from tests.conftest import make_app
from tests.test_workers import gunicorn  # noqa: F401 (the fixture that starts gunicorn)
from tests.web.test_credential_page import award

GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
AT_ONCE = 8


def _offers(app) -> tuple[str, str]:
    """(path of a new offer's URL, the pre-authorized code of another, already opened offer),
    both of a badge ada accepted."""
    with app.app_context():
        session, platform = get_session(), app.extensions["issuer.platform"]
        recipient = create_user(session, platform, handle="ada", email="ada@example.org",
                                display_name="Ada", password="long enough pw")
        made = award(app, record={"recipient_user_id": recipient.id, "consent": "accepted"})
        award_row = session.get(Award, made["id"])
        _, for_url = delivery.create_offer(session, platform, recipient, award_row)
        _, for_code = delivery.create_offer(session, platform, recipient, award_row)
        _, code = delivery.open_offer(session, for_code)
        return urlsplit(platform.urls.credential_offer(for_url)).path, code


def _send(url: str, form: dict | None = None) -> tuple[int, str, dict]:
    """(status, content type, JSON body) of a GET, or of a form POST when ``form`` is given."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers.get_content_type(), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), json.loads(error.read() or b"{}")


def _all_at_once(send) -> list[tuple[int, str, dict]]:
    """AT_ONCE calls of ``send``, released together from AT_ONCE threads."""
    start = threading.Barrier(AT_ONCE)

    def one(_):
        start.wait(timeout=60)
        return send()

    with ThreadPoolExecutor(AT_ONCE) as pool:
        return list(pool.map(one, range(AT_ONCE)))


def _one_answered(answers, refused_status: int, error: str) -> dict:
    """The body of the one 200 answer; every other one is the OAuth error ``error``."""
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200] + [refused_status] * (AT_ONCE - 1), answers
    for status, content_type, body in answers:
        if status != 200:
            assert content_type == "application/json"
            assert body["error"] == error and body["error_description"], body
    return next(body for status, _, body in answers if status == 200)


def test_an_offer_url_and_a_code_are_each_redeemed_once_by_concurrent_requests_to_two_workers(
        gunicorn, tmp_path):  # noqa: F811 (the imported fixture)
    app = make_app(tmp_path)
    offer_path, code = _offers(app)
    server = gunicorn(database=app.config["ISSUER_DATABASE_URL"], data_dir=tmp_path, workers=2)

    opened = _one_answered(_all_at_once(lambda: _send(server.url + offer_path)), 404, "invalid_request")
    assert opened["grants"][GRANT]["pre-authorized_code"]

    tokens = _all_at_once(lambda: _send(server.url + "/oid4vci/token",
                                        {"grant_type": GRANT, "pre-authorized_code": code}))
    token = _one_answered(tokens, 400, "invalid_grant")
    assert token["token_type"] == "bearer" and token["access_token"]

    # the code the offer URL answered with is good, once, like any other
    second = _all_at_once(lambda: _send(server.url + "/oid4vci/token", {
        "grant_type": GRANT, "pre-authorized_code": opened["grants"][GRANT]["pre-authorized_code"]}))
    _one_answered(second, 400, "invalid_grant")
    assert server.worker_errors() == [], server.log_text()[-4000:]
