"""Badges that name their recipient (OB 3.0 identifiers: the name, a salted e-mail hash) verify in
the npm reference verifier and conform to the 1EdTech JSON Schema, the custodial copy and a
wallet's copy alike; and a changed identifier breaks the signature there too."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import select

from issuer.credentials import identity
from issuer.services import delivery
from issuer.storage import Award, User, get_session
from tests.conftest import LiveServer

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "ob_v3p0" / "ob_v3p0_achievementcredential_schema.json"
HOLDER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("identity"), ISSUER_DEMO=True)
    yield server
    server.close()


def _named_badges(server) -> list[dict]:
    """Dana's peer badge as kept here and as copied to a wallet."""
    with server.app.app_context():
        session, platform = get_session(), server.app.extensions["issuer.platform"]
        dana = session.scalar(select(User).where(User.handle == "dana"))
        award = session.scalar(select(Award).where(Award.kind == "badge", Award.recipient_user_id == dana.id))
        held = delivery.sign_holder_copy(session, platform, award, HOLDER)
        return [json.loads(award.credential.signed_json), json.loads(held.signed_json)]


def test_badges_naming_their_recipient_verify_in_the_reference_and_fit_the_schema(js, demo_server):
    badges = _named_badges(demo_server)
    validator = jsonschema.Draft201909Validator(json.loads(SCHEMA.read_text()))
    for badge in badges:
        assert identity.names_in(badge) == ["Dana Fischer"]
        assert identity.check_identifier(badge, identity.EMAIL, "dana@demo.example") == identity.MATCHES
        validator.validate(badge)
    allow = [demo_server.url + "/"]
    for badge, result in zip(badges, js.verify_many(badges, allow_http=allow)):
        assert result["verified"] is True, (badge["credentialSubject"].get("id"), result["errors"])
        assert result["warnings"] == [], result["warnings"]

    changed = copy.deepcopy(badges[0])
    changed["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    salted = copy.deepcopy(badges[0])
    salted["credentialSubject"]["identifier"][1]["salt"] = "0" * 32
    for result in js.verify_many([changed, salted], allow_http=allow):
        assert result["verified"] is False  # the identifiers are signed
