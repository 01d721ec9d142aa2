"""Issue pipeline (DESIGN.md §2): complete the unsigned document → structure, JSON Schema and
safe-mode expansion checks → allocate a status index in the same transaction → sign → store the
exact signed JSON text → commit. Any failure rolls back, so nothing half-written stays behind.
Revocation and status-list publication live here too: they change what was issued.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import keystore, storage
from ..credentials import digests, documents, proof, status
from ..credentials.vocab import type_list
from ..credentials.errors import ContextError, DocumentError
from ..storage import Award, IssuedCredential, Issuer, StatusList
from .issuers import issuer_profile
from .platform import Platform, now_utc

VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
DI_CONTEXT_V1 = "https://w3id.org/security/data-integrity/v2"
STATUS_CONTEXT_V1 = "https://www.w3.org/ns/credentials/status/v1"
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
SUITES = ("eddsa-rdfc-2022", "Ed25519Signature2020")
OB_TYPES = {"OpenBadgeCredential", "AchievementCredential"}


class DuplicateCredential(DocumentError):
    """A credential id that a stored credential already has (ids identify one credential)."""

    code = "DUPLICATE_ID"


def issue(session: Session, platform: Platform, credential: dict, *, issuer: Issuer,
          created: str | None = None, suites: tuple[str, ...] | None = None,
          award: Award | None = None, row_id: str | None = None,
          guard: Callable[[Session], None] | None = None, credential_id: str | None = None,
          status_entry: bool | None = None) -> IssuedCredential:
    """Complete, check, sign and store one credential; commit, or roll back on any error.

    ``award`` is the recognition the credential is the custodial copy of, stored in the same
    transaction (a VC-API credential has none); ``row_id`` fixes the row's uuid (and so the
    default credential URL).
    ``guard(session)`` runs first in the transaction of every attempt (a lock and a check
    that must still hold when the row is inserted); it raises to refuse.
    ``credential_id`` is the credential's id (VC-API ``options.credentialId``);
    ``status_entry`` True adds this service's revocation entry, False leaves it out, None
    decides as :func:`wants_status_entry` says.
    """
    suites = suites or (SUITES if platform.legacy_proof else SUITES[:1])
    for attempt in range(3):
        try:
            if guard is not None:
                guard(session)
            return _issue_once(session, platform, credential, issuer, created, suites,
                               award, row_id, credential_id, status_entry)
        except IntegrityError:  # a status index, a new list or an id taken at the same moment
            session.rollback()
            if attempt == 2:
                raise
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")


def _issue_once(session, platform, credential, issuer, created, suites, award,
                row_id, credential_id, status_entry) -> IssuedCredential:
    row = IssuedCredential(id=row_id or str(uuid.uuid4()), issuer_id=issuer.id)
    if status_entry is None:
        status_entry = wants_status_entry(credential)
    document = _complete(credential, platform, issuer, row, suites, credential_id, status_entry)
    _check(document, platform)
    if storage.vc_id_taken(session, document["id"]):
        name = "options.credentialId" if credential_id is not None else "id"
        raise DuplicateCredential(f"{name}: {document['id']!r} is the id of a credential already "
                                  "issued here; give a new id or leave it out")
    if status_entry:
        _allocate_status(session, platform, issuer, document, row)
    signed = _sign(document, platform, issuer, suites, created)
    row.vc_id = document["id"]
    row.kind = _kind(document)
    row.signed_json = json.dumps(signed, indent=2, ensure_ascii=False)
    if award is not None:  # by id: a retry must not find this attempt's row in its credentials
        award.id = award.id or row.id
        session.add(award)
        row.award_id = award.id
    session.add(row)
    session.commit()
    return row


def wants_status_entry(credential: dict) -> bool:
    """Whether the service adds its revocation entry when the client did not say.

    VC 2.0: yes, unless the client brought its own credentialStatus (kept as given). VC 1.1: no.
    The VC 1.1 context does not define BitstringStatusListEntry, so an entry needs the
    status context ``credentials/status/v1``, which many VC 1.1 verifiers do not have offline
    (the W3C eddsa suite's verifier among them): their credential would then not verify
    anywhere. A VC 1.1 credential gets the entry only when asked (options.credentialStatus).
    """
    contexts = credential.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else None
    return first != VC1_CONTEXT and "credentialStatus" not in credential


def _complete(credential: dict, platform: Platform, issuer: Issuer, row, suites,
              credential_id: str | None = None, status_entry: bool = True) -> dict:
    """Fill what the service owns: id, issuer, dates, contexts the proofs need."""
    document = copy.deepcopy(credential)
    contexts = document.get("@context")
    if not isinstance(contexts, list) or not contexts or contexts[0] not in (documents.VC2_CONTEXT, VC1_CONTEXT):
        raise DocumentError("@context: must be a list whose first item is "
                            f"{documents.VC2_CONTEXT} (or {VC1_CONTEXT} for VC 1.1)")
    _check_contexts(contexts, platform)
    if "proof" in document:
        raise DocumentError("proof: the service sets proof itself; leave it out")
    _check_client_status(document, status_entry)
    _set_issuer(document, issuer)
    if credential_id is not None:
        if document.get("id", credential_id) != credential_id:
            raise DocumentError(f"options.credentialId: {credential_id!r} differs from the "
                                f"credential's id {document['id']!r}; give one of them")
        document["id"] = credential_id
    document.setdefault("id", platform.credential_url(row.id))
    v1 = contexts[0] == VC1_CONTEXT
    document.setdefault("issuanceDate" if v1 else "validFrom", documents.xsd_datetime(now_utc()))
    if v1:
        _add_context(document, DI_CONTEXT_V1)
        if status_entry:
            _add_context(document, STATUS_CONTEXT_V1)
    if "Ed25519Signature2020" in suites:
        _add_context(document, ED25519_2020_CONTEXT)
    return document


def _check_contexts(contexts: list, platform: Platform) -> None:
    """Pinned context URLs and inline context objects; never a URL that would need a fetch.

    An inline object needs no fetch; the safe-mode expansion in :func:`_check` still refuses
    any term it leaves undefined, and a URL it imports must be pinned too.
    """
    for index, context in enumerate(contexts):
        if isinstance(context, dict):
            continue
        if not isinstance(context, str):
            raise DocumentError(f"@context[{index}]: must be a context URL or an inline context "
                                "object")
        if not platform.canonicalizer.loader.serves(context):
            raise ContextError(f"@context: {context} is not one of the pinned contexts this "
                               "service signs with (contexts are never fetched; give the "
                               "context inline instead)")


def _check_client_status(document: dict, status_entry: bool) -> None:
    """A client's credentialStatus is kept when usable; OB 3.0 allows one entry, not two."""
    if "credentialStatus" not in document:
        return
    given = document["credentialStatus"]
    if not given:  # null, [] or {}: nothing a verifier could use, and nothing signed
        raise DocumentError("credentialStatus: must be a status object or a list of them "
                            "(leave it out for none)")
    entries = given if isinstance(given, list) else [given]
    for index, entry in enumerate(entries):
        status.check_entry(entry, "credentialStatus" + (f"[{index}]" if isinstance(given, list) else ""))
    if status_entry and OB_TYPES & _types(document):
        raise DocumentError("credentialStatus: an Open Badge has one status entry; this service "
                            "would add its revocation entry too (leave options.credentialStatus "
                            "out to keep yours, or leave credentialStatus out)")


def _set_issuer(document: dict, issuer: Issuer) -> None:
    if "issuer" not in document:
        document["issuer"] = issuer_profile(issuer) if OB_TYPES & _types(document) else issuer.did
        return
    given = document["issuer"]
    if given is None:  # VC 2.0 §4.7: null is no issuer
        raise DocumentError(f"issuer: must be a URL or an object with an id, not null (this "
                            f"service signs as {issuer.did})")
    given_id = given.get("id") if isinstance(given, dict) else given
    if given_id != issuer.did:
        raise DocumentError(f"issuer: {given_id!r} is not an issuer of this service "
                            f"(this service signs as {issuer.did})")
    if given == issuer.did and OB_TYPES & _types(document):  # OB 3.0: the issuer is a Profile
        document["issuer"] = issuer_profile(issuer)


def _add_context(document: dict, url: str) -> None:
    if url not in document["@context"]:
        document["@context"].append(url)


def _types(document: dict) -> set[str]:
    return set(type_list(document.get("type")))


def _kind(document: dict) -> str:
    for name in ("OpenBadgeCredential", "AchievementCredential", "EndorsementCredential",
                 "BitstringStatusListCredential"):
        if name in _types(document):
            return name
    return "VerifiableCredential"


def _check(document: dict, platform: Platform) -> None:
    """Refuse what would be invalid or silently unsigned, naming the property."""
    documents.check_vc(document)
    types = _types(document)
    v2 = document["@context"][0] == documents.VC2_CONTEXT
    if OB_TYPES & types:
        documents.check_open_badge(document)
        if v2:
            platform.schemas.check(document, documents.ACHIEVEMENT_CREDENTIAL_SCHEMA)
    elif "EndorsementCredential" in types:
        documents.check_endorsement(document)
        if v2:
            platform.schemas.check(document, documents.ENDORSEMENT_CREDENTIAL_SCHEMA)
    _check_digests(document, platform)
    platform.canonicalizer.expand(document)


def _check_digests(document: dict, platform: Platform) -> None:
    """Refuse a relatedResource digest that contradicts a context we pin (VC 2.0 §5.3); one we
    cannot compute offline is the issuer's claim to make."""
    pinned = platform.canonicalizer.loader.pinned_bytes
    wrong = [found.message for found in digests.check_related(document, pinned)
             if found.outcome == digests.MISMATCH]
    if wrong:
        raise DocumentError("; ".join(wrong))


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
    transaction; commits or rolls back.
    """
    before = json.loads(row.signed_json)
    document = {**document, "id": row.vc_id, "@context": before["@context"],
                "awardedDate": before.get("awardedDate", before.get("validFrom"))}
    if "credentialStatus" in before:
        document["credentialStatus"] = before["credentialStatus"]
    suites = SUITES if platform.legacy_proof else SUITES[:1]
    try:
        _check(document, platform)
        signed = _sign(document, platform, row.issuer, suites, None)
        row.signed_json = json.dumps(signed, indent=2, ensure_ascii=False)
        row.updated_at = now_utc()
        if row.award is not None:
            row.award.updated_at = row.updated_at
            for name, value in (award_changes or {}).items():
                setattr(row.award, name, value)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return row


def credential_by_vc_id(session: Session, vc_id: str) -> IssuedCredential | None:
    """The stored credential with this id; a database from before ids were unique may hold two."""
    rows = storage.credentials_by_vc_id(session, vc_id)
    if len(rows) > 1:
        raise DuplicateCredential(f"credentialId: several credentials were issued with the id "
                                  f"{vc_id!r}, so it does not say which one is meant")
    return rows[0] if rows else None


def revoke(session: Session, row: IssuedCredential, reason: str) -> IssuedCredential:
    """Revoke for good (revocation is never reverted) and move its status list on a version.

    A credential made for an award revokes the award, and so every copy of it (see
    :func:`revoke_award`). The revoked row and the version bump commit together, so a list
    signed from a version read after this commit shows the bit (see status_list_json).
    """
    reason = (reason or "").strip()
    if not reason:
        raise DocumentError("reason: say why the credential is revoked")
    if row.status_list_id is None:  # issued without our entry: no list could ever say so
        raise DocumentError("credentialStatus: this credential was issued without a revocation "
                            "entry of this service, so verifiers could not learn it is revoked")
    if row.award is not None:
        revoke_award(session, row.award, reason)
        return row
    _commit_revocation(session, None, [row], reason)
    return row


def revoke_award(session: Session, award: Award, reason: str) -> Award:
    """Withdraw a recognition for good: the award and every credential signed for it.

    Each copy has its own status entry (a holder's copy must not share an index that another
    verifier sees), so each gets its bit, and each list one version more, in one transaction.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DocumentError("reason: say why the credential is revoked")
    _commit_revocation(session, award, list(award.credentials), reason)
    return award


def _commit_revocation(session: Session, award: Award | None, rows: list[IssuedCredential],
                       reason: str) -> None:
    at = now_utc()
    try:
        if award is not None:
            storage.mark_award_revoked(session, award, at, reason)
        for row in rows:
            if storage.mark_revoked(session, row, at, reason) and row.status_list_id is not None:
                storage.bump_status_version(session, row.status_list_id)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    for changed in ([award] if award is not None else []) + rows:
        session.refresh(changed)


def status_list_json(session: Session, platform: Platform, listing: StatusList) -> str:
    """The signed list credential: the cached one when it is current, else signed afresh.

    Several processes serve and revoke at once, so: read the version first, then the revoked
    indexes (every revocation counted in that version is in them), sign, and cache the result
    only over an older version. A slow re-sign can never replace a newer list.
    """
    version, signed_version, cached = storage.status_list_state(session, listing.id)
    if cached is not None and signed_version == version:
        return cached
    bits = status.StatusList(listing.size)
    for index in storage.revoked_indexes(session, listing):
        bits.set(index)
    issuer = session.get(Issuer, listing.issuer_id)
    url = platform.status_list_url(listing.id)
    document = status.status_list_credential(url, issuer.did, bits.encode(),
                                             valid_from=now_utc(), purpose=listing.purpose)
    text = json.dumps(_sign(document, platform, issuer, SUITES[:1], None), indent=2)
    try:
        storage.store_signed_status_list(session, listing.id, version, text, now_utc())
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return text
