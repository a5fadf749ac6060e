"""Root-cause analysis accuracy: ``cl.discover.root_causes`` against BARO
(robust z-score), N-sigma and, when installed (``bench`` extra), DoWhy gcm's
anomaly attribution, on the same cases side by side.

Cases: the two Sock Shop CPU-fault runs (graph: the directed edges of the
stored CPDAG) and synthetic microservice systems generated here: several
call topologies (chain, fan-out, tree, random DAG), each service with
workload-driven CPU, memory, disk and latency (latency adds up along calls),
trends and noise in the normal period, and one injected CPU, memory, latency
or disk fault with a known root. The graph given to the graph-aware methods
is the true metric-level DAG.

Avg@k is the mean over j = 1..k of AC@j (1 when the root is in the top j).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import causaloid as cl

from ._timing import comparison

SOCK_SHOP = Path(__file__).resolve().parents[2] / "examples" / "data" / "sock-shop"
FAULTS = ("cpu", "mem", "latency", "disk")
TOPOLOGIES = ("chain", "fanout", "tree", "random")

Case = dict[str, Any]


def _calls(topology: str, services: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    """Caller -> callee pairs between services 0..services-1 (0 is the front end)."""
    if topology == "chain":
        return [(i, i + 1) for i in range(services - 1)]
    if topology == "fanout":
        return [(0, i) for i in range(1, services)]
    if topology == "tree":
        return [((i - 1) // 2, i) for i in range(1, services)]
    pairs = [(int(rng.integers(0, i)), i) for i in range(1, services)]
    extra = [(a, b) for a in range(services) for b in range(a + 1, services) if rng.random() < 0.15]
    return sorted(set(pairs + extra))


def synthetic_case(
    topology: str, fault: str, seed: int, services: int = 8, normal: int = 400, anomalous: int = 120
) -> Case:
    """A microservice system with one injected fault and its metric DAG."""
    rng = np.random.default_rng(seed)
    calls = _calls(topology, services, rng)
    n = normal + anomalous
    t = np.arange(n)
    # Shared workload: a trend and a daily-like cycle, with noise.
    workload = 50 + 0.02 * t + 10 * np.sin(2 * np.pi * t / 144) + rng.normal(0, 3, n)
    culprit = int(rng.integers(0, services))
    onset = np.arange(n) >= normal
    data: dict[str, np.ndarray] = {"workload": workload}
    parents: dict[str, list[str]] = {"workload": []}
    order = list(range(services))[::-1]  # callees (higher index) before callers
    ramp = np.clip((t - normal) / max(anomalous - 1, 1), 0, 1)
    for s in order:
        share = rng.uniform(0.3, 1.0)
        noise = rng.uniform(0.5, 2.0)
        cpu = 5 + share * 0.4 * workload + rng.normal(0, noise, n)
        disk = 20 + 0.01 * t * rng.uniform(0, 1) + rng.normal(0, rng.uniform(0.5, 2), n)
        if s == culprit and fault == "cpu":
            cpu = cpu + onset * rng.uniform(0.6, 1.5) * cpu.mean()
        if s == culprit and fault == "disk":
            disk = disk + onset * rng.uniform(0.6, 1.5) * disk.mean()
        mem = 200 + 0.05 * t + 2.0 * cpu + rng.normal(0, rng.uniform(2, 6), n)
        if s == culprit and fault == "mem":
            # A leak: memory climbs through the anomalous period.
            mem = mem + ramp * rng.uniform(0.5, 1.0) * mem.mean()
        # Request handling time: quiet, with rare pauses (garbage collection).
        own = 2 + rng.normal(0, 0.02, n) + (rng.random(n) < 0.01) * rng.uniform(0.5, 1.5, n)
        if s == culprit and fault == "latency":
            own = own + onset * rng.uniform(1.0, 3.0)
        callees = [b for a, b in calls if a == s]
        latency = own + 0.05 * cpu + 0.02 * disk + sum(data[f"s{b}_latency"] for b in callees)
        name = f"s{s}"
        data.update(
            {
                f"{name}_cpu": cpu,
                f"{name}_disk": disk,
                f"{name}_mem": mem,
                f"{name}_latency": latency,
            }
        )
        parents[f"{name}_cpu"] = ["workload"]
        parents[f"{name}_disk"] = []
        parents[f"{name}_mem"] = [f"{name}_cpu"]
        parents[f"{name}_latency"] = [
            f"{name}_cpu",
            f"{name}_disk",
            *[f"s{b}_latency" for b in callees],
        ]
    normal_t = {k: v[:normal] for k, v in data.items()}
    anomalous_t = {k: v[normal:] for k, v in data.items()}
    return {
        "name": f"{topology}/{fault}/{seed}",
        "normal": normal_t,
        "anomalous": anomalous_t,
        "parents": parents,
        "root": f"s{culprit}_{fault}",
        "target": "s0_latency",
    }


def sock_shop_cases() -> list[Case]:
    import polars as pl

    cases = []
    for folder in sorted(p for p in SOCK_SHOP.iterdir() if p.is_dir()):
        normal = pl.read_csv(folder / "normal.csv")
        anomalous = pl.read_csv(folder / "anomalous.csv")
        names = normal.columns
        cpdag = pl.read_csv(folder / "cpdag.csv", comment_prefix="#")
        parents: dict[str, list[str]] = {c: [] for c in names}
        for s, d, ms, md in cpdag.iter_rows():
            if (ms, md) == ("Tail", "Arrow"):
                parents[names[d]].append(names[s])
            elif (ms, md) == ("Arrow", "Tail"):
                parents[names[s]].append(names[d])
        cases.append(
            {
                "name": f"sock-shop/{folder.name}",
                "normal": {c: normal[c].to_numpy().astype(float) for c in names},
                "anomalous": {c: anomalous[c].to_numpy().astype(float) for c in names},
                "parents": parents,
                "root": "carts_cpu",
                "target": "front-end_latency",
            }
        )
    return cases


# --- methods: each returns the columns, most likely root first ---


def causaloid_graph(case: Case) -> list[str]:
    return cl.discover.root_causes(case["normal"], case["anomalous"], graph=case["parents"]).columns


def causaloid_plain(case: Case) -> list[str]:
    return cl.discover.root_causes(case["normal"], case["anomalous"]).columns


def baro(case: Case) -> list[str]:
    """BARO's root-cause scoring: robust z (median, IQR of the normal period),
    the largest absolute value over the anomalous rows."""
    scores = {}
    for c, x in case["normal"].items():
        q1, med, q3 = np.percentile(x, [25, 50, 75])
        iqr = q3 - q1 if q3 > q1 else (np.std(x) or 1e-12)
        scores[c] = float(np.max(np.abs(case["anomalous"][c] - med)) / iqr)
    return sorted(scores, key=lambda c: -scores[c])


def n_sigma(case: Case) -> list[str]:
    """Largest absolute z-score (mean, standard deviation of the normal period)."""
    scores = {}
    for c, x in case["normal"].items():
        sd = np.std(x) or 1e-12
        scores[c] = float(np.max(np.abs(case["anomalous"][c] - np.mean(x))) / sd)
    return sorted(scores, key=lambda c: -scores[c])


def dowhy_gcm(case: Case, samples: int = 30) -> list[str]:
    """DoWhy gcm: an invertible SCM (linear additive noise) fitted on the
    normal period; the mean deviation of the front end's latency over the
    first ``samples`` anomalous rows attributed to every upstream node
    (Shapley values, early-stopping approximation), ranked by attribution."""
    import networkx as nx
    import pandas as pd
    from dowhy import gcm
    from dowhy.gcm.shapley import ShapleyApproximationMethods, ShapleyConfig

    graph = nx.DiGraph()
    graph.add_nodes_from(case["normal"])
    graph.add_edges_from((p, c) for c, ps in case["parents"].items() for p in ps)
    while not nx.is_directed_acyclic_graph(graph):
        graph.remove_edge(*nx.find_cycle(graph)[0][:2])
    scm = gcm.InvertibleStructuralCausalModel(graph)
    for node in graph.nodes:
        if graph.in_degree(node) == 0:
            scm.set_causal_mechanism(node, gcm.EmpiricalDistribution())
        else:
            scm.set_causal_mechanism(node, gcm.AdditiveNoiseModel(gcm.ml.create_linear_regressor()))
    gcm.fit(scm, pd.DataFrame(case["normal"]))
    bad = pd.DataFrame(case["anomalous"]).iloc[:samples]
    config = ShapleyConfig(
        approximation_method=ShapleyApproximationMethods.PERMUTATION, num_permutations=3
    )
    attribution = gcm.attribute_anomalies(
        scm,
        case["target"],
        anomaly_samples=bad,
        attribute_mean_deviation=True,
        num_distribution_samples=300,
        shapley_config=config,
    )
    scores = {c: float(np.mean(v)) for c, v in attribution.items()}
    ranked = sorted(scores, key=lambda c: -scores[c])
    # Nodes outside the target's ancestry get no attribution: rank them after.
    return ranked + [c for c in case["normal"] if c not in scores]


def avg_at(ranks: list[int], k: int) -> float:
    """Avg@k over cases, from the rank (1-based) of the true root in each."""
    return float(np.mean([np.mean([r <= j for j in range(1, k + 1)]) for r in ranks]))


def evaluate(cases: list[Case], methods: dict[str, Callable[[Case], list[str]]]) -> dict:
    out: dict[str, dict[str, Any]] = {}
    for name, method in methods.items():
        ranks, start = [], time.perf_counter()
        for case in cases:
            ranking = method(case)
            ranks.append(ranking.index(case["root"]) + 1 if case["root"] in ranking else 10**9)
        out[name] = {
            "seconds": time.perf_counter() - start,
            "ranks": ranks,
            **{f"avg@{k}": avg_at(ranks, k) for k in (1, 3, 5)},
        }
    return out


def methods() -> dict[str, Callable[[Case], list[str]]]:
    return {
        "causaloid": causaloid_graph,
        "causaloid (no graph)": causaloid_plain,
        "BARO": baro,
        "N-sigma": n_sigma,
    }


def have_dowhy() -> bool:
    try:
        import dowhy  # noqa: F401
    except ImportError:
        print("  (dowhy not installed: pip install 'causaloid[bench]' to compare with it)")
        return False
    return True


def table(results: dict[str, dict]) -> str:
    lines = [f"  {'method':<22} {'Avg@1':>6} {'Avg@3':>6} {'Avg@5':>6} {'seconds':>8}"]
    for name, r in results.items():
        lines.append(
            f"  {name:<22} {r['avg@1']:>6.3f} {r['avg@3']:>6.3f} {r['avg@5']:>6.3f} "
            f"{r['seconds']:>8.2f}"
        )
    return "\n".join(lines)


def _rows(label: str, cases: list[Case], results: dict[str, dict]) -> list[dict]:
    ours = results["causaloid"]
    rows = []
    for peer in ("BARO", "N-sigma", "DoWhy gcm"):
        if peer not in results:
            continue
        rows.append(
            comparison(
                f"rca {label} Avg@3 ({len(cases)} cases) vs {peer}",
                ours["seconds"],
                peer,
                results[peer]["seconds"],
                goal="Avg@3 above every peer's",
                ours_avg=[ours[f"avg@{k}"] for k in (1, 3, 5)],
                peer_avg=[results[peer][f"avg@{k}"] for k in (1, 3, 5)],
                ours_ranks=ours["ranks"],
                peer_ranks=results[peer]["ranks"],
            )
        )
    return rows


def run(quick: bool) -> list[dict]:
    seeds = range(1) if quick else range(3)
    synthetic = [
        synthetic_case(topology, fault, 1000 * i + 10 * j + seed)
        for i, topology in enumerate(TOPOLOGIES)
        for j, fault in enumerate(FAULTS)
        for seed in seeds
    ]
    rows = []
    for label, cases in (("sock shop", sock_shop_cases()), ("synthetic", synthetic)):
        results = evaluate(cases, methods())
        print(f"  {label}: {len(cases)} cases")
        print(table(results))
        rows += _rows(label, cases, results)
    # DoWhy's Shapley attribution takes minutes per case on a small machine:
    # it runs on one case per fault kind (each on another topology), beside
    # every other method on the same cases.
    if not quick and have_dowhy():
        from dowhy import gcm

        gcm.config.disable_progress_bars()
        np.random.seed(0)  # noqa: NPY002 (DoWhy draws from the global generator)
        subset = [
            synthetic_case(topology, fault, 1000 * i + 10 * i)
            for i, (topology, fault) in enumerate(zip(TOPOLOGIES, FAULTS, strict=False))
        ]
        results = evaluate(subset, {**methods(), "DoWhy gcm": dowhy_gcm})
        print(f"  synthetic subset with DoWhy: {len(subset)} cases")
        print(table(results))
        rows += _rows("synthetic subset", subset, results)
    return rows
