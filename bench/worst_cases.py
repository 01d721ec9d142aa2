"""CPU time of the costliest documents we could build, posted to every endpoint that takes one.

Usage: python bench/worst_cases.py [--only NAME] [--quick] [--json]

Each case is a document under the 1 MB body limit, built to make JSON-LD processing expensive:
wide arrays, many nodes, nesting at the depth limit, blank-node rings, cliques and stars, many
typed nodes, inline contexts, big strings, many proofs, endorsements and status entries,
presentations and CLRs with hundreds of signed credentials. Every case goes to
/credentials/verify, /presentations/verify (inside a presentation), /verify (pasted, uploaded
and fetched by URL), /api/v1/verify and /credentials/issue (unsigned), through the Flask test
client of a real app on a temporary SQLite database. For each request it prints the CPU time
of this process (time.process_time, which includes the server handling the fetch) and the HTTP
status; then the largest. The service's target is that no request costs more than 1 s of CPU.
``--quick`` shrinks every case tenfold (used by the test suite to prove the script runs).
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from issuer import create_app, storage  # noqa: E402
from issuer.credentials import documents, keys, proof  # noqa: E402
from issuer.services import people, tokens  # noqa: E402
from sign_verify import CREATED, _key, typical_badge  # noqa: E402

VC2 = "https://www.w3.org/ns/credentials/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR2 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
EX = "https://example.org/"
BODY_LIMIT = 1_000_000
API_TOKEN = "bench-token-0123456789"


def base_credential(proof_: dict, subject: dict | None = None) -> dict:
    """A VC 2.0 credential whose subject carries the attack, with a proof by a did:key (its
    signature does not match, but a verifier canonicalizes the document before it can tell)."""
    return {"@context": [VC2], "id": EX + "credentials/1", "type": ["VerifiableCredential"],
            "issuer": proof_["verificationMethod"].split("#")[0], "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:ada", **(subject or {})}, "proof": proof_}


def signed_badge(canonicalizer, index: int = 0, status: bool = False) -> dict:
    """The typical badge of sign_verify.py, signed with a did:key (no status list to fetch)."""
    document = typical_badge()
    document["id"] += f"-{index}"
    if not status:
        document.pop("credentialStatus")
    private_key = _key()
    vm = keys.did_key_vm_id(keys.did_key(private_key.public_key()))
    return proof.add_proof(document, private_key, verification_method=vm,
                           canonicalizer=canonicalizer, created=CREATED)


def signed_endorsement(canonicalizer, index: int, subject_id: str) -> dict:
    """An EndorsementCredential about ``subject_id``, signed with the same did:key."""
    private_key = _key()
    did = keys.did_key(private_key.public_key())
    document = documents.endorsement_credential(
        f"{EX}endorsements/{index}", documents.profile(did, name="Endorser"), subject_id,
        valid_from=datetime(2026, 1, 1, tzinfo=timezone.utc), name=f"Endorsement {index}",
        endorsement_comment="Runs the calls well, and the notes are a model of clarity.")
    return proof.add_proof(document, private_key, verification_method=keys.did_key_vm_id(did),
                           canonicalizer=canonicalizer, created=CREATED)


def _ring(size: int) -> dict:
    """Blank nodes in one ring, split over arrays that stay under the per-array limit."""
    nodes = [{"@id": f"_:r{i}", EX + "next": {"@id": f"_:r{(i + 1) % size}"}} for i in range(size)]
    return {f"{EX}ring{k}": nodes[k:k + 1000] for k in range(0, size, 1000)}


def _clique(size: int) -> dict:
    nodes = [{"@id": f"_:c{i}", EX + "knows": [{"@id": f"_:c{j}"} for j in range(size) if j != i]}
             for i in range(size)]
    return {EX + "clique": nodes}


def _nested(depth: int, leaf) -> object:
    value = leaf
    for level in range(depth):
        value = {EX + f"d{level % 3}": value}
    return value


def cases(canonicalizer, scale: float) -> dict[str, dict]:
    """Name → credential (verified as is; sent to /credentials/issue without proof)."""
    def n(count: int) -> int:
        return max(2, int(count * scale))

    badge = signed_badge(canonicalizer)

    def base(subject: dict) -> dict:
        return base_credential(badge["proof"], subject)
    many = [signed_badge(canonicalizer, i) for i in range(n(300))]
    big_badge = typical_badge(alignments=n(900))
    big_badge.pop("credentialStatus")
    big_badge["proof"] = badge["proof"]
    typed = typical_badge()
    typed.pop("credentialStatus")
    typed["proof"] = badge["proof"]
    achievement = typed["credentialSubject"]["achievement"]
    achievement["alignment"] = [{"type": ["Alignment"], "targetName": f"t{i}",
                                 "targetUrl": f"{EX}t/{i}", "targetType": "ext:Skill"}
                                for i in range(n(1000))]
    typed["evidence"] = [{"type": ["Evidence"], "id": f"{EX}e/{i}", "name": f"e{i}"}
                         for i in range(n(1000))]
    typed["credentialSubject"]["result"] = [{"type": ["Result"], "value": str(i)}
                                            for i in range(n(1000))]
    proofs = copy.deepcopy(badge)
    proofs["proof"] = [badge["proof"]] * n(1000)
    endorsed = copy.deepcopy(badge)
    endorsed["endorsement"] = [signed_endorsement(canonicalizer, i, badge["id"]) for i in range(n(600))]
    statuses = base({})
    statuses["credentialStatus"] = [
        {"id": f"http://127.0.0.1:5000/credentials/status/1#{i}", "type": "BitstringStatusListEntry",
         "statusPurpose": "revocation", "statusListIndex": str(i),
         "statusListCredential": "http://127.0.0.1:5000/credentials/status/1"}
        for i in range(n(1000))]
    inline = [{"@context": {f"t{k}": f"{EX}t{i}/{k}" for k in range(40)},
               "@id": f"{EX}node/{i}", f"t{i % 40}": "x"} for i in range(n(600))]
    return {
        "wide array, 8,001 values (the report)": base(
            {EX + "v": [str(i) for i in range(n(8001))]}),
        "95 arrays of 1,000 values (at both limits)": base(
            {f"{EX}v{k}": [str(i) for i in range(n(1000))] for k in range(95)}),
        "one array of 1,000 equal values": base({EX + "v": ["same"] * n(1000)}),
        "28 arrays of 1,000 blank nodes": base(
            {f"{EX}n{k}": [{EX + "p": str(i)} for i in range(n(1000))] for k in range(28)}),
        "1,000 empty blank nodes, twice (identical hashes)": base(
            {EX + "a": [{EX + "s": [{} for _ in range(n(1000))]}, {EX + "s": [{} for _ in range(n(1000))]}]}),
        "580 chains nested 62 deep": base(
            {EX + f"deep{k}": [_nested(60, str(i)) for i in range(n(290))] for k in range(2)}),
        "blank-node ring of 2,000": base(_ring(n(2000))),
        "blank-node ring of 10,000": base(_ring(n(10000))),
        "blank-node clique of 8": base(_clique(8)),
        "blank-node clique of 44": base(_clique(n(44))),
        "3,000 typed nodes (type-scoped contexts)": typed,
        "600 nodes with inline contexts of 40 terms": base({EX + "ctx": inline}),
        "one string of 490,000 characters": base({EX + "s": "x" * n(490_000)}),
        "1,000 strings of 900 characters": base({EX + "s": ["y" * 900] * n(1000)}),
        "alignments, 900 (OB badge)": big_badge,
        "1,000 proofs on one credential": proofs,
        "600 signed endorsements embedded": endorsed,
        "1,000 status entries on one list": statuses,
        "CLR of 300 signed credentials": {
            "@context": [VC2, CLR2, OB3], "id": EX + "clr/1",
            "type": ["VerifiableCredential", "ClrCredential"], "name": "CLR", "issuer": {"id": badge["issuer"]["id"], "type": ["Profile"], "name": "Issuer"},
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:ada", "type": ["ClrSubject"],
                                  "verifiableCredential": many},
            "proof": badge["proof"]},
        "presentation of 300 signed credentials": {
            "@context": [VC2], "type": ["VerifiablePresentation"], "verifiableCredential": many},
    }


def _unsigned(document: dict, issuer: str) -> dict:
    """What a client would send to /credentials/issue: no proof, status or id; this service's issuer."""
    kept = {k: v for k, v in document.items() if k not in ("proof", "credentialStatus", "issuer", "id")}
    return {**kept, "issuer": issuer}


class _Documents(BaseHTTPRequestHandler):
    """Serves the current document for the fetched-URL case."""

    body = b"{}"

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def make_app(data_dir: str):
    app = create_app({"TESTING": True, "ISSUER_DATA_DIR": data_dir, "ISSUER_API_TOKEN": API_TOKEN,
                      "WTF_CSRF_ENABLED": False, "ISSUER_FETCH_ALLOW_PRIVATE": True,
                      "ISSUER_BASE_URL": "http://127.0.0.1:5000"})
    with app.app_context():
        session = storage.get_session()
        user = people.create_user(session, app.extensions["issuer.platform"], handle="bench",
                                  email="bench@example.org", display_name="Bench",
                                  password="correct horse battery")
        _, user_token = tokens.create_token(session, user, "bench")
        session.commit()
    return app, user_token


def requests_for(name: str, document: dict, user_token: str, server_url: str, issuer: str):
    """(endpoint label, callable(client) → response) for every entry that takes a document."""
    text = json.dumps(document)
    is_presentation = "VerifiablePresentation" in document.get("type", [])
    bearer = {"Authorization": f"Bearer {API_TOKEN}"}
    user = {"Authorization": f"Bearer {user_token}"}
    html = {"Accept": "text/html"}
    vp = document if is_presentation else {"@context": [VC2], "type": ["VerifiablePresentation"],
                                           "verifiableCredential": [document]}
    yield "POST /presentations/verify", lambda c: c.post(
        "/presentations/verify", json={"verifiablePresentation": vp})
    if is_presentation:
        return
    yield "POST /credentials/verify", lambda c: c.post(
        "/credentials/verify", json={"verifiableCredential": document})
    yield "POST /verify (pasted)", lambda c: c.post("/verify", data={"credential": text}, headers=html)
    yield "POST /verify (upload)", lambda c: c.post(
        "/verify", data={"upload": (io.BytesIO(text.encode()), "credential.json")}, headers=html,
        content_type="multipart/form-data")
    yield "POST /verify (URL)", lambda c: c.post("/verify", data={"url": server_url}, headers=html)
    yield "POST /api/v1/verify", lambda c: c.post("/api/v1/verify", json={"credential": document},
                                                  headers=user)
    yield "POST /credentials/issue", lambda c: c.post(
        "/credentials/issue", json={"credential": _unsigned(document, issuer)}, headers=bearer)


def run(only: str | None, scale: float) -> list[dict]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Documents)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server_url = f"http://127.0.0.1:{server.server_address[1]}/credential.json"
    rows = []
    with tempfile.TemporaryDirectory() as data_dir:
        app, user_token = make_app(data_dir)
        client = app.test_client()
        issuer = client.get("/issuer").get_json()["id"]
        client.post("/credentials/issue", headers={"Authorization": f"Bearer {API_TOKEN}"},
                    json={"credential": {"@context": [VC2], "type": ["VerifiableCredential"],
                                         "issuer": issuer,
                                         "credentialSubject": {"id": "did:example:ada"}}})  # list 1
        canonicalizer = app.extensions["issuer.platform"].canonicalizer
        for name, document in cases(canonicalizer, scale).items():
            if only and only.lower() not in name.lower():
                continue
            _Documents.body = json.dumps(document).encode()
            size = len(_Documents.body)
            for endpoint, send in requests_for(name, document, user_token, server_url, issuer):
                start = time.process_time()
                response = send(client)
                cpu = time.process_time() - start
                rows.append({"case": name, "endpoint": endpoint, "bytes": size,
                             "status": response.status_code, "cpu_s": round(cpu, 4),
                             "over_body_limit": size > BODY_LIMIT})
    server.shutdown()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="run the cases whose name contains this")
    parser.add_argument("--quick", action="store_true", help="every case ten times smaller")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    rows = run(args.only, 0.1 if args.quick else 1.0)
    worst = max(rows, key=lambda row: row["cpu_s"])
    if args.json:
        print(json.dumps({"rows": rows, "max_cpu_s": worst["cpu_s"], "worst": worst}))
        return
    print(f"{'case':48} {'endpoint':28} {'bytes':>9} {'status':>6} {'CPU s':>7}")
    for row in rows:
        flag = "  (over the body limit)" if row["over_body_limit"] else ""
        print(f"{row['case'][:48]:48} {row['endpoint']:28} {row['bytes']:>9} {row['status']:>6} "
              f"{row['cpu_s']:>7.3f}{flag}")
    print(f"max CPU: {worst['cpu_s']:.3f} s ({worst['case']}, {worst['endpoint']})")


if __name__ == "__main__":
    main()
