"""The loopback test server: a client hanging up is quiet, a failing handler fails the test."""

from __future__ import annotations

import socket
import time
import urllib.request

import pytest

from tests.loopback import LoopbackError, LoopbackServer


def _hang_up_after_headers(server: LoopbackServer, path: str) -> None:
    """Ask for ``path``, read the status line, close the connection with a reset."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        connection.recv(64)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


def test_a_client_hanging_up_mid_answer_prints_nothing_and_fails_nothing(capfd):
    server = LoopbackServer()
    finished = []

    def endless(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", str(10**9))
        handler.end_headers()
        try:
            while True:
                handler.wfile.write(b"x" * 65536)
        finally:
            finished.append(True)

    server.route("/endless", endless)
    _hang_up_after_headers(server, "/endless")
    while not finished:  # the handler runs until its write fails on the closed connection
        time.sleep(0.05)
    server.close()
    assert capfd.readouterr().err == ""


def test_a_handler_that_fails_makes_close_fail_with_its_traceback(capfd):
    server = LoopbackServer()

    def broken(handler):
        raise ValueError("a bug in the test's handler")

    url = server.route("/broken", broken)
    with pytest.raises(Exception):  # the server drops the connection without an answer
        urllib.request.urlopen(url, timeout=10)
    with pytest.raises(LoopbackError, match=r"(?s)Traceback.*ValueError: a bug in the test's handler"):
        server.close()
    assert capfd.readouterr().err == ""
