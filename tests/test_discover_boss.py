"""Permutation-based structure learning: ``cl.discover.boss`` (best order score
search, then backward equivalence search) recovers random 20- and 50-node
linear-Gaussian DAGs with a small structural Hamming distance, is
deterministic whatever the column order's luck, stays close to causal-learn's
BOSS (which shuffles at random, so the two are compared by SHD), and refuses
bad input."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_discover_pc import (
    ASIA_EDGES,
    ASIA_NODES,
    as_causallearn_matrix,
    linear_gaussian,
    random_dag,
    sample_asia,
)

import causaloid as cl
from causaloid.discover import CPDAG
from causaloid.discover.errors import ConstantColumnError, DiscoverValueError, NonFiniteError
from causaloid.errors import ColumnTypeError


def truth_of(nodes: int, edges: list[tuple[int, int]]) -> CPDAG:
    names = [f"x{i}" for i in range(nodes)]
    return CPDAG.from_dag(names, [(names[a], names[b]) for a, b in edges])


@pytest.mark.parametrize(
    ("nodes", "degree", "rows", "seed"),
    [(20, 2.0, 10_000, 1), (20, 2.0, 5000, 3), (50, 2.0, 5000, 4), (50, 2.0, 10_000, 5)],
)
def test_boss_recovers_20_and_50_node_dags_with_a_small_shd(
    nodes: int, degree: float, rows: int, seed: int
) -> None:
    edges = random_dag(nodes, degree, seed)
    data = linear_gaussian(nodes, edges, rows, seed)
    learned = cl.discover.boss(data)
    shd = learned.shd(truth_of(nodes, edges))
    ges_shd = cl.discover.ges(data).shd(truth_of(nodes, edges))
    print(f"BOSS {nodes} nodes, {len(edges)} edges, {rows} rows: SHD {shd} (GES {ges_shd})")
    assert shd <= len(edges) // 3
    assert sorted(learned.order) == sorted(learned.nodes)


def test_boss_stays_close_to_causal_learns_boss() -> None:
    """Same score (causal-learn's BIC with lambda 0.5 is ``penalty=1``);
    causal-learn's visiting order is random (seeded here) and it skips the
    backward phase, so the graphs are compared by SHD."""
    boss_mod = pytest.importorskip("causallearn.search.PermutationBased.BOSS")
    edges = random_dag(20, 2.0, 3)
    data = linear_gaussian(20, edges, 5000, 3)
    random.seed(0)
    theirs = boss_mod.boss(data, parameters={"lambda_value": 0.5}, verbose=False)
    ours = cl.discover.boss(data)
    matrix = np.asarray(theirs.graph, dtype=int)
    names = list(ours.nodes)
    their_cpdag = CPDAG.from_edges(
        names,
        [
            (names[a], names[b])
            for a in range(20)
            for b in range(20)
            if matrix[a, b] == -1 == -matrix[b, a]
        ],
        [
            (names[a], names[b])
            for a in range(20)
            for b in range(a + 1, 20)
            if matrix[a, b] == matrix[b, a] == -1
        ],
    )
    truth = truth_of(20, edges)
    distance = ours.shd(their_cpdag)
    print(
        f"BOSS 20 nodes: SHD ours-causal-learn {distance}, to truth: ours {ours.shd(truth)}, "
        f"causal-learn {their_cpdag.shd(truth)}"
    )
    assert distance <= 6
    assert ours.shd(truth) <= their_cpdag.shd(truth)
    assert as_causallearn_matrix(ours).shape == matrix.shape


def test_boss_with_bdeu_on_the_asia_network() -> None:
    table = sample_asia(5000, 1)
    learned = cl.discover.boss(table, score="bdeu")
    shd = learned.shd(CPDAG.from_dag(ASIA_NODES, ASIA_EDGES))
    print(f"BOSS BDeu on ASIA, 5000 rows: SHD {shd}")
    assert shd <= 3


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_boss_returns_a_cpdag_that_is_its_own_class_whatever_the_column_order(
    seed: int,
) -> None:
    edges = random_dag(7, 2.0, seed)
    data = linear_gaussian(7, edges, 2000, seed)
    g = cl.discover.boss(data)
    member = g.dags(limit=1)[0]
    assert CPDAG.from_dag(list(g.nodes), member.directed) == g
    assert g.score is not None and np.isfinite(g.score)
    assert cl.discover.boss(data) == g  # deterministic
    # The score of the class is at least that of the empty graph.
    assert g.score >= cl.discover.boss(data, penalty=1e6).score


def test_boss_refuses_bad_input() -> None:
    rng = np.random.default_rng(0)
    good = {c: rng.normal(size=100) for c in "abc"}
    with pytest.raises(ConstantColumnError):
        cl.discover.boss({**good, "flat": np.ones(100)})
    nan = dict(good)
    nan["a"] = good["a"].copy()
    nan["a"][3] = np.nan
    with pytest.raises(NonFiniteError):
        cl.discover.boss(nan)
    with pytest.raises(ColumnTypeError):
        cl.discover.boss({**good, "s": np.array(["u"] * 100)})
    for kwargs in ({"penalty": 0}, {"score": "aic"}, {"max_subset": -1}, {"sample_prior": 0}):
        with pytest.raises(DiscoverValueError):
            cl.discover.boss(good, **kwargs)
