"""Native expressions: building, printing, JSON, and refusing misuse."""

from __future__ import annotations

import math
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

import causaloid as cl
from causaloid import expr as E


def verdict(e: E.Expr, row: dict | None = None, value=None):
    return cl.Causaloid(1, "", expr=e).evaluate(row or {}, value=value).value


def test_operators_follow_numpy_semantics():
    row = {"x": 3.0, "y": 4.0}
    assert verdict((E.col("x") + E.col("y")) / 7 == 1, row) is True
    assert verdict(-E.col("x") < 0, row) is True
    assert verdict(abs(E.col("x") - E.col("y")) == 1, row) is True
    assert verdict(E.min(E.col("x"), E.col("y")) == 3, row) is True
    assert verdict(E.max(E.col("x"), 10) == 10, row) is True
    assert verdict(E.col("x").between(3, 4), row) is True
    assert verdict(2 * E.col("x") - 1 > 4.5, row) is True
    assert verdict(1 - E.col("x") < 0, row) is True


def test_logic_on_booleans_and_degrees():
    assert verdict(E.value() & E.lit(True), value=True) is True
    assert verdict(~E.value(), value=True) is False
    assert verdict(E.value() & 0.3, value=0.8) == pytest.approx(0.3)
    assert verdict(E.value() | 0.3, value=0.8) == pytest.approx(0.8)
    assert verdict(~E.value(), value=0.25) == pytest.approx(0.75)


def test_nan_readings_never_become_verdicts_silently():
    # is_nan handles a missing reading itself; any other read of one raises.
    assert verdict(E.col("x").is_nan(), {"x": math.nan}) is True
    with pytest.raises(cl.errors.MissingValueError, match='"x"'):
        verdict(E.col("x") > 0, {"x": math.nan})
    # A NaN the expression computes stays a number (never a verdict): where
    # a verdict is needed it is an error naming the node.
    ratio = E.col("x") / E.col("x")
    assert math.isnan(verdict(E.min(ratio, 1.0), {"x": 0.0}))
    c = cl.Causaloid("m", "", expr=E.min(ratio, 1.0))
    with pytest.raises(cl.errors.VerdictError, match='"m"'):
        cl.CausalCollection([c], "all").evaluate({"x": 0.0})


def test_expressions_print_and_list_their_columns():
    e = (E.col("a") > 1) & E.col("b").between(0, E.col("c"))
    assert str(e) == '((col("a") > 1.0) & col("b").between(0.0, col("c")))'
    assert e.columns == ["a", "b", "c"] and not e.reads_value
    assert (E.value() > 0).reads_value
    assert repr(E.col("a")) == '<Expr col("a")>'


def test_expressions_refuse_truth_testing_and_bad_operands():
    with pytest.raises(TypeError, match="& | ~"):
        bool(E.col("a") > 1)
    with pytest.raises(TypeError, match="operand"):
        E.col("a") + "text"  # type: ignore[operator]
    with pytest.raises(TypeError, match="column name"):
        E.col(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        E.Expr()


exprs = st.recursive(
    st.one_of(
        st.sampled_from(["a", "b"]).map(E.col),
        st.just(E.value()),
        st.floats(allow_nan=False, allow_infinity=False).map(E.lit),
        st.booleans().map(E.lit),
    ),
    lambda inner: st.one_of(
        st.tuples(inner, inner, st.sampled_from(["+", "-", "*", "/", "<", ">", "&", "|"])).map(
            lambda t: {
                "+": t[0] + t[1],
                "-": t[0] - t[1],
                "*": t[0] * t[1],
                "/": t[0] / t[1],
                "<": t[0] < t[1],
                ">": t[0] > t[1],
                "&": t[0] & t[1],
                "|": t[0] | t[1],
            }[t[2]]
        ),
        inner.map(lambda e: ~e),
        inner.map(lambda e: e.is_nan()),
        st.tuples(inner, inner, inner).map(lambda t: t[0].between(t[1], t[2])),
    ),
    max_leaves=12,
)


@given(exprs)
def test_expressions_round_trip_through_json_and_pickle(e: E.Expr):
    assert E.Expr.from_json(e.to_json()).equals(e)
    assert pickle.loads(pickle.dumps(e)).equals(e)
    assert str(E.Expr.from_json(e.to_json())) == str(e)


@given(st.text(max_size=80))
def test_garbage_json_is_a_clean_error(text: str):
    with pytest.raises(cl.errors.SerializationError):
        E.Expr.from_json(text)
