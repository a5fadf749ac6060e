"""Smoke test of the scm benchmark: `benchmarks/run.py scm --quick` runs end to end, checks
its answers against DoWhy gcm before timing, and writes comparison rows (no speed asserted)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_scm_benchmark_quick_agrees_with_dowhy_and_writes_ratio_rows(tmp_path: Path) -> None:
    pytest.importorskip("dowhy.gcm")
    out = tmp_path / "scm.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "scm", "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = json.loads(out.read_text())["results"]
    assert [r["name"].split(",")[0] for r in rows] == ["counterfactual", "interventional samples"]
    assert rows[0]["max_abs_difference"] < 1e-9
    for r in rows:
        assert r["peer"].startswith("dowhy.gcm") and math.isfinite(r["ratio"]) and r["ratio"] > 0
