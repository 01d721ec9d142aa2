"""The profile's header and link preview: its card image (PNG) and what the header shows.

Routes on people.bp (web/__init__.py imports this module). The card is served at a stable URL
(urls.person_card); its ETag is a hash of what it shows, so caches and link previews see a new
card when the name, photo or counts change, and a 304 costs no drawing.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, request
from flask_login import current_user

from .. import cards, storage
from ..services import profiles
from ..storage import User
from .context import platform
from .headers import allow_own_scripts
from .lookups import person_or_404
from .people import bp

CARD_MAX_AGE = 300  # seconds a cache may show a card before asking again (with its ETag)


@bp.get("/people/<handle>/card.png")
def card(handle: str):
    person = person_or_404(handle)
    shown = profiles.card(storage.get_session(), platform(), person)
    tag = cards.fingerprint(shown)
    response = Response(status=304) if request.if_none_match.contains(tag) \
        else Response(cards.png(shown), mimetype="image/png")
    response.set_etag(tag)
    response.headers["Cache-Control"] = f"public, max-age={CARD_MAX_AGE}"
    return response


@dataclass(frozen=True)
class Header:
    """What the profile header and its link-preview tags need, with absolute URLs."""

    url: str
    card_url: str
    summary: str
    own: bool
    initials: str


@bp.app_template_global("person_header")
def person_header(person: User) -> Header:
    """The header of ``person``'s profile page; its Share control may use our script file."""
    allow_own_scripts()
    urls = platform().urls
    counts = profiles.public_counts(storage.get_session(), person)
    told = (f"{_count(counts.badges, 'badge')}, {_count(counts.endorsements, 'endorsement')} "
            f"received, recognised others {_count(counts.given, 'time')}")
    summary = (f"{person.headline} — {told}." if person.headline
               else f"{person.display_name} on {platform().name}: {told}.")
    return Header(url=urls.person(person.handle), card_url=urls.person_card(person.handle),
                  summary=summary, own=current_user.is_authenticated and current_user.id == person.id,
                  initials=cards.initials(person.display_name))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
