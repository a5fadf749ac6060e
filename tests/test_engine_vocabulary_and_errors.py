"""One operator vocabulary for expressions and uncertain values, the engine's
binary form of uncertain graphs, and one mapping of engine errors to Python."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid import _native
from causaloid.expr.expression import _wrap
from causaloid.uncertain import Uncertain, UncertainKindError, UncertainParameterError

BINARY, UNARY = _native.Expr.operators()
LOGIC = {"and", "or", "xor"}


def _expr_value(op: str, a: float | bool, b: float | bool) -> float:
    expr = _native.Expr.binary(op, _native.Expr.lit(a), _native.Expr.lit(b))
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid("c", expr=_wrap(expr)))
    g.freeze()
    return float(g.evaluate({}).value)


@settings(max_examples=60, deadline=None)
@given(
    op=st.sampled_from(BINARY),
    a=st.floats(-5, 5, allow_nan=False),
    b=st.floats(-5, 5, allow_nan=False),
    ba=st.booleans(),
    bb=st.booleans(),
)
def test_every_binary_operator_means_the_same_on_uncertain_values(
    op: str, a: float, b: float, ba: bool, bb: bool
) -> None:
    if op in LOGIC:
        x, y = Uncertain.point(ba), Uncertain.point(bb)
        lhs, rhs = ba, bb
    else:
        if op == "div" and b == 0.0:
            return
        x, y = Uncertain.point(a), Uncertain.point(b)
        lhs, rhs = a, b
    sampled = Uncertain(x._node.binary(op, y._node)).sample(4, seed=1).astype(float)
    expected = _expr_value(op, lhs, rhs)
    assert np.all(sampled == expected), (op, lhs, rhs, sampled, expected)


def test_the_vocabulary_is_the_engines() -> None:
    assert "xor" in BINARY and "is_nan" in UNARY
    # Python builders use the engine's names; an unknown one is refused by the engine.
    with pytest.raises(ValueError, match="unknown binary operator"):
        Uncertain.point(1.0)._node.binary("plus", Uncertain.point(1.0)._node)


def test_xor_on_expressions_and_uncertain_values() -> None:
    g = cl.CausalGraph("alarm")
    g.add(cl.Causaloid("one_sensor", expr=(cl.expr.col("a") > 0.5) ^ (cl.expr.col("b") > 0.5)))
    g.freeze()
    assert g.evaluate({"a": 1.0, "b": 0.0}).value is True
    assert g.evaluate({"a": 1.0, "b": 1.0}).value is False
    a = Uncertain.bernoulli(0.5)
    assert (a ^ a).probability(1000, seed=1) == 0.0
    assert abs((a ^ Uncertain.bernoulli(0.5)).probability(50_000, seed=2) - 0.5) < 0.02
    with pytest.raises(UncertainKindError):
        _ = Uncertain.normal(0.0, 1.0) ^ a


def test_within_range_is_the_engines_between() -> None:
    x = Uncertain.normal(20.0, 2.0)
    inside = x.within_range(18.0, 22.0)
    assert abs(inside.probability(100_000, seed=3) - 0.6827) < 0.01
    assert Uncertain.point(5.0).within_range(5.0, 5.0).probability(10, seed=1) == 1.0
    with pytest.raises(UncertainParameterError):
        x.within_range(3.0, 1.0)
    # The same read through a graph on an uncertain input.
    g = cl.CausalGraph("comfort")
    g.add(cl.Causaloid("ok", expr=cl.expr.col("t").between(18.0, 22.0)))
    g.freeze()
    certain = g.evaluate({"t": 21.0}).value
    uncertain = g.evaluate({"t": Uncertain.point(21.0)}).value
    assert certain is True and uncertain == certain


def _square(samples: np.ndarray) -> np.ndarray:
    return samples * samples


def test_uncertain_graphs_pickle_through_the_engine_in_a_fresh_process(tmp_path) -> None:
    x = Uncertain.normal(0.0, 1.0)
    y = ((x - x) + x.map(np.abs)).within_range(0.0, 1.0) ^ Uncertain.bernoulli(0.3)
    data = pickle.dumps(y)
    path = tmp_path / "y.pkl"
    path.write_bytes(data)
    here = y.sample(2000, seed=5).tolist()
    code = textwrap.dedent(
        f"""
        import pickle, sys
        y = pickle.loads(open({str(path)!r}, "rb").read())
        print(y.sample(2000, seed=5).tolist() == {here!r})
        print(y.describe())
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[0] == "True"
    assert out[1] == y.describe()
    # A node used twice stays one random variable after loading.
    z = pickle.loads(pickle.dumps(x - x))
    assert np.all(z.sample(100, seed=1) == 0.0)


def test_corrupt_uncertain_bytes_raise_a_serialization_error() -> None:
    data, functions = (Uncertain.normal(0.0, 1.0) * 2.0)._node.to_bytes()
    rng = np.random.default_rng(0)
    for _ in range(200):
        broken = bytearray(data)
        broken[int(rng.integers(len(broken)))] = int(rng.integers(256))
        cut = bytes(broken[: int(rng.integers(1, len(broken) + 1))])
        try:
            _native.UncertainNode.from_bytes(cut, functions)
        except cl.errors.SerializationError:
            pass


# ---- one mapping from engine errors to Python exceptions --------------------------


def _raises(call, cls: type[BaseException]) -> BaseException:
    with pytest.raises(cls) as info:
        call()
    return info.value


def test_every_area_raises_its_own_class_with_its_detail() -> None:
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid("a", expr=cl.expr.col("x") > 1))
    err = _raises(
        lambda: g.add(cl.Causaloid("a", expr=cl.expr.col("x") > 1)), cl.errors.DuplicateIdError
    )
    assert err.node_id == "a"

    ctx = cl.Context("c")
    err = _raises(lambda: ctx["nope"], cl.context.errors.UnknownContextoidError)
    assert err.node_id == "nope"

    err = _raises(lambda: Uncertain.normal(0.0, -1.0), UncertainParameterError)
    assert err.parameter == "std"

    err = _raises(lambda: cl.set_threads(0), cl.errors.InvalidArgumentError)
    assert err.parameter == "threads"

    data = {"x": np.ones(50), "y": np.arange(50.0)}
    err = _raises(
        lambda: cl.discover.surd(data, target="y", agents=["x"]),
        cl.discover.errors.ConstantColumnError,
    )
    assert err.column == "x"

    scm = cl.SCM({"x": cl.expr.lit(0.0), "y": 2.0 * cl.expr.col("x")})
    err = _raises(lambda: scm.do({"nope": 1.0}), cl.scm.errors.UnknownVariableError)
    assert err.variable == "nope"


def test_a_python_exception_inside_the_engine_is_chained() -> None:
    def boom(row):
        raise RuntimeError("sensor driver crashed")

    g = cl.CausalGraph("g")
    g.add(cl.Causaloid("a", fn=boom))
    g.freeze()
    err = _raises(lambda: g.evaluate({}), cl.errors.CallableError)
    assert err.node_id == "a"
    assert isinstance(err.__cause__, RuntimeError)


def test_engine_errors_pickle_with_their_detail() -> None:
    err = _raises(lambda: Uncertain.normal(0.0, -1.0), UncertainParameterError)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is type(err) and back.parameter == "std" and str(back) == str(err)


def test_one_uncertain_value_in_two_columns_is_one_random_variable() -> None:
    g = cl.CausalGraph("diff")
    g.add(cl.Causaloid("d", expr=cl.expr.col("a") - cl.expr.col("b")))
    g.freeze()
    x = Uncertain.normal(10.0, 3.0)
    assert g.evaluate({"a": x, "b": x}).value == 0.0
    assert g.evaluate({"a": x + 2.0, "b": x}).value == 2.0
    independent = g.evaluate({"a": x, "b": Uncertain.normal(10.0, 3.0)}).value
    assert independent != 0.0 and abs(independent) < 0.5


def test_node_reads_along_a_path_on_uncertain_inputs() -> None:
    g = cl.CausalGraph("dose")
    g.add(cl.Causaloid(1, expr=cl.expr.col("dose") * 2.0))
    g.add(cl.Causaloid(2, expr=cl.expr.value() + 1.0))
    g.add(cl.Causaloid(3, expr=cl.expr.node(1) + cl.expr.value()))
    g.link(1, 2)
    g.link(2, 3)
    g.link(1, 3)
    g.freeze()
    certain = g.evaluate_path(1, 3, {"dose": 1.5}).value
    assert certain == 6.0
    assert g.evaluate_path(1, 3, {"dose": Uncertain.point(1.5)}).value == certain
