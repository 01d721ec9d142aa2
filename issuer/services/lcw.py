"""The Learner Credential Wallet's ways in: a DIDAuth presentation answered with the credential.

LCW 2.2.10 (see DELIVERY.md §2) signs a DIDAuth presentation (Ed25519Signature2020, proofPurpose
``authentication``, our challenge; a domain only on the VC-API exchange) with a did:key and posts
it: bare to the ``vc_request_url`` of the legacy link, wrapped in ``{"verifiablePresentation": …}``
on the VC-API exchange. Either way the service checks the proof, that the key is the holder's and
that the challenge is the offer's, then spends the offer and hands over what it carries
(issuer.services.delivery): a badge as a copy bound to the holder DID, an endorsement or a
person's record as signed.

The offer is delivery's :class:`CredentialOffer` (single use, short lived, created by the
recipient of an accepted badge or endorsement, or by the person a record is about). Its secret
is the exchange's name in the URLs; the challenge is derived from it (:func:`challenge_of`), so
nothing more is stored and a challenge shown in a link or a presentation request does not
reveal the secret. The whole offer is spent in one conditional update when the credential is
handed over: a replayed challenge finds it gone.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..credentials import keys
from ..credentials.errors import CredentialError
from ..storage import CredentialOffer, IssuedCredential
from . import delivery
from .errors import Invalid, WalletRefused
from .platform import Platform, now_utc
from .transaction import transaction
from .verifying import verifier

DIDAUTH_SUITE = "Ed25519Signature2020"


def challenge_of(secret: str) -> str:
    """The DIDAuth challenge of the offer with this secret (one-way: it does not reveal it)."""
    digest = hashlib.sha256(b"lcw-didauth-challenge\0" + secret.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def find_offer(session: Session, secret: str) -> CredentialOffer:
    """The live, unused offer named by its secret; anything else is refused by name."""
    offer = session.scalar(select(CredentialOffer).where(
        _unused(secret), CredentialOffer.expires_at > now_utc()))
    if offer is None:
        raise WalletRefused("offer.unknown")
    delivery.check_offer(offer)
    return offer


def _unused(secret: str):
    return (CredentialOffer.secret_hash == delivery.hash_secret(secret or "")) \
        & CredentialOffer.opened_at.is_(None)


def check_didauth(session: Session, platform: Platform, presentation: object, *, challenge: str,
                  domain: str | None = None) -> str:
    """The holder DID of a DIDAuth presentation, after checking it fully; refuses with a reason.

    The proof is Ed25519Signature2020 for ``authentication`` with our challenge (and domain when
    given), made by a did:key verification method controlled by the holder; did:key resolves
    locally, so the key is the same whether read as Multikey or Ed25519VerificationKey2020.
    """
    if not isinstance(presentation, dict):
        raise Invalid("didauth.not-a-presentation")
    types = presentation.get("type")
    types = types if isinstance(types, list) else [types]
    if "VerifiablePresentation" not in types:
        raise Invalid("didauth.not-a-presentation")
    holder = presentation.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    if not isinstance(holder, str) or not holder.startswith("did:key:"):
        raise Invalid("didauth.holder-not-did-key", holder=holder)
    try:
        keys.public_key_from_did_key(holder)
    except CredentialError:
        raise Invalid("didauth.holder-not-did-key", holder=holder) from None
    proofs = presentation.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs] if proofs else []
    if len(proofs) != 1 or not isinstance(proofs[0], dict):
        raise Invalid("didauth.one-proof")
    if proofs[0].get("type") != DIDAUTH_SUITE:
        raise Invalid("didauth.suite", suite=proofs[0].get("type"), expected=DIDAUTH_SUITE)
    if proofs[0].get("challenge") != challenge:
        raise Invalid("didauth.challenge")
    result = verifier(session, platform).verify_presentation(presentation, challenge=challenge,
                                                             domain=domain)
    outer = result.presentation
    if not outer.verified:
        failed = [c.message for c in outer.checks if c.outcome != "ok"]
        raise Invalid("didauth.refused", reason=failed)
    return holder


def answer_didauth(session: Session, platform: Platform, secret: str, presentation: object, *,
                   domain: str | None = None) -> IssuedCredential:
    """Check the presentation against the offer, spend the offer, and hand over what it carries:
    a copy bound to the holder, or the credential as signed (delivery.hand_over; logged on the
    award)."""
    offer = find_offer(session, secret)
    holder = check_didauth(session, platform, presentation, challenge=challenge_of(secret),
                           domain=domain)
    now = now_utc()
    spent = {"opened_at": now, "code_hash": delivery.hash_secret(secrets.token_urlsafe(32)),
             "redeemed_at": now, "token_hash": delivery.hash_secret(secrets.token_urlsafe(32)),
             "delivered_at": now, "holder_did": holder}  # every step at once: no other way in
    with transaction(session):
        delivery.claim_offer(session, _unused(secret), spent)  # a replay that raced: refused
        return delivery.hand_over(session, platform, offer, holder)
