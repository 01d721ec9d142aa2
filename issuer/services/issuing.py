"""Issue pipeline (DESIGN.md §2): complete the unsigned document → structure, JSON Schema and
safe-mode expansion checks → allocate a status index in the same transaction → sign → store the
exact signed JSON text → commit. Any failure rolls back, so nothing half-written stays behind.
Revocation and status-list publication live here too: they change what was issued.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import keystore, storage
from ..credentials import documents, issuance, proof, status
from ..credentials.issuance import wants_status_entry
from ..credentials.kinds import kind_of_document
from ..storage import Award, IssuedCredential, Issuer, StatusList
from .errors import DuplicateCredential, Invalid
from .issuers import issuer_profile
from .platform import Platform, now_utc
from .transaction import savepoint, transaction

SUITES = ("eddsa-rdfc-2022", "Ed25519Signature2020")


def issue(session: Session, platform: Platform, credential: dict, *, issuer: Issuer,
          created: str | None = None, suites: tuple[str, ...] | None = None,
          award: Award | None = None, row_id: str | None = None,
          guard: Callable[[Session], None] | None = None, credential_id: str | None = None,
          status_entry: bool | None = None, holder_did: str | None = None) -> IssuedCredential:
    """Complete, check, sign and store one credential in one unit of work (see transaction).

    ``award`` is the recognition the credential is the custodial copy of, stored in the same
    unit of work (a VC-API credential has none); ``row_id`` fixes the row's uuid (and so the
    default credential URL).
    ``guard(session)`` runs first in the savepoint of every attempt (a lock and a check
    that must still hold when the row is inserted); it raises to refuse.
    ``credential_id`` is the credential's id (VC-API ``options.credentialId``);
    ``status_entry`` True adds this service's revocation entry, False leaves it out, None
    decides as :func:`wants_status_entry` says. ``holder_did`` marks the row as a copy of
    ``award`` bound to that holder (None: the award's custodial copy).
    """
    suites = suites or (SUITES if platform.legacy_proof else SUITES[:1])
    with transaction(session):
        for attempt in range(3):
            try:
                with savepoint(session):
                    if guard is not None:
                        guard(session)
                    return _issue_once(session, platform, credential, issuer, created, suites,
                                       award, row_id, credential_id, status_entry, holder_did)
            except IntegrityError:  # a status index, a new list or an id taken at the same moment
                if attempt == 2:
                    raise
    raise AssertionError("unreachable")


def _issue_once(session, platform, credential, issuer, created, suites, award,
                row_id, credential_id, status_entry, holder_did=None) -> IssuedCredential:
    row = IssuedCredential(id=row_id or str(uuid.uuid4()), issuer_id=issuer.id, holder_did=holder_did)
    if status_entry is None:
        status_entry = wants_status_entry(credential)
    document = issuance.complete(
        credential, issuer_did=issuer.did, issuer_profile=issuer_profile(issuer),
        default_id=platform.credential_url(row.id), now=now_utc(), suites=suites,
        serves=platform.canonicalizer.loader.serves, credential_id=credential_id,
        status_entry=status_entry)
    _check(document, platform)
    if storage.vc_id_taken(session, document["id"]):
        name = "options.credentialId" if credential_id is not None else "id"
        raise DuplicateCredential("credential.id-taken", member=name, id=document["id"])
    if status_entry:
        _allocate_status(session, platform, issuer, document, row)
    signed = _sign(document, platform, issuer, suites, created)
    row.vc_id = document["id"]
    row.kind = kind_of_document(document).type_name(document["type"])
    row.signed_json = json.dumps(signed, indent=2, ensure_ascii=False)
    if award is not None:  # by id: a retry must not find this attempt's row in its credentials
        award.id = award.id or row.id
        session.add(award)
        row.award_id = award.id
    session.add(row)
    session.flush()  # a taken index or id fails here, inside the attempt's savepoint
    return row


def _check(document: dict, platform: Platform) -> None:
    issuance.check(document, schemas=platform.schemas, canonicalizer=platform.canonicalizer)


def _allocate_status(session, platform: Platform, issuer: Issuer, document: dict, row) -> None:
    """A random unused revocation index in the issuer's newest list (a new list when full).

    A new list takes the next ``seq``, unique per issuer and purpose: of processes starting
    one at the same moment, one wins and the others fail, retry and share its list.
    """
    listing = storage.newest_status_list(session, issuer, "revocation")
    if listing is None or storage.allocated_count(session, listing) >= listing.size:
        listing = StatusList(issuer_id=issuer.id, purpose="revocation", size=platform.status_list_size,
                             seq=1 if listing is None else listing.seq + 1)
        session.add(listing)
        session.flush()
        _store_status_list(session, platform, listing)  # served from its first read on
    index = status.allocate_index(lambda i: storage.index_in_use(session, listing, i), listing.size)
    row.status_list_id, row.status_index = listing.id, index
    entry = status.status_entry(platform.status_list_url(listing.id), index)
    given = document.get("credentialStatus")
    if given is None:
        document["credentialStatus"] = entry
    else:  # the client's entries stay, ours comes after them
        document["credentialStatus"] = [*(given if isinstance(given, list) else [given]), entry]


def _sign(document: dict, platform: Platform, issuer: Issuer, suites, created) -> dict:
    key = keystore.active_key(issuer)
    private_key = keystore.private_key(key, platform.kek)
    created = created or documents.xsd_datetime(now_utc())
    for suite in suites:
        document = proof.add_proof(document, private_key, verification_method=key.vm_id,
                                   canonicalizer=platform.canonicalizer, suite=suite, created=created)
    return document


def reissue(session: Session, platform: Platform, row: IssuedCredential, document: dict,
            award_changes: dict | None = None) -> IssuedCredential:
    """Re-sign a changed version of an issued credential in place (DESIGN §2, OB equality).

    It keeps the credential's id, contexts, status entry and awardedDate; ``document`` brings the
    new content and validFrom. ``award_changes`` updates the credential's award in the same
    unit of work.
    """
    before = json.loads(row.signed_json)
    document = {**document, "id": row.vc_id, "@context": before["@context"],
                "awardedDate": before.get("awardedDate", before.get("validFrom"))}
    if "credentialStatus" in before:
        document["credentialStatus"] = before["credentialStatus"]
    suites = SUITES if platform.legacy_proof else SUITES[:1]
    with transaction(session):
        _check(document, platform)
        signed = _sign(document, platform, row.issuer, suites, None)
        row.signed_json = json.dumps(signed, indent=2, ensure_ascii=False)
        row.updated_at = now_utc()
        if row.award is not None:
            row.award.updated_at = row.updated_at
            for name, value in (award_changes or {}).items():
                setattr(row.award, name, value)
    return row


def credential_by_vc_id(session: Session, vc_id: str) -> IssuedCredential | None:
    """The stored credential with this id; a database from before ids were unique may hold two."""
    rows = storage.credentials_by_vc_id(session, vc_id)
    if len(rows) > 1:
        raise DuplicateCredential("credential.id-ambiguous", id=vc_id)
    return rows[0] if rows else None


def revoke(session: Session, platform: Platform, row: IssuedCredential, reason: str) -> IssuedCredential:
    """Revoke for good (revocation is never reverted) and publish the status list it changes.

    A credential made for an award revokes the award, and so every copy of it (see
    :func:`revoke_award`). The revoked rows, each list's new version and the list signed as of
    that version commit together. Bumping the version holds the list's row until the commit, so
    revocations of one list sign one after another, each with every revocation committed
    before it: the stored list never misses a revocation, and serving it writes nothing
    (status_list_json).
    """
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("revocation.reason-required")
    if row.status_list_id is None:  # issued without our entry: no list could ever say so
        raise Invalid("revocation.no-status-entry")
    if row.award is not None:
        revoke_award(session, platform, row.award, reason)
        return row
    _revoke(session, platform, None, [row], reason)
    return row


def revoke_award(session: Session, platform: Platform, award: Award, reason: str) -> Award:
    """Withdraw a recognition for good: the award and every credential signed for it.

    Each copy has its own status entry (a holder's copy must not share an index that another
    verifier sees), so each gets its bit, and each list one version more, in one transaction.
    """
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("revocation.reason-required")
    _revoke(session, platform, award, list(award.credentials), reason)
    return award


def _revoke(session: Session, platform: Platform, award: Award | None,
            rows: list[IssuedCredential], reason: str) -> None:
    """Mark the award and its rows revoked, bump each list touched and store it signed as of
    its new version, all in one unit of work. Lists are bumped in id order, so revocations
    touching several lists at once lock them in the same order and cannot deadlock."""
    at = now_utc()
    with transaction(session):
        if award is not None:
            storage.mark_revoked(session, award, at, reason)
        touched: set[int] = set()
        for row in sorted(rows, key=lambda r: r.status_list_id or 0):
            if storage.mark_revoked(session, row, at, reason) and row.status_list_id is not None:
                storage.bump_status_version(session, row.status_list_id)
                touched.add(row.status_list_id)
        for list_id in sorted(touched):
            _store_status_list(session, platform, session.get(StatusList, list_id))
    for changed in ([award] if award is not None else []) + rows:
        session.refresh(changed)


def _store_status_list(session: Session, platform: Platform, listing: StatusList) -> None:
    """Sign the list's bits as of its current version and store them (no commit).

    The version is read before the bits, so the signed list holds every revocation counted
    in it; it is stored only over an older version.
    """
    version, _, _ = storage.status_list_state(session, listing.id)
    text = _signed_status_list(session, platform, listing)
    storage.store_signed_status_list(session, listing.id, version, text, now_utc())


def _signed_status_list(session: Session, platform: Platform, listing: StatusList) -> str:
    bits = status.StatusList(listing.size)
    for index in storage.revoked_indexes(session, listing):
        bits.set(index)
    issuer = session.get(Issuer, listing.issuer_id)
    url = platform.status_list_url(listing.id)
    document = status.status_list_credential(url, issuer.did, bits.encode(),
                                             valid_from=now_utc(), purpose=listing.purpose)
    return json.dumps(_sign(document, platform, issuer, SUITES[:1], None), indent=2)


def status_list_json(session: Session, platform: Platform, listing: StatusList) -> str:
    """The signed list credential stored by the last change of its bits; reading writes nothing.

    A list stored signed as of an older version than its own (last changed by a version of
    this service that signed lists when they were read) is signed afresh for this answer and
    not stored; its next revocation stores it again.
    """
    version, signed_version, stored = storage.status_list_state(session, listing.id)
    if stored is not None and signed_version == version:
        return stored
    return _signed_status_list(session, platform, listing)
