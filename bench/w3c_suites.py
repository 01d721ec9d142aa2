"""Runs the four W3C test suites against a freshly started service and reports every failure.

Usage: .venv/bin/python bench/w3c_suites.py SUITES_DIR [--only NAME ...] [--json OUT] [--keep]
                                            [--quiet] [--service-root CHECKOUT]
       (after `make install` and `make tests/interop/node_modules/.installed`; --service-root
       runs the service of another checkout, its own `make install` done)

SUITES_DIR holds these checked-out repositories, one directory each, named as on GitHub:

    w3c/vc-di-eddsa-test-suite              w3c-ccg/vc-api-issuer-test-suite
    w3c/vc-data-model-2.0-test-suite        w3c-ccg/vc-api-verifier-test-suite
    w3c/vc-test-suite-implementations       w3c-ccg/data-integrity-test-suite-assertion

for instance:

    mkdir -p ~/suites && cd ~/suites
    for r in w3c/vc-di-eddsa-test-suite w3c/vc-data-model-2.0-test-suite \
             w3c-ccg/vc-api-issuer-test-suite w3c-ccg/vc-api-verifier-test-suite \
             w3c/vc-test-suite-implementations w3c-ccg/data-integrity-test-suite-assertion; do
        git clone --depth 1 https://github.com/$r
    done

On the first run the script points every git dependency in the suites' package.json files at
the sibling directory (`file:../<name>`) and runs `npm install --install-links` in each suite,
so npm needs only the registry. It is not part of `make test`: CI cannot fetch the suites.

What one run does:
  1. starts the service (`flask --app issuer run`) on a free loopback port with a fresh data
     directory and a known platform API token;
  2. starts a loopback TLS proxy in front of it with a throw-away CA and certificate (made with
     `cryptography`; Node trusts it through NODE_EXTRA_CA_CERTS). The proxy adds the bearer
     token the suites do not send, and records every credential the service issues;
  3. writes a localConfig.cjs naming the service (issuer, verifier, VP verifier, the platform
     DID; tags vc-api, eddsa-rdfc-2022, vc2.0) into a directory of this run, and runs each suite
     with mocha, APP_ROOT_PATH pointing there (the suites themselves are left unchanged, so
     several runs may share one SUITES_DIR);
  4. prints every failing test with its assertion, the requests it made (matched by time: mocha
     runs one test at a time) and what the service answered; then the failures grouped by
     cause, and passed / failed / pending per suite and in total;
  5. verifies every issued credential with the npm reference libraries (@digitalcredentials/vc +
     eddsa-rdfc-2022-cryptosuite, tests/interop/js/verify.mjs) and lists those that fail.
Exit status 0 when every test passed and every issued credential verified, 1 otherwise (three
failures are inherent to the suites' vectors and fixtures, so expect 1 even when all is well).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import http.client
import http.server
import ipaddress
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SUITES = {  # directory -> tag its tests select implementations by
    "vc-api-issuer-test-suite": "vc-api",
    "vc-api-verifier-test-suite": "vc-api",
    "vc-di-eddsa-test-suite": "eddsa-rdfc-2022",
    "vc-data-model-2.0-test-suite": "vc2.0",
}
LIBRARIES = ["vc-test-suite-implementations", "data-integrity-test-suite-assertion"]
TAGS = ["vc-api", "eddsa-rdfc-2022", "vc2.0", "localhost"]
MOCHA_TIMEOUT_MS = 30000
REPORTER = Path(__file__).resolve().with_name("w3c_suites_reporter.cjs")


# ---------------------------------------------------------------------------------------------
# Preparing the checked-out suites


def link_git_dependencies(suites_dir: Path) -> None:
    """Point git dependencies at the sibling checkouts so npm needs only the registry."""
    local = {p.name for p in suites_dir.iterdir() if p.is_dir()}
    for name in list(SUITES) + LIBRARIES:
        package = suites_dir / name / "package.json"
        if not package.exists():
            continue
        data = json.loads(package.read_text())
        changed = False
        for section in ("dependencies", "devDependencies", "optionalDependencies"):
            for dep, spec in data.get(section, {}).items():
                if spec.startswith(("github:", "git+", "git:", "https://github.com/")):
                    if dep not in local:
                        sys.exit(f"{name} needs {dep} ({spec}): check it out into {suites_dir}")
                    data[section][dep] = f"file:../{dep}"
                    changed = True
        if changed:
            package.write_text(json.dumps(data, indent=2) + "\n")


def prepare(suites_dir: Path, names: list[str]) -> None:
    missing = [n for n in names + LIBRARIES if not (suites_dir / n / "package.json").exists()]
    if missing:
        sys.exit(f"not found in {suites_dir}: {', '.join(missing)} (see the top of this script)")
    link_git_dependencies(suites_dir)
    for name in names:
        directory = suites_dir / name
        if (directory / "node_modules" / ".bin" / "mocha").exists():
            continue
        print(f"npm install in {directory} ...", flush=True)
        subprocess.run(["npm", "install", "--install-links", "--no-audit", "--no-fund",
                        "--loglevel=error"], cwd=directory, check=True)


# ---------------------------------------------------------------------------------------------
# The service and the proxy


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a localhost / 127.0.0.1 certificate it signs; returns CA, cert, key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.timezone.utc)
    start, end = now - dt.timedelta(minutes=5), now + dt.timedelta(days=1)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "w3c suites throw-away CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, key_cert_sign=True, crl_sign=True,
                                       encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_path, cert_path, key_path = (directory / name for name in ("ca.pem", "cert.pem", "key.pem"))
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return ca_path, cert_path, key_path


class Recorder:
    """What went through the proxy: every credential issued, and each exchange for the report."""

    def __init__(self):
        self.lock = threading.Lock()
        self.issued: list[dict] = []
        self.exchanges: list[dict] = []
        self.suite = ""

    def record(self, arrived: float, method: str, path: str, request: bytes, status: int,
               response: bytes):
        with self.lock:
            entry = {"suite": self.suite, "at": arrived, "method": method, "path": path,
                     "status": status,
                     "request": _maybe_json(request), "response": _maybe_json(response)}
            self.exchanges.append(entry)
            if method == "POST" and path.split("?")[0].endswith("/credentials/issue") \
                    and 200 <= status < 300 and isinstance(entry["response"], dict):
                vc = entry["response"].get("verifiableCredential", entry["response"])
                self.issued.append({"suite": self.suite, "credential": vc,
                                    "request": entry["request"]})


def _maybe_json(body: bytes):
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")[:2000]


def make_proxy_handler(upstream_port: int, token: str, recorder: Recorder):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _forward(self):
            arrived = time.time()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("host", "authorization", "connection",
                                            "content-length", "transfer-encoding")}
            headers["Authorization"] = f"Bearer {token}"
            headers["Host"] = f"127.0.0.1:{upstream_port}"
            connection = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=120)
            try:
                connection.request(self.command, self.path, body=body or None, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
                status = answer.status
                answer_headers = answer.getheaders()
            except OSError as error:
                data = json.dumps({"proxy error": str(error)}).encode()
                status, answer_headers = 502, [("Content-Type", "application/json")]
            finally:
                connection.close()
            recorder.record(arrived, self.command, self.path, body, status, data)
            self.send_response(status)
            for key, value in answer_headers:
                if key.lower() not in ("connection", "content-length", "transfer-encoding",
                                       "server", "date"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _forward

    return Handler


def start_proxy(upstream_port: int, token: str, recorder: Recorder, cert: Path, key: Path):
    handler = make_proxy_handler(upstream_port, token, recorder)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop_proxy(server) -> None:
    server.shutdown()
    server.server_close()


class Service:
    """`flask --app issuer run` of the worktree `root` (its own .venv and issuer package)."""

    def __init__(self, data_dir: Path, root: Path = ROOT):
        self.root = root
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_urlsafe(32)
        self.env = dict(os.environ, ISSUER_DATA_DIR=str(data_dir), ISSUER_BASE_URL=self.base,
                        ISSUER_API_TOKEN=self.token, ISSUER_DEMO="false",
                        FLASK_DEBUG="0", PYTHONUNBUFFERED="1",
                        PYTHONDONTWRITEBYTECODE="1")  # leaves another checkout as it is
        self.env.pop("ISSUER_DATABASE_URL", None)
        self.log_path = data_dir / "service.log"
        self.process: subprocess.Popen | None = None

    def flask(self) -> list[str]:
        return [str(self.root / ".venv" / "bin" / "flask"), "--app", "issuer"]

    def start(self) -> None:
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            self.flask() + ["run", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=self.root, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"the service stopped at start:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.base}/.well-known/did.json", timeout=2):
                    return
            except urllib.error.HTTPError as error:
                error.close()
                return  # it answers
            except OSError:
                time.sleep(0.3)
        sys.exit(f"the service did not answer within 60 s:\n{self.log_path.read_text()[-3000:]}")

    def did(self) -> str:
        out = subprocess.run(self.flask() + ["did"], cwd=self.root, env=self.env, check=True,
                             capture_output=True, text=True).stdout.split()
        return out[-1]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if getattr(self, "_log", None):
            self._log.close()


# ---------------------------------------------------------------------------------------------
# Running the suites


def write_local_config(directory: Path, base: str, did: str) -> None:
    config = {
        "settings": {"enableInteropTests": False, "testAllImplementations": False},
        "implementations": [{
            "name": "Open Recognition (local)",
            "implementation": "issuer",
            "issuers": [{"id": did, "endpoint": f"{base}/credentials/issue",
                         "supports": {"vc": ["1.1", "2.0"]}, "tags": TAGS}],
            "verifiers": [{"id": did, "endpoint": f"{base}/credentials/verify", "tags": TAGS}],
            "vpVerifiers": [{"id": did, "endpoint": f"{base}/presentations/verify",
                             "tags": TAGS}],
        }],
    }
    (directory / "localConfig.cjs").write_text(
        "// written by bench/w3c_suites.py of the issuer project for one local run\n"
        f"module.exports = {json.dumps(config, indent=2)};\n")


def run_suite(directory: Path, config_dir: Path, ca: Path, out: Path) -> tuple[dict, list[dict]]:
    """Mocha's JSON report and the start time of each test and hook.

    vc-test-suite-implementations reads localConfig.cjs from the application root, which
    APP_ROOT_PATH sets: the configuration stays in this run's directory, not in the suite.
    """
    mocha = directory / "node_modules" / ".bin" / "mocha"
    events = out.with_suffix(".events.json")
    env = dict(os.environ, NODE_EXTRA_CA_CERTS=str(ca), APP_ROOT_PATH=str(config_dir),
               NODE_ENV="test", W3C_SUITES_EVENTS=str(events))
    log = out.with_suffix(".log")
    with open(log, "wb") as stream:
        subprocess.run([str(mocha), "tests/", "--timeout", str(MOCHA_TIMEOUT_MS),
                        "--preserve-symlinks", "--reporter", str(REPORTER),
                        "--reporter-option", f"output={out}"],
                       cwd=directory, env=env, stdout=stream, stderr=subprocess.STDOUT)
    if not out.exists():
        return {"error": f"mocha wrote no report; see {log}:\n{log.read_text()[-3000:]}"}, []
    return (json.loads(out.read_text()),
            json.loads(events.read_text()) if events.exists() else [])


def attribute(events: list[dict], exchanges: list[dict]) -> list[dict]:
    """The test runs in order, each with the requests that arrived while it (or its hooks) ran.

    Mocha runs one runnable at a time, so a request belongs to the last test or "before all"
    hook that began before it arrived ("each" hooks count as part of their test). A test that
    made no request of its own gets those of the "before all" hooks run just before it (where
    suites issue the credentials their tests look at), in the same describe block.
    """
    timeline = sorted((e for e in events if e["kind"] in ("test", "hook")
                       and '"before each" hook' not in e["title"]
                       and '"after each" hook' not in e["title"]), key=lambda e: e["at"])
    starts = [e["at"] for e in timeline]
    own: list[list[dict]] = [[] for _ in timeline]
    for exchange in exchanges:
        i = bisect.bisect_right(starts, exchange["at"]) - 1
        if i >= 0:
            own[i].append(exchange)
    runs = []
    for i, event in enumerate(timeline):
        if event["kind"] != "test":
            continue
        mine, j = list(own[i]), i - 1
        while not mine and j >= 0:  # the credential the test looks at came from a "before all"
            hook = timeline[j]
            scope = hook["title"].split(' "before all" hook')[0]
            if hook["kind"] == "hook" and own[j] and scope != hook["title"] \
                    and event["title"].startswith(scope + " "):
                mine = [{**e, "from hook": hook["title"]} for e in own[j]]
            j -= 1
        runs.append({**event, "exchanges": mine})
    return runs


def summarize(name: str, report: dict, runs: list[dict]) -> dict:
    if "error" in report:
        return {"suite": name, "error": report["error"], "passed": 0, "failed": 0, "pending": 0,
                "failures": []}
    failures = []
    failed_runs: dict[str, list[dict]] = {}
    for run in runs:
        if run.get("state") == "failed":
            failed_runs.setdefault(run["title"], []).append(run)
    for test in report.get("failures", []):
        matching = failed_runs.get(test.get("fullTitle") or "", [])
        run = matching.pop(0) if matching else {}
        err = test.get("err") or {}
        failures.append({"title": test.get("fullTitle") or test.get("title"),
                         "file": Path(test.get("file") or "").name,
                         "message": (err.get("message") or "").strip(),
                         "stack": (err.get("stack") or "").strip(),
                         "exchanges": run.get("exchanges", [])})
    return {"suite": name, "passed": len(report.get("passes", [])),
            "failed": len(report.get("failures", [])),
            "pending": len(report.get("pending", [])), "failures": failures}


# ---------------------------------------------------------------------------------------------
# The issued credentials in the reference libraries


def _only_dates(result: dict) -> bool:
    errors = result.get("errors") or []
    return bool(errors) and all("validUntil" in e or "validFrom" in e or "expir" in e.lower()
                                or "issuanceDate" in e for e in map(str, errors))


def inside_validity(credential: dict) -> str | None:
    """An instant inside the credential's stated validity period (for expired test credentials)."""
    start = credential.get("validFrom") or credential.get("issuanceDate")
    end = credential.get("validUntil") or credential.get("expirationDate")
    try:
        begin = dt.datetime.fromisoformat(str(start).replace("Z", "+00:00")) if start else None
        until = dt.datetime.fromisoformat(str(end).replace("Z", "+00:00")) if end else None
    except ValueError:
        return None
    if begin and until and begin < until:
        moment = begin + (until - begin) / 2
    elif until:
        moment = until - dt.timedelta(seconds=1)
    elif begin:
        moment = begin + dt.timedelta(seconds=1)
    else:
        return None
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def reference_harness(service_root: Path):
    """tests/interop/harness.py of the checkout under test when its npm packages are installed
    (its pinned contexts are the ones its credentials use), else this checkout's."""
    import importlib.util

    root = service_root
    if not (root / "tests" / "interop" / "node_modules" / ".installed").exists():
        root = ROOT
    spec = importlib.util.spec_from_file_location(
        "reference_harness", root / "tests" / "interop" / "harness.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_issued(issued: list[dict], base: str, service_root: Path = ROOT) -> list[dict]:
    harness = reference_harness(service_root)
    ReferenceVerifier = harness.ReferenceVerifier
    harness.ensure_installed()
    verifier = ReferenceVerifier()
    problems = []
    try:
        for item in issued:
            credential = item["credential"]
            if not isinstance(credential, dict):
                problems.append({**item, "errors": ["the answer is not a JSON object"]})
                continue
            options = {"allow_http": [base + "/"], "test_contexts": True}
            result = verifier.verify(credential, **options)
            if not result.get("verified"):
                inside = inside_validity(credential)
                if inside and _only_dates(result):
                    # the suite asked for an expired (or not yet valid) credential: check it at
                    # a time inside its own validity period
                    again = verifier.verify(credential, now=inside, **options)
                    if again.get("verified"):
                        item["checked_at"] = inside
                        continue
                    result = again
                problems.append({**item, "errors": result.get("errors"),
                                 "warnings": result.get("warnings")})
    finally:
        close = getattr(verifier, "close", None)
        if close:
            close()
    return problems


def short_message(message: str) -> str:
    """The assertion without the dump of a fetch Response object (its answer is shown apart)."""
    message = re.sub(r"expected Response \{.*\} to not exist", "expected no answer (an error)",
                     message, flags=re.S)
    return message[:1200]


def indent(text: str, width: int) -> str:
    return textwrap.indent(text, " " * width)


def _clip(value, limit: int) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def describe_exchange(exchange: dict, limit: int = 700) -> str:
    lines = [f"{exchange['method']} {exchange['path']} -> {exchange['status']}"
             + (" (in the \"before all\" hook)" if exchange.get("from hook") else "")]
    if exchange.get("request") is not None:
        lines.append("  sent:     " + _clip(exchange["request"], limit))
    response = exchange.get("response")
    if response is not None:
        lines.append("  answered: " + _clip(response, limit))
    return "\n".join(lines)


def cause(failure: dict) -> str:
    """A one-line grouping key: what the service did wrong, as far as the exchanges tell."""
    message = failure["message"]
    refused = [e for e in failure["exchanges"] if e["status"] >= 400]
    if "unwanted rejection" in message or "expected HTTPError" in message:
        if refused:
            answer = refused[-1]["response"]
            detail = answer.get("detail") if isinstance(answer, dict) else None
            if isinstance(answer, dict) and detail is None and answer.get("errors"):
                detail = "; ".join(str(e.get("message")) for e in answer["errors"]
                                   if isinstance(e, dict))
            detail = re.sub(r"did:key:z\w+|https?://127\.0\.0\.1:\d+\S*|urn:uuid:[\w-]+", "…",
                            str(detail or answer))
            return f"refused a valid request: {refused[-1]['status']} {detail[:160]}"
        return "refused a valid request"
    if "Missing expected rejection" in message or "Expected no result" in message \
            or "expected no answer" in message:
        return "accepted (201/200) what it should refuse"
    unknown = re.search(r"Dereferencing a URL did not result in a valid JSON-LD object.*"
                        r"URL: \"([^\"]*)\"", message, flags=re.S)
    if unknown:
        return f"the suite's own loader lacks a context the service put in: {unknown.group(1)}"
    return (message.splitlines()[0] if message else "no message")[:200]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("suites_dir", type=Path)
    parser.add_argument("--only", nargs="*", choices=list(SUITES), default=list(SUITES))
    parser.add_argument("--json", type=Path, help="write every result and exchange here")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument("--quiet", action="store_true", help="titles only, no assertion text")
    parser.add_argument("--service-root", type=Path, default=ROOT,
                        help="run the service of another checkout (after `make install` there)")
    args = parser.parse_args(argv)
    suites_dir = args.suites_dir.resolve()
    service_root = args.service_root.resolve()
    if not (service_root / ".venv" / "bin" / "flask").exists():
        sys.exit(f"run `make install` in {service_root} first: the service runs from its .venv")
    prepare(suites_dir, args.only)

    work = Path(tempfile.mkdtemp(prefix="w3c-suites-"))
    (work / "data").mkdir(mode=0o700)
    service = Service(work / "data", service_root)
    recorder = Recorder()
    results = []
    problems: list[dict] = []
    proxy = None
    try:
        ca, cert, key = make_certificates(work)
        service.start()
        did = service.did()
        proxy = start_proxy(service.port, service.token, recorder, cert, key)
        base = f"https://localhost:{proxy.server_address[1]}"
        print(f"service of {service_root} at {service.base} (issuer {did}), TLS proxy {base}",
              flush=True)
        for name in args.only:
            directory = suites_dir / name
            config_dir = work / name
            config_dir.mkdir()
            write_local_config(config_dir, base, did)
            recorder.suite = name
            started = time.monotonic()
            report, events = run_suite(directory, config_dir, ca, work / f"{name}.json")
            summary = summarize(name, report, attribute(
                events, [e for e in recorder.exchanges if e["suite"] == name]))
            summary["seconds"] = round(time.monotonic() - started, 1)
            if not summary.get("error") and summary["passed"] + summary["failed"] == 0:
                summary["error"] = ("no test ran against the service: the suite did not pick up "
                                    f"{config_dir / 'localConfig.cjs'} or none of its tags match")
            results.append(summary)
            print(f"{name}: {summary['passed']} passed, {summary['failed']} failed, "
                  f"{summary['pending']} pending ({summary['seconds']} s)", flush=True)
        recorder.suite = ""
        print(f"checking {len(recorder.issued)} issued credentials in the reference libraries",
              flush=True)
        problems = check_issued(recorder.issued, service.base, service_root)
    finally:
        if proxy:
            stop_proxy(proxy)
        service.stop()

    print("\n== failures")
    for summary in results:
        if summary.get("error"):
            print(f"\n[{summary['suite']}] did not run: {summary['error']}")
        for failure in summary["failures"]:
            print(f"\n[{summary['suite']}] {failure['title']}")
            if not args.quiet:
                print(indent(short_message(failure["message"]), 4))
                for exchange in failure["exchanges"]:
                    print(indent(describe_exchange(exchange), 6))
    print("\n== failures by cause")
    groups: dict[str, list[str]] = {}
    for summary in results:
        for failure in summary["failures"]:
            groups.setdefault(cause(failure), []).append(
                f"[{summary['suite']}] {failure['title']}")
    for key, titles in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f"\n{len(titles):3}  {key}")
        for title in titles:
            print(f"       {title[:160]}")
    print("\n== issued credentials the reference libraries do not verify")
    for problem in problems:
        credential = problem["credential"]
        ident = credential.get("id") if isinstance(credential, dict) else None
        print(f"\n[{problem['suite']}] {ident}: {'; '.join(map(str, problem['errors'] or []))}")
        if not args.quiet:
            print(indent("requested: " + _clip(problem.get("request"), 900), 4))
    passed = sum(s["passed"] for s in results)
    failed = sum(s["failed"] for s in results)
    print("\n== totals")
    for s in results:
        print(f"{s['suite']:32} {s['passed']:4} passed {s['failed']:4} failed "
              f"{s['pending']:4} pending")
    print(f"{'total':32} {passed:4} passed {failed:4} failed of {passed + failed}")
    late = sum(1 for item in recorder.issued if item.get("checked_at"))
    print(f"issued credentials: {len(recorder.issued)}, verified by the reference libraries: "
          f"{len(recorder.issued) - len(problems)} ({late} of them expired on request, checked "
          f"inside their validity period), not verified: {len(problems)}")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "issued": recorder.issued,
                                         "reference_failures": problems,
                                         "exchanges": recorder.exchanges}, indent=1))
    if args.keep:
        print(f"data, logs and mocha reports kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if failed == 0 and not problems and all("error" not in s for s in results) else 1


if __name__ == "__main__":
    sys.exit(main())
