"""The Learner Credential Wallet's ways in: a DIDAuth presentation answered with a holder copy.

LCW 2.2.10 (see DELIVERY.md §2) signs a DIDAuth presentation (Ed25519Signature2020, proofPurpose
``authentication``, our challenge; a domain only on the VC-API exchange) with a did:key and posts
it: bare to the ``vc_request_url`` of the legacy link, wrapped in ``{"verifiablePresentation": …}``
on the VC-API exchange. Either way the service checks the proof, that the key is the holder's and
that the challenge is one it handed out and not yet used, then signs a copy of the award bound to
the holder DID (issuer.services.delivery).

An offer (an exchange) is single use and short lived; only the recipient opens one, only for an
accepted award.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..credentials import keys
from ..credentials.errors import CredentialError
from ..storage import Award, IssuedCredential, User
from .errors import Forbidden, Invalid, NotFound
from .platform import Platform
from .transaction import transaction
from .verifying import verifier

DIDAUTH_SUITE = "Ed25519Signature2020"
OFFER_SECONDS = 15 * 60


@dataclass(frozen=True)
class Offer:
    """One exchange: its id (in the URLs), the challenge the wallet signs, the award it delivers."""

    id: str
    challenge: str
    award_id: str
    expires_at: float


# Offers live here until the offer model of issuer.services.delivery is merged in.
_OFFERS: dict[str, Offer] = {}
_USED: set[str] = set()
_LOCK = threading.Lock()


def open_offer(session: Session, platform: Platform, user: User, award: Award) -> Offer:
    """A new single-use offer of ``award`` to its recipient ``user`` (accepted awards only)."""
    if award.recipient_user_id != user.id:
        raise Forbidden("wallet.not-the-recipient")
    if award.consent != "accepted":
        raise Invalid("wallet.not-accepted")
    if award.revoked_at is not None:
        raise Invalid("wallet.revoked")
    offer = Offer(secrets.token_urlsafe(18), secrets.token_urlsafe(24), award.id,
                  time.time() + OFFER_SECONDS)
    with _LOCK:
        _OFFERS[offer.id] = offer
    return offer


def find_offer(session: Session, offer_id: str) -> Offer:
    """The open offer ``offer_id``; unknown, used and expired ones are refused by name."""
    with _LOCK:
        offer = _OFFERS.get(offer_id)
        used = offer_id in _USED
    if used:
        raise Invalid("wallet.offer-used")
    if offer is None:
        raise NotFound("wallet.offer-unknown")
    if offer.expires_at < time.time():
        raise Invalid("wallet.offer-expired")
    return offer


def _take(offer: Offer) -> None:
    """Use the offer up: the second of two posts with the same challenge is refused."""
    with _LOCK:
        if offer.id in _USED:
            raise Invalid("wallet.offer-used")
        _USED.add(offer.id)
        _OFFERS.pop(offer.id, None)


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


def answer_didauth(session: Session, platform: Platform, offer_id: str, presentation: object, *,
                   domain: str | None = None) -> str:
    """Check the presentation against the offer, use the offer up, and return the signed JSON of
    the award's copy bound to the holder."""
    offer = find_offer(session, offer_id)
    holder = check_didauth(session, platform, presentation, challenge=offer.challenge, domain=domain)
    _take(offer)
    award = session.get(Award, offer.award_id)
    if award is None or award.revoked_at is not None:
        raise Invalid("wallet.revoked")
    return _sign_holder_copy(session, platform, award, holder)


def _sign_holder_copy(session: Session, platform: Platform, award: Award, holder: str) -> str:
    """The award's credential signed again with credentialSubject.id = ``holder``."""
    from .issuing import issue
    from ..storage import Issuer

    custodial = (session.query(IssuedCredential)
                 .filter_by(award_id=award.id, holder_did=None).one())
    credential = json.loads(custodial.signed_json)
    for member in ("id", "proof", "credentialStatus"):
        credential.pop(member, None)
    credential["credentialSubject"] = dict(credential["credentialSubject"], id=holder)
    row = issue(session, platform, credential, issuer=session.get(Issuer, custodial.issuer_id))
    with transaction(session):
        row.award_id, row.holder_did = award.id, holder
    return row.signed_json
