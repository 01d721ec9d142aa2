"""The benchmark script runs end to end (numbers are printed by it, never asserted here)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_sign_verify_benchmark_reports_every_figure():
    completed = subprocess.run([sys.executable, str(ROOT / "bench" / "sign_verify.py"),
                                "--seconds", "0.3", "--json"],
                               capture_output=True, text=True, timeout=300, check=True)
    report = json.loads(completed.stdout)
    assert 50 <= report["document_nquads"] <= 60
    for name in ("ours", "stock_pyld", "js_reference"):
        assert report[name]["sign_per_s"] > 0 and report[name]["verify_per_s"] > 0
    assert set(report["sign_ms_by_alignments"]) == {"1", "10", "100"}
