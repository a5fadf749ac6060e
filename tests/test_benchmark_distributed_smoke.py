"""Smoke test of the distributed benchmark: `benchmarks/run.py distributed --quick`
(SURD on a LocalCluster of two worker processes against the collected table, which the
suite checks identical first) runs end to end and reports each worker's peak memory.
Structure and agreement only, never a speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("distributed", reason="the dask extra is not installed")


def test_distributed_benchmark_quick_checks_the_result_and_reports_worker_peaks(
    tmp_path: Path,
) -> None:
    out = tmp_path / "distributed.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "distributed", "--quick"]
        + ["--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    (row,) = json.loads(out.read_text())["results"]
    assert row["peer"] == "collected" and row["partitions"] == 4
    assert len(row["worker_peak_mb"]) == 2
    assert all(peak > 0 for peak in row["worker_peak_mb"])
    assert row["collected_peak_mb"] > 0
    assert row["permutations"] == 100  # the p-values were compared too
