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


def test_a_refusal_is_a_page_or_a_problem_by_the_blueprint_that_handled_it(app, auth):
    """The same kind of refusal (403), asked for by a browser: a page on a page route, a problem
    document on /api/v1 and on the VC-API, whose /credentials/status is under no API-looking
    path; a program gets the problem document on the page route too."""
    from tests.web.test_badges import achievement_id, awards, define, issue_form, make_community
    from tests.web.browsing import Browser

    lea, ada = Browser(app).sign_up("lea"), Browser(app).sign_up("ada")
    make_community(app, "lea", ("ada",))
    aid = achievement_id(define(lea))
    issue_form(lea, aid, ["ada"])
    badge = awards(app, achievement_id=aid)[0].credential
    words = "only leaders and coordinators of Facilitators cop can edit achievements"

    page = ada.get(f"/achievements/{aid}/edit")
    assert page.status_code == 403 and page.mimetype == "text/html"
    assert "Not allowed" in page.get_data(as_text=True) and words in page.get_data(as_text=True)
    program = ada.client.get(f"/achievements/{aid}/edit", headers={"Accept": "*/*"})
    assert program.status_code == 403 and program.mimetype == "application/problem+json"
    assert program.get_json()["detail"] == words and program.get_json()["type"].endswith("#forbidden")

    token = {"Authorization": f"Bearer {ada.api_token()}"}
    api = app.test_client().patch(f"/api/v1/achievements/{aid}", json={"name": "x"},
                                  headers={**BROWSER, **token})
    assert api.status_code == 403 and api.mimetype == "application/problem+json"
    assert api.get_json()["detail"] == "only leaders and coordinators of Facilitators cop can do this"

    vcapi = app.test_client().post("/credentials/status", headers={**BROWSER, **auth}, json={
        "credentialId": badge.vc_id, "reason": "spite",
        "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}]})
    assert vcapi.status_code == 403 and vcapi.mimetype == "application/problem+json"
    assert vcapi.get_json()["detail"] == (f"credentialId: {badge.vc_id} was not signed by the platform "
                                          "issuer; the platform API token revokes only the platform's "
                                          "own credentials")


@pytest.mark.parametrize("method, url, status, mimetype", [
    ("get", "/api/v1/no-such-thing", 404, "application/problem+json"),  # under api's URL prefix
    ("get", "/presentations/verify", 405, "application/problem+json"),  # a VC-API route, POST only
    ("delete", "/communities", 405, "text/html"),  # a page route
])
def test_a_request_no_view_took_answers_as_the_blueprint_of_its_path(client, method, url, status, mimetype):
    response = getattr(client, method)(url, headers=BROWSER)
    assert response.status_code == status and response.mimetype == mimetype, response.get_data(as_text=True)


def test_an_invalid_field_names_it_in_every_problem(app):
    """A FieldError no form caught: 422 with the field as an extension member, worded as on forms."""
    from tests.web.browsing import Browser

    ada = Browser(app).sign_up("ada")
    refused = app.test_client().post("/api/v1/communities", headers={
        "Authorization": f"Bearer {ada.api_token()}"}, json={"name": "Knitting", "domain": "Knitting",
                                                            "purpose": "Knit", "slug": "Not A Slug"})
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert refused.get_json() == {
        "type": "https://w3id.org/open-recognition/problems#invalid-field", "title": "Invalid field",
        "status": 422, "detail": "use up to 50 lower-case letters, digits or hyphens", "field": "slug"}
