"""Pure export helpers: QR codes of verify URLs (PNG and SVG) and download file names.

No Flask, no database: the web layer passes in the URL to encode. QR codes use error
correction level M (15 % of the symbol can be damaged) and carry only the URL given — never the
credential or anything personal (STANDARDS.md §7).
"""

from __future__ import annotations

import io
import re
import unicodedata

import qrcode
import qrcode.image.pil
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M

MAX_QR_DATA = 2_000  # a verify URL is ~80 characters; refuse anything that is not a URL-sized text
BOX_SIZE = 8  # pixels per module in the PNG
BORDER = 4  # the quiet zone the QR specification requires, in modules


def _qr(data: str, factory) -> qrcode.QRCode:
    """A QR code of ``data`` at error correction M, sized to fit."""
    if not isinstance(data, str) or not data:
        raise ValueError("a QR code needs some text to encode")
    if len(data) > MAX_QR_DATA:
        raise ValueError(f"QR data is longer than {MAX_QR_DATA} characters")
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=BOX_SIZE, border=BORDER,
                         image_factory=factory)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_png(data: str) -> bytes:
    """The QR code of ``data`` as PNG bytes (black on white)."""
    image = _qr(data, qrcode.image.pil.PilImage).make_image()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(data: str) -> str:
    """The QR code of ``data`` as a standalone SVG document (one path on a white background)."""
    image = _qr(data, qrcode.image.svg.SvgPathFillImage).make_image()
    return image.to_string(encoding="unicode")


def download_name(name: str | None, *, fallback: str = "credential", suffix: str = ".json") -> str:
    """A safe file name from a credential's name: ASCII letters, digits and hyphens only."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:80].rstrip("-")
    return (slug or fallback) + suffix
