"""Batch evaluation: every table type, activations, callables once per batch,
and row i of a batch equal to evaluating row i alone (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid import expr as E


def sensor_graph() -> cl.CausalGraph:
    g = cl.CausalGraph("plant")
    g.add(cl.Causaloid("hot", "temperature high", expr=E.col("temp") > 60))
    g.add(cl.Causaloid("smoke", "smoke present", expr=E.col("smoke").between(0.3, 1.0)))
    g.add(cl.Causaloid("fire", "fire", expr=E.value() & (E.col("temp") > 40)))
    g.link("hot", "fire")
    g.link("smoke", "fire")
    return g.freeze()


ROWS = {"temp": [20.0, 70.0, 50.0, 45.0], "smoke": [0.0, 0.0, 0.5, 0.1]}
EXPECTED = np.array([False, True, True, False])


@pytest.mark.parametrize(
    "make",
    [
        lambda d: d,
        lambda d: {k: np.asarray(v) for k, v in d.items()},
        pd.DataFrame,
        pl.DataFrame,
        pa.table,
    ],
    ids=["dict-of-lists", "dict-of-numpy", "pandas", "polars", "arrow"],
)
def test_every_table_type_gives_the_same_verdicts(make):
    out = sensor_graph().evaluate_batch(make(ROWS))
    assert out.dtype == np.bool_
    np.testing.assert_array_equal(out, EXPECTED)


def test_integer_and_boolean_columns_are_accepted():
    c = cl.Causaloid("c", "", expr=E.col("n") > 1)
    np.testing.assert_array_equal(
        c.evaluate_batch({"n": np.array([1, 2], dtype=np.int32)}), [False, True]
    )
    c = cl.Causaloid("c", "", expr=E.col("flag") & True)
    np.testing.assert_array_equal(c.evaluate_batch({"flag": np.array([True, False])}), [1.0, 0.0])


def test_activations_give_each_nodes_verdicts():
    verdicts, acts = sensor_graph().evaluate_batch(ROWS, activations=True)
    assert list(acts) == ["hot", "smoke", "fire"]
    np.testing.assert_array_equal(acts["hot"], [False, True, False, False])
    np.testing.assert_array_equal(acts["smoke"], [False, False, True, False])
    np.testing.assert_array_equal(acts["fire"], verdicts)


def test_python_callables_are_called_once_per_batch_with_arrays():
    calls = []

    def spiky(values, columns):
        calls.append((type(values), type(columns["x"]), len(columns["x"])))
        return columns["x"] > 2

    g = cl.CausalGraph()
    g.add(cl.Causaloid("spike", "x above 2", fn=spiky))
    g.add(cl.Causaloid("gate", "pass", expr=E.value()))
    g.link("spike", "gate")
    g.freeze()
    out = g.evaluate_batch({"x": np.arange(10_000, dtype=float)})
    assert out.sum() == 10_000 - 3
    assert calls == [(type(None), np.ndarray, 10_000)]


def test_value_may_be_a_column_name_or_an_array():
    c = cl.Causaloid("c", "", expr=E.value() > E.col("limit"))
    table = {"limit": [1.0, 5.0], "reading": [3.0, 3.0]}
    np.testing.assert_array_equal(c.evaluate_batch(table, value="reading"), [True, False])
    np.testing.assert_array_equal(
        c.evaluate_batch(table, value=np.array([0.0, 9.0])), [False, True]
    )


def test_batches_are_deterministic_across_block_sizes_and_threads():
    rng = np.random.default_rng(7)
    table = {"temp": rng.uniform(0, 100, 50_000), "smoke": rng.uniform(0, 1, 50_000)}
    g = sensor_graph()
    first = g.evaluate_batch(table)
    for _ in range(3):
        np.testing.assert_array_equal(g.evaluate_batch(table), first)


def random_graph(data: st.DataObject) -> cl.CausalGraph:
    n = data.draw(st.integers(1, 6))
    g = cl.CausalGraph()
    leaves = st.one_of(
        st.sampled_from(["a", "b"]).map(E.col),
        st.just(E.value()),
        st.floats(-2, 2, allow_nan=False).map(E.lit),
    )
    for i in range(n):
        x, y = data.draw(leaves), data.draw(leaves)
        op = data.draw(st.sampled_from(["gt", "between", "and", "clamp"]))
        if op == "gt":
            e = x > y
        elif op == "between":
            e = x.between(y, y + 1)
        elif op == "and":
            e = (x > 0) & (y < 0.5)
        else:
            e = E.min(E.max(x * y, 0.0), 1.0)
        g.add(cl.Causaloid(i, f"node {i}", expr=e))
    for i in range(n):
        for j in range(i + 1, n):
            if data.draw(st.booleans()):
                g.link(i, j)
    return g.freeze()


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_batch_row_equals_single_evaluation(data):
    g = random_graph(data)
    n = data.draw(st.integers(1, 30))
    floats = st.floats(-3, 3, allow_nan=False)
    a = np.array(data.draw(st.lists(floats, min_size=n, max_size=n)))
    b = np.array(data.draw(st.lists(floats, min_size=n, max_size=n)))
    v = np.array(data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    table = {"a": a, "b": b}
    singles = [g.evaluate({"a": a[i], "b": b[i]}, value=v[i], errors="effect") for i in range(n)]
    try:
        batch = g.evaluate_batch(table, value=v)
    except cl.errors.VerdictError as err:
        assert singles[err.row].error is not None
        return
    for i, single in enumerate(singles):
        assert single.ok
        assert batch[i] == single.value and type(batch[i].item()) is type(single.value)


@settings(max_examples=40, deadline=None)
@given(
    n_rows=st.sampled_from([0, 1, 63, 64, 65, 2047, 2048, 2049, 5000]),
    seed=st.integers(0, 2**32 - 1),
    threads=st.sampled_from([1, 2]),
)
def test_verdict_only_batches_equal_rows_alone_at_block_boundaries(
    n_rows: int, seed: int, threads: int
) -> None:
    # A verdict-only graph (bit-packed in the engine): every row count around
    # word (64) and block (2,048) boundaries, NaN cells included (missing
    # values, decided false here: see test_missing_values.py).
    rng = np.random.default_rng(seed)
    temp = rng.uniform(0, 100, n_rows)
    temp[rng.random(n_rows) < 0.05] = np.nan
    smoke = rng.uniform(0, 1, n_rows)
    g = sensor_graph()
    cl.set_threads(threads)
    try:
        out = g.evaluate_batch({"temp": temp, "smoke": smoke}, missing="false")
        if np.isnan(temp).any():
            with pytest.raises(cl.errors.MissingValueError) as info:
                g.evaluate_batch({"temp": temp, "smoke": smoke})
            assert info.value.row == int(np.flatnonzero(np.isnan(temp))[0])
    finally:
        cl.set_threads(None)
    assert out.dtype == np.bool_
    assert out.shape == (n_rows,)
    for i in sorted({0, n_rows // 2, n_rows - 1, *rng.integers(0, max(n_rows, 1), 20)}):
        if 0 <= i < n_rows:
            row = {"temp": float(temp[i]), "smoke": float(smoke[i])}
            assert bool(out[i]) == g.evaluate(row, missing="false").value
