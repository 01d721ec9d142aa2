"""The real OpenID4VCI wallets against the service over https on loopback.

``@openid4vc/openid4vci`` 0.4.6 (OpenWallet Foundation, inside Credo) and
``@digitalbazaar/oid4-client`` 5.10.0 each walk offer → metadata → token → nonce → proof →
credential against a live server whose base URL is https (a throw-away CA, trusted by the Node
wallets through NODE_EXTRA_CA_CERTS). The credential each receives verifies in
``@digitalcredentials/verifier-core`` with no warnings and names the wallet's DID as subject; a
replayed offer or code is refused by the same client; revoking the award after delivery makes
the verifier say revoked.

The server answers https and, on the same port, plain http: the reference verifier's offline
loader reaches our did:web documents only over http on loopback (it maps did:web's https URL to
http, tests/interop/js/loader.mjs). The status list is read from the server and handed in by
its https URL.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from bench.w3c_suites import make_certificates
from issuer.services import badges, delivery, issuing, recognition, record
from issuer.storage import Achievement, Award, User, get_session
from tests.conftest import ThreadedServer, make_app

try:
    from . import harness
except ImportError:
    import harness

CLIENTS = {"openid4vc": "oid4vci-owf.mjs", "digitalbazaar": "oid4vci-db.mjs"}


class HttpsServer(ThreadedServer):
    """The app on 127.0.0.1 with an https base URL; TLS when the client starts a handshake."""

    def __init__(self, data_dir: Path):
        self.ca, cert, key = make_certificates(data_dir)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert), str(key))
        holder = {}
        self._server = make_server("127.0.0.1", 0, lambda env, start: holder["app"](env, start),
                                   threaded=True)
        accept = self._server.get_request

        def get_request():
            connection, address = accept()
            connection.settimeout(10)
            try:
                first = connection.recv(1, socket.MSG_PEEK)
            except OSError:
                first = b""
            if first == b"\x16":  # a TLS ClientHello
                connection = context.wrap_socket(connection, server_side=True)
            connection.settimeout(None)
            return connection, address

        self._server.get_request = get_request
        self.url = f"https://127.0.0.1:{self._server.port}"
        self.plain = f"http://127.0.0.1:{self._server.port}/"
        self.app = holder["app"] = make_app(data_dir / "data", ISSUER_BASE_URL=self.url, ISSUER_DEMO=True)
        self._serve(self._server)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    harness.ensure_installed()
    live = HttpsServer(tmp_path_factory.mktemp("oid4vci-live"))
    yield live
    live.close()


def _new_offer(server) -> tuple[str, str]:
    """(award id, offer URI) of a new badge chen accepted and offers to a wallet."""
    with server.app.app_context():
        session, platform = get_session(), server.app.extensions["issuer.platform"]
        people = {u.handle: u for u in session.scalars(select(User))}
        achievement = session.scalar(select(Achievement).where(Achievement.name == "FAQ gardener"))
        row = badges.issue_badge(session, platform, achievement=achievement, recipient=people["chen"],
                                 author=people["amara"])
        recognition.set_consent(session, people["chen"], row.id, "accepted")
        _, secret = delivery.create_offer(session, platform, people["chen"], session.get(Award, row.id))
        return row.id, ("openid-credential-offer://?credential_offer_uri="
                        + quote(platform.urls.credential_offer(secret), safe=""))


def _run_wallet(server, script: str, offer_uri: str, **request) -> dict:
    env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(server.ca)}
    done = subprocess.run([harness.node_path(), str(harness.JS_DIR / script)],
                          input=json.dumps({"offerUri": offer_uri, **request}), capture_output=True, text=True,
                          cwd=harness.NODE_DIR, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _verify(js, server, credential: dict, dids: list[str]) -> dict:
    status = credential["credentialStatus"]
    url = status["statusListCredential"]
    served = server.app.test_client().get(urlsplit(url).path, headers={"Accept": "application/json"})
    assert served.status_code == 200
    registry = {did: {"name": "Test issuer", "url": server.url, "location": "Test"} for did in dids}
    return js.verify_core(credential, allow_http=[server.plain], registry=registry,
                          documents={url: served.get_json()})


def _issuer_dids(server) -> list[str]:
    from issuer.storage import Issuer
    with server.app.app_context():
        return [issuer.did for issuer in get_session().scalars(select(Issuer))]


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_a_wallet_takes_the_badge_bound_to_its_did_and_sees_it_revoked(js, server, client):
    award_id, offer_uri = _new_offer(server)
    received = _run_wallet(server, CLIENTS[client], offer_uri)
    credential = received["credential"]
    assert credential["credentialSubject"]["id"] == received["did"]
    assert received["did"].startswith("did:key:z6Mk")
    assert credential["issuer"]["id"].startswith("did:web:127.0.0.1")
    if client == "openid4vc":  # the 1.0 shape: configuration id and proofs
        assert received["version"] == "V1"
        [request] = received["requests"]
        assert request["credential_configuration_id"] == "OpenBadgeCredential_ldp_vc"
        assert "invalid_grant" in received["replays"]["code"]  # the code again: refused
    else:  # draft 13: a proof-less request first, then format + credential_definition + proof
        first, second = received["requests"]
        assert "proof" not in first and second["format"] == "ldp_vc" and "jwt" in second["proof"]
    assert "404" in received["replays"]["offer"]  # the offer again: refused
    dids = _issuer_dids(server)
    result = _verify(js, server, credential, dids)
    assert result["verified"] is True, result.get("errors")
    assert result["warnings"] == [], result["warnings"]

    with server.app.app_context():
        session = get_session()
        award = session.get(Award, award_id)
        copy = delivery.holder_copy(session, award, received["did"])
        assert copy is not None and json.loads(copy.signed_json) == credential
        leader = session.scalar(select(User).where(User.handle == "amara"))
        badges.revoke_badge(session, server.app.extensions["issuer.platform"], award, leader,
                            "Awarded by mistake.")
    revoked = _verify(js, server, credential, dids)
    assert revoked["verified"] is False and revoked["errors"] == ["revocation_status: not valid"]
    steps = {step["id"]: step["valid"] for step in revoked["result"]["log"]}
    assert steps["revocation_status"] is False and steps["valid_signature"] is True


def test_a_spent_c_nonce_is_refused_with_the_oauth_error_and_a_fresh_one(server):
    """@openid4vc/openid4vci completes a flow, then asks for a second offer's credential with a
    proof over the c_nonce it already spent: refused as invalid_nonce with a fresh c_nonce, which
    then works (the refusal spent neither the token nor the new nonce)."""
    _, first = _new_offer(server)
    second_award, second = _new_offer(server)
    received = _run_wallet(server, CLIENTS["openid4vc"], first, nonceReplayOfferUri=second)
    assert received["credential"]["credentialSubject"]["id"] == received["did"]
    replay = received["nonceReplay"]
    assert replay["status"] == 400, replay["error"]
    body = replay["body"]
    assert body["error"] == "invalid_nonce" and "nonce" in body["error_description"]
    assert isinstance(body["c_nonce"], str) and body["c_nonce"] != replay["spent"]
    retried = replay["retried"]
    assert retried is not None and retried["credentialSubject"]["id"] == received["did"]
    with server.app.app_context():
        session = get_session()
        copy = delivery.holder_copy(session, session.get(Award, second_award), received["did"])
        assert copy is not None and json.loads(copy.signed_json) == retried


def _new_endorsement_offer(server) -> tuple[str, str]:
    """(endorsement id, offer URI) of a new endorsement of chen, accepted and offered by chen."""
    from issuer.storage import IssuedCredential
    from tests.services.test_deliverables import endorsement_for

    row_id, recipient_id = endorsement_for(server.app)
    with server.app.app_context():
        session, platform = get_session(), server.app.extensions["issuer.platform"]
        _, secret = delivery.create_offer(session, platform, session.get(User, recipient_id),
                                          session.get(IssuedCredential, row_id))
        return row_id, ("openid-credential-offer://?credential_offer_uri="
                        + quote(platform.urls.credential_offer(secret), safe=""))


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_a_wallet_takes_the_endorsement_as_signed_without_a_proof_and_sees_it_revoked(js, server, client):
    from issuer.services import endorsing
    from issuer.storage import IssuedCredential

    row_id, offer_uri = _new_endorsement_offer(server)
    received = _run_wallet(server, CLIENTS[client], offer_uri)
    credential = received["credential"]
    with server.app.app_context():
        session = get_session()
        stored = session.get(IssuedCredential, row_id)
        assert credential == json.loads(stored.signed_json)  # the signed endorsement, unchanged
        assert [(e.kind, e.holder_did) for e in delivery.events(session, stored.award)] == \
            [("offer-created", None), ("sent-as-signed", None)]
        author = session.get(User, stored.award.author_user_id)
    assert credential["credentialSubject"]["id"] != received["did"]  # about chen, not the wallet
    if client == "openid4vc":  # 1.0: the configuration id, and no proofs (none asked for)
        assert received["version"] == "V1"
        assert received["requests"] == [{"credential_configuration_id": "EndorsementCredential_ldp_vc"}]
        assert "invalid_grant" in received["replays"]["code"]
    else:  # draft 13: one request, no proof, answered with the credential at once
        [request] = received["requests"]
        assert "proof" not in request and "proofs" not in request
        assert request["credential_definition"]["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert "404" in received["replays"]["offer"]
    dids = _issuer_dids(server)
    result = _verify(js, server, credential, dids)
    assert result["verified"] is True, result.get("errors")
    assert result["warnings"] == [], result["warnings"]

    with server.app.app_context():
        endorsing.revoke_endorsement(get_session(), server.app.extensions["issuer.platform"],
                                     get_session().get(User, author.id), row_id, "Changed my mind.")
    revoked = _verify(js, server, credential, dids)
    assert revoked["verified"] is False and revoked["errors"] == ["revocation_status: not valid"]


def _new_record_offer(server, handle: str = "bram") -> tuple[str, str]:
    """(record id, offer URI) of a new signed record of a person's public items, offered by them."""
    with server.app.app_context():
        session, platform = get_session(), server.app.extensions["issuer.platform"]
        person = session.scalar(select(User).where(User.handle == handle))
        row = record.issue_record(session, platform, person)
        _, secret = delivery.create_offer(session, platform, person, row)
        return row.id, ("openid-credential-offer://?credential_offer_uri="
                        + quote(platform.urls.credential_offer(secret), safe=""))


def record_and_inside(document: dict) -> list[dict]:
    """A record, then every credential it holds (its members, then its endorsements)."""
    return [document, *document["credentialSubject"]["verifiableCredential"], *document.get("endorsement", [])]


def status_lists(app, documents: list[dict]) -> dict:
    """Each status list the documents name, read from the server, by its (https) URL."""
    found = {}
    for document in documents:
        entries = document.get("credentialStatus") or []
        for entry in entries if isinstance(entries, list) else [entries]:
            url = entry["statusListCredential"]
            if url not in found:
                served = app.test_client().get(urlsplit(url).path, headers={"Accept": "application/json"})
                assert served.status_code == 200, url
                found[url] = served.get_json()
    return found


def verify_record(js, app, plain: str, document: dict) -> list[dict]:
    """@digitalcredentials/vc's verdict on the record and on each credential inside it (the
    offline loader serves the pinned CLR context; status lists are handed in by URL)."""
    documents = record_and_inside(document)
    return js.verify_many(documents, allow_http=[plain], documents=status_lists(app, documents))


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_a_wallet_takes_the_persons_record_as_signed_and_it_verifies_with_all_inside(js, server, client):
    from issuer.storage import CredentialOffer, IssuedCredential

    row_id, offer_uri = _new_record_offer(server)
    received = _run_wallet(server, CLIENTS[client], offer_uri)
    credential = received["credential"]
    with server.app.app_context():
        session = get_session()
        stored = session.get(IssuedCredential, row_id)
        assert credential == json.loads(stored.signed_json)  # the signed record, unchanged
        bram = session.scalar(select(User).where(User.handle == "bram"))
        assert credential["credentialSubject"]["id"] == bram.issuer.did != received["did"]
        [offer] = session.scalars(select(CredentialOffer).where(CredentialOffer.credential_id == row_id))
        assert offer.delivered_at is not None and offer.award_id is None
    assert credential["type"] == ["VerifiableCredential", "ClrCredential"]
    if client == "openid4vc":  # 1.0: the configuration id, and no proofs (none asked for)
        assert received["version"] == "V1"
        assert received["requests"] == [{"credential_configuration_id": "ClrCredential_ldp_vc"}]
        assert "invalid_grant" in received["replays"]["code"]  # the code again: refused
    else:  # draft 13: one request, no proof, answered with the record at once
        [request] = received["requests"]
        assert "proof" not in request and "proofs" not in request
        assert request["credential_definition"]["type"] == ["VerifiableCredential", "ClrCredential"]
    assert "404" in received["replays"]["offer"]  # the offer again: refused
    results = verify_record(js, server.app, server.plain, credential)
    assert len(results) == 1 + len(credential["credentialSubject"]["verifiableCredential"]) \
        + len(credential["endorsement"]) and len(results) >= 3
    for document, result in zip(record_and_inside(credential), results):
        assert result["verified"] is True, (document["name"], result["errors"])
        assert result["errors"] == [] and result["warnings"] == [], (document["name"], result)

    with server.app.app_context():
        issuing.revoke(get_session(), server.app.extensions["issuer.platform"],
                       get_session().get(IssuedCredential, row_id), "Replaced by a newer record.")
    revoked = verify_record(js, server.app, server.plain, credential)[0]
    assert revoked["verified"] is False
    assert any("status bit set: revocation" in said for said in revoked["errors"] + revoked["warnings"]), revoked
