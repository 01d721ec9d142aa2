"""Untrusted documents are bounded at every entry: structural limits before JSON-LD (422 naming
the limit), text that is not text and numbers that are not JSON (400), a blank-node ring (422,
not 500), and a chunked body over the size limit (413, through a real HTTP server)."""

from __future__ import annotations

import copy
import http.client
import io
import json
from urllib.parse import urlsplit

import pytest

from tests.conftest import TOKEN, LiveServer, as_platform, make_app
from tests.web.browsing import Browser
from tests.web.test_credential_page import award, person

VC2 = "https://www.w3.org/ns/credentials/v2"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
WIDE = 8001  # the report's credential: one property with 8,001 values, 63 KB
LIMIT_MESSAGE = "is an array of 8001 items; the limit is 1000 items per array (max_array_items)"


def wide_credential(signed: dict) -> dict:
    """A signed badge whose subject gained a property with 8,001 values (signature now wrong)."""
    document = copy.deepcopy(signed)
    document["credentialSubject"]["https://example.org/v"] = [str(i) for i in range(WIDE)]
    return document


def unsigned_wide() -> dict:
    return {"@context": [VC2], "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:ada",
                                  "https://example.org/v": [str(i) for i in range(WIDE)]}}


@pytest.fixture
def fetching_app(tmp_path):
    return make_app(tmp_path, ISSUER_FETCH_ALLOW_PRIVATE=True)


@pytest.fixture
def wide(fetching_app):
    return wide_credential(json.loads(award(fetching_app)["text"]))


def _problem(response, status=422):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def test_vcapi_verify_refuses_a_wide_array_naming_the_limit(fetching_app, wide):
    client = fetching_app.test_client()
    body = _problem(client.post("/credentials/verify", json={"verifiableCredential": wide}))
    assert body["type"].endswith("#work-limit") and LIMIT_MESSAGE in body["detail"]
    assert "/verifiableCredential/credentialSubject/https://example.org/v" in body["detail"]


def test_presentation_verify_refuses_a_wide_array_naming_the_limit(fetching_app, wide):
    presentation = {"@context": [VC2], "type": ["VerifiablePresentation"],
                    "verifiableCredential": [wide]}
    body = _problem(fetching_app.test_client().post(
        "/presentations/verify", json={"verifiablePresentation": presentation}))
    assert LIMIT_MESSAGE in body["detail"]


def test_issue_refuses_a_wide_array_naming_the_limit(fetching_app):
    body = _problem(fetching_app.test_client().post(
        "/credentials/issue", json={"credential": unsigned_wide()}, headers=BEARER))
    assert LIMIT_MESSAGE in body["detail"]


def test_api_verify_refuses_a_wide_array_pasted_or_fetched(fetching_app, wide, loopback):
    browser, _ = person(fetching_app, "ada")
    auth = {"Authorization": f"Bearer {browser.api_token()}"}
    body = _problem(browser.client.post("/api/v1/verify", json={"credential": wide}, headers=auth))
    assert LIMIT_MESSAGE in body["detail"]
    url = loopback.put("wide.json", wide)
    body = _problem(browser.client.post("/api/v1/verify", json={"url": url}, headers=auth))
    assert LIMIT_MESSAGE in body["detail"]


@pytest.mark.parametrize("how", ["credential", "upload", "url"])
def test_verify_page_refuses_a_wide_array_naming_the_limit(fetching_app, wide, loopback, how):
    text = json.dumps(wide)
    data = {"credential": {"credential": text},
            "upload": {"upload": (io.BytesIO(text.encode()), "wide.json")},
            "url": {"url": loopback.put("wide.json", wide)}}[how]
    page = Browser(fetching_app).submit("/verify", data)
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "This document cannot be checked" in html and "max_array_items" in html


def test_a_real_credential_still_verifies(fetching_app):
    made = award(fetching_app)
    response = fetching_app.test_client().post(
        "/credentials/verify", json={"verifiableCredential": json.loads(made["text"])})
    assert response.status_code == 200 and response.get_json()["verified"] is True


def _ring(size: int) -> dict:
    """Blank nodes in a ring, split over two arrays (each under the per-array limit)."""
    nodes = [{"@id": f"_:r{i}", "https://example.org/next": {"@id": f"_:r{(i + 1) % size}"}}
             for i in range(size)]
    half = size // 2
    return {"@context": [VC2], "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:ada", "https://example.org/a": nodes[:half],
                                  "https://example.org/b": nodes[half:]}}


def test_a_blank_node_ring_is_a_work_limit_on_issue_not_a_server_error(tmp_path):
    client = make_app(tmp_path, ISSUER_CANON_MAX_SECONDS=0).test_client()  # only the stack limits
    response = client.post("/credentials/issue", json={"credential": as_platform(client, _ring(2000))},
                           headers=BEARER)
    body = _problem(response)
    assert body["type"].endswith("#work-limit") and "linked too deeply" in body["detail"]


def test_a_blank_node_ring_is_refused_on_issue_with_the_default_budget(client):
    response = client.post("/credentials/issue", json={"credential": as_platform(client, _ring(2000))},
                           headers=BEARER)
    assert _problem(response)["type"].endswith("#work-limit")


LONE_SURROGATE = '{"name": "Community \\ud800 of practice"}'


def test_a_lone_surrogate_is_refused_on_issue(app):
    text = '{"credential": {"@context": ["%s"], "type": ["VerifiableCredential"], ' \
           '"name": "bad \\ud800 text", "credentialSubject": {"id": "did:example:ada"}}}' % VC2
    body = _problem(app.test_client().post("/credentials/issue", data=text,
                                           content_type="application/json", headers=BEARER), 400)
    assert "/credential/name is a string holding a lone UTF-16 surrogate (\\ud800)" in body["detail"]


@pytest.mark.parametrize("path", ["/api/v1/communities", "/api/v1/tokens"])
def test_a_lone_surrogate_is_refused_by_the_json_api(app, path):
    browser, _ = person(app, "ada")
    auth = {"Authorization": f"Bearer {browser.api_token()}"}
    body = _problem(browser.client.post(path, data=LONE_SURROGATE, content_type="application/json",
                                        headers=auth), 400)
    assert "/name is a string holding a lone UTF-16 surrogate" in body["detail"]
    assert body["type"].endswith("#invalid-text")


def test_a_lone_surrogate_in_a_pasted_credential_is_a_form_error(app):
    page = Browser(app).submit("/verify", {"credential": '{"name": "\\udfff"}'})
    assert page.status_code == 400 and "lone UTF-16 surrogate" in page.get_data(as_text=True)


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_numbers_json_cannot_carry_are_refused(app, number):
    credential = ('{"@context": ["%s"], "type": ["VerifiableCredential"], '
                  '"credentialSubject": {"id": "did:example:ada", "https://example.org/score": %s}}'
                  % (VC2, number))
    client = app.test_client()
    issued = _problem(client.post("/credentials/issue", data='{"credential": %s}' % credential,
                                  content_type="application/json", headers=BEARER), 400)
    assert issued["type"].endswith("#malformed-json")
    assert number.lstrip("-") in issued["detail"]
    verified = _problem(client.post("/credentials/verify",
                                    data='{"verifiableCredential": %s}' % credential,
                                    content_type="application/json"), 400)
    assert number.lstrip("-") in verified["detail"]


def test_a_large_but_finite_number_is_still_accepted(client):
    credential = as_platform(client, {
        "@context": [VC2], "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:ada", "https://example.org/score": 1e300}})
    response = client.post("/credentials/issue", json={"credential": credential}, headers=BEARER)
    assert response.status_code == 201
    assert "Infinity" not in response.get_data(as_text=True)


@pytest.fixture(scope="module")
def small_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("chunked"), ISSUER_MAX_BODY_BYTES=100_000)
    yield server
    server.close()


def _post_chunked(server: LiveServer, path: str, body: bytes, content_type="application/json"):
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        pieces = (body[i:i + 8192] for i in range(0, len(body), 8192))
        connection.request("POST", path, body=pieces, encode_chunked=True,
                           headers={"Content-Type": content_type, "Transfer-Encoding": "chunked"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_a_chunked_body_over_the_limit_is_refused_with_413(small_server):
    body = json.dumps({"verifiableCredential": {"name": "x" * 150_000}}).encode()
    status, answer = _post_chunked(small_server, "/credentials/verify", body)
    assert status == 413
    assert "larger than the limit of 100000 bytes" in json.loads(answer)["detail"]


def test_a_chunked_body_under_the_limit_is_read_whole(small_server):
    credential = {"@context": [VC2], "type": ["VerifiableCredential"], "name": "x" * 50_000}
    status, answer = _post_chunked(small_server, "/credentials/verify",
                                   json.dumps({"verifiableCredential": credential}).encode())
    assert status == 422  # parsed whole and verified: it has no proof
    assert json.loads(answer)["verified"] is False
