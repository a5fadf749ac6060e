"""Score-based structure learning: ``cl.discover.ges`` (greedy equivalence
search with the linear-Gaussian BIC, or BDeu on categorical data) recovers the
equivalence class of the DAG that generated the data, equals causal-learn's
GES with the same score, returns a valid CPDAG, and refuses bad input."""

from __future__ import annotations

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


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_ges_recovers_the_true_cpdag_with_enough_data(seed: int) -> None:
    edges = random_dag(8, 2.0, seed)
    data = linear_gaussian(8, edges, 20_000, seed)
    names = [f"x{i}" for i in range(8)]
    truth = CPDAG.from_dag(names, [(names[a], names[b]) for a, b in edges])
    learned = cl.discover.ges(data)
    assert learned.shd(truth) == 0, f"\n{learned}\nvs truth\n{truth}"


def causallearn_ges(data: np.ndarray) -> np.ndarray:
    """causal-learn's GES with its linear-Gaussian BIC (lambda 0.5: log(n)/2 per
    parameter, the same score as ``penalty=1``)."""
    ges_mod = pytest.importorskip("causallearn.search.ScoreBased.GES")
    record = ges_mod.ges(data, score_func="local_score_BIC")
    return np.asarray(record["G"].graph, dtype=int)


@pytest.mark.parametrize(
    ("nodes", "degree", "rows", "seed"),
    [(10, 2.0, 1000, 1), (20, 2.0, 2000, 1), (20, 2.0, 5000, 3), (50, 1.5, 5000, 6)],
)
def test_ges_on_linear_gaussian_dags_equals_causal_learn(
    nodes: int, degree: float, rows: int, seed: int
) -> None:
    """Both searches are deterministic greedy walks over the same score, so
    the learned CPDAG (every mark) must be the same."""
    edges = random_dag(nodes, degree, seed)
    data = linear_gaussian(nodes, edges, rows, seed)
    learned = cl.discover.ges(data)
    np.testing.assert_array_equal(as_causallearn_matrix(learned), causallearn_ges(data))


@pytest.mark.parametrize(
    ("nodes", "degree", "rows", "seed"),
    [(20, 2.0, 10_000, 1), (20, 2.0, 5000, 3), (50, 2.0, 5000, 4), (50, 2.0, 10_000, 5)],
)
def test_ges_recovers_20_and_50_node_dags_with_a_small_shd(
    nodes: int, degree: float, rows: int, seed: int
) -> None:
    edges = random_dag(nodes, degree, seed)
    data = linear_gaussian(nodes, edges, rows, seed)
    names = [f"x{i}" for i in range(nodes)]
    truth = CPDAG.from_dag(names, [(names[a], names[b]) for a, b in edges])
    learned = cl.discover.ges(data)
    shd = learned.shd(truth)
    print(f"GES {nodes} nodes, {len(edges)} edges, {rows} rows: SHD to the true CPDAG = {shd}")
    assert shd <= len(edges) // 4


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


# --- categorical data: BDeu ------------------------------------------------------------


def causallearn_ges_bdeu(data: np.ndarray) -> np.ndarray:
    ges_mod = pytest.importorskip("causallearn.search.ScoreBased.GES")
    record = ges_mod.ges(data, score_func="local_score_BDeu")
    return np.asarray(record["G"].graph, dtype=int)


@pytest.mark.parametrize(("rows", "seed"), [(2000, 0), (5000, 1)])
def test_ges_bdeu_on_the_asia_network_equals_causal_learn(rows: int, seed: int) -> None:
    table = sample_asia(rows, seed)
    learned = cl.discover.ges(table, score="bdeu")
    data = np.column_stack([table[n] for n in ASIA_NODES]).astype(float)
    np.testing.assert_array_equal(as_causallearn_matrix(learned), causallearn_ges_bdeu(data))
    truth = CPDAG.from_dag(ASIA_NODES, ASIA_EDGES)
    print(f"GES BDeu on ASIA, {rows} rows: SHD to the true CPDAG = {learned.shd(truth)}")


def test_ges_bdeu_recovers_a_discrete_collider_and_chain() -> None:
    rng = np.random.default_rng(2)
    rows = 20_000
    a = rng.integers(0, 3, rows)
    b = rng.integers(0, 2, rows)
    noisy = rng.random(rows) < 0.2
    c = np.where(noisy, rng.integers(0, 3, rows), (a + b) % 3)  # a -> c <- b
    d = np.where(rng.random(rows) < 0.2, rng.integers(0, 3, rows), c)  # c -> d
    labels = np.array(["low", "mid", "high"])[d]  # categories may be strings
    g = cl.discover.ges({"a": a, "b": b, "c": c, "d": labels}, score="bdeu")
    assert g.directed == (("a", "c"), ("b", "c"), ("c", "d"))
    assert g.score is not None and np.isfinite(g.score)


def test_ges_bdeu_is_invariant_to_how_categories_are_labelled() -> None:
    table = sample_asia(3000, 4)
    relabelled = {n: np.where(v == 1, "yes", "no") for n, v in table.items()}
    assert cl.discover.ges(table, score="bdeu") == cl.discover.ges(relabelled, score="bdeu")


def test_ges_refuses_bad_score_settings() -> None:
    table = sample_asia(200, 0)
    with pytest.raises(DiscoverValueError, match="score"):
        cl.discover.ges(table, score="aic")
    with pytest.raises(DiscoverValueError, match="sample_prior"):
        cl.discover.ges(table, score="bdeu", sample_prior=0)
    with pytest.raises(DiscoverValueError, match="structure_prior"):
        cl.discover.ges(table, score="bdeu", structure_prior=-1.0)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), levels=st.integers(2, 4))
def test_ges_bdeu_returns_a_cpdag_that_is_its_own_class(seed: int, levels: int) -> None:
    rng = np.random.default_rng(seed)
    rows = 300
    a = rng.integers(0, levels, rows)
    b = np.where(rng.random(rows) < 0.7, a, rng.integers(0, levels, rows))
    c = np.where(rng.random(rows) < 0.7, (a + b) % levels, rng.integers(0, levels, rows))
    d = rng.integers(0, levels, rows)
    table = {"a": a, "b": b, "c": c, "d": d}
    g = cl.discover.ges(table, score="bdeu")
    member = g.dags(limit=1)[0]
    assert CPDAG.from_dag(list(g.nodes), member.directed) == g
    assert g.score is not None and np.isfinite(g.score)
    assert cl.discover.ges(table, score="bdeu") == g


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.lists(
            st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-3, 3)),
            min_size=3,
            max_size=3,
        ),
        min_size=0,
        max_size=12,
    ),
    score=st.sampled_from(["bic", "bdeu"]),
)
def test_any_small_table_gives_a_graph_or_a_causal_error(
    values: list[list[float]], score: str
) -> None:
    from causaloid.errors import CausalError

    table = {c: [r[i] for r in values] for i, c in enumerate("pqr")}
    try:
        g = cl.discover.ges(table, score=score)
    except CausalError:
        return
    assert g.nodes == ("p", "q", "r")


def test_cli_ges_with_the_bdeu_score(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    table = sample_asia(3000, 2)
    path = tmp_path / "asia.csv"
    lines = [",".join(ASIA_NODES)]
    lines += [",".join(str(table[n][i]) for n in ASIA_NODES) for i in range(3000)]
    path.write_text("\n".join(lines) + "\n")
    js = tmp_path / "g.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "causaloid",
            "discover",
            "--graph",
            "ges",
            "--score",
            "bdeu",
            str(path),
            "--json",
            str(js),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "BDeu" in proc.stdout
    assert CPDAG.from_json(js.read_text()) == cl.discover.ges(table, score="bdeu")
