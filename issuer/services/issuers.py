"""Issuers and their keys: the platform issuer, Profiles, DID documents."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import keystore, storage
from ..credentials import documents, keys
from ..storage import Issuer
from .errors import Forbidden, Invalid
from .platform import Platform
from .transaction import savepoint, transaction


def new_issuer(platform: Platform, *, slug: str, kind: str, name: str, url: str,
               did_web: str | None = None) -> Issuer:
    """An issuer with a fresh key: ``did_web`` (from platform.urls, None unless the base URL is
    https), else a did:key; the caller adds the issuer to its session and commits.
    """
    private_key = keys.generate_private_key()
    if did_web is not None:
        did = did_web
        vm_id = f"{did}#key-1"
    else:
        did = keys.did_key(private_key.public_key())
        vm_id = keys.did_key_vm_id(did)
    issuer = Issuer(slug=slug, kind=kind, name=name, did=did, url=url)
    keystore.add_key(issuer, platform.kek, vm_id, private_key)
    return issuer


def ensure_platform_issuer(session: Session, platform: Platform) -> Issuer:
    """The platform's own issuer, created with a fresh key on first start."""
    issuer = storage.issuer_by_slug(session, "platform")
    if issuer is None:
        issuer = new_issuer(platform, slug="platform", kind="platform", name=platform.name,
                            url=platform.urls.home(), did_web=platform.urls.platform_did())
        with transaction(session):
            try:
                with savepoint(session):
                    session.add(issuer)
            except IntegrityError:  # another process created it first: use theirs
                issuer = storage.issuer_by_slug(session, "platform")
    return issuer


def signing_issuer(session: Session, credential: dict) -> Issuer:
    """The issuer the platform API token signs as: only the platform issuer.

    Members and communities sign through their own authenticated flows (the web forms and the
    per-user JSON API); the shared platform token cannot speak for them.
    """
    platform_issuer = storage.issuer_by_slug(session, "platform")
    if "issuer" not in credential:  # VC 2.0 §4.7 and VCALM: the caller names the issuer
        raise Invalid("issuer.required", did=platform_issuer.did)
    given = credential["issuer"]
    if given is None:  # refused with the data-model wording when completed
        return platform_issuer
    given_id = given.get("id") if isinstance(given, dict) else given
    if not isinstance(given_id, str):  # malformed (422) before foreign (403)
        raise Invalid("issuer.malformed")
    if given_id == platform_issuer.did:
        return platform_issuer
    raise Forbidden("issuer.not-the-platform", did=platform_issuer.did, given=given_id)


def require_platform_signed(session: Session, row) -> None:
    """The platform API token changes the status only of what the platform issuer signed: a
    community's or a member's badge is revoked by its leaders or its author, with their reason."""
    platform_issuer = storage.issuer_by_slug(session, "platform")
    if row.issuer_id != platform_issuer.id:
        raise Forbidden("revocation.not-the-platform", id=row.vc_id)


def issuer_profile(issuer: Issuer) -> dict:
    """The issuer as an OB Profile object."""
    image = documents.image(issuer.image_url, issuer.image_caption) if issuer.image_url else None
    return documents.profile(issuer.did, name=issuer.name, url=issuer.url,
                             description=issuer.description, image=image)


def did_document(issuer: Issuer) -> dict:
    """The did:web document: every key that is still valid, for assertionMethod."""
    live = [(k.vm_id, keys.public_key_from_multibase(k.public_multibase))
            for k in issuer.keys if k.retired_at is None]
    return keys.did_web_document(issuer.did, live)
