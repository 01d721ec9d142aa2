"""VC Data Model 2.0 §4 rules that any credential can break, whatever its kind.

Each validator yields "property.path: problem" strings (DESIGN §4.10); ``checks`` runs them for
every credential, at issue and at verify. VC 1.1 documents meet the same shapes (their dates
are checked in ``checks``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .digests import multibase_problem, sri_problem
from .paths import at, entries

Problems = Iterator[str]

# An absolute URL: a scheme, a colon, then no spaces, controls or characters URLs never hold.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f<>\"{}|\\^`]+")
_LANGUAGE_KEYS = frozenset({"@value", "@language", "@direction"})
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
# Objects VC 2.0 §4.5 says MUST have a type (evidence is checked for every credential too).
TYPED_PROPERTIES = ("credentialStatus", "credentialSchema", "refreshService", "termsOfUse",
                    "evidence")


def is_url(value: Any) -> bool:
    """A single absolute URL (VC 2.0 §4.4): 'did:example:1', 'urn:uuid:…', 'https://…'."""
    return isinstance(value, str) and _URL.fullmatch(value) is not None


def url(value: Any, path: str) -> Problems:
    """One URL, not a list, not null, not a relative or malformed string."""
    if isinstance(value, list):
        yield f"{path}: must be a single URL, not a list"
    elif not is_url(value):
        yield f"{path}: {value!r} is not a URL"


def identifiers(node: Any, path: str = "") -> Problems:
    """§4.4: every ``id`` in the document is a single URL (contexts are not data)."""
    return _every(node, "id", url, path)


def type_values(node: Any, path: str = "") -> Problems:
    """§4.5: every ``type`` is one or more terms or URLs: non-empty strings without spaces."""
    return _every(node, "type", _type_value, path)


def _every(node: Any, name: str, check, path: str) -> Problems:
    """``check`` on every value of the property ``name`` anywhere in the document, skipping
    contexts (they are not data)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                continue
            if key == name:
                yield from check(value, at(path, key))
            else:
                yield from _every(value, name, check, at(path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _every(item, name, check, at(path, index))


def _type_value(value: Any, path: str) -> Problems:
    if value == []:
        yield f"{path}: must name at least one type"
    for item, item_path in entries(value, path):
        if not isinstance(item, str) or not item or any(c.isspace() for c in item):
            yield f"{item_path}: {item!r} is not a type name or URL"


def contexts_after_first(contexts: list) -> Problems:
    """§4.3: later @context items are URLs or context objects."""
    for index, item in enumerate(contexts[1:], start=1):
        if not isinstance(item, dict) and not is_url(item):
            yield f"@context[{index}]: {item!r} is neither a context URL nor a context object"


def issuer(doc: dict) -> Problems:
    """§4.7: a URL, or an object whose id is a URL (that id is checked by identifiers())."""
    if doc.get("issuer") is None:
        yield "issuer: required (a URL, or an object with an id that is a URL)"
    else:
        yield from _party(doc["issuer"], "issuer", check_id=False)


def _party(value: Any, name: str, *, check_id: bool = True) -> Problems:
    """An issuer or holder: a URL, or an object whose id is a URL."""
    if isinstance(value, dict):
        if "id" not in value:
            yield f"{name}.id: required"
        elif check_id:
            yield from url(value["id"], f"{name}.id")
    elif not isinstance(value, str):
        yield f"{name}: must be a URL or an object with an id"
    elif not is_url(value):
        yield f"{name}: {value!r} is not a URL"


def subjects(doc: dict) -> Problems:
    """§4.8: one or more objects, each the subject of at least one claim."""
    value = doc.get("credentialSubject")
    if value is None or value == []:
        yield "credentialSubject: required (an object, or a list of objects, with claims)"
        return
    for item, path in entries(value, "credentialSubject"):
        if not isinstance(item, dict):
            yield f"{path}: must be an object with claims about the subject, not {_kind(item)}"
        elif not item:
            yield f"{path}: makes no claim (an empty object)"


def typed_objects(doc: dict) -> Problems:
    """§4.5, §4.10, §4.11, §5.4–5.6: status, schemas, refresh, terms and evidence are typed objects."""
    for name in TYPED_PROPERTIES:
        if name not in doc:
            continue
        value = doc[name]
        if value is None or value == []:
            yield f"{name}: must be one or more objects (leave it out when there is none)"
            continue
        for item, path in entries(value, name):
            if not isinstance(item, dict):
                yield f"{path}: must be an object with a type, not {_kind(item)}"
                continue
            if item.get("type") in (None, "", []):
                yield f"{at(path, 'type')}: required"
            if name == "credentialSchema" and "id" not in item:
                yield f"{at(path, 'id')}: required (the URL of the schema)"


def language_values(doc: dict) -> Problems:
    """§4.6 and §11.1: name and description (of the credential and its issuer) are strings or
    language value objects."""
    owners = [(doc, "")]
    if isinstance(doc.get("issuer"), dict):
        owners.append((doc["issuer"], "issuer"))
    for node, path in owners:
        for key in ("name", "description"):
            if key in node:
                for item, item_path in entries(node[key], at(path, key)):
                    yield from _language_value(item, item_path)


def _language_value(value: Any, path: str) -> Problems:
    if isinstance(value, str):
        return
    if not isinstance(value, dict):
        yield f"{path}: must be a string or a language value object, not {_kind(value)}"
        return
    extra = sorted(set(value) - _LANGUAGE_KEYS)
    if extra:
        yield f"{path}: a language value object holds only @value, @language and @direction, not {', '.join(extra)}"
    if not isinstance(value.get("@value"), str):
        yield f"{at(path, '@value')}: required (a string)"
    language = value.get("@language")
    if language is not None and not (isinstance(language, str) and _LANGUAGE_TAG.fullmatch(language)):
        yield f"{at(path, '@language')}: {language!r} is not a language tag (e.g. 'en', 'nl-BE')"
    if "@direction" in value and value["@direction"] not in ("ltr", "rtl"):
        yield f"{at(path, '@direction')}: must be 'ltr' or 'rtl'"


def related_resources(doc: dict) -> Problems:
    """§5.3: objects with a unique URL id and at least one well-formed digest."""
    if "relatedResource" not in doc:
        return
    value = doc["relatedResource"]
    if value is None or value == []:
        yield "relatedResource: must be one or more objects (leave it out when there is none)"
        return
    seen: set[str] = set()
    for item, path in entries(value, "relatedResource"):
        if not isinstance(item, dict):
            yield f"{path}: must be an object with an id and a digest, not {_kind(item)}"
            continue
        if "id" not in item:
            yield f"{at(path, 'id')}: required (the URL of the resource)"
        elif isinstance(item["id"], str):
            if item["id"] in seen:
                yield f"{at(path, 'id')}: {item['id']!r} appears twice; each resource is listed once"
            seen.add(item["id"])
        if "digestSRI" not in item and "digestMultibase" not in item:
            yield f"{path}: needs a digestSRI or a digestMultibase"
        for key, check in (("digestSRI", sri_problem), ("digestMultibase", multibase_problem)):
            for digest, digest_path in entries(item.get(key), at(path, key)) if key in item else ():
                problem = check(digest)
                if problem:
                    yield f"{digest_path}: {problem}"
        if "mediaType" in item and not isinstance(item["mediaType"], str):
            yield f"{at(path, 'mediaType')}: must be a media type string"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return {str: "a string", int: "a number", float: "a number", list: "a list"}.get(type(value), "that")


def rules(doc: dict) -> Problems:
    """Every §4 rule for one credential (dates and @context's first item are in ``checks``)."""
    contexts = doc.get("@context")
    if isinstance(contexts, list):
        yield from contexts_after_first(contexts)
    yield from identifiers(doc)
    yield from type_values(doc)
    yield from issuer(doc)
    yield from subjects(doc)
    yield from typed_objects(doc)
    yield from language_values(doc)
    yield from related_resources(doc)


def holder(doc: dict) -> Problems:
    """§4.13: a presentation's holder, if present, is a URL or an object whose id is a URL."""
    if "holder" in doc:
        yield from _party(doc["holder"], "holder")


def presentation_rules(doc: dict) -> Problems:
    """§4.13 rules for a presentation itself (its credentials are verified one by one)."""
    contexts = doc.get("@context")
    if isinstance(contexts, list):
        yield from contexts_after_first(contexts)
    yield from url(doc["id"], "id") if "id" in doc else ()
    yield from holder(doc)
