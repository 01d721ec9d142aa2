"""Baked badges of stored credentials: the achievement's image with the signed credential inside."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import baking
from ..storage import Achievement, IssuedCredential, StoredImage
from .errors import NotFound

FORMATS = {"png": "image/png", "svg": "image/svg+xml"}


def baked_badge(session: Session, row: IssuedCredential, extension: str) -> tuple[str, bytes]:
    """(mime, bytes) of the badge image of ``row``'s achievement with ``row``'s signed JSON baked
    in, as PNG or SVG. A PNG image is also served as SVG (it is wrapped); an SVG image has no
    PNG form here (that would need a rasteriser). NotFound when there is no image to bake."""
    image = _image(session, row)
    if image is None:
        raise NotFound("baked.no-image")
    if extension == "png":
        if image.mime != "image/png":
            raise NotFound("baked.svg-only")
        return FORMATS["png"], baking.bake_png(image.data, row.signed_json)
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
    return [] if mime is None else ["png", "svg"] if mime == "image/png" else ["svg"]


def _image(session: Session, row: IssuedCredential) -> StoredImage | None:
    """The stored image of the achievement a badge credential is for (endorsements have none)."""
    award = row.award
    if award is None or award.kind != "badge" or not award.achievement_id:
        return None
    achievement = session.get(Achievement, award.achievement_id)
    return achievement.image if achievement is not None else None
