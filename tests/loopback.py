"""A small HTTP server on 127.0.0.1 for tests: other issuers' documents, status lists, odd servers.

``put(path, document)`` serves JSON (or raw bytes); ``route(path, handler)`` lets a test answer
with anything (redirects, trickling bytes, huge bodies). Every request path is recorded.

A client hanging up mid-answer (what fetch limits do) is expected and stays quiet; any other
exception in a handler is kept and raised by ``close()``, so the test using the server fails.
"""

from __future__ import annotations

import json
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HANG_UPS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class LoopbackError(AssertionError):
    """A handler of the loopback server failed (not a client hanging up)."""


class _QuietServer(ThreadingHTTPServer):
    """Keeps handler errors for close() instead of printing tracebacks to stderr."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.errors: list[str] = []

    def handle_error(self, request, client_address):
        error = sys.exc_info()[1]
        if not isinstance(error, HANG_UPS):
            self.errors.append("".join(traceback.format_exception(error)))


class LoopbackServer:
    def __init__(self):
        self.documents: dict[str, bytes] = {}
        self.routes: dict = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server API
                server.requests.append(self.path)
                if self.path in server.routes:
                    server.routes[self.path](self)
                    return
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

        self._httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def did_web(self) -> str:
        """The did:web of this server's root (document at /.well-known/did.json)."""
        return f"did:web:127.0.0.1%3A{self.port}"

    def put(self, path: str, document: dict | bytes) -> str:
        """Serve ``document`` at ``path`` (leading slash optional); return its full URL."""
        path = "/" + path.lstrip("/")
        self.documents[path] = document if isinstance(document, bytes) else json.dumps(document).encode()
        return self.base + path.lstrip("/")

    def route(self, path: str, handler) -> str:
        """Answer GET ``path`` with ``handler(request_handler)``; return the full URL."""
        path = "/" + path.lstrip("/")
        self.routes[path] = handler
        return self.base + path.lstrip("/")

    def close(self) -> None:
        """Stop serving; raise LoopbackError if a handler failed meanwhile."""
        self._httpd.shutdown()
        self._thread.join(timeout=5)
        self._httpd.server_close()
        if self._httpd.errors:
            raise LoopbackError("the loopback server failed:\n" + "\n".join(self._httpd.errors))
