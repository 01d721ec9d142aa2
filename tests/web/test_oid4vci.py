"""OpenID4VCI endpoints through the test client: metadata shapes both wallets need, OAuth error
bodies, single-use offer, code and nonce, and the key proof checked in full (alg, kid, aud,
nonce, freshness). The real wallets run against a live https server in
tests/interop/test_oid4vci_wallets.py."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from issuer.credentials import keys
from issuer.demo import PASSWORD
from issuer.services import badges, delivery
from issuer.storage import Award, User, get_session
from tests.conftest import make_app

BASE = "https://issuer.example"
GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("oid4vci"), ISSUER_DEMO=True, ISSUER_BASE_URL=BASE)
    yield app
    app.extensions["issuer.engine"].dispose()


def _award(app) -> str:
    """A new badge for chen, accepted by chen."""
    from issuer.services import recognition
    from issuer.storage import Achievement

    with app.app_context():
        session, platform = get_session(), app.extensions["issuer.platform"]
        people = {u.handle: u for u in session.scalars(select(User))}
        achievement = session.scalar(select(Achievement).where(Achievement.name == "FAQ gardener"))
        row = badges.issue_badge(session, platform, achievement=achievement, recipient=people["chen"],
                                 author=people["amara"])
        recognition.set_consent(session, people["chen"], row.id, "accepted")
        return row.id


def _offer_path(app, award_id: str) -> str:
    with app.app_context():
        session = get_session()
        award = session.get(Award, award_id)
        _, secret = delivery.create_offer(session, app.extensions["issuer.platform"],
                                          session.get(User, award.recipient_user_id), award)
    return urlsplit(app.extensions["issuer.platform"].urls.credential_offer(secret)).path


def _token(client, app, award_id: str) -> str:
    code = client.get(_offer_path(app, award_id)).get_json()["grants"][GRANT]["pre-authorized_code"]
    answer = client.post("/oid4vci/token", data={"grant_type": GRANT, "pre-authorized_code": code})
    assert answer.status_code == 200 and answer.get_json()["token_type"] == "bearer"
    return answer.get_json()["access_token"]


def _b64(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


class Holder:
    def __init__(self):
        self.key = Ed25519PrivateKey.generate()
        self.did = keys.did_key(self.key.public_key())
        self.kid = f"{self.did}#{self.did.removeprefix('did:key:')}"

    def proof(self, nonce, *, header=None, **payload) -> str:
        head = {"alg": "EdDSA", "typ": "openid4vci-proof+jwt", "kid": self.kid, **(header or {})}
        body = {"aud": BASE, "iat": int(time.time()), "nonce": nonce, **payload}
        body = {k: v for k, v in body.items() if v is not None}
        head = {k: v for k, v in head.items() if v is not None}
        signing_input = f"{_b64(head)}.{_b64(body)}"
        signature = base64.urlsafe_b64encode(self.key.sign(signing_input.encode())).rstrip(b"=").decode()
        return f"{signing_input}.{signature}"


def _nonce(client) -> str:
    answer = client.post("/oid4vci/nonce")
    assert answer.headers["Cache-Control"] == "no-store"
    return answer.get_json()["c_nonce"]


def _ask(client, token, body):
    return client.post("/oid4vci/credential", json=body, headers={"Authorization": f"Bearer {token}"})


def test_the_metadata_names_the_issuer_and_each_configuration_its_credential_metadata(demo):
    client = demo.test_client()
    issuer = client.get("/.well-known/openid-credential-issuer").get_json()
    assert issuer["credential_issuer"] == issuer["issuer"] == BASE
    assert issuer["token_endpoint"] == f"{BASE}/oid4vci/token"
    for configuration in issuer["credential_configurations_supported"].values():
        assert configuration["format"] == "ldp_vc" and "credential_metadata" in configuration
    for path in ("/.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server/"):
        server = client.get(path).get_json()
        assert server["issuer"] == BASE and server["token_endpoint"] == issuer["token_endpoint"]
        assert GRANT in server["grant_types_supported"]


def test_an_offer_answers_once_and_its_code_is_redeemed_once(demo):
    client = demo.test_client()
    path = _offer_path(demo, _award(demo))
    offer = client.get(path)
    assert offer.status_code == 200 and offer.headers["Cache-Control"] == "no-store"
    assert offer.get_json()["credential_issuer"] == BASE
    again = client.get(path)
    assert again.status_code == 404 and again.get_json()["error"] == "invalid_request"
    code = offer.get_json()["grants"][GRANT]["pre-authorized_code"]
    form = {"grant_type": GRANT, "pre-authorized_code": code, "resource": BASE}
    assert client.post("/oid4vci/token", data=form).status_code == 200
    replay = client.post("/oid4vci/token", data=form)
    assert replay.status_code == 400 and replay.get_json()["error"] == "invalid_grant"
    other = client.post("/oid4vci/token", data={"grant_type": "authorization_code", "code": "x"})
    assert other.get_json()["error"] == "unsupported_grant_type"
    assert client.post("/oid4vci/token", data={"grant_type": GRANT}).get_json()["error"] == "invalid_request"


@pytest.mark.parametrize("broken, wording", [
    ({"header": {"alg": "ES256"}}, "alg must be EdDSA"),
    ({"header": {"typ": "JWT"}}, "typ must be"),
    ({"header": {"kid": "did:web:example.org#key-1"}}, "kid must be a did:key"),
    ({"header": {"kid": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#key-1"}},
     "fragment must repeat the key"),
    ({"aud": "https://elsewhere.example"}, "aud must be"),
    ({"iat": int(time.time()) - 3600}, "stale"),
    ({"iat": int(time.time()) + 3600}, "future"),
    ({"iat": None}, "iat is required"),
    ({"iss": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"}, "iss must be"),
    ({"nonce": None}, "nonce is required"),
])
def test_a_proof_that_does_not_hold_is_refused_with_a_fresh_nonce(demo, broken, wording):
    client, holder = demo.test_client(), Holder()
    token = _token(client, demo, _award(demo))
    broken = dict(broken)
    header, nonce = broken.pop("header", None), broken.pop("nonce", _nonce(client))
    answer = _ask(client, token, {"credential_configuration_id": "OpenBadgeCredential_ldp_vc",
                                  "proofs": {"jwt": [holder.proof(nonce, header=header, **broken)]}})
    body = answer.get_json()
    assert answer.status_code == 400 and body["error"] == "invalid_proof", body
    assert wording in body["error_description"] and body["c_nonce"]


def test_a_forged_signature_is_refused(demo):
    client, holder, other = demo.test_client(), Holder(), Holder()
    token = _token(client, demo, _award(demo))
    jwt = other.proof(_nonce(client), header={"kid": holder.kid})
    body = _ask(client, token, {"credential_configuration_id": "OpenBadgeCredential_ldp_vc",
                                "proofs": {"jwt": [jwt]}}).get_json()
    assert body["error"] == "invalid_proof" and "signature" in body["error_description"]


def test_both_request_shapes_get_a_credential_for_the_holder_and_a_nonce_is_used_once(demo):
    client, holder = demo.test_client(), Holder()
    award_1, award_2 = _award(demo), _award(demo)
    token = _token(client, demo, award_1)
    missing = _ask(client, token, {"format": "ldp_vc", "credential_definition": {
        "@context": [], "type": ["VerifiableCredential", "OpenBadgeCredential"]}})
    assert missing.status_code == 400 and missing.get_json()["error"] == "invalid_proof"
    nonce = missing.get_json()["c_nonce"]
    draft13 = _ask(client, token, {"format": "ldp_vc", "credential_definition": {
        "type": ["VerifiableCredential", "OpenBadgeCredential"]},
        "proof": {"proof_type": "jwt", "jwt": holder.proof(nonce, iat=None, nbf=int(time.time()),
                                                           iss=holder.did, header={"typ": None})}})
    assert draft13.status_code == 200, draft13.get_json()
    body = draft13.get_json()
    assert body["format"] == "ldp_vc" and body["credential"] == body["credentials"][0]["credential"]
    assert body["credential"]["credentialSubject"]["id"] == holder.did
    used = _ask(client, token, {"credential_configuration_id": "OpenBadgeCredential_ldp_vc",
                                "proofs": {"jwt": [holder.proof(_nonce(client))]}})
    assert used.status_code == 401 and used.get_json()["error"] == "invalid_token"

    token = _token(client, demo, award_2)
    replayed = _ask(client, token, {"credential_configuration_id": "OpenBadgeCredential_ldp_vc",
                                    "proofs": {"jwt": [holder.proof(nonce)]}})
    assert replayed.status_code == 400 and replayed.get_json()["error"] == "invalid_nonce"
    fresh = _ask(client, token, {"credential_configuration_id": "OpenBadgeCredential_ldp_vc",
                                 "proofs": {"jwt": [holder.proof(replayed.get_json()["c_nonce"])]}})
    assert fresh.status_code == 200 and "format" not in fresh.get_json()
    assert fresh.get_json()["credentials"][0]["credential"]["credentialSubject"]["id"] == holder.did
    with demo.app_context():
        events = delivery.events(get_session(), get_session().get(Award, award_2))
        assert (events[-1].kind, events[-1].holder_did) == ("sent-to-wallet", holder.did)


def test_a_revoked_award_is_not_delivered_and_bad_requests_get_oauth_errors(demo):
    client, holder = demo.test_client(), Holder()
    award_id = _award(demo)
    token = _token(client, demo, award_id)
    assert _ask(client, "nope", {}).status_code == 401
    assert _ask(client, token, {"credential_configuration_id": "Other"}).get_json()["error"] == \
        "unknown_credential_configuration"
    assert _ask(client, token, {"format": "jwt_vc_json"}).get_json()["error"] == "unsupported_credential_format"
    assert client.post("/oid4vci/credential", data="[]", content_type="application/json",
                       headers={"Authorization": f"Bearer {token}"}).get_json()["error"] == \
        "invalid_credential_request"
    with demo.app_context():
        session = get_session()
        award = session.get(Award, award_id)
        leader = session.scalar(select(User).where(User.handle == "amara"))
        badges.revoke_badge(session, demo.extensions["issuer.platform"], award, leader, "Mistake.")
    refused = _ask(client, token, {"credential_configuration_id": "OpenBadgeCredential_ldp_vc",
                                   "proofs": {"jwt": [holder.proof(_nonce(client))]}})
    assert refused.status_code == 400 and refused.get_json()["error"] == "credential_request_denied"


def test_the_recipient_gets_a_link_and_qr_code_for_an_offer_on_the_badge_page(demo):
    from tests.web.browsing import Browser

    award_id = _award(demo)
    with demo.app_context():
        session = get_session()
        recipient = session.get(User, session.get(Award, award_id).recipient_user_id).handle
    browser = Browser(demo)
    assert browser.submit("/login", {"email": f"{recipient}@demo.example", "password": PASSWORD}).status_code == 302
    page = browser.get(f"/credentials/{award_id}").get_data(as_text=True)
    assert f"/me/recognition/{award_id}/wallet-offer" in page
    answer = browser.submit(f"/me/recognition/{award_id}/wallet-offer", form_url=f"/credentials/{award_id}")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<svg" in text
    link = text.split('id="wallet-offer" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert link.startswith("openid-credential-offer://?credential_offer_uri=")
    [uri] = parse_qs(urlsplit(link).query)["credential_offer_uri"]
    assert uri.startswith(f"{BASE}/oid4vci/offers/")
    assert demo.test_client().get(urlsplit(uri).path).status_code == 200
    stranger = Browser(demo).sign_up("stranger9")
    assert "wallet-offer" not in stranger.get(f"/credentials/{award_id}").get_data(as_text=True)
    assert stranger.submit(f"/me/recognition/{award_id}/wallet-offer",
                           form_url="/me/recognition").status_code == 404
