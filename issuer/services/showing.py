"""Showing issued credentials: who may see one, what it says, and how it verifies in plain words.

The privacy rule lives here once: a credential made through the web app (it has a recipient) is
public only when its recipient accepted it and made it public (the consent rule of
services.published); until then only the recipient and its author see it. Credentials without
a recipient (VC-API, status lists) stay public. The reason a credential was revoked follows the
same rule, and is told only about the very credential presented (same id and proof), never
about whatever holds a status list index.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import storage
from ..credentials import clr
from ..credentials.identity import names_in
from ..credentials.kinds import CLR, kind_of_document
from ..credentials.proof import proofs_of
from ..credentials.results import VerificationResult
from ..explain import IssuerName, date_words, email_words, explain, recipient_words
from ..storage import Achievement, Award, Community, IssuedCredential, Issuer, User
from .identity import check_email
from .platform import Platform
from .published import is_public
from .verifying import verifier


def can_see(row: IssuedCredential, user: User | None) -> bool:
    """Whether ``user`` (None or anonymous: nobody) may see this credential.

    Its award decides: a credential without one (VC-API) is public. An endorsement of an
    achievement has no recipient: its community consents (a leader or coordinator), and until
    then only its author sees it here.
    """
    award = row.award
    if award is None:
        return True
    community_consents = award.kind == "endorsement" and award.achievement_id is not None
    if award.recipient_user_id is None and not community_consents:
        return True
    if is_public(award, include_revoked=True):  # revoked ones too: their page shows the revocation
        return True
    user_id = getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None
    return user_id is not None and user_id in (award.recipient_user_id, award.author_user_id)


def visible_credential(session: Session, uuid: str, user: User | None) -> IssuedCredential | None:
    """The stored credential if it exists and ``user`` may see it; else None (a 404 either way)."""
    row = session.get(IssuedCredential, uuid) if len(uuid) <= 36 else None
    return row if row is not None and can_see(row, user) else None


def endorsements_of(session: Session, row: IssuedCredential, user: User | None) -> list[IssuedCredential]:
    """Endorsements about this credential that are not revoked and that ``user`` may see
    (their custodial credentials)."""
    found = session.scalars(select(IssuedCredential)
                            .join(Award, IssuedCredential.award_id == Award.id)
                            .where(Award.subject_ref == row.vc_id, Award.revoked_at.is_(None),
                                   IssuedCredential.holder_did.is_(None))
                            .order_by(Award.created_at))
    return [e for e in found if can_see(e, user)]


def issuer_names(session: Session, ids: Iterable[str | None]) -> dict[str, IssuerName]:
    """Names and kinds of those ids that are issuers of this service."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = session.scalars(select(Issuer).where(Issuer.did.in_(wanted)))
    return {row.did: IssuerName(row.name, row.kind) for row in rows}


def _issuer_ids(result: VerificationResult) -> list[str | None]:
    inner = [*result.endorsements, *result.members]  # a record's credentials name issuers too
    return [result.issuer_id, *(i for e in inner for i in _issuer_ids(e))]


def revocation_reason(session: Session, platform: Platform, document: object,
                      viewer: User | None = None) -> str | None:
    """The reason given for revoking this very credential of ours, if ``viewer`` may see it."""
    found = revocation_told(session, platform, document, viewer)
    return found[1] if found else None


def revocation_told(session: Session, platform: Platform, document: object,
                    viewer: User | None = None) -> tuple[datetime, str] | None:
    """When and why this very credential of ours was revoked, if ``viewer`` may see it.

    The status list is public, so its index only finds a candidate: the presented document must
    carry that credential's id and exactly its proof values, and the credential must be visible
    to the viewer (public, or the viewer is its recipient or author).
    """
    row = _presented_credential(session, platform, document)
    if row is None or row.revoked_at is None or not can_see(row, viewer):
        return None
    return row.revoked_at, row.revocation_reason


def _presented_credential(session: Session, platform: Platform,
                          document: object) -> IssuedCredential | None:
    """Our stored credential that ``document`` is a copy of (same id and proofs), or None."""
    entry = document.get("credentialStatus") if isinstance(document, dict) else None
    entry = next((e for e in entry if isinstance(e, dict)), None) if isinstance(entry, list) else entry
    if not isinstance(entry, dict):
        return None
    list_id = platform.urls.status_list_id(entry.get("statusListCredential")) or ""
    index = entry.get("statusListIndex")
    if not (list_id.isdigit() and isinstance(index, str) and index.isdigit()):
        return None
    if not (storage.in_id_range(int(list_id)) and storage.in_id_range(int(index))):
        return None
    row = session.scalar(select(IssuedCredential).where(
        IssuedCredential.status_list_id == int(list_id), IssuedCredential.status_index == int(index)))
    if row is None or document.get("id") != row.vc_id:
        return None
    presented = _proof_values(document)
    return row if presented and presented == _proof_values(json.loads(row.signed_json)) else None


def _proof_values(document: dict) -> set[str]:
    return {p.get("proofValue") for p in proofs_of(document)
            if isinstance(p, dict) and isinstance(p.get("proofValue"), str)}


def verify_explained(session: Session, platform: Platform, document: object,
                     viewer: User | None = None, *, email: str | None = None) -> tuple[VerificationResult, dict]:
    """Verify a document (ours from storage, others' by guarded fetch) and explain the outcome;
    a revocation reason is shown only as ``revocation_reason`` allows for ``viewer``. The
    explanation says whose badge it is (``recipient``) and, given ``email``, whether it was
    issued to that address (``email_check``; the address is not kept)."""
    result = verifier(session, platform).verify(document)
    revoked_on, reason = revocation_told(session, platform, document, viewer) or (None, None)
    # a record's credentials (CLR): the reason each revoked one of ours was revoked, as above
    member_reasons = [None if found.verified else revocation_reason(session, platform, member, viewer)
                      for member, found in zip(clr.members(document), result.members)]
    explanation = explain(result, revocation_reason=reason, revoked_on=revoked_on,
                          issuers=issuer_names(session, _issuer_ids(result)),
                          member_reasons=member_reasons)
    explanation["recipient"] = recipient_words(names_in(document), result, explanation["issuer"])
    if email is not None:
        explanation["email_check"] = email_words(check_email(document, email), result,
                                                 explanation["issuer"])
    return result, explanation


def credential_page(session: Session, platform: Platform, row: IssuedCredential,
                    user: User | None) -> dict:
    """Everything the credential page shows, read from the signed JSON and verified live."""
    document = json.loads(row.signed_json)
    _, explanation = verify_explained(session, platform, document, user)
    endorsements = [_endorsement_entry(session, platform, e, user)
                    for e in endorsements_of(session, row, user)]
    record = record_contents(document) if kind_of_document(document) is CLR else None
    recipient = recipient_of(session, row) if record is None else record_owner(session, document)
    return {"row": row, "award": row.award, "credential": describe(document), "explanation": explanation,
            "issued_by": issued_by(session, platform, row), "recipient": recipient,
            "endorsements": endorsements, "url": platform.credential_url(row.id), "record": record,
            "about": endorsed_subject(session, platform, row, user)}


def record_owner(session: Session, document: dict) -> User | None:
    """The person of this service a record (CLR) is about, by the DID it names."""
    did = clr.subject_id(document)
    issuer = storage.issuer_by_did(session, did) if did else None
    if issuer is None or issuer.kind != "person":
        return None
    return session.scalar(select(User).where(User.issuer_id == issuer.id))


def record_contents(document: dict) -> dict:
    """What a record (CLR) holds, for its page: each credential and endorsement by name and
    issuer (linked when it has a web address), and whether the person left some out."""
    def entry(item) -> dict:
        item = item if isinstance(item, dict) else {}
        issuer = item.get("issuer")
        name = issuer.get("name") if isinstance(issuer, dict) else None
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        found = describe(item)
        return {"name": found["name"], "issuer": _text(name) or _text(issuer_id) or "an unnamed issuer",
                "url": _link(item.get("id")), "comment": found["comment"],
                "about": found["subject_id"] if "EndorsementCredential" in _types(item) else None}
    subject = document.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    endorsements = document.get("endorsement")
    associations = subject.get("association")
    return {"credentials": [entry(m) for m in clr.members(document)],
            "endorsements": [entry(e) for e in endorsements] if isinstance(endorsements, list) else [],
            "associations": len(associations) if isinstance(associations, list) else 0,
            "partial": document.get("partial") is True}


def _types(item: dict) -> list:
    types = item.get("type")
    return types if isinstance(types, list) else [types]


def endorsed_revocation(session: Session, row: IssuedCredential, user: User | None) -> dict | None:
    """For an endorsement: the badge of ours it is about, when that badge was revoked and
    ``user`` may see it (its row, name, date and reason); else None."""
    if row.kind != "EndorsementCredential":
        return None
    subject = describe(json.loads(row.signed_json))["subject_id"]
    found = storage.credentials_by_vc_id(session, subject, limit=1) if subject else []
    badge = found[0] if found else None
    if badge is None or badge.revoked_at is None or not can_see(badge, user):
        return None
    return {"row": badge, "name": describe(json.loads(badge.signed_json))["name"],
            "date": date_words(badge.revoked_at), "reason": badge.revocation_reason}


def endorsed_subject(session: Session, platform: Platform, row: IssuedCredential,
                     viewer: User | None) -> dict | None:
    """What an endorsement made here is about, by name: a person, a person's badge or an
    achievement, each with its page (a badge's only when ``viewer`` may see it). None when it
    is not such an endorsement, or its subject is not known here."""
    award = row.award
    if award is None or award.kind != "endorsement" or not award.subject_ref:
        return None
    if award.achievement_id is not None:
        achievement = session.get(Achievement, award.achievement_id)
        return {"kind": "achievement", "achievement": achievement.name,
                "url": platform.urls.achievement(achievement.id)}
    person = session.get(User, award.recipient_user_id) if award.recipient_user_id else None
    if person is not None and award.subject_ref == person.issuer.did:
        return {"kind": "person", "person": person.display_name,
                "person_url": platform.urls.person(person.handle)}
    badge = next(iter(storage.credentials_by_vc_id(session, award.subject_ref, limit=1)), None)
    if badge is None:
        return None
    return {"kind": "badge", "badge": describe(json.loads(badge.signed_json))["name"],
            "url": platform.credential_url(badge.id) if can_see(badge, viewer) else None,
            "person": person.display_name if person else None,
            "person_url": platform.urls.person(person.handle) if person else None}


def _endorsement_entry(session: Session, platform: Platform, row: IssuedCredential,
                       user: User | None) -> dict:
    """One endorsement of a credential: who, what they said, and its own verification."""
    document = json.loads(row.signed_json)
    _, explanation = verify_explained(session, platform, document, user)
    return {"row": row, "endorser": row.issuer.name, "credential": describe(document),
            "explanation": explanation, "url": platform.credential_url(row.id)}


def issued_by(session: Session, platform: Platform, row: IssuedCredential) -> str:
    """Who issued it, in words: the platform, a community, or a member (of a community)."""
    issuer, award = row.issuer, row.award
    community = session.get(Community, award.community_id) if award and award.community_id else None
    if issuer.kind == "community":
        return f"Issued by the community {issuer.name}"
    if issuer.kind == "person":
        word = "Peer badge issued" if award and award.peer_issued else "Issued"
        return f"{word} by {issuer.name}" + (f", member of {community.name}" if community else "")
    return f"Issued by {issuer.name or platform.name}"


def recipient_of(session: Session, row: IssuedCredential) -> User | None:
    award = row.award
    return session.get(User, award.recipient_user_id) if award and award.recipient_user_id else None


def describe(document: dict) -> dict:
    """What a credential says, for a page: names, image, criteria, narrative, evidence, comment."""
    subject = document.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement") if isinstance(subject.get("achievement"), dict) else {}
    criteria = achievement.get("criteria") if isinstance(achievement.get("criteria"), dict) else {}
    image = _image(document.get("image")) or _image(achievement.get("image"))
    evidence = document.get("evidence") if isinstance(document.get("evidence"), list) else []
    return {
        "name": _text(document.get("name")) or _text(achievement.get("name")) or "Credential",
        "description": _text(document.get("description")) or _text(achievement.get("description")),
        "achievement": _text(achievement.get("name")), "image": image,
        "criteria": _text(criteria.get("narrative")), "criteria_url": _link(criteria.get("id")),
        "narrative": _text(subject.get("narrative")), "subject_id": _text(subject.get("id")),
        "comment": _text(subject.get("endorsementComment")),
        "evidence": [_evidence(e) for e in evidence if isinstance(e, dict)],
    }


def _text(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _link(value) -> str | None:
    """Only http(s) URLs become links (never javascript: or data:)."""
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None


def _image(value) -> dict | None:
    url = value.get("id") if isinstance(value, dict) else value
    if not isinstance(url, str) or not url.startswith(("https://", "http://", "data:image/")):
        return None
    caption = value.get("caption") if isinstance(value, dict) else None
    return {"url": url, "alt": _text(caption) or "", "public": url.startswith("http")}


def _evidence(entry: dict) -> dict:
    return {"url": _link(entry.get("id")), "name": _text(entry.get("name")) or _link(entry.get("id")),
            "description": _text(entry.get("description")), "narrative": _text(entry.get("narrative"))}
