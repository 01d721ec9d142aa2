"""The parts of bench/w3c_suites.py that do not need the W3C suites themselves (CI cannot fetch
them): the TLS proxy that adds the bearer token and records what is issued, the reference check
of issued credentials, and how requests are matched to the test that made them."""

import importlib.util
import json
import shutil
import ssl
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("w3c_suites", ROOT / "bench" / "w3c_suites.py")
w3c = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(w3c)


def _post(url: str, body: dict, ca: Path) -> tuple[int, dict]:
    context = ssl.create_default_context(cafile=str(ca))
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, context=context, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def test_proxy_adds_the_token_over_tls_and_issued_credentials_are_checked(tmp_path):
    (tmp_path / "data").mkdir(mode=0o700)
    service = w3c.Service(tmp_path / "data")
    recorder = w3c.Recorder()
    ca, cert, key = w3c.make_certificates(tmp_path)
    service.start()
    proxy = None
    try:
        did = service.did()
        proxy = w3c.start_proxy(service.port, service.token, recorder, cert, key)
        base = f"https://localhost:{proxy.server_address[1]}"
        credential = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                      "type": ["VerifiableCredential"], "issuer": did,
                      "credentialSubject": {"id": "did:example:subject", "name": "Ada"}}
        # no Authorization header: the service itself refuses that, the proxy adds it
        direct = urllib.request.Request(f"{service.base}/credentials/issue", method="POST",
                                        data=json.dumps({"credential": credential}).encode(),
                                        headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(direct, timeout=60)
            raise AssertionError("the service issued without a bearer token")
        except urllib.error.HTTPError as error:
            with error:
                assert error.code == 401
        status, answer = _post(f"{base}/credentials/issue", {"credential": credential}, ca)
        assert status == 201, answer
        status, refused = _post(f"{base}/credentials/issue",
                                {"credential": {**credential, "credentialSubject": None}}, ca)
        assert 400 <= status < 500, refused
        assert [item["credential"] for item in recorder.issued] == [answer["verifiableCredential"]]
        assert [e["status"] for e in recorder.exchanges] == [201, status]

        assert w3c.check_issued(recorder.issued, service.base) == []
        tampered = json.loads(json.dumps(recorder.issued))
        tampered[0]["credential"]["credentialSubject"]["name"] = "Eve"
        problems = w3c.check_issued(tampered, service.base)
        assert len(problems) == 1 and problems[0]["errors"]
    finally:
        if proxy:
            w3c.stop_proxy(proxy)
        service.stop()


def test_requests_belong_to_the_test_running_when_they_arrive():
    events = [
        {"at": 1.0, "kind": "hook", "title": 'S "before all" hook in "S"'},
        {"at": 2.0, "kind": "test", "title": "S first", "state": "passed"},
        {"at": 2.0, "kind": "hook", "title": 'S "before each" hook: meta for "first"'},
        {"at": 3.0, "kind": "test", "title": "S second", "state": "failed"},
        {"at": 3.0, "kind": "hook", "title": 'S "before each" hook: meta for "second"'},
        {"at": 4.0, "kind": "test", "title": "T other", "state": "failed"},
    ]
    exchanges = [{"at": 1.5, "path": "/issue-in-hook", "status": 201},
                 {"at": 2.5, "path": "/first", "status": 201},
                 {"at": 4.5, "path": "/other", "status": 422}]
    runs = {run["title"]: run for run in w3c.attribute(events, exchanges)}
    assert [e["path"] for e in runs["S first"]["exchanges"]] == ["/first"]
    # a test without requests of its own shows what its describe block's "before all" did
    assert [e["path"] for e in runs["S second"]["exchanges"]] == ["/issue-in-hook"]
    assert runs["S second"]["exchanges"][0]["from hook"]
    assert [e["path"] for e in runs["T other"]["exchanges"]] == ["/other"]


def test_expired_test_credentials_are_checked_inside_their_validity_period():
    assert w3c.inside_validity({"validFrom": "2023-02-26T01:19:19Z",
                                "validUntil": "2023-02-26T01:19:21Z"}) == "2023-02-26T01:19:20.000Z"
    assert w3c.inside_validity({"validUntil": "2023-02-25T19:21:29-06:00"}) \
        == "2023-02-26T01:21:28.000Z"
    assert w3c.inside_validity({"issuer": "did:example:x"}) is None


def test_git_dependencies_are_pointed_at_the_sibling_checkouts(tmp_path):
    for name in ("vc-api-issuer-test-suite", "vc-test-suite-implementations"):
        (tmp_path / name).mkdir()
    package = {"dependencies": {"vc-test-suite-implementations":
                                "github:w3c-ccg/vc-test-suite-implementations",
                                "chai": "^4.3.7"}}
    (tmp_path / "vc-api-issuer-test-suite" / "package.json").write_text(json.dumps(package))
    w3c.link_git_dependencies(tmp_path)
    linked = json.loads((tmp_path / "vc-api-issuer-test-suite" / "package.json").read_text())
    assert linked["dependencies"] == {"vc-test-suite-implementations":
                                      "file:../vc-test-suite-implementations",
                                      "chai": "^4.3.7"}
    shutil.rmtree(tmp_path / "vc-test-suite-implementations")
    (tmp_path / "vc-api-issuer-test-suite" / "package.json").write_text(json.dumps(package))
    try:
        w3c.link_git_dependencies(tmp_path)
    except SystemExit as stop:
        assert "vc-test-suite-implementations" in str(stop)
    else:
        raise AssertionError("a missing checkout went unnoticed")
