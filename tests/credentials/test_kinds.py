"""The table of credential kinds: each builder's output meets its own rules, every type name the
code knows is in the table, the context URLs are written once, and a document is checked once."""

import ast
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from issuer.credentials import clr, datamodel, documents as d, issuance, kinds, status
from issuer.credentials.canonical import Canonicalizer
from issuer.credentials.errors import DocumentError
from issuer.credentials.kinds import KINDS, OB_TYPES, kind_of, kind_of_document
from issuer.credentials.loader import DocumentLoader
from issuer.credentials.schema import SchemaRegistry
from issuer.credentials.verify import Verifier
from issuer.credentials.vocab import DATA_INTEGRITY_CONTEXT, ED25519_2020_CONTEXT

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(p for p in (ROOT / "issuer").rglob("*.py") if "migrations" not in p.parts)
MAY_2024 = datetime(2024, 5, 1, tzinfo=timezone.utc)
ISSUER = "did:example:issuer"


@pytest.fixture(scope="module")
def registry():
    return SchemaRegistry()


@pytest.fixture(scope="module")
def canon():
    return Canonicalizer(DocumentLoader())


def _profile() -> dict:
    return d.profile(ISSUER, name="Gardeners")


def _badge() -> dict:
    achievement = d.achievement("https://example.org/achievements/1", "Helper", "Helps others",
                                d.criteria("Helped ten members"))
    return d.open_badge_credential("urn:uuid:1", _profile(), "did:example:member", achievement,
                                   valid_from=MAY_2024)


# One call of each builder in the table; a kind that gains a builder gains a line here.
BUILT = {
    "OpenBadgeCredential": _badge,
    "EndorsementCredential": lambda: d.endorsement_credential(
        "urn:uuid:2", _profile(), "https://example.org/achievements/1", valid_from=MAY_2024,
        name="Thanks", endorsement_comment="Always there to help"),
    "BitstringStatusListCredential": lambda: status.status_list_credential(
        "https://example.org/status/1", ISSUER, status.StatusList().encode(), valid_from=MAY_2024),
    "ClrCredential": lambda: clr.clr_credential(
        "urn:uuid:3", _profile(), "did:example:member", [_badge()], valid_from=MAY_2024,
        name="A member's record", achievements=[_badge()["credentialSubject"]["achievement"]]),
}


def _strings(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def test_every_builder_in_the_table_has_a_sample():
    assert {kind.name for kind in KINDS if kind.builder is not None} == set(BUILT)


@pytest.mark.parametrize("name", sorted(BUILT))
def test_each_builder_output_passes_its_own_structure_checks_and_schema(name, registry, canon):
    kind = kinds.BY_NAME[name]
    document = BUILT[name]()
    assert kind.builder is not None and kind_of_document(document) is kind
    assert kind.name in document["type"]
    kind.check(document)
    if kind.schema is not None:
        assert registry.validate(document, kind.schema) == []
    issuance.check(document, schemas=registry, canonicalizer=canon)


NOT_TYPES = {"Credential", "IssuedCredential", "DuplicateCredential"}  # a page title; a model; an error


def test_every_credential_type_name_in_the_code_is_in_the_table():
    named = {(path.relative_to(ROOT).as_posix(), text) for path in SOURCES for text in _strings(path)
             if text.isidentifier() and text[0].isupper() and text.endswith("Credential")
             and text not in NOT_TYPES}
    assert named, "the scan found no type names at all"
    assert {(where, text) for where, text in named if text not in kinds.BY_NAME} == set()


def test_type_names_and_context_urls_are_defined_once():
    names = ("OB_TYPES", "VC1_CONTEXT", "VC2_CONTEXT", "OB_CONTEXT", "OB_EXTENSIONS_CONTEXT",
             "ED25519_2020_CONTEXT", "DATA_INTEGRITY_CONTEXT", "STATUS_CONTEXT",
             "CLR_CREDENTIAL_SCHEMA", "DI_CONTEXT_V1", "STATUS_CONTEXT_V1")
    assigned = [(path.name, target.id) for path in SOURCES
                for node in ast.parse(path.read_text()).body if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Name) and target.id in names]
    assert sorted(assigned) == sorted(set(assigned)) and len({n for _, n in assigned}) == len(assigned)
    manifests = [json.loads((ROOT / "schemas" / "contexts" / "manifest.json").read_text())["contexts"],
                 json.loads((ROOT / "schemas" / "manifest.json").read_text())["schemas"]]
    pinned = {url for manifest in manifests for url in manifest}
    counts: dict[str, list[str]] = {}
    for path in SOURCES:
        for text in _strings(path):
            if text in pinned:
                counts.setdefault(text, []).append(path.name)
    assert {url: found for url, found in counts.items() if len(found) > 1} == {}
    assert d.VC2_CONTEXT in counts and d.OB_CONTEXT in counts


def test_precedence_and_aliases():
    assert kind_of(["VerifiableCredential", "EndorsementCredential", "OpenBadgeCredential"]) is kinds.OPEN_BADGE
    assert kind_of("AchievementCredential") is kinds.OPEN_BADGE
    assert kinds.OPEN_BADGE.type_name(["VerifiableCredential", "AchievementCredential"]) == "AchievementCredential"
    assert kind_of(["VerifiableCredential", "ExampleCredential"]) is kinds.CREDENTIAL
    assert kind_of(None) is kinds.CREDENTIAL and kind_of_document([]) is kinds.CREDENTIAL
    assert not kind_of(["EnvelopedVerifiableCredential", "OpenBadgeCredential"]).readable
    assert OB_TYPES == {"OpenBadgeCredential", "AchievementCredential"}
    assert [k.label for k in (kinds.OPEN_BADGE, kinds.ENDORSEMENT, kinds.CLR)] == \
        ["Open Badge", "endorsement", "Comprehensive Learner Record"]


def test_schema_applies_to_vc2_documents_of_checked_kinds_only():
    badge = _badge()
    assert kinds.OPEN_BADGE.schema_for(badge) == d.ACHIEVEMENT_CREDENTIAL_SCHEMA
    assert kinds.OPEN_BADGE.schema_for({**badge, "@context": [d.VC1_CONTEXT]}) is None
    assert kinds.CLR.schema_for({"@context": [d.VC2_CONTEXT]}) == kinds.CLR.schema  # now issued here
    assert kinds.CLR.schema_for({"@context": [d.VC1_CONTEXT]}) is None


def _counting(monkeypatch) -> list:
    calls = []
    rules = datamodel.rules

    def counted(doc):
        calls.append(doc)
        return rules(doc)
    monkeypatch.setattr(datamodel, "rules", counted)
    return calls


def test_an_issued_document_is_checked_once(monkeypatch, registry, canon):
    badge = _badge()
    calls = _counting(monkeypatch)
    issuance.check(badge, schemas=registry, canonicalizer=canon)
    assert len(calls) == 1


def test_a_verified_document_is_checked_once(monkeypatch, registry, canon):
    badge, verifier = _badge(), Verifier(canon, lambda vm: None, lambda url: {}, registry)
    calls = _counting(monkeypatch)
    result = verifier.verify(badge, checks=frozenset({"structure", "schema"}))
    assert [c.outcome for c in result.checks] == ["ok", "ok"] and len(calls) == 1


def test_a_document_that_breaks_a_vc_rule_is_refused_by_those_rules_alone():
    badge = _badge()
    badge["issuer"] = {"name": "no id"}
    del badge["credentialSubject"]["achievement"]["name"]
    with pytest.raises(DocumentError) as raised:
        kinds.OPEN_BADGE.check(badge)
    assert str(raised.value) == "issuer.id: required"
    with pytest.raises(DocumentError, match="achievement.name: required"):
        kinds.OPEN_BADGE.check({**_badge(), "credentialSubject": badge["credentialSubject"]})


def _complete(credential: dict, **options) -> dict:
    values = dict(issuer_did=ISSUER, issuer_profile=_profile(), default_id="https://example.org/c/1",
                  now=MAY_2024, suites=("eddsa-rdfc-2022",), serves=DocumentLoader().serves)
    return issuance.complete(credential, **{**values, **options})


def test_completion_fills_what_the_service_owns():
    badge = {k: v for k, v in _badge().items() if k not in ("id", "issuer", "validFrom")}
    done = _complete(badge)
    assert done["id"] == "https://example.org/c/1" and done["issuer"] == _profile()
    assert done["validFrom"] == "2024-05-01T00:00:00Z" and "id" not in badge
    plain = _complete({"@context": [d.VC1_CONTEXT], "type": ["VerifiableCredential"],
                       "credentialSubject": {"id": "did:example:1"}},
                      suites=("eddsa-rdfc-2022", "Ed25519Signature2020"), status_entry=False)
    assert plain["issuer"] == ISSUER and plain["issuanceDate"] == "2024-05-01T00:00:00Z"
    assert plain["@context"] == [d.VC1_CONTEXT, DATA_INTEGRITY_CONTEXT, ED25519_2020_CONTEXT]


def test_completion_refuses_a_second_status_entry_on_an_open_badge_only():
    entry = status.status_entry("https://example.org/status/1", 3)
    with pytest.raises(DocumentError, match="an Open Badge has one status entry"):
        _complete({**_badge(), "credentialStatus": entry})
    assert _complete({**_badge(), "credentialStatus": entry}, status_entry=False)["credentialStatus"] == entry
    endorsement = {**BUILT["EndorsementCredential"](), "credentialStatus": entry}
    assert _complete(endorsement)["credentialStatus"] == entry
