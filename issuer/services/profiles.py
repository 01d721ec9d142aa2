"""A person's own profile: name, headline, bio and photo; and the public counts of their card.

The name, headline and photo are also the person's issuer Profile (``name``, ``description``,
``image``), which every badge and endorsement they sign from now on embeds; what was signed
before keeps what it was signed with. Earlier photos stay stored, since those credentials name
their URLs.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from sqlalchemy.orm import Session

from .. import cards, images
from ..errors import FieldError
from ..storage import User
from .platform import Platform
from .published import public_awards, public_awards_given
from .transaction import transaction

LIMITS = {"display_name": 120, "headline": 160, "bio": 2000}
LINE_BREAKS = re.compile(r"[\r\n\t]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # C0 controls but tab and line breaks


@dataclass(frozen=True)
class Counts:
    """What shows on the public profile (see :mod:`.published`)."""

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


def public_counts(session: Session, user: User) -> Counts:
    """Badges and endorsements the person received, and recognition they gave, as public (see
    :mod:`.published`)."""
    kinds = Counter(item.award.kind for item in public_awards(session, user))
    return Counts(badges=kinds["badge"], endorsements=kinds["endorsement"],
                  given=len(public_awards_given(session, user)))


def card(session: Session, platform: Platform, user: User) -> cards.Card:
    """What the person's link-preview card shows."""
    counts = public_counts(session, user)
    photo = user.photo
    return cards.Card(name=user.display_name, handle=user.handle, headline=user.headline,
                      badges=counts.badges, endorsements=counts.endorsements, given=counts.given,
                      site=platform.name, address=platform.urls.person(user.handle),
                      photo_png=photo.data if photo is not None and photo.mime == "image/png" else None,
                      photo_sha256=photo.sha256 if photo is not None and photo.mime == "image/png" else None)
