"""Document builders and structural checks: OB 3.0 §1.16, VC 2.0 §3, safe-mode expansion."""

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from issuer.credentials import documents as d
from issuer.credentials.canonical import Canonicalizer
from issuer.credentials.errors import CanonicalizationError, DocumentError
from issuer.credentials.loader import DocumentLoader

EXAMPLES = Path(__file__).resolve().parents[1] / "vectors" / "examples"
OB_EXAMPLES = sorted(p.name for p in (EXAMPLES / "unsigned").glob("*.json") if "endorsement" not in p.name)
MAY_2024 = datetime(2024, 5, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def canon():
    return Canonicalizer(DocumentLoader())


def example(name: str, folder: str = "unsigned") -> dict:
    return json.loads((EXAMPLES / folder / name).read_text())


def issuer_profile() -> dict:
    return d.profile("https://example.org/communities/1", name="Gardeners CoP",
                     url="https://example.org", description="A community of practice",
                     image="https://example.org/logo.png", email="hello@example.org")


def helper_achievement() -> dict:
    return d.achievement(
        "https://example.org/achievements/helper", "Helper", "Helps other members",
        d.criteria("Answered ten questions", id="https://example.org/achievements/helper/criteria"),
        achievement_type="ext:Kudos", image=d.image("https://example.org/helper.png", "Helper badge"),
        tags=("help", "community"), creator=issuer_profile(),
        alignments=[d.alignment("Helping", "https://example.org/skills/helping", target_code="H1",
                                target_description="Helping others", target_framework="Skills",
                                target_type="CFItem")])


def full_badge(**overrides) -> dict:
    endorsement = d.endorsement_credential(
        "urn:uuid:6f1b5b36-0c1e-4c59-9d3b-6d1f3a0e2a11", issuer_profile(),
        "https://example.org/achievements/helper", valid_from=MAY_2024, name="Peer endorsement",
        endorsement_comment="Always there to help")
    options = dict(
        valid_from=MAY_2024, valid_until=MAY_2024 + timedelta(days=365), awarded_date=MAY_2024,
        description="Recognised by peers", narrative="Helped the whole spring season",
        evidence=[d.evidence(id="https://example.org/evidence/1", name="Thread", description="Answers",
                             narrative="See thread", genre="Forum", audience="Members")],
        status={"id": "https://example.org/status/1#7", "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation", "statusListIndex": "7",
                "statusListCredential": "https://example.org/status/1"},
        endorsements=[endorsement], image="https://example.org/credentials/1.png")
    options.update(overrides)
    return d.open_badge_credential("urn:uuid:0b5cbd7e-6d1c-4d35-9a4c-3a3c4fb0a1e2", issuer_profile(),
                                   "did:example:member-1", helper_achievement(), **options)


def walk(node):
    yield node
    for child in node.values() if isinstance(node, dict) else node if isinstance(node, list) else []:
        yield from walk(child)


# ---------------------------------------------------------------- date-times

def test_xsd_datetime_is_utc_z_to_the_second():
    moment = datetime(2024, 5, 1, 14, 30, 15, 999999, tzinfo=timezone(timedelta(hours=2)))
    assert d.xsd_datetime(moment) == "2024-05-01T12:30:15Z"


def test_xsd_datetime_refuses_naive_datetimes():
    with pytest.raises(DocumentError, match="no timezone"):
        d.xsd_datetime(datetime(2024, 5, 1))


@pytest.mark.parametrize("text,expected", [
    ("2024-05-01T00:00:00Z", datetime(2024, 5, 1, tzinfo=timezone.utc)),
    ("2024-05-01T02:00:00+02:00", datetime(2024, 5, 1, tzinfo=timezone.utc)),
    ("2024-05-01T00:00:00.5-01:30", datetime(2024, 5, 1, 1, 30, 0, 500000, tzinfo=timezone.utc)),
    ("2024-04-30T24:00:00Z", datetime(2024, 5, 1, tzinfo=timezone.utc)),
])
def test_parse_datetime_accepts_datetime_stamps(text, expected):
    parsed = d.parse_datetime(text)
    assert parsed == expected and parsed.utcoffset() is not None


@pytest.mark.parametrize("text", [
    "2024-05-01", "2024-05-01T00:00:00", "2024-05-01 00:00:00Z", "2024-13-01T00:00:00Z",
    "2024-05-01T00:00:00+15:00", "2024-05-01T25:00:00Z", "٢٠٢٤-05-01T00:00:00Z", 20240501, None,
])
def test_parse_datetime_refuses_anything_else(text):
    with pytest.raises(DocumentError, match="date-time"):
        d.parse_datetime(text)


# ---------------------------------------------------------------- builders

def test_badge_has_the_ob_shape():
    badge = full_badge()
    assert badge["@context"] == [*d.OB_CONTEXTS, d.OB_EXTENSIONS_CONTEXT]
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["name"] == "Helper"  # defaults to the achievement's name
    assert badge["credentialSubject"]["type"] == ["AchievementSubject"]
    assert badge["credentialSchema"] == [{"id": d.ACHIEVEMENT_CREDENTIAL_SCHEMA,
                                          "type": "1EdTechJsonSchemaValidator2019"}]
    assert badge["issuer"]["type"] == ["Profile"] and badge["image"]["type"] == "Image"
    achievement = badge["credentialSubject"]["achievement"]
    assert achievement["alignment"][0]["type"] == ["Alignment"] and achievement["tag"] == ["help", "community"]
    assert badge["evidence"][0]["type"] == ["Evidence"]
    assert badge["validFrom"] == "2024-05-01T00:00:00Z" and badge["awardedDate"] == "2024-05-01T00:00:00Z"


def test_builders_omit_nulls_and_empty_arrays():
    badge = d.open_badge_credential("urn:uuid:1", d.profile("https://example.org/i"), "did:example:1",
                                    helper_achievement(), valid_from=MAY_2024)
    for node in walk(badge):
        if isinstance(node, dict):
            assert all(value is not None and value != [] for value in node.values()), node
    assert not {"evidence", "endorsement", "credentialStatus", "validUntil"} & set(badge)


def test_extensions_context_only_when_a_1edtech_type_is_used():
    without = full_badge(include_schema=False, status=None)
    assert without["@context"] == d.OB_CONTEXTS and "credentialSchema" not in without
    revocation_list = {"id": "https://example.org/revocations", "type": "1EdTechRevocationList"}
    assert d.OB_EXTENSIONS_CONTEXT in full_badge(include_schema=False, status=revocation_list)["@context"]


def test_endorsement_has_the_ob_shape():
    endorsement = full_badge()["endorsement"][0]
    assert endorsement["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert endorsement["credentialSubject"] == {
        "id": "https://example.org/achievements/helper", "type": ["EndorsementSubject"],
        "endorsementComment": "Always there to help"}
    assert endorsement["credentialSchema"][0]["id"] == d.ENDORSEMENT_CREDENTIAL_SCHEMA


@pytest.mark.parametrize("build", [
    full_badge,
    lambda: full_badge(include_schema=False, status=None, endorsements=()),
    lambda: d.endorsement_credential("urn:uuid:2", issuer_profile(), "did:example:member-1",
                                     valid_from=MAY_2024, name="Thanks", include_schema=False),
    lambda: {"@context": d.OB_CONTEXTS, **issuer_profile()},
    lambda: {"@context": d.OB_CONTEXTS, **helper_achievement()},
], ids=["badge", "minimal-badge", "endorsement", "profile", "achievement"])
def test_every_built_key_expands_in_safe_mode(canon, build):
    document = build()
    expanded = json.dumps(canon.expand(document))
    assert "https://purl.imsglobal.org/spec/vc/ob/vocab.html#" in expanded


def test_safe_mode_would_catch_an_unmapped_key(canon):
    badge = full_badge()
    badge["credentialSubject"]["achievement"]["favouriteColour"] = "green"
    with pytest.raises(CanonicalizationError, match="favouriteColour"):
        canon.expand(badge)


def test_criteria_needs_an_id_or_a_narrative():
    with pytest.raises(DocumentError, match="criteria: needs an id or a narrative"):
        d.criteria()


def test_achievement_type_must_be_in_the_enum_or_an_extension():
    assert d.achievement("urn:x:1", "N", "D", d.criteria("n"), achievement_type="Badge")["achievementType"] == "Badge"
    with pytest.raises(DocumentError, match="achievementType: 'Kudos' is not"):
        d.achievement("urn:x:1", "N", "D", d.criteria("n"), achievement_type="Kudos")


def test_alignment_target_type_must_be_in_the_enum_or_an_extension():
    with pytest.raises(DocumentError, match="alignment.targetType: 'Skill'"):
        d.alignment("Name", "https://example.org/t", target_type="Skill")


def test_image_object_is_checked_when_given_as_a_dict():
    with pytest.raises(DocumentError, match="achievement.image.type: must be the string 'Image'"):
        d.achievement("urn:x:1", "N", "D", d.criteria("n"), image={"id": "https://x/i.png", "type": ["Image"]})


def test_builder_refuses_valid_until_before_valid_from():
    with pytest.raises(DocumentError, match="validUntil: must not be earlier than validFrom"):
        full_badge(valid_until=MAY_2024 - timedelta(days=1))


def test_builder_refuses_an_issuer_that_is_not_a_profile():
    with pytest.raises(DocumentError, match="issuer.type: must include Profile"):
        d.open_badge_credential("urn:uuid:1", {"id": "https://example.org/i"}, "did:example:1",
                                helper_achievement(), valid_from=MAY_2024)


def test_builder_refuses_naive_datetimes():
    with pytest.raises(DocumentError, match="no timezone"):
        full_badge(valid_from=datetime(2024, 5, 1))


# ---------------------------------------------------------------- checks on real documents

@pytest.mark.parametrize("name", OB_EXAMPLES)
def test_spec_open_badges_pass(name):
    d.check_vc(example(name))
    d.check_open_badge(example(name))


def test_signed_examples_pass():
    d.check_open_badge(example("ob-v3p0-impl-guide-eddsa-rdfc-2022.json", "signed"))
    d.check_vc(example("clr-v2p0-impl-guide-eddsa-rdfc-2022.json", "signed"))


def test_spec_endorsement_passes():
    d.check_vc(example("ob-v3p0-spec-endorsement.json"))
    d.check_endorsement(example("ob-v3p0-spec-endorsement.json"))


def test_spec_embedded_endorsements_lack_the_extensions_context_on_their_own():
    embedded = example("ob-v3p0-spec-fullOpenBadge.json")["endorsement"][0]
    with pytest.raises(DocumentError, match="must include .*extensions.json because 1EdTech"):
        d.check_endorsement(embedded)


def _set(path: str, value):
    """A mutation setting (or, for ..., deleting) a dotted path like 'credentialSubject.achievement'."""
    def mutate(doc):
        *parents, last = path.split(".")
        node = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is ...:
            del node[int(last) if isinstance(node, list) else last]
        else:
            node[int(last) if isinstance(node, list) else last] = value
    return mutate


ACH = "credentialSubject.achievement"


@pytest.mark.parametrize("mutate,message", [
    (_set("@context", list(reversed(d.OB_CONTEXTS))), "@context: the first item must be"),
    (_set("@context", [d.VC2_CONTEXT]), "@context: the second item must be the Open Badges context"),
    (_set("@context", d.OB_CONTEXTS), "@context: must include .*extensions.json because"),
    (_set("type", ["VerifiableCredential"]), "type: must include OpenBadgeCredential or AchievementCredential"),
    (_set("issuer", {"type": ["Profile"]}), "issuer.id: required"),
    (_set("validFrom", ...), "validFrom: required"),
    (_set("validFrom", "2010-01-01"), "validFrom: '2010-01-01' is not a date-time"),
    (_set("validUntil", "2009-01-01T00:00:00Z"), "validUntil: must not be earlier than validFrom"),
    (_set("credentialSubject.type", ["Person"]), "credentialSubject.type: must include AchievementSubject"),
    (_set("credentialSubject.identifier.0.hashed", "no"), r"credentialSubject.identifier\[0\].hashed"),
    (_set(f"{ACH}.criteria", {}), f"{ACH}.criteria: needs an id or a narrative"),
    (_set(f"{ACH}.description", ...), f"{ACH}.description: required"),
    (_set(f"{ACH}.alignment.0.targetUrl", ...), rf"{ACH}.alignment\[0\].targetUrl: required"),
    (_set(f"{ACH}.achievementType", "Kudos"), f"{ACH}.achievementType: 'Kudos' is not"),
    (_set(f"{ACH}.image.type", ["Image"]), f"{ACH}.image.type: must be the string 'Image'"),
    (_set(f"{ACH}.creator.type", ["Person"]), f"{ACH}.creator.type: must include Profile"),
    (_set("credentialSubject.result.0.resultDescription", "urn:uuid:nope"),
     r"credentialSubject.result\[0\].resultDescription: 'urn:uuid:nope' is not"),
    (_set("evidence.0.type", ["Thing"]), r"evidence\[0\].type: must include Evidence"),
    (_set("credentialStatus", [{"id": "https://x/1", "type": "BitstringStatusListEntry"}]),
     "credentialStatus: Open Badges allows one status object"),
    (_set("credentialStatus", {"id": "https://x/1"}), "credentialStatus.type: required"),
    (_set("credentialSchema.0.id", "https://example.org/schema.json"), "credentialSchema: must include"),
])
def test_broken_open_badge_names_the_property(mutate, message):
    badge = example("ob-v3p0-spec-fullOpenBadge.json")
    mutate(badge)
    with pytest.raises(DocumentError, match=message):
        d.check_open_badge(badge)


def test_subject_needs_an_id_or_an_identifier():
    badge = example("ob-v3p0-spec-fullOpenBadge.json")
    del badge["credentialSubject"]["id"], badge["credentialSubject"]["identifier"]
    with pytest.raises(DocumentError, match="credentialSubject: needs an id or at least one identifier"):
        d.check_open_badge(badge)


def test_every_problem_is_reported_at_once():
    badge = example("ob-v3p0-spec-basicOpenBadgeCredential.json")
    del badge["validFrom"]
    badge["credentialSubject"]["achievement"]["criteria"] = {}
    with pytest.raises(DocumentError, match="validFrom: required; .*criteria: needs an id"):
        d.check_open_badge(badge)


def test_issuer_may_be_a_plain_uri():
    badge = example("ob-v3p0-spec-basicOpenBadgeCredential.json")
    badge["issuer"] = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    d.check_open_badge(badge)


def test_legacy_vc11_open_badge_uses_issuance_date():
    badge = example("ob-v3p0-spec-basicOpenBadgeCredential.json")
    badge["@context"][0] = d.VC1_CONTEXT
    with pytest.raises(DocumentError, match="issuanceDate: required"):
        d.check_open_badge(badge)
    badge["issuanceDate"] = badge.pop("validFrom")
    d.check_open_badge(badge)


@pytest.mark.parametrize("mutate,message", [
    (_set("name", ...), "name: required"),
    (_set("credentialSubject.type", ...), "credentialSubject.type: must include EndorsementSubject"),
    (_set("credentialSubject.id", ...), "credentialSubject.id: required"),
    (_set("type", ["VerifiableCredential", "OpenBadgeCredential"]), "type: must include EndorsementCredential"),
    (_set("credentialSchema", [{"id": d.ACHIEVEMENT_CREDENTIAL_SCHEMA, "type": d.JSON_SCHEMA_VALIDATOR}]),
     "credentialSchema: must include {id: .*endorsementcredential"),
])
def test_broken_endorsement_names_the_property(mutate, message):
    endorsement = example("ob-v3p0-spec-endorsement.json")
    mutate(endorsement)
    with pytest.raises(DocumentError, match=message):
        d.check_endorsement(endorsement)


def _vc(**fields) -> dict:
    base = {"@context": [d.VC2_CONTEXT], "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer", "credentialSubject": {"id": "did:example:subject"}}
    return {k: v for k, v in {**base, **fields}.items() if v is not None}


def test_check_vc_accepts_minimal_vc2_and_vc11():
    d.check_vc(_vc())
    d.check_vc(_vc(**{"@context": [d.VC1_CONTEXT], "issuanceDate": "2020-01-01T00:00:00Z"}))


@pytest.mark.parametrize("doc,message", [
    (_vc(**{"@context": ["https://example.org/ctx"]}), "@context: the first item must be"),
    (_vc(type=["Thing"]), "type: must include VerifiableCredential"),
    (_vc(issuer=None), "issuer: required"),
    (_vc(issuer={"name": "x"}), "issuer.id: required"),
    (_vc(credentialSubject=None), "credentialSubject: required"),
    (_vc(validFrom="yesterday"), "validFrom: 'yesterday' is not a date-time"),
    (_vc(validFrom="2024-01-02T00:00:00Z", validUntil="2024-01-01T00:00:00Z"), "validUntil: must not be earlier"),
    (_vc(**{"@context": [d.VC1_CONTEXT]}), "issuanceDate: required"),
    (_vc(credentialStatus=[{"id": "https://x/1"}]), r"credentialStatus\[0\].type: required"),
    ([], "document: a credential must be a JSON object"),
])
def test_check_vc_names_the_property(doc, message):
    with pytest.raises(DocumentError, match=message):
        d.check_vc(copy.deepcopy(doc))
