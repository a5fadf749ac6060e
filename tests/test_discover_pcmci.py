"""Time-series structure learning: ``cl.discover.pcmci`` recovers the lagged
links of simulated vector-autoregressive processes (PC1 condition selection,
then momentary conditional independence tests conditioned on the parents of
both ends), is deterministic, never points from the present into the past,
and refuses bad input with precise errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid.discover.errors import (
    ConstantColumnError,
    DiscoverValueError,
    NonFiniteError,
    TooFewSamplesError,
)
from causaloid.errors import CausalError, ColumnTypeError


def var_process(
    links: dict[str, list[tuple[str, int, float]]], rows: int, seed: int, auto: float = 0.0
) -> dict[str, np.ndarray]:
    """Each variable: ``auto`` times itself one step before (when not listed),
    plus ``coef * source(t - lag)`` for each listed link, plus N(0, 1) noise.
    Contemporaneous links (lag 0) must point from an earlier-listed variable."""
    rng = np.random.default_rng(seed)
    names = list(links)
    data = {n: np.zeros(rows + 100) for n in names}
    for t in range(3, rows + 100):
        for n in names:
            value = rng.normal()
            for source, lag, coef in links[n]:
                value += coef * data[source][t - lag]
            data[n][t] = value
    return {n: v[100:] for n, v in data.items()}


# x -> x (lag 1), y -> y (1), x -> y (2), y -> z (1), w -> w (1), w -> z (3), z -> v (1)
SYSTEM = {
    "x": [("x", 1, 0.7)],
    "y": [("y", 1, 0.6), ("x", 2, 0.5)],
    "w": [("w", 1, 0.8)],
    "z": [("z", 1, 0.5), ("y", 1, 0.4), ("w", 3, -0.4)],
    "v": [("v", 1, 0.3), ("z", 1, 0.6)],
}


def true_lagged(system: dict[str, list[tuple[str, int, float]]]) -> set[tuple[str, str]]:
    return {(f"{s}(t-{lag})", f"{n}(t)") for n, ps in system.items() for s, lag, _ in ps if lag}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pcmci_recovers_the_links_of_a_var_process(seed: int) -> None:
    data = var_process(SYSTEM, 2000, seed)
    # 85 links are tested: alpha = 0.001 keeps false positives rare (~0.1 per series)
    g = cl.discover.pcmci(data, max_lag=3, alpha=0.001)
    assert set(g.directed) == true_lagged(SYSTEM)
    assert not g.undirected
    for edge in g.directed:
        assert g.pvalues[edge] < 1e-20
    assert g.nodes[:5] == ("x(t)", "y(t)", "w(t)", "z(t)", "v(t)")
    assert len(g.nodes) == 5 * 4


def test_a_contemporaneous_dependence_is_an_undirected_edge() -> None:
    # a(t) -> b(t) within the same step; c is an independent AR(1) process.
    system = {"a": [], "b": [("a", 0, 0.8)], "c": [("c", 1, 0.6)]}
    g = cl.discover.pcmci(var_process(system, 2000, 6), max_lag=2, alpha=0.01)
    assert g.undirected == (("a(t)", "b(t)"),)
    assert g.directed == (("c(t-1)", "c(t)"),)


def test_every_link_is_tested_once_and_has_a_p_value() -> None:
    g = cl.discover.pcmci(var_process(SYSTEM, 600, 3), max_lag=2)
    v, lags = 5, 2
    assert len(g.pvalues) == v * v * lags + v * (v - 1) // 2
    assert all(0.0 <= p <= 1.0 for p in g.pvalues.values())
    assert g.tests > len(g.pvalues)
    without = cl.discover.pcmci(var_process(SYSTEM, 600, 3), max_lag=2, contemporaneous=False)
    assert len(without.pvalues) == v * v * lags and not without.undirected


def test_pcmci_finds_lagged_links_that_lagged_pc_misses_at_the_nominal_error_rate() -> None:
    """Strongly autocorrelated series: lagged PC separates true links by
    conditioning on whatever set happens to pass and misses many; PCMCI's
    MCI tests keep every true link, with false positives near the nominal
    rate (27 null links x 4 series x alpha 0.01, about one)."""
    system = {
        "a": [("a", 1, 0.95)],
        "b": [("b", 1, 0.9), ("a", 1, 0.3)],
        "c": [("c", 1, 0.9), ("b", 2, 0.3)],
    }
    truth = true_lagged(system)
    mci_missed = pc_missed = mci_false = 0
    for seed in range(4):
        data = var_process(system, 1000, seed)
        mci = set(cl.discover.pcmci(data, max_lag=3, alpha=0.01, contemporaneous=False).directed)
        lagged = cl.discover.pc(data, max_lag=3, alpha=0.01)
        present = {e for e in lagged.directed if e[1].endswith("(t)")}
        mci_missed += len(truth - mci)
        pc_missed += len(truth - present)
        mci_false += len(mci - truth)
    print(f"4 series: true links missed by PCMCI {mci_missed}, by lagged PC {pc_missed}")
    assert mci_missed == 0 and pc_missed > 0
    assert mci_false <= 3


def test_pcmci_on_a_binary_markov_chain_with_the_g_test() -> None:
    rng = np.random.default_rng(5)
    rows = 4000
    x, y = np.zeros(rows, dtype=np.int64), np.zeros(rows, dtype=np.int64)
    for t in range(1, rows):
        x[t] = x[t - 1] if rng.random() < 0.8 else 1 - x[t - 1]
        y[t] = x[t - 1] if rng.random() < 0.85 else 1 - x[t - 1]
    g = cl.discover.pcmci({"x": x, "y": y}, max_lag=2, alpha=0.01, test="gsq")
    assert set(g.directed) == {("x(t-1)", "x(t)"), ("x(t-1)", "y(t)")}


def test_results_are_identical_on_repeated_runs() -> None:
    data = var_process(SYSTEM, 500, 9)
    first = cl.discover.pcmci(data, max_lag=3, alpha=0.05)
    again = cl.discover.pcmci(data, max_lag=3, alpha=0.05)
    assert first == again and first.pvalues == again.pvalues


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    max_lag=st.integers(1, 3),
    alpha=st.floats(0.001, 0.5),
)
def test_links_only_point_from_the_past_into_the_present(
    seed: int, max_lag: int, alpha: float
) -> None:
    data = var_process(SYSTEM, 150, seed)
    g = cl.discover.pcmci(data, max_lag=max_lag, alpha=alpha)
    for a, b in g.directed:
        assert b.endswith("(t)") and not a.endswith("(t)")
        assert g.pvalues[(a, b)] <= alpha
    for a, b in g.undirected:
        assert a.endswith("(t)") and b.endswith("(t)")


# --- garbage in ----------------------------------------------------------------------


def _good(rows: int = 100) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {c: rng.normal(size=rows) for c in "abc"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_lag": 0},
        {"max_lag": -1},
        {"max_lag": 1.5},
        {"alpha": 0.0},
        {"pc_alpha": 1.0},
        {"test": "kci"},
        {"max_conds": -1},
    ],
)
def test_bad_arguments_raise_discover_value_error(kwargs: dict) -> None:
    with pytest.raises(DiscoverValueError):
        cl.discover.pcmci(_good(), **kwargs)


def test_bad_data_raises_precise_errors() -> None:
    good = _good()
    with pytest.raises(ConstantColumnError, match="flat"):
        cl.discover.pcmci({**good, "flat": np.ones(100)})
    nan = dict(good)
    nan["a"] = good["a"].copy()
    nan["a"][50] = np.nan
    with pytest.raises(NonFiniteError, match='column "a" .* at row 50'):
        cl.discover.pcmci(nan)
    with pytest.raises(ColumnTypeError):
        cl.discover.pcmci({**good, "s": np.array(["u", "v"] * 50)})
    with pytest.raises(TooFewSamplesError, match="max_lag 3: at least 10"):
        cl.discover.pcmci(_good(8), max_lag=3)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.lists(
            st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-3, 3)),
            min_size=2,
            max_size=2,
        ),
        min_size=0,
        max_size=14,
    ),
    test=st.sampled_from(["fisherz", "chisq", "gsq"]),
    max_lag=st.integers(1, 3),
)
def test_any_small_table_gives_a_graph_or_a_causal_error(
    values: list[list[float]], test: str, max_lag: int
) -> None:
    table = {"p": [r[0] for r in values], "q": [r[1] for r in values]}
    try:
        g = cl.discover.pcmci(table, max_lag=max_lag, test=test)
    except CausalError:
        return
    assert len(g.nodes) == 2 * (max_lag + 1)


def test_cli_discover_graph_pcmci_prints_lagged_links(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    data = var_process({"x": [("x", 1, 0.7)], "y": [("x", 1, 0.8)]}, 1500, 4)
    path = tmp_path / "series.csv"
    rows = ["x,y"] + [f"{a},{b}" for a, b in zip(data["x"], data["y"], strict=False)]
    path.write_text("\n".join(rows) + "\n")
    js = tmp_path / "g.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "causaloid",
            "discover",
            "--graph",
            "pcmci",
            str(path),
            "--max-lag",
            "2",
            "--alpha",
            "0.01",
            "--json",
            str(js),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "x(t-1) --> y(t)" in proc.stdout
    learned = cl.discover.CPDAG.from_json(js.read_text())
    assert set(learned.directed) == {("x(t-1)", "x(t)"), ("x(t-1)", "y(t)")}
