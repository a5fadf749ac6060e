"""Streams and tables through the state machine: every item is accounted for,
errors are collected with their item, and a batch fires exactly what the same
rows fire one by one."""

from __future__ import annotations

import asyncio
from collections import namedtuple
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid.csm.errors import ActionError, ObservationError

col = cl.expr.col


def expr_state(id: str, expr: Any) -> cl.State:
    return cl.State(id, id, cl.Causaloid(id, id, expr=expr))


def machine(actions: dict[str, Any] | None = None) -> cl.StateMachine:
    """Expression, degree, collection and callable states, a window and an ethos."""
    actions = actions or {}
    both = cl.CausalCollection(
        [cl.Causaloid("a", "", expr=col("a") > 0.3), cl.Causaloid("b", "", expr=col("b") > 0.6)],
        id="both",
    )
    ethos = cl.Ethos(
        [
            cl.Norm("calm", "act_a", col("b") > 0.9, "impermissible"),
            cl.Norm("sure", "*", col("verdict") > 0.8, "optional", priority=1),
        ]
    )
    return cl.StateMachine(
        [
            (expr_state("sa", col("a") > 0.5), actions.get("sa", "act_a")),
            (expr_state("degree", col("b")), actions.get("degree", "act_b")),
            (cl.State("both", "", both), actions.get("both", "act_c")),
            (expr_state("mean", col("a.mean") > 0.5), actions.get("mean", "act_a")),
            (
                cl.State(
                    "py", "", cl.Causaloid("py", "", fn=lambda v, row: row["a"] > 0.8), data=1.0
                ),
                actions.get("py", "act_d"),
            ),
        ],
        ethos=ethos,
        window=cl.Window(4, ["a"]),
    )


def signature(firings: list[Any]) -> list[tuple[Any, ...]]:
    return [(f.event, f.state, f.action, f.verdict, f.outcome, f.justification) for f in firings]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.floats(-0.2, 1.2)), max_size=60))
def test_run_batch_fires_exactly_what_run_fires(rows: list[tuple[float, float]]) -> None:
    one, many = machine(), machine()
    report = one.run({"a": a, "b": b} for a, b in rows)
    table = {"a": np.array([r[0] for r in rows]), "b": np.array([r[1] for r in rows])}
    result = many.run_batch(table)
    assert signature(report.firings) == signature(result.firings)
    assert [(e.event, e.state, str(e.error)) for e in report.errors] == [
        (e.event, e.state, str(e.error)) for e in result.errors
    ]
    assert list(result.rows) == [f.event for f in report.firings]
    assert one.events == many.events == len(rows)
    assert list(one.window.values("a")) == list(many.window.values("a"))


def test_run_batch_says_which_states_fired_on_which_rows_and_runs_their_actions() -> None:
    seen: list[tuple[str, float]] = []
    csm = cl.StateMachine(
        [
            (expr_state("hot", col("temp") > 50), lambda f, obs: seen.append(("hot", obs["temp"]))),
            (expr_state("smoky", col("smoke") > 0.5), "log"),
        ]
    )
    result = csm.run_batch({"temp": [10.0, 60.0, 70.0], "smoke": [0.9, 0.0, 0.6]})
    assert list(result.rows) == [0, 1, 2, 2]
    assert result.states == ["smoky", "hot", "hot", "smoky"]
    assert list(result.fired("hot")) == [1, 2]
    assert result.matrix().tolist() == [[False, True], [True, False], [True, True]]
    assert seen == [("hot", 60.0), ("hot", 70.0)]
    with pytest.raises(ObservationError, match="smoke"):
        csm.run_batch({"temp": [1.0]})


def test_frames_run_row_by_row_and_in_one_batch() -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"temp": [10.0, 60.0, 70.0], "smoke": [0.9, 0.0, 0.6]})
    a = cl.StateMachine([(expr_state("hot", col("temp") > 50), "x")])
    b = cl.StateMachine([(expr_state("hot", col("temp") > 50), "x")])
    assert [f.event for f in a.run(df).firings] == [1, 2]
    assert list(b.run_batch(df).rows) == [1, 2]
    c = cl.StateMachine([(expr_state("hot", col("temp") > 50), "x")])
    assert len(c.run(df.itertuples(index=False)).firings) == 2


def test_streams_take_dicts_tuples_and_named_tuples_and_record_bad_items() -> None:
    Reading = namedtuple("Reading", "temp smoke")
    csm = cl.StateMachine([(expr_state("hot", col("temp") > 50), "x")])
    items: list[Any] = [{"temp": 60.0}, (70.0,), Reading(80.0, 0.1), (1.0, 2.0), "junk", {"t": 1}]
    report = csm.run(items)
    assert report.items == 6 and report.count("recorded") == 3
    assert [e.position for e in report.errors] == [3, 4, 5]
    assert all(isinstance(e.error, ObservationError) for e in report.errors)
    assert report.errors[2].item == {"t": 1}
    assert "expected 1 (temp)" in str(report.errors[0].error)
    assert csm.events == 3


def test_a_failing_action_never_loses_an_observation() -> None:
    calls: list[float] = []

    def flaky(firing: Any) -> None:
        calls.append(firing.input["x"])
        if firing.input["x"] == 2.0:
            raise RuntimeError("network down")

    csm = cl.StateMachine([(expr_state("s", col("x") > 0), flaky)])
    report = csm.run({"x": float(i)} for i in range(1, 5))
    assert calls == [1.0, 2.0, 3.0, 4.0]
    assert [f.outcome for f in report.firings] == ["fired", "failed", "fired", "fired"]
    (err,) = report.errors
    assert err.position == 1 and err.item == {"x": 2.0} and isinstance(err.error, ActionError)
    with pytest.raises(ActionError) as e:
        cl.StateMachine([(expr_state("s", col("x") > 0), flaky)]).run(
            ({"x": float(i)} for i in range(1, 5)), stop_on_error=True
        )
    assert e.value.report.items == 2


def test_async_iterables_are_consumed() -> None:
    async def readings() -> AsyncIterator[dict[str, float]]:
        for t in [10.0, 60.0, 70.0]:
            await asyncio.sleep(0)
            yield {"temp": t}

    csm = cl.StateMachine([(expr_state("hot", col("temp") > 50), "x")])
    assert csm.run(readings()).count("recorded") == 2

    async def inside_a_loop() -> int:
        with pytest.raises(TypeError, match="arun"):
            csm.run(readings())
        return (await csm.arun(readings())).count("recorded")

    assert asyncio.run(inside_a_loop()) == 2


garbage = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=5),
    st.lists(st.floats(allow_nan=True), max_size=3).map(tuple),
    st.dictionaries(
        st.sampled_from(["temp", "smoke", "other"]),
        st.one_of(st.floats(allow_nan=True), st.text(max_size=3), st.booleans(), st.none()),
        max_size=3,
    ),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(garbage, max_size=20))
def test_garbage_streams_are_recorded_never_raised(items: list[Any]) -> None:
    csm = cl.StateMachine(
        [
            (expr_state("hot", col("temp") > 50), "alert"),
            (expr_state("degree", col("smoke")), "act"),
        ]
    )
    report = csm.run(items)
    assert report.items == len(items)
    bad = {e.position for e in report.errors if e.event is None}
    # Every item is either rejected whole or became exactly one observation.
    assert csm.events == len(items) - len(bad)
    for e in report.errors:
        assert isinstance(e.error, cl.CausalError)


# --- one observation at a time: the quick call equals the general reading ----------------
QUICK_KEYS = ("ta", "tb", "tc")


def quick_machine() -> cl.StateMachine:
    """Column comparisons both ways round (predecoded), a degree and a general program."""
    return cl.StateMachine(
        [
            (expr_state("s1", col("ta") > 0.5), "go"),
            (expr_state("s2", 0.25 > col("tb")), "go"),
            (expr_state("s3", col("tc")), "go"),
            (expr_state("s4", col("ta") + col("tb") > 1.0), "go"),
        ]
    )


cell_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.integers(-3, 3),
    st.booleans(),
    st.sampled_from(["hot", None]),
)


@st.composite
def observation_streams(draw: Any) -> list[dict[str, Any]]:
    """Dicts whose keys are sometimes the same objects in the same order (the
    remembered layout applies), sometimes fresh, reordered, extra or missing."""
    shared = [*QUICK_KEYS, "extra"]
    out = []
    for _ in range(draw(st.integers(1, 12))):
        names = draw(st.permutations(shared)) if draw(st.booleans()) else shared
        keep = [n for n in names if draw(st.integers(0, 9)) > 0]
        fresh = draw(st.booleans())
        keys = ["".join(list(n)) if fresh else n for n in keep]
        out.append({k: draw(cell_values) for k in keys})
    return out


def outcome(call: Any) -> Any:
    try:
        return [(f.event, f.state, f.verdict) for f in call()]
    except Exception as e:  # compared by type and message
        return (type(e).__name__, str(e))


@given(observation_streams())
@settings(max_examples=150, deadline=None)
def test_one_observation_at_a_time_reads_dicts_like_the_general_path(
    stream: list[dict[str, Any]],
) -> None:
    quick, general = quick_machine(), quick_machine()
    for obs in stream:
        ours = outcome(lambda o=obs: quick.evaluate_all(o, errors="record"))
        report = general.run([obs])
        if report.errors and report.errors[0].event is None:
            e = report.errors[0].error
            theirs: Any = (type(e).__name__, str(e))
        else:
            theirs = [(f.event, f.state, f.verdict) for f in report.firings]
        assert ours == theirs
    assert quick.events == general.events
    assert [(n, s, type(e), str(e)) for n, s, e in quick.errors] == [
        (n, s, type(e), str(e)) for n, s, e in general.errors
    ]


def test_one_observation_raises_the_first_error_after_logging_it() -> None:
    csm = quick_machine()
    with pytest.raises(cl.errors.CausalError, match="s3"):
        csm.evaluate_all({"ta": 0.9, "tb": 0.0, "tc": 2.0})
    assert [s for _, s, _ in csm.errors] == ["s3"]
    assert [f.state for f in csm.log] == ["s1", "s2"]
    again = csm.evaluate_all({"ta": 0.9, "tb": 0.0, "tc": 2.0}, errors="record")
    assert [f.state for f in again] == ["s1", "s2"]
    assert [s for _, s, _ in csm.errors] == ["s3", "s3"]
