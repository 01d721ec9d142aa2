"""Revocation reasons: told only about the very credential presented, and only to whom may see it.

Status lists are public, so an index alone must not unlock the reason of whatever credential
holds it (a private award's reason would otherwise be readable by enumeration).
"""

from __future__ import annotations

import copy
import json

import pytest

from tests.web.browsing import Browser
from tests.web.test_credential_page import award, person, revoke
from tests.web.test_vcapi import issue

REVOKED = [{"type": "BitstringStatusListEntry", "status": "revoked"}]


def verify(client, document):
    return client.post("/credentials/verify", json={"verifiableCredential": document})


@pytest.fixture
def revoked(client, auth):
    """A VC-API credential (no recipient: public) revoked with a reason, and a live sibling."""
    first = issue(client, auth).get_json()["verifiableCredential"]
    second = issue(client, auth).get_json()["verifiableCredential"]
    done = client.post("/credentials/status", headers=auth, json={
        "credentialId": first["id"], "reason": "sold on a forum", "credentialStatus": REVOKED})
    assert done.status_code == 200
    return first, second


def test_a_status_entry_alone_reveals_no_reason(client, revoked):
    first, _ = revoked
    probe = {key: first[key] for key in ("@context", "type", "credentialStatus")}
    response = verify(client, probe)
    assert response.status_code == 422 and "revocationReason" not in response.get_json()
    page = Browser(client.application).submit("/verify", {"credential": json.dumps(probe)})
    assert "sold on a forum" not in page.get_data(as_text=True)


@pytest.mark.parametrize("forge", ["other proof", "changed proofValue", "other id", "no proof"])
def test_the_same_id_and_proof_are_needed(client, revoked, forge):
    first, second = revoked
    probe = copy.deepcopy(first)
    if forge == "other proof":
        probe["proof"] = second["proof"]
    elif forge == "changed proofValue":
        probe["proof"]["proofValue"] = probe["proof"]["proofValue"][:-2] + "zz"
    elif forge == "other id":
        probe["id"] = second["id"]
    else:
        del probe["proof"]
    response = verify(client, probe)
    assert response.status_code == 422 and "revocationReason" not in response.get_json()


def test_the_presented_public_credential_gets_its_reason(client, revoked):
    first, second = revoked
    assert verify(client, first).get_json()["revocationReason"] == "sold on a forum"
    assert "revocationReason" not in verify(client, second).get_json()


def test_a_private_awards_reason_is_for_its_recipient_and_author_only(app, client):
    ada, ada_id = person(app, "ada")
    lea, lea_id = person(app, "lea")
    eve, _ = person(app, "eve")
    made = award(app, record={"recipient_user_id": ada_id, "author_user_id": lea_id,
                              "consent": "accepted", "visibility": "private"})
    revoke(app, made["id"], "a private matter")
    response = verify(client, json.loads(made["text"]))
    assert response.status_code == 422 and "revocationReason" not in response.get_json()
    for browser, sees in ((Browser(app), False), (eve, False), (ada, True), (lea, True)):
        html = browser.submit("/verify", {"credential": made["text"]}).get_data(as_text=True)
        assert "It was revoked" in html
        assert ("a private matter" in html) is sees


def test_an_accepted_public_awards_reason_is_public(app, client):
    ada, ada_id = person(app, "ada")
    made = award(app, record={"recipient_user_id": ada_id, "consent": "accepted",
                              "visibility": "public"})
    revoke(app, made["id"], "awarded twice")
    assert verify(client, json.loads(made["text"])).get_json()["revocationReason"] == "awarded twice"
    html = Browser(app).submit("/verify", {"credential": made["text"]}).get_data(as_text=True)
    assert "It was revoked (awarded twice)." in html
