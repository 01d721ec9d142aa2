"""The outbound fetcher against a real HTTP server on loopback: policy, limits, redirects."""

from __future__ import annotations

import json
import time

import pytest

from issuer.fetch import FetchError, FetchPolicy, fetch, fetch_json
from tests.loopback import LoopbackServer

OPEN = FetchPolicy(timeout=2.0, max_bytes=10_000, allow_private=True)
GUARDED = FetchPolicy(timeout=2.0, max_bytes=10_000, allow_private=False)


def _json(body):
    def send(handler):
        data = json.dumps(body).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
    return send


def _redirect(location):
    def send(handler):
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.end_headers()
    return send


def _big(handler):
    handler.send_response(200)
    handler.end_headers()  # no Content-Length: the reader must stop by itself
    for _ in range(100):
        handler.wfile.write(b"x" * 1000)


def _slow(handler):
    handler.send_response(200)
    handler.end_headers()
    for _ in range(40):
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(0.1)


@pytest.fixture(scope="module")
def server():
    loopback = LoopbackServer()
    for path, handler in {"/doc": _json({"hello": "world"}), "/list": _json([1, 2]),
                          "/hop": _redirect("/doc"), "/loop": _redirect("/loop"),
                          "/away": _redirect("http://169.254.169.254/latest/meta-data"),
                          "/big": _big, "/slow": _slow}.items():
        loopback.route(path, handler)
    yield loopback.base.rstrip("/")
    loopback.close()


def test_loopback_is_refused_unless_allowed(server):
    with pytest.raises(FetchError, match="non-public address 127.0.0.1"):
        fetch(server + "/doc", GUARDED)
    assert fetch_json(server + "/doc", OPEN) == {"hello": "world"}


@pytest.mark.parametrize("url", ["http://10.0.0.1/x", "http://192.168.1.1/", "http://[::1]/",
                                 "http://169.254.169.254/latest", "http://0.0.0.0/",
                                 "http://[::ffff:127.0.0.1]/"])
def test_private_and_link_local_addresses_are_refused(url):
    with pytest.raises(FetchError, match="non-public address"):
        fetch(url, GUARDED)


@pytest.mark.parametrize("url,words", [("file:///etc/passwd", "only http and https"),
                                       ("ftp://example.org/x", "only http and https"),
                                       ("http://user:pw@example.org/", "credentials"),
                                       ("not a url", "only http and https")])
def test_other_schemes_and_userinfo_are_refused(url, words):
    with pytest.raises(FetchError, match=words):
        fetch(url, OPEN)


def test_redirects_are_followed_and_rechecked(server):
    assert fetch_json(server + "/hop", OPEN) == {"hello": "world"}
    with pytest.raises(FetchError, match="more than 3 redirects"):
        fetch(server + "/loop", OPEN)
    strict = FetchPolicy(timeout=2.0, max_bytes=10_000, allow_private=False)
    with pytest.raises(FetchError, match="non-public address"):
        fetch(server + "/away", strict)


def test_size_limit_stops_reading(server):
    with pytest.raises(FetchError, match="larger than 10000 bytes"):
        fetch(server + "/big", OPEN)


def test_time_limit_stops_a_server_that_trickles(server):
    # The server sends a byte every 0.1 s for 4 s: no single read times out, the deadline must.
    with pytest.raises(FetchError, match="no complete answer within 0.5 seconds"):
        fetch(server + "/slow", FetchPolicy(timeout=0.5, allow_private=True))


def test_non_object_json_and_http_errors_are_explained(server):
    with pytest.raises(FetchError, match="did not return a JSON object"):
        fetch_json(server + "/list", OPEN)
    with pytest.raises(FetchError, match="answered HTTP 404"):
        fetch(server + "/missing", OPEN)
