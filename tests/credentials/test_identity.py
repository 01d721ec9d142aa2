"""OB 3.0 IdentityObjects: the IdentityHash rule, and matching a known value as the OB
verification section says (skip other types; hash with the salt; plain text compared)."""

from __future__ import annotations

import hashlib

import pytest

from issuer.credentials import identity
from issuer.credentials.identity import ABSENT, EMAIL, MATCHES, NO_MATCH


def credential(*identifiers) -> dict:
    return {"credentialSubject": {"type": ["AchievementSubject"], "identifier": list(identifiers)}}


def test_the_identity_hash_is_the_ob_example():
    # OB 3.0 IdentityHash: SHA-256 of 'a@example.com' salted with 'Kosher'
    assert identity.identity_hash("a@example.com", "Kosher") == \
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"


def test_an_email_identifier_hashes_the_trimmed_lower_cased_address_with_its_salt():
    made = identity.email_identifier("  Dana.Jansen@Example.ORG ", "f00d")
    assert made == {"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
                    "salt": "f00d", "identityHash": "sha256$" + hashlib.sha256(
                        b"dana.jansen@example.orgf00d").hexdigest()}
    assert "example" not in made["identityHash"].lower()
    with pytest.raises(ValueError):
        identity.email_identifier("dana@example.org", "")


def test_a_name_identifier_is_plain_text():
    assert identity.name_identifier("Dana Jansen") == {
        "type": "IdentityObject", "identityType": "name", "hashed": False,
        "identityHash": "Dana Jansen"}


def test_the_address_matches_and_another_does_not():
    document = credential(identity.name_identifier("Dana Jansen"),
                          identity.email_identifier("dana@example.org", "s4lt"))
    assert identity.check_identifier(document, EMAIL, "dana@example.org") == MATCHES
    assert identity.check_identifier(document, EMAIL, " DANA@example.org ") == MATCHES
    assert identity.check_identifier(document, EMAIL, "dana@example.com") == NO_MATCH
    assert identity.check_identifier(document, EMAIL, "Dana Jansen") == NO_MATCH  # a name is not an address


def test_no_fingerprint_is_absent_not_a_mismatch():
    assert identity.check_identifier({}, EMAIL, "dana@example.org") == ABSENT
    assert identity.check_identifier(credential(identity.name_identifier("Dana")), EMAIL,
                                     "dana@example.org") == ABSENT
    sha1 = {"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
            "identityHash": "sha1$" + hashlib.sha1(b"dana@example.org").hexdigest()}
    assert identity.check_identifier(credential(sha1), EMAIL, "dana@example.org") == ABSENT


def test_identifiers_made_elsewhere_match_as_ob_says():
    upper_md5 = {"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
                 "identityHash": "MD5$" + hashlib.md5(b"Ada@Example.orgpepper").hexdigest().upper(),
                 "salt": "pepper"}
    no_salt = {"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
               "identityHash": "sha256$" + hashlib.sha256(b"bo@example.org").hexdigest()}
    plain = {"type": "IdentityObject", "identityType": "emailAddress", "hashed": False,
             "identityHash": "Cy@Example.org"}
    document = credential(upper_md5, no_salt, plain)
    for known in ("Ada@Example.org", "bo@example.org", "cy@example.org"):
        assert identity.check_identifier(document, EMAIL, known) == MATCHES, known
    assert identity.check_identifier(document, EMAIL, "ada@example.org") == NO_MATCH  # hashed as given
    single = {"credentialSubject": {"identifier": no_salt}}  # one object, not an array
    assert identity.check_identifier(single, EMAIL, "bo@example.org") == MATCHES


def test_crafted_identifiers_are_answered_not_raised():
    odd = [{"identityType": "emailAddress", "hashed": True, "identityHash": "sha256$ü"},
           {"identityType": "emailAddress", "hashed": "yes", "identityHash": "x"},
           {"identityType": "emailAddress", "hashed": True, "identityHash": 7}, "not an object"]
    assert identity.check_identifier(credential(*odd), EMAIL, "dana@example.org") == NO_MATCH
    assert identity.check_identifier({"credentialSubject": "x"}, EMAIL, "a@b") == ABSENT


def test_names_are_the_plain_name_identifiers_once_each():
    document = credential(identity.name_identifier("Dana Jansen"),
                          identity.name_identifier("Dana Jansen"),
                          {"identityType": "name", "hashed": True, "identityHash": "sha256$00"},
                          identity.email_identifier("dana@example.org", "s"),
                          identity.name_identifier("  "))
    assert identity.names_in(document) == ["Dana Jansen"]
    assert identity.names_in({"credentialSubject": {"id": "did:example:dana"}}) == []
