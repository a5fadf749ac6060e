"""Score-based structure learning: ``cl.discover.ges`` (greedy equivalence
search with the linear-Gaussian BIC) recovers the equivalence class of the
DAG that generated the data, returns a valid CPDAG, and refuses bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_discover_pc import linear_gaussian, random_dag

import causaloid as cl
from causaloid.discover import CPDAG
from causaloid.discover.errors import ConstantColumnError, DiscoverValueError, NonFiniteError
from causaloid.errors import ColumnTypeError


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_ges_recovers_the_true_cpdag_with_enough_data(seed: int) -> None:
    edges = random_dag(8, 2.0, seed)
    data = linear_gaussian(8, edges, 20_000, seed)
    names = [f"x{i}" for i in range(8)]
    truth = CPDAG.from_dag(names, [(names[a], names[b]) for a, b in edges])
    learned = cl.discover.ges(data)
    assert learned.shd(truth) == 0, f"\n{learned}\nvs truth\n{truth}"


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_ges_returns_a_cpdag_that_is_its_own_class(seed: int) -> None:
    edges = random_dag(7, 2.5, seed)
    data = linear_gaussian(7, edges, 300, seed)
    g = cl.discover.ges(data)
    member = g.dags(limit=1)[0]
    assert CPDAG.from_dag(list(g.nodes), member.directed) == g
    assert g.score is not None and np.isfinite(g.score)
    assert cl.discover.ges(data) == g  # deterministic


def test_a_stronger_penalty_gives_fewer_edges() -> None:
    data = linear_gaussian(10, random_dag(10, 3.0, 9), 200, 9)
    assert len(cl.discover.ges(data, penalty=8.0)) <= len(cl.discover.ges(data))


def test_ges_refuses_bad_input() -> None:
    rng = np.random.default_rng(0)
    good = {c: rng.normal(size=100) for c in "abc"}
    with pytest.raises(ConstantColumnError):
        cl.discover.ges({**good, "flat": np.ones(100)})
    nan = dict(good)
    nan["a"] = good["a"].copy()
    nan["a"][3] = np.nan
    with pytest.raises(NonFiniteError):
        cl.discover.ges(nan)
    with pytest.raises(ColumnTypeError):
        cl.discover.ges({**good, "s": np.array(["u"] * 100)})
    with pytest.raises(DiscoverValueError):
        cl.discover.ges(good, penalty=0)
