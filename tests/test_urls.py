"""issuer.urls: every permanent URL reaches the route that serves it, and nothing else builds one."""

from __future__ import annotations

import ast
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from issuer.credentials import keys
from issuer.urls import Urls
from tests.conftest import make_app
from tests.web.browsing import Browser

BASE = "https://issuer.example"
ID = "0b6f3c1e-8d2a-4c57-9a41-2f5e7d9c8b10"
ROOT = Path(__file__).resolve().parent.parent

# builder call → (what it must return, the endpoint that serves it, with these arguments)
BUILDERS = {
    "home()": (lambda u: u.home(), BASE, "public.index", {}),
    "credential(id)": (lambda u: u.credential(ID), f"{BASE}/credentials/{ID}", "verifier.credential",
                       {"uuid": ID}),
    "credential_verify(id)": (lambda u: u.credential_verify(ID), f"{BASE}/credentials/{ID}/verify",
                              "verifier.credential_verify", {"uuid": ID}),
    "status_list(7)": (lambda u: u.status_list(7), f"{BASE}/credentials/status/7", "public.status_list",
                       {"list_id": 7}),
    "achievement(id)": (lambda u: u.achievement(ID), f"{BASE}/achievements/{ID}", "achievements.show",
                        {"achievement_id": ID}),
    "person(ada)": (lambda u: u.person("ada"), f"{BASE}/people/ada", "people.profile", {"handle": "ada"}),
    "person_card(ada)": (lambda u: u.person_card("ada"), f"{BASE}/people/ada/card.png", "people.card",
                         {"handle": "ada"}),
    "community(cop)": (lambda u: u.community("cop"), f"{BASE}/communities/cop", "communities.show",
                       {"slug": "cop"}),
    "recognition_context()": (lambda u: u.recognition_context(), f"{BASE}/contexts/recognition/v1",
                              "public.recognition_context", {}),
    "image(id)": (lambda u: u.image(ID), f"{BASE}/images/{ID}", "communities.image", {"image_id": ID}),
    "invitation(token)": (lambda u: u.invitation("tok-3n_x"), f"{BASE}/join/tok-3n_x",
                          "communities.accept_invitation", {"token": "tok-3n_x"}),
    "credential_issuer_metadata()": (lambda u: u.credential_issuer_metadata(),
                                     f"{BASE}/.well-known/openid-credential-issuer",
                                     "oid4vci.issuer_metadata", {}),
    "authorization_server_metadata()": (lambda u: u.authorization_server_metadata(),
                                        f"{BASE}/.well-known/oauth-authorization-server",
                                        "oid4vci.authorization_server_metadata", {}),
    "credential_offer(secret)": (lambda u: u.credential_offer("s3cr-t_x"), f"{BASE}/oid4vci/offers/s3cr-t_x",
                                 "oid4vci.offer", {"secret": "s3cr-t_x"}),
    "oid4vci_token()": (lambda u: u.oid4vci_token(), f"{BASE}/oid4vci/token", "oid4vci.token", {}),
    "oid4vci_nonce()": (lambda u: u.oid4vci_nonce(), f"{BASE}/oid4vci/nonce", "oid4vci.nonce", {}),
    "oid4vci_credential()": (lambda u: u.oid4vci_credential(), f"{BASE}/oid4vci/credential",
                             "oid4vci.credential", {}),
    "lcw_didauth(secret)": (lambda u: u.lcw_didauth("s3cr-t_x"), f"{BASE}/exchanges/s3cr-t_x/didauth",
                            "lcw.didauth", {"secret": "s3cr-t_x"}),
    "lcw_exchange(secret)": (lambda u: u.lcw_exchange("s3cr-t_x"), f"{BASE}/exchanges/s3cr-t_x",
                             "lcw.exchange", {"secret": "s3cr-t_x"}),
    "lcw_interaction(secret)": (lambda u: u.lcw_interaction("s3cr-t_x"), f"{BASE}/exchanges/s3cr-t_x/interaction",
                                "lcw.interaction", {"secret": "s3cr-t_x"}),
    # a DID is served by its DID document (did:web §3.2)
    "platform_did()": (lambda u: keys.did_web_url(u.platform_did()), f"{BASE}/.well-known/did.json",
                       "public.did_document", {}),
    "community_did(cop)": (lambda u: keys.did_web_url(u.community_did("cop")),
                           f"{BASE}/communities/cop/did.json", "communities.did_document", {"slug": "cop"}),
    "person_did(ada)": (lambda u: keys.did_web_url(u.person_did("ada")), f"{BASE}/people/ada/did.json",
                        "people.did_document", {"handle": "ada"}),
}

POSTED = {"oid4vci.token", "oid4vci.nonce", "oid4vci.credential", "lcw.didauth", "lcw.exchange"}  # endpoints only POST reaches


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    """The URL map of a real app, bound to the base URL's host."""
    app = make_app(tmp_path_factory.mktemp("urls"), ISSUER_BASE_URL=BASE)
    yield app.url_map.bind(urlsplit(BASE).netloc, url_scheme="https")
    app.extensions["issuer.engine"].dispose()


@pytest.mark.parametrize("name", BUILDERS)
def test_each_builder_reaches_the_route_that_serves_it(routes, name):
    build, expected, endpoint, arguments = BUILDERS[name]
    url = build(Urls(BASE))
    assert url == expected  # byte for byte what signed credentials already embed
    assert url.startswith(BASE)
    method = "POST" if endpoint in POSTED else "GET"
    assert routes.match(url[len(BASE):] or "/", method=method) == (endpoint, arguments)
    assert routes.build(endpoint, arguments, force_external=True).rstrip("/") == url  # and back


def test_dids_are_the_did_web_of_their_pages_and_only_with_https():
    urls = Urls(BASE + "/")  # a trailing slash changes nothing
    assert (urls.platform_did(), urls.community_did("cop"), urls.person_did("ada")) == (
        "did:web:issuer.example", "did:web:issuer.example:communities:cop", "did:web:issuer.example:people:ada")
    ported = Urls("https://issuer.example:8443")
    assert ported.person_did("ada") == keys.did_web("https://issuer.example:8443", "people/ada") \
        == "did:web:issuer.example%3A8443:people:ada"
    plain = Urls("http://127.0.0.1:5000")
    assert (plain.platform_did(), plain.community_did("cop"), plain.person_did("ada")) == (None, None, None)
    assert plain.credential(ID) == f"http://127.0.0.1:5000/credentials/{ID}"


def test_the_url_map_loads_no_web_or_database_package():
    code = ("import sys, issuer.urls; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'werkzeug')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]"


def test_status_list_ids_are_read_only_from_our_own_lists():
    urls = Urls(BASE)
    assert urls.status_list_id(urls.status_list(12)) == "12"
    assert urls.status_list_id(f"{BASE}/credentials/status/x") == "x"  # ours, not a number: caller refuses
    assert urls.status_list_id("https://elsewhere.example/credentials/status/12") is None
    assert urls.status_list_id(f"{BASE}/credentials/12") is None
    assert urls.status_list_id(None) is None and urls.status_list_id(12) is None


# --- real objects: what the service signs is what the builders build, and each URL answers ----------

def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 24), (31, 111, 92)).save(out, "PNG")
    return out.getvalue()


def flashed(page: str) -> str:
    return " ".join(re.findall(r'class="flash[^"]*"[^>]*>([^<]*)<', page))


def path_of(url: str) -> str:
    assert url.startswith(BASE), url
    return url[len(BASE):] or "/"


def page_of(browser: Browser, path: str) -> str:
    response = browser.get(path)
    assert response.status_code == 200 and response.mimetype == "text/html", path
    return response.get_data(as_text=True)


def test_the_urls_of_real_objects_are_embedded_and_answer(tmp_path):
    app = make_app(tmp_path, ISSUER_BASE_URL=BASE)
    urls = app.extensions["issuer.platform"].urls
    lea, ada = Browser(app).sign_up("lea", "Lea Leader"), Browser(app).sign_up("ada", "Ada Lovelace")
    made = lea.submit("/communities/new", {"name": "Call Hosts", "slug": "call-hosts", "domain": "Calls",
                                           "purpose": "Better calls", "open_membership": "y"})
    assert made.status_code == 302 and made.headers["Location"] == "/communities/call-hosts"
    ada.submit("/communities/call-hosts/join", form_url="/communities/call-hosts")
    defined = lea.submit("/communities/call-hosts/achievements/new", {
        "name": "Call host", "description": "Hosted calls.", "criteria": "Host three calls.",
        "achievement_type": "Badge", "image": (io.BytesIO(png()), "badge.png"), "alt": "A green square"},
        content_type="multipart/form-data")
    achievement_id = defined.headers["Location"].rsplit("/", 1)[1]
    awarded = lea.submit(f"/achievements/{achievement_id}/award", {"recipients": ["ada"], "narrative": "Five."},
                         form_url=f"/achievements/{achievement_id}")
    assert awarded.status_code == 302
    inbox = ada.get("/me/recognition").get_data(as_text=True)
    [uuid] = re.findall(r"/me/recognition/([0-9a-f-]+)/accept", inbox)
    for action in ("accept", "public"):
        ada.submit(f"/me/recognition/{uuid}/{action}", form_url="/me/recognition")
    invited = lea.submit("/communities/call-hosts/invitations", {"role": "member", "days": "7", "uses": "1"},
                         form_url="/communities/call-hosts")
    invitation = re.search(r"https://\S+/join/[\w-]+", flashed(lea.get(invited.headers["Location"]).get_data(
        as_text=True))).group(0)

    signed = app.test_client().get(path_of(urls.credential(uuid)), headers={"Accept": "application/json"})
    credential = json.loads(signed.get_data(as_text=True))
    achievement = credential["credentialSubject"]["achievement"]
    status = credential["credentialStatus"]
    status = status[0] if isinstance(status, list) else status
    assert credential["id"] == urls.credential(uuid)
    assert credential["issuer"]["id"] == urls.community_did("call-hosts")
    assert credential["issuer"]["url"] == urls.community("call-hosts")
    assert credential["credentialSubject"]["id"] == urls.person_did("ada")
    assert achievement["id"] == urls.achievement(achievement_id)
    image_id = urls.image(achievement["image"]["id"].rsplit("/", 1)[1])
    assert achievement["image"]["id"] == image_id
    list_id = urls.status_list_id(status["statusListCredential"])
    assert list_id.isdigit() and status["statusListCredential"] == urls.status_list(int(list_id))
    platform_profile = app.test_client().get("/issuer").get_json()
    assert (platform_profile["id"], platform_profile["url"]) == (urls.platform_did(), urls.home())
    assert invitation == urls.invitation(invitation.rsplit("/", 1)[1])

    anonymous = Browser(app)
    for url in (urls.home(), urls.credential(uuid), urls.credential_verify(uuid),
                urls.status_list(int(list_id)), urls.achievement(achievement_id), urls.person("ada"),
                urls.community("call-hosts"), image_id):
        for accept in ("text/html", "application/json"):
            response = anonymous.get(path_of(url), headers={"Accept": accept})
            assert response.status_code == 200, (url, accept)
    bob = Browser(app).sign_up("bob")
    joining = bob.get(path_of(invitation))  # an invitation is for an account
    assert joining.status_code == 200 and "Call Hosts" in joining.get_data(as_text=True)
    for did in (urls.platform_did(), urls.community_did("call-hosts"), urls.person_did("ada")):
        response = anonymous.get(path_of(keys.did_web_url(did)))
        assert response.status_code == 200 and response.get_json()["id"] == did

    # the pages whose links templates and views now build with url_for
    assert 'href="/people/ada">Ada Lovelace</a>' in page_of(anonymous, f"/credentials/{uuid}")
    community_link = 'href="/communities/call-hosts">Call Hosts</a>'
    assert community_link in page_of(anonymous, f"/achievements/{achievement_id}")
    assert community_link in page_of(anonymous, "/communities/call-hosts/achievements")
    profile = page_of(anonymous, "/people/ada")
    assert community_link in profile
    assert f'href="/credentials/{uuid}">Call host</a>' in profile
    endorse = page_of(bob, f"/credentials/{uuid}/endorse")
    assert f'href="/credentials/{uuid}"' in endorse  # the way back from the endorsement form
    endorse = page_of(ada, f"/achievements/{achievement_id}/endorse")
    assert f'href="/achievements/{achievement_id}"' in endorse


# --- nothing else formats a permanent URL by hand -------------------------------------------------

SEGMENTS = r"(?:credentials|credentials/status|communities|people|achievements|images|join|exchanges|oid4vci/offers)"
OPEN_PATH = re.compile(rf"(?:^|/){SEGMENTS}/$")  # a permanent path whose last segment is filled in next
FORMAT_PATH = re.compile(rf"(?:^|/){SEGMENTS}/(?:\{{\w*\}}|%[sd])")  # the same for .format() and %
SUFFIX = re.compile(r"^/(?:did\.json|verify|\.well-known/)")  # appended to a URL built elsewhere
AFTER_URL = re.compile(rf"^/{SEGMENTS}/")  # a permanent path put after a base URL
# A message naming the address asked for, not a URL anything links to or signs.
ALLOWED = {"there is no community at /communities/"}
EXEMPT = {"urls.py", "credentials/keys.py"}  # the URL map itself; did:web's own rules
SKIPPED = ("migrations/",)  # a migration records one moment and must not depend on today's modules


def hand_built_urls(source: str) -> list[str]:
    """Where ``source`` formats a permanent URL itself: by f-string, +, .format, % or did_web()."""
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"line {getattr(node, 'lineno', '?')}: "
        if isinstance(node, ast.JoinedStr):
            parts = node.values
            found += [where + part.value for part in parts if isinstance(part, ast.Constant)
                      and OPEN_PATH.search(part.value) and part.value not in ALLOWED]
            found += [where + after.value for before, after in zip(parts, parts[1:])
                      if isinstance(before, ast.FormattedValue) and isinstance(after, ast.Constant)
                      and (SUFFIX.match(after.value) or AFTER_URL.match(after.value))]
            found += [where + "base URL in an f-string" for part in parts
                      if isinstance(part, ast.FormattedValue) and "base_url" in ast.unparse(part.value).lower()]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            left, right = node.left, node.right
            if isinstance(left, ast.Constant) and isinstance(left.value, str) and (
                    OPEN_PATH.search(left.value) or FORMAT_PATH.search(left.value)):
                found.append(where + left.value)
            if isinstance(right, ast.Constant) and isinstance(right.value, str) and (
                    SUFFIX.match(right.value) or OPEN_PATH.search(right.value)):
                found.append(where + right.value)
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "did_web":
                found.append(where + "did_web()")
            template = node.func.value if isinstance(node.func, ast.Attribute) else None
            if name == "format" and isinstance(template, ast.Constant) and FORMAT_PATH.search(str(template.value)):
                found.append(where + template.value)
    return found


@pytest.mark.parametrize("source", [
    'url = f"{platform.base_url}/credentials/{uuid}"',
    'back = f"/achievements/{achievement.id}"',
    'path = f"people/{handle}"',
    'prefix = f"{base}/credentials/status/"',
    'url = f"{site}/people/{handle}/profile.json"',
    'url = f"{platform.base_url}"',
    'qr = credential_url(uuid) + "/verify"',
    'document = f"{profile}/did.json"',
    'url = base + "/images/" + image_id',
    'url = "/communities/{}".format(slug)',
    'url = "/join/%s" % token',
    'did = keys.did_web(base, "communities/" + slug)',
    'url = f"{request.host_url}exchanges/{secret}/didauth"',
    'offer = base + "/oid4vci/offers/" + secret',
])
def test_the_check_finds_each_way_of_building_a_url_by_hand(source):
    assert hand_built_urls(source), source


@pytest.mark.parametrize("source", [
    '@bp.get("/credentials/<uuid>")\ndef credential(uuid): ...',
    'url = platform.urls.credential(row.id)',
    'abort(404, description=f"there is no community at /communities/{slug}")',
    'abort(404, description=f"there is no achievement {achievement_id}")',
    'servers = [{"url": config["ISSUER_BASE_URL"] + "/api/v1"}]',
])
def test_the_check_leaves_routes_and_builder_calls_alone(source):
    assert hand_built_urls(source) == []


def test_no_module_builds_a_permanent_url_by_hand():
    package = ROOT / "issuer"
    found = {}
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package).as_posix()
        if name not in EXEMPT and not name.startswith(SKIPPED):
            found.update({f"issuer/{name} {hit}": None for hit in hand_built_urls(path.read_text())})
    assert not found, "build these with issuer.urls (or url_for in views):\n" + "\n".join(found)


def test_templates_link_with_url_for():
    hand_written = [f"{path.relative_to(ROOT)}: {match.group(0)}"
                    for path in sorted((ROOT / "templates").rglob("*.html"))
                    for match in re.finditer(r'(?:href|action|src)="/[^"]*"', path.read_text())]
    assert not hand_written, "use url_for in templates:\n" + "\n".join(hand_written)
