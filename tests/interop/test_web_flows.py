"""Every credential the web app's flows produce verifies in the npm reference verifier.

The demo seeding runs the real services — community and personal keys, leader and peer badges,
endorsements of a person and of a badge — on a live server; the reference verifier then checks
each credential, fetching our status lists over HTTP as a wallet would.
"""

from __future__ import annotations

import json

import pytest

from issuer.storage import IssuedCredential, Issuer, get_session
from tests.conftest import LiveServer


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("demo"), ISSUER_DEMO=True)
    yield server
    server.close()


def _edit_an_endorsement(server):
    """An endorser changes their words: the endorsement is re-issued under the same id."""
    from issuer.services import endorsing
    from issuer.storage import User

    with server.app.app_context():
        session = get_session()
        chen, bram = (session.query(User).filter_by(handle=h).one() for h in ("chen", "bram"))
        endorsing.endorse(session, server.app.extensions["issuer.platform"], chen,
                          endorsing.person_subject(chen, bram),
                          endorsing.points("Edited: Bram makes every newcomer feel welcome — "
                                           "and now he coaches new hosts too."))


def _credentials_and_dids(server):
    with server.app.app_context():
        session = get_session()
        rows = session.query(IssuedCredential).order_by(IssuedCredential.created_at).all()
        dids = [issuer.did for issuer in session.query(Issuer).all()]
        return [json.loads(row.signed_json) for row in rows], dids


def test_every_demo_credential_verifies_in_the_reference(js, demo_server):
    _edit_an_endorsement(demo_server)
    credentials, dids = _credentials_and_dids(demo_server)
    assert any("Edited:" in json.dumps(c) for c in credentials)
    subjects = {c["credentialSubject"]["id"] for c in credentials if "EndorsementCredential" in c["type"]}
    assert any(s.startswith(demo_server.url + "/achievements/") for s in subjects)  # an achievement
    kinds = sorted({c["type"][1] for c in credentials})
    assert kinds == ["EndorsementCredential", "OpenBadgeCredential"]
    assert any(isinstance(c["issuer"], dict) and "parentOrg" in c["issuer"] for c in credentials)
    allow = [demo_server.url + "/"]
    for credential, result in zip(credentials, js.verify_many(credentials, allow_http=allow)):
        assert result["verified"] is True, (credential["name"], result["errors"])
        assert result["warnings"] == [], (credential["name"], result["warnings"])
    registry = {did: {"name": "Demo issuer", "url": demo_server.url, "location": "Test"} for did in dids}
    for credential, result in zip(credentials,
                                  js.verify_core_many(credentials, allow_http=allow, registry=registry)):
        assert result["verified"] is True, (credential["name"], result.get("errors"))
        assert result["warnings"] == [], (credential["name"], result["warnings"])
