"""Structural causal models: counterfactuals for 10^5 observed rows and 10^6
interventional samples on a 50-node nonlinear additive-noise model, against
DoWhy gcm on the very same model (same equations, same empirical noise fitted
from the same data). Results are checked equal before anything is timed."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

import causaloid as cl
from causaloid import expr as E
from causaloid.scm import Normal
from suites._timing import best_of, comparison

NODES = 50


def soft_square(x: Any) -> Any:
    """``x·|x| / (1 + |x|)``: works on NumPy arrays and on ``cl.expr`` expressions."""
    return x * abs(x) / (1.0 + abs(x))


def structure(seed: int = 0) -> dict[str, list[tuple[str, float]]]:
    """A random DAG in which each variable has up to 3 earlier parents, with
    coefficients small enough that values stay of order 1."""
    rng = np.random.default_rng(seed)
    names = [f"v{i:02d}" for i in range(NODES)]
    parents: dict[str, list[tuple[str, float]]] = {names[0]: []}
    for i in range(1, NODES):
        k = int(rng.integers(1, min(i, 3) + 1))
        chosen = sorted(rng.choice(i, size=k, replace=False))
        parents[names[i]] = [
            (names[j], float(rng.choice([-1, 1]) * rng.uniform(0.3, 0.8) / k)) for j in chosen
        ]
    return parents


def ours(parents: dict[str, list[tuple[str, float]]]) -> cl.SCM:
    equations: dict[str, Any] = {}
    for v, ps in parents.items():
        e: E.Expr = E.lit(0.0)
        for p, c in ps:
            e = e + c * soft_square(E.col(p))
        equations[v] = e
    return cl.SCM(equations, noise={v: Normal(0.0, 1.0) for v in parents})


class _Known:
    """A gcm prediction model that computes a known equation (nothing to fit)."""

    def __init__(self, coefs: np.ndarray) -> None:
        self.coefs = coefs

    def fit(self, X: np.ndarray, Y: np.ndarray) -> None:
        return None

    def predict(self, X: np.ndarray) -> np.ndarray:
        return (soft_square(np.asarray(X, dtype=float)) @ self.coefs).reshape(-1, 1)

    def clone(self) -> _Known:
        return _Known(self.coefs)


def gcm_model(parents: dict[str, list[tuple[str, float]]], data: Any) -> tuple[Any, Any]:
    import networkx as nx
    from dowhy import gcm

    gcm.config.disable_progress_bars()
    graph = nx.DiGraph()
    graph.add_nodes_from(parents)
    graph.add_edges_from((p, v) for v, ps in parents.items() for p, _ in ps)
    model = gcm.InvertibleStructuralCausalModel(graph)
    for v, ps in parents.items():
        if not ps:
            model.set_causal_mechanism(v, gcm.EmpiricalDistribution())
        else:
            # gcm feeds the parents sorted by name, as `structure` lists them
            coefs = np.array([c for _, c in sorted(ps)])
            model.set_causal_mechanism(v, gcm.AdditiveNoiseModel(_Known(coefs)))
    gcm.fit(model, data)
    return gcm, model


def cpu_of(fn: Callable[[], Any], repeat: int) -> float:
    """Smallest process CPU time (all threads) of one call, in seconds: steadier than wall
    time on a shared machine, and it counts every core a call keeps busy."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def run(quick: bool) -> list[dict]:
    try:
        import dowhy.gcm  # noqa: F401
    except ImportError:
        return [
            {
                "name": "scm vs DoWhy gcm",
                "note": "dowhy is not installed (pip install '.[bench]')",
                "ratio": None,
            }
        ]
    import logging

    logging.getLogger("dowhy").setLevel(logging.ERROR)
    n_obs = 2_000 if quick else 100_000
    n_int = 20_000 if quick else 1_000_000
    repeat = 1 if quick else 3
    parents = structure()
    truth = ours(parents)
    data = truth.sample(n_obs, seed=1)
    frame = data.to_frame()
    gcm, ref = gcm_model(parents, frame)
    # Our model with the same empirical noise (residuals of the same data).
    model = truth.fit(data)
    target, outcome = "v05", f"v{NODES - 1:02d}"

    # --- counterfactuals: equal first, then timed ---
    want = gcm.counterfactual_samples(ref, {target: lambda x: 1.0}, observed_data=frame)
    got = model.counterfactual(data, do={target: 1.0})
    worst = max(float(np.max(np.abs(got[v] - want[v].to_numpy()))) for v in parents)
    assert worst < 1e-9, f"counterfactuals differ from DoWhy gcm by {worst}"
    ours_cf = best_of(lambda: model.counterfactual(data, do={target: 1.0}), repeat=repeat)
    gcm_cf = best_of(
        lambda: gcm.counterfactual_samples(ref, {target: lambda x: 1.0}, observed_data=frame),
        repeat=1,
    )
    ours_cf_cpu = cpu_of(lambda: model.counterfactual(data, do={target: 1.0}), repeat)
    gcm_cf_cpu = cpu_of(
        lambda: gcm.counterfactual_samples(ref, {target: lambda x: 1.0}, observed_data=frame), 1
    )

    # --- interventional samples: same distribution first, then timed ---
    np.random.seed(0)  # noqa: NPY002 - gcm draws from the global generator
    g_int = gcm.interventional_samples(ref, {target: lambda x: 1.0}, num_samples_to_draw=n_int)
    o_int = model.do({target: 1.0}).sample(n_int, seed=0)
    mean_gap = abs(float(o_int[outcome].mean()) - float(g_int[outcome].mean()))
    spread = float(g_int[outcome].std()) / np.sqrt(n_int)
    assert mean_gap < 6 * spread, f"interventional means differ by {mean_gap}"
    intervened = model.do({target: 1.0})
    ours_int = best_of(lambda: intervened.sample(n_int, seed=0), repeat=repeat)
    gcm_int = best_of(
        lambda: gcm.interventional_samples(ref, {target: lambda x: 1.0}, num_samples_to_draw=n_int),
        repeat=1,
    )
    ours_int_cpu = cpu_of(lambda: intervened.sample(n_int, seed=0), repeat)
    gcm_int_cpu = cpu_of(
        lambda: gcm.interventional_samples(ref, {target: lambda x: 1.0}, num_samples_to_draw=n_int),
        1,
    )
    return [
        comparison(
            f"counterfactual, {NODES}-node nonlinear ANM, {n_obs} rows",
            ours_cf,
            "dowhy.gcm.counterfactual_samples",
            gcm_cf,
            goal=">= 100x",
            rows_per_s=n_obs / ours_cf,
            max_abs_difference=worst,
            ours_cpu_s=ours_cf_cpu,
            peer_cpu_s=gcm_cf_cpu,
            cpu_ratio=gcm_cf_cpu / ours_cf_cpu if ours_cf_cpu > 0 else None,
        ),
        comparison(
            f"interventional samples, {NODES}-node nonlinear ANM, {n_int} samples",
            ours_int,
            "dowhy.gcm.interventional_samples",
            gcm_int,
            goal=">= 100x",
            samples_per_s=n_int / ours_int,
            ours_cpu_s=ours_int_cpu,
            peer_cpu_s=gcm_int_cpu,
            cpu_ratio=gcm_int_cpu / ours_int_cpu if ours_int_cpu > 0 else None,
            outcome_mean=float(o_int[outcome].mean()),
            peer_outcome_mean=float(g_int[outcome].mean()),
        ),
    ]
