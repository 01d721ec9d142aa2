"""A signed record (CLR 2.0) and every credential inside it verify in the npm reference verifier
(@digitalcredentials/vc, eddsa-rdfc-2022, a loader serving the pinned CLR context); a changed
member breaks the record there too. The service runs for real, so status lists are fetched."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from issuer.services import record
from issuer.storage import User, get_session
from tests.conftest import LiveServer

VECTOR = Path(__file__).resolve().parents[1] / "vectors" / "eddsa-rdfc-2022" / "1edtech-clr-v2p0"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("record"), ISSUER_DEMO=True)
    yield server
    server.close()


def signed_record(server, handle: str, choose=None) -> dict:
    with server.app.app_context():
        session = get_session()
        user = session.query(User).filter_by(handle=handle).one()
        items = record.record_items(session, user)
        chosen = None if choose is None else [a.id for a in items if choose(a)]
        row = record.issue_record(session, server.app.extensions["issuer.platform"], user, chosen)
        return json.loads(row.signed_json)


def test_a_record_and_every_credential_inside_verify_in_the_reference(js, demo_server):
    whole = signed_record(demo_server, "bram")
    partial = signed_record(demo_server, "bram", choose=lambda award: award.kind == "badge")
    assert whole["partial"] is False and partial["partial"] is True
    inside = whole["credentialSubject"]["verifiableCredential"] + whole["endorsement"]
    assert len(inside) == 3
    documents = [whole, partial, *inside]
    allow = [demo_server.url + "/"]
    for document, result in zip(documents, js.verify_many(documents, allow_http=allow)):
        assert result["verified"] is True, (document["name"], result["errors"])
        assert result["errors"] == [] and result["warnings"] == [], (document["name"], result)


def test_a_changed_member_breaks_the_record_in_the_reference(js, demo_server):
    whole = signed_record(demo_server, "bram")
    changed = copy.deepcopy(whole)
    changed["credentialSubject"]["verifiableCredential"][0]["name"] = "Chief host"
    endorsement = copy.deepcopy(whole)
    endorsement["endorsement"][0]["credentialSubject"]["endorsementComment"] = "Not earned."
    allow = [demo_server.url + "/"]
    for result in js.verify_many([changed, endorsement], allow_http=allow):
        assert result["verified"] is False


def test_the_1edtech_record_vector_verifies_in_the_reference(js):
    signed = json.loads((VECTOR / "signed-credential.json").read_text())
    changed = copy.deepcopy(signed)
    changed["credentialSubject"]["association"][0]["associationType"] = "isChildOf"
    member = signed["credentialSubject"]["verifiableCredential"][0]
    good, bad, alone = js.verify_many([signed, changed, member], fragment_keys=True)
    assert good["verified"] is True and alone["verified"] is True, (good["errors"], alone["errors"])
    assert bad["verified"] is False
