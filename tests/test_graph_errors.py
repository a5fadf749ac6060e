"""Every bad input gets a precise exception and leaves the structure unchanged."""

from __future__ import annotations

import math

import numpy as np
import pytest

import causaloid as cl
from causaloid import errors
from causaloid import expr as E


def two_nodes() -> cl.CausalGraph:
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid(1, "one", expr=E.value() > 0.5))
    g.add(cl.Causaloid(2, "two", expr=E.value()))
    g.link(1, 2)
    return g


def test_unknown_node_ids_name_the_id():
    g = two_nodes()
    with pytest.raises(errors.UnknownNodeError, match="unknown node id 9") as info:
        g.link(1, 9)
    assert info.value.node_id == 9 and isinstance(info.value, KeyError)
    g.freeze()
    with pytest.raises(errors.UnknownNodeError):
        g.evaluate_from("nope", 1.0)
    with pytest.raises(errors.UnknownNodeError):
        g["nope"]
    assert g.edges == [(1, 2)]


def test_duplicate_ids_and_edges_are_refused():
    g = two_nodes()
    with pytest.raises(errors.DuplicateIdError) as info:
        g.add(cl.Causaloid(1, "again", expr=E.value()))
    assert info.value.node_id == 1 and len(g) == 2
    with pytest.raises(errors.DuplicateEdgeError):
        g.link(1, 2)
    with pytest.raises(errors.DuplicateIdError):
        cl.CausalCollection(
            [cl.Causaloid(1, "", expr=E.value()), cl.Causaloid(1, "", expr=E.value())]
        )


def test_cycles_are_refused_at_freeze_and_nothing_changes():
    g = two_nodes()
    g.add(cl.Causaloid(3, "three", expr=E.value()))
    g.link(2, 3)
    g.link(3, 1)
    with pytest.raises(errors.CycleError) as info:
        g.freeze()
    assert info.value.path[0] == info.value.path[-1] and set(info.value.path) == {1, 2, 3}
    assert not g.is_frozen and len(g.edges) == 3
    g.unlink(3, 1)
    assert g.freeze().is_frozen


def test_self_loop_is_a_cycle():
    g = cl.CausalGraph()
    g.add(cl.Causaloid(1, "", expr=E.value()))
    with pytest.raises(errors.CycleError):
        g.link(1, 1)
    assert g.edges == []


def test_linking_before_adding_and_evaluating_before_freeze():
    g = cl.CausalGraph()
    with pytest.raises(errors.UnknownNodeError):
        g.link("a", "b")
    g.add(cl.Causaloid("a", "", expr=E.value()))
    with pytest.raises(errors.NotFrozenError, match="freeze"):
        g.evaluate(1.0)
    with pytest.raises(errors.NotFrozenError):
        g.evaluate_batch({"x": [1.0]})
    with pytest.raises(errors.NotFrozenError):
        cl.CausalCollection([g])
    g.freeze()
    with pytest.raises(errors.FrozenError, match="unfreeze"):
        g.add(cl.Causaloid("b", "", expr=E.value()))
    with pytest.raises(errors.GraphError, match="empty"):
        cl.CausalGraph().freeze()


def test_a_raising_callable_is_a_callable_error_with_the_cause_chained():
    g = cl.CausalGraph()
    g.add(cl.Causaloid("boom", "fails", fn=lambda v: {}["missing"]))
    g.freeze()
    with pytest.raises(errors.CallableError, match="KeyError") as info:
        g.evaluate(1.0)
    assert isinstance(info.value.__cause__, KeyError) and info.value.node_id == "boom"
    failed = g.evaluate(1.0, errors="effect")
    assert failed.value is None and isinstance(failed.error, errors.CallableError)
    assert '! causaloid "boom"' in failed.explain()


@pytest.mark.parametrize(
    ("returned", "found"),
    [
        (1.5, "1.5"),
        (-0.1, "-0.1"),
        ("yes", "str 'yes'"),
        (None, "NoneType None"),
    ],
)
def test_non_verdicts_are_verdict_errors_where_a_verdict_is_needed(returned, found):
    c = cl.Causaloid("bad", "returns junk", fn=lambda v: returned)
    # A number is a value (it may travel a graph); junk is never one.
    structure = cl.CausalCollection([c], "all") if isinstance(returned, float) else c
    with pytest.raises(errors.VerdictError, match="where a verdict is needed") as info:
        structure.evaluate(1.0)
    assert info.value.node_id == "bad" and found in info.value.found


def test_nan_verdicts_in_a_batch_name_the_row():
    # 0 / 0 is a NaN the expression computes (a missing input would raise
    # MissingValueError instead, see test_missing_values.py).
    c = cl.Causaloid("deg", "a degree", expr=E.col("x") / E.col("x") * 0.5)
    assert np.isnan(c.evaluate_batch({"x": [0.1, 0.2, 0.0]})[2])
    with pytest.raises(errors.VerdictError, match="at row 2") as info:
        cl.CausalCollection([c], "all").evaluate_batch({"x": [0.1, 0.2, 0.0]})
    assert info.value.row == 2


def test_missing_and_mistyped_columns():
    c = cl.Causaloid("hot", "", expr=E.col("temp") > 30)
    with pytest.raises(errors.UnknownColumnError, match="temp") as info:
        c.evaluate({"pressure": 1.0})
    assert info.value.column == "temp" and "pressure" in info.value.available
    with pytest.raises(errors.ColumnTypeError, match="temp"):
        c.evaluate({"temp": "hot"})
    with pytest.raises(errors.UnknownColumnError):
        c.evaluate_batch({"pressure": [1.0]})
    with pytest.raises(errors.ColumnTypeError, match="temp"):
        c.evaluate_batch({"temp": np.array(["a", "b"])})
    with pytest.raises(errors.ShapeError):
        c.evaluate_batch({"temp": np.ones((2, 2))})
    with pytest.raises(errors.ShapeError):
        c.evaluate_batch({"temp": [1.0, 2.0]}, value=[1.0])


def test_missing_incoming_value_is_named():
    c = cl.Causaloid("v", "reads value", expr=E.value() > 0)
    with pytest.raises(errors.MissingValueError, match="value="):
        c.evaluate({})


def test_constructor_arguments_are_validated():
    with pytest.raises(TypeError, match="exactly one"):
        cl.Causaloid(1, "")
    with pytest.raises(TypeError, match="exactly one"):
        cl.Causaloid(1, "", fn=lambda v: v, expr=E.value())
    with pytest.raises(TypeError, match="int or a str"):
        cl.Causaloid(1.5, "", expr=E.value())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="callable"):
        cl.Causaloid(1, "", fn=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="incoming value"):
        cl.Causaloid(1, "", fn=lambda: True)
    with pytest.raises(ValueError, match="logic"):
        cl.CausalCollection([cl.Causaloid(1, "", expr=E.value())], logic="most")
    with pytest.raises(errors.InvalidArgumentError, match="AtLeast"):
        cl.CausalCollection([cl.Causaloid(1, "", expr=E.value())], logic=cl.AtLeast(2))
    with pytest.raises(ValueError, match="AtLeast"):
        cl.AtLeast(0)
    with pytest.raises(TypeError, match="add"):
        cl.CausalGraph().add("not a causaloid")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="incoming value"):
        cl.Causaloid(1, "", expr=E.value()).evaluate("text")  # type: ignore[arg-type]


def test_relays_are_refused_inside_collections_and_batches():
    relay = cl.Causaloid("r", "relays", fn=lambda v: cl.Relay("x", 1.0))
    with pytest.raises(errors.RelayError):
        cl.CausalCollection([relay]).evaluate(1.0)
    g = cl.CausalGraph()
    g.add(relay)
    g.freeze()
    with pytest.raises(errors.VerdictError, match="relays are not supported in batch"):
        g.evaluate_batch({}, value=[1.0])


def test_structures_nested_past_the_limit_are_refused_not_crashed():
    m: cl.Causaloid | cl.CausalCollection = cl.Causaloid("leaf", "", expr=E.value() > 0.5)
    for i in range(99):
        m = cl.CausalCollection([m], "all", id=f"c{i}")
    assert m.evaluate(0.9).value is True
    assert m.evaluate_batch({}, value=np.full(1000, 0.9)).all()
    assert len(m.explain(0.9).splitlines()) > 99
    with pytest.raises(errors.TooDeepError, match="limit is 100"):
        cl.CausalCollection([m], "all", id="too deep")


def test_deep_expressions_and_documents_are_refused_not_crashed():
    e = E.col("x")
    for _ in range(1999):
        e = e + 1
    assert cl.Causaloid("deep", "", expr=e).evaluate({"x": 0.0}).value == 1999.0
    assert E.Expr.from_json(e.to_json()).equals(e)
    with pytest.raises(errors.TooDeepError):
        e + 1
    with pytest.raises(errors.TooDeepError):
        cl.from_json("[" * 100_000 + "]" * 100_000)
    with pytest.raises(errors.SerializationError, match="root"):
        cl.from_json('{"format": "causaloid", "version": 1}')


def test_non_finite_literals_round_trip():
    for x in (math.inf, -math.inf, math.nan, -0.0):
        e = E.col("x") < x
        back = E.Expr.from_json(e.to_json())
        assert str(back) == str(e)


def test_bad_relay_bounds_and_ids_are_clear_errors():
    for bad in (1e30, 10**30, -1, True):
        with pytest.raises(errors.InvalidArgumentError, match="max_relays"):
            cl.CausalGraph("g", max_relays=bad)
    with pytest.raises(errors.InvalidArgumentError, match="64 bits"):
        cl.Causaloid(2**63, "", expr=E.value())
