"""VC 2.0 §4 / §5.3 rules every credential meets, and relatedResource digests against pins."""

import base64
import copy
import hashlib
import re

import base58
import pytest

from issuer.credentials import digests
from issuer.credentials import documents as d
from issuer.credentials.errors import DocumentError
from issuer.credentials.loader import DocumentLoader

VC2 = d.VC2_CONTEXT
PINNED = DocumentLoader().pinned_bytes(VC2)
SRI = "sha384-" + base64.b64encode(hashlib.sha384(PINNED).digest()).decode()
MULTIHASH = b"\x12\x20" + hashlib.sha256(PINNED).digest()
MB_BASE58 = "z" + base58.b58encode(MULTIHASH).decode()
MB_BASE64URL = "u" + base64.urlsafe_b64encode(MULTIHASH).decode().rstrip("=")
WRONG_SRI = "sha384-" + base64.b64encode(hashlib.sha384(b"other").digest()).decode()
WRONG_MB = "u" + base64.urlsafe_b64encode(b"\x12\x20" + hashlib.sha256(b"x").digest()).decode().rstrip("=")


def _vc(**fields) -> dict:
    base = {"@context": [VC2], "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer", "credentialSubject": {"id": "did:example:subject"}}
    base.update(fields)
    return base


def _related(**fields) -> dict:
    return {"id": VC2, **fields}


@pytest.mark.parametrize("doc", [
    _vc(),
    _vc(credentialSubject={"name": "Alice"}),  # a claim without an id is a claim
    _vc(credentialSubject=[{"id": "did:example:a"}, {"id": "did:example:b"}]),
    _vc(issuer={"id": "https://example.org/issuers/1", "name": [
        {"@value": "Hond", "@language": "nl"}, {"@value": "كلب", "@language": "ar", "@direction": "rtl"}]}),
    _vc(name={"@value": "Example", "@language": "en-GB", "@direction": "ltr"}, description="plain"),
    _vc(credentialSchema={"id": "https://example.org/schema.json", "type": "JsonSchema"}),
    _vc(credentialStatus={"type": "BitstringStatusListEntry"}),  # status id is optional in VC 2.0
    _vc(termsOfUse=[{"type": "IssuerPolicy"}], evidence={"type": "Evidence"},
        refreshService={"id": "https://example.org/refresh", "type": "Refresh"}),
    _vc(relatedResource=_related(digestSRI=SRI)),
    _vc(relatedResource=[_related(digestMultibase=MB_BASE58, mediaType="application/ld+json"),
                         {"id": "https://example.org/other", "digestSRI": WRONG_SRI}]),
    _vc(**{"@context": [VC2, "https://example.org/ctx", {"x": "https://example.org/x"}]}),
    _vc(type=["https://example.org/#Thing", "VerifiableCredential"], id="urn:uuid:1234"),
    _vc(**{"@context": [d.VC1_CONTEXT], "issuanceDate": "2020-01-01T00:00:00Z",
           "expirationDate": "2030-01-01T00:00:00+01:00"}),
], ids=range(13))
def test_well_formed_credentials_pass(doc):
    d.check_vc(doc)


@pytest.mark.parametrize("doc,message", [
    (_vc(issuer=None), "issuer: required"),
    (_vc(issuer="fake-issuer"), "issuer: 'fake-issuer' is not a URL"),
    (_vc(issuer={"id": None}), "issuer.id: None is not a URL"),
    (_vc(issuer={"id": "fake-issuer"}), "issuer.id: 'fake-issuer' is not a URL"),
    (_vc(issuer=["did:example:a"]), "issuer: must be a URL or an object"),
    (_vc(credentialSubject=True), "credentialSubject: must be an object .* not true"),
    (_vc(credentialSubject=3), "credentialSubject: must be an object .* not a number"),
    (_vc(credentialSubject="did:example:a"), "credentialSubject: must be an object .* not a string"),
    (_vc(credentialSubject={}), "credentialSubject: makes no claim"),
    (_vc(credentialSubject=[{"id": "did:example:a"}, {}]), r"credentialSubject\[1\]: makes no claim"),
    (_vc(credentialSubject=[]), "credentialSubject: required"),
    (_vc(credentialSubject={"id": ["did:example:a", "did:example:b"]}),
     "credentialSubject.id: must be a single URL"),
    (_vc(id=None), "id: None is not a URL"),
    (_vc(id="https ://not-a-url/1"), "id: 'https ://not-a-url/1' is not a URL"),
    (_vc(id=["https://example.org/1", "https://example.org/2"]), "id: must be a single URL"),
    (_vc(type=["VerifiableCredential", 2]), r"type\[1\]: 2 is not a type name"),
    (_vc(type=["VerifiableCredential", "Two words"]), r"type\[1\]: 'Two words' is not a type name"),
    (_vc(**{"@context": [VC2, 123192875]}), r"@context\[1\]: 123192875 is neither"),
    (_vc(**{"@context": [VC2, "https ://not-a-url/ctx"]}), r"@context\[1\]: .* is neither"),
    (_vc(credentialStatus={"id": "https://example.org/status/1"}), "credentialStatus.type: required"),
    (_vc(credentialStatus={"id": ["did:example:s1", "did:example:s2"], "type": "X"}),
     "credentialStatus.id: must be a single URL"),
    (_vc(credentialStatus={"id": "https ://x/4", "type": "X"}), "credentialStatus.id: .* is not a URL"),
    (_vc(credentialStatus={"type": 2}), r"credentialStatus.type: 2 is not a type name"),
    (_vc(credentialStatus="https://example.org/status/1"), "credentialStatus: must be an object"),
    (_vc(credentialStatus=None), "credentialStatus: must be one or more objects"),
    (_vc(credentialSchema={"id": "https://example.org/s.json"}), "credentialSchema.type: required"),
    (_vc(credentialSchema={"type": "JsonSchema"}), "credentialSchema.id: required"),
    (_vc(credentialSchema=[{"id": 5, "type": "JsonSchema"}]), r"credentialSchema\[0\].id: 5 is not a URL"),
    (_vc(refreshService={"id": "https://example.org/r"}), "refreshService.type: required"),
    (_vc(termsOfUse={}), "termsOfUse.type: required"),
    (_vc(termsOfUse=[{"type": "IssuerPolicy"}, {"id": "did:example:t"}]), r"termsOfUse\[1\].type: required"),
    (_vc(evidence={}), "evidence.type: required"),
    (_vc(evidence=["https://example.org/e"]), r"evidence\[0\]: must be an object"),
    (_vc(name={"@value": "x", "@language": "en", "url": "did:example:c"}),
     "name: a language value object holds only .* not url"),
    (_vc(description={"@language": "en"}), r"description.@value: required"),
    (_vc(name={"@value": "x", "@language": "en gb"}), "name.@language: 'en gb' is not a language tag"),
    (_vc(name={"@value": "x", "@direction": "up"}), "name.@direction: must be 'ltr' or 'rtl'"),
    (_vc(name=5), "name: must be a string or a language value object, not a number"),
    (_vc(issuer={"id": "did:example:i", "description": {"@value": "x", "url": "y"}}),
     "issuer.description: a language value object"),
    (_vc(relatedResource=[VC2]), r"relatedResource\[0\]: must be an object"),
    (_vc(relatedResource=[{"digestSRI": SRI}]), r"relatedResource\[0\].id: required"),
    (_vc(relatedResource=[_related(digestSRI=SRI), _related(digestMultibase=MB_BASE58)]),
     r"relatedResource\[1\].id: .* appears twice"),
    (_vc(relatedResource=[_related()]), r"relatedResource\[0\]: needs a digestSRI or a digestMultibase"),
    (_vc(relatedResource=_related(id="not a url", digestSRI=SRI)), "relatedResource.id: 'not a url' is not a URL"),
    (_vc(relatedResource=_related(digestSRI="sha384-_rCV-tD0")), "relatedResource.digestSRI: .* is not an SRI"),
    (_vc(relatedResource=_related(digestSRI="sha384-AAAA")), "relatedResource.digestSRI: a sha384 digest is 48 bytes"),
    (_vc(relatedResource=_related(digestMultibase="uM4RgWQc3RUDtjJCSgTJtTfvpZ7SPEg_LNO0ESlovQC0")),
     "relatedResource.digestMultibase: .* is not a multihash"),
    (_vc(relatedResource=_related(digestMultibase="z0OIl")), "relatedResource.digestMultibase: .* does not decode"),
    (_vc(relatedResource=_related(digestSRI=SRI, mediaType=5)), "relatedResource.mediaType: must be"),
    (_vc(relatedResource=[]), "relatedResource: must be one or more objects"),
    (_vc(validFrom="2024-05-01T00:00:00"), "validFrom: .* is not a date-time with timezone"),
    (_vc(validUntil="2024-05-01"), "validUntil: .* is not a date-time with timezone"),
    (_vc(**{"@context": [d.VC1_CONTEXT], "issuanceDate": "2020-01-01T00:00:00Z",
            "credentialSubject": True}), "credentialSubject: must be an object"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_each_rule_names_the_path(doc, message):
    with pytest.raises(DocumentError, match=message):
        d.check_vc(copy.deepcopy(doc))


def test_an_open_badge_gets_the_same_rules():
    from tests.credentials.test_documents import full_badge

    badge = full_badge()
    d.check_open_badge(badge)
    badge["termsOfUse"] = {"id": "https://example.org/terms"}
    badge["relatedResource"] = ["https://example.org/r"]
    with pytest.raises(DocumentError, match=r"termsOfUse.type: required.*relatedResource\[0\]"):
        d.check_open_badge(badge)


def _results(doc, pinned=DocumentLoader().pinned_bytes):
    return [(r.outcome, r.path) for r in digests.check_related(doc, pinned)]


@pytest.mark.parametrize("related,outcome", [
    (_related(digestSRI=SRI), "ok"),
    (_related(digestSRI=f"{SRI} sha256-{base64.b64encode(hashlib.sha256(PINNED).digest()).decode()}"), "ok"),
    (_related(digestMultibase=MB_BASE58), "ok"),
    (_related(digestMultibase=MB_BASE64URL), "ok"),
    (_related(digestSRI=WRONG_SRI), "failed"),
    (_related(digestMultibase=WRONG_MB), "failed"),
    (_related(digestSRI=f"{SRI} {WRONG_SRI}"), "failed"),  # every digest given must hold
    (_related(digestSRI="sha1-" + base64.b64encode(b"x" * 20).decode()), "could not check"),
    (_related(digestMultibase="k" + "abc"), "could not check"),  # a base we do not decode
    ({"id": "https://example.org/not-pinned", "digestSRI": SRI}, "could not check"),
], ids=range(10))
def test_digests_are_checked_against_the_pinned_bytes(related, outcome):
    [(found, path)] = _results(_vc(relatedResource=related))
    assert (found, path) == (outcome, "relatedResource." + next(k for k in related if k.startswith("digest")))


def test_each_digest_of_each_resource_is_reported_with_its_path():
    doc = _vc(relatedResource=[_related(digestSRI=SRI, digestMultibase=WRONG_MB),
                               {"id": "https://example.org/x", "digestMultibase": MB_BASE58}])
    assert _results(doc) == [("ok", "relatedResource[0].digestSRI"),
                             ("failed", "relatedResource[0].digestMultibase"),
                             ("could not check", "relatedResource[1].digestMultibase")]


def test_pinned_bytes_are_the_pinned_file_and_nothing_else():
    loader = DocumentLoader()
    assert hashlib.sha256(loader.pinned_bytes(VC2)).hexdigest() == \
        "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"
    assert loader.pinned_bytes("https://example.org/ctx") is None
    assert re.match(rb"\s*\{", loader.pinned_bytes(d.OB_CONTEXT))


def _badge_with(change) -> dict:
    from tests.credentials.test_documents import full_badge

    badge = full_badge()
    change(badge)
    return badge


def _achievement(badge) -> dict:
    return badge["credentialSubject"]["achievement"]


LEVELS = [{"id": "urn:level:1", "type": ["RubricCriterionLevel"], "name": "Good"}]
DESCRIBED = [{"id": "urn:rd:1", "type": ["ResultDescription"], "name": "Grade",
              "resultType": "Status", "rubricCriterionLevel": LEVELS}]


@pytest.mark.parametrize("change,message", [
    (lambda b: (_achievement(b).update(resultDescription=DESCRIBED),
                b["credentialSubject"].update(result=[{"type": ["Result"], "resultDescription": "urn:rd:1",
                                                       "status": "Done"}])),
     r"credentialSubject.result\[0\].status: 'Done' is not one of Completed"),
    (lambda b: (_achievement(b).update(resultDescription=DESCRIBED),
                b["credentialSubject"].update(result=[{"type": ["Result"], "resultDescription": "urn:rd:1"}])),
     r"credentialSubject.result\[0\].status: required \(its resultDescription has resultType Status\)"),
    (lambda b: (_achievement(b).update(resultDescription=DESCRIBED),
                b["credentialSubject"].update(result=[{"type": ["Result"], "status": "Completed",
                                                       "achievedLevel": "urn:level:9"}])),
     r"credentialSubject.result\[0\].achievedLevel: 'urn:level:9' is not the id of a rubricCriterionLevel"),
    (lambda b: _achievement(b).update(resultDescription=[{**DESCRIBED[0], "rubricCriterionLevel": [{"id": "urn:l"}]}]),
     r"achievement.resultDescription\[0\].rubricCriterionLevel\[0\].name: required.*"
     r"rubricCriterionLevel\[0\].type: must include RubricCriterionLevel"),
    (lambda b: _achievement(b).update(related=[{"id": "https://example.org/a/v1"}]),
     r"credentialSubject.achievement.related\[0\].type: must include Related"),
    (lambda b: _achievement(b).update(related=["https://example.org/a/v1"]),
     r"credentialSubject.achievement.related\[0\]: must be a Related object"),
    (lambda b: _achievement(b).update(otherIdentifier=[{"type": "IdentifierEntry", "identifier": "X1"}]),
     r"achievement.otherIdentifier\[0\].identifierType: required"),
    (lambda b: b["issuer"].update(otherIdentifier=[{"identifier": "X1", "identifierType": "sourcedId"}]),
     r"issuer.otherIdentifier\[0\].type: must be 'IdentifierEntry'"),
    (lambda b: b["credentialSubject"].update(source={"id": "https://example.org/assessor"}),
     "credentialSubject.source.type: must include Profile"),
    (lambda b: b["credentialSubject"].update(source="https://example.org/assessor"),
     "credentialSubject.source: must be a Profile object"),
], ids=range(10))
def test_open_badge_data_model_rules_name_the_path(change, message):
    with pytest.raises(DocumentError, match=message):
        d.check_open_badge(_badge_with(change))


def test_open_badge_results_levels_related_and_source_that_conform_pass():
    def change(badge):
        _achievement(badge).update(resultDescription=DESCRIBED, related=[
            {"id": "https://example.org/a/v1", "type": ["Related"], "version": "1"}],
            otherIdentifier=[{"type": "IdentifierEntry", "identifier": "X1", "identifierType": "sourcedId"}])
        badge["credentialSubject"].update(
            result=[{"type": ["Result"], "resultDescription": "urn:rd:1", "status": "Completed",
                     "achievedLevel": "urn:level:1"}],
            source={"id": "https://example.org/assessor", "type": ["Profile"]})
    d.check_open_badge(_badge_with(change))
