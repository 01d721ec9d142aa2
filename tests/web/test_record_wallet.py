"""A person's signed record to their wallet through the web: its own OpenID4VCI configuration
(no binding, the record's contexts), the "Take it with you" panel on the record's page for the
person it is about only (wallets and JSON; no LinkedIn, no badge image), the Learner Credential
Wallet after DIDAuth, and "Download my record" reaching it: a button that opens a new record's
page, and the person's past records listed. The real wallets run the same flows in
tests/interop."""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from sqlalchemy import select

from issuer.demo import PASSWORD
from issuer.services import delivery, record
from issuer.storage import CredentialOffer, IssuedCredential, User, get_session
from tests.conftest import make_app
from tests.web.browsing import Browser
from tests.web.test_lcw import didauth, post_json, wallet_key
from tests.web.test_oid4vci import GRANT, _ask

BASE = "https://issuer.example"
RECORD = "ClrCredential_ldp_vc"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("record-wallet"), ISSUER_DEMO=True, ISSUER_BASE_URL=BASE)
    yield app
    app.extensions["issuer.engine"].dispose()


def signed_in(app, handle: str) -> Browser:
    browser = Browser(app)
    assert browser.submit("/login", {"email": f"{handle}@demo.example", "password": PASSWORD}).status_code == 302
    return browser


def new_record(app, handle: str = "bram") -> str:
    with app.app_context():
        session = get_session()
        user = session.scalar(select(User).where(User.handle == handle))
        return record.issue_record(session, app.extensions["issuer.platform"], user).id


def stored(app, row_id: str) -> dict:
    with app.app_context():
        return json.loads(get_session().get(IssuedCredential, row_id).signed_json)


def panel(html: str) -> str:
    start = html.index('<section class="take-it"')
    return html[start:html.index("</section>", start)]


def test_the_record_configuration_asks_for_no_binding_and_names_the_records_contexts(demo):
    configuration = demo.test_client().get("/.well-known/openid-credential-issuer").get_json()[
        "credential_configurations_supported"][RECORD]
    assert "cryptographic_binding_methods_supported" not in configuration
    assert "proof_types_supported" not in configuration
    assert configuration["credential_definition"] == {
        "@context": stored(demo, new_record(demo))["@context"], "type": ["VerifiableCredential", "ClrCredential"]}
    assert configuration["credential_metadata"]["display"][0]["name"] == "Recognition record"


def test_the_owner_offers_the_record_from_its_page_and_the_wallet_gets_it_as_signed_once(demo):
    row_id = new_record(demo)
    bram = signed_in(demo, "bram")
    page = bram.get(f"/credentials/{row_id}").get_data(as_text=True)
    shown = panel(page)
    for part in ('id="wallet-offer-button"', 'id="lcw-request"', "Download the signed credential (JSON)",
                 "this record exactly\n      as it was signed"):
        assert part in shown, part
    assert "LinkedIn" not in shown and "badge image" not in shown and "Sent to a wallet" not in shown
    offered = bram.submit(f"/me/recognition/{row_id}/wallet-offer", form_url=f"/credentials/{row_id}")
    text = offered.get_data(as_text=True)
    assert offered.status_code == 200 and "Add your record to a wallet" in text
    uri = unescape(re.search(r'id="wallet-offer" href="([^"]+)"', text).group(1))
    offer_url = unquote(parse_qs(urlsplit(uri).query)["credential_offer_uri"][0])
    client = demo.test_client()
    offer = client.get(urlsplit(offer_url).path).get_json()
    assert offer["credential_configuration_ids"] == [RECORD]
    code = offer["grants"][GRANT]["pre-authorized_code"]
    assert client.get(urlsplit(offer_url).path).status_code == 404  # the offer answers once
    token = client.post("/oid4vci/token", data={"grant_type": GRANT, "pre-authorized_code": code})
    again = client.post("/oid4vci/token", data={"grant_type": GRANT, "pre-authorized_code": code})
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"
    access = token.get_json()["access_token"]
    answer = _ask(client, access, {"credential_configuration_id": RECORD})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"credentials": [{"credential": stored(demo, row_id)}]}
    replay = _ask(client, access, {"credential_configuration_id": RECORD})
    assert replay.status_code == 401 and replay.get_json()["error"] == "invalid_token"
    assert "Sent to a wallet on" in panel(bram.get(f"/credentials/{row_id}").get_data(as_text=True))


def test_a_draft_13_request_names_the_record_type(demo):
    row_id = new_record(demo)
    client = demo.test_client()
    with demo.app_context():
        session = get_session()
        bram = session.scalar(select(User).where(User.handle == "bram"))
        _, secret = delivery.create_offer(session, demo.extensions["issuer.platform"], bram,
                                          session.get(IssuedCredential, row_id))
    code = client.get(urlsplit(demo.extensions["issuer.platform"].urls.credential_offer(secret)).path) \
        .get_json()["grants"][GRANT]["pre-authorized_code"]
    access = client.post("/oid4vci/token", data={"grant_type": GRANT, "pre-authorized_code": code}) \
        .get_json()["access_token"]
    wrong = _ask(client, access, {"format": "ldp_vc", "credential_definition": {
        "type": ["VerifiableCredential", "OpenBadgeCredential"]}})
    assert wrong.get_json()["error"] == "unsupported_credential_type"
    answer = _ask(client, access, {"format": "ldp_vc", "credential_definition": {
        "type": ["VerifiableCredential", "ClrCredential"]}})
    assert answer.status_code == 200 and answer.get_json()["credential"] == stored(demo, row_id)


def test_the_learner_credential_wallet_gets_the_record_as_signed_after_didauth(demo):
    row_id = new_record(demo)
    browser = signed_in(demo, "bram")
    html = browser.submit(f"/credentials/{row_id}/lcw", form_url=f"/credentials/{row_id}").get_data(as_text=True)
    assert "Back to the record" in html
    query = {k: v[0] for k, v in parse_qs(urlsplit(unescape(
        re.search(r'id="lcw-web-link" href="([^"]+)"', html).group(1))).query).items()}
    private, did = wallet_key()
    client = demo.test_client()
    presentation = didauth(demo, private, did, query["challenge"])
    sent = post_json(client, query["vc_request_url"], presentation)
    assert sent.status_code == 200, sent.get_json()
    assert sent.get_json() == stored(demo, row_id)
    replay = post_json(client, query["vc_request_url"], presentation)
    assert replay.status_code == 400 and "already used" in replay.get_json()["detail"]
    with demo.app_context():
        offers = get_session().scalars(select(CredentialOffer).where(CredentialOffer.credential_id == row_id)).all()
        assert [(o.award_id, o.holder_did) for o in offers] == [(None, did)]
    assert did in panel(browser.get(f"/credentials/{row_id}").get_data(as_text=True))


def test_strangers_see_the_record_but_no_panel_and_cannot_offer_it(demo):
    row_id = new_record(demo)
    for who in (Browser(demo), signed_in(demo, "amara"), signed_in(demo, "chen")):
        page = who.get(f"/credentials/{row_id}")
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "What this record holds" in text
        assert "take-it" not in text and "wallet-offer-button" not in text and "lcw-request" not in text
    amara = signed_in(demo, "amara")
    assert amara.submit(f"/me/recognition/{row_id}/wallet-offer", form_url="/me/recognition").status_code == 404
    assert amara.submit(f"/credentials/{row_id}/lcw", form_url="/me/recognition").status_code == 404
    with demo.app_context():
        assert get_session().scalar(select(CredentialOffer).where(CredentialOffer.credential_id == row_id)) is None


def test_a_revoked_record_shows_its_owner_no_wallet_buttons(demo):
    from issuer.services import issuing

    row_id = new_record(demo)
    with demo.app_context():
        session = get_session()
        issuing.revoke(session, demo.extensions["issuer.platform"], session.get(IssuedCredential, row_id),
                       "Replaced by a newer record.")
    text = signed_in(demo, "bram").get(f"/credentials/{row_id}").get_data(as_text=True)
    assert "wallet-offer-button" not in text and "lcw-request" not in text
    assert "Download the signed credential (JSON)" in text


def test_download_my_record_can_open_the_new_record_to_add_it_to_a_wallet(demo):
    bram = signed_in(demo, "bram")
    page = bram.get("/me/record").get_data(as_text=True)
    assert 'id="record-to-wallet"' in page and "Download my record (JSON)" in page
    ids = re.findall(r'name="items" value="([^"]+)"', page)
    opened = bram.submit("/me/record", {"items": ids, "then": "wallet"})
    assert opened.status_code == 303
    row_id = opened.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert opened.headers["Location"].endswith(f"/credentials/{row_id}")
    assert stored(demo, row_id)["type"] == ["VerifiableCredential", "ClrCredential"]
    shown = bram.get(f"/credentials/{row_id}").get_data(as_text=True)
    assert "Your record is signed." in shown and 'id="wallet-offer-button"' in panel(shown)
    downloaded = bram.submit("/me/record", {"items": ids})  # the download stays as it was
    assert downloaded.status_code == 200 and downloaded.mimetype == "application/json"
    assert downloaded.headers["Content-Disposition"].startswith("attachment;")
    newest = json.loads(downloaded.get_data(as_text=True))["id"]
    listed = bram.get("/me/record").get_data(as_text=True)
    links = re.findall(r'<ul class="past-records">.*?</ul>', listed, re.S)[0]
    hrefs = re.findall(r'href="([^"]+)"', links)
    assert hrefs[0] == urlsplit(newest).path and f"/credentials/{row_id}" in hrefs
    others = signed_in(demo, "chen").get("/me/record").get_data(as_text=True)
    assert row_id not in others and urlsplit(newest).path not in others
