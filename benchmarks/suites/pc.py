"""Structure learning: stable PC (Fisher's z) and GES (linear-Gaussian BIC)
natively vs. causal-learn's PC and GES on the same data from a random
linear-Gaussian DAG. Each pair must return the same graph before anything is
timed; the structural Hamming distance to the true CPDAG is reported beside
the ratio."""

from __future__ import annotations

import numpy as np

import causaloid as cl

from ._timing import best_of, comparison


def _dag(nodes: int, degree: float, seed: int) -> list[tuple[int, int]]:
    rng = np.random.default_rng(seed)
    order = rng.permutation(nodes)
    p = degree / (nodes - 1)
    return [
        (int(order[i]), int(order[j]))
        for i in range(nodes)
        for j in range(i + 1, nodes)
        if rng.random() < p
    ]


def _sample(nodes: int, edges: list[tuple[int, int]], rows: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 1)
    parents: dict[int, list[tuple[int, float]]] = {j: [] for j in range(nodes)}
    for i, j in edges:
        parents[j].append((i, float(rng.uniform(0.5, 1.5) * rng.choice([-1, 1]))))
    data = np.zeros((rows, nodes))
    done: set[int] = set()
    while len(done) < nodes:
        for j in range(nodes):
            if j not in done and all(p in done for p, _ in parents[j]):
                data[:, j] = rng.normal(size=rows)
                for p, w in parents[j]:
                    data[:, j] += w * data[:, p]
                done.add(j)
    return data


def _matrix(g: cl.discover.CPDAG) -> np.ndarray:
    index = {n: i for i, n in enumerate(g.nodes)}
    m = np.zeros((len(g.nodes), len(g.nodes)), dtype=int)
    for a, b in g.directed:
        m[index[a], index[b]], m[index[b], index[a]] = -1, 1
    for a, b in g.undirected:
        m[index[a], index[b]] = m[index[b], index[a]] = -1
    return m


def _ges_row(quick: bool) -> dict:
    from causallearn.search.ScoreBased.GES import ges as cl_ges

    nodes, rows = (10, 1000) if quick else (50, 5000)
    edges = _dag(nodes, 1.5, seed=6)
    data = _sample(nodes, edges, rows, seed=6)
    ours = cl.discover.ges(data)
    peer = cl_ges(data, score_func="local_score_BIC")  # lambda 0.5 = our penalty 1
    if not np.array_equal(_matrix(ours), np.asarray(peer["G"].graph, dtype=int)):
        raise AssertionError("the GES graphs differ from causal-learn's")
    names = list(ours.nodes)
    truth = cl.discover.CPDAG.from_dag(names, [(names[a], names[b]) for a, b in edges])
    ours_s = best_of(lambda: cl.discover.ges(data), repeat=3)
    peer_s = best_of(lambda: cl_ges(data, score_func="local_score_BIC"), repeat=1)
    return comparison(
        f"ges bic {nodes} vars x {rows:.0e} rows ({len(edges)} true edges)",
        ours_s,
        "causal-learn",
        peer_s,
        shd_to_truth=ours.shd(truth),
        tests=0,
    )


def run(quick: bool) -> list[dict]:
    from causallearn.search.ConstraintBased.PC import pc as cl_pc

    nodes, rows = (15, 2000) if quick else (50, 10**4)
    edges = _dag(nodes, 3.0, seed=0)
    data = _sample(nodes, edges, rows, seed=0)
    ours = cl.discover.pc(data, alpha=0.05, test="fisherz")
    peer = cl_pc(data, 0.05, "fisherz", show_progress=False)
    if not np.array_equal(_matrix(ours), np.asarray(peer.G.graph, dtype=int)):
        raise AssertionError("the learned graphs differ from causal-learn's")
    names = list(ours.nodes)
    truth = cl.discover.CPDAG.from_dag(names, [(names[a], names[b]) for a, b in edges])
    ours_s = best_of(lambda: cl.discover.pc(data, alpha=0.05, test="fisherz"), repeat=3)
    peer_s = best_of(lambda: cl_pc(data, 0.05, "fisherz", show_progress=False), repeat=1)
    return [
        comparison(
            f"pc fisherz {nodes} vars x {rows:.0e} rows ({len(edges)} true edges)",
            ours_s,
            "causal-learn",
            peer_s,
            goal=">= 20x",
            shd_to_truth=ours.shd(truth),
            tests=ours.tests,
        ),
        _ges_row(quick),
    ]
