"""Structural limits: cheap, iterative, naming the limit and where it was exceeded."""

import pytest

from issuer.credentials.limits import (StructureLimitExceeded, StructureLimits, UnusableText,
                                       check_structure)

LIMITS = StructureLimits()


def test_a_wide_array_is_refused_naming_the_limit_and_the_path():
    document = {"credentialSubject": {"https://example.org/v": [str(i) for i in range(8001)]}}
    with pytest.raises(StructureLimitExceeded,
                       match=r"/credentialSubject/https://example.org/v is an array of 8001 items; "
                             r"the limit is 1000 items per array \(max_array_items\)"):
        check_structure(document, LIMITS)


def test_too_many_values_in_all_are_refused():
    document = {f"p{k}": list(range(100)) for k in range(20)}  # 20 arrays of 100: 2,021 values
    with pytest.raises(StructureLimitExceeded, match=r"more than 2000 JSON values.*\(max_values\)"):
        check_structure(document, StructureLimits(max_values=2000))
    check_structure(document, StructureLimits(max_values=2021))


def test_a_long_string_or_key_is_refused():
    with pytest.raises(StructureLimitExceeded, match=r"/a/0 is a string of 11 characters.*"
                                                     r"\(max_string_chars\)"):
        check_structure({"a": ["x" * 11]}, StructureLimits(max_string_chars=10))
    with pytest.raises(StructureLimitExceeded, match="is a key of 11 characters"):
        check_structure({"k" * 11: 1}, StructureLimits(max_string_chars=10))


@pytest.mark.parametrize("where", ["value", "key"])
def test_a_lone_surrogate_is_not_text(where):
    document = {"name": "ab\ud800"} if where == "value" else {"n\udc00": "x"}
    with pytest.raises(UnusableText, match=r"lone UTF-16 surrogate \(\\u(d800|dc00)\)"):
        check_structure(document, LIMITS)


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers_are_not_json(number):
    with pytest.raises(UnusableText, match="/credentialSubject/score is .*not a JSON number"):
        check_structure({"credentialSubject": {"score": number}}, LIMITS)


def test_deep_nesting_is_walked_without_recursion():
    document: object = "leaf"
    for _ in range(50_000):
        document = [document]
    check_structure(document, LIMITS)


def test_a_clr_of_hundreds_of_credentials_is_within_the_default_limits():
    badge = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
             "credentialSubject": {"achievement": {"alignment": [{"targetName": f"t{i}"}
                                                                for i in range(20)]}},
             "proof": {"proofValue": "z" + "1" * 86}}
    clr = {"credentialSubject": {"verifiableCredential": [badge] * 500}}
    check_structure(clr, LIMITS)
