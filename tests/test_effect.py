"""Effects and processes: binding, short-circuiting, interventions, logs, monad laws."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

import causaloid as cl
from causaloid.errors import CallableError, CausalError

finite = st.floats(allow_nan=False, allow_infinity=False, width=32)


def test_bind_accepts_plain_values_and_effects_and_logs_every_step():
    e = cl.Effect.pure(10.0).bind(lambda x: x * 2).bind(lambda x: cl.Effect.pure(x + 1))
    assert e.value == 21.0 and e.ok
    assert e.log[0] == "pure: 10.0" and "10.0 -> 20.0" in e.log[1]


def test_an_exception_in_a_step_becomes_an_error_that_short_circuits():
    calls = []
    e = (
        cl.Effect.pure(1.0)
        .bind(lambda x: 1 / 0)
        .bind(lambda x: calls.append(x) or x)
        .intervene(5.0)
    )
    assert calls == [] and e.value is None
    assert isinstance(e.error, CallableError) and isinstance(e.error.__cause__, ZeroDivisionError)
    assert "ZeroDivisionError" in str(e.error)
    assert e.log[-1] == "intervention skipped: an earlier step failed"
    with pytest.raises(CallableError):
        e.unwrap()


def test_intervention_replaces_the_value_and_is_recorded():
    e = cl.Effect.pure(10.0).bind(lambda x: x * 0.8).intervene(3.0).bind(lambda x: x * 0.9)
    assert e.value == pytest.approx(2.7)
    assert "intervention: value set to 3.0 (was 8.0)" in e.log


def test_effect_error_must_be_a_causal_error():
    with pytest.raises(TypeError, match="CausalError"):
        cl.Effect(1.0, error=ValueError("x"))  # type: ignore[arg-type]
    assert (
        cl.Effect.fail("boom").error == CausalError("boom")
        or str(cl.Effect.fail("boom").error) == "boom"
    )


def test_effects_pickle_with_their_log():
    e = cl.Effect.pure(2.0).bind(lambda x: x + 1).intervene(7.0)
    back = pickle.loads(pickle.dumps(e))
    assert back == e and back.log == e.log


@given(finite, finite)
def test_monad_laws_hold(x: float, k: float):
    def f(v: float) -> cl.Effect:
        return cl.Effect.pure(v * k)

    def g(v: float) -> cl.Effect:
        return cl.Effect.pure(v + 1)

    unit = cl.Effect.pure
    # left identity: pure(x) >>= f has f's value and f's log after the unit's
    assert unit(x).bind(f).value == f(x).value
    assert unit(x).bind(f).log == (*unit(x).log, *f(x).log)
    # right identity
    assert f(x).bind(unit).value == f(x).value
    # associativity
    assert f(x).bind(g).bind(f) == f(x).bind(lambda v: g(v).bind(f))


def test_process_threads_state_and_context_and_short_circuits():
    p = cl.Process.pure(2.0, state=0, context={"gain": 3.0})
    p = (
        p.bind(lambda v, s, c: v * c["gain"])
        .set_state(lambda v, s, c: s + 1)
        .bind(lambda v, s, c: v + s)
    )
    assert (p.value, p.state) == (7.0, 1)
    failed = p.bind(lambda v, s, c: {}["missing"]).bind(lambda v, s, c: v + 100)
    assert failed.value is None and isinstance(failed.error, CallableError)
    assert failed.state == 1
    assert cl.Process.pure(1.0).intervene(4.0).value == 4.0
