"""cl.Process flow steps: every one of them is logged and short-circuits on errors."""

from __future__ import annotations

import pytest

import causaloid as cl
from causaloid.effect import GuardError, StepLimitError
from causaloid.errors import CallableError


def test_a_tuple_returned_by_a_step_is_the_value_not_a_state_change():
    p = cl.Process.pure(1.0, state="kept").bind(lambda v, s, c: (v, "not a state"))
    assert p.value == (1.0, "not a state") and p.state == "kept"


def test_state_and_context_are_replaced_mid_chain_and_logged():
    p = (
        cl.Process.pure(2.0, state={"n": 0}, context={"gain": 3.0})
        .set_state(lambda v, s, c: {"n": s["n"] + 1})
        .set_context({"gain": 10.0})
        .bind(lambda v, s, c: v * c["gain"])
    )
    assert (p.value, p.state, p.context) == (20.0, {"n": 1}, {"gain": 10.0})
    assert "state replaced: {'n': 0} -> {'n': 1}" in p.log
    assert "context replaced: {'gain': 3.0} -> {'gain': 10.0}" in p.log


def test_conditional_intervention_logs_both_outcomes():
    hot = cl.Process.pure(90.0).intervene_if(lambda v, s, c: v > 80, 80.0)
    cool = cl.Process.pure(50.0).intervene_if(lambda v, s, c: v > 80, 80.0)
    assert hot.value == 80.0 and cool.value == 50.0
    assert "value set to 80.0 (was 90.0)" in hot.log[-1]
    assert "condition false" in cool.log[-1]


def test_branch_takes_the_chosen_sub_chain():
    def collatz(p: cl.Process) -> cl.Process:
        return p.branch(
            lambda v, s, c: v % 2 == 0,
            lambda q: q.bind(lambda v, s, c: v // 2),
            lambda q: q.bind(lambda v, s, c: 3 * v + 1),
        )

    assert collatz(cl.Process.pure(6)).value == 3
    assert collatz(cl.Process.pure(3)).value == 10
    assert any("branch on" in line and "false" in line for line in collatz(cl.Process.pure(3)).log)


def test_iterate_and_until_loop_with_a_logged_bound():
    assert cl.Process.pure(1).iterate(5, lambda v, s, c: v * 2).value == 32
    # closed-loop pump: lower the glucose level by 20 % a step until it is in range
    p = cl.Process.pure(250.0, context={"target": 120.0}).until(
        lambda v, s, c: v <= c["target"], lambda v, s, c: v * 0.8, max_steps=10
    )
    assert p.ok and p.value <= 120.0 and p.log[-1].endswith("holds after 4 steps")
    stuck = cl.Process.pure(250.0).until(
        lambda v, s, c: v < 0, lambda v, s, c: v * 0.8, max_steps=3
    )
    assert isinstance(stuck.error, StepLimitError) and stuck.error.max_steps == 3


def test_guard_stops_and_recover_turns_the_error_into_a_value():
    p = cl.Process.pure(-5.0).guard(lambda v, s, c: v >= 0, "negative dose")
    assert isinstance(p.error, GuardError) and "negative dose" in str(p.error)
    skipped = p.bind(lambda v, s, c: v + 1)
    assert skipped.error is p.error
    fixed = skipped.recover(lambda e, s, c: 0.0).bind(lambda v, s, c: v + 1)
    assert fixed.ok and fixed.value == 1.0
    assert any(line.startswith("recovered by") for line in fixed.log)
    assert cl.Process.pure(1.0).recover(lambda e, s, c: 0.0).value == 1.0


def test_a_failing_predicate_is_an_error_in_the_process_not_a_crash():
    p = cl.Process.pure(1.0).guard(lambda v, s, c: {}["x"])
    assert isinstance(p.error, CallableError)
    b = cl.Process.pure(1.0).branch(lambda v, s, c: True, lambda q: 42)  # type: ignore[arg-type,return-value]
    assert isinstance(b.error, CallableError)


@pytest.mark.parametrize("bad", [-1, 2.5, True, "3", None])
def test_a_loop_bound_that_is_not_a_non_negative_int_is_refused(bad: object) -> None:
    p = cl.Process.pure(1.0)
    with pytest.raises(cl.errors.InvalidArgumentError) as err:
        p.iterate(bad, lambda v, s, c: v)  # type: ignore[arg-type]
    assert err.value.parameter == "n"
    with pytest.raises(cl.errors.InvalidArgumentError) as err:
        p.until(lambda v, s, c: True, lambda v, s, c: v, max_steps=bad)  # type: ignore[arg-type]
    assert err.value.parameter == "max_steps"
    # zero is a valid bound: no step runs, the predicate is still checked
    assert p.iterate(0, lambda v, s, c: v + 1).value == 1.0
    assert p.until(lambda v, s, c: True, lambda v, s, c: v + 1, max_steps=0).ok
