"""SURD: analytic decompositions, invariants, table inputs and bad input."""

from __future__ import annotations

import itertools
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid.discover import errors as E
from causaloid.errors import ColumnTypeError, UnknownColumnError

TOL = 1e-9


def two_bit_pdf(rule):
    p = np.zeros((2, 2, 2))
    for a, b in itertools.product((0, 1), repeat=2):
        p[rule(a, b), a, b] += 0.25
    return p


def test_a_target_copying_one_agent_is_all_unique():
    res = cl.discover.surd_from_pdf(two_bit_pdf(lambda a, b: a), names=["y", "a", "b"])
    assert res.unique["a"] == pytest.approx(1.0, abs=TOL)
    assert res.unique["b"] == pytest.approx(0.0, abs=TOL)
    assert all(abs(v) < TOL for v in [*res.redundant.values(), *res.synergistic.values()])
    assert res.info_leak == pytest.approx(0.0, abs=TOL)


def test_two_identical_agents_copied_by_the_target_are_all_redundant():
    p = np.zeros((2, 2, 2))
    p[0, 0, 0] = p[1, 1, 1] = 0.5
    res = cl.discover.surd_from_pdf(p, names=["y", "a", "b"])
    assert res.redundant[("a", "b")] == pytest.approx(1.0, abs=TOL)
    assert all(abs(v) < TOL for v in [*res.unique.values(), *res.synergistic.values()])


def test_xor_of_two_fair_bits_is_one_bit_of_synergy():
    res = cl.discover.surd_from_pdf(two_bit_pdf(lambda a, b: a ^ b))
    assert res.synergistic[("x1", "x2")] == pytest.approx(1.0, abs=TOL)
    assert all(abs(v) < TOL for v in [*res.unique.values(), *res.redundant.values()])
    assert res.mutual_info == pytest.approx(1.0, abs=TOL)


def test_independent_noise_is_all_leak():
    res = cl.discover.surd_from_pdf(np.full((2, 2, 2), 1 / 8))
    assert res.total == pytest.approx(0.0, abs=TOL)
    assert res.info_leak == pytest.approx(1.0, abs=TOL)
    assert res.normalized().info_leak == pytest.approx(1.0, abs=TOL)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(1, 4), min_size=2, max_size=4).flatmap(
        lambda shape: st.tuples(
            st.just(tuple(shape)),
            st.lists(
                st.floats(0, 1) | st.just(0.0),
                min_size=int(np.prod(shape)),
                max_size=int(np.prod(shape)),
            ),
        )
    )
)
def test_components_sum_to_the_mutual_information(case):
    shape, weights = case
    p = np.array(weights).reshape(shape)
    if p.sum() <= 0:
        return
    res = cl.discover.surd_from_pdf(p)
    assert res.total == pytest.approx(res.mutual_info, abs=1e-9)
    assert res.mutual_info + res.info_leak == pytest.approx(res.target_entropy, abs=1e-9)
    values = [*res.unique.values(), *res.redundant.values(), *res.synergistic.values()]
    assert all(v >= -1e-12 and np.isfinite(v) for v in values)


def xor_table(n=5000, seed=0):
    rng = np.random.default_rng(seed)
    x1, x2, noise = rng.integers(0, 2, (3, n))
    return {"y": np.roll(x1 ^ x2, 1).astype(float), "x1": x1, "x2": x2, "noise": noise}


def test_the_target_is_read_lag_steps_ahead():
    rng = np.random.default_rng(1)
    x = rng.normal(size=3000)
    table = {"x": x, "y": np.roll(x, 2)}
    ahead = cl.discover.surd(table, "y", ["x"], lag=2, bins=4).normalized()
    behind = cl.discover.surd(table, "y", ["x"], lag=1, bins=4).normalized()
    assert ahead.unique["x"] == pytest.approx(1.0, abs=1e-9)
    assert behind.unique["x"] < 0.01
    assert ahead.samples == 2998 and ahead.lag == 2


def test_numpy_pandas_and_polars_tables_agree():
    import pandas as pd
    import polars as pl

    table = xor_table()
    results = [
        cl.discover.surd(t, "y", ["x1", "x2", "noise"], bins=2)
        for t in (table, pd.DataFrame(table), pl.DataFrame(table))
    ]
    assert results[0] == results[1] == results[2]
    assert results[0].synergistic[("x1", "x2")] > 0.99


def test_explicit_binning_and_per_column_bins():
    table = xor_table()
    res = cl.discover.surd(
        table, "y", ["x1", "x2"], binning={"y": [0, 0.5, 1], "x1": [0, 0.5, 1]}, bins={"x2": 2}
    )
    assert res.bin_edges["y"] == (0.0, 0.5, 1.0)
    assert res.synergistic[("x1", "x2")] > 0.99


def test_max_order_limits_combinations():
    res = cl.discover.surd(xor_table(), "y", ["x1", "x2", "noise"], bins=2, max_order=1)
    assert res.synergistic == {}
    assert res.max_order == 1
    assert res.total < 0.01 < res.mutual_info


def test_self_causation_adds_the_targets_past():
    rng = np.random.default_rng(2)
    y = np.cumsum(rng.normal(size=2000)) % 5
    res = cl.discover.surd({"y": y, "x": rng.normal(size=2000)}, "y", ["x"], self_causation=True)
    assert res.agents == ("x", "y")
    assert res.unique["y"] > res.unique["x"]


def test_results_read_well_and_round_trip():
    res = cl.discover.surd(xor_table(), "y", ["x1", "x2"], bins=2)
    text = str(res)
    assert "synergistic" in text and "x1,x2" in text and "leak" in text
    frame = res.to_frame()
    assert list(frame.columns) == ["kind", "agents", "bits", "normalized", "corrected", "p_value"]
    assert frame["bits"].sum() == pytest.approx(res.total + res.info_leak)
    assert pickle.loads(pickle.dumps(res)) == res
    assert res.to_dict()["synergistic"]["x1,x2"] == res.synergistic[("x1", "x2")]


def test_plot_draws_the_components_and_the_leak():
    import matplotlib

    matplotlib.use("Agg")
    res = cl.discover.surd(xor_table(), "y", ["x1", "x2"], bins=2)
    ax = res.plot()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # Horizontal bars, largest at the top, the leak at the bottom.
    assert labels[0] == "S x1,x2" and labels[-1] == "leak"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("R redundant") for t in legend)
    assert any(t.startswith("S synergistic") for t in legend)
    assert res.plot(ax=ax) is ax


def test_results_are_identical_on_one_thread_or_two():
    code = (
        "import numpy as np, causaloid as cl\n"
        "rng = np.random.default_rng(5); x = rng.normal(size=(4, 20000))\n"
        "t = {'y': x[0] + x[1] * x[2], 'a': x[1], 'b': x[2], 'c': x[3]}\n"
        "r = cl.discover.surd(t, 'y', ['a', 'b', 'c'], bins=6)\n"
        "print(repr(r))\n"
    )
    outs = []
    for threads in ("1", "2"):
        env = dict(os.environ, RAYON_NUM_THREADS=threads)
        proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        outs.append(proc.stdout)
    assert outs[0] == outs[1]


# --- bad input ---


def test_constant_columns_are_named():
    table = xor_table()
    table["flat"] = np.ones(5000)
    with pytest.raises(E.ConstantColumnError, match="flat") as info:
        cl.discover.surd(table, "y", ["x1", "flat"])
    assert info.value.column == "flat"


def test_nans_are_refused_with_their_row():
    table = xor_table()
    table["x1"] = table["x1"].astype(float)
    table["x1"][7] = np.nan
    with pytest.raises(E.NonFiniteError) as info:
        cl.discover.surd(table, "y", ["x1", "x2"])
    assert (info.value.column, info.value.row) == ("x1", 7)
    assert isinstance(info.value, ValueError)
    table["y"][9] = np.inf
    with pytest.raises(E.NonFiniteError) as info:
        cl.discover.surd(table, "y", ["x2"], lag=3)
    assert (info.value.column, info.value.row) == ("y", 9)


def test_fewer_samples_than_bins():
    with pytest.raises(E.TooFewSamplesError, match="bins"):
        cl.discover.surd({"y": [0.0, 1, 2, 3], "x": [1.0, 0, 2, 5]}, "y", ["x"], bins=8)


def test_the_target_among_its_agents_is_refused():
    with pytest.raises(E.DiscoverValueError, match="self_causation"):
        cl.discover.surd(xor_table(), "y", ["x1", "y"])


def test_unknown_and_non_numeric_columns():
    table = xor_table()
    with pytest.raises(UnknownColumnError, match="nope"):
        cl.discover.surd(table, "y", ["x1", "nope"])
    table["word"] = np.array(["a", "b"] * 2500)
    with pytest.raises(ColumnTypeError, match="word"):
        cl.discover.surd(table, "y", ["x1", "word"])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lag": -1},
        {"lag": 5000},
        {"bins": 1},
        {"max_order": 0},
        {"binning": {"x1": [0, 1, 0.5]}},
        {"binning": {"x1": [0.2, 0.5, 1]}},
    ],
)
def test_bad_parameters_raise_value_errors(kwargs):
    with pytest.raises(ValueError):
        cl.discover.surd(xor_table(), "y", ["x1", "x2"], **kwargs)


def test_bad_distributions():
    with pytest.raises(E.DistributionError):
        cl.discover.surd_from_pdf(np.array([[0.5, -0.5], [0.5, 0.5]]))
    with pytest.raises(E.DistributionError):
        cl.discover.surd_from_pdf(np.array([0.5, 0.5]))
    with pytest.raises(E.DistributionError):
        cl.discover.surd_from_pdf(np.array([[np.nan, 0.5], [0.5, 0.5]]))
    with pytest.raises(E.DistributionError):
        cl.discover.surd_from_pdf(np.full((2, 2), 0.25), names=["y"])


finite_or_not = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-5, 5).map(float),
)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 40).flatmap(
        lambda n: st.tuples(
            st.lists(finite_or_not, min_size=n, max_size=n),
            st.lists(finite_or_not, min_size=n, max_size=n),
            st.integers(0, 3),
            st.integers(1, 6),
        )
    )
)
def test_garbage_input_gives_a_clean_error_or_a_finite_result(case):
    y, x, lag, bins = case
    try:
        res = cl.discover.surd({"y": y, "x": x}, "y", ["x"], lag=lag, bins=bins)
    except (E.DiscoverError, ValueError) as exc:
        assert isinstance(exc, cl.CausalError)
        return
    values = [res.info_leak, res.mutual_info, res.target_entropy, *res.unique.values()]
    assert all(np.isfinite(v) for v in values)


def test_twenty_agents_stay_tractable_with_max_order():
    rng = np.random.default_rng(0)
    table = {f"x{i}": rng.integers(0, 2, 20_000) for i in range(20)}
    table["y"] = np.roll(table["x0"] ^ table["x1"], 1)
    res = cl.discover.surd(table, "y", max_order=2, bins=2)
    assert len(res.information) == 20 + 190
    assert res.synergistic[("x0", "x1")] > 0.95
    with pytest.raises(E.DiscoverValueError, match="max_order"):
        cl.discover.surd(table, "y", bins=2)  # 2^20 combinations


# --- state-dependent maps ----------------------------------------------------------


def test_an_xor_target_is_synergistic_in_each_of_its_states():
    res = cl.discover.surd_from_pdf(two_bit_pdf(lambda a, b: a ^ b), names=["y", "a", "b"])
    maps = res.state_maps
    assert maps is not None
    assert maps.states == ("0", "1")
    assert maps.target_probability == (0.5, 0.5)
    assert maps.synergistic[("a", "b")] == pytest.approx((0.5, 0.5))
    assert maps.unique["a"] == pytest.approx((0.0, 0.0))
    frame = maps.to_frame()
    synergy = frame[frame["kind"] == "synergistic"]
    assert synergy["specific"].tolist() == pytest.approx([1.0, 1.0])


def test_the_leak_of_each_state_is_what_its_agents_leave_uncertain():
    # y = 1 whenever x = 1; when x = 0, y is a fair coin.
    rng = np.random.default_rng(4)
    x = rng.integers(0, 2, 40_000)
    y = np.where(x == 1, 1, rng.integers(0, 2, x.size))
    res = cl.discover.surd({"y": y, "x": x}, "y", lag=0, bins=2, permutations=0)
    maps = res.state_maps
    assert maps is not None
    assert maps.states[0].startswith("[0") and maps.states[1].endswith("1]")
    # Each state leaks -p(x=0, y) log2 p(y | x=0) = 1/4 bit (x = 1 leaves
    # no doubt), so the leak is half a bit, split evenly between the states.
    assert maps.leak == pytest.approx((0.25, 0.25), abs=0.01)
    assert maps.target_probability == pytest.approx((0.25, 0.75), abs=0.01)
    assert sum(maps.unique["x"]) == pytest.approx(res.unique["x"], abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    bins=st.integers(2, 5),
    agents=st.integers(1, 3),
    max_order=st.sampled_from([None, 1, 2]),
)
def test_state_maps_sum_back_to_the_aggregated_parts(seed, bins, agents, max_order):
    rng = np.random.default_rng(seed)
    n = 600
    table = {f"x{i}": rng.random(n) for i in range(agents)}
    table["y"] = np.roll(sum(table.values()) + 0.3 * rng.random(n), 1)
    res = cl.discover.surd(table, "y", bins=bins, max_order=max_order, permutations=0)
    maps = res.state_maps
    assert maps is not None
    assert len(maps.states) == len(maps.target_probability) == bins
    assert sum(maps.target_probability) == pytest.approx(1.0, abs=1e-12)
    expected = {("redundant", c): v for c, v in res.redundant.items()}
    expected.update({("unique", (a,)): v for a, v in res.unique.items()})
    expected.update({("synergistic", c): v for c, v in res.synergistic.items()})
    expected[("leak", ())] = res.info_leak
    got = maps.aggregated()
    assert got.keys() == expected.keys()
    for key, want in expected.items():
        assert got[key] == pytest.approx(want, abs=1e-12), key
    assert all(v >= 0.0 for v in maps.leak)
    if max_order is None or max_order >= agents:
        # Every state's causal parts and leak make up its share of H(target).
        for t, p in enumerate(maps.target_probability):
            parts = sum(values[t] for _, _, values in maps.components())
            share = -p * np.log2(p) if p > 0 else 0.0
            assert parts == pytest.approx(share, abs=1e-9)
    fraction = res.normalized().state_maps
    assert fraction is not None and fraction.units == "fraction"
    assert fraction.leak[0] == pytest.approx(maps.leak[0] / res.target_entropy)


def test_state_maps_read_as_tables_and_pickle():
    rng = np.random.default_rng(2)
    x = rng.random(2000)
    res = cl.discover.surd({"x": x, "y": np.roll(x, 1)}, "y", bins=3, permutations=0)
    maps = res.state_maps
    assert maps is not None
    frame = maps.to_frame()
    assert list(frame.columns) == [
        "kind",
        "agents",
        "state",
        "state_index",
        "probability",
        "bits",
        "specific",
    ]
    assert len(frame) == 3 * 2  # unique x and the leak, three states each
    pl = pytest.importorskip("polars")
    assert isinstance(maps.to_polars(), pl.DataFrame)
    assert pickle.loads(pickle.dumps(res)) == res
    assert "state maps" in str(maps)
