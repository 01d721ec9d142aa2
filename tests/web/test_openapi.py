"""Every JSON API route is described in the OpenAPI document, with its methods."""

import re


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
