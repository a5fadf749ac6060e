"""Causal graphs from Python: propagation, modes, relays, nesting, explanations."""

from __future__ import annotations

import pytest

import causaloid as cl
from causaloid import expr as E


def chain() -> cl.CausalGraph:
    g = cl.CausalGraph("chain", "three steps")
    g.add(cl.Causaloid("a", "input above 0.5", expr=E.value() > 0.5))
    g.add(cl.Causaloid("b", "passes a on", expr=E.value()))
    g.add(cl.Causaloid("c", "negates b", expr=~E.value()))
    g.link("a", "b")
    g.link("b", "c")
    return g.freeze()


def test_chain_propagates_in_topological_order():
    g = chain()
    assert g.evaluate(0.9).value is False
    assert g.evaluate(0.1).value is True
    assert g.nodes == ["a", "b", "c"] and g.edges == [("a", "b"), ("b", "c")]
    assert g.parents("b") == ["a"] and g.children("b") == ["c"]


def test_multi_parent_nodes_receive_the_join():
    g = cl.CausalGraph()
    g.add(cl.Causaloid(1, "x high", expr=E.col("x") > 5))
    g.add(cl.Causaloid(2, "y high", expr=E.col("y") > 5))
    g.add(cl.Causaloid(3, "either", expr=E.value()))
    g.link(1, 3)
    g.link(2, 3)
    g.freeze()
    assert g.evaluate({"x": 1, "y": 9}).value is True
    assert g.evaluate({"x": 1, "y": 1}).value is False


def test_evaluate_from_path_and_single():
    g = chain()
    assert g.evaluate_from("b", True).value is False
    assert g.evaluate_path("a", "c", 0.9).value is False
    assert g.evaluate_single("c", False).value is True
    assert "along the path" in g.evaluate_path("a", "c", 0.9).explain()


def test_python_callables_see_value_and_row():
    seen = []
    g = cl.CausalGraph()
    g.add(
        cl.Causaloid("r", "reads the row", fn=lambda v, row: seen.append(dict(row)) or row["t"] > 1)
    )
    g.add(cl.Causaloid("v", "reads the value", fn=lambda v: not v))
    g.link("r", "v")
    g.freeze()
    assert g.evaluate({"t": 2.0}).value is False
    assert seen == [{"t": 2.0}]


def test_relay_continues_at_the_target_and_is_explained():
    g = cl.CausalGraph(max_relays=3)
    g.add(
        cl.Causaloid(
            "triage",
            "relay severe cases",
            fn=lambda v: cl.Relay("shutdown", 1.0) if v > 0.9 else v > 0.5,
        )
    )
    g.add(cl.Causaloid("warn", "warning", expr=E.value()))
    g.add(cl.Causaloid("shutdown", "shut down", expr=E.value() > 0.5))
    g.link("triage", "warn")
    g.freeze()
    e = g.evaluate(0.95)
    assert e.value is True
    assert 'relay to "shutdown" with value 1' in e.explain()
    assert g.evaluate(0.6).value is True


def test_relay_loops_end_in_a_clear_error():
    g = cl.CausalGraph(max_relays=5)
    g.add(cl.Causaloid("loop", "relays to itself", fn=lambda v: cl.Relay("loop", v)))
    g.freeze()
    with pytest.raises(cl.errors.RelayLimitError, match="relay limit of 5") as info:
        g.evaluate(0.5)
    assert info.value.limit == 5
    # five relays followed, the sixth refused; all six are in the trace
    assert info.value.effect.explain().count("-> relay to") == 6


def test_forms_nest_recursively_through_one_interface():
    inner = cl.CausalGraph("inner", "a then b")
    inner.add(cl.Causaloid("a", "a high", expr=E.col("a") > 1))
    inner.add(cl.Causaloid("b", "pass", expr=E.value()))
    inner.link("a", "b")
    inner.freeze()
    coll = cl.CausalCollection(
        [inner, cl.Causaloid("c", "c high", expr=E.col("c") > 1)], logic="all", id="both"
    )
    outer = cl.CausalGraph("outer")
    outer.add(coll)
    outer.add(cl.Causaloid("alarm", "alarm", expr=E.value()))
    outer.link("both", "alarm")
    outer.freeze()
    assert outer.columns == ["a", "c"]
    assert outer.evaluate({"a": 2, "c": 2}).value is True
    assert outer.evaluate({"a": 0, "c": 2}).value is False
    text = outer.explain({"a": 0, "c": 2})
    assert 'collection "both"' in text and "1 of 2 members active, the logic is all" in text
    # the collection and each of its members can be evaluated on their own too
    assert coll.evaluate({"a": 2, "c": 0}).value is False
    assert inner.evaluate({"a": 2}).value is True


def test_collection_logics_on_booleans_and_degrees():
    members = [cl.Causaloid(i, "", expr=E.value() > t) for i, t in enumerate([0.2, 0.6, 0.9])]

    def run(logic, x):
        return cl.CausalCollection(members, logic).evaluate(x).value

    assert run("all", 0.7) is False and run("any", 0.7) is True and run("none", 0.1) is True
    assert run(cl.AtLeast(2), 0.7) is True and run(cl.AtLeast(3), 0.7) is False
    degrees = [cl.Causaloid(i, "", expr=E.value() * w) for i, w in enumerate([1.0, 0.5, 0.1])]
    assert cl.CausalCollection(degrees, cl.AtLeast(2)).evaluate(0.8).value == pytest.approx(0.4)
    assert cl.CausalCollection(degrees, "none").evaluate(0.8).value == pytest.approx(0.2)


def test_explanation_says_what_ran_on_what_and_why():
    g = cl.CausalGraph("alarm", "fire alarm")
    g.add(cl.Causaloid("smoke", "smoke detected", expr=E.col("smoke") > 0.3))
    g.add(cl.Causaloid("heat", "heat detected", expr=E.col("temp") > 60))
    g.add(cl.Causaloid("fire", "fire", expr=E.value()))
    g.link("smoke", "fire")
    g.link("heat", "fire")
    g.freeze()
    e = g.evaluate({"smoke": 0.1, "temp": 75.0})
    lines = e.explain().splitlines()
    assert lines[0] == 'graph "alarm" "fire alarm" (3 nodes) on row smoke=0.1, temp=75:'
    assert (
        lines[1]
        == '  causaloid "smoke" "smoke detected": (col("smoke") > 0.3) on smoke=0.1 -> false'
    )
    assert lines[2] == '  causaloid "heat" "heat detected": (col("temp") > 60.0) on temp=75 -> true'
    assert lines[3] == '  causaloid "fire" "fire": value() on value=true -> true'
    assert (
        lines[4]
        == '= graph "alarm" "fire alarm" -> true: decided by its last node "fire" "fire" = true'
    )
    assert lines[5] == "Final verdict: true"
    # the closing sentence: the node that decided, and the parent that gave it its input
    assert lines[6] == (
        'Why: "fire" decided true because its input is true. '
        '"heat" gave "fire" true because temp 75 is above 60.'
    )
    assert e.why == lines[6].removeprefix("Why: ")
    assert e.log == tuple(lines)


def test_plot_draws_every_node_coloured_by_its_verdict(tmp_path):
    plt = pytest.importorskip("matplotlib.pyplot")
    g = chain()
    ax = g.plot(g.evaluate(0.9))
    labels = sorted(t.get_text() for t in ax.texts if t.get_text())
    assert labels == ["a\nTrue", "b\nTrue", "c\nFalse"]
    ax.figure.savefig(tmp_path / "g.png")
    plt.close(ax.figure)
