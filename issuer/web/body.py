"""Reading JSON bodies safely: size (MAX_CONTENT_LENGTH), syntax, nesting depth, structural
limits (array width, value count, string length), text that is not text, and shape."""

from __future__ import annotations

import io
import json
import math

from flask import current_app, request

from ..credentials.limits import UnusableText, check_structure
from ..credentials.tolerated import looks_like_jwt
from .context import platform
from .errors import BadRequest

JSON_TYPES = ("application/json", "application/ld+json", "application/vc+ld+json", "application/vc",
              "application/vp", "application/vp+ld+json")


def json_body() -> dict:
    """The request's JSON object, or a 400/415 that says what is wrong with it."""
    if request.mimetype not in JSON_TYPES:
        raise BadRequest(f"send JSON (Content-Type: application/json), not {request.mimetype or 'nothing'}",
                         status=415, kind="unsupported-media-type")
    raw = request.get_data(cache=False)
    try:
        value = loads(raw)
    except RecursionError:
        raise BadRequest("the JSON is nested too deeply", kind="too-deep") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest(f"the body is not valid JSON: {error}", kind="malformed-json") from None
    limit = current_app.config["ISSUER_MAX_JSON_DEPTH"]
    if depth(value) > limit:
        raise BadRequest(f"the JSON is nested more than {limit} levels deep", kind="too-deep")
    try:
        check_limits(value)
    except UnusableText as error:
        raise BadRequest(str(error), kind="invalid-text") from None
    if not isinstance(value, dict):
        raise BadRequest("the body must be a JSON object", kind="malformed-json")
    where = nul_character(value)
    if where is not None:
        raise BadRequest(f"{where}: text must not contain the NUL character (\\u0000)",
                         kind="nul-character")
    return value


def loads(text: str | bytes):
    """json.loads that refuses what is not JSON although Python reads it: NaN, Infinity, and
    numbers too large for a double (1e400 would become Infinity). ValueError names them."""
    return json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is too large to be represented")
    return value


def check_limits(value) -> None:
    """The structural limits of the core (StructureLimitExceeded → 422), or UnusableText."""
    check_structure(value, platform().canonicalizer.limits)


def nul_character(value) -> str | None:
    """The path of the first key or string holding U+0000, else None. Bodies are stored and
    PostgreSQL text cannot hold it; the core's structural pass leaves it alone, since the
    canonical form escapes it and credentials from elsewhere may carry it."""
    stack = [(value, "body")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str) and "\x00" in item:
            return path
        if isinstance(item, dict):
            for key, child in item.items():
                if "\x00" in key:
                    return path
                stack.append((child, f"{path}.{key}" if path != "body" else key))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{index}]") for index, child in enumerate(item))
    return None


def depth(value) -> int:
    """Nesting depth, computed without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item)
    return deepest


def member(body: dict, name: str, kind: type = dict, *, required: bool = True):
    """One member of the body, of the right JSON type, or a 400 naming it."""
    if name not in body:
        if required:
            raise BadRequest(f"{name}: required", kind="missing-member")
        return None
    value = body[name]
    if not isinstance(value, kind):
        expected = {dict: "an object", list: "an array", str: "a string", bool: "true or false"}[kind]
        raise BadRequest(f"{name}: must be {expected}", kind="wrong-type")
    return value


def credential_member(body: dict, name: str) -> dict | str:
    """A credential in a JSON body: an object, or a VC-JWT string (verified as 'unsupported')."""
    value = body.get(name)
    if isinstance(value, str) and looks_like_jwt(value):
        return value.strip()
    return member(body, name)


class ChunkedBodyLimit:
    """WSGI middleware: a body sent without Content-Length (chunked) is held to the same limit.

    Werkzeug stops reading such a stream at MAX_CONTENT_LENGTH and hands on what it read, so an
    oversized body arrived truncated and was parsed. Here up to ``limit + 1`` bytes are read
    first; the request then carries a Content-Length, and one over the limit gets the same 413
    as a request that declared its length.
    """

    def __init__(self, wsgi_app, limit: int):
        self.wsgi_app = wsgi_app
        self.limit = limit

    def __call__(self, environ, start_response):
        if environ.get("CONTENT_LENGTH") in (None, "") and environ.get("wsgi.input_terminated"):
            stream, data, size = environ["wsgi.input"], io.BytesIO(), 0
            while size <= self.limit:
                chunk = stream.read(min(65536, self.limit + 1 - size))
                if not chunk:
                    break
                data.write(chunk)
                size += len(chunk)
            data.seek(0)
            environ = {**environ, "wsgi.input": data, "CONTENT_LENGTH": str(size)}
            environ.pop("wsgi.input_terminated", None)  # the body is now plain bytes of that length
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.wsgi_app(environ, start_response)
