"""The RCA benchmark suite runs end to end in quick mode and ranks the known
roots: causaloid's Avg@3 is at least every simple peer's on the same cases."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_rca_benchmark_quick_compares_every_method_on_the_same_cases(tmp_path: Path) -> None:
    out = tmp_path / "rca.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "rca", "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = json.loads(out.read_text())["results"]
    peers = {r["peer"] for r in rows}
    assert {"BARO", "N-sigma"} <= peers
    for row in rows:
        assert len(row["ours_ranks"]) == len(row["peer_ranks"])
        assert row["ours_avg"][1] >= row["peer_avg"][1]
    sock = [r for r in rows if r["name"].startswith("rca sock shop")]
    # The injected carts_cpu ranks first in both Sock Shop runs.
    assert sock and sock[0]["ours_ranks"] == [1, 1]


def test_synthetic_cases_have_a_known_root_among_the_columns_and_a_dag() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from suites import rca

    for topology in rca.TOPOLOGIES:
        for fault in rca.FAULTS:
            case = rca.synthetic_case(topology, fault, 7)
            assert case["root"] in case["normal"]
            assert set(case["normal"]) == set(case["anomalous"]) == set(case["parents"])
            assert all(p in case["normal"] for ps in case["parents"].values() for p in ps)
    a, b = rca.synthetic_case("random", "cpu", 3), rca.synthetic_case("random", "cpu", 3)
    assert all((a["normal"][c] == b["normal"][c]).all() for c in a["normal"])
    assert rca.avg_at([1, 2, 10], 3) == (1 + 2 / 3 + 0) / 3
