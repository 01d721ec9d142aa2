"""1EdTech JSON Schema validation: spec examples, built documents, messages, offline $refs."""

import hashlib
import json
import shutil
import socket
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest

from issuer.credentials import documents as d
from issuer.credentials.errors import DocumentError
from issuer.credentials.schema import (ACHIEVEMENT_CREDENTIAL_SCHEMA, CLR_CREDENTIAL_SCHEMA,
                                       ENDORSEMENT_CREDENTIAL_SCHEMA, PROFILE_SCHEMA, SchemaError,
                                       SchemaRegistry, schema_id_for)

EXAMPLES = Path(__file__).resolve().parents[1] / "vectors" / "examples"
ALL_EXAMPLES = sorted(f"{p.parent.name}/{p.name}" for p in EXAMPLES.glob("*/*.json"))
MAY_2024 = datetime(2024, 5, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def registry():
    return SchemaRegistry()


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything tries to open a connection."""
    def refuse(*args, **kwargs):
        pytest.fail("a schema lookup tried to use the network")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


def basic() -> dict:
    return example("unsigned/ob-v3p0-spec-basicOpenBadgeCredential.json")


def test_schema_id_follows_the_credential_type():
    assert schema_id_for(basic()) == ACHIEVEMENT_CREDENTIAL_SCHEMA
    assert schema_id_for(example("unsigned/ob-v3p0-spec-endorsement.json")) == ENDORSEMENT_CREDENTIAL_SCHEMA
    assert schema_id_for(example("signed/clr-v2p0-impl-guide-eddsa-rdfc-2022.json")) == CLR_CREDENTIAL_SCHEMA
    assert schema_id_for({"type": "VerifiableCredential"}) is None and schema_id_for([]) is None


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_spec_examples_are_valid(registry, name, no_network):
    document = example(name)
    assert registry.validate(document, schema_id_for(document)) == []


def test_built_documents_are_valid(registry):
    issuer = d.profile("https://example.org/communities/1", name="Gardeners", image="https://example.org/l.png")
    achievement = d.achievement(
        "https://example.org/achievements/1", "Helper", "Helps", d.criteria("Helped"),
        achievement_type="ext:Kudos", image="https://example.org/a.png", tags=["help"],
        alignments=[d.alignment("Helping", "https://example.org/skills/1", target_type="CFItem")],
        creator=issuer)
    endorsement = d.endorsement_credential("urn:uuid:2", issuer, "https://example.org/achievements/1",
                                           valid_from=MAY_2024, name="Thanks", endorsement_comment="Great")
    badge = d.open_badge_credential(
        "urn:uuid:1", issuer, "did:example:1", achievement, valid_from=MAY_2024, awarded_date=MAY_2024,
        evidence=[d.evidence(id="https://example.org/e/1", name="Thread")], endorsements=[endorsement],
        status={"id": "https://example.org/s/1#3", "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation", "statusListIndex": "3",
                "statusListCredential": "https://example.org/s/1"})
    registry.check(badge, ACHIEVEMENT_CREDENTIAL_SCHEMA)
    registry.check(endorsement, ENDORSEMENT_CREDENTIAL_SCHEMA)
    registry.check({"@context": d.OB_CONTEXTS, **issuer}, PROFILE_SCHEMA)


def _without(doc: dict, *path: str) -> dict:
    node = doc
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return doc


@pytest.mark.parametrize("document,schema_id,message", [
    (_without(example("unsigned/ob-v3p0-spec-endorsement.json"), "name"), ENDORSEMENT_CREDENTIAL_SCHEMA,
     "name: required property is missing"),
    (_without(basic(), "credentialSubject", "type"), ACHIEVEMENT_CREDENTIAL_SCHEMA,
     "credentialSubject.type: required property is missing"),
    ({**basic(), "image": {"id": "https://x/i.png", "type": ["Image"]}}, ACHIEVEMENT_CREDENTIAL_SCHEMA,
     "image.type: ['Image'] is not of type 'string'"),
    ({**basic(), "image": "https://x/i.png"}, ACHIEVEMENT_CREDENTIAL_SCHEMA,
     "image: 'https://x/i.png' is not of type 'object'"),
    ({**basic(), "image": {"id": "https://x/i.png", "type": "Image", "alt": "x"}}, ACHIEVEMENT_CREDENTIAL_SCHEMA,
     "image: Additional properties are not allowed ('alt' was unexpected)"),
    (_without(basic(), "credentialSubject", "achievement", "criteria"), ACHIEVEMENT_CREDENTIAL_SCHEMA,
     "credentialSubject.achievement.criteria: required property is missing"),
])
def test_broken_documents_name_the_path(registry, document, schema_id, message):
    assert message in registry.validate(document, schema_id)


def test_check_raises_naming_the_problem(registry):
    with pytest.raises(DocumentError, match="ob_v3p0_achievementcredential_schema.json: .*credentialSubject.type"):
        registry.check(_without(basic(), "credentialSubject", "type"), ACHIEVEMENT_CREDENTIAL_SCHEMA)


def test_check_shows_the_first_problems_and_counts_the_rest(registry):
    with pytest.raises(DocumentError, match=r"\(and 1 more\)"):
        registry.check({}, ACHIEVEMENT_CREDENTIAL_SCHEMA)  # six required properties missing (name is optional)


def test_validators_are_compiled_once(registry):
    assert registry.validator(ACHIEVEMENT_CREDENTIAL_SCHEMA) is registry.validator(ACHIEVEMENT_CREDENTIAL_SCHEMA)


def test_unknown_schema_id_is_an_error(registry):
    with pytest.raises(SchemaError, match="not one of the pinned schemas"):
        registry.validate({}, "https://example.org/schema.json")


def _schemas_dir(tmp_path: Path, schema: dict, url: str = "https://example.org/s.json") -> Path:
    data = json.dumps(schema).encode()
    (tmp_path / "s.json").write_bytes(data)
    manifest = {"schemas": {url: {"file": "s.json", "sha256": hashlib.sha256(data).hexdigest()}}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    return tmp_path


def test_ref_to_an_unpinned_url_fails_without_network(tmp_path, no_network):
    schema = {"$schema": "https://json-schema.org/draft/2019-09/schema#", "$id": "https://example.org/s.json",
              "properties": {"a": {"$ref": "https://example.org/not-pinned.json#/$defs/A"}}}
    registry = SchemaRegistry(_schemas_dir(tmp_path, schema))
    with pytest.raises(SchemaError, match="not-pinned.json.* does not resolve to a pinned schema"):
        registry.validate({"a": 1}, "https://example.org/s.json")


def test_unsupported_meta_schema_is_an_error(tmp_path):
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", "$id": "https://example.org/s.json"}
    with pytest.raises(SchemaError, match="unsupported \\$schema"):
        SchemaRegistry(_schemas_dir(tmp_path, schema)).validator("https://example.org/s.json")


def test_tampered_schema_file_is_refused(tmp_path):
    source = SchemaRegistry().schemas_dir
    shutil.copytree(source, tmp_path / "schemas", ignore=shutil.ignore_patterns("contexts"))
    target = tmp_path / "schemas" / "ob_v3p0" / "ob_v3p0_profile_schema.json"
    target.write_text(target.read_text().replace('"Profile"', '"Profi1e"', 1))
    with pytest.raises(SchemaError, match="ob_v3p0_profile_schema.json does not match its sha256"):
        SchemaRegistry(tmp_path / "schemas")
