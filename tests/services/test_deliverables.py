"""What an offer carries, by kind: an endorsement goes to its recipient's wallet exactly as it was
signed (its subject is what it endorses, never the wallet), once accepted and while not revoked;
only the person it is for (of them, or of their badge) can offer it; every step is logged on the
endorsement; the table of kinds is the one place the OpenID4VCI configurations come from."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from issuer.services import delivery, endorsing, people, recognition
from issuer.services.errors import Forbidden, NotFound, WalletRefused
from issuer.storage import Award, CredentialOffer, IssuedCredential, User, get_session

HOLDER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
_numbers = itertools.count()


def new_person(session, platform) -> User:
    n = next(_numbers)
    return people.create_user(session, platform, handle=f"endorser{n}", email=f"endorser{n}@example.org",
                              display_name=f"Endorser {n}", password="a-long-password-1")


def endorsement_for(app, *, consent: str | None = "accepted", of_badge: bool = False,
                    recipient: str = "chen") -> tuple[str, int]:
    """(credential id, recipient id) of a new endorsement of ``recipient`` (or of one of their
    accepted badges), by a new person, with the recipient's ``consent`` (None: still pending)."""
    with app.app_context():
        session, platform = get_session(), app.extensions["issuer.platform"]
        person = session.scalar(select(User).where(User.handle == recipient))
        endorser = new_person(session, platform)
        if of_badge:
            badge = session.scalar(select(Award).where(
                Award.kind == "badge", Award.recipient_user_id == person.id,
                Award.consent == "accepted", Award.revoked_at.is_(None), Award.visibility == "public"))
            subject = endorsing.credential_subject(session, endorser, badge.id)
        else:
            subject = endorsing.person_subject(endorser, person)
        row = endorsing.endorse(session, platform, endorser, subject,
                                endorsing.points("Hosts the best sessions & keeps notes {tidy}."))
        if consent is not None:
            recognition.set_consent(session, person, row.id, consent)
        return row.id, person.id


@pytest.mark.parametrize("of_badge", [False, True], ids=["of-a-person", "of-their-badge"])
def test_the_endorsed_person_takes_an_accepted_endorsement_to_a_wallet_as_signed(demo, of_badge):
    row_id, recipient_id = endorsement_for(demo, of_badge=of_badge)
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        row = session.get(IssuedCredential, row_id)
        assert delivery.deliverable(row).bound is False
        offer, secret = delivery.create_offer(session, platform, session.get(User, recipient_id), row)
        assert (offer.credential_id, offer.award_id) == (row_id, row_id)
        opened, code = delivery.open_offer(session, secret)
        _, token, _ = delivery.redeem_code(session, code)
        sent = delivery.deliver(session, platform, token, None)  # no key proof: none is asked for
        assert sent.id == row_id and sent.signed_json == row.signed_json  # not a copy, not re-signed
        assert session.scalar(select(IssuedCredential).where(
            IssuedCredential.award_id == row_id, IssuedCredential.holder_did.is_not(None))) is None
        assert [(e.kind, e.holder_did) for e in delivery.events(session, row.award)] == \
            [("offer-created", None), ("sent-as-signed", None)]
        with pytest.raises(WalletRefused):
            delivery.deliver(session, platform, token, None)
        with pytest.raises(WalletRefused):
            delivery.open_offer(session, secret)


def test_only_the_endorsed_person_can_offer_it(demo):
    row_id, recipient_id = endorsement_for(demo)
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        row = session.get(IssuedCredential, row_id)
        author = session.get(User, row.award.author_user_id)
        for someone in (author, session.scalar(select(User).where(User.handle == "amara"))):
            with pytest.raises(NotFound) as refused:
                delivery.create_offer(session, platform, someone, row)
            assert refused.value.code == "offer.not-yours"
        assert session.scalar(select(CredentialOffer).where(CredentialOffer.credential_id == row_id)) is None


@pytest.mark.parametrize("state", ["pending", "declined", "revoked"])
def test_a_pending_declined_or_revoked_endorsement_cannot_be_offered(demo, state):
    consent = {"pending": None, "declined": "declined", "revoked": "accepted"}[state]
    row_id, recipient_id = endorsement_for(demo, consent=consent)
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        row = session.get(IssuedCredential, row_id)
        if state == "revoked":
            endorsing.revoke_endorsement(session, platform, session.get(User, row.award.author_user_id),
                                         row_id, "Changed my mind.")
        with pytest.raises(Forbidden) as refused:
            delivery.create_offer(session, platform, session.get(User, recipient_id), row)
        assert refused.value.code == ("offer.revoked" if state == "revoked" else "offer.not-accepted")
        assert refused.value.params["what"] == "endorsement"


def test_an_endorsement_revoked_after_its_offer_is_not_delivered(demo):
    row_id, recipient_id = endorsement_for(demo)
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        row = session.get(IssuedCredential, row_id)
        _, secret = delivery.create_offer(session, platform, session.get(User, recipient_id), row)
        _, code = delivery.open_offer(session, secret)
        _, token, _ = delivery.redeem_code(session, code)
        endorsing.revoke_endorsement(session, platform, session.get(User, row.award.author_user_id),
                                     row_id, "Changed my mind.")
        with pytest.raises(Forbidden):
            delivery.deliver(session, platform, token, None)
        session.rollback()
        assert [e.kind for e in delivery.events(session, row.award)] == ["offer-created"]


def test_an_endorsement_of_an_achievement_has_no_person_to_offer_it(demo):
    with demo.app_context():
        session = get_session()
        rows = session.scalars(select(Award).where(Award.kind == "endorsement",
                                                   Award.recipient_user_id.is_(None))).all()
        for award in rows:
            for user in session.scalars(select(User)):
                assert delivery.offerable(award.credential, user) is None


def test_a_credential_kind_outside_the_table_is_refused_by_name(demo):
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        badge = session.scalar(select(Award).where(Award.kind == "badge", Award.consent == "accepted"))
        row = badge.credential
        row.kind = "BitstringStatusListCredential"  # not a row of delivery.DELIVERABLES
        with pytest.raises(Forbidden) as refused:
            delivery.create_offer(session, platform, session.get(User, badge.recipient_user_id), row)
        assert (refused.value.code, refused.value.params["kind"]) == \
            ("offer.not-deliverable", "BitstringStatusListCredential")
        session.rollback()


def test_each_kind_in_the_table_has_its_own_configuration_id(demo):
    ids = [kind.configuration_id for kind in delivery.DELIVERABLES.values()]
    assert len(set(ids)) == len(ids)
    assert {kind: d.bound for kind, d in delivery.DELIVERABLES.items()} == {
        "OpenBadgeCredential": True, "EndorsementCredential": False, "ClrCredential": False}
    for kind, entry in delivery.DELIVERABLES.items():
        assert entry.type == kind and entry.configuration_id == f"{kind}_ldp_vc"
