"""Structural checks of VC and Open Badges 3.0 documents: the rules a verifier can apply
without JSON Schema. Each rule yields "property.path: problem" (DESIGN §4.10); the public checks
run them all and raise one DocumentError listing every problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from . import datamodel, obmodel
from .errors import DocumentError
from .vocab import (ACHIEVEMENT_CREDENTIAL_SCHEMA, ACHIEVEMENT_TYPES, ALIGNMENT_TARGET_TYPES,
                    ENDORSEMENT_CREDENTIAL_SCHEMA, ENDORSEMENT_TYPE, IDENTIFIER_TYPES,
                    JSON_SCHEMA_VALIDATOR, OB_CONTEXT, OB_EXTENSIONS_CONTEXT, OPEN_BADGE_TYPES,
                    RESULT_TYPES, VC1_CONTEXT, VC2_CONTEXT, _OB_CONTEXT_URL, _SCHEMA_BASE,
                    _extension_ok, parse_datetime, type_list)

# Each validator is a generator of "property.path: problem" strings (one rule, one message);
# the public checks run them all and raise one DocumentError listing every problem.

_ACHIEVEMENT_SCHEMAS = frozenset({
    ACHIEVEMENT_CREDENTIAL_SCHEMA, ACHIEVEMENT_CREDENTIAL_SCHEMA.replace("/json/", "/json-ld/"),
    _SCHEMA_BASE + "ob_v3p0_anyachievementcredential_schema.json"})
_ENDORSEMENT_SCHEMAS = frozenset({
    ENDORSEMENT_CREDENTIAL_SCHEMA, ENDORSEMENT_CREDENTIAL_SCHEMA.replace("/json/", "/json-ld/"),
    _SCHEMA_BASE + "ob_v3p0_anyendorsementcredential_schema.json"})
Problems = Iterator[str]


def _at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


_types = type_list


def _raise(problems: Iterable[str]) -> None:
    found = list(dict.fromkeys(problems))  # two rules may name the same problem once
    if found:
        error = DocumentError("; ".join(found))
        error.problems = found  # one by one, so a verifier can tell nits from failures
        raise error


def _objects(value: Any, path: str, check) -> Problems:
    """Run ``check`` on each entry of a 0..* property (a lone object counts as one entry)."""
    entries = value if isinstance(value, list) else [] if value is None else [value]
    for index, entry in enumerate(entries):
        entry_path = _at(path, index) if isinstance(value, list) else path
        if isinstance(entry, dict):
            yield from check(entry, entry_path)
        else:
            yield f"{entry_path}: must be an object"


def _required(node: dict, path: str, *keys: str) -> Problems:
    for key in keys:
        if node.get(key) in (None, "", [], {}):
            yield f"{_at(path, key)}: required"


def _typed(node: dict, path: str, *wanted: str) -> Problems:
    if not set(wanted) & set(_types(node.get("type"))):
        yield f"{_at(path, 'type')}: must include {' or '.join(wanted)}"


def _enum(node: dict, path: str, key: str, allowed: frozenset[str]) -> Problems:
    value = node.get(key)
    if value is not None and not _extension_ok(value, allowed):
        yield f"{_at(path, key)}: {value!r} is not in the OB vocabulary and does not start with 'ext:'"


def _image(value: Any, path: str) -> Problems:
    if value is None:
        return
    if not isinstance(value, dict):
        yield f"{path}: must be an Image object with an id and type 'Image'"
        return
    yield from _required(value, path, "id")
    if value.get("type") != "Image":
        yield f"{_at(path, 'type')}: must be the string 'Image'"


def _profile(node: dict, path: str) -> Problems:
    yield from _required(node, path, "id")
    yield from _typed(node, path, "Profile")
    yield from _image(node.get("image"), _at(path, "image"))


def _alignment(node: dict, path: str) -> Problems:
    yield from _typed(node, path, "Alignment")
    yield from _required(node, path, "targetName", "targetUrl")
    yield from _enum(node, path, "targetType", ALIGNMENT_TARGET_TYPES)


def _criteria(node: dict, path: str) -> Problems:
    if not node.get("id") and not node.get("narrative"):
        yield f"{path}: needs an id or a narrative"


def _result_description(node: dict, path: str) -> Problems:
    yield from _required(node, path, "id", "name", "resultType")
    yield from _typed(node, path, "ResultDescription")
    yield from _enum(node, path, "resultType", RESULT_TYPES)


def _achievement(node: dict, path: str) -> Problems:
    yield from _required(node, path, "id", "name", "description")
    yield from _typed(node, path, "Achievement")
    yield from _enum(node, path, "achievementType", ACHIEVEMENT_TYPES)
    if isinstance(node.get("criteria"), dict):
        yield from _criteria(node["criteria"], _at(path, "criteria"))
    else:
        yield f"{_at(path, 'criteria')}: required (an object with an id or a narrative)"
    yield from _image(node.get("image"), _at(path, "image"))
    yield from _objects(node.get("alignment"), _at(path, "alignment"), _alignment)
    yield from _objects(node.get("resultDescription"), _at(path, "resultDescription"),
                        _result_description)
    yield from _objects(node.get("creator"), _at(path, "creator"), _profile)


def _identity(node: dict, path: str) -> Problems:
    if node.get("type") != "IdentityObject":
        yield f"{_at(path, 'type')}: must be 'IdentityObject'"
    if not isinstance(node.get("hashed"), bool):
        yield f"{_at(path, 'hashed')}: must be true or false"
    yield from _required(node, path, "identityHash", "identityType")
    yield from _enum(node, path, "identityType", IDENTIFIER_TYPES)


def _results(subject: dict, path: str) -> Problems:
    """Every result is typed and points at a resultDescription of the asserted achievement."""
    described = subject["achievement"].get("resultDescription")
    entries = described if isinstance(described, list) else [described]
    known = {entry.get("id") for entry in entries if isinstance(entry, dict)}

    def check(node: dict, node_path: str) -> Problems:
        yield from _typed(node, node_path, "Result")
        ref = node.get("resultDescription")
        if ref is not None and ref not in known:
            yield (f"{_at(node_path, 'resultDescription')}: {ref!r} is not the id of a "
                   "resultDescription of the achievement")
    yield from _objects(subject.get("result"), _at(path, "result"), check)


def _achievement_subject(node: dict, path: str) -> Problems:
    yield from _typed(node, path, "AchievementSubject")
    if not node.get("id") and not node.get("identifier"):
        yield f"{path}: needs an id or at least one identifier"
    yield from _objects(node.get("identifier"), _at(path, "identifier"), _identity)
    yield from _image(node.get("image"), _at(path, "image"))
    if not isinstance(node.get("achievement"), dict):
        yield f"{_at(path, 'achievement')}: required (an Achievement object)"
        return
    yield from _achievement(node["achievement"], _at(path, "achievement"))
    yield from _results(node, path)


def _edtech_types(node: Any, top: bool = True) -> Iterator[str]:
    """1EdTech* type names used in a document, skipping embedded documents with their own @context."""
    if isinstance(node, list):
        for item in node:
            yield from _edtech_types(item, False)
    elif isinstance(node, dict) and (top or "@context" not in node):
        yield from (t for t in _types(node.get("type")) if t.startswith("1EdTech"))
        for key, value in node.items():
            if key != "type":
                yield from _edtech_types(value, False)


def _contexts(doc: dict, ob: bool) -> Problems:
    contexts = doc.get("@context")
    if not isinstance(contexts, list) or not contexts:
        yield "@context: must be a list starting with the VC context"
        return
    if contexts[0] not in (VC2_CONTEXT, VC1_CONTEXT):
        yield f"@context: the first item must be {VC2_CONTEXT} (or {VC1_CONTEXT} for VC 1.1)"
    if not ob:
        return
    second = contexts[1] if len(contexts) > 1 else None
    if not isinstance(second, str) or not _OB_CONTEXT_URL.fullmatch(second):
        yield f"@context: the second item must be the Open Badges context {OB_CONTEXT}"
    used = sorted(set(_edtech_types(doc)))
    if used and OB_EXTENSIONS_CONTEXT not in contexts:
        yield f"@context: must include {OB_EXTENSIONS_CONTEXT} because {', '.join(used)} is used"


def _issuer(doc: dict, ob: bool) -> Problems:
    """An OB issuer object is a Profile (datamodel checks that issuer is a URL or has one)."""
    issuer = doc.get("issuer")
    if ob and isinstance(issuer, dict):
        yield from _profile(issuer, "issuer")


def _dates(doc: dict, start_key: str, end_key: str, required: bool) -> Problems:
    parsed = {}
    for key in (start_key, end_key, "awardedDate"):
        if doc.get(key) is None:
            if required and key == start_key:
                yield f"{key}: required"
            continue
        try:
            parsed[key] = parse_datetime(doc[key])
        except DocumentError as error:
            yield f"{key}: {error}"
    if start_key in parsed and end_key in parsed and parsed[end_key] < parsed[start_key]:
        yield f"{end_key}: must not be earlier than {start_key}"


def _status(doc: dict, ob: bool) -> Problems:
    """OB allows one status object and makes its id required (datamodel checks its type)."""
    value = doc.get("credentialStatus")
    if ob and isinstance(value, list):
        yield "credentialStatus: Open Badges allows one status object, not a list"
    elif ob and isinstance(value, dict):
        yield from _required(value, "credentialStatus", "id")


def _schemas(doc: dict, accepted: frozenset[str], preferred: str) -> Problems:
    value = doc.get("credentialSchema")
    if value is None:
        return
    entries = value if isinstance(value, list) else [value]
    if not any(isinstance(e, dict) and e.get("type") == JSON_SCHEMA_VALIDATOR
               and e.get("id") in accepted for e in entries):
        yield f"credentialSchema: must include {{id: {preferred}, type: {JSON_SCHEMA_VALIDATOR}}}"


def _credential(doc: dict, kinds: tuple[str, ...], ob: bool, model: bool = True) -> Problems:
    """Rules every credential meets; OB ones also need the OB context and a Profile issuer.

    ``model`` False leaves out the VC data-model walk, for a document that has just passed it.
    """
    yield from _contexts(doc, ob)
    types = _types(doc.get("type"))
    if "VerifiableCredential" not in types:
        yield "type: must include VerifiableCredential"
    if kinds and not set(kinds) & set(types):
        yield f"type: must include {' or '.join(kinds)}"
    if ob:
        yield from _required(doc, "", "id")
    yield from _issuer(doc, ob)
    contexts = doc.get("@context")
    if isinstance(contexts, list) and contexts and contexts[0] == VC1_CONTEXT:
        yield from _dates(doc, "issuanceDate", "expirationDate", required=True)
    else:
        yield from _dates(doc, "validFrom", "validUntil", required=ob)
    yield from _status(doc, ob)
    if model:
        yield from datamodel.rules(doc)


def vc_rules(doc: dict) -> Problems:
    """The rules every VC 1.1/2.0 credential meets, whatever its kind."""
    return _credential(doc, (), ob=False)


def open_badge_rules(doc: dict, *, model: bool = True) -> Problems:
    """OB 3.0 §1.16 rules for an OpenBadgeCredential (``model`` as in ``_credential``)."""
    yield from _credential(doc, OPEN_BADGE_TYPES, ob=True, model=model)
    yield from _schemas(doc, _ACHIEVEMENT_SCHEMAS, ACHIEVEMENT_CREDENTIAL_SCHEMA)
    yield from _image(doc.get("image"), "image")
    yield from _objects(doc.get("evidence"), "evidence", lambda n, p: _typed(n, p, "Evidence"))
    yield from _objects(doc.get("endorsement"), "endorsement",
                        lambda n, p: _typed(n, p, ENDORSEMENT_TYPE))
    yield from _subject(doc, "AchievementSubject", _achievement_subject)
    yield from obmodel.rules(doc)


def endorsement_rules(doc: dict, *, model: bool = True) -> Problems:
    """OB 3.0 rules for an EndorsementCredential (``model`` as in ``_credential``)."""
    yield from _credential(doc, (ENDORSEMENT_TYPE,), ob=True, model=model)
    yield from _required(doc, "", "name")
    yield from _schemas(doc, _ENDORSEMENT_SCHEMAS, ENDORSEMENT_CREDENTIAL_SCHEMA)
    yield from _subject(doc, "EndorsementSubject", _endorsement_subject)


def _endorsement_subject(node: dict, path: str) -> Problems:
    yield from _required(node, path, "id")
    yield from _typed(node, path, "EndorsementSubject")


def _subject(doc: dict, kind: str, rules) -> Problems:
    """The credential's one ``credentialSubject`` object (a ``kind``), checked by ``rules``."""
    subject = doc.get("credentialSubject")
    if isinstance(subject, dict):
        yield from rules(subject, "credentialSubject")
    elif subject is not None:
        yield f"credentialSubject: must be one {kind} object"


def _check(doc: Any, rules) -> None:
    if not isinstance(doc, dict):
        raise DocumentError("document: a credential must be a JSON object")
    _raise(rules(doc))


def check_vc(doc: dict) -> None:
    """Generic VC 1.1/2.0 rules (contexts, types, issuer, subject, dates); raises DocumentError."""
    _check(doc, vc_rules)


def check_open_badge(doc: dict) -> None:
    """OB 3.0 §1.16 structural rules for an OpenBadgeCredential; raises DocumentError naming paths."""
    _check(doc, open_badge_rules)


def check_endorsement(doc: dict) -> None:
    """OB 3.0 structural rules for an EndorsementCredential; raises DocumentError naming paths."""
    _check(doc, endorsement_rules)


def check_as(doc: Any, rules) -> None:
    """The VC rules, then, when they hold, a kind's own ``rules``: each rule runs once.

    A document that breaks a VC rule is refused naming those problems only, as a verifier
    reads it; ``rules`` (``open_badge_rules``…) then skip the data-model walk already done.
    """
    _check(doc, vc_rules)
    if rules is not None:
        _check(doc, lambda d: rules(d, model=False))


def check_presentation(doc: dict) -> None:
    """VC 2.0 §4.13 rules for a presentation: later contexts, id and holder; raises DocumentError."""
    _check(doc, datamodel.presentation_rules)
