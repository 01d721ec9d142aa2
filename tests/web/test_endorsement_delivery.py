"""An accepted endorsement to its recipient's wallet through the web endpoints: its own OpenID4VCI
configuration without cryptographic binding (no key proof asked, in either request shape), the
Learner Credential Wallet after DIDAuth, the stored signed endorsement handed over unchanged,
and the "Take it with you" panel on the endorsement's page for its recipient only. The real
wallets run the same flows in tests/interop."""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from issuer.demo import PASSWORD
from issuer.services import delivery
from issuer.storage import Award, IssuedCredential, User, get_session
from tests.conftest import make_app
from tests.services.test_deliverables import endorsement_for
from tests.web.browsing import Browser
from tests.web.test_lcw import didauth, post_json, wallet_key
from tests.web.test_oid4vci import GRANT, Holder, _ask, _nonce

BASE = "https://issuer.example"
ENDORSEMENT = "EndorsementCredential_ldp_vc"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("endorsement-delivery"), ISSUER_DEMO=True, ISSUER_BASE_URL=BASE)
    yield app
    app.extensions["issuer.engine"].dispose()


def _stored(app, row_id: str) -> dict:
    with app.app_context():
        return json.loads(get_session().get(IssuedCredential, row_id).signed_json)


def _token_for(app, client, row_id: str, recipient_id: int) -> tuple[str, dict]:
    with app.app_context():
        session = get_session()
        _, secret = delivery.create_offer(session, app.extensions["issuer.platform"],
                                          session.get(User, recipient_id), session.get(IssuedCredential, row_id))
    offer = client.get(urlsplit(app.extensions["issuer.platform"].urls.credential_offer(secret)).path).get_json()
    code = offer["grants"][GRANT]["pre-authorized_code"]
    answer = client.post("/oid4vci/token", data={"grant_type": GRANT, "pre-authorized_code": code})
    return answer.get_json()["access_token"], offer


def _signed_in(app, handle: str) -> Browser:
    browser = Browser(app)
    assert browser.submit("/login", {"email": f"{handle}@demo.example", "password": PASSWORD}).status_code == 302
    return browser


def test_the_endorsement_configuration_asks_for_no_binding_and_the_badge_one_still_does(demo):
    configurations = demo.test_client().get("/.well-known/openid-credential-issuer").get_json()[
        "credential_configurations_supported"]
    endorsement, badge = configurations[ENDORSEMENT], configurations["OpenBadgeCredential_ldp_vc"]
    assert "cryptographic_binding_methods_supported" not in endorsement
    assert "proof_types_supported" not in endorsement
    assert endorsement["credential_definition"]["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert endorsement["credential_metadata"]["display"][0]["name"] == "Endorsement"
    assert badge["cryptographic_binding_methods_supported"] == ["did:key"]
    assert badge["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"] == ["EdDSA"]


def test_a_1_0_request_without_a_proof_gets_the_stored_endorsement_once(demo):
    client = demo.test_client()
    row_id, recipient_id = endorsement_for(demo)
    token, offer = _token_for(demo, client, row_id, recipient_id)
    assert offer["credential_configuration_ids"] == [ENDORSEMENT]
    answer = _ask(client, token, {"credential_configuration_id": ENDORSEMENT})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"credentials": [{"credential": _stored(demo, row_id)}]}
    replay = _ask(client, token, {"credential_configuration_id": ENDORSEMENT})
    assert replay.status_code == 401 and replay.get_json()["error"] == "invalid_token"
    with demo.app_context():
        events = delivery.events(get_session(), get_session().get(Award, row_id))
        assert [(e.kind, e.holder_did) for e in events] == [("offer-created", None), ("sent-as-signed", None)]


def test_a_draft_13_request_without_a_proof_gets_it_at_top_level_too(demo):
    client = demo.test_client()
    row_id, recipient_id = endorsement_for(demo, of_badge=True)
    token, _ = _token_for(demo, client, row_id, recipient_id)
    wrong = _ask(client, token, {"format": "ldp_vc", "credential_definition": {
        "type": ["VerifiableCredential", "OpenBadgeCredential"]}})
    assert wrong.get_json()["error"] == "unsupported_credential_type"
    other = _ask(client, token, {"credential_configuration_id": "OpenBadgeCredential_ldp_vc",
                                 "proofs": {"jwt": [Holder().proof(_nonce(client))]}})
    assert other.status_code == 400 and other.get_json()["error"] == "invalid_credential_request"
    assert ENDORSEMENT in other.get_json()["error_description"]
    answer = _ask(client, token, {"format": "ldp_vc", "credential_definition": {
        "type": ["VerifiableCredential", "EndorsementCredential"]}})
    assert answer.status_code == 200, answer.get_json()
    stored = _stored(demo, row_id)
    assert answer.get_json()["credential"] == stored and answer.get_json()["format"] == "ldp_vc"
    assert answer.get_json()["credentials"] == [{"credential": stored}]


def test_a_badge_token_still_needs_a_proof(demo):
    client = demo.test_client()
    with demo.app_context():
        session = get_session()
        badge = session.scalar(select(Award).where(Award.kind == "badge", Award.consent == "accepted",
                                                   Award.revoked_at.is_(None)))
        row_id, recipient_id = badge.id, badge.recipient_user_id
    token, offer = _token_for(demo, client, row_id, recipient_id)
    assert offer["credential_configuration_ids"] == ["OpenBadgeCredential_ldp_vc"]
    refused = _ask(client, token, {"credential_configuration_id": "OpenBadgeCredential_ldp_vc"})
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_proof"
    assert refused.get_json()["c_nonce"]


def test_the_learner_credential_wallet_gets_the_endorsement_as_signed_after_didauth(demo):
    client = demo.test_client()
    row_id, _ = endorsement_for(demo)
    browser = _signed_in(demo, "chen")
    answer = browser.submit(f"/credentials/{row_id}/lcw", form_url=f"/credentials/{row_id}")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "Back to the endorsement" in html
    web = unescape(re.search(r'id="lcw-web-link" href="([^"]+)"', html).group(1))
    query = {k: v[0] for k, v in parse_qs(urlsplit(web).query).items()}
    private, did = wallet_key()
    presentation = didauth(demo, private, did, query["challenge"])
    sent = post_json(client, query["vc_request_url"], presentation)
    assert sent.status_code == 200, sent.get_json()
    assert sent.get_json() == _stored(demo, row_id)
    assert sent.get_json()["credentialSubject"]["id"] != did
    with demo.app_context():
        events = delivery.events(get_session(), get_session().get(Award, row_id))
        assert [(e.kind, e.holder_did) for e in events] == [("offer-created", None), ("sent-as-signed", did)]
    replay = post_json(client, query["vc_request_url"], presentation)
    assert replay.status_code == 400 and "already used" in replay.get_json()["detail"]


def test_the_recipient_sees_the_panel_on_the_endorsement_page_and_strangers_none_of_it(demo):
    row_id, recipient_id = endorsement_for(demo)
    with demo.app_context():  # public: strangers see the endorsement itself
        from issuer.services import recognition
        recognition.set_visibility(get_session(), get_session().get(User, recipient_id), row_id, "public")
    chen = _signed_in(demo, "chen")
    shown = chen.get(f"/credentials/{row_id}").get_data(as_text=True)
    panel = shown[shown.index('<section class="take-it"'):shown.index("</section>", shown.index('<section class="take-it"'))]
    for part in ('id="wallet-offer-button"', 'id="lcw-request"', "Download the signed credential (JSON)",
                 "exactly\n      as it was signed"):
        assert part in panel, part
    assert "LinkedIn" not in panel and "badge image" not in panel
    offer = chen.submit(f"/me/recognition/{row_id}/wallet-offer", form_url=f"/credentials/{row_id}")
    text = offer.get_data(as_text=True)
    assert offer.status_code == 200 and "openid-credential-offer://" in text
    assert "Add your endorsement to a wallet" in text and "exactly as it was signed" in text
    with demo.app_context():
        author = get_session().get(User, get_session().get(Award, row_id).author_user_id).handle
    for who in (Browser(demo), _signed_in(demo, "amara")):
        page = who.get(f"/credentials/{row_id}")
        assert page.status_code == 200
        assert "take-it" not in page.get_data(as_text=True)
        assert "wallet-offer-button" not in page.get_data(as_text=True)
    amara = _signed_in(demo, "amara")
    assert amara.submit(f"/me/recognition/{row_id}/wallet-offer", form_url="/me/recognition").status_code == 404
    assert amara.submit(f"/credentials/{row_id}/lcw", form_url="/me/recognition").status_code == 404
    assert author.startswith("endorser")


def test_a_pending_endorsement_shows_how_to_accept_it_and_no_wallet_buttons(demo):
    row_id, _ = endorsement_for(demo, consent=None)
    shown = _signed_in(demo, "chen").get(f"/credentials/{row_id}").get_data(as_text=True)
    assert "Accept this endorsement under" in shown
    assert 'id="wallet-offer-button"' not in shown and 'id="lcw-request"' not in shown


def test_a_kind_without_an_award_joins_by_one_table_entry_and_its_check(demo, monkeypatch):
    """The extension point a person's CLR record will use: a stored credential with no award, made
    deliverable by a row of DELIVERABLES and its check function only."""
    import uuid

    from issuer.credentials.vocab import VC2_CONTEXT
    from issuer.services.errors import NotFound

    with demo.app_context():
        session = get_session()
        chen = session.scalar(select(User).where(User.handle == "chen"))
        text = json.dumps({"@context": [VC2_CONTEXT], "type": ["VerifiableCredential", "ClrCredential"],
                           "id": f"urn:uuid:{uuid.uuid4()}", "name": "Chen's record"})
        row = IssuedCredential(id=str(uuid.uuid4()), vc_id=json.loads(text)["id"], kind="ClrCredential",
                               issuer_id=chen.issuer_id, signed_json=text)
        session.add(row)
        session.commit()
        row_id, chen_id = row.id, chen.id

    def record_check(row: IssuedCredential, user: User | None) -> None:  # the record's person
        if row.award_id is not None or (user is not None and user.issuer_id != row.issuer_id):
            raise NotFound("offer.not-yours", id=row.id)

    monkeypatch.setitem(delivery.DELIVERABLES, "ClrCredential", delivery.Deliverable(
        "ClrCredential_ldp_vc", "ClrCredential", (VC2_CONTEXT,), "Learner record", "record", False,
        record_check))
    client = demo.test_client()
    configurations = client.get("/.well-known/openid-credential-issuer").get_json()[
        "credential_configurations_supported"]
    assert "proof_types_supported" not in configurations["ClrCredential_ldp_vc"]
    token, offer = _token_for(demo, client, row_id, chen_id)
    assert offer["credential_configuration_ids"] == ["ClrCredential_ldp_vc"]
    answer = _ask(client, token, {"credential_configuration_id": "ClrCredential_ldp_vc"})
    assert answer.status_code == 200 and answer.get_json()["credentials"][0]["credential"] == json.loads(text)

    browser = _signed_in(demo, "chen")  # the page's panel and the LCW request work the same way
    assert 'id="lcw-request"' in browser.get(f"/credentials/{row_id}").get_data(as_text=True)
    html = browser.submit(f"/credentials/{row_id}/lcw", form_url=f"/credentials/{row_id}").get_data(as_text=True)
    query = {k: v[0] for k, v in parse_qs(urlsplit(unescape(
        re.search(r'id="lcw-web-link" href="([^"]+)"', html).group(1))).query).items()}
    private, did = wallet_key()
    sent = post_json(client, query["vc_request_url"], didauth(demo, private, did, query["challenge"]))
    assert sent.status_code == 200 and sent.get_json() == json.loads(text)
    with demo.app_context():
        offers = get_session().scalars(select(delivery.CredentialOffer).where(
            delivery.CredentialOffer.credential_id == row_id)).all()
        assert {(o.award_id, o.holder_did) for o in offers} == {(None, None), (None, did)}
        assert all(o.delivered_at is not None for o in offers)
