"""Python side of the reference verifier: runs the Digital Credentials Consortium libraries.

The Node scripts in ``js/`` (see their headers) each read one JSON request and write one JSON
result; ``{"batch": [...]}`` answers ``{"batch": [...]}``, and ``--serve`` keeps a process open
for newline-delimited requests. Everything runs offline: the scripts' document loader serves
the pinned contexts, did:key, and only the ``http://127.0.0.1:<port>/`` prefixes passed in
``allow_http``.

Typical use (the ``js`` fixture of conftest.py is a :class:`ReferenceVerifier`)::

    res = js.verify(credential)                       # @digitalcredentials/vc
    res = js.verify(cred, allow_http=["http://127.0.0.1:5123/"], now="2030-01-01T00:00:00Z")
    res = js.verify_core(credential)                  # @digitalcredentials/verifier-core
    signed = js.sign(unsigned, "eddsa-rdfc-2022", seed_hex)
    nquads = js.canonize(document)
    results = js.verify_many([cred1, cred2], test_contexts=True)

A result is ``{"verified": bool, "errors": [...], "warnings": [...], ...}``. If Node, npm or the
packages are missing, or a script crashes, :class:`ReferenceUnavailable` / :class:`ReferenceError_`
is raised: interop tests fail, they never skip.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import queue
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterable

NODE_DIR = Path(__file__).resolve().parent
REPO_ROOT = NODE_DIR.parents[1]
JS_DIR = NODE_DIR / "js"
SCRIPTS = {
    "verify": JS_DIR / "verify.mjs",
    "verify-core": JS_DIR / "verify-core.mjs",
    "sign": JS_DIR / "sign.mjs",
    "canonize": JS_DIR / "canonize.mjs",
}
MIN_NODE_MAJOR = 20
INSTALL_TIMEOUT = 900

# snake_case keyword -> request field of the scripts
_FIELDS = {
    "allow_http": "allowHttp",
    "test_contexts": "testContexts",
    "fragment_keys": "fragmentKeys",
    "check_issuer": "checkIssuer",
    "verify_matching_issuers": "verifyMatchingIssuers",
    "known_did_registries": "knownDIDRegistries",
    "unsigned_presentation": "unsignedPresentation",
    "verification_method": "verificationMethod",
    "set_issuer": "setIssuer",
}


class ReferenceUnavailable(RuntimeError):
    """Node.js, npm or the pinned npm packages cannot be used."""


class ReferenceError_(RuntimeError):
    """A reference script crashed or answered something that is not a result."""


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise ReferenceUnavailable(
            f"`{name}` is not on PATH: the interop tests need Node.js >= {MIN_NODE_MAJOR} and npm "
            "to run the reference verifier (tests/interop/package.json)")
    return path


def node_path() -> str:
    node = _tool("node")
    try:
        version = subprocess.run([node, "--version"], capture_output=True, text=True,
                                 timeout=30, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        raise ReferenceUnavailable(f"`node --version` failed: {error}") from error
    major = int(version.lstrip("v").split(".", 1)[0] or 0)
    if major < MIN_NODE_MAJOR:
        raise ReferenceUnavailable(f"Node.js {version} is too old; need >= {MIN_NODE_MAJOR}")
    return node


def _install_stamp() -> Path:
    # npm ci writes node_modules/.package-lock.json last; its mtime dates the install
    return NODE_DIR / "node_modules" / ".package-lock.json"


def _needs_install() -> bool:
    stamp = _install_stamp()
    lock = NODE_DIR / "package-lock.json"
    if not stamp.exists():
        return True
    return stamp.stat().st_mtime < lock.stat().st_mtime


def ensure_installed() -> None:
    """Run ``npm ci`` in NODE_DIR when node_modules is missing or older than package-lock.json.

    Raises :class:`ReferenceUnavailable` (never skips) when Node/npm are missing or the
    install fails.
    """
    node_path()
    if not _needs_install():
        return
    npm = _tool("npm")
    # the lock lives outside the tree (npm ci replaces node_modules; nothing to git-ignore)
    lock_path = Path(tempfile.gettempdir()) / (
        "interop-npm-" + hashlib.sha256(str(NODE_DIR).encode()).hexdigest()[:16] + ".lock")
    with open(lock_path, "w") as lock_file:
        with contextlib.suppress(ImportError, OSError):
            import fcntl

            fcntl.flock(lock_file, fcntl.LOCK_EX)  # another pytest worker may be installing
        if not _needs_install():
            return
        try:
            done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR,
                                  capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
        except (OSError, subprocess.SubprocessError) as error:
            raise ReferenceUnavailable(f"`npm ci` in {NODE_DIR} could not run: {error}") from error
        if done.returncode != 0:
            tail = (done.stdout + done.stderr)[-4000:]
            raise ReferenceUnavailable(
                f"`npm ci --no-audit --no-fund` in {NODE_DIR} failed "
                f"(exit {done.returncode}):\n{tail}")
        _install_stamp().touch()


def _check(result: Any, script: str) -> dict:
    if not isinstance(result, dict):
        raise ReferenceError_(f"{script}: answer is not a JSON object: {result!r:.500}")
    if "crash" in result:
        raise ReferenceError_(f"{script} crashed:\n{result['crash']}")
    return result


def run(script: str, payload: dict, timeout: float = 120) -> dict:
    """Start ``node js/<script>.mjs``, send ``payload``, return its JSON answer (one process)."""
    path = SCRIPTS.get(script) or JS_DIR / script
    if not path.exists():
        raise ReferenceError_(f"no such reference script: {path}")
    try:
        done = subprocess.run([node_path(), str(path)], input=json.dumps(payload),
                              capture_output=True, text=True, cwd=NODE_DIR, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise ReferenceError_(f"{path.name} did not answer within {timeout}s") from error
    if done.returncode != 0:
        raise ReferenceError_(
            f"{path.name} exited {done.returncode}:\n{done.stderr[-4000:]}")
    try:
        answer = json.loads(done.stdout)
    except json.JSONDecodeError as error:
        raise ReferenceError_(
            f"{path.name} wrote no JSON: {done.stdout[:500]!r}\n{done.stderr[-2000:]}") from error
    if isinstance(answer, dict) and isinstance(answer.get("batch"), list):
        for item in answer["batch"]:
            _check(item, path.name)
        return answer
    return _check(answer, path.name)


def run_batch(script: str, payloads: list[dict], timeout: float = 300) -> list[dict]:
    """One Node process for many requests: ``{"batch": payloads}`` -> list of answers."""
    if not payloads:
        return []
    return run(script, {"batch": list(payloads)}, timeout=timeout)["batch"]


class _Server:
    """A ``node js/<script>.mjs --serve`` process answering one JSON line per request line."""

    def __init__(self, script: str):
        self.script = script
        self.path = SCRIPTS[script]
        self._lock = threading.Lock()
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")
        self._proc = subprocess.Popen(
            [node_path(), str(self.path), "--serve"], cwd=NODE_DIR, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._stderr, text=True, encoding="utf-8",
            bufsize=1)
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self._proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _stderr_tail(self) -> str:
        with contextlib.suppress(Exception):
            self._stderr.seek(0)
            return self._stderr.read()[-4000:]
        return ""

    def request(self, payload: dict, timeout: float) -> dict:
        with self._lock:
            if self._proc.poll() is not None:
                raise ReferenceError_(
                    f"{self.path.name} --serve has exited ({self._proc.returncode}):\n"
                    + self._stderr_tail())
            try:
                self._proc.stdin.write(json.dumps(payload) + "\n")
                self._proc.stdin.flush()
            except OSError as error:
                raise ReferenceError_(f"{self.path.name}: cannot send request: {error}\n"
                                      + self._stderr_tail()) from error
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                self.close()
                raise ReferenceError_(
                    f"{self.path.name} did not answer within {timeout}s") from None
            if line is None:
                raise ReferenceError_(f"{self.path.name} --serve died:\n" + self._stderr_tail())
            return json.loads(line)

    def close(self) -> None:
        proc = self._proc
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        self._reader.join(timeout=10)
        for stream in (proc.stdin, proc.stdout, self._stderr):
            with contextlib.suppress(Exception):
                stream.close()


def _request(extra: dict) -> dict:
    out = {}
    for key, value in extra.items():
        out[_FIELDS.get(key, key)] = value
    return out


class ReferenceVerifier:
    """The DCC reference implementation, one long-lived Node process per script.

    Keyword arguments of the methods are request fields (snake_case or the scripts' camelCase):
    ``allow_http`` (list of ``http://127.0.0.1:<port>/``), ``test_contexts``, ``now``,
    ``fragment_keys``, ``documents``, ``check_issuer``, ``verify_matching_issuers``,
    ``known_did_registries``, ``registry``, ``challenge``, ``domain``...
    """

    def __init__(self, *, persistent: bool = True, timeout: float = 120):
        self.persistent = persistent
        self.timeout = timeout
        self._servers: dict[str, _Server] = {}
        self._lock = threading.Lock()

    # -- plumbing ------------------------------------------------------------------------
    def call(self, script: str, payload: dict, timeout: float | None = None) -> dict:
        timeout = timeout or self.timeout
        if not self.persistent:
            return run(script, payload, timeout=timeout)
        with self._lock:
            server = self._servers.get(script)
            if server is None or server._proc.poll() is not None:
                server = self._servers[script] = _Server(script)
        answer = server.request(payload, timeout)
        if isinstance(answer, dict) and isinstance(answer.get("batch"), list):
            for item in answer["batch"]:
                _check(item, script)
            return answer
        return _check(answer, script)

    def batch(self, script: str, payloads: Iterable[dict], timeout: float | None = None) -> list:
        payloads = list(payloads)
        if not payloads:
            return []
        return self.call(script, {"batch": payloads},
                         timeout=timeout or max(self.timeout, 5 * len(payloads)))["batch"]

    def close(self) -> None:
        with self._lock:
            servers, self._servers = self._servers, {}
        for server in servers.values():
            server.close()

    def __enter__(self) -> "ReferenceVerifier":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- verification ----------------------------------------------------------------------
    def verify(self, credential: dict | None = None, *, presentation: dict | None = None,
               **kw) -> dict:
        """@digitalcredentials/vc verifyCredential (or verify, for a presentation)."""
        return self.call("verify", {"credential": credential, "presentation": presentation,
                                    **_request(kw)})

    def verify_many(self, credentials: Iterable[dict], **kw) -> list[dict]:
        """verify() for many credentials in one round trip (same options for all)."""
        common = _request(kw)
        return self.batch("verify", [{"credential": c, **common} for c in credentials])

    def verify_core(self, credential: dict | None = None, *, presentation: dict | None = None,
                    **kw) -> dict:
        """@digitalcredentials/verifier-core verifyCredential (or verifyPresentation)."""
        return self.call("verify-core", {"credential": credential,
                                         "presentation": presentation, **_request(kw)})

    def verify_core_many(self, credentials: Iterable[dict], **kw) -> list[dict]:
        common = _request(kw)
        return self.batch("verify-core", [{"credential": c, **common} for c in credentials])

    # -- signing and canonicalization --------------------------------------------------------
    def sign_result(self, credential: dict, suite: str, seed_hex: str, created: str | None = None,
                    controller: str | None = None, **kw) -> dict:
        """The whole answer of sign.mjs: signed, verificationMethod, publicKeyMultibase."""
        answer = self.call("sign", {"credential": credential, "suite": suite, "seed": seed_hex,
                                    "created": created, "controller": controller,
                                    **_request(kw)})
        if "error" in answer:
            raise ReferenceError_(f"sign.mjs refused the credential: {answer['error']}")
        return answer

    def sign(self, credential: dict, suite: str, seed_hex: str, created: str | None = None,
             **kw) -> dict:
        """The credential signed by the DCC suite ('eddsa-rdfc-2022' or 'Ed25519Signature2020')."""
        return self.sign_result(credential, suite, seed_hex, created, **kw)["signed"]

    def canonize_all(self, document: dict, **kw) -> dict:
        """Both DCC canonicalizations: ``nquads`` (eddsa-rdfc-2022) and ``nquads_ed25519_2020``."""
        return self.call("canonize", {"document": document, **_request(kw)})

    def canonize(self, document: dict, **kw) -> str:
        """Canonical N-Quads as the eddsa-rdfc-2022 cryptosuite computes them."""
        answer = self.canonize_all(document, **kw)
        if "nquads" not in answer:
            raise ReferenceError_(f"canonize.mjs refused the document: {answer.get('error')}")
        return answer["nquads"]


def describe(result: dict) -> str:
    """A one-line explanation of a verify/verify_core result, for assertion messages."""
    parts = [f"verified={result.get('verified')}"]
    for key in ("errors", "warnings", "diagnostics"):
        if result.get(key):
            parts.append(f"{key}={result[key]}")
    return " ".join(parts)


__all__ = [
    "NODE_DIR", "REPO_ROOT", "ReferenceError_", "ReferenceUnavailable", "ReferenceVerifier",
    "describe", "ensure_installed", "node_path", "run", "run_batch",
]
