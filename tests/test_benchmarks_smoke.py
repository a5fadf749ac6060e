"""Smoke test of the graph benchmark: `benchmarks/run.py graph --quick` runs end to end and
writes comparison rows. It checks structure and agreement only, never a speed (ratios are
for the benchmark report, not for tests)."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("pandas")


def test_graph_benchmark_quick_writes_ratio_rows(tmp_path: Path) -> None:
    out = tmp_path / "graph.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "graph",
            "--quick",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = json.loads(out.read_text())["results"]
    assert all(r["suite"] == "graph" for r in rows)

    single = [r for r in rows if r["name"].startswith("evaluate 1 obs")]
    assert {r["nodes"] for r in single} == {10, 100}
    assert {r["name"].split(", ")[1].split(" of ")[0] for r in single} == {"chain", "random DAG"}
    for r in single:
        assert r["ours_s"] > 0 and r["ours_ns_per_node"] > 0
        if shutil.which("cargo") is None and r["ratio"] is None:
            assert "cargo" in r["note"]  # the peer rows are skipped with a note
            continue
        assert r["peer"] == "deep_causality"
        assert math.isfinite(r["ratio"]) and r["ratio"] > 0
        # The two engines must have reached the same verdicts on every input.
        assert r["verdicts_agree"] or r["ratio_is_lower_bound"]

    batch_rows = [r for r in rows if r["name"].startswith("evaluate_batch")]
    batch = {r["peer"]: r for r in batch_rows}
    assert set(batch) == {
        "numpy (one thread)",
        "pandas apply(axis=1)",
        "polars lazy (one with_columns per level)",
    }
    # polars and NumPy are compared at 1 and at 2 engine threads.
    for peer in ("numpy (one thread)", "polars lazy (one with_columns per level)"):
        assert sorted(r["threads"] for r in batch_rows if r["peer"] == peer) == [1, 2]
    for r in batch_rows:
        assert r["rows"] == 10_000 and r["nodes"] == 100
        assert r["verdicts_agree"] is True
        assert 0.0 < r["true_share"] < 1.0  # the workload decides both ways
        assert r["ratio"] > 0 and r["ours_rows_per_s"] > 0 and r["peer_rows_per_s"] > 0
        assert r["ours_gb_per_s"] > 0
    assert "scaled per row" in batch["pandas apply(axis=1)"]["note"]


@pytest.mark.parametrize("suite", ["context", "csm"])
def test_other_suites_run_quick_end_to_end(suite: str, tmp_path: Path) -> None:
    # Each suite checks ours equals its peer before timing; a suite that
    # breaks (a changed default, a renamed argument) fails here, not at the
    # next benchmark run.
    out = tmp_path / f"{suite}.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), suite, "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = json.loads(out.read_text())["results"]
    assert rows and all(r["suite"] == suite for r in rows)
    assert all(r["ours_s"] > 0 for r in rows)
