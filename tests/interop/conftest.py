"""Fixtures of the interop tests: the DCC reference verifier (``js``) and a loopback server.

Every test collected under tests/interop is marked ``interop``. When Node.js/npm or the pinned
packages are missing the ``js`` fixture raises, so those tests fail instead of skipping.
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

try:  # tests/interop is not a package today; keep working if it becomes one
    from . import harness
except ImportError:
    import harness

if str(harness.REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(harness.REPO_ROOT))

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.interop)


@pytest.fixture(scope="session")
def js():
    """A :class:`harness.ReferenceVerifier`: verify, verify_core, sign, canonize (+ *_many)."""
    harness.ensure_installed()
    reference = harness.ReferenceVerifier()
    try:
        yield reference
    finally:
        reference.close()


class LoopbackServer:
    """Serves JSON documents on http://127.0.0.1:<port>/ (status lists, did:web documents)."""

    def __init__(self):
        self.documents: dict[str, bytes] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server API
                server.requests.append(self.path)
                body = server.documents.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def did_web(self) -> str:
        """The did:web of this server's root (document at /.well-known/did.json)."""
        return f"did:web:127.0.0.1%3A{self.port}"

    def put(self, path: str, document: dict) -> str:
        """Serve ``document`` at ``path`` (leading slash optional); return its full URL."""
        path = "/" + path.lstrip("/")
        self.documents[path] = json.dumps(document).encode("utf-8")
        return self.base + path.lstrip("/")

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def loopback():
    server = LoopbackServer()
    try:
        yield server
    finally:
        server.close()
