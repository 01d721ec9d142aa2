"""The benchmark script runs end to end (numbers are printed by it, never asserted here)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.interop  # runs the JavaScript reference in Node.js (tests/interop/node_modules)
def test_sign_verify_benchmark_reports_every_figure():
    completed = subprocess.run([sys.executable, str(ROOT / "bench" / "sign_verify.py"),
                                "--seconds", "0.3", "--json"],
                               capture_output=True, text=True, timeout=300, check=True)
    report = json.loads(completed.stdout)
    assert 50 <= report["document_nquads"] <= 60
    for name in ("ours", "stock_pyld", "js_reference"):
        assert report[name]["sign_per_s"] > 0 and report[name]["verify_per_s"] > 0
    assert set(report["sign_ms_by_alignments"]) == {"1", "10", "100"}


def test_worst_cases_benchmark_posts_every_case_to_every_entry():
    completed = subprocess.run([sys.executable, str(ROOT / "bench" / "worst_cases.py"), "--quick",
                                "--json"], capture_output=True, text=True, timeout=600, check=True)
    report = json.loads(completed.stdout)
    endpoints = {row["endpoint"] for row in report["rows"]}
    assert endpoints == {"POST /credentials/verify", "POST /presentations/verify",
                         "POST /verify (pasted)", "POST /verify (upload)", "POST /verify (URL)",
                         "POST /api/v1/verify", "POST /credentials/issue"}
    assert len({row["case"] for row in report["rows"]}) >= 20
    assert all(row["status"] < 500 for row in report["rows"]), report["rows"]
    issued = [row["status"] for row in report["rows"] if row["endpoint"] == "POST /credentials/issue"]
    assert issued.count(201) >= 10, issued  # most cases are signed, not refused before any work
    assert report["max_cpu_s"] == max(row["cpu_s"] for row in report["rows"])
