"""Signs/s and verifies/s per core: our core, stock pyld and the JavaScript reference, one run.

Usage: python bench/sign_verify.py [--seconds S] [--json]

The same typical badge (about 55 N-Quads) is signed with eddsa-rdfc-2022 and verified by
(1) issuer.credentials with the memoised canonicalizer, (2) the same proof code on stock pyld,
(3) @digitalcredentials/vc + eddsa-rdfc-2022-cryptosuite in Node (bench/js_bench.mjs, the
packages of the interop tests). Each runs in one process, so the figures are per core. Then
the time per credential at 1, 10 and 100 alignments.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from issuer.credentials import documents, keys, proof, status  # noqa: E402
from issuer.credentials.canonical import RDFC, Canonicalizer, stock_canonize  # noqa: E402
from issuer.credentials.loader import DocumentLoader  # noqa: E402
from issuer.credentials.schema import SchemaRegistry  # noqa: E402
from issuer.credentials.verify import KeyInfo, Verifier  # noqa: E402

SEED = bytes(range(32))
CREATED = "2026-01-01T00:00:00Z"


class StockCanonicalizer:
    """Stock pyld behind the Canonicalizer interface the proof code uses."""

    def __init__(self, loader: DocumentLoader):
        self.loader = loader

    def canonize(self, document: dict, escaping: str = RDFC) -> str:
        if escaping != RDFC:
            raise ValueError("the stock comparison covers RDFC-1.0 only")
        return stock_canonize(document, self.loader)


def typical_badge(alignments: int = 2) -> dict:
    """A community badge as the service issues it: issuer profile, status, schema, evidence."""
    base = "https://recognition.example.org"
    achievement = documents.achievement(
        f"{base}/achievements/facilitator", "Community facilitator",
        "Hosts the community's monthly calls and keeps the notes.",
        documents.criteria("Host at least ten community calls and publish their notes.",
                           id=f"{base}/achievements/facilitator#criteria"),
        achievement_type="ext:Contribution",
        image=documents.image(f"{base}/images/facilitator.png", "A microphone on a green badge"),
        tags=["facilitation", "community"],
        alignments=[documents.alignment(f"Facilitation skill {i}", f"{base}/framework/{i}",
                                        target_framework="Community skills")
                    for i in range(alignments)])
    issuer = documents.profile(keys.did_key(_key().public_key()), name="Open Source Mentors",
                               url=f"{base}/communities/mentors",
                               description="A community of practice for mentors of newcomers.")
    return documents.open_badge_credential(
        f"{base}/credentials/3f1b1a52-5d7a-4d61-9a0e-7f1d2c9b7e11", issuer,
        "did:example:ada", achievement, valid_from=datetime(2026, 1, 1, tzinfo=timezone.utc),
        description="Recognised by the community's leaders for facilitation.",
        awarded_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
        image=documents.image(f"{base}/images/facilitator-awarded.png", "The facilitator badge"),
        narrative="Ran the calls from March to December.",
        evidence=[documents.evidence(id=f"{base}/notes/2026", name="Call notes"),
                  documents.evidence(id=f"{base}/recordings/2026", name="Recordings",
                                     description="Recordings of the calls.", genre="Video")],
        status=status.status_entry(f"{base}/credentials/status/1", 94567))


def _key():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(SEED)


def rate(function, seconds: float) -> tuple[float, int]:
    """Calls per second of ``function`` over about ``seconds``, after a short warm-up."""
    for _ in range(3):
        function()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        function()
        count += 1
    return count / (time.perf_counter() - start), count


def python_rates(document: dict, canonicalizer, seconds: float) -> dict:
    private_key = _key()
    vm = keys.did_key_vm_id(keys.did_key(private_key.public_key()))
    options = dict(verification_method=vm, canonicalizer=canonicalizer, created=CREATED)
    signed = proof.add_proof(document, private_key, **options)
    sign_rate, _ = rate(lambda: proof.add_proof(document, private_key, **options), seconds)
    verify_rate, _ = rate(lambda: proof.verify_document_proof(  # key resolved from the did:key
        signed, signed["proof"], keys.public_key_from_did_key(signed["proof"]["verificationMethod"]),
        canonicalizer=canonicalizer), seconds)
    return {"sign_per_s": sign_rate, "verify_per_s": verify_rate}


def full_verify_rate(document: dict, canonicalizer, seconds: float) -> float:
    """Our whole verify(): structure, 1EdTech JSON Schema, proof, issuer binding, dates."""
    private_key = _key()
    vm = keys.did_key_vm_id(keys.did_key(private_key.public_key()))
    unchecked = {k: v for k, v in document.items() if k != "credentialStatus"}  # no list to fetch
    signed = proof.add_proof(unchecked, private_key, verification_method=vm,
                             canonicalizer=canonicalizer, created=CREATED)

    def resolve(vm_id):
        return KeyInfo(vm_id, keys.public_key_from_did_key(vm_id), vm_id.split("#")[0],
                       frozenset({"assertionMethod"}))

    verifier = Verifier(canonicalizer, resolve, lambda url: {}, SchemaRegistry())
    if not verifier.verify(signed).verified:
        raise SystemExit("the benchmark credential does not verify")
    per_s, _ = rate(lambda: verifier.verify(signed), seconds)
    return per_s


def js_rates(document: dict, seconds: float) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(document, fh)
    completed = subprocess.run(["node", str(ROOT / "bench" / "js_bench.mjs"), fh.name, SEED.hex(),
                                str(seconds)], capture_output=True, text=True, check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def per_credential_ms(canonicalizer, count: int, seconds: float) -> float:
    document = typical_badge(count)
    private_key = _key()
    vm = keys.did_key_vm_id(keys.did_key(private_key.public_key()))
    per_s, _ = rate(lambda: proof.add_proof(document, private_key, verification_method=vm,
                                            canonicalizer=canonicalizer, created=CREATED), seconds)
    return 1000 / per_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    loader = DocumentLoader()
    ours_canon, stock_canon = Canonicalizer(loader), StockCanonicalizer(loader)
    document = typical_badge()
    quads = ours_canon.canonize(document).count("\n")
    ours = python_rates(document, ours_canon, args.seconds)
    stock = python_rates(document, stock_canon, args.seconds)
    js = js_rates(document, args.seconds)
    ours["full_verify_per_s"] = full_verify_rate(document, ours_canon, args.seconds)
    report = {
        "document_nquads": quads, "ours": ours, "stock_pyld": stock, "js_reference": js,
        "ratio_ours_to_js": {k: ours[k] / js[k] for k in ("sign_per_s", "verify_per_s")},
        "ratio_ours_to_stock": {k: ours[k] / stock[k] for k in ("sign_per_s", "verify_per_s")},
        "sign_ms_by_alignments": {n: per_credential_ms(ours_canon, n, args.seconds / 3)
                                  for n in (1, 10, 100)},
        "stock_sign_ms_by_alignments": {n: per_credential_ms(stock_canon, n, args.seconds / 3)
                                        for n in (1, 10, 100)},
    }
    if args.json:
        print(json.dumps(report))
        return
    print(f"typical badge: {quads} N-Quads; eddsa-rdfc-2022; one process each")
    print(f"{'':14}{'signs/s':>10}{'verifies/s':>12}")
    for name, figures in (("ours", ours), ("stock pyld", stock), ("JS reference", js)):
        print(f"{name:14}{figures['sign_per_s']:>10.0f}{figures['verify_per_s']:>12.0f}")
    print(f"ours, whole verify() (structure, JSON Schema, proof, issuer, dates): "
          f"{ours['full_verify_per_s']:.0f}/s")
    for name in ("ratio_ours_to_js", "ratio_ours_to_stock"):
        r = report[name]
        print(f"{name:22} sign {r['sign_per_s']:.2f}x  verify {r['verify_per_s']:.2f}x")
    for n in (1, 10, 100):
        print(f"sign with {n:>3} alignments: ours {report['sign_ms_by_alignments'][n]:.2f} ms, "
              f"stock {report['stock_sign_ms_by_alignments'][n]:.2f} ms")


if __name__ == "__main__":
    main()
