"""Taking a credential to a wallet: offers, and what each kind of credential becomes there.

The owner of a deliverable credential (the recipient of an accepted, unrevoked badge or
endorsement; the person a record is about) creates an offer (single use, short lived, only
hashes of its secrets stored). A wallet then walks the OpenID4VCI pre-authorized code flow: the
offer URL answers once with a pre-authorized code; the code is redeemed once for an access
token; the token gets the credential once (:func:`deliver`). What it gets is decided by the
credential's kind, one row of :data:`DELIVERABLES`: a badge becomes a copy signed for the DID
the wallet proved with a key proof over a c_nonce from :func:`new_nonce`
(:func:`sign_holder_copy`); an endorsement is about someone or something else, so it goes as it
was signed, with no proof asked; so does a person's record (CLR), already made out to their DID
by the platform. Each step is logged on the award (:class:`AwardEvent`); a record has no award,
and its delivered offers are its log (:func:`sent`). Revoking the award revokes every copy
(issuing.revoke_award).

Another kind joins by a row of :data:`DELIVERABLES` and its check function (who may offer it,
and whether it can still go): the offer, the OpenID4VCI metadata and endpoints and the Learner
Credential Wallet exchange all read the table.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..credentials import clr, holder_proof
from ..credentials.vocab import OB_CONTEXTS, OB_EXTENSIONS_CONTEXT
from ..storage import Award, AwardEvent, CredentialOffer, IssuedCredential, User, WalletNonce
from .errors import Forbidden, NotFound, ServiceError, WalletRefused
from .identity import with_identifiers
from .issuing import issue
from .platform import Platform, now_utc
from .transaction import savepoint, transaction

OFFER_LIFETIME = timedelta(minutes=10)  # from its creation to the wallet's credential request
TOKEN_LIFETIME = timedelta(minutes=5)
NONCE_LIFETIME = timedelta(minutes=5)
# How long an expired offer or spent nonce is kept before it is deleted (by purge_expired: on each
# new offer, and by `flask purge-expired`). The award's log (AwardEvent) is kept for good.
RETENTION = timedelta(days=1)


@dataclass(frozen=True)
class Deliverable:
    """One kind of stored credential an offer can carry to a wallet.

    ``check(row, user)`` raises :class:`NotFound` (``offer.not-yours``) when ``user`` is given
    and may not offer ``row``, and :class:`Forbidden` when ``row`` cannot go to a wallet now;
    it is asked with the user when the offer is made, and without (``None``) at every later
    step. ``bound``: the wallet proves a DID and gets a copy signed for it; otherwise it gets
    the stored credential exactly as signed, and no key proof is asked for.
    """

    configuration_id: str  # the OpenID4VCI credential_configuration_id
    type: str  # the credential's type besides VerifiableCredential
    contexts: tuple[str, ...]  # credential_definition.@context
    display: str  # the name wallets show for it
    what: str  # how a person calls it, in messages ("badge")
    bound: bool
    check: Callable[[IssuedCredential, User | None], None]


def _award_check(row: IssuedCredential, user: User | None) -> None:
    """An award's own credential, for its recipient, once accepted and while not revoked."""
    award = row.award
    if award is None or row.holder_did is not None \
            or (user is not None and award.recipient_user_id != user.id):
        raise NotFound("offer.not-yours", id=row.id)
    what = DELIVERABLES[row.kind].what
    if award.revoked_at is not None or row.revoked_at is not None:
        raise Forbidden("offer.revoked", what=what)
    if award.consent != "accepted":
        raise Forbidden("offer.not-accepted", what=what)


def _record_check(row: IssuedCredential, user: User | None) -> None:
    """A person's record (CLR), for the person it is about (its ClrSubject is their DID, as
    showing.record_owner finds them), while not revoked. It was made out to them when it was
    signed: it goes as signed, and nobody else may offer it."""
    if row.award_id is not None or row.holder_did is not None:
        raise NotFound("offer.not-yours", id=row.id)
    if user is not None:
        person = user.issuer
        if person is None or person.kind != "person" \
                or clr.subject_id(json.loads(row.signed_json)) != person.did:
            raise NotFound("offer.not-yours", id=row.id)
    if row.revoked_at is not None:
        raise Forbidden("offer.revoked", what=DELIVERABLES[row.kind].what)


RECORD_CONTEXTS = (*clr.CLR_CONTEXTS, OB_EXTENSIONS_CONTEXT)  # a record's @context, as issued

DELIVERABLES: dict[str, Deliverable] = {d.type: d for d in (  # by IssuedCredential.kind
    Deliverable("OpenBadgeCredential_ldp_vc", "OpenBadgeCredential", tuple(OB_CONTEXTS),
                "Open Badge", "badge", True, _award_check),
    Deliverable("EndorsementCredential_ldp_vc", "EndorsementCredential", tuple(OB_CONTEXTS),
                "Endorsement", "endorsement", False, _award_check),
    Deliverable("ClrCredential_ldp_vc", clr.CLR_TYPE, RECORD_CONTEXTS,
                "Recognition record", "record", False, _record_check),
)}


def deliverable(row: IssuedCredential) -> Deliverable:
    """The row of :data:`DELIVERABLES` for this credential; a kind not in it cannot be offered."""
    found = DELIVERABLES.get(row.kind)
    if found is None:
        raise Forbidden("offer.not-deliverable", kind=row.kind)
    return found


def deliverable_of(offer: CredentialOffer) -> Deliverable:
    return deliverable(offer.credential)


def check_offer(offer: CredentialOffer) -> None:
    """What the offer carries can still go to a wallet (accepted, not revoked, …)."""
    deliverable_of(offer).check(offer.credential, None)


def offerable(row: IssuedCredential, user: User | None) -> Deliverable | None:
    """The kind of ``row`` if ``user`` may take it to a wallet now, else None (for pages)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        found = deliverable(row)
        found.check(row, user)
    except ServiceError:
        return None
    return found


def _secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """What is stored of an offer's secret, code or token, and of a spent nonce."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _log(session: Session, award: Award | None, kind: str, holder_did: str | None = None) -> None:
    """One step on the award's log (a credential with no award: the offer row is its record)."""
    if award is not None:
        session.add(AwardEvent(award_id=award.id, kind=kind, at=now_utc(), holder_did=holder_did))


def events(session: Session, award: Award) -> list[AwardEvent]:
    """The award's log, oldest first."""
    return list(session.scalars(select(AwardEvent).where(AwardEvent.award_id == award.id)
                                .order_by(AwardEvent.at, AwardEvent.id)))


@dataclass(frozen=True)
class Sent:
    """One delivery to a wallet, as the owner's page lists it."""

    at: datetime
    holder_did: str | None


def sent(session: Session, row: IssuedCredential) -> list[Sent]:
    """When ``row`` went to wallets, oldest first: the award's log, or for a credential without
    an award (a record) its delivered offers."""
    if row.award is not None:
        return [Sent(e.at, e.holder_did) for e in events(session, row.award)
                if e.kind in ("sent-to-wallet", "sent-as-signed")]
    return [Sent(o.delivered_at, o.holder_did) for o in session.scalars(
        select(CredentialOffer).where(CredentialOffer.credential_id == row.id,
                                      CredentialOffer.delivered_at.is_not(None))
        .order_by(CredentialOffer.delivered_at, CredentialOffer.id))]


def create_offer(session: Session, platform: Platform, user: User,
                 offered: Award | IssuedCredential) -> tuple[CredentialOffer, str]:
    """A new offer of a stored credential (an award: its own credential) to a wallet, and its
    secret (shown once, never stored)."""
    row = offered.credential if isinstance(offered, Award) else offered
    if row is None:
        raise NotFound("offer.not-yours", id=offered.id)
    deliverable(row).check(row, user)
    secret, now = _secret(), now_utc()
    offer = CredentialOffer(credential_id=row.id, award_id=row.award_id, created_by=user.id,
                            secret_hash=hash_secret(secret), created_at=now,
                            expires_at=now + OFFER_LIFETIME)
    with transaction(session):
        purge_expired(session, now)
        session.add(offer)
        _log(session, row.award, "offer-created")
    return offer, secret


def purge_expired(session: Session, now: datetime | None = None) -> tuple[int, int]:
    """Delete the offers and spent nonces that expired more than RETENTION before ``now``; how
    many of each. Their secrets are dead already (every step checks the expiry): this only keeps
    the tables small. The award's log of what was sent stays, and so does a delivered offer of a
    credential without an award (a record): it is that credential's log (:func:`sent`)."""
    cutoff = (now or now_utc()) - RETENTION
    the_only_log = CredentialOffer.award_id.is_(None) & CredentialOffer.delivered_at.is_not(None)
    with transaction(session):
        offers = session.execute(delete(CredentialOffer).where(CredentialOffer.expires_at < cutoff,
                                                                ~the_only_log)
                                 .execution_options(synchronize_session=False)).rowcount
        nonces = session.execute(delete(WalletNonce).where(WalletNonce.expires_at < cutoff)
                                 .execution_options(synchronize_session=False)).rowcount
    return offers, nonces


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
        check_offer(offer)
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
        check_offer(offer)
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


def deliver(session: Session, platform: Platform, token: str, proof_jwt: object | None) -> IssuedCredential:
    """Spend the token and hand over what the offer carries: for a bound kind, after checking
    the key proof and spending its nonce, the copy signed for the proven DID; otherwise the
    stored credential as signed (a proof sent anyway proves nothing it needs, and is not read)."""
    offer = offer_for_token(session, token)
    holder = None
    if deliverable_of(offer).bound:
        if proof_jwt is None:
            raise WalletRefused("proof.missing")
        try:
            proof = holder_proof.check(proof_jwt, audience=platform.urls.home(), now=now_utc())
        except holder_proof.ProofError as error:
            raise WalletRefused("proof.invalid", reason=str(error)) from None
        holder = proof.did
    with transaction(session):
        if holder is not None:
            _use_nonce(session, platform, proof.nonce)
        done = session.execute(update(CredentialOffer).where(
            CredentialOffer.id == offer.id, CredentialOffer.delivered_at.is_(None)).values(
            delivered_at=now_utc(), holder_did=holder).execution_options(synchronize_session=False))
        if done.rowcount != 1:
            raise WalletRefused("offer.token-refused")
        row = hand_over(session, platform, offer, holder)
    session.refresh(offer)
    return row


def hand_over(session: Session, platform: Platform, offer: CredentialOffer,
              holder: str | None) -> IssuedCredential:
    """What a spent offer gives the wallet, logged on the award: the copy signed for ``holder``
    (bound kinds; a DID is required), or the offered credential itself as signed."""
    check_offer(offer)
    if deliverable_of(offer).bound:
        if holder is None:
            raise WalletRefused("proof.missing")
        return sign_holder_copy(session, platform, offer.award, holder)
    with transaction(session):
        _log(session, offer.award, "sent-as-signed", holder)
    return offer.credential


def holder_copy(session: Session, award: Award, holder: str) -> IssuedCredential | None:
    return session.scalar(select(IssuedCredential).where(IssuedCredential.award_id == award.id,
                                                         IssuedCredential.holder_did == holder))


def sign_holder_copy(session: Session, platform: Platform, award: Award, holder: str) -> IssuedCredential:
    """The award's copy bound to ``holder`` (``credentialSubject.id``), signed once per holder.

    The custodial copy's achievement, issuer and dates are kept; the copy gets a new id, its
    own entry in the issuer's status list, and the recipient's identifiers as they consent now
    (with a salt of its own). Asking again returns the stored copy.
    """
    kind = deliverable(award.credential)
    if not kind.bound:  # an endorsement's subject is what it endorses, never the holder
        raise Forbidden("offer.not-bindable", what=kind.what)
    kind.check(award.credential, None)
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
