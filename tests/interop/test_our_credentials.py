"""Both ways with the reference verifier: what we issue verifies there; what it signs verifies here.

Our service runs for real (HTTP on 127.0.0.1) so the reference verifier fetches our status lists
over the network exactly as a wallet would.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from issuer.credentials.canonical import LEGACY, Canonicalizer
from issuer.credentials.loader import DocumentLoader
from tests.conftest import TOKEN, LiveServer

VC2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
SEED = "9b8f6a1c2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5061728394a5b6c7d8"
CONTROL = 'tab\tbell\u0007 back\b feed\f del\u007f "q" \\ é\n\r'


class http:
    """Plain urllib against the live server: a real client over a real socket."""

    @staticmethod
    def post_json(url, body, headers=None):
        request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    @staticmethod
    def get_json(url):
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("interop"))
    yield live
    live.close()


def badge(name="Peer mentor", **extra):
    document = {
        "@context": [VC2, OB], "type": ["VerifiableCredential", "OpenBadgeCredential"], "name": name,
        "credentialSubject": {
            "id": "did:example:ada", "type": ["AchievementSubject"],
            "achievement": {"id": "https://example.org/achievements/mentor", "type": ["Achievement"],
                            "name": name, "description": "Mentors newcomers to the community.",
                            "criteria": {"narrative": "Mentor three newcomers."},
                            "achievementType": "ext:Contribution",
                            "alignment": [{"type": ["Alignment"], "targetName": "Mentoring",
                                           "targetUrl": "https://example.org/framework/mentoring"}]}}}
    document.update(extra)
    return document


def endorsement(subject_id):
    return {"@context": [VC2, OB], "type": ["VerifiableCredential", "EndorsementCredential"],
            "name": "Endorsement of a peer mentor",
            "credentialSubject": {"id": subject_id, "type": ["EndorsementSubject"],
                                  "endorsementComment": "She **really** helped me.\n\n- kind\n- clear"}}


def issue(server, credential, **options):
    """Issue as the platform issuer (GET /issuer), named by its DID unless the credential names one."""
    credential = {"issuer": http.get_json(server.url + "/issuer")["id"], **credential}
    body = {"credential": credential, "options": options} if options else {"credential": credential}
    status, answer = http.post_json(server.url + "/credentials/issue", body,
                                    headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 201, answer
    return answer["verifiableCredential"]


def verify_here(server, credential):
    status, answer = http.post_json(server.url + "/credentials/verify",
                                    {"verifiableCredential": credential})
    return status, answer


def failed_checks(answer) -> set[str]:
    return {c["check"] for c in answer["result"]["checks"] if c["outcome"] == "failed"}


def test_what_we_issue_verifies_in_the_reference_with_no_warnings(js, server):
    allow = [server.url + "/"]
    plain = issue(server, badge())
    both = issue(server, badge(CONTROL), suites=["eddsa-rdfc-2022", "Ed25519Signature2020"])
    endorsed = issue(server, endorsement(plain["id"]))
    status_list = http.get_json(plain["credentialStatus"]["statusListCredential"])
    credentials = [plain, both, endorsed, status_list]
    for result in js.verify_many(credentials, allow_http=allow):
        assert result["verified"] is True, result
        assert result["errors"] == [] and result["warnings"] == []
    platform_did = plain["issuer"]["id"]
    registry = {platform_did: {"name": "Open Recognition", "url": server.url, "location": "Test"}}
    for result in js.verify_core_many(credentials, allow_http=allow, registry=registry):
        assert result["verified"] is True, result
        assert result["warnings"] == [], result["warnings"]


def test_inline_and_examples_contexts_and_vc11_forms_verify_in_the_reference(js, server):
    inline = issue(server, badge(**{"@context": [VC2, OB, {"mood": "https://example.org/v#mood"}]},
                                 mood="proud"))
    examples = issue(server, {"@context": [VC2, "https://www.w3.org/ns/credentials/examples/v2"],
                              "type": ["VerifiableCredential", "ExampleAlumniCredential"],
                              "credentialSubject": {"id": "did:example:ada",
                                                    "alumniOf": "Example University"}})
    vc11 = {"@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:ada"}}
    bare = issue(server, vc11)  # no status entry, so no credentials/status/v1 context either
    assert "credentialStatus" not in bare and len(bare["@context"]) == 2
    with_status = issue(server, vc11, credentialStatus={"type": "BitstringStatusListEntry"})
    credentials = [inline, examples, bare, with_status]
    for credential, result in zip(credentials, js.verify_many(credentials,
                                                              allow_http=[server.url + "/"])):
        assert result["verified"] is True, (credential["@context"], result)


def test_each_proof_of_a_proof_set_verifies_on_its_own(js, server):
    both = issue(server, badge(CONTROL), suites=["eddsa-rdfc-2022", "Ed25519Signature2020"])
    for single in both["proof"]:
        alone = {**both, "proof": single}
        result = js.verify(alone, allow_http=[server.url + "/"])
        assert result["verified"] is True, (single["type"], result)


def test_revocation_is_seen_by_the_reference(js, server):
    vc = issue(server, badge())
    status, _ = http.post_json(server.url + "/credentials/status", {
        "credentialId": vc["id"], "reason": "issued by mistake",
        "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}]},
        headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    result = js.verify(vc, allow_http=[server.url + "/"])
    assert result["verified"] is False
    assert any("revocation" in w for w in result["warnings"] + result["errors"])
    here_status, here = verify_here(server, vc)
    assert here_status == 422 and failed_checks(here) == {"status"}


def test_legacy_escaping_matches_the_reference_ed25519_2020_suite(js):
    document = {"@context": [VC2], "id": "urn:uuid:3f1c4a52-0a7b-4e59-9d1c-8f3c1f6b2e77",
                "type": ["VerifiableCredential"], "issuer": "did:example:issuer",
                "credentialSubject": {"id": "did:example:subject"}, "description": CONTROL}
    ours = Canonicalizer(DocumentLoader())
    theirs = js.canonize_all(document)
    assert ours.canonize(document) == theirs["nquads"]
    assert ours.canonize(document, escaping=LEGACY) == theirs["nquads_ed25519_2020"]


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "Ed25519Signature2020"])
def test_what_the_reference_signs_verifies_here(js, server, suite):
    signed = js.sign(badge(CONTROL, **COMPLETE), suite, SEED, set_issuer=True)
    status, answer = verify_here(server, signed)
    assert status == 200, answer
    assert answer["verified"] is True and answer["errors"] == []


COMPLETE = {"id": "urn:uuid:6c0b8f4e-1d2a-4b3c-9e8f-7a6b5c4d3e2f", "validFrom": "2026-01-01T00:00:00Z"}


def _signed(js, **changes):
    credential = badge(**COMPLETE)
    credential.update(changes)
    return js.sign(credential, "eddsa-rdfc-2022", SEED, set_issuer=True)


def _other_key_vm(js):
    other = js.sign_result(badge(), "eddsa-rdfc-2022", "11" * 32, set_issuer=True)
    return other["verificationMethod"]


TAMPERING = {
    "subject": lambda vc, js: vc["credentialSubject"].update(id="did:example:mallory"),
    "achievement": lambda vc, js: vc["credentialSubject"]["achievement"].update(name="Chief mentor"),
    "proofValue": lambda vc, js: vc["proof"].update(
        proofValue=vc["proof"]["proofValue"][:10] + ("A" if vc["proof"]["proofValue"][10] != "A" else "B")
        + vc["proof"]["proofValue"][11:]),
    "validFrom": lambda vc, js: vc.update(validFrom="2020-01-01T00:00:00Z"),
    "swapped key": lambda vc, js: vc["proof"].update(verificationMethod=_other_key_vm(js)),
    "undefined term": lambda vc, js: vc.update(favouriteColour="blue"),
    "unknown context": lambda vc, js: vc["@context"].append("https://evil.example/ctx.jsonld"),
    "removed proof": lambda vc, js: vc.pop("proof"),
}
EXPECTED = {"subject": {"proof"}, "achievement": {"proof"}, "proofValue": {"proof"},
            "validFrom": {"proof"}, "swapped key": {"proof", "issuer"}, "undefined term": {"proof"},
            "unknown context": set(), "removed proof": {"proof"}}
# never fetched, so the signature is unknown rather than wrong: "could not check", still a 422
UNCHECKED = {"unknown context": {"proof"}}


@pytest.mark.parametrize("name", sorted(TAMPERING))
def test_tampered_reference_credentials_are_rejected_with_the_right_check(js, server, name):
    vc = _signed(js)
    TAMPERING[name](vc, js)
    status, answer = verify_here(server, vc)
    assert status == 422
    assert failed_checks(answer) == EXPECTED[name], answer["errors"]
    unchecked = {c["check"] for c in answer["result"]["checks"] if c["outcome"] == "could not check"}
    assert unchecked == UNCHECKED.get(name, set()), answer["result"]["checks"]
    assert js.verify(vc)["verified"] is False  # the reference agrees


def test_expired_and_not_yet_valid_fail_the_validity_check(js, server):
    expired = _signed(js, validFrom="2020-01-01T00:00:00Z", validUntil="2021-01-01T00:00:00Z")
    future = _signed(js, validFrom="2099-01-01T00:00:00Z")
    for vc, words in ((expired, "expired"), (future, "not valid yet")):
        status, answer = verify_here(server, vc)
        assert status == 422 and failed_checks(answer) == {"validity"}
        assert words in answer["errors"][0]["message"]


def test_issuer_other_than_the_signer_fails_the_issuer_check(js, server):
    vc = js.sign(badge(issuer={"id": "did:example:someone-else", "type": ["Profile"]}, **COMPLETE),
                 "eddsa-rdfc-2022", SEED)
    status, answer = verify_here(server, vc)
    assert status == 422 and failed_checks(answer) == {"issuer"}
    assert js.verify(vc)["verified"] is False
