"""Verifier.verify_presentation: the presentation's own proof and each credential it carries, in
one result whose VC-API body names every credential that is not verified."""

from __future__ import annotations

import copy

import pytest

from issuer.credentials import keys, proof
from issuer.credentials.results import PresentationResult
from issuer.credentials.verify import KeyUnavailable

from .test_verify import Signer, canon, did_key_resolver, make_verifier  # noqa: F401  (canon: a fixture)

VC2 = "https://www.w3.org/ns/credentials/v2"
JWT = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6ZXhhbXBsZToxIn0.c2ln"  # a VC-JWT: unsupported here


def presentation(canon, *credentials, challenge=None, domain=None, sign=True):
    holder = keys.generate_private_key()
    did = keys.did_key(holder.public_key())
    vp = {"@context": [VC2], "type": ["VerifiablePresentation"], "holder": did,
          "verifiableCredential": list(credentials)}
    if not sign:
        return vp
    return proof.add_proof(vp, holder, verification_method=keys.did_key_vm_id(did), canonicalizer=canon,
                           proof_purpose="authentication", challenge=challenge, domain=domain,
                           created="2026-01-01T00:00:00Z")


@pytest.fixture(scope="module")
def badge(canon):
    signer = Signer(canon)
    return signer.sign(signer.badge())


def test_signed_presentation_of_a_valid_badge_is_verified(canon, badge):
    vp = presentation(canon, badge, challenge="c-1", domain="example.org")
    result = make_verifier(canon).verify_presentation(vp, challenge="c-1", domain="example.org")
    assert isinstance(result, PresentationResult) and result.verified
    body = result.to_vcapi()
    assert body["verified"] is True and body["errors"] == []
    assert "proof" in body["checks"]
    assert [r["verified"] for r in body["credentialResults"]] == [True]


@pytest.mark.parametrize(("options", "problem"), [
    ({"challenge": "other"}, "INVALID_CHALLENGE_ERROR"),
    ({"challenge": "c-1", "domain": "elsewhere.org"}, "INVALID_DOMAIN_ERROR"),
])
def test_challenge_and_domain_must_match_the_presentation_proof(canon, badge, options, problem):
    vp = presentation(canon, badge, challenge="c-1", domain="example.org")
    result = make_verifier(canon).verify_presentation(vp, **options)
    assert not result.verified and result.credentials[0].verified  # the credential is still fine
    [error] = result.to_vcapi()["errors"]
    assert error["check"] == "proof" and error["problem"].endswith(problem)


def test_each_credential_not_verified_gets_an_error_entry_with_its_outcome(canon, badge):
    tampered = copy.deepcopy(badge)
    tampered["name"] = "changed"
    vp = presentation(canon, badge, tampered, JWT)
    result = make_verifier(canon).verify_presentation(vp)
    body = result.to_vcapi()
    assert result.presentation.verified and not result.verified and body["verified"] is False
    assert [(e["check"], e["outcome"], e["message"]) for e in body["errors"]] == [
        ("credential", "failed", "verifiableCredential[1] does not verify"),
        ("credential", "unsupported", "verifiableCredential[2] is of a kind this service cannot "
                                      "check (see credentialResults)")]
    assert [r["verified"] for r in body["credentialResults"]] == [True, False, False]


def test_a_credential_that_could_not_be_fully_checked_is_worded_so(canon, badge):
    def offline(vm_id):
        if vm_id.split("#")[0] == badge["issuer"]["id"]:
            raise KeyUnavailable("offline")
        return did_key_resolver(vm_id)

    result = make_verifier(canon, resolve_key=offline).verify_presentation(presentation(canon, badge))
    [error] = result.to_vcapi()["errors"]
    assert error == {"check": "credential", "outcome": "could not check", "message":
                     "verifiableCredential[0] could not be fully checked (see credentialResults)"}


def test_an_unsigned_presentation_is_never_verified_even_when_its_credentials_are(canon, badge):
    result = make_verifier(canon).verify_presentation(presentation(canon, badge, sign=False))
    assert result.credentials[0].verified and not result.verified
    assert result.to_vcapi()["errors"][0]["message"] == "the presentation is not signed: it has no proof"


def test_named_checks_apply_to_credentials_and_the_presentation_proof_always_runs(canon, badge):
    vp = presentation(canon, badge)
    result = make_verifier(canon).verify_presentation(vp, checks=frozenset({"validity"}))
    assert {c.name for c in result.presentation.checks} >= {"structure", "proof"}
    assert {c.name for c in result.credentials[0].checks} == {"structure", "validity"}


def test_a_single_credential_not_in_a_list_is_verified_too(canon, badge):
    vp = presentation(canon, badge)
    vp_single = {**vp, "verifiableCredential": badge}
    result = make_verifier(canon).verify_presentation(vp_single)
    assert len(result.credentials) == 1 and result.credentials[0].verified


@pytest.mark.parametrize("garbage", [None, "text", [], 7, {"verifiableCredential": "x"}])
def test_verify_presentation_never_raises(canon, garbage):
    result = make_verifier(canon).verify_presentation(garbage)
    assert not result.verified and result.to_vcapi()["verified"] is False
