"""Structural equations compile to the SCM's own block kernels; every operator
of the engine's vocabulary must mean there exactly what it means in a graph."""

from __future__ import annotations

import numpy as np
import pytest

import causaloid as cl
from causaloid import _native
from causaloid.expr.expression import _wrap
from causaloid.scm import Uniform

BINARY, UNARY = _native.Expr.operators()


def _graph_values(expr: cl.expr.Expr, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid("y", expr=expr))
    g.freeze()
    return np.array(
        [float(g.evaluate({"a": x, "b": y}).value) for x, y in zip(a, b, strict=False)],
        dtype=np.float64,
    )


def _scm_values(expr: cl.expr.Expr, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    model = cl.SCM(
        {"a": cl.expr.lit(0.0), "b": cl.expr.lit(0.0), "y": expr},
        noise={"a": Uniform(-2.0, 2.0), "b": Uniform(-2.0, 2.0)},
    )
    table = model.sample(n, seed=3)
    return np.asarray(table["a"]), np.asarray(table["b"]), np.asarray(table["y"])


@pytest.mark.parametrize("op", BINARY)
def test_every_binary_operator_means_the_same_in_an_scm(op: str) -> None:
    a, b = cl.expr.col("a"), cl.expr.col("b")
    if op in ("and", "or", "xor"):
        # Logic on the truth of each side, as a user writes it.
        lhs, rhs = a > 0.0, b > 0.5
    else:
        lhs, rhs = a, b
    expr = _wrap(_native.Expr.binary(op, lhs._native, rhs._native))
    xa, xb, ys = _scm_values(expr, 64)
    expected = _graph_values(expr, xa, xb)
    np.testing.assert_array_equal(ys, expected)


@pytest.mark.parametrize("op", UNARY)
def test_every_unary_operator_means_the_same_in_an_scm(op: str) -> None:
    arg = cl.expr.col("a") > 0.0 if op == "not" else cl.expr.col("a") - cl.expr.col("b")
    expr = _wrap(_native.Expr.unary(op, arg._native))
    xa, xb, ys = _scm_values(expr, 64)
    np.testing.assert_array_equal(ys, _graph_values(expr, xa, xb))
