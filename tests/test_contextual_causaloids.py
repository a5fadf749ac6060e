"""Causaloids that read a context: Python functions given the context, and
native context reads that run without Python per row; batch rows equal single
evaluations; missing contexts are precise errors."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid import expr as E
from causaloid.context import errors as ce

DAY = 86_400


def prices() -> cl.Context:
    closes = [10.0, 12.0, 11.0, 15.0, 14.0, 18.0]
    ctx = cl.Context.from_frame(
        {"t": np.arange(6) * DAY, "close": closes}, time="t", scale="day", name="prices"
    )
    return ctx.add(cl.Data("limit", 13.0))


def test_a_python_function_receives_the_context() -> None:
    ctx = prices()
    c = cl.Causaloid("hi", "above the limit", fn=lambda x, c: x > c.value("limit"), context=ctx)
    assert c.evaluate(14.0).value is True
    assert c.evaluate_batch({"x": [1.0, 20.0]}, value="x").tolist() == [False, True]
    assert c.context is ctx
    with_row = cl.Causaloid("r", "", fn=lambda x, row, c: row["y"] > c.value("limit"), context=ctx)
    assert with_row.evaluate({"y": 20.0}, value=0.0).value is True


def test_a_contextual_function_must_accept_the_context() -> None:
    with pytest.raises(TypeError, match="fn\\(value, ctx\\)"):
        cl.Causaloid("x", "", fn=lambda x: x > 0, context=prices())


def test_native_reads_decide_without_python() -> None:
    ctx = prices()
    rising = cl.Causaloid(
        "rising",
        "close above the previous day's",
        expr=E.ctx_time("day", "close", at="t") > E.ctx_time("day", "close", at="t", offset=-1),
        context=ctx,
    )
    t = np.arange(6) * DAY + 3600.0
    # Day 0 has no previous day: a missing read, decided "not rising" here.
    with pytest.raises(cl.errors.MissingValueError, match="previous day"):
        rising.evaluate_batch({"t": t})
    assert rising.evaluate_batch({"t": t}, missing="false").tolist() == [
        False,
        True,
        False,
        True,
        False,
        True,
    ]
    assert rising.evaluate({"t": 3 * DAY}).value is True
    latest = cl.Causaloid(
        "latest", "", expr=E.ctx_time("day", "close") > E.ctx_value("limit"), context=ctx
    )
    assert latest.evaluate().value is True
    ctx.set(5, "close", 1.0)  # the stream moved on: the next evaluation sees it
    assert latest.evaluate().value is False


def test_batch_rows_equal_single_evaluations_of_a_contextual_graph() -> None:
    ctx = prices()
    g = cl.CausalGraph("g")
    g.add(
        cl.Causaloid(
            "up",
            "",
            expr=E.col("x") > E.ctx_window("day", "close", "max", -2, 0, at="t"),
            context=ctx,
        )
    )
    g.add(
        cl.Causaloid(
            "ok", "", expr=E.value() & (E.col("x") < E.ctx_value("limit") * 2), context=ctx
        )
    )
    g.link("up", "ok")
    g.freeze()

    @settings(max_examples=30, deadline=None)
    @given(st.lists(st.tuples(st.floats(-DAY, 7 * DAY), st.floats(0, 40)), min_size=1, max_size=15))
    def check(rows):
        t = np.array([r[0] for r in rows])
        x = np.array([r[1] for r in rows])
        # Reads outside the context's days are missing: propagated.
        batch = g.evaluate_batch({"t": t, "x": x}, missing="propagate")
        single = [
            g.evaluate({"t": a, "x": b}, missing="propagate").value
            for a, b in zip(t, x, strict=False)
        ]
        mask = np.ma.getmaskarray(batch)
        assert [
            None if m else bool(v) for v, m in zip(np.ma.getdata(batch), mask, strict=False)
        ] == single

    check()


def test_reads_name_their_context_or_use_the_causaloids() -> None:
    ctx = prices()
    unbound = E.col("x") > E.ctx_value("limit")
    with pytest.raises(ce.MissingContextError) as info:
        cl.Causaloid("lonely", "", expr=unbound)
    assert info.value.node_id == "lonely"
    named = cl.Causaloid("named", "", expr=E.col("x") > E.ctx_value("limit", context="other"))
    with pytest.raises(ce.UnknownContextError) as info2:
        named.evaluate({"x": 1.0})
    assert info2.value.context == "other"
    bound = cl.Causaloid("bound", "", expr=unbound, context=ctx)
    # A read is not a column the observation must hold: the engine fills it.
    assert bound.columns == ["x"]
    assert bound.expr is not None
    assert bound.expr.reads == ['value of contextoid "limit"']
    with pytest.raises(ce.UnknownContextoidError):
        cl.Causaloid("gone", "", expr=E.col("x") > E.ctx_value("nope"), context=ctx).evaluate(
            {"x": 1.0}
        )


def test_contextual_causaloids_pickle_with_their_context() -> None:
    c = cl.Causaloid("c", "", expr=E.col("x") > E.ctx_value("limit"), context=prices())
    back = pickle.loads(pickle.dumps(c))
    assert back.evaluate({"x": 14.0}).value is True
    assert back.context == c.context
