"""The reference verifier (DCC npm packages) is wired right: vectors verify, tampering is caught.

These tests pin the behaviour of the JS side itself, so that the interop tests built on it
(our issuer's output checked by the libraries wallets use) can be trusted.
"""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json
import subprocess

import base58
import pytest

try:
    from . import harness
except ImportError:
    import harness

pytestmark = pytest.mark.interop

VECTORS = harness.REPO_ROOT / "tests" / "vectors"
W3C_SEED = base58.b58decode(
    json.loads((VECTORS / "eddsa-rdfc-2022" / "keyPair.json").read_text())
    ["privateKeyMultibase"][1:])[2:].hex()
OB_KEYS = json.loads((VECTORS / "eddsa-rdfc-2022" / "1edtech-ob-v3p0" / "key-pair.json").read_text())
OB_SEED = OB_KEYS["privateKeyHex"][:64]
SEED = hashlib.sha256(b"tests/interop reference harness").hexdigest()
SUITES = ["eddsa-rdfc-2022", "Ed25519Signature2020"]


def load(*parts: str) -> dict:
    return json.loads(VECTORS.joinpath(*parts).read_text(encoding="utf-8"))


def tampered(credential: dict) -> dict:
    changed = copy.deepcopy(credential)
    subject = changed["credentialSubject"]
    if "alumniOf" in subject:
        subject["alumniOf"] += "!"
    else:
        changed["name"] += "!"
    return changed


def small_vc(issuer: str = "did:example:replaced") -> dict:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2",
                     "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:0c7a41bb-7f55-4a6a-9b67-3b2b5b6f0d11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Interop Test Issuer"},
        "validFrom": "2024-01-01T00:00:00Z",
        "name": "Harness badge",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "urn:uuid:6ad9b1b4-8f0f-4c8e-8d0e-7f9f3c1e2a10",
                "type": ["Achievement"],
                "name": "Wiring the reference verifier",
                "description": "Signs and verifies with the DCC libraries.",
                "criteria": {"narrative": "Pass the harness tests."},
            },
        },
    }


def assert_verified(result: dict) -> None:
    assert result["verified"] is True, harness.describe(result)
    assert result["errors"] == [], harness.describe(result)


def assert_refused(result: dict, *fragments: str) -> None:
    assert result["verified"] is False, harness.describe(result)
    text = " | ".join(result["errors"] + result.get("diagnostics", []))
    for fragment in fragments:
        assert fragment in text, harness.describe(result)


# --- the published vectors -------------------------------------------------------------------

W3C_VECTORS = [("eddsa-rdfc-2022", "signedDataInt.json"),
               ("ed25519-signature-2020", "signedEdSig.json")]


@pytest.mark.parametrize("folder,name", W3C_VECTORS)
def test_w3c_vector_verifies_and_tampering_is_caught(js, folder, name):
    signed = load(folder, name)
    # The W3C vectors' issuer (https://vc.example/issuers/5678) is not the did:key that signed
    # them, so @digitalcredentials/vc's default CredentialIssuancePurpose refuses them; the
    # proof itself is checked with AssertionProofPurpose (check_issuer=False).
    good, bad = js.verify_many([signed, tampered(signed)], test_contexts=True, check_issuer=False)
    assert_verified(good)
    assert good["results"]["results"][0]["verificationMethod"]["id"] == \
        signed["proof"]["verificationMethod"]
    assert_refused(bad, "Invalid signature.")

    strict = js.verify(signed, test_contexts=True)
    assert_refused(strict, "Credential issuer must match the verification method controller.")


def test_test_only_contexts_are_served_only_on_request(js):
    # the examples context is pinned for production now, so the alumni vector needs nothing
    # test-only; the employment vector's citizenship context still is test-only
    assert_verified(js.verify(load("eddsa-rdfc-2022", "signedDataInt.json"), check_issuer=False))
    signed = load("eddsa-rdfc-2022", "employ", "signedDataInt.json")
    result = js.verify(signed, check_issuer=False)
    assert_refused(result, "refuses https://w3id.org/citizenship/v4rc1", "a test-only context")


def test_1edtech_ob_vector_verifies_with_key_from_fragment(js):
    signed = load("eddsa-rdfc-2022", "1edtech-ob-v3p0", "signed-credential.json")
    # its verificationMethod is https://example.edu/issuers/565049#z6Mk...: offline it resolves
    # only with fragment_keys (key taken from the fragment, controller document built from it)
    good, bad = js.verify_many([signed, tampered(signed)], fragment_keys=True)
    assert_verified(good)
    assert any("fragmentKeys" in w for w in good["warnings"])
    assert_refused(bad, "Invalid signature.")

    offline = js.verify(signed)
    assert_refused(offline, "offline document loader refuses "
                            "https://example.edu/issuers/565049#z6Mk")


def test_1edtech_ob_vector_in_verifier_core(js):
    signed = load("eddsa-rdfc-2022", "1edtech-ob-v3p0", "signed-credential.json")
    good, bad = js.verify_core_many([signed, tampered(signed)], fragment_keys=True)
    assert_verified(good)
    steps = {step["id"]: step for step in good["result"]["log"]}
    assert steps["valid_signature"]["valid"] is True
    assert steps["expiration"]["valid"] is True
    # offline there is no registry to find the issuer in: the one structural warning
    assert steps["registered_issuer"] == {"id": "registered_issuer", "valid": False,
                                          "matchingIssuers": [], "uncheckedRegistries": []}
    schema = good["result"]["additionalInformation"][0]
    assert schema["id"] == "schema_check"
    assert schema["results"][0]["result"] == {"valid": True}
    assert [w for w in good["warnings"] if "fragmentKeys" not in w] == [
        "registered_issuer: issuer not found in any known DID registry"]

    assert bad["verified"] is False
    assert bad["errors"] == ["invalid_signature: The signature is not valid."]
    assert "Invalid signature." in bad["diagnostics"]


# --- signing with the reference ---------------------------------------------------------------

@pytest.mark.parametrize("folder,name,unsigned_name", [
    ("eddsa-rdfc-2022", "signedDataInt.json", "unsigned.json"),
    ("ed25519-signature-2020", "signedEdSig.json", "unsigned.json"),
])
def test_reference_signer_reproduces_w3c_vectors(js, folder, name, unsigned_name):
    expected = load(folder, name)
    suite = "eddsa-rdfc-2022" if folder.startswith("eddsa") else "Ed25519Signature2020"
    signed = js.sign(load(folder, unsigned_name), suite, W3C_SEED,
                     created=expected["proof"]["created"], test_contexts=True)
    assert signed == expected


def test_reference_signer_reproduces_1edtech_ob_vector(js):
    folder = ("eddsa-rdfc-2022", "1edtech-ob-v3p0")
    expected = load(*folder, "signed-credential.json")
    answer = js.sign_result(load(*folder, "unsigned-credential.json"), "eddsa-rdfc-2022",
                            OB_SEED, created=expected["proof"]["created"],
                            controller=OB_KEYS["controller"])
    assert answer["verificationMethod"] == OB_KEYS["verificationMethod"]
    assert answer["publicKeyMultibase"] == OB_KEYS["publicKeyMultibase"]
    assert answer["signed"]["proof"]["proofValue"] == expected["proof"]["proofValue"]
    assert answer["signed"] == expected


@pytest.mark.parametrize("suite", SUITES)
def test_sign_then_verify_both_suites(js, suite):
    answer = js.sign_result(small_vc(), suite, SEED, created="2024-02-03T04:05:06Z",
                            set_issuer=True)
    signed = answer["signed"]
    did = answer["verificationMethod"].split("#", 1)[0]
    assert did == "did:key:" + answer["publicKeyMultibase"]
    assert signed["issuer"]["id"] == did
    assert signed["proof"]["created"] == "2024-02-03T04:05:06Z"
    assert signed["proof"]["type"] == ("DataIntegrityProof" if suite == "eddsa-rdfc-2022"
                                       else "Ed25519Signature2020")

    good, bad = js.verify_many([signed, tampered(signed)])
    assert_verified(good)
    assert good["warnings"] == []
    assert_refused(bad, "Invalid signature.")

    core = js.verify_core(signed)
    assert_verified(core)
    assert core["warnings"] == ["registered_issuer: issuer not found in any known DID registry"]

    listed = js.verify_core(signed, registry={did: {"name": "Interop Test Issuer",
                                                    "url": "https://issuer.invalid/",
                                                    "location": "Nowhere"}})
    assert_verified(listed)
    assert listed["warnings"] == []


def test_clock_option_applies_validity_window(js):
    signed = js.sign(small_vc(), "eddsa-rdfc-2022", SEED, created="2024-02-03T04:05:06Z",
                     set_issuer=True)
    early = js.verify(signed, now="2023-06-01T00:00:00Z")
    assert_refused(early, 'is before "validFrom" (2024-01-01T00:00:00Z)')
    assert_verified(js.verify(signed, now="2024-06-01T00:00:00Z"))


# --- canonical N-Quads: escaping of control characters ----------------------------------------

CONTROL_DOC = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "urn:uuid:3f1c4a52-0a7b-4e59-9d1c-8f3c1f6b2e77",
    "type": ["VerifiableCredential"],
    "issuer": "did:example:issuer",
    "validFrom": "2024-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:subject"},
    "description": 'a\u0001b\bc\fd\u007fe\tf\ng"h\\i\rj\u001fk\u0000l\u0080m',
}
_HEAD = ("<urn:uuid:3f1c4a52-0a7b-4e59-9d1c-8f3c1f6b2e77> "
         "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
         "<https://www.w3.org/2018/credentials#VerifiableCredential> .\n"
         "<urn:uuid:3f1c4a52-0a7b-4e59-9d1c-8f3c1f6b2e77> <https://schema.org/description> ")
_TAIL = (" .\n"
         "<urn:uuid:3f1c4a52-0a7b-4e59-9d1c-8f3c1f6b2e77> "
         "<https://www.w3.org/2018/credentials#credentialSubject> <did:example:subject> .\n"
         "<urn:uuid:3f1c4a52-0a7b-4e59-9d1c-8f3c1f6b2e77> "
         "<https://www.w3.org/2018/credentials#issuer> <did:example:issuer> .\n"
         "<urn:uuid:3f1c4a52-0a7b-4e59-9d1c-8f3c1f6b2e77> "
         "<https://www.w3.org/2018/credentials#validFrom> "
         '"2024-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n')
# eddsa-rdfc-2022 (rdf-canonize 4, RDFC-1.0 / RDF 1.2 canonical N-Quads): \b \t \n \f \r \" \\
# as ECHAR, every other C0 control and U+007F as \uXXXX with upper-case hex, U+0080 and up raw.
EDDSA_CONTROL_NQUADS = (_HEAD + r'"a\u0001b\bc\fd\u007Fe\tf\ng\"h\\i\rj\u001Fk\u0000l'
                        + '\u0080m"' + _TAIL)
# Ed25519Signature2020 (jsonld.canonize -> rdf-canonize 3.4 bundled in @digitalcredentials/jsonld):
# only " \\ \n \r are escaped; the other control characters are written raw.
ED25519_2020_CONTROL_NQUADS = (_HEAD + '"a\u0001b\bc\fd\u007fe\tf' + r'\ng\"h\\i\rj'
                               + '\u001fk\u0000l\u0080m"' + _TAIL)


def test_reference_escaping_of_control_characters(js):
    answer = js.canonize_all(CONTROL_DOC)
    assert answer["nquads"] == EDDSA_CONTROL_NQUADS
    assert answer["nquads_ed25519_2020"] == ED25519_2020_CONTROL_NQUADS
    assert js.canonize(CONTROL_DOC) == EDDSA_CONTROL_NQUADS


def test_our_canonicalizer_matches_the_reference_escaping(js):
    from issuer.credentials.canonical import Canonicalizer
    from issuer.credentials.loader import DocumentLoader

    ours = Canonicalizer(DocumentLoader(allow_test_contexts=True)).canonize(CONTROL_DOC)
    assert ours == js.canonize(CONTROL_DOC) == EDDSA_CONTROL_NQUADS


@pytest.mark.parametrize("suite", SUITES)
def test_control_characters_survive_a_reference_round_trip(js, suite):
    credential = small_vc()
    credential["credentialSubject"]["achievement"]["description"] = CONTROL_DOC["description"]
    signed = js.sign(credential, suite, SEED, set_issuer=True)
    assert_verified(js.verify(signed))


# --- loopback HTTP: status lists and did:web ---------------------------------------------------

def encoded_list(revoked: set[int], size: int = 131072) -> str:
    bits = bytearray(size // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits))).decode().rstrip("=")


def test_bitstring_status_list_over_loopback(js, loopback):
    answer = js.sign_result(small_vc(), "eddsa-rdfc-2022", SEED, set_issuer=True)
    did = answer["verificationMethod"].split("#", 1)[0]
    list_url = loopback.base + "status/1"
    status_list = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": list_url + "#list", "type": "BitstringStatusList",
                              "statusPurpose": "revocation", "encodedList": encoded_list({7})},
    }
    loopback.put("status/1", js.sign(status_list, "eddsa-rdfc-2022", SEED))

    def with_status(index: int) -> dict:
        credential = small_vc(did)
        credential["credentialStatus"] = {
            "id": f"{list_url}#{index}", "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation", "statusListIndex": str(index),
            "statusListCredential": list_url}
        return js.sign(credential, "eddsa-rdfc-2022", SEED)

    active, revoked = with_status(3), with_status(7)
    allow = [loopback.base]
    ok, bad = js.verify_many([active, revoked], allow_http=allow)
    assert_verified(ok)
    assert ok["results"]["statusResult"]["verified"] is True
    assert bad["verified"] is False
    assert any("status bit set: revocation (index 7" in w for w in bad["warnings"])

    offline = js.verify(active)
    assert_refused(offline, f"offline document loader refuses {list_url}")

    core_ok = js.verify_core(active, allow_http=allow)
    assert_verified(core_ok)
    steps = {step["id"]: step for step in core_ok["result"]["log"]}
    assert steps["revocation_status"]["valid"] is True
    core_bad = js.verify_core(revoked, allow_http=allow)
    assert core_bad["verified"] is False
    assert "revocation_status: not valid" in core_bad["errors"]
    assert "/status/1" in loopback.requests


@pytest.mark.parametrize("suite", SUITES)
def test_did_web_over_loopback(js, loopback, suite):
    did = loopback.did_web
    answer = js.sign_result(small_vc(), suite, SEED, controller=did,
                            verification_method=did + "#key-1", set_issuer=True)
    loopback.put(".well-known/did.json", {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [{"id": did + "#key-1", "type": "Multikey", "controller": did,
                                "publicKeyMultibase": answer["publicKeyMultibase"]}],
        "assertionMethod": [did + "#key-1"],
    })
    signed = answer["signed"]
    assert signed["proof"]["verificationMethod"] == did + "#key-1"
    assert_verified(js.verify(signed, allow_http=[loopback.base]))
    assert_verified(js.verify_core(signed, allow_http=[loopback.base]))
    assert_refused(js.verify(signed), "not allowlisted")


def test_only_loopback_prefixes_are_accepted(js):
    with pytest.raises(harness.ReferenceError_, match="not an http://127.0.0.1:<port>/ prefix"):
        js.verify(small_vc(), allow_http=["https://example.org/"])


def test_unknown_remote_context_is_never_fetched(js):
    credential = small_vc("did:example:x")
    credential["@context"].append("https://example.org/contexts/unknown.jsonld")
    with pytest.raises(harness.ReferenceError_,
                       match="refuses https://example.org/contexts/unknown.jsonld"):
        js.sign(credential, "eddsa-rdfc-2022", SEED)
    credential["proof"] = load("eddsa-rdfc-2022", "signedDataInt.json")["proof"]
    assert_refused(js.verify(credential), "refuses https://example.org/contexts/unknown.jsonld")


# --- one-shot command-line mode ------------------------------------------------------------------

def test_command_line_mode_exits_zero_on_failed_verification():
    harness.ensure_installed()
    signed = load("eddsa-rdfc-2022", "signedDataInt.json")
    single = harness.run("verify", {"credential": tampered(signed), "testContexts": True,
                                    "checkIssuer": False})
    assert single["verified"] is False
    both = harness.run_batch("verify", [
        {"credential": signed, "testContexts": True, "checkIssuer": False},
        {"credential": tampered(signed), "testContexts": True, "checkIssuer": False}])
    assert [r["verified"] for r in both] == [True, False]


def test_js_bench_prints_one_json_line(js):
    bench = harness.REPO_ROOT / "bench" / "js_bench.mjs"
    unsigned = VECTORS / "eddsa-rdfc-2022" / "1edtech-ob-v3p0" / "unsigned-credential.json"
    done = subprocess.run([harness.node_path(), str(bench), str(unsigned), OB_SEED, "0.2"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["sign_per_s"] > 0 and figures["verify_per_s"] > 0
    assert figures["n_sign"] >= 1 and figures["n_verify"] >= 1
    assert figures["purpose"] == "AssertionProofPurpose"
