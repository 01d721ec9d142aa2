"""The outbound fetcher against a real HTTP server on loopback: policy, limits, redirects."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from issuer.fetch import FetchError, FetchPolicy, check_address, fetch, fetch_json, request_budget
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


def _trickle(handler, data: bytes, pause: float = 0.25) -> bool:
    """Send ``data`` one byte at a time; False once the client has gone."""
    try:
        for byte in data:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(pause)
        return True
    except OSError:
        return False


def _slow_headers(handler):
    # One header byte every 0.25 s for 4 s: no single read waits long, the whole answer does.
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    if _trickle(handler, b"X-Slow: " + b"a" * 8 + b"\r\n"):
        handler.wfile.write(b'Content-Length: 2\r\nConnection: close\r\n\r\n{}')


def _slow_chunk_size(handler):
    # The chunk-size line arrives a byte every 0.25 s (leading zeros are valid hex).
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    if _trickle(handler, b"0" * 15 + b"2\r\n"):
        handler.wfile.write(b"{}\r\n0\r\n\r\n")


def _deep(handler):
    body = b"[" * 100_000 + b"]" * 100_000
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    loopback = LoopbackServer()
    for path, handler in {"/doc": _json({"hello": "world"}), "/list": _json([1, 2]),
                          "/hop": _redirect("/doc"), "/loop": _redirect("/loop"),
                          "/away": _redirect("http://169.254.169.254/latest/meta-data"),
                          "/big": _big, "/slow": _slow, "/slow-headers": _slow_headers,
                          "/slow-chunks": _slow_chunk_size, "/deep": _deep}.items():
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
    with pytest.raises(FetchError, match="no complete answer .* within the time limit "
                       r"\(0.5 seconds per fetch"):
        fetch(server + "/slow", FetchPolicy(timeout=0.5, allow_private=True))


@pytest.mark.parametrize("path", ["/slow-headers", "/slow-chunks"])
def test_the_deadline_covers_headers_and_chunk_size_lines(server, path):
    # Before, each read had the full timeout: 4 s of trickling under a 1 s limit succeeded.
    with pytest.raises(FetchError, match="within the time limit"):
        fetch(server + path, FetchPolicy(timeout=1.0, allow_private=True))


def test_one_budget_is_shared_by_all_fetches_of_a_request(loopback):
    # Six slow lists under a 1 s budget: the first fetch uses the budget up, the other five
    # are refused without a request (before, each of them got its own 1 s and more).
    urls = [loopback.route(f"/slow-{n}", _slow_headers) for n in range(6)]
    failures = []
    with request_budget(1.0):
        for url in urls:
            with pytest.raises(FetchError) as caught:
                fetch(url, FetchPolicy(timeout=1.0, allow_private=True))
            failures.append(str(caught.value))
    assert "within the time limit" in failures[0]
    assert all("already spent its time for fetching" in f for f in failures[1:])
    assert loopback.requests == ["/slow-0"]


def test_a_deeply_nested_document_is_refused(server):
    with pytest.raises(FetchError, match="nested too deeply"):
        fetch_json(server + "/deep", FetchPolicy(timeout=2.0, max_bytes=1_000_000, allow_private=True))


@pytest.mark.parametrize("url,words", [
    ("http://example.org:99999/x", "not a valid URL"), ("http://example.org:-1/", "not a valid URL"),
    ("http://example.org:abc/", "not a valid URL"), ("http://[::1/", "not a valid URL"),
    ("http://a..b/", "not a valid host name"), ("http://" + "a" * 64 + ".example/", "not a valid host name"),
    ("http://.localhost/", "not a valid host name"), ("http://example.org:0/", "not a valid URL")])
def test_malformed_urls_are_refused_with_a_reason(url, words):
    # Each is refused before any name is looked up or any connection is made.
    with pytest.raises(FetchError, match=words):
        fetch(url, GUARDED)


@pytest.mark.parametrize("address", [
    "64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1", "64:ff9b::a00:1",      # NAT64 of link-local, loopback, 10/8
    "64:ff9b:1::a9fe:a9fe", "64:ff9b:1:ffff::808:808",              # local-use NAT64, whatever inside
    "2002:a9fe:a9fe::1", "2002:7f00:1::", "2002:c0a8:101::1",       # 6to4 of private IPv4
    "::7f00:1", "::a9fe:a9fe", "::a00:1",                           # IPv4-compatible
    "::ffff:0:a9fe:a9fe", "::ffff:0:7f00:1",                        # IPv4-translated
    "::ffff:a9fe:a9fe", "fec0::1", "fed0::1", "fc00::1", "fe80::1", "ff02::1",
    "::1", "::", "2001:db8::1", "100::1", "2001::1"])
def test_ipv6_spellings_of_private_addresses_are_refused(address):
    with pytest.raises(FetchError, match="non-public address"):
        check_address(address, GUARDED)
    check_address(address, OPEN)  # development: allowed


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700::1111", "64:ff9b::808:808",
                                     "2002:808:808::1", "::ffff:8.8.8.8"])
def test_public_addresses_and_their_ipv6_forms_pass(address):
    check_address(address, GUARDED)


def test_non_object_json_and_http_errors_are_explained(server):
    with pytest.raises(FetchError, match="did not return a JSON object"):
        fetch_json(server + "/list", OPEN)
    with pytest.raises(FetchError, match="answered HTTP 404"):
        fetch(server + "/missing", OPEN)


def test_the_deadline_covers_a_tls_handshake_that_trickles():
    # A TLS record header, then its body a byte at a time: the handshake is bounded too.
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        connection, _ = listener.accept()
        with connection:
            connection.sendall(b"\x16\x03\x03\x00\x40")
            for _ in range(16):
                try:
                    connection.sendall(b"\x02")
                except OSError:
                    return
                time.sleep(0.25)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with pytest.raises(FetchError, match="within the time limit"):
            fetch(f"https://127.0.0.1:{port}/", FetchPolicy(timeout=1.0, allow_private=True))
    finally:
        listener.close()
