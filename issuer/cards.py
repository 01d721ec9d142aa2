"""A person's link-preview card: a 1200×630 PNG (the Open Graph size) with name, photo and counts.

Pure: Pillow only. The card's fingerprint hashes everything drawn on it (and the layout and font),
so it serves as the ETag: it changes exactly when the picture would, without drawing it.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from dataclasses import dataclass
from functools import cache

from cachetools import LRUCache
from PIL import Image, ImageDraw, ImageFont, ImageOps

WIDTH, HEIGHT = 1200, 630
LAYOUT = "card-1"  # change when the drawing changes, so cached cards are replaced
INK, MUTED, ACCENT, PAPER, TINT = (29, 35, 48), (91, 100, 117), (31, 111, 92), (255, 255, 255), (233, 243, 239)
FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")  # wide Unicode coverage where installed
PHOTO_SIDE = 220
MARGIN = 72


@dataclass(frozen=True)
class Card:
    name: str
    handle: str
    headline: str | None
    badges: int
    endorsements: int
    given: int
    site: str  # the service's name
    address: str  # the profile's URL
    photo_png: bytes | None = None  # a PNG photo, already validated; SVG photos are not drawn
    photo_sha256: str | None = None

    def counts(self) -> list[tuple[int, str]]:
        return [(self.badges, "badge" if self.badges == 1 else "badges"),
                (self.endorsements, "endorsement received" if self.endorsements == 1
                 else "endorsements received"),
                (self.given, "recognition given")]


def fingerprint(card: Card) -> str:
    """A hash of what the card shows: its ETag."""
    fields = {name: value for name, value in vars(card).items() if name != "photo_png"}
    return hashlib.sha256(json.dumps([LAYOUT, _font_names(), fields], sort_keys=True)
                          .encode()).hexdigest()[:32]


_rendered: LRUCache = LRUCache(maxsize=64)
_lock = threading.Lock()


def png(card: Card) -> bytes:
    """The card as PNG bytes; the last few drawn are kept by fingerprint."""
    key = fingerprint(card)
    with _lock:
        found = _rendered.get(key)
    if found is None:
        found = render(card)
        with _lock:
            _rendered[key] = found
    return found


def render(card: Card) -> bytes:
    """Draw the card: photo (or initials) on the left, name, headline and handle, then counts."""
    picture = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 0, WIDTH, 14), fill=ACCENT)
    draw.rectangle((0, HEIGHT - 110, WIDTH, HEIGHT), fill=TINT)
    _photo(picture, draw, card, (MARGIN, 92))
    left, right = MARGIN + PHOTO_SIDE + 56, WIDTH - MARGIN
    y = 92
    name_font = _fitting(draw, card.name, right - left, sizes=(72, 64, 56, 50), bold=True)
    name_lines = _wrapped(draw, card.name, name_font, right - left, lines=2)  # a long name: two lines
    for line in name_lines:
        draw.text((left, y), line, font=name_font, fill=INK)
        y += _height(name_font)
    y += 18
    if card.headline:
        headline_font = _font(34)
        for line in _wrapped(draw, card.headline, headline_font, right - left, lines=3 - len(name_lines)):
            draw.text((left, y), line, font=headline_font, fill=MUTED)
            y += _height(headline_font) + 8
        y += 6
    draw.text((left, y), f"@{card.handle}", font=_font(30), fill=ACCENT)
    _counts(draw, card, top=HEIGHT - 110 - 140)
    footer = _font(28)
    draw.text((MARGIN, HEIGHT - 72), _clipped(draw, card.site, footer, 420), font=_font(28, bold=True),
              fill=ACCENT)
    address = _clipped(draw, card.address.split("://", 1)[-1], footer, 640)
    draw.text((WIDTH - MARGIN - draw.textlength(address, font=footer), HEIGHT - 72), address,
              font=footer, fill=MUTED)
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=True)
    return out.getvalue()


def _photo(picture: Image.Image, draw: ImageDraw.ImageDraw, card: Card, at: tuple[int, int]) -> None:
    """The photo in a circle, or the initials on the accent colour when there is no PNG photo."""
    box = (at[0], at[1], at[0] + PHOTO_SIDE, at[1] + PHOTO_SIDE)
    mask = Image.new("L", (PHOTO_SIDE * 4, PHOTO_SIDE * 4), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, PHOTO_SIDE * 4 - 1, PHOTO_SIDE * 4 - 1), fill=255)
    mask = mask.resize((PHOTO_SIDE, PHOTO_SIDE), Image.Resampling.LANCZOS)
    photo = _decoded(card.photo_png) if card.photo_png else None
    if photo is None:
        draw.ellipse(box, fill=ACCENT)
        font = _font(96, bold=True)
        letters = initials(card.name)
        width = draw.textlength(letters, font=font)
        top, bottom = font.getbbox(letters)[1], font.getbbox(letters)[3]
        draw.text((box[0] + (PHOTO_SIDE - width) / 2, box[1] + (PHOTO_SIDE - top - bottom) / 2),
                  letters, font=font, fill=PAPER)
        return
    fitted = ImageOps.fit(photo, (PHOTO_SIDE, PHOTO_SIDE), Image.Resampling.LANCZOS)
    backdrop = Image.new("RGBA", fitted.size, PAPER + (255,))
    picture.paste(Image.alpha_composite(backdrop, fitted).convert("RGB"), box[:2], mask)


def _decoded(data: bytes) -> Image.Image | None:
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as opened:
            return opened.convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None  # stored images were checked on upload; draw initials rather than fail


def _counts(draw: ImageDraw.ImageDraw, card: Card, *, top: int) -> None:
    number_font, label_font = _font(64, bold=True), _font(26)
    column = (WIDTH - 2 * MARGIN) / 3
    for n, (value, label) in enumerate(card.counts()):
        x = MARGIN + n * column
        draw.text((x, top), str(value), font=number_font, fill=INK)
        draw.text((x, top + _height(number_font) + 10), label, font=label_font, fill=MUTED)


def initials(name: str) -> str:
    """Up to two initials of a name, shown where there is no photo."""
    words = [w for w in name.split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"


def _wrapped(draw, text: str, font, width: float, *, lines: int) -> list[str]:
    """Words filled into at most ``lines`` lines of ``width``; the last one clipped with an ellipsis."""
    found, current = [], ""
    for word in text.split():
        attempt = f"{current} {word}".strip()
        if draw.textlength(attempt, font=font) <= width or not current:
            current = attempt
        else:
            found.append(current)
            current = word
    found.append(current)
    if len(found) > lines:
        found = found[:lines - 1] + [" ".join(found[lines - 1:])]
        found[-1] = _clipped(draw, found[-1] + " …", font, width, force=True)
    return [_clipped(draw, line, font, width) for line in found]


def _clipped(draw, text: str, font, width: float, *, force: bool = False) -> str:
    """The text, cut with an ellipsis when it is wider than ``width``."""
    if draw.textlength(text, font=font) <= width and not force:
        return text
    text = text.removesuffix(" …")
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _fitting(draw, text: str, width: float, *, sizes: tuple[int, ...], bold: bool = False):
    """The largest of ``sizes`` at which the text fits ``width`` (else the smallest)."""
    for size in sizes:
        font = _font(size, bold=bold)
        if draw.textlength(text, font=font) <= width:
            return font
    return _font(sizes[-1], bold=bold)


def _height(font) -> int:
    ascent, descent = font.getmetrics()
    return ascent + descent


@cache
def _font(size: int, *, bold: bool = False):
    """DejaVu Sans where the system has it; otherwise the font that ships with Pillow."""
    try:
        return ImageFont.truetype(FONTS[1 if bold else 0], size)
    except OSError:
        return ImageFont.load_default(size)


@cache
def _font_names() -> list[str]:
    return [" ".join(_font(10, bold=bold).getname()) for bold in (False, True)]
