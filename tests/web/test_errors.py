"""Errors: problem documents for programs, pages for browsers, and the headers HTTP requires."""

from __future__ import annotations

import pytest

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.mark.parametrize("method, url, allowed", [
    ("put", "/api/v1/me", {"GET", "HEAD", "OPTIONS"}),
    ("get", "/presentations/verify", {"POST", "OPTIONS"}),
    ("delete", "/api/v1/communities", {"GET", "HEAD", "POST", "OPTIONS"}),
])
def test_405_names_the_allowed_methods(client, method, url, allowed):
    response = getattr(client, method)(url, headers={"Accept": "application/json"})
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == allowed


def test_405_page_for_a_browser_keeps_the_allow_header(client):
    response = client.delete("/", headers=BROWSER)
    assert response.status_code == 405 and response.mimetype == "text/html"
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("accept", ["*/*", None, "application/json", "application/json, */*;q=0.5"])
def test_programs_get_a_problem_document_not_a_page(client, accept):
    headers = {"Accept": accept} if accept else {}
    for url in ("/credentials/status/424242", "/no/such/page"):
        response = client.get(url, headers=headers)
        assert response.status_code == 404, url
        assert response.mimetype == "application/problem+json", (url, accept)
        assert response.get_json()["status"] == 404


def test_browsers_still_get_the_error_page(client):
    response = client.get("/no/such/page", headers=BROWSER)
    assert response.status_code == 404 and response.mimetype == "text/html"


@pytest.mark.parametrize("url", ["/credentials/status/2147483648",
                                 "/credentials/status/9223372036854775808"])
def test_ids_beyond_the_database_integer_are_not_found_rather_than_a_server_error(client, url):
    """(Token ids beyond the range: tests/web/test_accounts.py, with a real token.)"""
    response = client.get(url, headers={"Accept": "*/*"})
    assert response.status_code == 404, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"


def test_nul_characters_in_json_are_a_400_naming_where(client):
    """PostgreSQL cannot store U+0000 in text: it used to answer 500 after the request was read."""
    from tests.conftest import TOKEN
    from tests.web.browsing import Browser

    token = Browser(client.application).sign_up("ada").api_token()
    response = client.post("/api/v1/communities", headers={"Authorization": f"Bearer {token}"},
                           json={"name": "Knit\u0000ting", "domain": "Knitting", "purpose": "Knit"})
    assert response.status_code == 400
    assert response.get_json()["detail"] == "name: text must not contain the NUL character (\\u0000)"
    response = client.post("/credentials/issue", headers={"Authorization": f"Bearer {TOKEN}"},
                           json={"credential": {"name": "x", "credentialSubject": {"id": ["ok", "a\u0000"]}}})
    assert response.status_code == 400
    assert response.get_json()["detail"].startswith("credential.credentialSubject.id[1]: ")
