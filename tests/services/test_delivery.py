"""Copies of an award bound to a holder's DID, and the offers that lead to them: only the
recipient of an accepted, unrevoked badge creates an offer; its secret, code, token and the
proof's nonce are each used once; each step is logged on the award; revoking the award revokes
every copy, and the served status list says so."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from issuer.credentials import status
from issuer.services import badges, delivery, verifying
from issuer.services.errors import Forbidden, NotFound, WalletRefused
from issuer.storage import Award, CredentialOffer, User, get_session

HOLDER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def _accepted_badge(session, *, skip=0) -> Award:
    return session.scalars(select(Award).where(
        Award.kind == "badge", Award.consent == "accepted", Award.revoked_at.is_(None),
        Award.recipient_user_id.is_not(None)).order_by(Award.id)).all()[skip]


def test_only_the_recipient_of_an_accepted_unrevoked_badge_creates_an_offer(demo):
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        award = _accepted_badge(session)
        recipient = session.get(User, award.recipient_user_id)
        stranger = session.scalar(select(User).where(User.id != recipient.id))
        with pytest.raises(NotFound):
            delivery.create_offer(session, platform, stranger, award)
        award.consent = "pending"
        with pytest.raises(Forbidden) as refused:
            delivery.create_offer(session, platform, recipient, award)
        assert refused.value.code == "offer.not-accepted"
        session.rollback()
        endorsement = session.scalar(select(Award).where(Award.kind == "endorsement",
                                                         Award.recipient_user_id.is_not(None)))
        with pytest.raises(Forbidden) as refused:  # an endorsement goes as signed (test_deliverables)
            delivery.sign_holder_copy(session, platform, endorsement, HOLDER)
        assert refused.value.code == "offer.not-bindable"
        offer, secret = delivery.create_offer(session, platform, recipient, award)
        assert offer.expires_at - offer.created_at == delivery.OFFER_LIFETIME
        stored = session.get(CredentialOffer, offer.id)
        assert secret not in (stored.secret_hash, stored.code_hash) and len(secret) >= 40
        assert [e.kind for e in delivery.events(session, award)][-1] == "offer-created"


def test_an_offer_its_code_and_its_token_are_each_used_once(demo):
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        award = _accepted_badge(session)
        recipient = session.get(User, award.recipient_user_id)
        offer, secret = delivery.create_offer(session, platform, recipient, award)
        opened, code = delivery.open_offer(session, secret)
        assert opened.id == offer.id
        with pytest.raises(WalletRefused):
            delivery.open_offer(session, secret)
        _, token, lifetime = delivery.redeem_code(session, code)
        assert lifetime > 0
        with pytest.raises(WalletRefused):
            delivery.redeem_code(session, code)
        assert delivery.offer_for_token(session, token).id == offer.id
        with pytest.raises(WalletRefused):
            delivery.offer_for_token(session, "not-a-token")


def test_an_expired_offer_is_refused(demo):
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        award = _accepted_badge(session)
        offer, secret = delivery.create_offer(session, platform, session.get(User, award.recipient_user_id),
                                              award)
        session.execute(update(CredentialOffer).where(CredentialOffer.id == offer.id).values(
            created_at=offer.created_at - timedelta(hours=1),
            expires_at=offer.created_at - timedelta(minutes=1)))
        session.commit()
        with pytest.raises(WalletRefused):
            delivery.open_offer(session, secret)


def test_a_holder_copy_is_the_award_bound_to_the_holder_signed_once(demo):
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        award = _accepted_badge(session, skip=1)
        copy = delivery.sign_holder_copy(session, platform, award, HOLDER)
        assert delivery.sign_holder_copy(session, platform, award, HOLDER).id == copy.id
        assert (copy.award_id, copy.holder_did) == (award.id, HOLDER)
        custodial, signed = json.loads(award.credential.signed_json), json.loads(copy.signed_json)
        assert signed["credentialSubject"]["id"] == HOLDER
        assert signed["credentialSubject"]["achievement"] == custodial["credentialSubject"]["achievement"]
        for same in ("issuer", "validFrom", "awardedDate", "type", "@context"):
            assert signed.get(same) == custodial.get(same), same
        assert signed["id"] != custodial["id"] and copy.vc_id == signed["id"]
        assert signed["credentialStatus"]["statusListIndex"] != custodial["credentialStatus"]["statusListIndex"]
        result = verifying.verifier(session, platform, fetch=False).verify(signed)
        assert result.verified, result.checks
        kinds = [(e.kind, e.holder_did) for e in delivery.events(session, award)]
        assert kinds[-2:] == [("sent-to-wallet", HOLDER)] * 2


def test_revoking_the_award_after_delivery_revokes_the_copy_in_the_served_list(demo):
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        award = _accepted_badge(session)
        copy = delivery.sign_holder_copy(session, platform, award, HOLDER)
        leader = session.scalar(select(User).where(User.handle == "amara"))
        entry = json.loads(copy.signed_json)["credentialStatus"]
        assert not _served_bit(demo, entry)
        badges.revoke_badge(session, platform, award, leader, "Awarded by mistake.")
        session.refresh(copy)
        assert copy.revoked_at is not None
        assert _served_bit(demo, entry)
        result = verifying.verifier(session, platform, fetch=False).verify(json.loads(copy.signed_json))
        assert not result.verified
        with pytest.raises(Forbidden):
            delivery.sign_holder_copy(session, platform, award, "did:key:z6MkotherHolder")


def _served_bit(app, entry) -> bool:
    path = entry["statusListCredential"].split("://", 1)[1].partition("/")[2]
    listing = app.test_client().get("/" + path, headers={"Accept": "application/json"}).get_json()
    bits = status.StatusList.decode(listing["credentialSubject"]["encodedList"])
    return bits.get(int(entry["statusListIndex"]))


@pytest.mark.parametrize("statement", [
    "INSERT INTO award_event (award_id, kind, at) SELECT id, 'emailed', created_at FROM award",
    "INSERT INTO award_event (award_id, kind, at) SELECT id, 'sent-to-wallet', created_at FROM award",
    "INSERT INTO credential_offer (id, credential_id, award_id, created_by, secret_hash, created_at, "
    "expires_at) SELECT id, id, id, recipient_user_id, id, created_at, created_at FROM award "
    "WHERE recipient_user_id IS NOT NULL",
    "INSERT INTO credential_offer (id, credential_id, award_id, created_by, secret_hash, code_hash, "
    "created_at, expires_at) SELECT id, id, id, recipient_user_id, id, id, created_at, "
    "created_at + INTERVAL '1' DAY FROM award WHERE recipient_user_id IS NOT NULL",
    "INSERT INTO credential_offer (id, credential_id, award_id, created_by, secret_hash, holder_did, "
    "created_at, expires_at) SELECT id, id, id, recipient_user_id, id, 'did:example:x', created_at, "
    "created_at + INTERVAL '1' DAY FROM award WHERE recipient_user_id IS NOT NULL",
    "INSERT INTO credential_offer (id, credential_id, award_id, created_by, secret_hash, created_at, "
    "expires_at) SELECT id, 'no-such-credential', id, recipient_user_id, id, created_at, "
    "created_at + INTERVAL '1' DAY FROM award WHERE recipient_user_id IS NOT NULL",
    "INSERT INTO wallet_nonce (nonce_hash, created_at, expires_at) SELECT id, created_at, created_at "
    "FROM award",
])
def test_the_database_refuses_an_inconsistent_offer_nonce_or_log_row(demo, statement):
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    engine = demo.extensions["issuer.engine"]
    if engine.dialect.name == "sqlite":
        statement = statement.replace("created_at + INTERVAL '1' DAY", "'2999-01-01 00:00:00'")
    with pytest.raises(IntegrityError):
        with engine.begin() as connection:
            connection.execute(text(statement))


def test_a_nonce_is_written_only_when_spent_used_once_and_never_forged(demo, monkeypatch):
    """Handing out a c_nonce writes nothing (the endpoint is open to anyone); spending one
    records it, once; an altered, foreign or expired one is refused; spent rows expire."""
    from issuer.storage import WalletNonce

    platform = demo.extensions["issuer.platform"]
    with demo.app_context():
        session = get_session()
        nonces = [delivery.new_nonce(platform) for _ in range(50)]
        assert len(set(nonces)) == 50
        assert session.scalar(select(func.count()).select_from(WalletNonce)) == 0
        with delivery.transaction(session):
            delivery._use_nonce(session, platform, nonces[0])
        expiry, random, mac = nonces[1].split(".")
        monkeypatch.setattr(delivery, "NONCE_LIFETIME", timedelta(seconds=-1))
        expired = delivery.new_nonce(platform)  # genuine, but already past its expiry
        monkeypatch.undo()
        forged = [f"{int(expiry) + 3600}.{random}.{mac}", f"{expiry}.{random}.{mac[:-2]}AA", "x",
                  expired, nonces[0]]
        for nonce in forged:
            with pytest.raises(WalletRefused) as refused:
                with delivery.transaction(session):
                    delivery._use_nonce(session, platform, nonce)
            assert refused.value.code == "proof.nonce-refused", nonce
        past = delivery.now_utc() - timedelta(hours=2)
        session.execute(update(WalletNonce).values(created_at=past, expires_at=past + timedelta(hours=1)))
        session.commit()
        with delivery.transaction(session):
            delivery._use_nonce(session, platform, nonces[2])
        assert session.scalar(select(func.count()).select_from(WalletNonce)) == 1  # the old one went




def _offer_aged(session, platform, award, *, expired_ago: timedelta) -> str:
    """A new offer of ``award`` moved back in time so that it expired ``expired_ago`` ago."""
    offer, _ = delivery.create_offer(session, platform, session.get(User, award.recipient_user_id), award)
    _age(session, offer.id, expired_ago)
    return offer.id


def _age(session, offer_id: str, expired_ago: timedelta) -> None:
    expires = delivery.now_utc() - expired_ago
    session.execute(update(CredentialOffer).where(CredentialOffer.id == offer_id).values(
        created_at=expires - delivery.OFFER_LIFETIME, expires_at=expires))
    session.commit()


def _nonce_aged(session, *, expired_ago: timedelta) -> str:
    from issuer.storage import WalletNonce
    expires = delivery.now_utc() - expired_ago
    nonce_hash = delivery.hash_secret(delivery._secret())
    with delivery.transaction(session):
        session.add(WalletNonce(nonce_hash=nonce_hash, created_at=expires - delivery.NONCE_LIFETIME,
                                used_at=expires - delivery.NONCE_LIFETIME, expires_at=expires))
    return nonce_hash


def test_purging_deletes_offers_and_nonces_a_day_past_expiry_and_keeps_the_log(demo):
    from issuer.storage import AwardEvent, WalletNonce

    day = delivery.RETENTION
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        award = _accepted_badge(session)
        recipient = session.get(User, award.recipient_user_id)
        old, recent = (delivery.create_offer(session, platform, recipient, award)[0].id for _ in "ab")
        _age(session, old, day + timedelta(minutes=1))
        _age(session, recent, day - timedelta(minutes=1))
        old_nonce = _nonce_aged(session, expired_ago=day + timedelta(minutes=1))
        recent_nonce = _nonce_aged(session, expired_ago=day - timedelta(minutes=1))
        logged = session.scalar(select(func.count()).select_from(AwardEvent).where(AwardEvent.award_id == award.id))
        offers, nonces = delivery.purge_expired(session)
        assert offers >= 1 and nonces >= 1
        session.expire_all()
        assert session.get(CredentialOffer, old) is None and session.get(WalletNonce, old_nonce) is None
        assert session.get(CredentialOffer, recent) is not None and session.get(WalletNonce, recent_nonce) is not None
        assert session.scalar(select(func.count()).select_from(AwardEvent)
                              .where(AwardEvent.award_id == award.id)) == logged
        assert delivery.purge_expired(session) == (0, 0)  # nothing else was old enough


def test_creating_an_offer_purges_in_the_same_unit_of_work(demo):
    from issuer.storage import WalletNonce

    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        award = _accepted_badge(session)
        old = _offer_aged(session, platform, award, expired_ago=delivery.RETENTION + timedelta(hours=1))
        old_nonce = _nonce_aged(session, expired_ago=delivery.RETENTION + timedelta(hours=1))
        session.expire_all()
        new, _ = delivery.create_offer(session, platform, session.get(User, award.recipient_user_id), award)
        session.expire_all()
        assert session.get(CredentialOffer, new.id) is not None
        assert session.get(CredentialOffer, old) is None and session.get(WalletNonce, old_nonce) is None


def test_the_purge_expired_command_deletes_and_says_how_many(demo):
    with demo.app_context():
        session, platform = get_session(), demo.extensions["issuer.platform"]
        award = _accepted_badge(session)
        old = _offer_aged(session, platform, award, expired_ago=delivery.RETENTION + timedelta(hours=1))
        _nonce_aged(session, expired_ago=delivery.RETENTION + timedelta(hours=1))
    done = demo.test_cli_runner().invoke(args=["purge-expired"])
    assert done.exit_code == 0, done.output
    assert "deleted 1 expired wallet offer(s) and 1 spent nonce(s)" in done.output
    with demo.app_context():
        assert get_session().get(CredentialOffer, old) is None
    again = demo.test_cli_runner().invoke(args=["purge-expired"])
    assert "deleted 0 expired wallet offer(s) and 0 spent nonce(s)" in again.output
