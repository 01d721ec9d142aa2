"""The verdict wording: every combination of signature × key control × status reads as one
coherent story under one headline — a failed signature never sits beside an unexplained
"Passed: … the key belongs to them"."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timezone

import pytest

from issuer.credentials.results import FAILED, OK, UNCHECKED, UNSUPPORTED, VerificationResult
from issuer.explain import IssuerName, explain, verdict_of

ISSUER = "did:example:lea"
NAMES = {ISSUER: IssuerName("Lea", "community")}
SIGNATURES = {"passed": (OK, "eddsa-rdfc-2022 signature is valid"),
              "failed": (FAILED, "the signature does not match the document")}
KEYS = {"passed": (OK, "the key belongs to did:example:lea"),
        "failed": (FAILED, "the key belongs to did:key:zMallory, not to the issuer did:example:lea"),
        "unsupported": (UNSUPPORTED, "its DID method is not one this service resolves"),
        "absent": None}
STATUSES = {"active": (OK, "not revoked"), "revoked": (FAILED, "revoked"),
            "suspended": (FAILED, "suspended"),
            "unsupported": (UNSUPPORTED, "its status is of the type X, which this service cannot check")}
OUTCOME_WORDS = {"ok": "Passed", "failed": "Failed", "unchecked": "Not checked",
                 "unsupported": "Cannot be checked here"}
COMBINATIONS = list(itertools.product(SIGNATURES, KEYS, STATUSES))


def result_of(signature: str, key: str, state: str) -> VerificationResult:
    found = VerificationResult("urn:uuid:1", ISSUER, ["VerifiableCredential", "OpenBadgeCredential"])
    found.add("structure", OK, "well-formed")
    found.add("proof", *SIGNATURES[signature])
    if KEYS[key]:
        found.add("issuer", *KEYS[key])
    found.add("status", *STATUSES[state])
    found.add("validity", OK, "valid from 2026-05-03T10:00:00Z, no end date")
    return found


def said(explained: dict) -> list[str]:
    """Each line as the page shows it: its outcome in words, then its sentence."""
    return [f"{OUTCOME_WORDS[line['tone']]}: {line['text']}" for line in explained["checks"]]


@pytest.mark.parametrize("signature,key,state", COMBINATIONS)
def test_every_combination_reads_coherently(signature, key, state):
    result = result_of(signature, key, state)
    explained = explain(result, issuers=NAMES)
    lines = said(explained)
    text = " ".join(lines)
    # Lea is named as the signer only when her key made a valid signature.
    if not (signature == "passed" and key == "passed"):
        assert "Signed by Lea" not in text and "since Lea signed it" not in text, lines
    if signature == "failed":
        assert "nothing was changed" not in text
        key_lines = [line for line in lines if "key" in line and "signature" not in line.lower()[:20]]
        if key == "passed":  # the pair is explained, not left to look contradictory
            [line] = [line for line in lines if line.startswith("Passed: The key it names")]
            assert "does not match what that key signed" in line and "changed after signing" in line
        assert key_lines or key == "absent"
    if key == "failed":
        assert any(line.startswith("Failed: The signing key does not belong to Lea") for line in lines)
    if key == "unsupported":
        assert any(line.startswith("Cannot be checked here: Whether the key belongs to Lea")
                   for line in lines)
    for line in lines:  # a passed line never reports a problem
        if line.startswith("Passed:"):
            assert not re.search(r"not valid|does not belong|was revoked|was suspended", line), line
    # One headline: the verdict, and the one reason that decides it.
    overall = verdict_of(result)
    assert explained["verdict"] == {OK: "Verified", FAILED: "Not verified",
                                    UNSUPPORTED: "Cannot be checked here"}[overall]
    reason = explained["reason"]
    assert reason and reason.endswith(".") and "\n" not in reason
    if overall == OK:
        assert (signature, state) == ("passed", "active") and key in ("passed", "absent")
        assert reason == "Every check below passed."
    elif signature == "failed":
        assert reason.startswith("Its signature does not match its content")
    elif key == "failed":
        assert reason == "It was not signed with a key of Lea."
    elif state in ("revoked", "suspended"):
        assert reason == f"Lea {STATUSES[state][1]} it."
    elif key == "unsupported":
        assert reason == "Whether the signing key belongs to Lea cannot be checked here."
    else:
        assert reason == "Whether it was revoked cannot be checked here."
    if state in ("revoked", "suspended"):
        assert f"Failed: It was {STATUSES[state][1]}." in lines
        assert explained["revocation"]["word"] == STATUSES[state][1]
    else:
        assert explained["revocation"] is None


@pytest.mark.parametrize("signature,key,state", COMBINATIONS)
def test_every_combination_renders_one_headline(app, signature, key, state):
    explained = explain(result_of(signature, key, state), issuers=NAMES)
    with app.app_context():
        macro = app.jinja_env.get_template("verify/_explanation.html").module.explanation
        html = str(macro(explained))
    assert len(re.findall(r'<p class="verdict \w+" role="status">', html)) == 1
    assert html.count('<p class="verdict-reason">') == 1
    assert html.index('class="verdict ') < html.index("verdict-reason") < html.index('class="check ')


def test_an_unchecked_signature_does_not_read_as_signed():
    result = VerificationResult("urn:uuid:1", ISSUER, ["VerifiableCredential"])
    result.add("structure", OK, "well-formed")
    result.add("issuer", OK, "the key belongs to did:example:lea")
    result.add("proof", UNCHECKED, "context not available offline")
    explained = explain(result, issuers=NAMES)
    assert ("Passed: The key it names belongs to Lea (community); whether that key signed this "
            "content could not be checked.") in said(explained)
    assert explained["verdict"] == "Could not be fully checked"
    assert explained["reason"] == "Its signature could not be checked."


def test_a_valid_signature_by_someone_elses_key_is_not_lea_signing():
    explained = explain(result_of("passed", "failed", "active"), issuers=NAMES)
    assert ("Passed: The signature is valid for the key it names: nothing was changed since that "
            "key signed it.") in said(explained)
    assert ("Failed: The signing key does not belong to Lea (community): the key belongs to "
            "did:key:zMallory, not to the issuer did:example:lea, so Lea did not sign it.") in said(explained)


def test_a_revocation_we_may_tell_has_its_date_and_reason():
    when = datetime(2026, 5, 3, 9, 30, tzinfo=timezone.utc)
    explained = explain(result_of("passed", "passed", "revoked"), issuers=NAMES,
                        revoked_on=when, revocation_reason="duplicate")
    assert explained["revocation"] == {"word": "revoked", "by": "Lea", "ours": True,
                                       "date": "3 May 2026", "reason": "duplicate"}
    assert explained["reason"] == "Lea revoked it on 3 May 2026."
    assert "Failed: It was revoked (duplicate)." in said(explained)


def test_what_storage_tells_wins_over_a_status_list_that_could_not_be_read():
    """Our own revocation, told from storage, is never headlined as 'could not be checked'."""
    result = result_of("passed", "passed", "active")
    result.checks = [c for c in result.checks if c.name != "status"]
    result.add("status", UNCHECKED, "status list could not be retrieved")
    explained = explain(result, issuers=NAMES, revoked_on=datetime(2026, 5, 3, tzinfo=timezone.utc),
                        revocation_reason="duplicate")
    assert explained["revocation"]["date"] == "3 May 2026"
    assert explained["reason"] == "Lea revoked it on 3 May 2026."
