"""Sessions and browser protections: cookie flags, security headers, logout, login redirects."""

from __future__ import annotations

import io
import re
from http.cookies import SimpleCookie

import pytest

from tests.conftest import make_app
from tests.web.browsing import Browser
from tests.web.test_communities import create, png

PASSWORD = "correct horse battery"


def session_cookie_attributes(response) -> dict:
    """The attributes of the Set-Cookie header that sets Flask's session cookie."""
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith("session="):
            cookie = SimpleCookie()
            cookie.load(header)
            morsel = cookie["session"]
            return {"samesite": morsel["samesite"], "secure": bool(morsel["secure"]),
                    "httponly": bool(morsel["httponly"])}
    raise AssertionError("no session cookie was set")


def test_session_cookie_is_lax_and_http_only_on_http(app):
    response = Browser(app).get("/login")
    assert session_cookie_attributes(response) == {"samesite": "Lax", "secure": False, "httponly": True}


def test_session_cookie_is_secure_and_hsts_is_sent_with_an_https_base_url(tmp_path):
    app = make_app(tmp_path, ISSUER_BASE_URL="https://badges.example.org")
    response = Browser(app).get("/login", base_url="https://badges.example.org")
    assert session_cookie_attributes(response) == {"samesite": "Lax", "secure": True, "httponly": True}
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(response.headers["Strict-Transport-Security"].split("=")[1].split(";")[0]) >= 15552000


def test_no_hsts_on_plain_http(app):
    assert "Strict-Transport-Security" not in Browser(app).get("/").headers


@pytest.mark.parametrize("path", ["/", "/login", "/communities", "/verify", "/no-such-page"])
def test_html_pages_forbid_framing_sniffing_and_scripts(app, path):
    response = Browser(app).get(path)
    assert response.mimetype == "text/html"
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert policy["frame-ancestors"] == "'none'" and policy["default-src"] == "'none'"
    assert policy["script-src"] == "'none'" and policy["object-src"] == "'none'"
    assert policy["form-action"] == "'self'" and policy["base-uri"] == "'none'"
    assert policy["style-src"] == "'self'" and "'unsafe-inline'" not in policy.get("img-src", "")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_json_answers_are_never_sniffed(client):
    response = client.get("/api/v1/openapi.json")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_stored_images_keep_their_own_stricter_policy(app):
    browser = Browser(app).sign_up("ada")
    made = create(browser, image=(io.BytesIO(png()), "logo.png"), alt="A green square")
    assert made.status_code == 302
    page = browser.get(made.headers["Location"]).get_data(as_text=True)
    image = browser.get(re.search(r'class="badge-image" src="(/images/[^"]+)"', page).group(1))
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert "X-Frame-Options" not in image.headers


@pytest.mark.parametrize("target", ["/settings/tokens\r\nSet-Cookie: x=1", "/a\nb", "/a\tb", "/a\x7fb"])
def test_control_characters_in_next_fall_back_to_home_after_login(app, target):
    browser = Browser(app).sign_up("ada")
    browser.log_out()
    response = browser.submit("/login", {"email": "ada@example.org", "password": PASSWORD},
                              form_url="/login", query_string={"next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_captured_session_cookie_stops_working_after_logout(app):
    browser = Browser(app).sign_up("ada")
    captured = browser.client.get_cookie("session").value
    assert browser.get("/settings/tokens").status_code == 200
    browser.log_out()
    thief = app.test_client()
    thief.set_cookie("session", captured)
    response = thief.get("/settings/tokens")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logging_in_again_after_logout_works(app):
    browser = Browser(app).sign_up("ada")
    browser.log_out()
    response = browser.submit("/login", {"email": "ada@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert browser.get("/settings/tokens").status_code == 200


def test_the_csrf_token_changes_when_logging_in(app):
    browser = Browser(app).sign_up("ada")
    browser.log_out()
    before = browser.csrf("/login")
    browser.client.post("/login", data={"csrf_token": before, "email": "ada@example.org",
                                        "password": PASSWORD})
    assert browser.get("/settings/tokens").status_code == 200  # logged in
    assert browser.csrf("/settings/tokens") != before
    stale = browser.client.post("/settings/tokens", data={"csrf_token": before, "name": "x"})
    assert stale.status_code == 400
