"""Accounts and API tokens through real forms (CSRF included) and the JSON API."""

from __future__ import annotations

import pytest

from tests.web.browsing import Browser


@pytest.fixture
def browser(app):
    return Browser(app)


def test_sign_up_gives_a_profile_and_a_signing_identity(browser, app):
    browser.sign_up("ada", "Ada Lovelace")
    from issuer.storage import User, get_session

    with app.app_context():
        user = get_session().query(User).filter_by(handle="ada").one()
        assert user.issuer.did.startswith("did:key:z6Mk") and user.issuer.kind == "person"
        assert user.issuer.url.endswith("/people/ada")
        assert user.password_hash != "correct horse battery"
    assert "Ada Lovelace" in browser.get("/").get_data(as_text=True)


def test_form_without_csrf_token_is_refused(browser):
    response = browser.client.post("/signup", data={"display_name": "Eve", "handle": "eve",
                                                     "email": "eve@example.org", "password": "x" * 12})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_sign_up_errors_keep_what_was_typed(browser):
    browser.sign_up("ada")
    other = Browser(browser.app)
    response = other.submit("/signup", {"display_name": "<b>Ada Two</b>", "handle": "ada",
                                        "email": "second@example.org", "password": "short"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "this handle is taken" in page or "at least 10" in page
    assert "&lt;b&gt;Ada Two&lt;/b&gt;" in page and "<b>Ada Two</b>" not in page
    assert 'value="second@example.org"' in page


def test_log_in_and_out_with_safe_next(browser):
    browser.sign_up("ada").log_out()
    bad = browser.submit("/login", {"email": "ada@example.org", "password": "wrong password"})
    assert bad.status_code == 400 and "Email or password is not right" in bad.get_data(as_text=True)
    evil = browser.submit("/login?next=https://evil.example/", {"email": "ada@example.org",
                                                                "password": "correct horse battery"},
                          form_url="/login")
    assert evil.status_code == 302 and evil.headers["Location"] == "/"
    browser.log_out()
    ok = browser.submit("/login?next=/settings/tokens", {"email": "ADA@example.org",
                                                         "password": "correct horse battery"},
                        form_url="/login")
    assert ok.headers["Location"] == "/settings/tokens"


def test_api_tokens_work_once_made_and_stop_when_revoked(browser):
    token = browser.sign_up("ada").api_token()
    auth = {"Authorization": f"Bearer {token}"}
    me = browser.client.get("/api/v1/me", headers=auth)
    assert me.status_code == 200 and me.get_json()["handle"] == "ada"
    listed = browser.client.get("/api/v1/tokens", headers=auth).get_json()
    assert listed[0]["name"] == "tests" and "token" not in listed[0]
    made = browser.client.post("/api/v1/tokens", json={"name": "second"}, headers=auth)
    assert made.status_code == 201 and made.get_json()["token"].startswith("orc_")
    assert browser.client.delete(f"/api/v1/tokens/{listed[0]['id']}", headers=auth).status_code == 204
    gone = browser.client.get("/api/v1/me", headers=auth)
    assert gone.status_code == 401 and gone.mimetype == "application/problem+json"


@pytest.mark.parametrize("token_id", ["2147483648", "9223372036854775808", "99999999999999999999"])
def test_token_ids_beyond_the_database_range_are_404(browser, token_id):
    auth = {"Authorization": f"Bearer {browser.sign_up('ada').api_token()}"}
    response = browser.client.delete(f"/api/v1/tokens/{token_id}", headers=auth)
    assert response.status_code == 404 and f"no token {token_id}" in response.get_json()["detail"]
    form = browser.submit(f"/settings/tokens/{token_id}/revoke", {}, form_url="/settings/tokens")
    assert form.status_code == 404 and f"no token {token_id} of yours" in form.get_data(as_text=True)


def test_api_needs_a_token_and_answers_problems(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["title"] and "Bearer" in response.get_json()["detail"]


def test_openapi_document_lists_the_endpoints(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert "/me" in document["paths"] and "/tokens" in document["paths"]


def test_unknown_page_is_a_404_page_for_browsers_and_a_problem_for_api(client):
    page = client.get("/no/such/page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "<h1>Not Found</h1>" in page.get_data(as_text=True)
    api = client.get("/api/v1/nothing")
    assert api.status_code == 404 and api.mimetype == "application/problem+json"
