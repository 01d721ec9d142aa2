"""LinkedIn's "Add to profile" URL: every value survives the trip, whatever it holds."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest

from issuer.linkedin import ADD_TO_PROFILE, Certification, add_to_profile_url, valid_organization_id

ISSUED = datetime(2026, 3, 14, 9, 30, tzinfo=timezone.utc)
EXPIRES = datetime(2028, 11, 2, tzinfo=timezone.utc)
NAMES = ["Community facilitator", "R&D lead", "C# mentor", "C++ & Rust #1", "100% on time",
         "a+b=c?d/e:f;g", "Café ✓ 日本語 — Ünïcödé", "  spaces  around  ", "%20 is not a space",
         "x&name=forged&certId=evil#frag"]


def parsed(url: str) -> list[tuple[str, str]]:
    """The URL read back the way a server reads it: strict, every pair kept, in order."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == ADD_TO_PROFILE and not parts.fragment
    return parse_qsl(parts.query, keep_blank_values=True, strict_parsing=True)


def certification(name: str = "Community facilitator", **changes) -> Certification:
    values = {"name": name, "organization_name": "Call Hosts & Co. #2", "organization_id": None,
              "issued": ISSUED, "expires": None,
              "cert_url": "https://issuer.example/credentials/0b6c2f6e-55b3-4b0e-9a53-1f0f3f9e1c11",
              "cert_id": "https://issuer.example/credentials/0b6c2f6e-55b3-4b0e-9a53-1f0f3f9e1c11"}
    return Certification(**{**values, **changes})


@pytest.mark.parametrize("name", NAMES)
def test_every_field_comes_back_equal(name):
    made = certification(name, organization_name=f"{name} org", expires=EXPIRES,
                         cert_id=f"urn:uuid:{name}")
    assert parsed(made.url()) == [("startTask", "CERTIFICATION_NAME"), ("name", name),
                                  ("organizationName", f"{name} org"), ("issueYear", "2026"),
                                  ("issueMonth", "3"), ("expirationYear", "2028"),
                                  ("expirationMonth", "11"), ("certUrl", made.cert_url),
                                  ("certId", f"urn:uuid:{name}")]


@pytest.mark.parametrize("name", NAMES)
def test_values_are_percent_encoded_never_raw_or_plus(name):
    query = urlsplit(certification(name).url()).query
    assert "#" not in certification(name).url() and "+" not in query and " " not in query
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        assert key.isalpha() and set(value) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                   "0123456789-._~%"), pair
    assert parse_qs(query)["name"] == [name]  # once each: no value can add a parameter


def test_an_organization_id_replaces_the_name():
    by_id = dict(parsed(certification(organization_id="2414183").url()))
    assert by_id["organizationId"] == "2414183" and "organizationName" not in by_id
    by_name = dict(parsed(certification().url()))
    assert by_name["organizationName"] == "Call Hosts & Co. #2" and "organizationId" not in by_name


def test_expiry_only_when_the_credential_has_one():
    without = dict(parsed(certification().url()))
    assert "expirationYear" not in without and "expirationMonth" not in without
    assert (without["issueYear"], without["issueMonth"]) == ("2026", "3")
    until = dict(parsed(certification(expires=EXPIRES).url()))
    assert (until["expirationYear"], until["expirationMonth"]) == ("2028", "11")


def test_the_url_starts_the_certification_task():
    url = add_to_profile_url([("name", "a b")])
    assert url == "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name=a%20b"


@pytest.mark.parametrize("value,valid", [("2414183", True), ("1", True), ("0" * 20, True),
                                         ("0" * 21, False), ("", False), ("12a", False),
                                         ("-5", False), ("1 2", False), ("١٢٣", False),
                                         ("12\n", False), ("https://www.linkedin.com/company/1", False)])
def test_organization_ids_are_ascii_digits(value, valid):
    assert valid_organization_id(value) is valid
