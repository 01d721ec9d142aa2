"""Baked badges of stored credentials: the achievement's image with the signed credential inside."""

from __future__ import annotations

import threading

from cachetools import LRUCache
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import baking
from ..errors import FieldError
from ..storage import Achievement, IssuedCredential, StoredImage
from .errors import NotFound

FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
# Drawing an SVG as PNG takes milliseconds to a fraction of a second: keep the last few drawings,
# by the stored image's hash (a changed image is a new StoredImage with another hash).
_DRAWN: LRUCache = LRUCache(maxsize=32)
_DRAWN_LOCK = threading.Lock()


def baked_badge(session: Session, row: IssuedCredential, extension: str) -> tuple[str, bytes]:
    """(mime, bytes) of the badge image of ``row``'s achievement with ``row``'s signed JSON baked
    in, as PNG or SVG. A PNG image is also served as SVG (it is wrapped), an SVG image as PNG (it
    is drawn, see baking.svg_as_png). NotFound when there is no image to bake."""
    image = _image(session, row)
    if image is None:
        raise NotFound("baked.no-image")
    if extension == "png":
        png = image.data if image.mime == "image/png" else _drawn(image)
        return FORMATS["png"], baking.bake_png(png, row.signed_json)
    svg = image.data if image.mime == "image/svg+xml" else baking.png_as_svg(image.data)
    return FORMATS["svg"], baking.bake_svg(svg, row.signed_json)


def baked_formats(session: Session, row: IssuedCredential) -> list[str]:
    """The extensions ``row`` can be downloaded as a baked badge in ("png", "svg"; none without
    an image). Reads the image's type only, not its bytes: every credential page asks."""
    award = row.award
    if award is None or award.kind != "badge" or not award.achievement_id:
        return []
    mime = session.scalar(select(StoredImage.mime).join(Achievement, Achievement.image_id == StoredImage.id)
                          .where(Achievement.id == award.achievement_id))
    return [] if mime is None else ["png", "svg"]


def _drawn(image: StoredImage) -> bytes:
    """The PNG drawing of a stored SVG image; NotFound, saying why, if it cannot be drawn."""
    with _DRAWN_LOCK:
        found = _DRAWN.get(image.sha256)
    if found is None:
        try:
            found = baking.svg_as_png(image.data)
        except FieldError as error:
            if error.code == "baked.svg-too-complex":
                raise NotFound("baked.svg-too-complex", limit=baking.MAX_DRAWN_ELEMENTS) from None
            raise NotFound("baked.svg-not-drawable") from error
        with _DRAWN_LOCK:
            _DRAWN[image.sha256] = found
    return found


def _image(session: Session, row: IssuedCredential) -> StoredImage | None:
    """The stored image of the achievement a badge credential is for (endorsements have none)."""
    award = row.award
    if award is None or award.kind != "badge" or not award.achievement_id:
        return None
    achievement = session.get(Achievement, award.achievement_id)
    return achievement.image if achievement is not None else None
