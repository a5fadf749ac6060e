"""SURD on a Dask LocalCluster (two worker processes) vs. the collected table.

The table is generated partition by partition *on the workers* (each
partition from its own seed), so no process ever holds it whole except the
collected run, which builds the same partitions in one process and calls
``cl.discover.surd``. Results are checked bit-identical first; then the
time of each, the peak memory of each worker (ru_maxrss) and of the
collected process are reported. Worker memory is bounded by the partition
size, the collected run's by the table's.

Both sides run SURD as a user would, with its default permutation test (100
shuffles, seed 0): on the cluster the client draws the shuffles' tables
from the merged counts, on one machine from the collected table's counts;
the decomposition and every p-value must be identical.

Full size: 2·10^7 rows × 4 agents (+ target), 10 bins, 40 partitions of
5·10^5 rows (the issue's 10^8 rows would take this shared 2-core machine
several minutes per side; ``CAUSALOID_BENCH_ROWS=1e8`` runs it). The
per-worker peak does not depend on the row count, only on the partition
size. Quick: 2·10^5 rows, 4 partitions.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROWS, PARTS, QUICK_ROWS, QUICK_PARTS = 20_000_000, 40, 200_000, 4
#: ``CAUSALOID_BENCH_ROWS`` overrides the full size (partitions of 5·10^5 rows).
PARTITION_ROWS = 500_000
BINS, LAG, PERMUTATIONS = 10, 1, 100


def partition(seed: int, rows: int) -> object:
    """One partition of the benchmark table, the same wherever it is built."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    a = rng.random((4, rows))
    y = np.empty(rows)
    y[0] = 0.5
    y[1:] = 0.5 * a[0, :-1] + 0.3 * a[1, :-1] * a[2, :-1] + 0.2 * rng.random(rows - 1)
    return pd.DataFrame({"y": y, "a1": a[0], "a2": a[1], "a3": a[2], "a4": a[3]})


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


COLLECTED = """
import json, sys, time, resource
sys.path.insert(0, {here!r})
import pandas as pd
import causaloid as cl
from suites.distributed import partition, summary
rows, parts = {rows}, {parts}
t = time.perf_counter()
table = pd.concat([partition(s, rows // parts) for s in range(parts)], ignore_index=True)
build = time.perf_counter() - t
t = time.perf_counter()
res = cl.discover.surd(table, "y", lag={lag}, bins={bins}, permutations={permutations})
took = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"surd_s": took, "build_s": build, "peak_mb": peak,
                  "result": summary(res)}}))
"""


def summary(res: object) -> str:
    """Everything compared between the two runs: the decomposition and its tests."""
    from dataclasses import astuple

    r: Any = res
    tests = sorted((str(k), astuple(v)) for k, v in r.tests.items())
    return repr((r.to_frame().to_dict(), tests, astuple(r.mutual_info_test), r.permutations))


def run(quick: bool) -> list[dict]:
    import dask.dataframe as dd
    import distributed

    import causaloid.dask as cld

    rows, parts = (QUICK_ROWS, QUICK_PARTS) if quick else (ROWS, PARTS)
    if not quick and os.environ.get("CAUSALOID_BENCH_ROWS"):
        rows = int(float(os.environ["CAUSALOID_BENCH_ROWS"]))
        parts = max(1, rows // PARTITION_ROWS)
    benchmarks = Path(__file__).resolve().parents[1]
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            COLLECTED.format(
                here=str(benchmarks),
                rows=rows,
                parts=parts,
                lag=LAG,
                bins=BINS,
                permutations=PERMUTATIONS,
            ),
        ],
        capture_output=True,
        text=True,
        timeout=3000,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    collected = json.loads(proc.stdout.strip().splitlines()[-1])

    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)
    try:
        frame = dd.from_map(partition, list(range(parts)), rows=rows // parts)
        t = time.perf_counter()
        res = cld.surd(frame, "y", lag=LAG, bins=BINS, permutations=PERMUTATIONS)
        took = time.perf_counter() - t
        peaks = sorted(client.run(_peak_mb).values())
    finally:
        client.close()
        cluster.close()
    if summary(res) != collected["result"]:
        raise AssertionError("SURD on the cluster differs from the collected table")
    partition_mb = rows // parts * 5 * 8 / 1e6
    return [
        {
            "name": f"surd {rows:.0e} rows x4 agents, {BINS} bins: LocalCluster(2) vs collected",
            "ours_s": took,
            "peer": "collected",
            "peer_s": collected["surd_s"],
            "ratio": collected["surd_s"] / took,
            "goal": "identical result and p-values; worker peak bounded by the partition",
            "permutations": PERMUTATIONS,
            "partitions": parts,
            "partition_mb": partition_mb,
            "worker_peak_mb": peaks,
            "collected_peak_mb": collected["peak_mb"],
            "collected_build_s": collected["build_s"],
        }
    ]
