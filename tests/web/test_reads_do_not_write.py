"""Reads don't write: serving a status list or authenticating a read request with a token
changes nothing in the database; the revoking transaction stores the signed list."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta

from sqlalchemy import event, select, update

from issuer.credentials import status
from issuer.services import tokens
from issuer.storage import ApiToken, StatusList, get_session
from tests.conftest import as_platform
from tests.web.browsing import Browser

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextlib.contextmanager
def writes_to(app):
    """Every write statement sent to the app's database inside the block (the rate-limit
    counters, which count every request by design, aside)."""
    found: list[str] = []

    def seen(_conn, _cursor, statement, *_):
        words = statement.lstrip().split(None, 1)
        if words and words[0].upper() in WRITES and "rate_limit_counter" not in statement:
            found.append(statement)

    engine = app.extensions["issuer.engine"]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def _issue(client, auth, n: int) -> dict:
    response = client.post("/credentials/issue", headers=auth, json={"credential": as_platform(client, {
        "@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
        "credentialSubject": {"id": f"did:example:{n}"}})})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["verifiableCredential"]


def _revoke(client, auth, credential: dict) -> None:
    response = client.post("/credentials/status", headers=auth, json={
        "credentialId": credential["id"], "reason": "issued in error",
        "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}]})
    assert response.status_code == 200, response.get_json()


def _served_bits(client, path: str) -> status.StatusList:
    response = client.get(path)
    assert response.status_code == 200
    return status.StatusList.decode(response.get_json()["credentialSubject"]["encodedList"])


def _list_row(app, list_id: int) -> tuple:
    with app.app_context():
        row = get_session().get(StatusList, list_id)
        return row.version, row.signed_version, row.signed_json


def test_the_revoking_transaction_stores_the_signed_list_and_serving_it_writes_nothing(app, client, auth):
    kept, gone = _issue(client, auth, 1), _issue(client, auth, 2)
    entry = gone["credentialStatus"]
    path = entry["statusListCredential"].removeprefix(app.config["ISSUER_BASE_URL"])
    list_id = int(path.rsplit("/", 1)[1])
    version, signed_version, _ = _list_row(app, list_id)
    assert (version, signed_version) == (0, 0)  # signed when the list was made

    _revoke(client, auth, gone)
    version, signed_version, stored = _list_row(app, list_id)
    assert (version, signed_version) == (1, 1)  # before anyone read it
    stored_bits = status.StatusList.decode(json.loads(stored)["credentialSubject"]["encodedList"])
    assert stored_bits.get(int(entry["statusListIndex"]))

    with writes_to(app) as writes:
        bits = _served_bits(client, path)
        verified = client.post("/credentials/verify", json={"verifiableCredential": kept})
    assert writes == []
    assert bits.get(int(entry["statusListIndex"]))
    assert not bits.get(int(kept["credentialStatus"]["statusListIndex"]))
    assert verified.status_code == 200, verified.get_json()


def test_a_list_stored_behind_its_version_is_signed_for_the_answer_but_not_stored(app, client, auth):
    """Lists last changed by an older version of the service (signed when read) stay correct."""
    gone = _issue(client, auth, 1)
    path = gone["credentialStatus"]["statusListCredential"].removeprefix(app.config["ISSUER_BASE_URL"])
    list_id = int(path.rsplit("/", 1)[1])
    _revoke(client, auth, gone)
    with app.app_context():
        session = get_session()
        session.execute(update(StatusList).where(StatusList.id == list_id)
                        .values(signed_version=0, signed_json=None))
        session.commit()

    with writes_to(app) as writes:
        first, second = _served_bits(client, path), _served_bits(client, path)
    assert writes == []
    index = int(gone["credentialStatus"]["statusListIndex"])
    assert first.get(index) and second.get(index)
    assert _list_row(app, list_id)[1:] == (0, None)


def test_reading_with_a_token_writes_nothing_and_writing_notes_its_use(app):
    browser = Browser(app)
    browser.sign_up("ada")
    bearer = {"Authorization": f"Bearer {browser.api_token()}"}

    with writes_to(app) as writes:
        assert browser.client.get("/api/v1/me", headers=bearer).status_code == 200
        assert browser.client.get("/api/v1/tokens", headers=bearer).status_code == 200
    assert writes == []
    with app.app_context():
        assert get_session().scalar(select(ApiToken.last_used_at)) is None

    made = browser.client.post("/api/v1/tokens", json={"name": "second"}, headers=bearer)
    assert made.status_code == 201
    with app.app_context():
        used = get_session().scalar(select(ApiToken.last_used_at).order_by(ApiToken.id).limit(1))
    assert used is not None


def test_a_use_is_noted_at_most_once_a_minute(app):
    browser = Browser(app)
    browser.sign_up("ada")
    plain = browser.api_token()
    with app.app_context():
        session = get_session()
        first = session.scalar(select(ApiToken)).last_used_at
        assert first is None
        at = tokens.now_utc()
        assert tokens.note_token_use(session, plain, now=at)
        assert not tokens.note_token_use(session, plain, now=at + timedelta(seconds=59))
        assert tokens.note_token_use(session, plain, now=at + tokens.USE_NOTED_EVERY)
        assert not tokens.note_token_use(session, "orc_not-a-token", now=at)
        session.expire_all()
        assert session.scalar(select(ApiToken)).last_used_at == at + tokens.USE_NOTED_EVERY
