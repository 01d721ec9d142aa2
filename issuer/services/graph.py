"""A person's public recognition graph as JSON-LD: who recognised whom, for what, as signed.

The document is the person's page (``ProfilePage``) with their OB Profile as ``mainEntity``
(memberships as schema.org ``Role``s under ``memberOf``), the Profiles of everyone it names
(``mentions``), every public credential exactly as signed (``verifiableCredential``, one named
graph each, as in a presentation) and one node per credential with its links (``hasPart``):
``awardedBy`` (its issuer: a community, a person or the platform), ``awardedTo`` (a badge's
recipient), ``author`` (the person who gave it, also for a community's badge) and ``endorses``
(what an endorsement is about: a badge, a person or an achievement). The terms are defined by
the service's own pinned context, ``Urls.recognition_context()``, with IRIs the credentials
already use (VC ``issuer`` and ``credentialSubject``, OB ``endorsement``) or schema.org's.

Only awards the person received or gave that are accepted, public and not revoked appear; an
endorsement of a badge appears only while that badge is public and not revoked; memberships
only of communities whose member list is public, and only active ones. Links are read from the
signed JSON, never rebuilt from columns.
"""

from __future__ import annotations

import json

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from ..credentials.vocab import OB_CONTEXTS, xsd_datetime
from ..storage import Award, Community, IssuedCredential, Membership, User, issuer_by_did
from .communities import members_visible
from .issuers import issuer_profile
from .platform import Platform
from .recognition import profile_document
from .showing import can_see


def recognition_graph(session: Session, platform: Platform, user: User) -> dict:
    """The person's public recognition graph (see the module docstring for its shape)."""
    awards = [row for row in _public_awards(session, user)
              if row.credential.revoked_at is None and _subject_is_public(session, row)]
    credentials = [json.loads(row.credential.signed_json) for row in awards]
    links = [_links(session, row, document) for row, document in zip(awards, credentials)]
    profile = profile_document(session, user)
    for key in ("@context", "endorsement"):  # endorsements are among the credentials below
        profile.pop(key, None)
    roles = [_role(member) for member in _public_memberships(session, user)]
    if roles:
        profile["memberOf"] = roles
    named = [role["memberOf"] for role in roles] + [
        value for link in links for key in ("awardedBy", "awardedTo", "author", "endorses")
        if isinstance(value := link.get(key), str)]
    return {
        "@context": [*OB_CONTEXTS, platform.urls.recognition_context()],
        "id": platform.urls.person(user.handle),
        "type": "ProfilePage",
        "mainEntity": profile,
        "mentions": _profiles(session, named, exclude=user.issuer.did),
        "verifiableCredential": credentials,
        "hasPart": links,
    }


def _public_awards(session: Session, user: User) -> list[Award]:
    """Awards the person received or gave: accepted, public, not revoked; oldest first."""
    return list(session.scalars(
        select(Award).where(or_(Award.recipient_user_id == user.id, Award.author_user_id == user.id),
                            Award.consent == "accepted", Award.visibility == "public",
                            Award.revoked_at.is_(None))
        .order_by(Award.created_at, Award.id).options(selectinload(Award.credential))))


def _subject_is_public(session: Session, row: Award) -> bool:
    """An endorsement of a badge only while that badge is public and not revoked."""
    if row.kind != "endorsement" or row.achievement_id is not None:
        return True
    badge = session.scalars(select(IssuedCredential).where(
        IssuedCredential.vc_id == row.subject_ref, IssuedCredential.holder_did.is_(None))).first()
    if badge is None:  # a person, by their DID
        return True
    revoked = badge.revoked_at is not None or (badge.award is not None and badge.award.revoked_at is not None)
    return not revoked and can_see(badge, None)


def _links(session: Session, row: Award, document: dict) -> dict:
    """The links of one credential, as its signed JSON states them."""
    issuer = document.get("issuer")
    subject = document.get("credentialSubject")
    found = {"id": document["id"],
             "awardedBy": issuer.get("id") if isinstance(issuer, dict) else issuer}
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    if row.kind == "endorsement":
        found["endorses"] = subject_id
    else:
        found["awardedTo"] = subject_id
    author = session.get(User, row.author_user_id) if row.author_user_id else None
    if author is not None:
        found["author"] = author.issuer.did
    return {key: value for key, value in found.items() if value is not None}


def _public_memberships(session: Session, user: User) -> list[Membership]:
    """Active memberships in communities whose member list anyone may see, by community name."""
    rows = session.scalars(select(Membership).join(Community).where(
        Membership.user_id == user.id, Membership.status == "active").order_by(Community.name))
    return [row for row in rows if members_visible(session, row.community, None)]


def _role(member: Membership) -> dict:
    return {"type": "Role", "roleName": member.role, "startDate": xsd_datetime(member.created_at),
            "memberOf": member.community.issuer.did}


def _profiles(session: Session, dids: list[str], *, exclude: str) -> list[dict]:
    """The OB Profile of every issuer of this service named, once each, in order of mention."""
    found: dict[str, dict] = {}
    for did in dids:
        if did == exclude or did in found:
            continue
        issuer = issuer_by_did(session, did)
        if issuer is not None:
            found[did] = issuer_profile(issuer)
    return list(found.values())
