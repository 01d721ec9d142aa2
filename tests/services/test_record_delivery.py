"""A person's signed record (CLR 2.0) to their wallet: it goes exactly as the platform signed it
(made out to their DID already, so no key proof is asked), only the person it is about can offer
it, a revoked record cannot go, every secret works once, and the delivered offers are the
record's log (it has no award), kept when expired offers are purged."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from issuer.credentials import clr
from issuer.services import delivery, issuing, record
from issuer.services.errors import Forbidden, NotFound, WalletRefused
from issuer.storage import CredentialOffer, IssuedCredential, Issuer, User, get_session

def person(session, handle: str) -> User:
    return session.scalar(select(User).where(User.handle == handle))


def new_record(app, handle: str = "bram") -> str:
    """The id of a new record of all of ``handle``'s public items."""
    with app.app_context():
        session = get_session()
        return record.issue_record(session, app.extensions["issuer.platform"], person(session, handle)).id


def endorser_inside(session, row: IssuedCredential) -> User:
    """A person of this service who wrote an endorsement inside the record (so their DID is in it)."""
    for endorsement in json.loads(row.signed_json)["endorsement"]:
        issuer = session.scalar(select(Issuer).where(Issuer.did == endorsement["issuer"]["id"]))
        if issuer is not None and issuer.kind == "person":
            return session.scalar(select(User).where(User.issuer_id == issuer.id))
    raise AssertionError("no endorsement by a person inside the record")


def test_the_person_takes_their_record_to_a_wallet_exactly_as_signed_once(demo):
    row_id = new_record(demo)
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        row, bram = session.get(IssuedCredential, row_id), person(session, "bram")
        assert delivery.offerable(row, bram) is delivery.DELIVERABLES["ClrCredential"]
        assert delivery.deliverable(row).bound is False
        offer, secret = delivery.create_offer(session, platform, bram, row)
        assert (offer.credential_id, offer.award_id, offer.created_by) == (row_id, None, bram.id)
        _, code = delivery.open_offer(session, secret)
        _, token, _ = delivery.redeem_code(session, code)
        sent = delivery.deliver(session, platform, token, None)  # no key proof: none is asked for
        assert sent.id == row_id and sent.signed_json == row.signed_json  # not a copy, not re-signed
        assert clr.subject_id(json.loads(sent.signed_json)) == bram.issuer.did
        assert session.scalar(select(IssuedCredential).where(
            IssuedCredential.holder_did.is_not(None), IssuedCredential.kind == "ClrCredential")) is None
        for replay in (lambda: delivery.open_offer(session, secret),
                       lambda: delivery.redeem_code(session, code),
                       lambda: delivery.deliver(session, platform, token, None)):
            with pytest.raises(WalletRefused):
                replay()
        session.rollback()
        session.expire_all()
        assert [(s.holder_did, s.at is not None) for s in delivery.sent(session, row)] == [(None, True)]


def test_a_key_proof_sent_anyway_is_not_read_and_binds_nothing(demo):
    row_id = new_record(demo)
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        row = session.get(IssuedCredential, row_id)
        offer, secret = delivery.create_offer(session, platform, person(session, "bram"), row)
        _, code = delivery.open_offer(session, secret)
        _, token, _ = delivery.redeem_code(session, code)
        sent = delivery.deliver(session, platform, token, "not.a.jwt")
        assert sent.signed_json == row.signed_json
        session.refresh(offer)
        assert offer.delivered_at is not None and offer.holder_did is None


def test_only_the_person_the_record_is_about_can_offer_it(demo):
    row_id = new_record(demo)
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        row = session.get(IssuedCredential, row_id)
        inside = endorser_inside(session, row)  # their DID is in the record, as an endorser
        for someone in (person(session, "amara"), person(session, "chen"), inside):
            assert delivery.offerable(row, someone) is None
            with pytest.raises(NotFound) as refused:
                delivery.create_offer(session, platform, someone, row)
            assert refused.value.code == "offer.not-yours"
        assert delivery.offerable(row, None) is None
        assert session.scalar(select(CredentialOffer).where(CredentialOffer.credential_id == row_id)) is None


def test_a_revoked_record_cannot_be_offered_nor_delivered_after_its_offer(demo):
    offered, revoked = new_record(demo), new_record(demo)
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        bram = person(session, "bram")
        row = session.get(IssuedCredential, offered)
        _, secret = delivery.create_offer(session, platform, bram, row)
        _, code = delivery.open_offer(session, secret)
        _, token, _ = delivery.redeem_code(session, code)
        issuing.revoke(session, platform, row, "Made by mistake.")
        with pytest.raises(Forbidden):
            delivery.deliver(session, platform, token, None)
        session.rollback()
        later = session.get(IssuedCredential, revoked)
        issuing.revoke(session, platform, later, "Replaced by a newer record.")
        assert delivery.offerable(later, bram) is None
        with pytest.raises(Forbidden) as refused:
            delivery.create_offer(session, platform, bram, later)
        assert (refused.value.code, refused.value.params["what"]) == ("offer.revoked", "record")


def test_the_record_configuration_names_the_contexts_a_record_is_issued_with(demo):
    row_id = new_record(demo)
    with demo.app_context():
        document = json.loads(get_session().get(IssuedCredential, row_id).signed_json)
    kind = delivery.DELIVERABLES["ClrCredential"]
    assert list(kind.contexts) == document["@context"]
    assert (kind.configuration_id, kind.type, kind.what) == ("ClrCredential_ldp_vc", "ClrCredential", "record")
    assert kind.type in document["type"]


def test_purging_keeps_a_delivered_record_offer_its_only_log_and_deletes_the_rest(demo):
    row_id = new_record(demo)
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        row, bram = session.get(IssuedCredential, row_id), person(session, "bram")
        delivered, secret = delivery.create_offer(session, platform, bram, row)
        _, code = delivery.open_offer(session, secret)
        _, token, _ = delivery.redeem_code(session, code)
        delivery.deliver(session, platform, token, None)
        unused, _ = delivery.create_offer(session, platform, bram, row)
        delivered_id, unused_id = delivered.id, unused.id
        long_ago = delivery.now_utc() - delivery.RETENTION - timedelta(hours=1)
        for offer_id in (delivered_id, unused_id):
            session.execute(update(CredentialOffer).where(CredentialOffer.id == offer_id).values(
                created_at=long_ago - delivery.OFFER_LIFETIME, expires_at=long_ago))
        session.commit()
        delivery.purge_expired(session)
        session.expire_all()
        assert session.get(CredentialOffer, unused_id) is None
        assert session.get(CredentialOffer, delivered_id) is not None
        assert len(delivery.sent(session, row)) == 1


def test_a_persons_records_are_theirs_only_newest_first(demo):
    first, second = new_record(demo), new_record(demo)
    with demo.app_context():
        session = get_session()
        bram = person(session, "bram")
        mine = [r.id for r in record.records_of(session, bram)]
        assert mine.index(second) < mine.index(first)
        assert all(clr.subject_id(json.loads(session.get(IssuedCredential, r).signed_json)) == bram.issuer.did
                   for r in mine)
        inside = endorser_inside(session, session.get(IssuedCredential, first))
        assert not {first, second} & {r.id for r in record.records_of(session, inside)}
        assert len(record.records_of(session, bram, limit=1)) == 1
