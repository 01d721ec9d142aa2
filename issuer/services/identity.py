"""Naming the recipient in their badges, with their consent, and checking a badge against an
e-mail address.

A person's setting (``User.identify_in_badges``, on by default) decides, at the moment a badge
is signed for them (the custodial copy or a wallet's copy), whether its subject carries their
display name and a salted hash of their e-mail address (core: credentials.identity). Every
credential gets a fresh random salt, so two of a person's badges cannot be linked by the hash.
Badges already signed are never changed by the setting.
"""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from ..credentials import identity
from ..storage import User
from .transaction import transaction

SALT_BYTES = 16  # 128 random bits, as hex


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


def subject_identifiers(user: User) -> list[dict]:
    """What a badge issued to ``user`` now says about who they are: nothing without consent."""
    if not user.identify_in_badges:
        return []
    return [identity.name_identifier(user.display_name),
            identity.email_identifier(user.email, new_salt())]


def with_identifiers(subject: dict, user: User) -> dict:
    """A copy of a credential subject carrying the identifiers the person consents to now
    (any it carried before are dropped: a new credential gets a new salt, or none)."""
    subject = {key: value for key, value in subject.items() if key != "identifier"}
    found = subject_identifiers(user)
    return {**subject, "identifier": found} if found else subject


def set_identify_in_badges(session: Session, user: User, on: bool) -> User:
    """The person's choice, for badges issued to them from now on."""
    with transaction(session):
        user.identify_in_badges = bool(on)
    return user


def check_email(document: object, address: str) -> str:
    """identity.MATCHES, NO_MATCH or ABSENT; the address is neither stored nor logged."""
    return identity.check_identifier(document, identity.EMAIL, address)
