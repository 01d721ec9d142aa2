"""Taking an award to a wallet: offers, and copies of the award bound to the holder's DID.

The recipient of an accepted, unrevoked badge creates an offer (single use, short lived, only
hashes of its secrets stored). A wallet then walks the OpenID4VCI pre-authorized code flow:
the offer URL answers once with a pre-authorized code; the code is redeemed once for an access
token; the token, with a key proof over a c_nonce from :func:`new_nonce`, gets one copy of the
award signed for the wallet's DID (:func:`sign_holder_copy`). Each step is logged on the award
(:class:`AwardEvent`). Revoking the award revokes every copy (issuing.revoke_award).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..credentials import holder_proof
from ..storage import Award, AwardEvent, CredentialOffer, IssuedCredential, User, WalletNonce
from .errors import Forbidden, NotFound, WalletRefused
from .identity import with_identifiers
from .issuing import issue
from .platform import Platform, now_utc
from .transaction import savepoint, transaction

OFFER_LIFETIME = timedelta(minutes=10)  # from its creation to the wallet's credential request
TOKEN_LIFETIME = timedelta(minutes=5)
NONCE_LIFETIME = timedelta(minutes=5)


def _secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """What is stored of an offer's secret, code or token, and of a spent nonce."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _log(session: Session, award: Award, kind: str, holder_did: str | None = None) -> None:
    session.add(AwardEvent(award_id=award.id, kind=kind, at=now_utc(), holder_did=holder_did))


def events(session: Session, award: Award) -> list[AwardEvent]:
    """The award's log, oldest first."""
    return list(session.scalars(select(AwardEvent).where(AwardEvent.award_id == award.id)
                                .order_by(AwardEvent.at, AwardEvent.id)))


def check_deliverable(award: Award) -> None:
    """An accepted, unrevoked badge (an endorsement is about someone else: its subject stays)."""
    if award.kind != "badge":
        raise Forbidden("offer.badges-only")
    if award.revoked_at is not None:
        raise Forbidden("offer.revoked")
    if award.consent != "accepted":
        raise Forbidden("offer.not-accepted")


def create_offer(session: Session, platform: Platform, user: User, award: Award) -> tuple[CredentialOffer, str]:
    """A new offer of the award to a wallet, and its secret (shown once, never stored)."""
    if award.recipient_user_id != user.id:
        raise NotFound("offer.not-yours", id=award.id)
    check_deliverable(award)
    secret, now = _secret(), now_utc()
    offer = CredentialOffer(award_id=award.id, created_by=user.id, secret_hash=hash_secret(secret),
                            created_at=now, expires_at=now + OFFER_LIFETIME)
    with transaction(session):
        session.add(offer)
        _log(session, award, "offer-created")
    return offer, secret


def claim_offer(session: Session, condition, values: dict) -> CredentialOffer:
    """Move one live offer a step on, at most once even under concurrent requests."""
    now = now_utc()
    found = session.scalar(select(CredentialOffer).where(condition, CredentialOffer.expires_at > now))
    if found is None:
        raise WalletRefused("offer.unknown")
    done = session.execute(update(CredentialOffer).where(CredentialOffer.id == found.id, condition)
                           .values(**values).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise WalletRefused("offer.unknown")
    session.refresh(found)
    return found


def open_offer(session: Session, secret: str) -> tuple[CredentialOffer, str]:
    """The offer behind its URL's secret, answered once: with a new pre-authorized code."""
    code = _secret()
    with transaction(session):
        offer = claim_offer(session, (CredentialOffer.secret_hash == hash_secret(secret or ""))
                       & CredentialOffer.opened_at.is_(None),
                       {"opened_at": now_utc(), "code_hash": hash_secret(code)})
        check_deliverable(offer.award)
    return offer, code


def redeem_code(session: Session, code: str) -> tuple[CredentialOffer, str, int]:
    """An access token for a pre-authorized code (once), and its lifetime in seconds."""
    token = _secret()
    with transaction(session):
        try:
            offer = claim_offer(session, (CredentialOffer.code_hash == hash_secret(code or ""))
                           & CredentialOffer.redeemed_at.is_(None),
                           {"redeemed_at": now_utc(), "token_hash": hash_secret(token)})
        except WalletRefused:
            raise WalletRefused("offer.code-refused") from None
        check_deliverable(offer.award)
    return offer, token, int(TOKEN_LIFETIME.total_seconds())


def offer_for_token(session: Session, token: str) -> CredentialOffer:
    """The offer an unused, unexpired access token was issued for."""
    offer = session.scalar(select(CredentialOffer).where(
        CredentialOffer.token_hash == hash_secret(token or ""), CredentialOffer.delivered_at.is_(None)))
    if offer is None or offer.redeemed_at + TOKEN_LIFETIME <= now_utc() or offer.expires_at <= now_utc():
        raise WalletRefused("offer.token-refused")
    return offer


def new_nonce(platform: Platform) -> str:
    """A fresh c_nonce: its expiry and a random part, authenticated with a key derived from the
    KEK. Handing one out writes nothing (the nonce endpoint is open to anyone); it is recorded
    only when a token holder spends it (:func:`_use_nonce`)."""
    expires = int((now_utc() + NONCE_LIFETIME).timestamp())
    body = f"{expires}.{_secret()}"
    return f"{body}.{_nonce_mac(platform, body)}"


def _nonce_mac(platform: Platform, body: str) -> str:
    key = hmac.new(platform.kek, b"oid4vci c_nonce", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(hmac.new(key, body.encode(), hashlib.sha256).digest()).rstrip(b"=").decode()


def _use_nonce(session: Session, platform: Platform, nonce: str) -> None:
    """Spend a c_nonce we made and that has not expired, once (in the caller's unit of work)."""
    body, _, mac = nonce.rpartition(".")
    expiry = body.partition(".")[0]
    now = now_utc()
    if not (expiry.isdigit() and len(expiry) <= 12 and hmac.compare_digest(mac, _nonce_mac(platform, body))
            and datetime.fromtimestamp(int(expiry), timezone.utc) > now):
        raise WalletRefused("proof.nonce-refused")
    session.execute(delete(WalletNonce).where(WalletNonce.expires_at < now))
    try:
        with savepoint(session):
            session.add(WalletNonce(nonce_hash=hash_secret(nonce), created_at=now, used_at=now,
                                    expires_at=datetime.fromtimestamp(int(expiry), timezone.utc)))
    except IntegrityError:  # spent before
        raise WalletRefused("proof.nonce-refused") from None


def deliver(session: Session, platform: Platform, token: str, proof_jwt: object) -> IssuedCredential:
    """Check the key proof, spend its nonce and the token, and sign the award for the holder."""
    offer = offer_for_token(session, token)
    try:
        proof = holder_proof.check(proof_jwt, audience=platform.urls.home(), now=now_utc())
    except holder_proof.ProofError as error:
        raise WalletRefused("proof.invalid", reason=str(error)) from None
    with transaction(session):
        _use_nonce(session, platform, proof.nonce)
        done = session.execute(update(CredentialOffer).where(
            CredentialOffer.id == offer.id, CredentialOffer.delivered_at.is_(None)).values(
            delivered_at=now_utc(), holder_did=proof.did).execution_options(synchronize_session=False))
        if done.rowcount != 1:
            raise WalletRefused("offer.token-refused")
        row = sign_holder_copy(session, platform, offer.award, proof.did)
    session.refresh(offer)
    return row


def holder_copy(session: Session, award: Award, holder: str) -> IssuedCredential | None:
    return session.scalar(select(IssuedCredential).where(IssuedCredential.award_id == award.id,
                                                         IssuedCredential.holder_did == holder))


def sign_holder_copy(session: Session, platform: Platform, award: Award, holder: str) -> IssuedCredential:
    """The award's copy bound to ``holder`` (``credentialSubject.id``), signed once per holder.

    The custodial copy's achievement, issuer and dates are kept; the copy gets a new id, its
    own entry in the issuer's status list, and the recipient's identifiers as they consent now
    (with a salt of its own). Asking again returns the stored copy.
    """
    check_deliverable(award)
    if not holder.startswith("did:"):
        raise WalletRefused("holder.not-a-did", holder=holder)
    with transaction(session):
        found = holder_copy(session, award, holder)
        if found is not None:
            _log(session, award, "sent-to-wallet", holder)
            return found
        signed = json.loads(award.credential.signed_json)
        document = copy.deepcopy(signed)
        for owned in ("proof", "id", "credentialStatus"):
            document.pop(owned, None)
        recipient = session.get(User, award.recipient_user_id)
        document["credentialSubject"] = with_identifiers({**document["credentialSubject"], "id": holder},
                                                         recipient)
        row = issue(session, platform, document, issuer=award.issuer, award=award,
                    holder_did=holder, status_entry=True)
        _log(session, award, "sent-to-wallet", holder)
    return row
