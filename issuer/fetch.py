"""The one way this service fetches a URL: explicit, size- and time-limited, guarded against SSRF.

Used for did:web documents, other issuers' status lists and verify-by-URL. JSON-LD
contexts are never fetched. Only http/https; the host is resolved once and every address must be
public unless private ones are allowed by configuration; the connection goes to the checked
address (no second DNS answer can swap it); redirects are followed by hand and re-checked.

Time: one deadline per fetch covers DNS, connect, TLS, the request, the status line and headers,
chunked framing and the body (every socket read gets only the time that is left). A request may
also hold a budget (``request_budget``) that all of its fetches share, so a presentation naming
six slow status lists costs one timeout, not six.
"""

from __future__ import annotations

import contextlib
import contextvars
import http.client
import ipaddress
import json
import math
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

MAX_REDIRECTS = 3

# The deadline (time.monotonic) that every fetch of the current request must meet, if any.
_request_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "fetch_request_deadline", default=None)
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="fetch-dns")


class FetchError(Exception):
    """The URL was refused or could not be fetched; the message says why in plain words."""


@dataclass(frozen=True)
class FetchPolicy:
    timeout: float = 5.0
    max_bytes: int = 2_000_000
    allow_private: bool = False
    user_agent: str = "open-recognition-issuer"


@contextlib.contextmanager
def request_budget(seconds: float):
    """Within this block all fetches together take at most ``seconds`` (nested blocks: the
    earlier deadline wins)."""
    previous = _request_deadline.get()
    deadline = time.monotonic() + seconds
    _request_deadline.set(deadline if previous is None else min(previous, deadline))
    try:
        yield
    finally:
        _request_deadline.set(previous)


# IPv6 prefixes that carry an IPv4 address in their last 32 bits: the IPv4 address decides.
_EMBEDS_IPV4_LOW32 = (ipaddress.ip_network("64:ff9b::/96"),      # NAT64 well-known (RFC 6052)
                      ipaddress.ip_network("::ffff:0:0/96"),     # IPv4-mapped
                      ipaddress.ip_network("::ffff:0:0:0/96"),   # IPv4-translated (RFC 2765)
                      ipaddress.ip_network("::/96"))             # IPv4-compatible (deprecated)
# Never global whatever they embed (Python's is_global misses them in some versions).
_NEVER_GLOBAL = (ipaddress.ip_network("64:ff9b:1::/48"),         # local-use NAT64 (RFC 8215)
                 ipaddress.ip_network("fec0::/10"),              # site-local (deprecated)
                 ipaddress.ip_network("2001::/23"),              # IETF protocol assignments, Teredo
                 ipaddress.ip_network("2001:db8::/32"),          # documentation
                 ipaddress.ip_network("100::/64"),               # discard-only
                 ipaddress.ip_network("5f00::/16"))              # SRv6 SIDs


def effective_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address):
    """The IPv4 address an IPv6 address stands for (NAT64, mapped, translated, compatible, 6to4),
    or the address itself."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.sixtofour is not None:
            return ip.sixtofour
        if int(ip) > 1 and any(ip in network for network in _EMBEDS_IPV4_LOW32):  # not :: or ::1
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def check_address(address: str, policy: FetchPolicy) -> None:
    """Raise FetchError unless ``address`` (and any IPv4 it embeds) is a global unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if policy.allow_private:
        return
    inner = effective_address(ip)  # an embedded IPv4 address is judged on its own
    if (not inner.is_global or inner.is_multicast or inner.is_reserved
            or any(ip in network for network in _NEVER_GLOBAL)):
        shown = ip if inner == ip else f"{ip} ({inner})"
        raise FetchError(f"refusing to fetch from the non-public address {shown}")


def _resolve(host: str, port: int, policy: FetchPolicy, deadline: float) -> str:
    """One DNS lookup within the deadline; every answer must pass the policy; the first is used."""
    try:
        host.encode("idna")  # a..b, .localhost, a 64-character label: not a host name
    except UnicodeError:
        raise FetchError(f"{host!r} is not a valid host name") from None
    lookup = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = lookup.result(timeout=_left(deadline))
    except FutureTimeout:  # the lookup goes on in its thread; this fetch does not wait for it
        raise _DeadlineTimeout(f"cannot resolve host {host!r} in time") from None
    except socket.gaierror as error:
        raise FetchError(f"cannot resolve host {host!r}: {error.strerror}") from None
    except (OSError, UnicodeError, ValueError) as error:
        raise FetchError(f"cannot resolve host {host!r}: {error}") from None
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        check_address(address, policy)
    return addresses[0]


class _DeadlineTimeout(TimeoutError):
    """The fetch's deadline passed (not just one slow read)."""


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _DeadlineTimeout("the time allowed for fetching ran out")
    return left


class _Bounded:
    """A socket whose every read and write gets only the time left until ``deadline``, so a peer
    trickling headers, chunk-size lines or body bytes cannot stretch the fetch."""

    deadline: float = math.inf

    def _arm(self) -> None:
        if self.deadline != math.inf:
            self.settimeout(_left(self.deadline))

    def recv(self, *args):
        self._arm()
        return super().recv(*args)

    def recv_into(self, *args):
        self._arm()
        return super().recv_into(*args)

    def sendall(self, *args):
        self._arm()
        return super().sendall(*args)


class _BoundedSocket(_Bounded, socket.socket):
    pass


class _BoundedSSLSocket(_Bounded, ssl.SSLSocket):
    pass


def _connect(address: str, port: int, deadline: float) -> _BoundedSocket:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = _BoundedSocket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(_left(deadline))
        sock.connect((address, port))  # the timeout bounds the whole connect
    except BaseException:
        sock.close()
        raise
    sock.deadline = deadline
    return sock


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address, with certificate and SNI for the original host name."""

    def __init__(self, host, address, deadline, **kwargs):
        context = ssl.create_default_context()
        context.sslsocket_class = _BoundedSSLSocket
        super().__init__(host, context=context, **kwargs)
        self._address, self._deadline = address, deadline

    def connect(self):
        sock = _connect(self._address, self.port, self._deadline)
        sock.settimeout(_left(self._deadline))  # the timeout bounds the whole handshake
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        self.sock.deadline = self._deadline


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, address, deadline, **kwargs):
        super().__init__(host, **kwargs)
        self._address, self._deadline = address, deadline

    def connect(self):
        self.sock = _connect(self._address, self.port, self._deadline)


def fetch(url: str, policy: FetchPolicy, *, accept: str = "application/json") -> bytes:
    """GET ``url`` under ``policy`` and return the body bytes, or raise FetchError."""
    deadline = time.monotonic() + policy.timeout
    shared = _request_deadline.get()
    if shared is not None and shared < deadline:
        if shared <= time.monotonic():
            raise FetchError("not fetched: this request already spent its time for fetching")
        deadline = shared
    try:
        return _fetch(url, policy, accept, deadline)
    except _DeadlineTimeout:
        raise FetchError(f"no complete answer from {url} within the time limit "
                         f"({policy.timeout:g} seconds per fetch and per request)") from None


def _fetch(url: str, policy: FetchPolicy, accept: str, deadline: float) -> bytes:
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
    except RecursionError:
        raise FetchError(f"{url} returned JSON nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise FetchError(f"{url} did not return JSON") from None
    if not isinstance(value, dict):
        raise FetchError(f"{url} did not return a JSON object")
    return value


def _target(url: str) -> tuple[str, str, int, str]:
    """Scheme, host, port and request path of a URL we may fetch, or a FetchError saying why not."""
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError for :99999, :-1, :abc
    except ValueError as error:
        raise FetchError(f"{url!r} is not a valid URL: {error}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"only http and https URLs can be fetched, not {url!r}")
    if parts.username or parts.password:
        raise FetchError("URLs with credentials are not fetched")
    port = (443 if parts.scheme == "https" else 80) if port is None else port
    if port == 0:
        raise FetchError(f"{url!r} is not a valid URL: port 0")
    # Non-ASCII or spaces in the path are percent-encoded; what is already encoded stays.
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    return parts.scheme, parts.hostname, port, path + (f"?{query}" if query else "")


def _open(url, policy, accept, deadline):
    scheme, host, port, path = _target(url)
    address = _resolve(host, port, policy, deadline)
    kind = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = kind(host, address, deadline, port=port, timeout=_left(deadline))
    try:
        connection.request("GET", path, headers={"Accept": accept, "User-Agent": policy.user_agent})
        return connection.getresponse(), connection
    except _DeadlineTimeout:
        connection.close()
        raise
    except (OSError, http.client.HTTPException, UnicodeError, ValueError) as error:
        connection.close()
        if time.monotonic() >= deadline:
            raise _DeadlineTimeout() from None
        raise FetchError(f"cannot fetch {url}: {error}") from None


def _read_limited(response, policy: FetchPolicy, deadline: float) -> bytes:
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
        raise FetchError(f"response is larger than {policy.max_bytes} bytes")
    chunks, size = [], 0
    while True:
        _left(deadline)
        try:
            chunk = response.read1(65536)  # what has arrived; every socket read is bounded too
        except _DeadlineTimeout:
            raise
        except (OSError, http.client.HTTPException, ValueError) as error:
            if time.monotonic() >= deadline:
                raise _DeadlineTimeout() from None
            raise FetchError(f"reading the response failed: {error}") from None
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > policy.max_bytes:
            raise FetchError(f"response is larger than {policy.max_bytes} bytes")
        chunks.append(chunk)
