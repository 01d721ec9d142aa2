"""Documents given to be verified, pasted, uploaded or behind a URL: read as JSON within the
same limits as request bodies, or handed on as VC-JWT text. An uploaded baked badge (PNG or SVG)
is opened first and what it carries is read the same way. Used by the verify page and the JSON
API's /verify; problems are a FieldError naming the field the document came from."""

from __future__ import annotations

from flask import current_app

from ..baking import is_baked_image, unbake
from ..credentials.limits import UnusableText
from ..credentials.tolerated import looks_like_jwt
from ..fetch import FetchError, fetch
from ..services.errors import FieldError
from .body import check_limits, depth, loads
from .context import platform

FETCH_ACCEPT = "application/vc+ld+json, application/ld+json, application/json, application/vc+jwt;q=0.5"


def parse_document(text: str | bytes, field: str, source: str | None = None) -> dict | str:
    """A JSON object from pasted, uploaded or fetched text (``source``: the URL it came from),
    or a FieldError saying what is wrong with it. A VC-JWT (compact JWT text, bare or as a JSON
    string) is handed on as text: the verifier answers that it cannot check that format, instead
    of "not valid JSON"."""
    jwt = _jwt_text(text)
    if jwt is not None:
        return jwt
    try:
        value = loads(text)
    except RecursionError:
        raise FieldError("verify.nested-too-deeply", field=field) from None
    except (ValueError, UnicodeDecodeError) as error:
        if source:
            raise FieldError("verify.fetched-not-json", field=field, url=source) from None
        raise FieldError("verify.not-json", field=field, error=str(error)) from None
    return _object(value, field)


def parse_upload(data: bytes, field: str) -> dict | str:
    """An uploaded file: a baked badge image (PNG or SVG: the credential inside it), else the
    JSON or VC-JWT text itself."""
    return parse_baked(data, field) if is_baked_image(data) else parse_document(data, field)


def parse_baked(data: bytes, field: str) -> dict | str:
    """The credential baked in a PNG or SVG badge image, read like a pasted one; a FieldError
    when the image is not one, holds none or several, or what it holds is not a credential."""
    return parse_document(unbake(data, field), field)


def _jwt_text(text: str | bytes) -> str | None:
    try:
        text = text.decode() if isinstance(text, bytes) else text
    except UnicodeDecodeError:
        return None
    text = text.strip()
    if text.startswith('"') and text.endswith('"') and looks_like_jwt(text[1:-1]):
        return text[1:-1]
    return text if looks_like_jwt(text) else None


def fetch_document(url: str, field: str) -> dict | str:
    """The JSON object at ``url``, fetched through the SSRF guard; refusals become a FieldError.
    A VC-JWT there is handed on as text, to be answered "unsupported" like a pasted one."""
    try:
        body = fetch(url, platform().fetch_policy, accept=FETCH_ACCEPT)
    except FetchError as error:
        raise FieldError("verify.refused", field=field, reason=str(error)) from None
    return parse_document(body, field, source=url)


def _object(value: object, field: str) -> dict:
    limit = current_app.config["ISSUER_MAX_JSON_DEPTH"]
    if depth(value) > limit:
        raise FieldError("verify.nested-beyond-limit", field=field, limit=limit)
    try:
        check_limits(value)  # StructureLimitExceeded goes on: a 422 naming the limit
    except UnusableText as error:
        raise FieldError("verify.refused", field=field, reason=str(error)) from None
    if not isinstance(value, dict):
        raise FieldError("verify.not-an-object", field=field,
                         kind=type(value).__name__.replace("NoneType", "null"))
    return value
