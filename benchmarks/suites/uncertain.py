"""Uncertain values: the expected value of a 20-node expression graph (vs. the
same Monte Carlo by hand in NumPy, and vs. deep_causality_uncertain natively),
and SPRT decisions on a clear and a borderline case (vs. its ``to_bool``)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np

import causaloid as cl
from suites._timing import best_of, comparison

PEER = Path(__file__).resolve().parent.parent / "peer"
U = cl.Uncertain


def graph() -> cl.Uncertain:
    """20 nodes: 5 distributions, arithmetic, a comparison and a select
    (the peer builds the same graph in ``benchmarks/peer/src/uncertain.rs``)."""
    a, b = U.normal(10.0, 2.0), U.normal(5.0, 1.0)
    c, d, e = U.uniform(0.0, 1.0), U.uniform(1.0, 3.0), U.normal(0.0, 0.5)
    t8 = (a + b) * c / (d + c) + (a * d - b) + e
    r = t8 + (t8 > 24.0).where(2.0, 0.0)
    return r - c


def numpy_graph(n: int, seed: int) -> float:
    """The same Monte Carlo, written by hand with NumPy arrays."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(10.0, 2.0, n), rng.normal(5.0, 1.0, n)
    c, d, e = rng.uniform(0.0, 1.0, n), rng.uniform(1.0, 3.0, n), rng.normal(0.0, 0.5, n)
    t8 = (a + b) * c / (d + c) + (a * d - b) + e
    r = t8 + np.where(t8 > 24.0, 2.0, 0.0)
    return float((r - c).mean())


def peer_binary() -> Path | None:
    """Builds the Rust peer once (cargo, release); None when that is impossible."""
    if shutil.which("cargo") is None:
        return None
    build = subprocess.run(
        ["cargo", "build", "--release", "--quiet", "--manifest-path", str(PEER / "Cargo.toml")],
        capture_output=True,
        text=True,
    )
    binary = PEER / "target" / "release" / "causaloid-peer"
    return binary if build.returncode == 0 and binary.exists() else None


def peer(binary: Path, *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [str(binary), "uncertain", *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


CASES = {
    # P(N(70, 3) > 60) ≈ 0.9996 against 0.9: decided in a few dozen samples
    "clear": (lambda: U.normal(70.0, 3.0) > 60.0, 0.9),
    # P(N(60.8, 3) > 60) ≈ 0.605 against 0.6: inside the indifference region
    "borderline": (lambda: U.normal(60.8, 3.0) > 60.0, 0.6),
}


def run(quick: bool) -> list[dict]:
    n = 20_000 if quick else 1_000_000
    repeat = 2 if quick else 5
    u = graph()
    assert u.node_count == 20, u.node_count
    ours = best_of(lambda: u.expected_value(n, seed=1), repeat=repeat)
    ours_mean = u.expected_value(n, seed=1)
    numpy_s = best_of(lambda: numpy_graph(n, 1), repeat=repeat)
    rows = [
        comparison(
            f"expected value, 20-node graph, {n} samples",
            ours,
            "numpy (by hand)",
            numpy_s,
            goal=">= 3x",
            samples_per_s=n / ours,
            mean=ours_mean,
            numpy_mean=numpy_graph(n, 1),
        )
    ]
    binary = peer_binary()
    if binary is not None:
        result = peer(binary, "ev", "--samples", str(n), "--repeat", str(min(repeat, 3)))
        rows.append(
            comparison(
                f"expected value, 20-node graph, {n} samples",
                ours,
                "deep_causality_uncertain 0.5.0 (native)",
                result["seconds"],
                goal="faster, from Python",
                mean=ours_mean,
                peer_mean=result["mean"],
            )
        )
    runs = 20 if quick else 200
    for case, (build, threshold) in CASES.items():
        b = build()
        b.probability_exceeds(threshold, seed=0)  # warm up (first use of the thread pool)
        start = time.perf_counter()
        decisions = [b.probability_exceeds(threshold, seed=s) for s in range(runs)]
        ours_s = (time.perf_counter() - start) / runs  # mean over seeds, as the peer's
        drawn = float(np.mean([d.samples for d in decisions]))
        if binary is None:
            continue
        result = peer(binary, "sprt", "--case", case, "--repeat", str(runs))
        rows.append(
            comparison(
                f"SPRT decision, {case} case",
                ours_s,
                "deep_causality_uncertain to_bool",
                result["seconds"],
                goal="report time and samples",
                ours_samples_mean=drawn,
                ours_yes=sum(bool(d) for d in decisions),
                peer_samples_mean=result["samples"],
                peer_yes=result["yes"],
                runs=runs,
            )
        )
    return rows
