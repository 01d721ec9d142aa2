"""Uploaded images: PNG checked with Pillow, SVG parsed safely and sanitised, stored with alt text.

Only two formats are accepted because both render everywhere badges go (wallets, LinkedIn,
baked badges) and both can be checked here: a PNG is decoded in full, an SVG is re-serialised
from a tree that holds nothing active (no scripts, event handlers or external references).
"""

from __future__ import annotations

import hashlib
import io
import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from PIL import Image, UnidentifiedImageError

from .errors import FieldError
from .storage import StoredImage
from .storage.models import new_uuid

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MAX_SIDE = 2048
MAX_ALT = 300
MAX_DEPTH = 100  # ElementTree serialises recursively; real images nest a few levels
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
OTHER_FORMATS = {b"\xff\xd8\xff": "JPEG", b"GIF87a": "GIF", b"GIF89a": "GIF", b"RIFF": "WebP",
                 b"BM": "BMP", b"%PDF": "PDF"}
# <style> and style= are dropped whole: CSS escapes (\75 rl(), @\69mport) and image-set() can name
# another document in ways a filter misses; presentation attributes cover what badges need.
DROPPED_ELEMENTS = {"script", "foreignObject", "iframe", "embed", "object", "style"}
DROPPED_ATTRIBUTES = {"style"}
ANIMATIONS = {"set", "animate", "animateMotion", "animateTransform", "animateColor"}
SAFE_NAMESPACED = {f"{{{XLINK_NS}}}href", f"{{{XLINK_NS}}}title", f"{{{XML_NS}}}space",
                   f"{{{XML_NS}}}lang"}  # not xml:base, which could turn '#id' into another document
# A presentation attribute is a CSS value too: refuse url() to anything but '#id', other CSS
# functions that fetch, at-rules, and any CSS escape (a backslash) that could spell one of them.
EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)|image-set\(|image\(|src\(|cross-fade\(|\\",
                          re.IGNORECASE)

ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)


def validate_upload(data: bytes, filename: str, *, max_bytes: int = 512_000) -> tuple[str, bytes]:
    """(mime, bytes to store) for a real PNG or a sanitised SVG; a FieldError of "image" otherwise."""
    if not data:
        raise FieldError("image.empty", field="image")
    if len(data) > max_bytes:
        raise FieldError("image.too-many-bytes", field="image", kilobytes=max_bytes // 1000)
    if data.startswith(PNG_MAGIC):
        return "image/png", _checked_png(data)
    for magic, name in OTHER_FORMATS.items():
        if data.startswith(magic):
            raise FieldError("image.format-refused", field="image", format=name)
    if filename.lower().endswith(".svg") or _looks_like_svg(data):
        return "image/svg+xml", sanitise_svg(data)
    raise FieldError("image.format-unknown", field="image")


def _checked_png(data: bytes) -> bytes:
    """The PNG as given, once it has decoded in full within the size limits and is not animated."""
    declared = _png_size(data)
    if declared is not None:
        _check_size(*declared)  # before Pillow, which refuses a huge picture with its own error
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as picture:
            _check_size(*picture.size)
            if getattr(picture, "is_animated", False):
                raise FieldError("image.animated", field="image")
            picture.load()
    except Image.DecompressionBombError as error:
        raise FieldError("image.too-large-to-decode", field="image", side=MAX_SIDE) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise FieldError("image.damaged", field="image") from error
    return data


def _png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the IHDR chunk, which a PNG must start with; None if it is not there."""
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _check_size(width: int, height: int) -> None:
    if width > MAX_SIDE or height > MAX_SIDE:
        raise FieldError("image.too-many-pixels", field="image", width=width, height=height,
                         side=MAX_SIDE)


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) and b"<svg" in data[:4096].lower()


def sanitise_svg(data: bytes) -> bytes:
    """The SVG re-serialised without scripts, event handlers, foreign content or external links."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise FieldError("svg.declarations", field="image") from error
    except ET.ParseError as error:
        raise FieldError("svg.malformed", field="image", error=str(error)) from error
    if root.tag != f"{{{SVG_NS}}}svg":
        raise FieldError("svg.not-svg", field="image")
    _clean(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _clean(root: ET.Element) -> None:
    """Remove what can run or fetch, walking the tree with a stack; refuse absurd nesting."""
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise FieldError("svg.too-deep", field="image", limit=MAX_DEPTH)
        _clean_attributes(element)
        for child in list(element):
            if _dangerous(child):
                element.remove(child)
            else:
                stack.append((child, depth + 1))


def _dangerous(element: ET.Element) -> bool:
    """Elements dropped whole: other namespaces, active content, outside references."""
    if not isinstance(element.tag, str) or not element.tag.startswith(f"{{{SVG_NS}}}"):
        return True
    name = element.tag.split("}", 1)[1]
    if name in DROPPED_ELEMENTS:
        return True
    if name in ANIMATIONS:
        target = element.get("attributeName", "").lower()
        return target.endswith("href") or target.startswith("on") or target == "style"
    if name in ("use", "image", "feImage"):
        return any(not value.startswith("#") for key, value in element.attrib.items() if _is_href(key))
    return False


def _clean_attributes(element: ET.Element) -> None:
    """Drop event handlers, non-local links, foreign attributes and url() to other documents."""
    for key, value in list(element.attrib.items()):
        local = key.rsplit("}", 1)[-1].lower()
        foreign = key.startswith("{") and key not in SAFE_NAMESPACED
        if (foreign or local.startswith("on") or local in DROPPED_ATTRIBUTES
                or (_is_href(key) and not value.startswith("#"))
                or EXTERNAL_URL.search(value)):
            del element.attrib[key]


def _is_href(key: str) -> bool:
    return key in ("href", f"{{{XLINK_NS}}}href")


def store_image(session: Session, data: bytes, filename: str, alt: str) -> StoredImage:
    """A validated image with its alt text, added to ``session``; the caller commits.

    The id is set here, so ``image_url`` works before the commit (the record that uses the
    image is usually committed in the same transaction).
    """
    alt = (alt or "").strip()
    if not alt:
        raise FieldError("image.alt-required", field="alt")
    if len(alt) > MAX_ALT:
        raise FieldError("image.alt-too-long", field="alt", limit=MAX_ALT)
    mime, stored = validate_upload(data, filename)
    image = StoredImage(id=new_uuid(), mime=mime, data=stored, alt=alt,
                        sha256=hashlib.sha256(stored).hexdigest())
    session.add(image)
    return image
