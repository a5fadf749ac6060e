"""SURD: the native decomposition vs. a straightforward NumPy implementation of
the paper's algorithm (Martínez-Sánchez, Arranz & Lozano-Durán, 2024), written
here for the comparison: a dense joint histogram, marginals by summing axes,
specific information by broadcasting, and the per-state decomposition."""

from __future__ import annotations

from itertools import combinations

import numpy as np

import causaloid as cl

from ._timing import best_of, comparison


def _xlogy_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.zeros(np.broadcast(num, den).shape)
    mask = np.broadcast_to(num > 0, out.shape)
    ratio = np.broadcast_to(num, out.shape)[mask] / np.broadcast_to(den, out.shape)[mask]
    out[mask] = np.log2(ratio)
    return out


def numpy_surd(target: np.ndarray, agents: list[np.ndarray], bins: int, lag: int = 1) -> dict:
    """The paper's algorithm in plain NumPy; returns the flat decomposition."""
    future = target[lag:]
    past = [a[: a.size - lag] for a in agents]
    sample = np.column_stack([future, *past])
    counts, _ = np.histogramdd(sample, bins=bins)
    p = counts / counts.sum()
    n = len(agents)
    axes = tuple(range(1, n + 1))
    p_t = p.sum(axis=axes, keepdims=True)
    combos = [c for size in range(1, n + 1) for c in combinations(axes, size)]
    specific = {}
    for combo in combos:
        others = tuple(a for a in axes if a not in combo)
        p_ta = p.sum(axis=others, keepdims=True)
        p_a = p_ta.sum(axis=0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            p_a_given_t = np.where(p_t > 0, p_ta / p_t, 0.0)
            log_ratio = _xlogy_ratio(p_ta, p_a * p_t)
        specific[combo] = (p_a_given_t * log_ratio).sum(axis=combo).ravel()
    redundant: dict = {}
    synergistic: dict = {c: 0.0 for c in combos if len(c) > 1}
    unique = {c[0]: 0.0 for c in combos if len(c) == 1}
    for t, pt in enumerate(p_t.ravel()):
        if pt <= 0:
            continue
        values = np.array([specific[c][t] for c in combos])
        lengths = np.array([len(c) for c in combos])
        for size in range(1, n):
            lower = values[lengths == size].max()
            values[(lengths == size + 1) & (values < lower)] = 0.0
        order = np.lexsort((np.arange(len(combos)), values))
        remaining = list(axes)
        previous = 0.0
        for i in order:
            inc = (values[i] - previous) * pt
            previous = values[i]
            combo = combos[i]
            if len(combo) == 1:
                if len(remaining) == 1:
                    unique[combo[0]] += inc
                else:
                    key = tuple(remaining)
                    redundant[key] = redundant.get(key, 0.0) + inc
                remaining.remove(combo[0])
            else:
                synergistic[combo] += inc
    return {"unique": unique, "redundant": redundant, "synergistic": synergistic}


def _system(n_agents: int, samples: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_agents, samples))
    y = np.empty(samples)
    y[0] = 0.0
    drive = np.sin(x[0]) + x[1] * x[2 % n_agents] + 0.5 * rng.normal(size=samples)
    y[1:] = drive[:-1]
    table = {"y": y}
    table.update({f"x{i + 1}": x[i] for i in range(n_agents)})
    return table


def _largest_difference(ours: cl.discover.SurdResult, ref: dict, names: list[str]) -> float:
    """Largest gap between the two implementations over every component."""

    def named(combo: tuple[int, ...]) -> tuple[str, ...]:
        return tuple(names[i - 1] for i in combo)

    gaps = [abs(ours.unique[names[i - 1]] - v) for i, v in ref["unique"].items()]
    gaps += [abs(ours.redundant.get(named(c), 0.0) - v) for c, v in ref["redundant"].items()]
    gaps += [abs(ours.synergistic[named(c)] - v) for c, v in ref["synergistic"].items()]
    return max(gaps)


def _compare(n_agents: int, samples: int, bins: int) -> dict:
    table = _system(n_agents, samples)
    names = [f"x{i + 1}" for i in range(n_agents)]
    agents = [table[a] for a in names]
    ours = cl.discover.surd(table, "y", names, lag=1, bins=bins, permutations=0)
    gap = _largest_difference(ours, numpy_surd(table["y"], agents, bins), names)
    ours_s = best_of(
        lambda: cl.discover.surd(table, "y", names, lag=1, bins=bins, permutations=0), repeat=3
    )
    peer_s = best_of(lambda: numpy_surd(table["y"], agents, bins), repeat=2)
    return comparison(
        f"surd {n_agents} agents, {samples:.0e} samples, {bins} bins",
        ours_s,
        "numpy",
        peer_s,
        goal=">= 20x",
        max_abs_diff=gap,
    )


def run(quick: bool) -> list[dict]:
    cases = [(3, 10**4, 4)] if quick else [(3, 10**6, 10), (4, 10**6, 10), (6, 10**6, 8)]
    return [_compare(*case) for case in cases]
