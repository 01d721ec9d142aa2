"""VC-API through the Flask test client: issue, verify, revoke, status lists, bad input."""

from __future__ import annotations

import copy
import json
import time

import pytest
from sqlalchemy import func, select

from issuer.credentials import keys, proof, status
from issuer.storage import Issuer, get_session
from tests.conftest import make_app

VC2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def badge(**extra) -> dict:
    document = {
        "@context": [VC2, OB],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Community facilitator <b>&</b>",
        "credentialSubject": {
            "id": "did:example:ada", "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.org/achievements/facilitator", "type": ["Achievement"],
                "name": "Community facilitator", "description": "Hosts the monthly calls.",
                "criteria": {"narrative": "Host ten calls.\n\n\"Quotes\", back\\slash, bell\x07."},
            },
        },
    }
    document.update(extra)
    return document


def issue(client, auth, credential=None, **options):
    """Issue as the platform issuer (named as the bare DID: an Open Badge gets its Profile)."""
    credential = credential or badge()
    if "issuer" not in credential:
        credential = {**credential, "issuer": client.get("/issuer").get_json()["id"]}
    body = {"credential": credential}
    if options:
        body["options"] = options
    return client.post("/credentials/issue", json=body, headers=auth)


def verify(client, credential):
    return client.post("/credentials/verify", json={"verifiableCredential": credential})


def outcomes(response) -> dict:
    return {c["check"]: c["outcome"] for c in response.get_json()["result"]["checks"]}


def test_issue_signs_an_open_badge_with_status_and_stores_the_exact_text(client, auth, app):
    response = issue(client, auth)
    assert response.status_code == 201, response.get_json()
    vc = response.get_json()["verifiableCredential"]
    assert vc["proof"]["type"] == "DataIntegrityProof"
    assert vc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert vc["proof"]["proofPurpose"] == "assertionMethod"
    assert vc["issuer"]["type"] == ["Profile"] and vc["issuer"]["id"].startswith("did:key:z6Mk")
    entry = vc["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "revocation"
    assert entry["id"] != entry["statusListCredential"] and entry["statusListIndex"].isdigit()
    stored = client.get(response.headers["Location"], headers={"Accept": "application/vc+ld+json"})
    assert stored.status_code == 200 and stored.mimetype == "application/vc+ld+json"
    assert json.loads(stored.data) == vc
    assert stored.data.decode() in response.data.decode()  # served exactly as signed


def test_issued_credential_verifies_with_every_check_ok(client, auth):
    vc = issue(client, auth).get_json()["verifiableCredential"]
    response = verify(client, vc)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["verified"] is True and body["errors"] == [] and body["warnings"] == []
    assert outcomes(response) == {"structure": "ok", "schema": "ok", "proof": "ok",
                                  "issuer": "ok", "status": "ok", "validity": "ok"}


@pytest.mark.parametrize("change,check", [
    (lambda vc: vc["credentialSubject"].update(id="did:example:mallory"), "proof"),
    (lambda vc: vc["credentialSubject"]["achievement"].update(name="Chief"), "proof"),
    (lambda vc: vc.update(validFrom="2020-01-01T00:00:00Z"), "proof"),
    (lambda vc: vc["proof"].update(proofValue=vc["proof"]["proofValue"][:-2] + "11"), "proof"),
    (lambda vc: vc.update(validUntil="2099-01-01T00:00:00Z"), "proof"),
    (lambda vc: vc.update(validUntil="2021-01-01T00:00:00Z"), "structure"),
])
def test_tampered_credentials_fail_the_named_check(client, auth, change, check):
    vc = issue(client, auth).get_json()["verifiableCredential"]
    change(vc)
    response = verify(client, vc)
    assert response.status_code == 422
    assert outcomes(response)[check] == "failed"
    assert response.get_json()["verified"] is False


def test_undefined_term_added_after_signing_is_refused_not_ignored(client, auth):
    vc = issue(client, auth).get_json()["verifiableCredential"]
    vc["credentialSubject"]["extraTerm"] = "not signed"
    response = verify(client, vc)
    assert response.status_code == 422
    failed = [c for c in response.get_json()["errors"] if c["check"] == "proof"]
    assert "'extraTerm' is not defined" in failed[0]["message"]


def test_missing_proof_fails_the_proof_check(client, auth):
    vc = issue(client, auth).get_json()["verifiableCredential"]
    del vc["proof"]
    response = verify(client, vc)
    assert response.status_code == 422
    assert outcomes(response)["proof"] == "failed"


def test_revocation_flips_the_bit_and_verification_reports_it(client, auth):
    vc = issue(client, auth).get_json()["verifiableCredential"]
    missing_reason = client.post("/credentials/status", headers=auth, json={
        "credentialId": vc["id"], "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}]})
    assert missing_reason.status_code == 422 and "reason" in missing_reason.get_json()["detail"]
    revoked = client.post("/credentials/status", headers=auth, json={
        "credentialId": vc["id"], "reason": "awarded to the wrong member",
        "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}]})
    assert revoked.status_code == 200
    listing = client.get(vc["credentialStatus"]["statusListCredential"]).get_json()
    bits = status.StatusList.decode(listing["credentialSubject"]["encodedList"])
    assert bits.get(int(vc["credentialStatus"]["statusListIndex"])) is True
    response = verify(client, vc)
    assert response.status_code == 422
    assert outcomes(response)["status"] == "failed"
    assert response.get_json()["revocationReason"] == "awarded to the wrong member"
    assert any(e["message"] == "revoked" for e in response.get_json()["errors"])


def _revoke(client, auth, vc_id):
    return client.post("/credentials/status", headers=auth, json={
        "credentialId": vc_id, "reason": "issued in error",
        "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}]})


def test_an_id_already_issued_is_refused_and_revocation_by_id_stays_unambiguous(client, auth):
    first = issue(client, auth, badge(id="urn:uuid:6d9bd2a4-5f4b-4a63-9d5b-0e7b1a7f3c11"))
    assert first.status_code == 201
    again = issue(client, auth, badge(id="urn:uuid:6d9bd2a4-5f4b-4a63-9d5b-0e7b1a7f3c11"))
    assert again.status_code == 409, again.get_json()
    problem = again.get_json()
    assert problem["detail"].startswith("id: ") and "urn:uuid:6d9bd2a4" in problem["detail"]
    assert again.mimetype == "application/problem+json"
    generated = issue(client, auth).get_json()["verifiableCredential"]["id"]  # a service URL
    assert issue(client, auth, badge(id=generated)).status_code == 409
    assert _revoke(client, auth, "urn:uuid:6d9bd2a4-5f4b-4a63-9d5b-0e7b1a7f3c11").status_code == 200
    assert _revoke(client, auth, generated).status_code == 200


def test_status_list_is_public_cacheable_signed_and_large_enough(client, auth):
    vc = issue(client, auth).get_json()["verifiableCredential"]
    response = client.get(vc["credentialStatus"]["statusListCredential"])
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"] and "max-age=" in response.headers["Cache-Control"]
    listing = response.get_json()
    assert listing["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert status.StatusList.decode(listing["credentialSubject"]["encodedList"]).size >= 131_072
    assert verify(client, listing).status_code == 200


def test_status_indexes_are_not_reused(client, auth):
    indexes = {issue(client, auth).get_json()["verifiableCredential"]["credentialStatus"]["statusListIndex"]
               for _ in range(12)}
    assert len(indexes) == 12


def test_legacy_second_proof_makes_a_proof_set_that_verifies(client, auth):
    response = issue(client, auth, suites=["eddsa-rdfc-2022", "Ed25519Signature2020"])
    vc = response.get_json()["verifiableCredential"]
    assert [p["type"] for p in vc["proof"]] == ["DataIntegrityProof", "Ed25519Signature2020"]
    assert "https://w3id.org/security/suites/ed25519-2020/v1" in vc["@context"]
    assert verify(client, vc).status_code == 200


def test_vc11_credential_is_signed_and_verified(client, auth):
    credential = {"@context": ["https://www.w3.org/2018/credentials/v1"],
                  "type": ["VerifiableCredential"],
                  "credentialSubject": {"id": "did:example:ada"}}
    response = issue(client, auth, credential)
    assert response.status_code == 201, response.get_json()
    vc = response.get_json()["verifiableCredential"]
    assert "issuanceDate" in vc and "validFrom" not in vc
    assert verify(client, vc).status_code == 200


def test_created_option_is_used(client, auth):
    vc = issue(client, auth, created="2026-02-03T04:05:06Z").get_json()["verifiableCredential"]
    assert vc["proof"]["created"] == "2026-02-03T04:05:06Z"


@pytest.mark.parametrize("body,status_code,words", [
    (b"{not json", 400, "not valid JSON"),
    (b"[1, 2]", 400, "must be a JSON object"),
    (b'{"credential": "a string"}', 400, "credential: must be an object"),
    (b"{}", 400, "credential: required"),
    (b'{"credential": {}, "options": {"suites": ["rsa"]}}', 400, "options.suites"),
    (b'{"credential": [[[1]]]}', 400, "credential: must be an object"),
    (b'{"a": ' + b'{"b": ' * 80 + b"1" + b"}" * 80 + b"}", 400, "nested more than 64"),
    (b'{"a": ' + b"[" * 100000 + b"]" * 100000 + b"}", 400, "nested too deeply"),
])
def test_malformed_issue_requests_get_a_400_naming_the_problem(client, auth, body, status_code, words):
    response = client.post("/credentials/issue", data=body, headers=auth, content_type="application/json")
    assert response.status_code == status_code
    assert response.mimetype == "application/problem+json"
    assert words in response.get_json()["detail"]


@pytest.mark.parametrize("credential,words", [
    (badge(**{"@context": [VC2, OB, "https://evil.example/context.jsonld"]}), "evil.example"),
    (badge(**{"@context": [VC2, OB, {"colour": "https://example.org/colour"}]}, flavour="x"),
     "'flavour' is not defined"),  # an inline context is still held to safe mode
    (badge(**{"@context": [VC2, OB, {"@import": "https://evil.example/c.jsonld"}]}), "evil.example"),
    (badge(**{"@context": [VC2, OB, 7]}), "@context[2]: must be a context URL or an inline context"),
    (badge(**{"@context": [VC2, OB, {"name": "https://evil.example/name"}]}),
     "protected term redefinition"),  # an inline context cannot change what VC/OB terms mean
    (badge(favouriteColour="blue"), "'favouriteColour' is not defined"),
    (badge(issuer="did:example:someone-else"), "signs only as the platform issuer"),
    (badge(proof={"type": "DataIntegrityProof"}), "proof: the service sets proof"),
    (badge(credentialSubject={"id": "did:example:ada", "type": ["AchievementSubject"]}), "achievement"),
    (badge(validFrom="yesterday"), "validFrom"),
    (badge(**{"@context": ["https://example.org/not-a-vc"]}), "@context"),
])
def test_invalid_credentials_are_refused_with_the_property_named(client, auth, credential, words):
    response = issue(client, auth, credential)
    assert 400 <= response.status_code < 500, response.get_json()
    assert words in response.get_json()["detail"]


def test_refused_issue_leaves_nothing_behind(client, auth, app):
    from issuer.storage import IssuedCredential, StatusList, get_session

    issue(client, auth, badge(favouriteColour="blue"))
    with app.app_context():
        session = get_session()
        assert session.query(IssuedCredential).count() == 0
        assert session.query(StatusList).count() == 0


def test_issue_needs_the_bearer_token(client):
    assert client.post("/credentials/issue", json={"credential": badge()}).status_code == 401
    wrong = client.post("/credentials/issue", json={"credential": badge()},
                        headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403


def test_oversized_body_is_refused_with_the_limit_named(tmp_path, auth):
    client = make_app(tmp_path, ISSUER_MAX_BODY_BYTES=2000).test_client()
    response = client.post("/credentials/issue", headers=auth,
                           json={"credential": badge(description="x" * 5000)})
    assert response.status_code == 413
    assert "limit of 2000 bytes" in response.get_json()["detail"]


def test_verify_rejects_malformed_input_with_400(client):
    assert client.post("/credentials/verify", data=b"nope", content_type="application/json").status_code == 400
    assert client.post("/credentials/verify", json={"verifiableCredential": [1]}).status_code == 400
    assert client.post("/credentials/verify", data=b"{}", content_type="text/plain").status_code == 415


def test_verify_refuses_unknown_context_without_fetching(client, auth):
    vc = issue(client, auth).get_json()["verifiableCredential"]
    vc["@context"].append("https://evil.example/context.jsonld")
    response = verify(client, vc)
    assert response.status_code == 422
    body = response.get_json()
    proof_checks = [c for c in body["result"]["checks"] if c["check"] == "proof"]
    # not "signature not valid": the context was never fetched, so the signature is unknown
    assert [c["outcome"] for c in proof_checks] == ["could not check"]
    assert "context not available offline" in proof_checks[0]["message"]
    assert "evil.example" in proof_checks[0]["message"]
    assert not any(c["check"] == "proof" for c in body["errors"])


def test_poisoned_graph_is_bounded_and_reported(client):
    # "@id", not "id": a blank-node label under "id" is not a URL and fails the structure check
    # first (VC 2.0 §4.4); written as "@id" the same graph reaches canonicalization and its bound.
    clique = [{"@id": f"_:n{i}", "knows": [f"_:n{j}" for j in range(9) if j != i]} for i in range(9)]
    document = {"@context": [VC2, {"knows": {"@id": "https://example.org/knows", "@type": "@id"}}],
                "type": ["VerifiableCredential"], "issuer": "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
                "credentialSubject": clique,
                "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
                          "proofPurpose": "assertionMethod", "proofValue": "z" + "1" * 64,
                          "verificationMethod": "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"}}
    response = verify(client, document)
    assert response.status_code == 422
    assert "deep iterations" in json.dumps(response.get_json()["errors"])


def test_unknown_credential_and_status_list_are_404(client):
    assert client.get("/credentials/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/credentials/status/999").status_code == 404


@pytest.mark.parametrize("list_id", ["2147483648", "9223372036854775808", "99999999999999999999"])
def test_status_list_ids_beyond_the_database_range_are_404(client, list_id):
    response = client.get(f"/credentials/status/{list_id}")
    assert response.status_code == 404 and f"no status list {list_id}" in response.get_json()["detail"]


@pytest.mark.parametrize("member,value,outcome,words", [
    ("statusListIndex", "99999999999999999999", "failed", "is outside the list"),
    ("statusListIndex", "9223372036854775808", "failed", "is outside the list"),
    ("statusListCredential", "/9223372036854775808", "could not check", "no status list at"),
    ("statusListCredential", "/99999999999999999999", "could not check", "no status list at"),
])
def test_huge_status_numbers_at_verify_are_a_status_outcome(client, auth, member, value, outcome, words):
    vc = issue(client, auth).get_json()["verifiableCredential"]
    entry = vc["credentialStatus"]
    entry[member] = entry["statusListCredential"].rsplit("/", 1)[0] + value if value[0] == "/" else value
    response = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert response.status_code == 422
    [status] = [c for c in response.get_json()["result"]["checks"] if c["check"] == "status"]
    assert status["outcome"] == outcome and words in status["message"]


def _presentation(vc, holder_key, challenge=None, sign=True, canonicalizer=None):
    did = keys.did_key(holder_key.public_key())
    vp = {"@context": [VC2], "type": ["VerifiablePresentation"], "holder": did,
          "verifiableCredential": [vc]}
    if sign:
        vp = proof.add_proof(vp, holder_key, verification_method=keys.did_key_vm_id(did),
                             canonicalizer=canonicalizer, proof_purpose="authentication",
                             challenge=challenge)
    return vp


def test_presentations_verify_signed_and_unsigned(client, auth, app):
    vc = issue(client, auth).get_json()["verifiableCredential"]
    holder = keys.generate_private_key()
    canon = app.extensions["issuer.platform"].canonicalizer
    signed = _presentation(vc, holder, challenge="c-123", canonicalizer=canon)
    ok = client.post("/presentations/verify", json={"verifiablePresentation": signed,
                                                    "options": {"challenge": "c-123"}})
    assert ok.status_code == 200, ok.get_json()
    wrong = client.post("/presentations/verify", json={"verifiablePresentation": signed,
                                                       "options": {"challenge": "other"}})
    assert wrong.status_code == 422
    unsigned = _presentation(vc, holder, sign=False)
    plain = client.post("/presentations/verify", json={"verifiablePresentation": unsigned})
    assert plain.status_code == 422 and not plain.get_json()["verified"]  # never verified unsigned
    assert {"check": "proof", "outcome": "failed", "message": "the presentation is not signed: it "
            "has no proof"}.items() <= plain.get_json()["errors"][0].items()
    demanded = client.post("/presentations/verify", json={"verifiablePresentation": unsigned,
                                                          "options": {"challenge": "c-1"}})
    assert demanded.status_code == 422
    vc_bad = copy.deepcopy(vc)
    vc_bad["name"] = "changed"
    broken = client.post("/presentations/verify",
                         json={"verifiablePresentation": _presentation(vc_bad, holder, sign=False)})
    assert broken.status_code == 422


@pytest.mark.parametrize("presentation,words", [
    ({}, "the first context must be"),
    ({"@context": [VC2]}, "type VerifiablePresentation"),
    ({"@context": [VC2], "type": ["VerifiableCredential"]}, "type VerifiablePresentation"),
    ({"@context": [VC2], "type": ["VerifiablePresentation"], "verifiableCredential": "a string"},
     "verifiableCredential: must be a credential"),
    ({"@context": [VC2], "type": ["VerifiablePresentation"], "verifiableCredential": [1]},
     "verifiableCredential: must be a credential"),
    ({"@context": [VC2], "type": ["VerifiablePresentation"]}, "the presentation is not signed"),
    ({"@context": [VC2], "type": ["VerifiablePresentation"], "verifiableCredential": []},
     "the presentation is not signed"),
])
def test_malformed_or_unsigned_presentations_are_never_verified(client, presentation, words):
    response = client.post("/presentations/verify", json={"verifiablePresentation": presentation})
    body = response.get_json()
    assert response.status_code == 422 and body["verified"] is False
    assert any(words in e["message"] for e in body["errors"]), body["errors"]


@pytest.mark.parametrize("body,words", [
    ({"verifiablePresentation": []}, "verifiablePresentation: must be an object"),
    ({"verifiablePresentation": "vp"}, "verifiablePresentation: must be an object"),
    ({"verifiablePresentation": {}, "options": {"challenge": 5}}, "challenge: must be a string"),
    ({"verifiablePresentation": {}, "options": {"domain": ["x"]}}, "domain: must be a string"),
])
def test_presentation_requests_of_the_wrong_shape_are_400(client, body, words):
    response = client.post("/presentations/verify", json=body)
    assert response.status_code == 400 and words in response.get_json()["detail"]


def test_a_presentation_of_slow_status_lists_costs_one_fetch_timeout(tmp_path, loopback):
    # Six credentials name six status lists that each trickle their headers: all fetches of the
    # request share one budget, so only the first list is asked for (before: all six, in turn).
    app = make_app(tmp_path, ISSUER_FETCH_TIMEOUT=1, ISSUER_FETCH_ALLOW_PRIVATE=True)

    def trickle(handler):
        handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for _ in range(16):
            time.sleep(0.25)
            try:
                handler.wfile.write(b"X: y\r\n")
            except OSError:
                return

    credentials = []
    for n in range(6):
        url = loopback.route(f"/status/{n}", trickle)
        credentials.append(badge(id=f"urn:uuid:{n}", validFrom="2026-01-01T00:00:00Z",
                                 issuer={"id": "did:example:other", "type": ["Profile"], "name": "Other"},
                                 credentialStatus={"id": f"urn:uuid:s{n}",
                                                   "type": "BitstringStatusListEntry",
                                                   "statusPurpose": "revocation",
                                                   "statusListCredential": url,
                                                   "statusListIndex": "7"}))
    presentation = {"@context": [VC2], "type": ["VerifiablePresentation"],
                    "verifiableCredential": credentials}
    response = app.test_client().post("/presentations/verify",
                                      json={"verifiablePresentation": presentation})
    assert response.status_code == 422
    assert loopback.requests == ["/status/0"]
    statuses = [c["message"] for r in response.get_json()["credentialResults"]
                for c in r["result"]["checks"] if c["check"] == "status"]
    assert len(statuses) == 6 and "within the time limit" in statuses[0]
    assert all("already spent its time for fetching" in s for s in statuses[1:])


def test_did_web_issuer_publishes_its_key_and_verifies(tmp_path, auth):
    app = make_app(tmp_path, ISSUER_BASE_URL="https://badges.example.org")
    client = app.test_client()
    document = client.get("/.well-known/did.json").get_json()
    assert document["id"] == "did:web:badges.example.org"
    method = document["verificationMethod"][0]
    assert method["type"] == "Multikey" and method["controller"] == document["id"]
    assert method["id"] in document["assertionMethod"]
    assert "secretKeyMultibase" not in json.dumps(document) and "privateKey" not in json.dumps(document)
    vc = issue(client, auth).get_json()["verifiableCredential"]
    assert vc["proof"]["verificationMethod"] == method["id"]
    assert verify(client, vc).status_code == 200


def test_did_key_service_has_no_did_web_document(client):
    response = client.get("/.well-known/did.json")
    assert response.status_code == 404 and "did:key" in response.get_json()["detail"]


def test_cli_prints_the_platform_did(app):
    result = app.test_cli_runner().invoke(args=["did"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("did:key:z6Mk")


def test_the_platform_token_signs_only_as_the_platform_issuer(app, client, auth):
    """A member's or a community's DID as issuer is refused: they sign through their own accounts."""
    from issuer.services import communities
    from issuer.services.people import user_by_handle
    from issuer.storage import IssuedCredential, get_session
    from tests.web.browsing import Browser

    Browser(app).sign_up("amara")
    with app.app_context():
        session = get_session()
        amara = user_by_handle(session, "amara")
        community = communities.create_community(session, app.extensions["issuer.platform"], amara,
                                                 name="Open Knitting", domain="Knitting",
                                                 purpose="Knit together")
        others = [amara.issuer.did, community.issuer.did]
        platform_did = session.scalar(select(Issuer.did).where(Issuer.slug == "platform"))
        stored_before = session.scalar(select(func.count()).select_from(IssuedCredential))
    for did in others:
        for given in (did, {"id": did, "type": ["Profile"], "name": "Amara"}):
            response = issue(client, auth, badge(issuer=given))
            assert response.status_code == 403, response.get_json()
            problem = response.get_json()
            assert response.mimetype == "application/problem+json"
            assert problem["detail"].startswith("issuer: ")
            assert "signs only as the platform issuer" in problem["detail"] and did in problem["detail"]
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(IssuedCredential)) == stored_before
    response = issue(client, auth, badge(issuer={"id": platform_did, "type": ["Profile"], "name": "Platform"}))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["verifiableCredential"]["issuer"]["id"] == platform_did


def test_a_credential_without_issuer_is_refused_and_get_issuer_names_the_one_to_give(app, client, auth):
    """VC 2.0 §4.7 and the VC-API issuer suite: the caller names the issuer; nothing is guessed."""
    with app.app_context():
        platform = get_session().scalar(select(Issuer).where(Issuer.slug == "platform"))
        platform_did, platform_name = platform.did, platform.name
    for document in (badge(), {k: v for k, v in badge().items() if k != "name"} | {
            "type": ["VerifiableCredential"], "@context": [VC2],
            "credentialSubject": {"id": "did:example:ada", "name": "Ada"}}):
        response = client.post("/credentials/issue", json={"credential": document}, headers=auth)
        assert response.status_code == 422 and response.mimetype == "application/problem+json"
        assert response.get_json()["detail"].startswith("issuer: required") and platform_did in response.get_json()["detail"]
    profile = client.get("/issuer")
    assert profile.status_code == 200 and profile.mimetype == "application/json"
    assert profile.get_json() == {**profile.get_json(), "id": platform_did, "type": ["Profile"],
                                  "name": platform_name}
    as_did = issue(client, auth, badge(issuer=platform_did)).get_json()["verifiableCredential"]
    assert as_did["issuer"] == profile.get_json()  # an Open Badge's issuer is the Profile
    plain = {"@context": [VC2], "type": ["VerifiableCredential"], "issuer": platform_did,
             "credentialSubject": {"id": "did:example:ada", "name": "Ada"}}
    assert issue(client, auth, plain).get_json()["verifiableCredential"]["issuer"] == platform_did


# --- contexts without fetching ---------------------------------------------------------------

EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"


def test_an_inline_context_is_signed_and_verified(client, auth):
    inline = {"colour": "https://example.org/vocab#colour"}
    response = issue(client, auth, badge(**{"@context": [VC2, OB, inline]}, colour="blue"))
    assert response.status_code == 201, response.get_json()
    vc = response.get_json()["verifiableCredential"]
    assert vc["@context"][2] == inline and vc["colour"] == "blue"
    assert verify(client, vc).status_code == 200
    assert outcomes(verify(client, {**vc, "colour": "red"}))["proof"] == "failed"
    changed = {**vc, "@context": [VC2, OB, {"colour": "https://example.org/vocab#hue"}]}
    assert outcomes(verify(client, changed))["proof"] == "failed"  # the context's meaning is signed


def test_the_vc_examples_context_is_pinned(client, auth):
    credential = {"@context": [VC2, EXAMPLES], "type": ["VerifiableCredential", "ExampleAlumniCredential"],
                  "credentialSubject": {"id": "did:example:ada", "alumniOf": "Example University"}}
    response = issue(client, auth, credential)
    assert response.status_code == 201, response.get_json()
    vc = response.get_json()["verifiableCredential"]
    assert verify(client, vc).status_code == 200


# --- VC-API options ---------------------------------------------------------------------------

def plain(**extra) -> dict:
    return {"@context": [VC2], "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:ada", "name": "Ada"}, **extra}


def their_status(index="7") -> dict:
    return {"id": "https://status.example/lists/3#7", "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation", "statusListIndex": index,
            "statusListCredential": "https://status.example/lists/3"}


def test_a_client_status_entry_is_kept_and_no_second_one_is_added(client, auth, app):
    response = issue(client, auth, plain(credentialStatus=their_status()))
    assert response.status_code == 201, response.get_json()
    vc = response.get_json()["verifiableCredential"]
    assert vc["credentialStatus"] == their_status()
    # and it cannot be "revoked" here: no list of this service could say so
    refused = _revoke(client, auth, vc["id"])
    assert refused.status_code == 422 and "without a revocation entry" in refused.get_json()["detail"]


def test_options_credential_status_adds_ours_after_the_clients(client, auth):
    response = issue(client, auth, plain(credentialStatus=their_status()),
                     credentialStatus={"type": "BitstringStatusListEntry"})
    assert response.status_code == 201, response.get_json()
    entries = response.get_json()["verifiableCredential"]["credentialStatus"]
    assert entries[0] == their_status() and entries[1]["statusListCredential"].startswith("http://")


@pytest.mark.parametrize("entry,words", [
    (their_status(index=7), "credentialStatus.statusListIndex"),
    ({**their_status(), "statusListCredential": None}, "credentialStatus.statusListCredential"),
    ({"id": "urn:uuid:s", "statusPurpose": "revocation"}, "credentialStatus"),
    ("https://status.example/1", "credentialStatus"),
    (None, "credentialStatus: must be a status object"),
    ([], "credentialStatus: must be a status object"),
])
def test_a_client_status_entry_that_verifiers_could_not_use_is_refused(client, auth, entry, words):
    response = issue(client, auth, plain(credentialStatus=entry))
    assert response.status_code == 422, response.get_json()
    assert words in response.get_json()["detail"]


def test_an_open_badge_has_one_status_entry(client, auth):
    response = issue(client, auth, badge(credentialStatus=their_status()),
                     credentialStatus={"type": "BitstringStatusListEntry"})
    assert response.status_code == 422
    assert "one status entry" in response.get_json()["detail"]
    kept = issue(client, auth, badge(credentialStatus=their_status()))
    assert kept.status_code == 201, kept.get_json()
    assert kept.get_json()["verifiableCredential"]["credentialStatus"] == their_status()


def test_vc11_credentials_get_a_status_entry_only_when_asked(client, auth):
    credential = {"@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiableCredential"],
                  "credentialSubject": {"id": "did:example:ada"}}
    vc = issue(client, auth, credential).get_json()["verifiableCredential"]
    # only contexts a VC 1.1 verifier has offline: no credentials/status/v1, no status entry
    assert vc["@context"] == ["https://www.w3.org/2018/credentials/v1",
                              "https://w3id.org/security/data-integrity/v2"]
    assert "credentialStatus" not in vc
    assert verify(client, vc).status_code == 200
    asked = issue(client, auth, credential, credentialStatus={"type": "BitstringStatusListEntry"})
    vc = asked.get_json()["verifiableCredential"]
    assert "https://www.w3.org/ns/credentials/status/v1" in vc["@context"]
    assert vc["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert outcomes(verify(client, vc))["status"] == "ok"


@pytest.mark.parametrize("url,body", [
    ("/credentials/issue", {"credential": {}, "options": {"proofFormat": "jwt"}}),
    ("/credentials/verify", {"verifiableCredential": {}, "options": {"proofFormat": "jwt"}}),
    ("/presentations/verify", {"verifiablePresentation": {}, "options": {"proofFormat": "jwt"}}),
])
def test_unknown_options_are_refused_by_name(client, auth, url, body):
    response = client.post(url, json=body, headers=auth)
    assert response.status_code == 400
    problem = response.get_json()
    assert problem["type"].endswith("#unknown-option")
    assert problem["detail"].startswith("options.proofFormat:")


def test_mandatory_pointers_are_refused_not_ignored(client, auth):
    response = issue(client, auth, mandatoryPointers=["/issuer"])
    assert response.status_code == 400
    assert response.get_json()["type"].endswith("#unsupported-option")


@pytest.mark.parametrize("option,words", [
    ({"credentialStatus": {"type": "StatusList2021Entry"}}, "options.credentialStatus"),
    ({"credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"}},
     "options.credentialStatus"),
    ({"credentialId": 5}, "options.credentialId"),
    ({"credentialId": ""}, "options.credentialId"),
])
def test_malformed_known_options_are_400(client, auth, option, words):
    response = issue(client, auth, **option)
    assert response.status_code == 400
    assert words in response.get_json()["detail"]


def test_credential_id_option_sets_the_id(client, auth):
    wanted = "urn:uuid:0b5e8a0e-8d41-4d3e-9f1c-6a2b1c9d7e01"
    response = issue(client, auth, credentialId=wanted)
    assert response.status_code == 201, response.get_json()
    vc = response.get_json()["verifiableCredential"]
    assert vc["id"] == wanted and verify(client, vc).status_code == 200
    again = issue(client, auth, credentialId=wanted)
    assert again.status_code == 409 and again.get_json()["detail"].startswith("options.credentialId:")
    assert issue(client, auth, badge(id=wanted), credentialId=wanted).status_code == 409
    other = issue(client, auth, badge(id="urn:uuid:other"), credentialId="urn:uuid:else")
    assert other.status_code == 422 and "options.credentialId" in other.get_json()["detail"]
    relative = issue(client, auth, credentialId="not a url")
    assert relative.status_code == 422, relative.get_json()  # checked as any id
    assert _revoke(client, auth, wanted).status_code == 200


def test_verify_runs_and_reports_only_the_checks_asked_for(client, auth):
    vc = issue(client, auth).get_json()["verifiableCredential"]
    vc["proof"]["proofValue"] = vc["proof"]["proofValue"][:-3] + "abc"
    only_dates = client.post("/credentials/verify", json={"verifiableCredential": vc,
                                                          "options": {"checks": ["validity"]}})
    assert only_dates.status_code == 200, only_dates.get_json()
    assert only_dates.get_json()["checks"] == ["structure", "validity"]
    proof_only = client.post("/credentials/verify", json={"verifiableCredential": vc,
                                                          "options": {"checks": ["proof"]}})
    assert proof_only.status_code == 422
    # the key binding comes with the proof; nothing else is run
    assert set(outcomes(proof_only)) == {"structure", "proof", "issuer"}
    assert outcomes(proof_only)["proof"] == "failed"


@pytest.mark.parametrize("checks,words", [
    (["proof", "magic"], "'magic' is not a check"),
    ([], "non-empty array"),
    ("proof", "non-empty array"),
])
def test_unknown_or_malformed_checks_are_400(client, checks, words):
    response = client.post("/credentials/verify", json={"verifiableCredential": {},
                                                        "options": {"checks": checks}})
    assert response.status_code == 400
    assert words in response.get_json()["detail"]


def test_presentation_checks_limit_the_credentials_but_never_skip_the_presentation_proof(client, auth, app):
    vc = issue(client, auth).get_json()["verifiableCredential"]
    holder = keys.generate_private_key()
    canon = app.extensions["issuer.platform"].canonicalizer
    unsigned = _presentation(vc, holder, sign=False)
    asked = client.post("/presentations/verify", json={"verifiablePresentation": unsigned,
                                                       "options": {"checks": ["validity"]}})
    assert asked.status_code == 422  # an unsigned presentation is never verified
    signed = _presentation(vc, holder, challenge="c-9", canonicalizer=canon)
    ok = client.post("/presentations/verify", json={"verifiablePresentation": signed,
                                                    "options": {"challenge": "c-9", "checks": ["validity"]}})
    assert ok.status_code == 200, ok.get_json()
    inner = ok.get_json()["credentialResults"][0]
    assert inner["checks"] == ["structure", "validity"]


# VC 2.0 §4 / §5.3 and OB 3.0 rules a client's document can break: refused at issue with the
# path named, and a failed structure check at verify.

def _pinned_v2_digests(app) -> tuple[str, str]:
    import base64
    import hashlib

    data = app.extensions["issuer.platform"].canonicalizer.loader.pinned_bytes(VC2)
    sri = "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()
    multibase = "u" + base64.urlsafe_b64encode(b"\x12\x20" + hashlib.sha256(data).digest()).decode().rstrip("=")
    return sri, multibase


def plain(**extra) -> dict:
    document = {"@context": [VC2], "type": ["VerifiableCredential"],
                "credentialSubject": {"id": "did:example:ada"}}
    document.update(extra)
    return document


GOOD_SRI = "sha384-" + "A" * 64  # well-formed; used only where the id is not pinned
RELATED = {"id": "https://example.org/resources/1", "digestSRI": GOOD_SRI}

REFUSED_AT_ISSUE = [
    (plain(issuer=None), "issuer: must be a URL or an object with an id, not null"),
    (badge(issuer=None), "issuer: must be a URL or an object with an id, not null"),
    (plain(credentialSubject=True), "credentialSubject: must be an object with claims about the subject, not true"),
    (plain(credentialSubject=42), "credentialSubject: must be an object with claims about the subject, not a number"),
    (plain(credentialSubject="did:example:ada"), "credentialSubject: must be an object with claims about the subject, not a string"),
    (plain(credentialSubject={}), "credentialSubject: makes no claim"),
    (plain(credentialSubject=[{"id": "did:example:ada"}, {}]), "credentialSubject[1]: makes no claim"),
    (plain(credentialSubject={"id": ["did:example:a", "did:example:b"]}), "credentialSubject.id: must be a single URL"),
    (plain(credentialSchema={"id": "https://example.org/schema.json"}), "credentialSchema.type: required"),
    (plain(credentialSchema={"type": "JsonSchema"}), "credentialSchema.id: required"),
    (plain(credentialSchema={"id": "https ://x.org/s", "type": "JsonSchema"}), "credentialSchema.id: 'https ://x.org/s' is not a URL"),
    (plain(refreshService={"id": "https://example.org/refresh"}), "refreshService.type: required"),
    (plain(termsOfUse={"id": "https://example.org/terms"}), "termsOfUse.type: required"),
    (plain(termsOfUse=[{}]), "termsOfUse[0].type: required"),
    (plain(evidence={}), "evidence.type: required"),
    (badge(evidence=["https://example.org/evidence/1"]), "evidence[0]: must be an object"),
    (plain(relatedResource=["https://example.org/resources/1"]), "relatedResource[0]: must be an object"),
    (plain(relatedResource=[{"digestSRI": GOOD_SRI}]), "relatedResource[0].id: required"),
    (plain(relatedResource=[RELATED, {**RELATED}]), "relatedResource[1].id: 'https://example.org/resources/1' appears twice"),
    (plain(relatedResource=[{"id": "https://example.org/resources/1"}]), "relatedResource[0]: needs a digestSRI or a digestMultibase"),
    (plain(relatedResource={"id": "https://example.org/r", "digestSRI": "sha384-_bad-"}), "relatedResource.digestSRI:"),
    (plain(relatedResource={"id": "https://example.org/r", "digestMultibase": "u" + "A" * 43}), "relatedResource.digestMultibase:"),
    (plain(id="fake-id"), "id: 'fake-id' is not a URL"),
    (plain(type=["VerifiableCredential", 7]), "type[1]: 7 is not a type name or URL"),
    (plain(name={"@value": "Degree", "@language": "en", "@direction": "up"}), "name.@direction: must be 'ltr' or 'rtl'"),
    (plain(description=12), "description: must be a string or a language value object, not a number"),
    (plain(validFrom="2024-05-01T00:00:00"), "validFrom: '2024-05-01T00:00:00' is not a date-time with timezone"),
    (plain(validFrom="2024-05-02T00:00:00Z", validUntil="2024-05-01T00:00:00Z"), "validUntil: must not be earlier than validFrom"),
    (plain(**{"@context": ["https://www.w3.org/2018/credentials/v1"], "credentialSubject": True}),
     "credentialSubject: must be an object"),
    (badge(credentialSubject={**badge()["credentialSubject"], "result": [{"type": ["Result"], "status": "Done"}]}),
     "credentialSubject.result[0].status: 'Done' is not one of Completed"),
    (badge(credentialSubject={**badge()["credentialSubject"], "source": {"id": "https://example.org/assessor"}}),
     "credentialSubject.source.type: must include Profile"),
    (badge(credentialSubject=[badge()["credentialSubject"]]), "credentialSubject: must be one AchievementSubject object"),
    (plain(**{"@context": ["https://www.w3.org/2018/credentials/v1"], "issuanceDate": "2024-05-01"}),
     "issuanceDate: '2024-05-01' is not a date-time"),
]


@pytest.mark.parametrize("credential,words", REFUSED_AT_ISSUE, ids=[w for _, w in REFUSED_AT_ISSUE])
def test_what_vc2_forbids_is_refused_at_issue_naming_the_path(client, auth, credential, words):
    response = issue(client, auth, credential)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert words in response.get_json()["detail"]


def _set(path, value):
    def change(vc):
        node = vc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return change


BROKEN_AT_VERIFY = [
    (_set(["issuer"], None), "issuer: required"),
    (_set(["issuer"], "fake-issuer"), "issuer: 'fake-issuer' is not a URL"),
    (_set(["credentialSubject"], True), "credentialSubject: must be an object"),
    (_set(["credentialSubject"], 7), "credentialSubject: must be an object"),
    (_set(["credentialSubject"], "did:example:ada"), "credentialSubject: must be an object"),
    (_set(["credentialSubject"], [{"id": "did:example:ada"}, {}]), "credentialSubject[1]: makes no claim"),
    (_set(["credentialSchema"], {"id": "https://example.org/s.json"}), "credentialSchema.type: required"),
    (_set(["credentialSchema"], {"type": "JsonSchema"}), "credentialSchema.id: required"),
    (_set(["refreshService"], {"id": "https://example.org/r"}), "refreshService.type: required"),
    (_set(["termsOfUse"], {"id": "https://example.org/t"}), "termsOfUse.type: required"),
    (_set(["evidence"], [{"id": "https://example.org/e"}]), "evidence[0].type: required"),
    (_set(["credentialStatus", "type"], None), "credentialStatus.type: required"),
    (_set(["credentialStatus", "id"], ["urn:a", "urn:b"]), "credentialStatus.id: must be a single URL"),
    (_set(["relatedResource"], ["https://example.org/r"]), "relatedResource[0]: must be an object"),
    (_set(["relatedResource"], [{"digestSRI": GOOD_SRI}]), "relatedResource[0].id: required"),
    (_set(["relatedResource"], [RELATED, RELATED]), "relatedResource[1].id: 'https://example.org/resources/1' appears twice"),
    (_set(["relatedResource"], [{"id": "https://example.org/r"}]), "relatedResource[0]: needs a digestSRI"),
    (_set(["id"], "not a url"), "id: 'not a url' is not a URL"),
    (_set(["@context", 1], 123192875), "@context[1]: 123192875 is neither a context URL nor a context object"),
    (_set(["type", 1], 7), "type[1]: 7 is not a type name or URL"),
    (_set(["name"], {"@value": "x", "@language": "en", "url": "did:example:c"}), "name: a language value object holds only"),
]


@pytest.mark.parametrize("change,words", BROKEN_AT_VERIFY, ids=[w for _, w in BROKEN_AT_VERIFY])
def test_what_vc2_forbids_fails_the_structure_check_at_verify(client, auth, change, words):
    issued = issue(client, auth, plain(**{"@context": [VC2, "https://w3id.org/security/data-integrity/v2"]},
                                       type=["VerifiableCredential", "https://example.org/#Example"]))
    vc = issued.get_json()["verifiableCredential"]
    change(vc)
    response = verify(client, vc)
    assert response.status_code == 422
    [structure] = [c for c in response.get_json()["errors"] if c["check"] == "structure"]
    assert words in structure["message"]
    assert response.get_json()["verified"] is False


def test_an_open_badge_breaking_vc2_fails_the_structure_check_too(client, auth):
    vc = issue(client, auth).get_json()["verifiableCredential"]
    vc["credentialSubject"] = [vc["credentialSubject"], {}]
    response = verify(client, vc)
    assert outcomes(response)["structure"] == "failed"
    assert "credentialSubject[1]: makes no claim" in json.dumps(response.get_json()["errors"])


def test_a_related_resource_digest_of_a_pinned_context_is_checked_at_issue_and_verify(client, auth, app):
    sri, multibase = _pinned_v2_digests(app)
    related = [{"id": VC2, "digestSRI": sri}, {"id": OB, "digestMultibase": multibase}]
    wrong = issue(client, auth, badge(relatedResource=related))
    assert wrong.status_code == 422
    assert wrong.get_json()["detail"] == (f"relatedResource[1].digestMultibase: does not match the "
                                          f"sha256 digest of {OB} as pinned by this service")
    related[1]["id"] = VC2 + "#again"  # not a pinned URL: the issuer's claim, not ours to refuse
    response = issue(client, auth, badge(relatedResource=related))
    assert response.status_code == 201, response.get_json()
    vc = response.get_json()["verifiableCredential"]
    checked = verify(client, vc)
    assert checked.status_code == 200, checked.get_json()
    body = checked.get_json()
    assert "relatedResource" in body["checks"]
    assert [w["message"] for w in body["warnings"]] == [
        f"relatedResource[1].digestMultibase: could not check {VC2}#again: it is not available "
        "offline (only pinned contexts are)"]
    vc["relatedResource"][0]["digestSRI"] = "sha384-" + sri[7:][::-1]
    tampered = verify(client, vc)
    assert tampered.status_code == 422
    [failed] = [c for c in tampered.get_json()["errors"] if c["check"] == "relatedResource"]
    assert failed["message"] == (f"relatedResource[0].digestSRI: does not match the sha384 digest "
                                 f"of {VC2} as pinned by this service")


OB_BROKEN_AT_VERIFY = [
    (lambda vc: vc["credentialSubject"].update(result=[{"type": ["Result"], "status": "Done"}]),
     "credentialSubject.result[0].status: 'Done' is not one of Completed"),
    (lambda vc: vc["credentialSubject"]["achievement"].update(related=[{"id": "https://example.org/a/1"}]),
     "credentialSubject.achievement.related[0].type: must include Related"),
    (lambda vc: vc["credentialSubject"].update(source="https://example.org/assessor"),
     "credentialSubject.source: must be a Profile object"),
    (lambda vc: vc.update(evidence=[{"id": "https://example.org/evidence/1"}]), "evidence[0].type: required"),
]


@pytest.mark.parametrize("change,words", OB_BROKEN_AT_VERIFY, ids=[w for _, w in OB_BROKEN_AT_VERIFY])
def test_what_ob3_forbids_fails_the_structure_check_at_verify(client, auth, change, words):
    vc = issue(client, auth).get_json()["verifiableCredential"]
    change(vc)
    response = verify(client, vc)
    assert response.status_code == 422
    [structure] = [c for c in response.get_json()["errors"] if c["check"] == "structure"]
    assert words in structure["message"]


@pytest.mark.parametrize("presentation,words", [
    ({"@context": [VC2, 123192875], "type": ["VerifiablePresentation"]},
     "@context[1]: 123192875 is neither a context URL nor a context object"),
    ({"@context": [VC2, "https ://not-a-url/contexts/example/v1"], "type": ["VerifiablePresentation"]},
     "@context[1]: 'https ://not-a-url/contexts/example/v1' is neither"),
    ({"@context": [VC2], "type": ["VerifiablePresentation"], "id": "not a url"}, "id: 'not a url' is not a URL"),
    ({"@context": [VC2], "type": ["VerifiablePresentation"], "holder": "z6MkpJySvETLnxhQG9DzEdmKJtysBDjuuTeDfUj1uNNCUqcj"},
     "holder: 'z6MkpJySvETLnxhQG9DzEdmKJtysBDjuuTeDfUj1uNNCUqcj' is not a URL"),
    ({"@context": [VC2], "type": ["VerifiablePresentation"], "holder": {"name": "Acme"}}, "holder.id: required"),
    ({"@context": [VC2], "type": ["VerifiablePresentation"], "holder": {"id": "z6Mkp"}}, "holder.id: 'z6Mkp' is not a URL"),
    ({"@context": [VC2], "type": ["VerifiablePresentation"], "holder": 5}, "holder: must be a URL or an object"),
])
def test_what_vc2_forbids_in_a_presentation_fails_its_structure(client, presentation, words):
    response = client.post("/presentations/verify", json={"verifiablePresentation": presentation})
    assert response.status_code == 422
    [structure] = [c for c in response.get_json()["errors"] if c["check"] == "structure"]
    assert words in structure["message"]


@pytest.mark.parametrize("given", [5, [], ["did:example:a"], {"id": 5}, {"name": "no id"}, True])
def test_a_malformed_issuer_is_a_422_before_any_question_of_who_it_is(client, auth, given):
    """The VC-API issuer suite: a malformed issuer is 400 or 422, not 403."""
    response = issue(client, auth, badge(issuer=given))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["detail"].startswith("issuer: ")
