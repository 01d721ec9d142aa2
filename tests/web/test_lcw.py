"""The Learner Credential Wallet's ways in (web/api/lcw.py, services/lcw.py), driven in Python.

The same flows run against LCW's own npm libraries over https in tests/interop/test_lcw.py; here
each refusal is checked by name: a replayed challenge, a wrong signature, someone else's key, a
missing domain on the VC-API exchange, a stranger asking for a link.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

from issuer import storage
from issuer.credentials import keys, proof
from issuer.services import delivery
from issuer.services.platform import now_utc
from tests.web.browsing import Browser
from tests.web.test_credential_page import award, person

VP_CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/security/suites/ed25519-2020/v1"]


def wallet_key():
    private = keys.generate_private_key()
    did = keys.did_key(private.public_key())
    return private, did


def didauth(app, private, did, challenge, *, domain=None, holder=None):
    """A DIDAuth presentation as LCW signs it (Ed25519Signature2020, authentication)."""
    presentation = {"@context": VP_CONTEXT, "type": ["VerifiablePresentation"], "holder": holder or did}
    return proof.add_proof(presentation, private, verification_method=keys.did_key_vm_id(did),
                           canonicalizer=app.extensions["issuer.platform"].canonicalizer,
                           suite="Ed25519Signature2020", proof_purpose="authentication",
                           challenge=challenge, domain=domain)


def lcw_link(app):
    """A recipient with an accepted badge asks for the LCW request; returns (browser, badge, link query)."""
    browser, user_id = person(app, "ada")
    badge = award(app, record={"recipient_user_id": user_id, "consent": "accepted"})
    page = browser.get(f"/credentials/{badge['id']}", headers={"Accept": "text/html"})
    assert f"/credentials/{badge['id']}/lcw" in page.get_data(as_text=True)
    assert browser.get(f"/credentials/{badge['id']}/lcw").status_code == 405  # a GET writes nothing
    answer = browser.submit(f"/credentials/{badge['id']}/lcw", form_url=f"/credentials/{badge['id']}")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    web = unescape(re.search(r'id="lcw-web-link" href="([^"]+)"', html).group(1))
    app_link = unescape(re.search(r'id="lcw-app-link" href="([^"]+)"', html).group(1))
    assert web.startswith("https://lcw.app/request.html?")
    assert app_link == "dccrequest://request?" + web.partition("?")[2]
    assert "<svg" in html  # the QR code
    assert f"works once, for {int(delivery.OFFER_LIFETIME.total_seconds() // 60)} minutes" in html
    assert answer.headers["Cache-Control"] == "no-store"
    query = {k: v[0] for k, v in parse_qs(urlsplit(web).query).items()}
    assert set(query) == {"issuer", "auth_type", "challenge", "vc_request_url"}
    assert query["auth_type"] == "bearer"
    return browser, badge, query


def post_json(client, url, body):
    return client.post(urlsplit(url).path, data=json.dumps(body), content_type="application/json")


def test_legacy_request_binds_the_holder_and_is_single_use(app, client):
    _, badge, query = lcw_link(app)
    private, did = wallet_key()
    vp = didauth(app, private, did, query["challenge"])
    answer = post_json(client, query["vc_request_url"], vp)
    assert answer.status_code == 200, answer.get_json()
    credential = answer.get_json()
    assert credential["credentialSubject"]["id"] == did
    assert credential["id"] != json.loads(badge["text"])["id"]
    with app.app_context():
        session = storage.get_session()
        row = session.query(storage.IssuedCredential).filter_by(vc_id=credential["id"]).one()
        assert row.award_id == badge["id"] and row.holder_did == did
        award_row = session.get(storage.Award, badge["id"])
        assert [e.kind for e in delivery.events(session, award_row)] == ["offer-created", "sent-to-wallet"]
        offer = session.query(storage.CredentialOffer).filter_by(award_id=badge["id"]).one()
        assert offer.holder_did == did and offer.delivered_at is not None
    replay = post_json(client, query["vc_request_url"], vp)
    assert replay.status_code == 400
    assert replay.mimetype == "application/problem+json"
    assert "already used" in replay.get_json()["detail"]


def test_a_wrong_signature_is_refused_and_leaves_the_offer_open(app, client):
    _, _, query = lcw_link(app)
    private, did = wallet_key()
    vp = didauth(app, private, did, query["challenge"])
    broken = copy.deepcopy(vp)
    broken["proof"]["proofValue"] = vp["proof"]["proofValue"][:-4] + ("AAAA" if not vp["proof"]["proofValue"].endswith("AAAA") else "BBBB")
    answer = post_json(client, query["vc_request_url"], broken)
    assert answer.status_code == 422
    assert "did not verify" in answer.get_json()["detail"]
    assert post_json(client, query["vc_request_url"], vp).status_code == 200


def test_someone_elses_key_is_refused(app, client):
    _, _, query = lcw_link(app)
    private, did = wallet_key()
    _, other = wallet_key()
    answer = post_json(client, query["vc_request_url"], didauth(app, private, did, query["challenge"], holder=other))
    assert answer.status_code == 422
    detail = answer.get_json()["detail"]
    assert f"belongs to {did}, not to the holder {other}" in detail


def test_a_wrong_challenge_and_a_wrong_suite_are_named(app, client):
    _, _, query = lcw_link(app)
    private, did = wallet_key()
    answer = post_json(client, query["vc_request_url"], didauth(app, private, did, "not-ours"))
    assert answer.status_code == 422 and "challenge" in answer.get_json()["detail"]
    eddsa = proof.add_proof({"@context": VP_CONTEXT[:1], "type": ["VerifiablePresentation"], "holder": did},
                            private, verification_method=keys.did_key_vm_id(did),
                            canonicalizer=app.extensions["issuer.platform"].canonicalizer,
                            proof_purpose="authentication", challenge=query["challenge"])
    answer = post_json(client, query["vc_request_url"], eddsa)
    assert answer.status_code == 422 and "Ed25519Signature2020" in answer.get_json()["detail"]
    answer = client.post(urlsplit(query["vc_request_url"]).path, data="[1]", content_type="application/json")
    assert 400 <= answer.status_code < 500


def test_vcapi_exchange_asks_for_didauth_with_challenge_and_domain(app, client):
    _, _, query = lcw_link(app)
    exchange = query["vc_request_url"].rsplit("/didauth", 1)[0]
    request = post_json(client, exchange, {}).get_json()["verifiablePresentationRequest"]
    assert request["query"][0]["type"] == "DIDAuthentication"
    assert request["challenge"] == query["challenge"] and request["domain"]
    private, did = wallet_key()
    no_domain = didauth(app, private, did, request["challenge"])
    refused = post_json(client, exchange, {"verifiablePresentation": no_domain})
    assert refused.status_code == 422 and "domain" in refused.get_json()["detail"]
    vp = didauth(app, private, did, request["challenge"], domain=request["domain"])
    answer = post_json(client, exchange, {"verifiablePresentation": vp})
    assert answer.status_code == 200, answer.get_json()
    presented = answer.get_json()["verifiablePresentation"]
    assert presented["type"] == ["VerifiablePresentation"]
    assert presented["verifiableCredential"][0]["credentialSubject"]["id"] == did
    assert post_json(client, exchange, {"verifiablePresentation": vp}).status_code == 400
    assert post_json(client, exchange, {}).status_code == 400  # spent: no new request either


def test_interaction_url_names_the_vcapi_exchange(app, client):
    _, _, query = lcw_link(app)
    exchange = query["vc_request_url"].rsplit("/didauth", 1)[0]
    path = urlsplit(exchange).path + "/interaction?iuv=1"
    assert client.get(path, headers={"Accept": "application/json"}).get_json() == {"protocols": {"vcapi": exchange}}
    assert client.get(path, headers={"Accept": "text/html"}).mimetype == "text/html"
    unknown = client.get("/exchanges/nope/interaction?iuv=1", headers={"Accept": "application/json"})
    assert unknown.status_code == 400 and unknown.mimetype == "application/problem+json"


def test_only_the_recipient_gets_a_link(app):
    browser, user_id = person(app, "ada")
    badge = award(app, record={"recipient_user_id": user_id, "consent": "accepted"})
    stranger = Browser(app).sign_up("bram")
    page = stranger.get(f"/credentials/{badge['id']}", headers={"Accept": "text/html"})
    assert f"/credentials/{badge['id']}/lcw" not in page.get_data(as_text=True)
    assert stranger.submit(f"/credentials/{badge['id']}/lcw", form_url="/").status_code in (403, 404)


def test_an_expired_offer_is_refused(app, client):
    _, badge, query = lcw_link(app)
    with app.app_context():
        session = storage.get_session()
        offer = session.query(storage.CredentialOffer).filter_by(award_id=badge["id"]).one()
        offer.created_at, offer.expires_at = now_utc() - timedelta(hours=2), now_utc() - timedelta(hours=1)
        session.commit()
    private, did = wallet_key()
    answer = post_json(client, query["vc_request_url"], didauth(app, private, did, query["challenge"]))
    assert answer.status_code == 400 and "expired" in answer.get_json()["detail"]


def test_a_pending_badge_gets_no_link(app):
    browser, user_id = person(app, "ada")
    badge = award(app, record={"recipient_user_id": user_id, "consent": "pending"})
    page = browser.get(f"/credentials/{badge['id']}", headers={"Accept": "text/html"})
    assert f"/credentials/{badge['id']}/lcw" not in page.get_data(as_text=True)
    assert browser.submit(f"/credentials/{badge['id']}/lcw", form_url="/").status_code == 403
