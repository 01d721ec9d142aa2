"""Reading JSON bodies safely: size (MAX_CONTENT_LENGTH), syntax, nesting depth, shape."""

from __future__ import annotations

import json

from flask import current_app, request

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
        value = json.loads(raw)
    except RecursionError:
        raise BadRequest("the JSON is nested too deeply", kind="too-deep") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest(f"the body is not valid JSON: {error}", kind="malformed-json") from None
    limit = current_app.config["ISSUER_MAX_JSON_DEPTH"]
    if depth(value) > limit:
        raise BadRequest(f"the JSON is nested more than {limit} levels deep", kind="too-deep")
    if not isinstance(value, dict):
        raise BadRequest("the body must be a JSON object", kind="malformed-json")
    where = nul_character(value)
    if where is not None:
        raise BadRequest(f"{where}: text must not contain the NUL character (\\u0000)",
                         kind="nul-character")
    return value


def nul_character(value) -> str | None:
    """The path of the first key or string holding U+0000 (no database stores it), else None."""
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
