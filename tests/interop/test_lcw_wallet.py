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
    from .test_oid4vci_wallets import HttpsServer, record_and_inside, verify_record
except ImportError:
    import harness
    from test_oid4vci_wallets import HttpsServer, record_and_inside, verify_record


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
    browser = https_browser(served)
    browser.sign_up(next(_handles))
    with live.app.app_context():
        user = storage.get_session().query(storage.User).order_by(storage.User.id.desc()).first()
        user_id = user.id
    badge = _endorsement(live.app, user_id) if endorsement else \
        award(live.app, record={"recipient_user_id": user_id, "consent": "accepted"})
    return {"badge": badge, **_request_links(browser, badge["id"])}


def https_browser(served) -> Browser:
    """A browser whose every request reaches the app as it reaches the https front."""
    live, front = served
    browser = Browser(live.app)
    plain_open = browser.client.open

    def over_https(*args, **kw):  # a browser on https sends its Referer (CSRF checks it there)
        headers = {"Referer": front.url + "/", **dict(kw.pop("headers", None) or {})}
        return plain_open(*args, base_url=front.url, headers=headers, **kw)

    browser.client.open = over_https
    return browser


def _request_links(browser: Browser, row_id: str) -> dict:
    """The LCW request the credential's page makes: its lcw.app link, app link and VCALM URL."""
    page = browser.submit(f"/credentials/{row_id}/lcw", form_url=f"/credentials/{row_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    links = {name: unescape(re.search(rf'id="{name}" href="([^"]+)"', html).group(1))
             for name in ("lcw-web-link", "lcw-app-link", "lcw-interaction")}
    return {"link": links["lcw-web-link"], "app": links["lcw-app-link"],
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


def _record_request(served) -> dict:
    """bram (of the demo) signs a new record of his public items and opens its LCW request
    page over https: {"record": {"id", "text"}, "link", "app", "interaction"}."""
    from issuer.demo import PASSWORD
    from issuer.services import record

    live, _ = served
    browser = https_browser(served)
    assert browser.submit("/login", {"email": "bram@demo.example", "password": PASSWORD}).status_code == 302
    with live.app.app_context():
        session = storage.get_session()
        bram = session.query(storage.User).filter_by(handle="bram").one()
        row = record.issue_record(session, live.app.extensions["issuer.platform"], bram)
        made = {"id": row.id, "text": row.signed_json, "person": bram.issuer.did}
    return {"record": made, **_request_links(browser, made["id"])}


@pytest.mark.parametrize("flow", ["legacy", "vcapi"])
def test_lcw_signs_didauth_and_stores_the_persons_record_as_signed(js, served, flow):
    live, front = served
    request = _record_request(served)
    link = {"link": request["link"]} if flow == "legacy" else {"interaction": request["interaction"]}
    result = wallet(front, {"flow": flow, **link, "replay": True})
    assert result["status"] == 200, result["answer"]
    credential = result["credential"]
    assert credential == json.loads(request["record"]["text"])  # the stored record, unchanged
    assert credential["type"] == ["VerifiableCredential", "ClrCredential"]
    assert credential["credentialSubject"]["id"] == request["record"]["person"] != result["holder"]
    documents = record_and_inside(credential)
    results = verify_record(js, live.app, live.plain, credential)
    assert len(results) == len(documents) >= 3
    for document, checked in zip(documents, results):
        assert checked["verified"] is True, (document["name"], checked["errors"])
        assert checked["errors"] == [] and checked["warnings"] == [], (document["name"], checked)
    assert result["replay"]["status"] == 400
    with live.app.app_context():
        offers = storage.get_session().query(delivery.CredentialOffer).filter_by(
            credential_id=request["record"]["id"]).all()
        assert [(o.award_id, o.holder_did) for o in offers] == [(None, result["holder"])]


def test_only_the_person_a_record_is_about_gets_an_lcw_request_for_it(served):
    live, _ = served
    request = _record_request(served)
    stranger = https_browser(served).sign_up(next(_handles))
    row_id = request["record"]["id"]
    page = stranger.get(f"/credentials/{row_id}").get_data(as_text=True)
    assert "What this record holds" in page and "lcw-request" not in page
    refused = stranger.submit(f"/credentials/{row_id}/lcw", form_url=f"/credentials/{row_id}")
    assert refused.status_code == 404
