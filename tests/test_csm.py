"""The state machine fires the actions of active states, lets the ethos veto
them, records failures, and changes states all-or-nothing."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

import causaloid as cl
from causaloid.csm.errors import (
    ActionError,
    DuplicateStateError,
    ObservationError,
    StateEvaluationError,
    UnknownStateError,
)
from causaloid.errors import NotFrozenError, VerdictError

col = cl.expr.col


def expr_state(id: str, expr: Any, **kw: Any) -> cl.State:
    return cl.State(id, id, cl.Causaloid(id, id, expr=expr), **kw)


def test_active_states_fire_in_order_and_are_logged() -> None:
    seen: list[Any] = []
    csm = cl.StateMachine(
        [
            (
                expr_state("hot", col("temp") > 50),
                lambda f: seen.append((f.state, f.input["temp"])),
            ),
            (expr_state("smoky", col("smoke") > 0.5), "record_smoke"),
        ]
    )
    assert csm.inputs == ["temp", "smoke"]
    fired = csm.evaluate_all({"temp": 60.0, "smoke": 0.9})
    assert [(f.state, f.action, f.outcome) for f in fired] == [
        ("hot", "<lambda>", "fired"),
        ("smoky", "record_smoke", "recorded"),
    ]
    assert seen == [("hot", 60.0)]
    assert fired[0].verdict is True and fired[0].vetting is None
    assert csm.evaluate_all({"temp": 10.0, "smoke": 0.1}) == []
    assert csm.events == 2 and len(csm.log) == 2


def test_evaluate_one_state_with_a_value_or_an_observation() -> None:
    c = cl.Causaloid("v", "value above 3", expr=cl.expr.value() > 3)
    csm = cl.StateMachine(
        [
            (cl.State("v", "", c, data=5.0), "a"),
            (expr_state("t", col("temp") > 1), "b"),
        ]
    )
    assert [f.state for f in csm.evaluate("v")] == ["v"]  # its data
    assert csm.evaluate("v", 1.0) == []
    assert csm.evaluate("t", {"temp": 2.0})[0].input["temp"] == 2.0  # smoke-free row is fine
    with pytest.raises(ObservationError, match="temp"):
        csm.evaluate("t", {"x": 1.0})
    with pytest.raises(UnknownStateError) as e:
        csm.evaluate("nope", 1.0)
    assert e.value.state_id == "nope"


def test_states_can_be_any_form_of_causaloid() -> None:
    health = cl.CausalCollection(
        [cl.Causaloid(i, "", expr=col(f"s{i}") > 0) for i in range(3)],
        logic=cl.AtLeast(2),
        id="healthy",
    )
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid("a", "", expr=col("x") > 1))
    g.add(cl.Causaloid("b", "", fn=lambda v: v))
    g.link("a", "b")
    with pytest.raises(NotFrozenError):
        cl.State("graph", "", g)
    g.freeze()
    csm = cl.StateMachine([(cl.State("coll", "", health), "ok"), (cl.State("graph", "", g), "go")])
    fired = csm.evaluate_all({"s0": 1.0, "s1": 1.0, "s2": -1.0, "x": 2.0})
    assert [f.state for f in fired] == ["coll", "graph"]


def test_the_ethos_refuses_an_action_which_is_logged_not_executed() -> None:
    ran: list[int] = []
    ethos = cl.Ethos(
        [cl.Norm("two-sensors", "evacuate", col("agreeing") < 2, "impermissible", priority=10)]
    )
    csm = cl.StateMachine(
        [(expr_state("fire", col("heat") > 80), cl.Action("evacuate", lambda: ran.append(1)))],
        ethos=ethos,
    )
    assert csm.inputs == ["heat", "agreeing"]
    (f,) = csm.evaluate_all({"heat": 90.0, "agreeing": 1.0})
    assert f.outcome == "refused" and ran == []
    assert "impermissible" in f.justification and not f.vetting
    (f,) = csm.evaluate_all({"heat": 90.0, "agreeing": 2.0})
    assert f.outcome == "fired" and ran == [1]
    # The ethos also sees the state's verdict.
    csm.ethos = cl.Ethos([cl.Norm("unsure", "*", col("verdict") < 0.9, "impermissible")])
    degree = cl.StateMachine([(expr_state("d", col("x")), "act")], ethos=csm.ethos)
    assert degree.evaluate_all({"x": 0.7})[0].outcome == "refused"
    assert degree.evaluate_all({"x": 0.95})[0].outcome == "recorded"


def test_a_raising_action_is_recorded_and_the_other_states_still_fire() -> None:
    def jam() -> None:
        raise RuntimeError("pump jammed")

    csm = cl.StateMachine(
        [
            (expr_state("a", col("x") > 0), jam),
            (expr_state("b", col("x") > 0), "ok"),
        ]
    )
    fired = csm.evaluate_all({"x": 1.0}, errors="record")
    assert [f.outcome for f in fired] == ["failed", "recorded"]
    assert isinstance(fired[0].error, ActionError)
    assert isinstance(fired[0].error.__cause__, RuntimeError)
    event, state, err = csm.errors[0]
    assert (event, state) == (0, "a") and "pump jammed" in str(err)
    with pytest.raises(ActionError, match="pump jammed") as e:
        csm.evaluate_all({"x": 1.0})
    assert e.value.state_id == "a" and e.value.action == "jam"
    assert len(csm.log) == 4  # both observations fully logged before raising


def test_a_state_that_fails_to_decide_is_recorded_with_its_cause() -> None:
    csm = cl.StateMachine(
        [(expr_state("bad", col("x")), "a"), (expr_state("ok", col("x") > 0), "b")]
    )
    fired = csm.evaluate_all({"x": 3.0}, errors="record")
    assert [f.state for f in fired] == ["ok"]
    _, state, err = csm.errors[0]
    assert state == "bad" and isinstance(err, StateEvaluationError)
    assert isinstance(err.__cause__, VerdictError)


def test_bad_observations_raise_naming_the_column_and_the_state() -> None:
    csm = cl.StateMachine([(expr_state("hot", col("temp") > 50), "a")])
    with pytest.raises(ObservationError, match="temp") as e:
        csm.evaluate_all({"heat": 1.0})
    assert e.value.column == "temp" and e.value.state_id == "hot"
    with pytest.raises(cl.errors.ColumnTypeError, match="temp"):
        csm.evaluate_all({"temp": "hot"})
    assert csm.events == 0


def test_state_changes_are_all_or_nothing_even_from_inside_an_action() -> None:
    csm = cl.StateMachine([(expr_state("hot", col("temp") > 50), "a")])
    with pytest.raises(DuplicateStateError):
        csm.add(expr_state("hot", col("temp") > 0), "b")
    with pytest.raises(UnknownStateError):
        csm.remove("cold")
    with pytest.raises(TypeError):
        csm.add("not a state", "b")  # type: ignore[arg-type]
    assert len(csm) == 1 and csm.inputs == ["temp"]

    def escalate(firing: Any) -> None:
        if "very_hot" not in csm:
            csm.add(expr_state("very_hot", col("temp") > 80), "sprinkle")

    csm.update(expr_state("hot", col("temp") > 50), escalate)
    assert [f.state for f in csm.evaluate_all({"temp": 90.0})] == ["hot"]
    assert [f.state for f in csm.evaluate_all({"temp": 90.0})] == ["hot", "very_hot"]
    csm.remove("very_hot")
    assert [s.id for s in csm.states] == ["hot"]


def test_window_summaries_are_columns_the_states_read() -> None:
    csm = cl.StateMachine(
        [(expr_state("rising", col("temp.delta") > 5), "warn")],
        window=cl.Window(3, ["temp"]),
    )
    out = [len(csm.evaluate_all({"temp": t})) for t in [20.0, 23.0, 27.0, 27.5]]
    assert out == [0, 0, 1, 0]
    assert list(csm.window.values("temp")) == [23.0, 27.0, 27.5]


def test_window_rejects_bad_use() -> None:
    from causaloid.csm.errors import WindowError

    with pytest.raises(WindowError):
        cl.Window(0, ["x"])
    w = cl.Window(2, ["x"])
    with pytest.raises(WindowError, match="x"):
        w.push({"y": 1.0})
    with pytest.raises(WindowError, match="median"):
        w.stat("x", "median")


def test_a_state_machine_pickles() -> None:
    csm = cl.StateMachine(
        [(expr_state("hot", col("temp") > 50), "alert")],
        ethos=cl.Ethos([cl.Norm("n", "alert", col("temp") > 99, "impermissible")]),
    )
    back = pickle.loads(pickle.dumps(csm))
    assert [f.outcome for f in back.evaluate_all({"temp": 60.0})] == ["recorded"]
    assert [f.outcome for f in back.evaluate_all({"temp": 100.0})] == ["refused"]


def test_states_are_immutable_so_no_change_is_silently_ignored() -> None:
    s = expr_state("hot", col("temp") > 50)
    with pytest.raises(AttributeError, match="update"):
        s.data = 1.0
