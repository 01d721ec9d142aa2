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

Only what :mod:`.published` makes public of what the person received or gave appears (so an
endorsement of a badge only while that badge is public and not revoked); memberships only of
communities whose member list is public, and only active ones. Links are read from the
signed JSON, never rebuilt from columns.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..credentials.vocab import OB_CONTEXTS, xsd_datetime
from ..storage import Award, Community, Membership, User, issuer_by_did
from .communities import members_visible
from .issuers import issuer_profile
from .platform import Platform
from .published import public_recognition
from .recognition import profile_document


def recognition_graph(session: Session, platform: Platform, user: User) -> dict:
    """The person's public recognition graph (see the module docstring for its shape)."""
    awards = public_recognition(session, user)
    credentials = [item.document for item in awards]
    links = [_links(session, item.award, item.document) for item in awards]
    profile = profile_document(session, user, endorsements=False)  # they are among the credentials
    del profile["@context"]
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
