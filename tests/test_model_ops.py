"""Model changes as data: operation programs applied atomically by the
engine, modification logs (explained, JSON, pickle, replay, diff)."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid import expr as E
from causaloid.context.errors import UnknownContextError, UnknownContextoidError
from causaloid.errors import (
    CycleError,
    DuplicateIdError,
    InvalidArgumentError,
    SerializationError,
    StateError,
    UnknownNodeError,
)


def plant() -> cl.Model:
    limits = cl.Context(1, "limits").add(cl.Data("max_temp", 30.0))
    g = cl.CausalGraph("plant", "")
    g.add(
        cl.Causaloid(
            "hot", "too hot", expr=E.col("temp") > E.ctx_value("max_temp", context="limits")
        )
    )
    g.add(cl.Causaloid("alarm", "alarm", expr=E.value()))
    g.link("hot", "alarm")
    return cl.Model("m", "plant", g.freeze(), context=limits)


def program() -> list[cl.ops.Operation]:
    return [
        cl.ops.add_causaloid(
            cl.Causaloid("smoke", "smoke", expr=E.col("smoke") > 0.2), children=["alarm"]
        ),
        cl.ops.set_field("limits", "max_temp", "value", 40.0),
        cl.ops.add_causaloid(cl.Causaloid("count", "counter", expr=E.state("n") + 1)),
        cl.ops.add_state("n", 0.0, writer="count"),
        cl.ops.add_causaloid(
            cl.Causaloid("many", "counted past 2", expr=E.value() > 2),
            parents=["count"],
            children=["alarm"],
        ),
    ]


ROW = {"temp": 35.0, "smoke": 0.0}


def test_a_program_returns_a_changed_copy_and_a_log() -> None:
    m = plant()
    before = m.to_json()
    m2, log = m.apply(program())
    assert m.to_json() == before
    assert m.evaluate(ROW).value is True  # 35 > 30
    assert m2.evaluate(ROW).value is False  # 35 > 40 no, smoke no, count 1
    assert m.context("limits").value("max_temp") == 30.0
    assert m2.context("limits").value("max_temp") == 40.0
    assert m2.causaloid.nodes == ["hot", "alarm", "smoke", "count", "many"]
    assert len(log) == 5
    text = log.explain()
    assert text.startswith('1. added causaloid "smoke"')
    assert 'set value of contextoid "max_temp" to 40' in text
    assert 'added the state "n"' in text
    assert str(log) == text and list(log) == log.summaries


def test_unchanged_parts_keep_their_python_objects() -> None:
    m = plant()
    fn = cl.Causaloid("py", "a python function", fn=lambda v: v > 0.5)
    m2, _ = m.apply([cl.ops.add_causaloid(fn, parents=["hot"])])
    assert m2.causaloid["hot"] is m.causaloid["hot"]
    assert m2.causaloid["py"] is fn
    m3, _ = m.apply([cl.ops.remove_causaloid("alarm")])
    assert m3.context("limits") is m.context("limits")


@pytest.mark.parametrize(
    "bad, error, index",
    [
        (cl.ops.remove_causaloid("ghost"), UnknownNodeError, 1),
        (cl.ops.add_edge("alarm", "hot"), CycleError, 1),
        (cl.ops.add_causaloid(cl.Causaloid("hot", "", expr=E.col("x"))), DuplicateIdError, 1),
        (cl.ops.remove_context("nowhere"), UnknownContextError, 1),
        (cl.ops.set_field("limits", "ghost", "value", 1.0), UnknownContextoidError, 1),
        (cl.ops.update_state("nope", 1.0), StateError, 1),
    ],
)
def test_a_failing_operation_changes_nothing_and_names_its_index(
    bad: cl.ops.Operation, error: type, index: int
) -> None:
    m = plant()
    before = m.to_json()
    with pytest.raises(error) as info:
        m.apply([cl.ops.set_field("limits", "max_temp", "value", 50.0), bad])
    assert info.value.operation == index
    assert info.value.op == bad.name
    assert f"operation {index}" in str(info.value)
    assert m.to_json() == before
    assert m.context("limits").value("max_temp") == 30.0


def test_two_writers_added_by_a_program_are_refused() -> None:
    m, _ = plant().apply(program())
    with pytest.raises(StateError) as info:
        m.apply([cl.ops.add_state("n", 0.0, writer="hot")])
    assert info.value.operation == 0


def test_node_operations_need_a_graph() -> None:
    m = cl.Model("m", "", cl.Causaloid("c", "", expr=E.col("x") > 1))
    with pytest.raises(InvalidArgumentError):
        m.apply([cl.ops.remove_causaloid("c")])
    m2, log = m.apply([cl.ops.update_causaloid(cl.Causaloid("c", "", expr=E.col("x") > 5))])
    assert m2.evaluate({"x": 3.0}).value is False and "replaced" in log.explain()


def test_garbage_in_gives_clean_errors() -> None:
    m = plant()
    with pytest.raises(TypeError):
        m.apply(["add a node"])
    with pytest.raises(TypeError):
        cl.ops.add_causaloid("not a causaloid")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cl.ops.add_edge("a", "b", transform="x*2")
    with pytest.raises(InvalidArgumentError):
        cl.ops.update_state("n", float("inf"))
    with pytest.raises(TypeError):
        m.replay("log")  # type: ignore[arg-type]
    with pytest.raises(SerializationError):
        cl.ops.program_from_json(
            '{"format": "causaloid-ops", "version": 1, "operations": [{"op": "explode"}]}'
        )
    with pytest.raises(SerializationError):
        cl.ops.ModificationLog.from_json("[]")
    with pytest.raises(SerializationError):
        cl.ops.program_from_json(b"{}")  # type: ignore[arg-type]


def test_a_log_replays_onto_an_equal_model_through_json_and_pickle() -> None:
    m2, log = plant().apply(program())
    from_json = cl.ops.ModificationLog.from_json(log.to_json())
    assert from_json.to_json() == log.to_json()
    for again in (log, from_json, pickle.loads(pickle.dumps(log))):
        replayed, log2 = plant().replay(again)
        assert replayed.to_json() == m2.to_json()
        assert log2.summaries == log.summaries


def test_a_program_round_trips_through_json_and_pickle() -> None:
    text = cl.ops.program_to_json(program())
    ops = cl.ops.program_from_json(text)
    assert cl.ops.program_to_json(ops) == text
    assert cl.ops.program_to_json(pickle.loads(pickle.dumps(program()))) == text


def test_the_diff_of_two_models_turns_one_into_the_other() -> None:
    m = plant()
    m2, _ = m.apply(program())
    forward = m.diff(m2)
    assert m.apply(forward)[0].to_json() == m2.to_json()
    assert m2.apply(m2.diff(m))[0].to_json() == m.to_json()
    assert m.diff(m) == []


def test_two_logs_compare_operation_by_operation() -> None:
    _, full = plant().apply(program())
    _, short = plant().apply(program()[:2])
    d = full.diff(short)
    assert d.common == 2 and d.only_left == [2, 3, 4] and d.only_right == []
    _, other = plant().apply([cl.ops.set_field("limits", "max_temp", "value", 1.0)])
    assert full.diff(other) == cl.ops.LogDiff(0, [0, 1, 2, 3, 4], [0])


def test_a_program_reading_an_undeclared_state_fails_at_its_last_graph_operation() -> None:
    with pytest.raises(StateError) as info:
        plant().apply(program()[:3])
    assert info.value.operation == 2


def test_edge_transforms_and_states_by_operation() -> None:
    m2, log = plant().apply(
        [
            cl.ops.add_causaloid(cl.Causaloid("raw", "", expr=E.col("mbar"))),
            cl.ops.add_causaloid(cl.Causaloid("bar", "", expr=E.value() > 6), children=["alarm"]),
            cl.ops.add_edge("raw", "bar", transform=E.value() / 1000),
        ]
    )
    assert m2.evaluate({"temp": 0.0, "mbar": 6500.0}).value is True
    assert m2.evaluate({"temp": 0.0, "mbar": 5000.0}).value is False
    m3, log3 = m2.apply([cl.ops.set_transform("raw", "bar", None)])
    assert m3.evaluate({"temp": 0.0, "mbar": 5000.0}).value is True
    assert "was (value() / 1000.0)" in log3.explain()


NAMES = ["a", "b", "c", "d"]


@st.composite
def programs(draw: st.DrawFn) -> list[cl.ops.Operation]:
    ops: list[cl.ops.Operation] = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["add", "update", "remove", "edge", "unedge"]))
        a, b = draw(st.sampled_from(NAMES)), draw(st.sampled_from(NAMES))
        k = draw(st.floats(0, 1, allow_nan=False))
        if kind == "add":
            ops.append(cl.ops.add_causaloid(cl.Causaloid(a, "", expr=E.col("x") > k)))
        elif kind == "update":
            ops.append(cl.ops.update_causaloid(cl.Causaloid(a, "", expr=E.col("x") < k)))
        elif kind == "remove":
            ops.append(cl.ops.remove_causaloid(a))
        elif kind == "edge":
            ops.append(cl.ops.add_edge(a, b, transform=E.value() if k > 0.5 else None))
        else:
            ops.append(cl.ops.remove_edge(a, b))
    return ops


@settings(max_examples=60, deadline=None)
@given(programs())
def test_replaying_a_log_equals_the_applied_model(ops: list[cl.ops.Operation]) -> None:
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid("root", "", expr=E.col("x") > 0.5))
    m = cl.Model("m", "", g.freeze())
    try:
        applied, log = m.apply(ops)
    except cl.CausalError as err:
        assert 0 <= err.operation < len(ops)  # type: ignore[attr-defined]
        return
    assert m.replay(log)[0].to_json() == applied.to_json()
    assert m.apply(m.diff(applied))[0].to_json() == applied.to_json()
    assert applied.evaluate_batch({"x": [0.2, 0.7]}).tolist() == [
        applied.evaluate({"x": x}).value for x in (0.2, 0.7)
    ]


def test_a_changed_model_and_its_log_work_after_pickle_in_a_fresh_process(tmp_path: Path) -> None:
    m2, log = plant().apply(program())
    path = tmp_path / "m.pkl"
    path.write_bytes(pickle.dumps((plant(), m2, log)))
    code = textwrap.dedent(
        f"""
        import pickle
        m, m2, log = pickle.loads(open({str(path)!r}, "rb").read())
        print(m2.evaluate({ROW!r}).value, m.replay(log)[0].to_json() == m2.to_json(), len(log))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False True 5"
