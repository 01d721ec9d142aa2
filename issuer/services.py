"""Units of work — issue, revoke, publish status lists, verify — and the only place that commits.

Issue pipeline (DESIGN.md §2): complete the unsigned document → structure, JSON Schema and
safe-mode expansion checks → allocate a status index in the same transaction → sign → store the
exact signed JSON text → commit. Any failure rolls back, so nothing half-written stays behind.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import keystore, storage
from .credentials import documents, keys, proof, status
from .credentials.canonical import Canonicalizer
from .credentials.errors import ContextError, DocumentError, KeyMaterialError
from .credentials.schema import SchemaRegistry
from .credentials.verify import KeyInfo, KeyUnavailable, StatusUnavailable, Verifier
from .fetch import FetchError, FetchPolicy, fetch_json
from .storage import IssuedCredential, Issuer, StatusList

VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
DI_CONTEXT_V1 = "https://w3id.org/security/data-integrity/v2"
STATUS_CONTEXT_V1 = "https://www.w3.org/ns/credentials/status/v1"
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
SUITES = ("eddsa-rdfc-2022", "Ed25519Signature2020")
OB_TYPES = {"OpenBadgeCredential", "AchievementCredential"}


@dataclass
class Platform:
    """The core wired for one app: built once by create_app, shared by every request."""

    base_url: str
    name: str
    canonicalizer: Canonicalizer
    schemas: SchemaRegistry
    kek: bytes
    fetch_policy: FetchPolicy
    status_list_size: int
    legacy_proof: bool

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")

    def credential_url(self, uuid_: str) -> str:
        return f"{self.base_url}/credentials/{uuid_}"

    def status_list_url(self, list_id: int) -> str:
        return f"{self.base_url}/credentials/status/{list_id}"


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


# ---------------------------------------------------------------- issuers and keys

def ensure_platform_issuer(session: Session, platform: Platform) -> Issuer:
    """The platform's own issuer, created with a fresh key on first start."""
    issuer = storage.issuer_by_slug(session, "platform")
    if issuer is not None:
        return issuer
    private_key = keys.generate_private_key()
    if platform.https:
        did, vm_id = keys.did_web(platform.base_url), None
        vm_id = f"{did}#key-1"
    else:
        did = keys.did_key(private_key.public_key())
        vm_id = keys.did_key_vm_id(did)
    issuer = Issuer(slug="platform", kind="platform", name=platform.name, did=did,
                    url=platform.base_url)
    keystore.add_key(issuer, platform.kek, vm_id, private_key)
    session.add(issuer)
    session.commit()
    return issuer


def signing_issuer(session: Session, credential: dict) -> Issuer:
    """The issuer a credential asks for: one of ours by its id, or the platform when none."""
    given = credential.get("issuer")
    given_id = given.get("id") if isinstance(given, dict) else given
    if given_id is None:
        return storage.issuer_by_slug(session, "platform")
    issuer = storage.issuer_by_did(session, given_id) if isinstance(given_id, str) else None
    if issuer is None:
        raise DocumentError(f"issuer: {given_id!r} is not an issuer of this service")
    return issuer


def issuer_profile(issuer: Issuer) -> dict:
    """The issuer as an OB Profile object."""
    return documents.profile(issuer.did, name=issuer.name, url=issuer.url,
                             description=issuer.description)


def did_document(issuer: Issuer) -> dict:
    """The did:web document: every key that is still valid, for assertionMethod."""
    live = [(k.vm_id, keys.public_key_from_multibase(k.public_multibase))
            for k in issuer.keys if k.retired_at is None]
    return keys.did_web_document(issuer.did, live)


# ---------------------------------------------------------------- issuing

def issue(session: Session, platform: Platform, credential: dict, *, issuer: Issuer,
          created: str | None = None, suites: tuple[str, ...] | None = None) -> IssuedCredential:
    """Complete, check, sign and store one credential; commit, or roll back on any error."""
    suites = suites or (SUITES if platform.legacy_proof else SUITES[:1])
    for attempt in range(3):
        try:
            return _issue_once(session, platform, credential, issuer, created, suites)
        except IntegrityError:  # two requests drew the same status index at once: draw again
            session.rollback()
            if attempt == 2:
                raise
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")


def _issue_once(session, platform, credential, issuer, created, suites) -> IssuedCredential:
    row = IssuedCredential(id=str(uuid.uuid4()), issuer_id=issuer.id)
    document = _complete(credential, platform, issuer, row, suites)
    _check(document, platform)
    _allocate_status(session, platform, issuer, document, row)
    signed = _sign(document, platform, issuer, suites, created)
    row.vc_id = document["id"]
    row.kind = _kind(document)
    row.signed_json = json.dumps(signed, indent=2, ensure_ascii=False)
    session.add(row)
    session.commit()
    return row


def _complete(credential: dict, platform: Platform, issuer: Issuer, row, suites) -> dict:
    """Fill what the service owns: id, issuer, dates, contexts the proofs need."""
    document = copy.deepcopy(credential)
    contexts = document.get("@context")
    if not isinstance(contexts, list) or not contexts or contexts[0] not in (documents.VC2_CONTEXT, VC1_CONTEXT):
        raise DocumentError("@context: must be a list whose first item is "
                            f"{documents.VC2_CONTEXT} (or {VC1_CONTEXT} for VC 1.1)")
    for context in contexts:
        if not isinstance(context, str) or not platform.canonicalizer.loader.serves(context):
            shown = context if isinstance(context, str) else "an inline context object"
            raise ContextError(f"@context: {shown} is not one of the pinned contexts this "
                               "service signs with")
    for name in ("proof", "credentialStatus"):
        if name in document:
            raise DocumentError(f"{name}: the service sets {name} itself; leave it out")
    _set_issuer(document, issuer)
    document.setdefault("id", platform.credential_url(row.id))
    v1 = contexts[0] == VC1_CONTEXT
    document.setdefault("issuanceDate" if v1 else "validFrom", documents.xsd_datetime(now_utc()))
    if v1:
        _add_context(document, DI_CONTEXT_V1)
        _add_context(document, STATUS_CONTEXT_V1)
    if "Ed25519Signature2020" in suites:
        _add_context(document, ED25519_2020_CONTEXT)
    return document


def _set_issuer(document: dict, issuer: Issuer) -> None:
    given = document.get("issuer")
    if given is None:
        document["issuer"] = issuer_profile(issuer) if OB_TYPES & _types(document) else issuer.did
        return
    given_id = given.get("id") if isinstance(given, dict) else given
    if given_id != issuer.did:
        raise DocumentError(f"issuer: {given_id!r} is not an issuer of this service "
                            f"(this service signs as {issuer.did})")


def _add_context(document: dict, url: str) -> None:
    if url not in document["@context"]:
        document["@context"].append(url)


def _types(document: dict) -> set[str]:
    value = document.get("type", [])
    return {value} if isinstance(value, str) else set(value) if isinstance(value, list) else set()


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
    platform.canonicalizer.expand(document)


def _allocate_status(session, platform: Platform, issuer: Issuer, document: dict, row) -> None:
    """A random unused revocation index in the issuer's newest list (a new list when full)."""
    listing = storage.newest_status_list(session, issuer, "revocation")
    if listing is None or storage.allocated_count(session, listing) >= listing.size:
        listing = StatusList(issuer_id=issuer.id, purpose="revocation", size=platform.status_list_size)
        session.add(listing)
        session.flush()
    index = status.allocate_index(lambda i: storage.index_in_use(session, listing, i), listing.size)
    row.status_list_id, row.status_index = listing.id, index
    document["credentialStatus"] = status.status_entry(platform.status_list_url(listing.id), index)


def _sign(document: dict, platform: Platform, issuer: Issuer, suites, created) -> dict:
    key = keystore.active_key(issuer)
    private_key = keystore.private_key(key, platform.kek)
    created = created or documents.xsd_datetime(now_utc())
    for suite in suites:
        document = proof.add_proof(document, private_key, verification_method=key.vm_id,
                                   canonicalizer=platform.canonicalizer, suite=suite, created=created)
    return document


# ---------------------------------------------------------------- revocation and status lists

def credential_by_vc_id(session: Session, vc_id: str) -> IssuedCredential | None:
    return session.query(IssuedCredential).filter_by(vc_id=vc_id).one_or_none()


def revoke(session: Session, row: IssuedCredential, reason: str) -> IssuedCredential:
    """Revoke for good (revocation is never reverted) and invalidate the cached list."""
    reason = (reason or "").strip()
    if not reason:
        raise DocumentError("reason: say why the credential is revoked")
    if row.revoked_at is None:
        row.revoked_at = now_utc()
        row.revocation_reason = reason
        listing = session.get(StatusList, row.status_list_id)
        listing.signed_json = None
        session.commit()
    return row


def status_list_json(session: Session, platform: Platform, listing: StatusList) -> str:
    """The signed list credential, re-signed only after a revocation changed the bits."""
    if listing.signed_json is not None:
        return listing.signed_json
    bits = status.StatusList(listing.size)
    for index in storage.revoked_indexes(session, listing):
        bits.set(index)
    issuer = session.get(Issuer, listing.issuer_id)
    url = platform.status_list_url(listing.id)
    document = status.status_list_credential(url, issuer.did, bits.encode(),
                                             valid_from=now_utc(), purpose=listing.purpose)
    signed = _sign(document, platform, issuer, SUITES[:1], None)
    listing.signed_json = json.dumps(signed, indent=2)
    listing.signed_at = now_utc()
    session.commit()
    return listing.signed_json


# ---------------------------------------------------------------- verification

def verifier(session: Session, platform: Platform, *, now: datetime | None = None,
             fetch: bool = True) -> Verifier:
    """A Verifier that knows our own issuers and lists, and fetches others' only if allowed."""
    return Verifier(
        canonicalizer=platform.canonicalizer,
        resolve_key=lambda vm_id: resolve_key(session, platform, vm_id, fetch=fetch),
        get_status=lambda url: get_status(session, platform, url, fetch=fetch),
        schemas=platform.schemas,
        now=now,
    )


def resolve_key(session: Session, platform: Platform, vm_id: str, *, fetch: bool) -> KeyInfo:
    """did:key locally; our own DIDs from the database; did:web and https keys by guarded fetch."""
    controller = vm_id.split("#", 1)[0]
    if vm_id.startswith("did:key:"):
        return KeyInfo(vm_id, keys.public_key_from_did_key(vm_id), controller,
                       frozenset({"assertionMethod", "authentication"}))
    own = storage.issuer_by_did(session, controller)
    if own is not None:
        return _own_key(own, vm_id)
    if vm_id.startswith("did:web:"):
        url = keys.did_web_url(controller)
    elif vm_id.startswith("https://") or (vm_id.startswith("http://") and platform.fetch_policy.allow_private):
        url = controller  # plain http only in development, where private addresses are allowed
    elif vm_id.startswith("http://"):
        raise KeyMaterialError(f"keys are only fetched over https; {vm_id} uses plain http")
    else:
        raise KeyMaterialError(f"unsupported verification method {vm_id!r} (did:key, did:web "
                               "and https URLs are supported)")
    if not fetch:
        raise KeyUnavailable("fetching other issuers' keys is turned off")
    try:
        return _key_from_document(fetch_json(url, platform.fetch_policy), vm_id, controller)
    except FetchError as error:
        raise KeyUnavailable(str(error)) from None


def _own_key(issuer: Issuer, vm_id: str) -> KeyInfo:
    for key in issuer.keys:
        if key.vm_id == vm_id and key.retired_at is None:
            return KeyInfo(vm_id, keys.public_key_from_multibase(key.public_multibase), issuer.did,
                           frozenset({"assertionMethod", "authentication"}))
    raise KeyMaterialError(f"{vm_id} is not a valid key of {issuer.did}")


def _key_from_document(document: dict, vm_id: str, controller: str) -> KeyInfo:
    """Find ``vm_id`` in a controller document and the relationships that list it."""
    methods = document.get("verificationMethod") or []
    if document.get("publicKeyMultibase"):
        methods = [{**document, "id": document.get("id", vm_id)}, *methods]
    fragment = "#" + vm_id.split("#", 1)[-1]
    for method in methods if isinstance(methods, list) else []:
        if isinstance(method, dict) and method.get("id") in (vm_id, fragment):
            relationships = {name for name in ("assertionMethod", "authentication")
                             if _lists(document.get(name), vm_id, fragment)}
            owner = method.get("controller") or document.get("id") or controller
            return KeyInfo(vm_id, keys.public_key_from_multibase(method.get("publicKeyMultibase")),
                           owner, frozenset(relationships))
    raise KeyMaterialError(f"{controller} does not list the key {vm_id}")


def _lists(relationship, vm_id: str, fragment: str) -> bool:
    entries = relationship if isinstance(relationship, list) else []
    return any((e.get("id") if isinstance(e, dict) else e) in (vm_id, fragment) for e in entries)


def get_status(session: Session, platform: Platform, url: str, *, fetch: bool) -> dict:
    """Our own lists straight from the database; other issuers' by guarded fetch."""
    prefix = f"{platform.base_url}/credentials/status/"
    if url.startswith(prefix):
        tail = url[len(prefix):]
        listing = session.get(StatusList, int(tail)) if tail.isdigit() else None
        if listing is None:
            raise StatusUnavailable(f"no status list at {url}")
        return json.loads(status_list_json(session, platform, listing))
    if not fetch:
        raise StatusUnavailable("fetching other issuers' status lists is turned off")
    try:
        return fetch_json(url, platform.fetch_policy)
    except FetchError as error:
        raise StatusUnavailable(str(error)) from None


def revocation_reason(session: Session, platform: Platform, document: dict) -> str | None:
    """For our own revoked credentials, the reason the issuer gave."""
    entry = document.get("credentialStatus") if isinstance(document, dict) else None
    if not isinstance(entry, dict) or not str(entry.get("statusListCredential", "")).startswith(platform.base_url):
        return None
    list_id = urlsplit(entry["statusListCredential"]).path.rsplit("/", 1)[-1]
    index = entry.get("statusListIndex")
    if not (list_id.isdigit() and isinstance(index, str) and index.isdigit()):
        return None
    row = session.query(IssuedCredential).filter_by(status_list_id=int(list_id),
                                                    status_index=int(index)).one_or_none()
    return row.revocation_reason if row is not None else None
