"""Badges name their recipient with consent: the display name and a salted hash of the e-mail
address (OB 3.0 IdentityObjects), a fresh salt for every credential, on custodial and wallet
copies alike; with consent off nothing that identifies the person is in what is signed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
from sqlalchemy import select

from issuer.credentials import identity
from issuer.services import badges, delivery, identity as consent, verifying
from issuer.storage import Achievement, Award, User, get_session

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "ob_v3p0" / "ob_v3p0_achievementcredential_schema.json"
HOLDER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def _people(session, *handles):
    return [session.scalar(select(User).where(User.handle == h)) for h in handles]


def _give(session, platform, recipient, name="Session host"):
    achievement = session.scalar(select(Achievement).where(Achievement.name == name))
    leader, = _people(session, "amara")
    return badges.issue_badge(session, platform, achievement=achievement, recipient=recipient,
                              author=leader)


def _identifiers(row) -> list[dict]:
    return json.loads(row.signed_json)["credentialSubject"].get("identifier", [])


def _email_entry(row) -> dict:
    return next(i for i in _identifiers(row) if i["identityType"] == "emailAddress")


def test_the_hash_in_an_issued_badge_is_the_recipients_address_with_its_salt(demo):
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        dana, = _people(session, "dana")
        assert dana.identify_in_badges  # on by default
        row = _give(session, platform, dana)
        name, email = _identifiers(row)
        assert name == {"type": "IdentityObject", "identityType": "name", "hashed": False,
                        "identityHash": "Dana Fischer"}
        assert email["type"] == "IdentityObject" and email["hashed"] is True
        assert len(email["salt"]) == 32
        expected = hashlib.sha256(("dana@demo.example" + email["salt"]).encode()).hexdigest()
        assert email["identityHash"] == "sha256$" + expected
        document = json.loads(row.signed_json)
        assert "dana@demo.example" not in row.signed_json
        assert identity.check_identifier(document, "emailAddress", "dana@demo.example") == "matches"
        for other in ("bram@demo.example", "dana@demo.example.org", "dana@demo"):
            assert identity.check_identifier(document, "emailAddress", other) == "does not match"
        assert verifying.verifier(session, platform, fetch=False).verify(document).verified
        jsonschema.Draft201909Validator(json.loads(SCHEMA.read_text())).validate(document)


def test_every_credential_gets_its_own_salt(demo):
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        chen, = _people(session, "chen")
        first, second = (_give(session, platform, chen, n) for n in ("Session host", "FAQ gardener"))
        salts = {_email_entry(first)["salt"], _email_entry(second)["salt"]}
        hashes = {_email_entry(first)["identityHash"], _email_entry(second)["identityHash"]}
        assert len(salts) == 2 and len(hashes) == 2


def test_with_consent_off_nothing_identifying_is_signed(demo):
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        bram, = _people(session, "bram")
        consent.set_identify_in_badges(session, bram, False)
        session.expire_all()
        bram, = _people(session, "bram")
        assert bram.identify_in_badges is False
        row = _give(session, platform, bram, "Newcomer guide")
        document = json.loads(row.signed_json)
        assert "identifier" not in document["credentialSubject"]
        assert document["credentialSubject"]["id"] == bram.issuer.did
        for leak in ("Bram de Vries", "bram@demo.example", "emailAddress", "IdentityObject"):
            assert leak not in row.signed_json, leak
        consent.set_identify_in_badges(session, bram, True)


def test_badges_signed_before_the_setting_changed_stay_as_signed(demo):
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        chen, = _people(session, "chen")
        before = _give(session, platform, chen, "Newcomer guide")
        text = before.signed_json
        consent.set_identify_in_badges(session, chen, False)
        session.refresh(before)
        assert before.signed_json == text and _identifiers(before)
        consent.set_identify_in_badges(session, chen, True)


def test_a_wallet_copy_gets_a_fresh_salt_or_nothing_as_the_recipient_consents_now(demo):
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        dana, = _people(session, "dana")
        award = session.get(Award, _give(session, platform, dana, "FAQ gardener").id)
        award.consent = "accepted"
        session.commit()
        copy = delivery.sign_holder_copy(session, platform, award, HOLDER)
        custodial, signed = _email_entry(award.credential), _email_entry(copy)
        assert signed["salt"] != custodial["salt"]
        document = json.loads(copy.signed_json)
        assert document["credentialSubject"]["id"] == HOLDER
        assert identity.check_identifier(document, "emailAddress", "dana@demo.example") == "matches"
        assert identity.names_in(document) == ["Dana Fischer"]
        assert verifying.verifier(session, platform, fetch=False).verify(document).verified

        consent.set_identify_in_badges(session, dana, False)
        other = delivery.sign_holder_copy(session, platform, award, HOLDER + "x")
        assert "identifier" not in json.loads(other.signed_json)["credentialSubject"]
        assert "Dana Fischer" not in other.signed_json
        consent.set_identify_in_badges(session, dana, True)
