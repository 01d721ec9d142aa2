"""Verification wired to the service: our own issuers and lists from the database, anyone else's
through the guarded fetcher (or not at all when fetching is off)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session

from .. import storage
from ..credentials import keys
from ..credentials.errors import KeyMaterialError
from ..credentials.verify import KeyInfo, KeyUnavailable, StatusUnavailable, Unsupported, Verifier
from ..fetch import FetchError, fetch_json
from ..storage import Issuer, StatusList
from .issuing import status_list_json
from .platform import Platform

RELATIONSHIPS = ("assertionMethod", "authentication")
DID_METHODS = ("did:key:", "did:web:")  # the others are "unsupported", decided before any fetch


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
    if vm_id.startswith("did:") and not vm_id.startswith(DID_METHODS):
        method = vm_id.split(":", 2)[1] if vm_id.count(":") >= 2 else vm_id
        raise Unsupported(f"the issuer's key is a did:{method} identifier, a kind of identifier "
                          "this service cannot look up (did:key and did:web are supported)")
    if vm_id.startswith("did:web:"):
        url = keys.did_web_url(controller)
    elif vm_id.startswith("https://") or (vm_id.startswith("http://") and platform.fetch_policy.allow_private):
        url = controller  # plain http only in development, where private addresses are allowed
    elif vm_id.startswith("http://"):
        raise KeyMaterialError(f"keys are only fetched over https; {vm_id} uses plain http")
    else:
        raise Unsupported(f"the issuer's key {vm_id!r} is of a kind this service cannot look up "
                          "(did:key, did:web and https URLs are supported)")
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
    """Find ``vm_id`` in a controller document and the relationships that list it.

    DID Core lets a relationship embed its method instead of referring to one listed under
    verificationMethod (DCC's did:web documents do): both forms are looked in."""
    fragment = "#" + vm_id.split("#", 1)[-1]
    methods = [m for m in _as_list(document.get("verificationMethod")) if isinstance(m, dict)]
    if document.get("publicKeyMultibase"):
        methods.insert(0, {**document, "id": document.get("id", vm_id)})
    for name in RELATIONSHIPS:
        methods += [m for m in _as_list(document.get(name)) if isinstance(m, dict)]
    for method in methods:
        if method.get("id") in (vm_id, fragment):
            relationships = {name for name in RELATIONSHIPS
                             if _lists(document.get(name), vm_id, fragment)}
            owner = method.get("controller") or document.get("id") or controller
            return KeyInfo(vm_id, _public_key(method, vm_id), owner, frozenset(relationships))
    raise KeyMaterialError(f"{controller} does not list the key {vm_id}")


def _public_key(method: dict, vm_id: str):
    """Ed25519 keys in multibase (Multikey, Ed25519VerificationKey2020); other forms unsupported."""
    if method.get("publicKeyMultibase") is None and ("publicKeyJwk" in method or "publicKeyBase58" in method):
        raise Unsupported(f"the key {vm_id} is of the type {method.get('type')!r}, which this "
                          "service cannot use")
    return keys.public_key_from_multibase(method.get("publicKeyMultibase"))


def _as_list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _lists(relationship, vm_id: str, fragment: str) -> bool:
    entries = _as_list(relationship)
    return any((e.get("id") if isinstance(e, dict) else e) in (vm_id, fragment) for e in entries)


def get_status(session: Session, platform: Platform, url: str, *, fetch: bool) -> dict:
    """Our own lists straight from the database; other issuers' by guarded fetch."""
    tail = platform.urls.status_list_id(url)
    if tail is not None:
        listing = (session.get(StatusList, int(tail))
                   if tail.isdigit() and storage.in_id_range(int(tail)) else None)
        if listing is None:
            raise StatusUnavailable(f"no status list at {url}")
        return json.loads(status_list_json(session, platform, listing))
    if not fetch:
        raise StatusUnavailable("fetching other issuers' status lists is turned off")
    try:
        return fetch_json(url, platform.fetch_policy)
    except FetchError as error:
        raise StatusUnavailable(str(error)) from None
