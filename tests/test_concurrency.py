"""State machines, ethoses and windows are safe to share between threads and
to use from their own callbacks: every call either works or raises a
documented CausalError, never "Already borrowed" or a PanicException."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import causaloid as cl
from causaloid.csm.errors import ReentrantUseError, StateEvaluationError

col = cl.expr.col
THREADS = 4


def run_threads(*targets: Callable[[], None]) -> list[BaseException]:
    """Run each target in its own thread; every exception they raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(targets))

    def wrap(target: Callable[[], None]) -> Callable[[], None]:
        def go() -> None:
            barrier.wait()
            try:
                target()
            except BaseException as e:  # noqa: BLE001 - collected and reported
                errors.append(e)

        return go

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def py_state(id: str, fn: Callable[..., Any]) -> cl.State:
    return cl.State(id, id, cl.Causaloid(id, id, fn=fn), data=1.0)


def machine(action: Any = "record") -> cl.StateMachine:
    return cl.StateMachine(
        [
            (py_state("py", lambda v, row: row["a"] > 0.5), action),
            (cl.State("ex", "", cl.Causaloid("ex", "", expr=col("a") > 0.2)), "other"),
        ],
        window=cl.Window(3, ["a"]),
    )


def test_a_python_state_evaluated_from_four_threads_counts_every_event() -> None:
    m = machine()
    calls = 50

    def work() -> None:
        for _ in range(calls):
            assert len(m.evaluate_all({"a": 0.9})) == 2

    assert run_threads(*[work] * THREADS) == []
    assert m.events == THREADS * calls
    assert len(m.log) == 2 * THREADS * calls
    assert sorted(f.event for f in m.log if f.state == "py") == list(range(THREADS * calls))


def test_evaluate_all_add_and_events_while_run_batch_runs_in_another_thread() -> None:
    m = machine(lambda firing: None)
    table = {"a": np.linspace(0.0, 1.0, 2_000)}
    seen: list[int] = []

    def batch() -> None:
        for _ in range(3):
            result = m.run_batch(table)
            assert result.n_rows == 2_000

    def single() -> None:
        for i in range(100):
            m.evaluate_all({"a": 0.9})
            seen.append(m.events)
            if i == 50:
                m.add(cl.State("late", "", cl.Causaloid("late", "", expr=col("a") > 2)), "x")
            assert len(m.states) in (2, 3)

    assert run_threads(batch, single) == []
    assert m.events == 3 * 2_000 + 100
    assert seen == sorted(seen)
    assert "late" in m


def test_a_batch_reports_its_own_rows_when_other_threads_evaluate_meanwhile() -> None:
    m = machine()
    table = {"a": np.array([0.0, 0.9, 0.0, 0.9])}
    results: list[Any] = []

    def batch() -> None:
        for _ in range(20):
            results.append(m.run_batch(table))

    def single() -> None:
        for _ in range(200):
            m.evaluate_all({"a": 0.0})

    assert run_threads(batch, single) == []
    for r in results:
        assert list(r.fired("py")) == [1, 3]


def test_a_state_function_that_uses_its_own_machine_is_refused_cleanly() -> None:
    box: dict[str, Any] = {}

    def reads_events(v: Any, row: Any) -> bool:
        return bool(box["m"].events >= 0)

    def evaluates_again(v: Any, row: Any) -> bool:
        box["m"].evaluate_all({"a": 1.0})
        return True

    for fn in (reads_events, evaluates_again):
        m = cl.StateMachine([(py_state("s", fn), "x")])
        box["m"] = m
        with pytest.raises(StateEvaluationError) as info:
            m.evaluate_all({"a": 1.0})
        causes = []
        cause: BaseException | None = info.value
        while cause is not None:
            causes.append(cause)
            cause = cause.__cause__
        assert any(isinstance(c, ReentrantUseError) for c in causes)
        assert "cannot be used from one of its own state functions" in str(info.value)
        # The machine is still usable afterwards.
        box["m"] = None
        assert m.events == 1


def test_an_action_may_read_and_change_its_own_machine() -> None:
    box: dict[str, Any] = {}
    seen: list[int] = []

    def action(firing: Any) -> None:
        m = box["m"]
        seen.append(m.events)
        if "late" not in m:
            m.add(cl.State("late", "", cl.Causaloid("late", "", expr=col("a") > 0.0)), "x")

    m = cl.StateMachine([(py_state("s", lambda v, row: True), action)])
    box["m"] = m
    m.evaluate_all({"a": 1.0})
    m.evaluate_all({"a": 1.0})
    assert seen == [1, 2]
    assert [f.state for f in m.log] == ["s", "s", "late"]


def test_an_ethos_changed_while_other_threads_evaluate_it() -> None:
    slow_calls = []

    def slow(context: Any) -> bool:
        slow_calls.append(1)
        return True

    ethos = cl.Ethos([cl.Norm("n0", "act", slow, "obligatory")])

    def evaluate() -> None:
        for _ in range(200):
            v = ethos.evaluate("act", {"x": 1.0})
            assert v.modality in ("obligatory", "impermissible", "optional")

    def change() -> None:
        for i in range(1, 100):
            ethos.add(cl.Norm(f"n{i}", "act", slow, "impermissible", priority=i))
            if i % 3 == 0:
                ethos.remove(f"n{i}")

    assert run_threads(evaluate, evaluate, change) == []
    assert len(ethos) == 1 + 99 - 33


def test_an_ethos_changed_from_its_own_predicate_decides_on_the_old_norms() -> None:
    box: dict[str, Any] = {}

    def adds_a_norm(context: Any) -> bool:
        e = box["e"]
        e.add(cl.Norm(f"late{len(e)}", "act", None, "impermissible", priority=99))
        return True

    ethos = cl.Ethos([cl.Norm("first", "act", adds_a_norm, "obligatory")])
    box["e"] = ethos
    v = ethos.evaluate("act", {})
    assert v.modality == "obligatory" and v.decided_by == "first"
    assert len(ethos) == 2
    assert not ethos.evaluate("act", {})


def test_a_machine_with_an_ethos_vets_from_many_threads() -> None:
    ethos = cl.Ethos([cl.Norm("no", "record", col("a") > 0.95, "impermissible")])
    m = cl.StateMachine([(py_state("py", lambda v, row: row["a"] > 0.5), "record")], ethos=ethos)
    values = [0.9, 0.99] * 25

    def work() -> None:
        for a in values:
            m.evaluate_all({"a": a})

    assert run_threads(*[work] * THREADS) == []
    outcomes = [f.outcome for f in m.log]
    assert outcomes.count("refused") == outcomes.count("recorded") == THREADS * 25


def test_a_window_pushed_and_read_from_many_threads() -> None:
    w = cl.Window(1_000, ["x"])

    def push() -> None:
        for i in range(250):
            w.push({"x": float(i)})
            w.mean("x")
            w.values("x")

    assert run_threads(*[push] * THREADS) == []
    assert len(w) == 1_000 and w.is_full
    assert w.stat("x", "sum") == THREADS * sum(range(250))
