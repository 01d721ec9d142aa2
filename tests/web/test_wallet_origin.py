"""Every URL a wallet is handed comes from the configured base URL (ISSUER_BASE_URL), never from
the request's Host: behind a proxy that passes an inner Host, the Learner Credential Wallet link,
the OpenID4VCI offer, the issuer metadata and the VC-API exchange still name the public origin."""

from __future__ import annotations

import ast
import json
import re
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.conftest import make_app
from tests.web.test_credential_page import award, person

BASE = "https://issuer.example"
INNER = "inner.invalid:8000"  # what a proxy that does not pass the public Host hands on
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def proxied(tmp_path):
    """The app configured for BASE, every request arriving with Host INNER over plain http."""
    app = make_app(tmp_path, ISSUER_BASE_URL=BASE)
    inner_app = app.wsgi_app

    def behind_proxy(environ, start_response):
        environ.update(HTTP_HOST=INNER, SERVER_NAME="inner.invalid", SERVER_PORT="8000")
        return inner_app(environ, start_response)

    app.wsgi_app = behind_proxy
    return app


def _nowhere_inner(*answers) -> None:
    for answer in answers:
        text = answer if isinstance(answer, str) else json.dumps(answer)
        assert "inner.invalid" not in unescape(text)


def test_lcw_link_names_the_configured_origin_whatever_the_host(proxied):
    browser, user_id = person(proxied, "ada")
    badge = award(proxied, record={"recipient_user_id": user_id, "consent": "accepted"})
    answer = browser.submit(f"/credentials/{badge['id']}/lcw", form_url=f"/credentials/{badge['id']}")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "inner.invalid" not in html
    web = unescape(re.search(r'id="lcw-web-link" href="([^"]+)"', html).group(1))
    app_link = unescape(re.search(r'id="lcw-app-link" href="([^"]+)"', html).group(1))
    query = {key: value[0] for key, value in parse_qs(urlsplit(web).query).items()}
    assert query["issuer"] == BASE
    secret = query["vc_request_url"].removeprefix(f"{BASE}/exchanges/").removesuffix("/didauth")
    assert query["vc_request_url"] == f"{BASE}/exchanges/{secret}/didauth"
    assert parse_qs(urlsplit(app_link).query)["issuer"] == [BASE]

    client = proxied.test_client()
    started = client.post(f"/exchanges/{secret}", json={})
    request = started.get_json()["verifiablePresentationRequest"]
    assert request["domain"] == "issuer.example"
    assert request["interact"]["service"][0]["serviceEndpoint"] == f"{BASE}/exchanges/{secret}"
    interaction = client.get(f"/exchanges/{secret}/interaction?iuv=1", headers={"Accept": "application/json"})
    assert interaction.get_json() == {"protocols": {"vcapi": f"{BASE}/exchanges/{secret}"}}
    _nowhere_inner(html, request, interaction.get_json())


def test_openid4vci_offer_and_metadata_name_the_configured_origin_whatever_the_host(proxied):
    browser, user_id = person(proxied, "ada")
    badge = award(proxied, record={"recipient_user_id": user_id, "consent": "accepted"})
    page = browser.submit(f"/me/recognition/{badge['id']}/wallet-offer", form_url=f"/credentials/{badge['id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    offer_uri = unescape(re.search(r'id="wallet-offer" href="([^"]+)"', html).group(1))
    offer_url = unquote(offer_uri.removeprefix("openid-credential-offer://?credential_offer_uri="))
    assert offer_url.startswith(f"{BASE}/oid4vci/offers/") and "inner.invalid" not in html

    client = proxied.test_client()
    offer = client.get(urlsplit(offer_url).path).get_json()
    assert offer["credential_issuer"] == BASE
    metadata = client.get("/.well-known/openid-credential-issuer").get_json()
    assert (metadata["credential_issuer"], metadata["token_endpoint"], metadata["credential_endpoint"],
            metadata["nonce_endpoint"]) == (BASE, f"{BASE}/oid4vci/token", f"{BASE}/oid4vci/credential",
                                            f"{BASE}/oid4vci/nonce")
    served = [metadata, offer]
    for path in ("/.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server/"):
        server = client.get(path).get_json()
        assert (server["issuer"], server["token_endpoint"]) == (BASE, f"{BASE}/oid4vci/token")
        served.append(server)
    _nowhere_inner(html, *served)


def test_no_module_takes_an_origin_from_the_request():
    """Absolute URLs come from issuer.urls; url_for(..., _external=True) and request.host* would
    take the origin from the request's Host header instead."""
    found = []
    for path in sorted((ROOT / "issuer").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "_external":
                found.append(f"{path.relative_to(ROOT)}:{node.value.lineno} _external=")
            if (isinstance(node, ast.Attribute) and node.attr in ("host", "host_url", "url_root", "root_url")
                    and isinstance(node.value, ast.Name) and node.value.id == "request"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} request.{node.attr}")
    assert found == []
