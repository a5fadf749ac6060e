"""Smoke test of the structure-learning benchmark: `benchmarks/run.py pc --quick`
checks the learned graphs (PC and GES) equal causal-learn's, then writes comparison rows with
the SHD to the true graph. Structure and agreement only, never a speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("causallearn")


def test_pc_benchmark_quick_checks_agreement_and_writes_a_ratio_row(tmp_path: Path) -> None:
    out = tmp_path / "pc.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "pc", "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    pc_row, ges_row = json.loads(out.read_text())["results"]
    for row in (pc_row, ges_row):
        assert row["suite"] == "pc" and row["peer"] == "causal-learn"
        assert row["ratio"] > 0 and row["shd_to_truth"] >= 0
    assert pc_row["name"].startswith("pc ") and pc_row["tests"] > 0
    assert ges_row["name"].startswith("ges ")
