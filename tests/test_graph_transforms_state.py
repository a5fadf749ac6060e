"""Per-edge transforms and graph state threaded through evaluation, on every
consumer: one row, batch, uncertain inputs, nesting, models, state machines,
JSON, pickle (in a fresh process), and garbage in."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid import expr as E
from causaloid.errors import (
    EdgeTransformError,
    InvalidArgumentError,
    StateError,
    UnknownColumnError,
)


def scaled() -> cl.CausalGraph:
    """a reads x; b: doubled a > 5; c reads node(a) through +3 on its edge."""
    g = cl.CausalGraph("scaled", "transforms")
    a = g.add(cl.Causaloid("a", "reading", expr=E.col("x")))
    b = g.add(cl.Causaloid("b", "doubled above 5", expr=E.value() > 5))
    c = g.add(cl.Causaloid("c", "shifted above 5", expr=E.node("a") > 5))
    d = g.add(cl.Causaloid("d", "either", expr=E.value()))
    g.link(a, b, transform=E.value() * 2)
    g.link(a, c, transform=E.value() + 3)
    g.link(b, d)
    g.link(c, d)
    return g.freeze()


def tank() -> cl.CausalGraph:
    g = cl.CausalGraph("tank", "a leaky tank")
    level = g.add(cl.Causaloid("level", "level", expr=E.state("level") * 0.5 + E.col("inflow")))
    full = g.add(cl.Causaloid("full", "above 3", expr=E.value() > 3))
    g.link(level, full)
    g.add_state("level", 0.0, writer=level)
    return g.freeze()


def tank_by_hand(inflow: list[float], start: float = 0.0) -> tuple[list[float], list[bool]]:
    levels, full = [], []
    level = start
    for x in inflow:
        level = level * 0.5 + x
        levels.append(level)
        full.append(level > 3)
    return levels, full


# ---- edge transforms ------------------------------------------------------------------


def test_a_transform_changes_the_value_the_child_receives_and_reads() -> None:
    g = scaled()
    assert g.evaluate({"x": 3.0}).value is True  # 6 > 5
    assert g.evaluate({"x": 1.9}).value is False  # b: 3.8 > 5 no; c: 4.9 > 5 no
    assert g.evaluate({"x": 2.5}).value is True  # c: 5.5 > 5
    assert g.evaluate({"x": 1.0}).value is False


def test_the_structure_shows_the_graph_as_declared() -> None:
    g = scaled()
    assert g.nodes == ["a", "b", "c", "d"]
    assert len(g) == 4
    assert ("a", "b") in g.edges and len(g.edges) == 4
    assert g.children("a") == ["b", "c"]
    assert set(g.transforms) == {("a", "b"), ("a", "c")}
    assert str(g.transforms[("a", "b")]) == "(value() * 2.0)"


def test_the_explanation_shows_the_transform_as_a_step() -> None:
    text = scaled().explain({"x": 3.0})
    assert '"a -> b"' in text and "(value() * 2.0)" in text and "-> 6" in text


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-10, 10, allow_nan=False), min_size=1, max_size=30))
def test_batch_with_transforms_equals_row_by_row(xs: list[float]) -> None:
    g = scaled()
    batch = g.evaluate_batch({"x": np.array(xs)})
    rows = [g.evaluate({"x": x}).value for x in xs]
    assert batch.tolist() == rows


def test_uncertain_inputs_go_through_the_transform() -> None:
    g = scaled()
    assert g.evaluate({"x": cl.Uncertain.normal(3.0, 0.01)}).value is True
    assert g.evaluate({"x": cl.Uncertain.normal(0.0, 0.01)}).value is False


def test_sub_graph_and_path_evaluation_see_the_transform() -> None:
    g = scaled()
    assert g.evaluate_from("a", {"x": 3.0}).value is True
    assert g.evaluate_path("a", "b", {"x": 3.0}).value is True
    assert g.evaluate_path("a", "b", {"x": 2.0}).value is False


def test_a_transformed_graph_nested_in_a_model_and_a_collection() -> None:
    g = scaled()
    m = cl.Model("m", "", g)
    assert m.evaluate({"x": 3.0}).value is True
    coll = cl.CausalCollection([g], "all", id="all")
    assert coll.evaluate({"x": 3.0}).value is True
    outer = cl.CausalGraph("outer")
    outer.add(g)
    outer.freeze()
    assert outer.evaluate({"x": 1.0}).value is False


def test_a_state_machine_state_on_a_transformed_graph() -> None:
    fired: list[str] = []
    sm = cl.StateMachine(
        [(cl.State("scaled", "doubled", scaled()), lambda f: fired.append(f.state))]
    )
    assert [f.state for f in sm.evaluate_all({"x": 3.0})] == ["scaled"]
    assert sm.evaluate_all({"x": 1.0}) == []
    assert fired == ["scaled"]


def test_transforms_survive_json_and_pickle() -> None:
    g = scaled()
    back = cl.CausalGraph.from_json(g.to_json())
    assert back.to_json() == g.to_json()
    assert back.evaluate({"x": 2.5}).value is True
    p = pickle.loads(pickle.dumps(g))
    assert p.evaluate_batch({"x": [1.0, 3.0]}).tolist() == [False, True]


def test_a_transform_reading_another_node_is_refused() -> None:
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid("a", "", expr=E.col("x")))
    g.add(cl.Causaloid("b", "", expr=E.value()))
    with pytest.raises(EdgeTransformError):
        g.link("a", "b", transform=E.node("a"))
    with pytest.raises(TypeError):
        g.link("a", "b", transform="value * 2")
    with pytest.raises(EdgeTransformError):
        g.set_transform("b", "a", E.value())
    assert g.edges == []


def test_a_node_named_like_a_hidden_transform_node_is_refused_at_freeze() -> None:
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid("a", "", expr=E.col("x")))
    g.add(cl.Causaloid("b", "", expr=E.value()))
    g.add(cl.Causaloid("a -> b", "", expr=E.col("y")))
    g.link("a", "b", transform=E.value())
    with pytest.raises(EdgeTransformError):
        g.freeze()
    assert not g.is_frozen


def test_unfreezing_restores_the_graph_as_declared() -> None:
    g = scaled()
    g.unfreeze()
    g.set_transform("a", "b", None)
    g.freeze()
    assert g.evaluate({"x": 2.0}).value is False  # b: 2 > 5 no; c: 5 > 5 no
    assert set(g.transforms) == {("a", "c")}


# ---- state ------------------------------------------------------------------------------


def test_a_sequence_threads_the_state_from_row_to_row() -> None:
    inflow = [1.0, 2.0, 3.0, 0.0, 4.0]
    seq = tank().evaluate_sequence({"inflow": inflow})
    levels, full = tank_by_hand(inflow)
    assert seq.states["level"].tolist() == levels
    assert seq.values.tolist() == full
    assert seq.final_state == {"level": levels[-1]}
    assert "state:level=" in seq.explain(1)


def test_a_sequence_continues_from_a_given_state() -> None:
    g = tank()
    first = g.evaluate_sequence({"inflow": [1.0, 2.0]})
    rest = g.evaluate_sequence({"inflow": [3.0, 0.0]}, state=first.final_state)
    whole = g.evaluate_sequence({"inflow": [1.0, 2.0, 3.0, 0.0]})
    assert rest.final_state == whole.final_state


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 10, allow_nan=False), min_size=0, max_size=25))
def test_a_stateful_batch_runs_rows_in_order(inflow: list[float]) -> None:
    g = tank()
    levels, full = tank_by_hand(inflow)
    assert g.evaluate_batch({"inflow": np.array(inflow)}).tolist() == full
    assert g.evaluate_sequence({"inflow": inflow}).states["level"].tolist() == levels


def test_python_callables_in_a_sequence_see_one_row_at_a_time() -> None:
    seen: list[float] = []

    def watch(v: float, row: dict[str, float]) -> bool:
        seen.append(row["inflow"])
        return v > 3

    g = cl.CausalGraph("tank")
    level = g.add(cl.Causaloid("level", "", expr=E.state("level") * 0.5 + E.col("inflow")))
    g.add(cl.Causaloid("full", "above 3", fn=watch))
    g.link(level, "full")
    g.add_state("level", 0.0, writer=level)
    g.freeze()
    seq = g.evaluate_sequence({"inflow": [1.0, 2.0, 3.0]})
    assert seq.values.tolist() == tank_by_hand([1.0, 2.0, 3.0])[1]
    assert seen == [1.0, 2.0, 3.0]


def test_one_evaluation_reads_the_initial_or_given_state() -> None:
    g = tank()
    assert g.evaluate({"inflow": 2.0}).value is False  # 0 * 0.5 + 2
    assert g.evaluate({"inflow": 2.0, "state:level": 4.0}).value is True  # 2 + 2


def test_uncertain_inputs_in_a_stateful_graph() -> None:
    g = tank()
    assert g.evaluate({"inflow": cl.Uncertain.normal(5.0, 0.01)}).value is True


def test_a_stateful_graph_in_a_model_runs_batches_as_sequences() -> None:
    m = cl.Model("m", "", tank())
    assert m.evaluate_batch({"inflow": [2.0, 2.0, 2.0]}).tolist() == [False, False, True]


def test_a_state_machine_carries_a_stateful_graphs_state_between_observations() -> None:
    inflow = [1.0, 2.0, 3.0, 0.0, 4.0, 0.5]
    levels, full = tank_by_hand(inflow)
    sm = cl.StateMachine([(cl.State("full", "the tank is full", tank()), "drain")])
    assert sm.inputs == ["inflow"]  # the state column comes from the carried state
    fired = [len(sm.evaluate_all({"inflow": x})) == 1 for x in inflow]
    assert fired == full
    # A table runs its rows in order, carrying on from the state reached.
    more = [2.0, 2.0, 0.0, 5.0]
    levels2, full2 = tank_by_hand(more, start=levels[-1])
    result = sm.run_batch({"inflow": more})
    assert result.rows.tolist() == [i for i, f in enumerate(full2) if f]
    # A fresh machine over a whole table fires exactly where a sequence is full.
    fresh = cl.StateMachine([(cl.State("full", "", tank()), "drain")])
    seq = tank().evaluate_sequence({"inflow": inflow + more})
    rows = fresh.run_batch({"inflow": inflow + more}).rows.tolist()
    assert rows == [i for i, v in enumerate(seq.values.tolist()) if v]


def test_a_machine_over_a_stateful_graph_fires_the_same_after_pickling_in_a_fresh_process(
    tmp_path: Path,
) -> None:
    inflow = [1.0, 2.0, 3.0, 0.0, 4.0, 0.5]
    sm = cl.StateMachine([(cl.State("full", "", tank()), "drain")])
    path = tmp_path / "sm.pkl"
    path.write_bytes(pickle.dumps(sm))
    code = textwrap.dedent(
        f"""
        import pickle
        sm = pickle.loads(open({str(path)!r}, "rb").read())
        print(sm.run_batch({{"inflow": {inflow!r}}}).rows.tolist())
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == repr(sm.run_batch({"inflow": inflow}).rows.tolist())


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0, 10, allow_nan=False), min_size=0, max_size=20))
def test_a_machine_over_a_stateful_graph_fires_like_its_sequence(inflow: list[float]) -> None:
    _, full = tank_by_hand(inflow)
    sm = cl.StateMachine([(cl.State("full", "", tank()), "drain")])
    assert sm.run_batch({"inflow": inflow}).rows.tolist() == [i for i, f in enumerate(full) if f]


def test_a_stateful_graph_nested_in_a_graph_or_collection_is_refused_at_build() -> None:
    outer = cl.CausalGraph("outer")
    with pytest.raises(StateError, match="cannot be nested") as info:
        outer.add(tank())
    assert info.value.state == "level"  # type: ignore[attr-defined]
    with pytest.raises(StateError, match="cannot be nested"):
        cl.CausalCollection([tank()], logic="all", id="c")
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid("a", "", expr=E.col("x") > 0))
    m = cl.Model("m", "", g.freeze())
    with pytest.raises(StateError, match="cannot be nested") as op_info:
        m.apply([cl.ops.add_causaloid(tank())])
    assert op_info.value.operation == 0  # type: ignore[attr-defined]


def test_states_survive_json_and_pickle() -> None:
    g = tank()
    back = cl.CausalGraph.from_json(g.to_json())
    assert back.states == {"level": 0.0}
    assert back.state_writers == {"level": ["level"]}
    p = pickle.loads(pickle.dumps(g))
    assert p.evaluate_sequence({"inflow": [4.0]}).values.tolist() == [True]


def test_two_writers_of_one_state_are_refused_at_freeze() -> None:
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid("a", "", expr=E.state("s") + 1))
    g.add(cl.Causaloid("b", "", expr=E.col("x")))
    g.add_state("s", 0.0, writer="a")
    g.write_state("s", "b")
    with pytest.raises(StateError, match="2 writers"):
        g.freeze()
    assert not g.is_frozen


def test_state_garbage_in_gives_clean_errors() -> None:
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid("a", "", expr=E.state("nope")))
    with pytest.raises(StateError, match="nope"):
        g.freeze()
    g2 = cl.CausalGraph("g2")
    g2.add(cl.Causaloid("a", "", expr=E.col("x")))
    with pytest.raises(StateError):
        g2.add_state("s", float("nan"))
    with pytest.raises(StateError):
        g2.add_state("s", "high")  # type: ignore[arg-type]
    g2.add_state("s", 1.0)
    with pytest.raises(StateError):
        g2.add_state("s", 2.0)
    with pytest.raises(StateError, match="no writer"):
        g2.freeze()
    with pytest.raises(StateError):
        g2.write_state("other", "a")
    with pytest.raises(TypeError):
        E.state("")
    t = tank()
    with pytest.raises(StateError):
        t.evaluate_sequence({"inflow": [1.0]}, state={"volume": 1.0})
    with pytest.raises(UnknownColumnError):
        t.evaluate_sequence({"rain": [1.0]})
    with pytest.raises(InvalidArgumentError):
        t.evaluate_batch({"inflow": [1.0]}, activations=True)


def test_transforms_and_state_work_after_pickle_in_a_fresh_process(tmp_path: Path) -> None:
    path = tmp_path / "g.pkl"
    path.write_bytes(pickle.dumps((scaled(), tank(), cl.Model("m", "", tank()))))
    code = textwrap.dedent(
        f"""
        import pickle
        g, t, m = pickle.loads(open({str(path)!r}, "rb").read())
        print(g.evaluate({{"x": 2.5}}).value, g.evaluate_batch({{"x": [1.0, 3.0]}}).tolist(),
              t.evaluate_sequence({{"inflow": [2.0, 2.0, 2.0]}}).values.tolist(),
              m.evaluate_batch({{"inflow": [2.0, 2.0, 2.0]}}).tolist())
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ("True [False, True] [False, False, True] [False, False, True]")
