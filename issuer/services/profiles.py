"""A person's own profile: name, headline, bio and photo; and the public counts of their card.

The name, headline and photo are also the person's issuer Profile (``name``, ``description``,
``image``), which every badge and endorsement they sign from now on embeds; what was signed
before keeps what it was signed with. Earlier photos stay stored, since those credentials name
their URLs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from .. import cards, images
from ..errors import FieldError
from ..storage import Award, IssuedCredential, User
from .platform import Platform
from .transaction import transaction

LIMITS = {"display_name": 120, "headline": 160, "bio": 2000}
LINE_BREAKS = re.compile(r"[\r\n\t]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # C0 controls but tab and line breaks


@dataclass(frozen=True)
class Counts:
    """What shows on the public profile: accepted, public and unrevoked items only."""

    badges: int
    endorsements: int
    given: int


def _text(value: str | None, field: str, *, required: bool = False, one_line: bool = True) -> str | None:
    """The trimmed value of one field, or None when empty; a FieldError naming it otherwise."""
    value = (value or "").strip()
    if not value:
        if required:
            raise FieldError("profile.required", field=field)
        return None
    if len(value) > LIMITS[field]:
        raise FieldError("profile.too-long", field=field, limit=LIMITS[field], length=len(value))
    if CONTROL.search(value):
        raise FieldError("profile.control-characters", field=field)
    if one_line and LINE_BREAKS.search(value):
        raise FieldError("profile.one-line", field=field)
    return value


def update_profile(session: Session, platform: Platform, user: User, *, display_name: str | None,
                   headline: str | None = None, bio: str | None = None, photo: bytes | None = None,
                   photo_filename: str = "", remove_photo: bool = False) -> User:
    """Change the person's name, headline, bio and photo, and their issuer Profile with them.

    Every field is checked before anything changes; a refused photo is a FieldError of "photo".
    """
    name = _text(display_name, "display_name", required=True)
    headline = _text(headline, "headline")
    bio = _text(bio, "bio", one_line=False)
    with transaction(session):
        if photo:
            try:
                user.photo = images.store_image(session, photo, photo_filename, f"Photo of {name}")
            except FieldError as error:
                error.field = "photo"  # the person's photo, checked as any uploaded image
                raise
        elif remove_photo:
            user.photo = None
        elif user.photo is not None:
            user.photo.alt = f"Photo of {name}"
        user.display_name, user.headline, user.bio = name, headline, bio
        issuer = user.issuer
        issuer.name, issuer.description = name, headline
        issuer.image_url = platform.urls.image(user.photo.id) if user.photo else None
        issuer.image_caption = user.photo.alt if user.photo else None
    return user


def _shown():
    """Conditions of an award that shows on a public profile; an endorsement of a badge shows
    only while that badge does (not once it is revoked, declined or made private)."""
    badge, copy = aliased(Award), aliased(IssuedCredential)
    hidden_badges = (select(copy.vc_id).join(badge, badge.id == copy.award_id)
                     .where(or_(badge.consent != "accepted", badge.visibility != "public",
                                badge.revoked_at.is_not(None))))
    return (Award.consent == "accepted", Award.visibility == "public", Award.revoked_at.is_(None),
            or_(Award.subject_ref.is_(None), Award.subject_ref.not_in(hidden_badges)))


def public_counts(session: Session, user: User) -> Counts:
    """Badges and endorsements the person received, and recognition they gave, as public."""
    def count(*where) -> int:
        return session.scalar(select(func.count()).select_from(Award).where(*_shown(), *where)) or 0

    return Counts(badges=count(Award.recipient_user_id == user.id, Award.kind == "badge"),
                  endorsements=count(Award.recipient_user_id == user.id, Award.kind == "endorsement"),
                  given=count(Award.author_user_id == user.id))


def card(session: Session, platform: Platform, user: User) -> cards.Card:
    """What the person's link-preview card shows."""
    counts = public_counts(session, user)
    photo = user.photo
    return cards.Card(name=user.display_name, handle=user.handle, headline=user.headline,
                      badges=counts.badges, endorsements=counts.endorsements, given=counts.given,
                      site=platform.name, address=platform.urls.person(user.handle),
                      photo_png=photo.data if photo is not None and photo.mime == "image/png" else None,
                      photo_sha256=photo.sha256 if photo is not None and photo.mime == "image/png" else None)
