"""The one way this service fetches a URL: explicit, size- and time-limited, guarded against SSRF.

Used for did:web documents, other issuers' status lists and (later) verify-by-URL. JSON-LD
contexts are never fetched. Only http/https; the host is resolved once and every address must be
public unless private ones are allowed by configuration; the connection goes to the checked
address (no second DNS answer can swap it); redirects are followed by hand and re-checked.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

MAX_REDIRECTS = 3


class FetchError(Exception):
    """The URL was refused or could not be fetched; the message says why in plain words."""


@dataclass(frozen=True)
class FetchPolicy:
    timeout: float = 5.0
    max_bytes: int = 2_000_000
    allow_private: bool = False
    user_agent: str = "open-recognition-issuer"


def _check_address(address: str, policy: FetchPolicy) -> None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if policy.allow_private:
        return
    if not ip.is_global or ip.is_multicast:
        raise FetchError(f"refusing to fetch from the non-public address {ip}")


def _resolve(host: str, port: int, policy: FetchPolicy) -> str:
    """One DNS lookup; every answer must pass the policy; the first one is used."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise FetchError(f"cannot resolve host {host!r}: {error.strerror}") from None
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        _check_address(address, policy)
    return addresses[0]


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address, with certificate and SNI for the original host name."""

    def __init__(self, host, address, **kwargs):
        super().__init__(host, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, address, **kwargs):
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def fetch(url: str, policy: FetchPolicy, *, accept: str = "application/json") -> bytes:
    """GET ``url`` under ``policy`` and return the body bytes, or raise FetchError."""
    deadline = time.monotonic() + policy.timeout
    for _ in range(MAX_REDIRECTS + 1):
        response, connection = _open(url, policy, accept, deadline)
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise FetchError(f"{url} redirects without a Location")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise FetchError(f"{url} answered HTTP {response.status}")
            return _read_limited(response, policy, deadline)
        finally:
            connection.close()
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


def fetch_json(url: str, policy: FetchPolicy) -> dict:
    """Fetch and parse a JSON object."""
    body = fetch(url, policy, accept="application/json, application/ld+json, application/vc")
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise FetchError(f"{url} did not return JSON") from None
    if not isinstance(value, dict):
        raise FetchError(f"{url} did not return a JSON object")
    return value


def _open(url, policy, accept, deadline):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"only http and https URLs can be fetched, not {url!r}")
    if parts.username or parts.password:
        raise FetchError("URLs with credentials are not fetched")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = _resolve(parts.hostname, port, policy)
    remaining = max(0.1, deadline - time.monotonic())
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = kind(parts.hostname, address, port=port, timeout=remaining)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("GET", path, headers={"Accept": accept, "User-Agent": policy.user_agent})
        return connection.getresponse(), connection
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        raise FetchError(f"cannot fetch {url}: {error}") from None


def _read_limited(response, policy: FetchPolicy, deadline: float) -> bytes:
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
        raise FetchError(f"response is larger than {policy.max_bytes} bytes")
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise FetchError(f"no complete answer within {policy.timeout} seconds")
        try:
            chunk = response.read1(65536)  # what has arrived, so the deadline is checked often
        except (OSError, http.client.HTTPException) as error:
            raise FetchError(f"reading the response failed: {error}") from None
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > policy.max_bytes:
            raise FetchError(f"response is larger than {policy.max_bytes} bytes")
        chunks.append(chunk)
