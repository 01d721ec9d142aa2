"""A person's record: their chosen public badges and endorsements in one signed CLR 2.0 credential.

The platform issues it to the person (their DID is the ClrSubject): every credential inside is
the exact signed JSON its own issuer made, and the record's own proof covers them all. It is
stored like any credential the service signs (an IssuedCredential of kind ClrCredential, with
no award: it recognises nothing new) and served at its /credentials/<id> URL, with a revocation
status entry of its own.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..credentials import clr
from ..storage import Award, IssuedCredential, User
from .errors import FieldError
from .issuers import ensure_platform_issuer, issuer_profile
from .issuing import issue
from .platform import Platform, now_utc
from .published import public_awards

MAX_ITEMS = 40  # a record holds at most this many items: issuing and verifying it then stay
# within the default work budget of one request (ISSUER_CANON_MAX_SECONDS)


def record_items(session: Session, user: User) -> list[Award]:
    """The person's items a record may hold: what they received that is public (see
    :mod:`.published`), oldest first (the order of the record)."""
    return [item.award for item in public_awards(session, user)]


def chosen_items(session: Session, user: User, item_ids: Iterable[str] | None) -> tuple[list[Award], bool]:
    """The items a person chose (None: all of them) and whether some public ones were left out.

    Refuses an id that is not one of the person's public items (unknown, someone else's,
    private, not accepted or revoked: the same answer for each), an empty choice, and a choice
    without a badge (a record holds at least one credential; endorsements go beside them).
    """
    available = record_items(session, user)
    if item_ids is None:
        chosen = available
    else:
        by_id = {row.id: row for row in available}
        wanted = list(dict.fromkeys(item_ids))
        for item_id in wanted:
            if not isinstance(item_id, str) or item_id not in by_id:
                raise FieldError("record.not-your-public-item", field="items", id=str(item_id)[:60])
        chosen = [row for row in available if row.id in set(wanted)]
    if not chosen:
        raise FieldError("record.nothing-chosen", field="items")
    if len(chosen) > MAX_ITEMS:
        raise FieldError("record.too-many", field="items", limit=MAX_ITEMS)
    if not any(row.kind == "badge" for row in chosen):
        raise FieldError("record.needs-a-badge", field="items")
    return chosen, len(chosen) < len(available)


def record_document(platform: Platform, issuer_profile_: dict, user: User, chosen: list[Award],
                    partial: bool, record_id: str) -> dict:
    """The unsigned ClrCredential: badges inside, their achievements, the associations between
    those achievements that their own alignments state, and the endorsements beside them."""
    signed = [json.loads(row.credential.signed_json) for row in chosen]
    badges = [doc for row, doc in zip(chosen, signed) if row.kind == "badge"]
    endorsements = [doc for row, doc in zip(chosen, signed) if row.kind == "endorsement"]
    achievements = list({a["id"]: a for a in map(_achievement_of, badges) if a}.values())
    return clr.clr_credential(
        record_id, issuer_profile_, user.issuer.did, badges, valid_from=now_utc(),
        name=f"{user.display_name}'s recognition record",
        description=(f"Badges and endorsements {user.display_name} received on {platform.name}, "
                     "each as its issuer signed it, chosen by them."),
        achievements=achievements, associations=clr.aligned_associations(achievements),
        endorsements=endorsements, partial=partial, check=False)  # issue() checks it


def issue_record(session: Session, platform: Platform, user: User,
                 item_ids: Iterable[str] | None = None) -> IssuedCredential:
    """Sign and store a record of the person's chosen public items (None: all of them)."""
    chosen, partial = chosen_items(session, user, item_ids)
    signer = ensure_platform_issuer(session, platform)
    row_id = str(uuid.uuid4())
    document = record_document(platform, issuer_profile(signer), user, chosen, partial,
                               platform.credential_url(row_id))
    return issue(session, platform, document, issuer=signer, row_id=row_id)


def records_of(session: Session, user: User, limit: int = 20) -> list[IssuedCredential]:
    """The records made out to this person (their DID is the ClrSubject), newest first, at most
    ``limit``. A row's text only narrows the search (a record of someone else may name this
    person as the author of an endorsement inside); the subject of each decides."""
    did = user.issuer.did if user.issuer is not None else None
    if not did:
        return []
    candidates = session.scalars(
        select(IssuedCredential).where(IssuedCredential.kind == clr.CLR_TYPE,
                                       IssuedCredential.award_id.is_(None),
                                       IssuedCredential.signed_json.contains(did, autoescape=True))
        .order_by(IssuedCredential.created_at.desc(), IssuedCredential.id))
    found = []
    for row in candidates:
        if clr.subject_id(json.loads(row.signed_json)) == did:
            found.append(row)
            if len(found) == limit:
                break
    return found


def _achievement_of(badge: dict) -> dict | None:
    subject = badge.get("credentialSubject")
    found = subject.get("achievement") if isinstance(subject, dict) else None
    return found if isinstance(found, dict) and isinstance(found.get("id"), str) else None


def is_record(row: IssuedCredential) -> bool:
    return row.kind == clr.CLR_TYPE


__all__ = ["MAX_ITEMS", "chosen_items", "is_record", "issue_record", "record_document",
           "record_items", "records_of"]
