"""Sizes, values and tables a hostile caller passes end in a documented error
or an exact result: no abort, no silent NaN, no round trip that loses data,
no batch that writes into the caller's table."""

from __future__ import annotations

import math
import pickle
from typing import Any

import numpy as np
import pandas as pd
import pytest

import causaloid as cl
from causaloid.context.errors import TimestampUnitError
from causaloid.csm.errors import WindowError
from causaloid.errors import (
    CausalError,
    InvalidArgumentError,
    MissingValueError,
    ShapeError,
)
from causaloid.uncertain.errors import UncertainMemoryError

col = cl.expr.col


@pytest.mark.parametrize("size", [10**11, 2**63 - 1])
def test_a_huge_window_size_is_a_limit_not_an_allocation(size: int) -> None:
    w = cl.Window(size, ["x"])
    w.push({"x": 1.0})
    w.push({"x": 3.0})
    assert w.size == size and len(w) == 2 and w.mean("x") == 2.0
    m = cl.StateMachine(
        [(cl.State("s", "", cl.Causaloid("s", "", expr=col("x.mean") > 0)), "a")], window=w
    )
    assert len(m.evaluate_all({"x": 1.0})) == 1


@pytest.mark.parametrize("size", [2**63, 2**64, 10**30, 0, -1])
def test_a_window_size_out_of_range_names_the_size(size: int) -> None:
    with pytest.raises(WindowError) as info:
        cl.Window(size, ["x"])
    assert info.value.size == size


@pytest.mark.parametrize("limit", [-1, 2**63, 2**64])
def test_a_log_limit_out_of_range_is_an_invalid_argument(limit: int) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        cl.StateMachine([], log_limit=limit)
    assert info.value.parameter == "log_limit"


@pytest.mark.parametrize("n", [10**12, 2**63 - 1, 2**63, 2**64 + 1])
def test_more_samples_than_fit_in_memory_raise_memory_error_naming_n(n: int) -> None:
    u = cl.Uncertain.normal(0.0, 1.0)
    for call in (
        lambda: u.sample(n, seed=1),
        lambda: u.quantile(0.5, n=n, seed=1),
        lambda: u.quantile([0.1, 0.9], n=n, seed=1),
        lambda: u.histogram(bins=10, n=n, seed=1),
    ):
        with pytest.raises(UncertainMemoryError) as info:
            call()
        assert isinstance(info.value, MemoryError) and isinstance(info.value, CausalError)
        assert info.value.parameter == "n"
    # The value is still usable.
    assert u.sample(3, seed=1).shape == (3,)


def test_a_context_keeps_nan_and_infinite_fields_through_json_and_pickle() -> None:
    ctx = cl.Context(1, "c")
    ctx.add(
        cl.Data(1, float("nan")),
        cl.Data(2, float("inf"), {"low": float("-inf"), "gap": float("nan"), "zero": -0.0}),
        cl.Time(3, "day", 0, {"close": float("nan")}),
    )
    for copy in (cl.Context.from_json(ctx.to_json()), pickle.loads(pickle.dumps(ctx))):
        assert copy == ctx
        assert math.isnan(copy[1].value)
        f = copy[2].fields
        assert set(f) == {"low", "gap", "zero"}
        assert f["low"] == -math.inf and math.isnan(f["gap"])
        assert math.copysign(1.0, f["zero"]) == -1.0
        assert copy[2].value == math.inf
        assert "close" in copy[3].fields and math.isnan(copy[3].fields["close"])
    # A field a contextoid does not carry is still absent, not NaN.
    assert "gap" not in cl.Context.from_json(ctx.to_json())[1].fields


def test_nat_is_not_a_time() -> None:
    with pytest.raises(TimestampUnitError):
        cl.Time(1, "day", pd.NaT)


def test_a_zero_dimensional_column_is_a_shape_error() -> None:
    c = cl.Causaloid("c", "", expr=col("x") > 1)
    with pytest.raises(ShapeError):
        c.evaluate_batch({"x": 5.0})
    with pytest.raises(ShapeError):
        c.evaluate_batch({"x": np.float64(5.0)})


def test_a_missing_value_in_an_object_column_is_refused_on_every_path() -> None:
    # None and NaN are missing values alike (docs/missing.md): refused by default.
    c = cl.Causaloid("c", "", expr=col("x") > 1)
    for missing in (None, np.nan):
        with pytest.raises(MissingValueError):
            c.evaluate({"x": missing})
        with pytest.raises(MissingValueError) as info:
            c.evaluate_batch({"x": np.array([2.0, missing], dtype=object)})
        assert info.value.column == "x" and info.value.row == 1
    m = cl.StateMachine([(cl.State("s", "", c), "a")])
    with pytest.raises(CausalError, match='"x"'):
        m.evaluate_all({"x": np.nan})
    report = m.run_batch({"x": np.array([2.0, None], dtype=object)})
    assert [e.position for e in report.errors] == [1]  # recorded, as every state error
    assert "missing value" in str(report.errors[0].error)
    # Decided when asked: both paths alike.
    assert c.evaluate_batch({"x": np.array([2.0, np.nan])}, missing="false").tolist() == [
        True,
        False,
    ]


def test_python_functions_in_a_batch_cannot_overwrite_the_callers_table() -> None:
    data = np.array([1.0, 2.0, 3.0])
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0]})

    def vandal(v: Any, row: Any) -> Any:
        row["x"][:] = 0.0
        return row["x"] > 0

    c = cl.Causaloid("c", "", fn=vandal)
    for table in ({"x": data}, frame):
        with pytest.raises(CausalError) as info:
            c.evaluate_batch(table, value=np.ones(3))
        assert "read-only" in str(info.value)
    assert data.tolist() == [1.0, 2.0, 3.0]
    assert frame["x"].tolist() == [1.0, 2.0, 3.0]
    assert data.flags.writeable


def test_binding_a_large_value_logs_a_bounded_line() -> None:
    big = list(range(1_000_000))
    e = cl.Effect.pure(big)
    for _ in range(20):
        e = e.bind(lambda x: x)
    assert e.value is big
    assert len(e.log) == 21
    assert all(len(line) < 1_000 for line in e.log)
    assert e.log[0].startswith("pure: [0, 1, 2") and "..." in e.log[0]
    huge_dict = {i: i for i in range(1_000_000)}
    assert len(cl.Effect.pure(huge_dict).bind(lambda d: d).log[-1]) < 1_000
    # Small values are logged in full.
    assert cl.Effect.pure(2.0).bind(lambda x: x + 1).log[-1].endswith("2.0 -> 3.0")
