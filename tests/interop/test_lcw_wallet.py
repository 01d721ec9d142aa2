"""The Learner Credential Wallet, played by LCW's own libraries at LCW's pins (js/lcw-wallet.mjs),
against the real app served over https on loopback with a throw-away certificate.

The recipient asks their badge page for the LCW request; the wallet follows the lcw.app link
(or the VCALM interaction URL), signs the DIDAuth presentation, posts it and stores the answer.
What it stored verifies in verifier-core with no warnings and names the wallet's DID as subject.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from html import unescape
from urllib.parse import urlsplit

import pytest

from issuer import storage
from issuer.services import delivery, issuing
from tests.web.browsing import Browser
from tests.web.test_credential_page import award

try:
    from . import harness
    from .test_oid4vci_wallets import HttpsServer
except ImportError:
    import harness
    from test_oid4vci_wallets import HttpsServer


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app with an https base URL, answering https (the wallet's side) and, on the same port,
    plain http (the reference verifier reaches did:web documents only over http on loopback).
    The links a wallet is handed name the configured base URL, so it must be the https one."""
    live = HttpsServer(tmp_path_factory.mktemp("lcw"))
    yield live, live
    live.close()


def wallet(front, request: dict) -> dict:
    """One run of the wallet script, trusting the throw-away CA as LCW trusts a real one."""
    harness.ensure_installed()
    done = subprocess.run([harness.node_path(), str(harness.JS_DIR / "lcw-wallet.mjs")],
                          input=json.dumps(request), capture_output=True, text=True,
                          cwd=harness.NODE_DIR, timeout=120,
                          env={**os.environ, "NODE_EXTRA_CA_CERTS": str(front.ca)})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


_handles = iter(f"learner{n}" for n in range(1000))


def lcw_request(served, *, endorsement: bool = False) -> dict:
    """A new recipient with an accepted badge (or an accepted endorsement of them) opens its
    LCW request page over https."""
    live, front = served
    browser = Browser(live.app)  # every request as it reaches the https front
    plain_open = browser.client.open

    def over_https(*args, **kw):  # a browser on https sends its Referer (CSRF checks it there)
        headers = {"Referer": front.url + "/", **dict(kw.pop("headers", None) or {})}
        return plain_open(*args, base_url=front.url, headers=headers, **kw)

    browser.client.open = over_https
    browser.sign_up(next(_handles))
    with live.app.app_context():
        user = storage.get_session().query(storage.User).order_by(storage.User.id.desc()).first()
        user_id = user.id
    badge = _endorsement(live.app, user_id) if endorsement else \
        award(live.app, record={"recipient_user_id": user_id, "consent": "accepted"})
    page = browser.submit(f"/credentials/{badge['id']}/lcw", form_url=f"/credentials/{badge['id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    links = {name: unescape(re.search(rf'id="{name}" href="([^"]+)"', html).group(1))
             for name in ("lcw-web-link", "lcw-app-link", "lcw-interaction")}
    return {"badge": badge, "link": links["lcw-web-link"], "app": links["lcw-app-link"],
            "interaction": links["lcw-interaction"]}


def _endorsement(app, user_id: int) -> dict:
    """A new person endorses the user, who accepts: {"id", "text"} as award() gives."""
    from issuer.services import endorsing, recognition
    from tests.services.test_deliverables import new_person

    with app.app_context():
        session, platform = storage.get_session(), app.extensions["issuer.platform"]
        person = session.get(storage.User, user_id)
        endorser = new_person(session, platform)
        row = endorsing.endorse(session, platform, endorser, endorsing.person_subject(endorser, person),
                                endorsing.points("Keeps every session on time."))
        recognition.set_consent(session, person, row.id, "accepted")
        return {"id": row.id, "text": row.signed_json}


def _issuer_registry(live) -> dict:
    with live.app.app_context():
        dids = [issuer.did for issuer in storage.get_session().query(storage.Issuer).all()]
    return {did: {"name": "Test issuer", "url": live.url, "location": "Test"} for did in dids}


def _verify_core(js, live, credential: dict) -> dict:
    """verifier-core's verdict, the status list read from the server and handed in by its URL."""
    status = credential["credentialStatus"]
    url = (status[0] if isinstance(status, list) else status)["statusListCredential"]
    served = live.app.test_client().get(urlsplit(url).path, headers={"Accept": "application/json"})
    assert served.status_code == 200
    return js.verify_core(credential, allow_http=[live.plain], registry=_issuer_registry(live),
                          documents={url: served.get_json()})


def _stored_and_verified(js, live, result):
    credential = result["credential"]
    assert result["status"] == 200, result["answer"]
    assert credential is not None, result["answer"]
    assert credential["credentialSubject"]["id"] == result["holder"]
    assert result["holder"].startswith("did:key:z6Mk")
    checked = _verify_core(js, live, credential)
    assert checked["verified"] is True, checked["errors"]
    assert checked["warnings"] == [], checked["warnings"]
    return credential


def test_lcw_follows_the_link_signs_didauth_and_stores_a_verified_bound_credential(js, served):
    live, front = served
    request = lcw_request(served)
    assert request["link"].startswith("https://lcw.app/request.html?")
    assert request["app"].startswith("dccrequest://request?")
    result = wallet(front, {"flow": "legacy", "link": request["link"], "replay": True})
    assert result["params"]["issuer"] == front.url
    assert result["params"]["vc_request_url"].startswith(front.url + "/exchanges/")
    credential = _stored_and_verified(js, live, result)
    assert credential["credentialSubject"]["achievement"]["name"] == "Community facilitator"
    assert result["replay"]["status"] == 400
    assert "already used" in result["replay"]["answer"]["detail"]


def test_lcw_over_the_vcapi_exchange_from_the_interaction_url(js, served):
    live, front = served
    request = lcw_request(served)
    result = wallet(front, {"flow": "vcapi", "interaction": request["interaction"], "replay": True})
    assert result["request"]["query"][0]["type"] == "DIDAuthentication"
    assert result["request"]["domain"] == front.url.removeprefix("https://")
    _stored_and_verified(js, live, result)
    assert result["replay"]["status"] == 400


def test_a_wrong_signature_is_refused_with_a_clear_error(served):
    _, front = served
    request = lcw_request(served)
    result = wallet(front, {"flow": "legacy", "link": request["link"], "tamper": "signature"})
    assert result["status"] == 422 and result["credential"] is None
    assert result["answer"]["detail"].startswith("the DIDAuth presentation did not verify:")
    assert "signature" in result["answer"]["detail"]


def test_someone_elses_key_is_refused_with_a_clear_error(served):
    _, front = served
    request = lcw_request(served)
    result = wallet(front, {"flow": "legacy", "link": request["link"], "tamper": "foreign-key"})
    assert result["status"] == 422 and result["credential"] is None
    assert "not to the holder did:key:" in result["answer"]["detail"]


def test_revoking_the_award_after_delivery_shows_revoked_in_the_wallets_verifier(js, served):
    live, front = served
    request = lcw_request(served)
    result = wallet(front, {"flow": "legacy", "link": request["link"]})
    credential = _stored_and_verified(js, live, result)
    with live.app.app_context():
        session = storage.get_session()
        issuing.revoke_award(session, live.app.extensions["issuer.platform"],
                             session.get(storage.Award, request["badge"]["id"]), "Awarded in error")
    checked = _verify_core(js, live, credential)
    assert checked["verified"] is False
    assert any("revo" in message.lower() for message in checked["errors"]), checked["errors"]


@pytest.mark.parametrize("flow", ["legacy", "vcapi"])
def test_lcw_signs_didauth_and_stores_the_endorsement_as_signed(js, served, flow):
    live, front = served
    request = lcw_request(served, endorsement=True)
    link = {"link": request["link"]} if flow == "legacy" else {"interaction": request["interaction"]}
    result = wallet(front, {"flow": flow, **link, "replay": True})
    assert result["status"] == 200, result["answer"]
    credential = result["credential"]
    assert credential == json.loads(request["badge"]["text"])  # the stored endorsement, unchanged
    assert credential["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert credential["credentialSubject"]["id"] != result["holder"]  # about the person, not the wallet
    checked = _verify_core(js, live, credential)
    assert checked["verified"] is True, checked["errors"]
    assert checked["warnings"] == [], checked["warnings"]
    assert result["replay"]["status"] == 400
    with live.app.app_context():
        session = storage.get_session()
        events = delivery.events(session, session.get(storage.Award, request["badge"]["id"]))
        assert [(e.kind, e.holder_did) for e in events] == [("offer-created", None),
                                                            ("sent-as-signed", result["holder"])]
