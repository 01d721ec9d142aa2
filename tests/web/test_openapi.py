"""The OpenAPI documents are true: every route documented, and schemathesis finds no violation.

Schemathesis generates requests from /api/v1/openapi.json (with a real per-user API token) and
from the VC-API document at /openapi.json (with the platform token), positive and negative, and
checks each answer: no server error, a documented status code, content type and headers, and a
body that matches its schema. The number of examples is small and the run is derandomized, so
CI is fast and reproducible.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings, strategies
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (content_type_conformance,
                                               response_headers_conformance,
                                               response_schema_conformance,
                                               status_code_conformance)

from tests.conftest import TOKEN, make_app
from tests.web.browsing import Browser

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


def _shape(path: str) -> str:
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def test_every_api_route_and_method_is_documented(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    methods = {"get", "post", "put", "patch", "delete"}
    documented = {(_shape(path), method.upper()) for path, item in document["paths"].items()
                  for method in item if method in methods}
    served = {(_shape(str(rule)[len("/api/v1"):]), method) for rule in app.url_map.iter_rules()
              if str(rule).startswith("/api/v1/") and str(rule) != "/api/v1/openapi.json"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served - documented == set()
    assert documented - served == set()


VCAPI_ROUTES = {("/credentials/issue", "POST"), ("/credentials/verify", "POST"),
                ("/presentations/verify", "POST"), ("/credentials/status", "POST"),
                ("/credentials/status/{}", "GET"), ("/issuer", "GET")}


def test_the_vc_api_document_describes_every_vc_api_route(app, client):
    response = client.get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.1") and document["servers"] == [{"url": app.config["ISSUER_BASE_URL"]}]
    documented = {(_shape(path), method.upper()) for path, item in document["paths"].items()
                  for method in item}
    assert documented == VCAPI_ROUTES
    served = {(_shape(str(rule)), method) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert VCAPI_ROUTES <= served


def test_every_route_documents_the_problems_any_route_can_answer(client):
    """Bad input (400), a missing token (401), rate limits (429), body size and type (413, 415)."""
    for url in ("/api/v1/openapi.json", "/openapi.json"):
        document = client.get(url).get_json()
        for path, item in document["paths"].items():
            for method, operation in item.items():
                if method not in ("get", "put", "post", "delete", "patch"):
                    continue  # path-level "parameters"
                codes = set(operation["responses"])
                assert "400" in codes, (url, path, method)
                if operation.get("security", document.get("security")):
                    assert {"401", "429"} <= codes, (url, path, method)
                if "requestBody" in operation:
                    assert {"413", "415"} <= codes, (url, path, method)


def conformance(app, document_url: str, headers: dict, max_examples: int) -> tuple[list[str], set]:
    """Run schemathesis over every operation of one document: (failures as text, answers seen).

    Per operation: the document's own examples, then ``max_examples`` generated valid requests
    and as many invalid ones. An answer seen is (operation, kind of request, status code).
    """
    schema = schemathesis.openapi.from_wsgi(document_url, app)
    failures: list[str] = []
    seen: set[tuple[str, str, int]] = set()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, f"{document_url} describes no operation"
    for operation in operations:
        plans = [(mode.value, operation.as_strategy(generation_mode=mode), max_examples)
                 for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
        examples = schema.get_strategies_from_examples(operation)
        if examples:
            plans.insert(0, ("examples", strategies.one_of(examples), len(examples)))
        for kind, strategy, count in plans:
            @settings(max_examples=count, deadline=None, derandomize=True, database=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def run(case):
                response = case.call(headers=headers)
                seen.add((operation.label, kind, response.status_code))
                try:
                    case.validate_response(response, checks=CHECKS)
                except (Failure, FailureGroup, AssertionError) as failure:
                    failures.append(f"{operation.label} ({kind}) → {response.status_code}: "
                                    f"{str(failure)[:600]}\n  request: {case.as_curl_command()[:400]}")

            try:
                run()
            except Unsatisfiable:  # nothing to make invalid (e.g. no parameters or body): fine
                assert kind == "negative", operation.label
    return failures, seen


@pytest.fixture
def api_token_headers(app):
    """A real per-user API token, of a member leading a community (so some routes find data)."""
    browser = Browser(app).sign_up("ada")
    headers = {"Authorization": f"Bearer {browser.api_token()}"}
    created = app.test_client().post("/api/v1/communities", headers=headers, json={
        "name": "Open Knitting", "slug": "cop", "domain": "Knitting", "purpose": "Knit together"})
    assert created.status_code == 201, created.get_json()
    return headers


def test_the_json_api_conforms_to_its_openapi_document(app, api_token_headers):
    failures, seen = conformance(app, "/api/v1/openapi.json", api_token_headers, max_examples=15)
    assert failures == []
    assert ("GET /me", "positive", 200) in seen  # the token worked: not everything was a 401


def test_the_vc_api_conforms_to_its_openapi_document(app):
    failures, seen = conformance(app, "/openapi.json", {"Authorization": f"Bearer {TOKEN}"},
                                 max_examples=40)
    assert failures == []
    assert ("POST /credentials/issue", "examples", 201) in seen  # the documented example signs


@pytest.mark.parametrize("path, method, field", [
    ("/communities", "post", "name"), ("/communities", "post", "domain"),
    ("/communities", "post", "purpose"), ("/communities/{slug}/achievements", "post", "name"),
    ("/communities/{slug}/achievements", "post", "criteria"), ("/tokens", "post", "name"),
    ("/badges/{badgeId}/revoke", "post", "reason"), ("/endorsements/{id}/revoke", "post", "reason"),
    ("/people/{handle}/endorsements", "post", "comment"),
])
def test_request_schemas_refuse_the_blank_text_the_server_refuses(client, path, method, field):
    """A blank required text is a 422 from the server, so the schema must not allow it either."""
    import jsonschema

    document = client.get("/api/v1/openapi.json").get_json()
    schema = document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    validator = jsonschema.Draft202012Validator({**schema, "components": document["components"]})
    valid = {"name": "Knitters", "domain": "Knitting", "purpose": "Knit", "criteria": "Knit a row",
             "description": "Knits", "reason": "Issued in error", "comment": "Great knitter"}
    assert validator.is_valid({key: valid[key] for key in valid if key == field} | _required(document, schema, valid))
    for blank in ("", "   ", "\n\t"):
        body = _required(document, schema, valid) | {field: blank}
        assert not validator.is_valid(body), (path, field, blank)


def _required(document: dict, schema: dict, valid: dict) -> dict:
    """Valid values for every required property of a (possibly referenced) object schema."""
    names = set(schema.get("required", []))
    for part in [schema, *schema.get("allOf", [])]:
        if "$ref" in part:
            part = document["components"]["schemas"][part["$ref"].rsplit("/", 1)[-1]]
        names |= set(part.get("required", []))
    return {name: valid[name] for name in names}


def test_the_vc_api_document_names_the_options_the_service_knows(client):
    from issuer.credentials.verify import CHECK_NAMES
    from issuer.web.api.vcapi import ISSUE_OPTIONS, PRESENTATION_OPTIONS, VERIFY_OPTIONS

    paths = client.get("/openapi.json").get_json()["paths"]

    def options(path):
        body = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        return body["properties"]["options"]

    for path, known in (("/credentials/issue", set(ISSUE_OPTIONS) - {"mandatoryPointers"}),
                        ("/credentials/verify", set(VERIFY_OPTIONS)),
                        ("/presentations/verify", set(PRESENTATION_OPTIONS))):
        assert set(options(path)["properties"]) == known and options(path)["additionalProperties"] is False
    document = client.get("/openapi.json").get_json()
    assert document["components"]["schemas"]["Checks"]["items"]["enum"] == list(CHECK_NAMES)
