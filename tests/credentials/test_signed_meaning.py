"""Property test: every single change that gives an issued credential another meaning breaks it.

Randomized Open Badges credentials (the strategy of test_canonical_equivalence.py, ids made
distinct, lists trimmed) are signed for real with eddsa-rdfc-2022 (issuer.credentials.proof) and
then changed in one place at a time: every string, number and boolean, every key (removed,
renamed, aliased), every array element, inside the proof too. A change in MEANINGFUL must make
verification fail; a change in ALLOWED must not, and the dictionary says why JSON-LD gives the
changed document the same meaning. Nothing is mocked.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, Phase, assume, given, settings

from issuer.credentials.canonical import Canonicalizer
from issuer.credentials.errors import CanonicalizationError, CredentialError
from issuer.credentials.loader import DocumentLoader
from issuer.credentials.proof import create_proof, proofs_of, verify_document_proof

from .test_canonical_equivalence import credentials

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
VM = "did:example:issuer#key-1"
CREATED = "2026-12-01T00:00:00Z"

# Changes after which verification must fail: each states something else, or nothing.
MEANINGFUL = {
    "changed string": "another text, IRI, date, type, language, direction or context URL",
    "changed number": "another number",
    "flipped boolean": "the other truth value",
    "removed key": "a statement (or a whole node, language, direction, context) less",
    "renamed key": "the value stated by another property (or a keyword: @index drops the rest)",
    "removed element": "one value of a set less",
    "renamed to a blank node": "a blank-node property ('_:k') makes no RDF statement: refused, "
                               "where toRdf used to drop it unsigned",
    "added language": "a plain string becomes a language-tagged one",
    "added direction": "a string gets a base direction (was unsigned before: pyld dropped it)",
    "added property": "one more statement",
    "duplicated node": "a node without an id is a node of its own: a copy is one more node",
    "removed node copy": "as 'duplicated node': one node less, even if an equal one remains",
    "added @index beside an equal value": "not another meaning, but stricter: two values equal but "
                                          "for @index are both kept, and pyld and jsonld.js alike "
                                          "then write the same statement twice",
    "aliased proof key": "Data Integrity reads the proof's own keys as JSON (type, cryptosuite, "
                         "proofValue): '@type' for 'type' is refused there, stricter, not unsigned",
}

# Changes after which verification must still succeed, and why the meaning is the same.
ALLOWED = {
    "removed empty array": "an empty array states nothing, so removing it removes no statement",
    "renamed empty array": "as 'removed empty array': no statement under either name",
    "removed duplicate": "an equal element remains: JSON-LD arrays are sets, the value is stated "
                         "once either way",
    "reordered keys": "JSON object members have no order (RFC 8259); the RDF is the same",
    "reversed array": "arrays without an @list container are unordered sets in JSON-LD",
    "duplicated element": "a value (or a node with an id) stated twice is one RDF statement",
    "wrapped in array": "a single value and a one-element array expand to the same (no @list or "
                        "@json container here)",
    "unwrapped array": "as 'wrapped in array', the other way round",
    "aliased key": "'id' and 'type' are aliases of @id and @type in the VC 2.0 context",
    "language case": "language tags are case-insensitive (BCP 47 §2.1.1); JSON-LD lower-cases "
                     "them before they are signed",
    "integral number as float": "5 and 5.0 are one JSON number (a JavaScript parser cannot tell "
                                "them apart); JSON-LD writes it as an integer",
    "added @index": "@index is not part of the RDF data model: JSON-LD keeps it only for "
                    "round-tripping JSON, so it is never signed by any RDF canonicalization",
    "proof @context": "the proof's @context must repeat the start of the document's, which is "
                      "signed; it adds no definitions of its own",
}

TEXT_KEYS = {"name", "description", "narrative", "targetName", "targetDescription", "genre"}
RENAME_POOL = ("name", "description", "narrative", "genre", "image")  # never all in one object


@dataclass
class Mutation:
    kind: str
    path: tuple
    document: dict

    def __str__(self):
        return f"{self.kind} at {'/'.join(map(str, self.path)) or '(root)'}"


def _walk(value, path=()) -> Iterator[tuple[tuple, object]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, index))


def _edit(document: dict, path: tuple, change: Callable[[object, object], None]) -> dict:
    """A copy of ``document`` with ``change(parent, key)`` applied at ``path``."""
    copied = copy.deepcopy(document)
    parent = copied
    for step in path[:-1]:
        parent = parent[step]
    change(parent, path[-1])
    return copied


def _set(value):
    def change(parent, key):
        parent[key] = value
    return change


def _rename(new_key):
    def change(parent, key):
        items = list(parent.items())
        parent.clear()
        parent.update((new_key if name == key else name, item) for name, item in items)
    return change


def _changed_string(path: tuple, value: str) -> str:
    if path[-1] == "@direction":
        return "rtl" if value == "ltr" else "ltr"
    if path[-1] == "@language":
        return "nl" if value.lower() != "nl" else "en"
    return value + "x"


def _under_context(path: tuple) -> bool:
    return "@context" in path


def _canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True)


def mutations(document: dict) -> Iterator[Mutation]:
    """Every single change of the catalogue, at every place it applies."""
    for path, value in _walk(document):
        key = path[-1] if path else None
        in_proof = bool(path) and path[0] == "proof"
        if isinstance(value, bool):
            yield Mutation("flipped boolean", path, _edit(document, path, _set(not value)))
        elif isinstance(value, (int, float)):
            yield Mutation("changed number", path, _edit(document, path, _set(value + 1)))
            if float(value).is_integer() and abs(value) < 1e21:
                other = float(value) if isinstance(value, int) else int(value)
                yield Mutation("integral number as float", path, _edit(document, path, _set(other)))
        elif isinstance(value, str) and path:
            yield Mutation("changed string", path,
                           _edit(document, path, _set(_changed_string(path, value))))
            if key == "@language":
                other = value.upper() if value != value.upper() else value.lower()
                yield Mutation("language case", path, _edit(document, path, _set(other)))
            if isinstance(key, str) and key in TEXT_KEYS or (
                    isinstance(key, int) and path[-2] in TEXT_KEYS | {"tag"}):
                yield Mutation("added language", path,
                               _edit(document, path, _set({"@value": value, "@language": "en"})))
                yield Mutation("added direction", path,
                               _edit(document, path, _set({"@value": value, "@direction": "ltr"})))
        elif isinstance(value, dict):
            yield from _object_mutations(document, path, value, in_proof)
        elif isinstance(value, list):
            yield from _array_mutations(document, path, value)
        if isinstance(key, str) and key not in ("id", "@context") and not key.startswith("@"):
            if not in_proof and not isinstance(value, list) and not _under_context(path):
                yield Mutation("wrapped in array", path, _edit(document, path, _set([value])))


def _object_mutations(document, path, value, in_proof) -> Iterator[Mutation]:
    if len(value) > 1:
        reordered = dict(reversed(list(value.items())))
        yield Mutation("reordered keys", path, _edit(document, path, _set(reordered))
                       if path else reordered)
    for key, item in value.items():
        where = (*path, key)
        empty = item == []
        yield Mutation("removed empty array" if empty else "removed key", where,
                       _edit(document, where, lambda parent, k: parent.pop(k)))
        if key.startswith("@"):
            if key != "@context":
                yield Mutation("renamed key", where, _edit(document, where, _rename("@index")))
            continue
        new = next(name for name in RENAME_POOL if name not in value)
        yield Mutation("renamed empty array" if empty else "renamed key", where,
                       _edit(document, where, _rename(new)))
        if not empty and "@value" not in value:
            yield Mutation("renamed to a blank node", where, _edit(document, where, _rename("_:k")))
        if key in ("id", "type"):
            yield Mutation("aliased proof key" if in_proof else "aliased key", where,
                           _edit(document, where, _rename("@" + key)))
    if "@value" in value:
        if "@direction" not in value:
            yield Mutation("added direction", path,
                           _edit(document, path, _set({**value, "@direction": "ltr"})))
        kind = ("added @index beside an equal value" if _has_equal_sibling(document, path)
                else "added @index")
        yield Mutation(kind, path, _edit(document, path, _set({**value, "@index": "i"})))
    elif path and not _under_context(path):
        if "description" not in value:
            yield Mutation("added property", path,
                           _edit(document, path, _set({**value, "description": "added"})))
        if path == ("proof",):
            context = {**value, "@context": document["@context"]}
            yield Mutation("proof @context", path, _edit(document, path, _set(context)))


def _array_mutations(document, path, value) -> Iterator[Mutation]:
    if len(value) >= 2:
        for index, item in enumerate(value):
            rest = [_plain(other) for i, other in enumerate(value) if i != index]
            kind = ("removed element" if _plain(item) not in rest
                    else "removed node copy" if _is_blank_node(item) else "removed duplicate")
            yield Mutation(kind, (*path, index),
                           _edit(document, (*path, index), lambda parent, k: parent.pop(k)))
        if not _under_context(path):
            yield Mutation("reversed array", path, _edit(document, path, _set(value[::-1])))
    if value:
        yield Mutation("duplicated node" if _is_blank_node(value[0]) else "duplicated element", path,
                       _edit(document, path, _set([*value, copy.deepcopy(value[0])])))
    if len(value) == 1 and not _under_context(path) and path[-1] != "proof":
        yield Mutation("unwrapped array", path, _edit(document, path, _set(value[0])))


def _has_equal_sibling(document: dict, path: tuple) -> bool:
    """True when the value at ``path`` is in an array with another value equal to it."""
    if not path or not isinstance(path[-1], int):
        return False
    parent = document
    for step in path[:-1]:
        parent = parent[step]

    return sum(_plain(item) == _plain(parent[path[-1]]) for item in parent) > 1


def _plain(value) -> str:
    """JSON text for comparing values: a string is the value object it abbreviates."""
    return _canonical_json({"@value": value} if isinstance(value, (str, int, float)) else value)


def _is_blank_node(value) -> bool:
    return isinstance(value, dict) and not {"id", "@id", "@value"} & set(value)


def _distinct_ids(document: dict) -> dict:
    """The credential with each node id its own (issued credentials repeat none) and short lists."""
    counter = iter(range(1_000_000))

    def fix(value):
        if isinstance(value, list):
            return [fix(item) for item in value[:3]]
        if isinstance(value, dict):
            out = {key: fix(item) for key, item in value.items()}
            if isinstance(out.get("id"), str) and out["id"].startswith("https://"):
                out["id"] = f"https://example.org/node/{next(counter)}"
            return out
        return value

    return fix(document)


@pytest.fixture(scope="module")
def canon():
    return Canonicalizer(DocumentLoader())


def _verifies(document: dict, canon: Canonicalizer) -> bool:
    proofs = proofs_of(document)
    if not proofs:
        return False
    try:
        for proof in proofs:
            verify_document_proof(document, proof, KEY.public_key(), canonicalizer=canon)
    except CredentialError:
        return False
    return True


def _check_every_change(unsigned: dict, canon: Canonicalizer) -> set[str]:
    """Sign, apply every change, assert each breaks or keeps the signature as catalogued."""
    proof = create_proof(unsigned, KEY, verification_method=VM, canonicalizer=canon,
                         created=CREATED)
    signed = {**unsigned, "proof": proof}
    assert _verifies(signed, canon)
    wrong, kinds = [], set()
    for mutation in mutations(signed):
        assert mutation.kind in MEANINGFUL or mutation.kind in ALLOWED, mutation.kind
        kinds.add(mutation.kind)
        verified = _verifies(mutation.document, canon)
        if verified != (mutation.kind in ALLOWED):
            wrong.append(f"{mutation}: {'verified' if verified else 'failed'}")
    assert not wrong, "\n".join(wrong)
    return kinds


# Hand-made, so that every kind of change of the catalogue happens at least once.
EVERY_KIND = {
    "@context": ["https://www.w3.org/ns/credentials/v2",
                 "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
    "id": "https://example.org/credentials/1",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": {"@value": "Peer mentor", "@language": "en-GB", "@direction": "ltr"},
    "issuer": {"id": "https://example.org/issuers/1", "type": ["Profile"], "name": "Community"},
    "validFrom": "2026-01-01T00:00:00Z",
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "identifier": [{"type": "IdentityObject", "hashed": False, "identityHash": "ada@example.org",
                        "identityType": "emailAddress"}],
        "achievement": {
            "id": "https://example.org/achievements/1", "type": ["Achievement"],
            "name": "Mentor", "description": {"@value": "مرشد", "@language": "ar"},
            "criteria": {"narrative": {"@value": "Mentor three newcomers.", "@direction": "ltr"}},
            "creditsAvailable": 5,
            "tag": ["a", {"@value": "a"}, {"@value": "b", "@language": "nl"}],
            "alignment": [{"type": ["Alignment"], "targetName": "Mentoring",
                           "targetUrl": "https://example.org/framework/mentoring"}] * 2,
        },
    },
    "evidence": [],
}


def test_the_catalogue_names_every_change_once():
    assert not set(MEANINGFUL) & set(ALLOWED)
    assert all(reason.strip() for reason in (*MEANINGFUL.values(), *ALLOWED.values()))


def test_every_kind_of_change_on_a_hand_made_credential(canon):
    assert _check_every_change(copy.deepcopy(EVERY_KIND), canon) == set(MEANINGFUL) | set(ALLOWED)


# No shrinking: the failure message lists every wrong change of the example already.
@settings(max_examples=12, derandomize=True, deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(drawn=credentials())
def test_every_meaningful_change_breaks_the_signature(canon, drawn):
    try:
        _check_every_change(_distinct_ids(drawn), canon)
    except CanonicalizationError as error:  # refused at signing: nothing signed to change
        assert "differ only in their direction" in str(error)
        assume(False)
