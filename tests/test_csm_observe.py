"""A state machine's single observation: ``evaluate_all`` is the engine's own
method on each instance, reads a stream of same-shaped dicts in one pass, and
agrees with the plain ``if`` statements it replaces whatever the dict holds."""

from __future__ import annotations

import collections
import pickle
import subprocess
import sys
import threading
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid.errors import InvalidArgumentError, MissingValueError

col = cl.expr.col
COLUMNS = ["a", "b", "c"]


def machine(rules: list[tuple[str, float]]) -> cl.StateMachine:
    return cl.StateMachine(
        [
            (cl.State(i, "", cl.Causaloid(i, "", expr=col(c) > t)), "fire")
            for i, (c, t) in enumerate(rules)
        ]
    )


def expected(rules: list[tuple[str, float]], o: dict[str, Any]) -> list[int]:
    return [i for i, (c, t) in enumerate(rules) if float(o[c]) > t]


rule = st.tuples(st.sampled_from(COLUMNS), st.floats(-2, 2))
number = st.one_of(
    st.floats(-3, 3),
    st.integers(-3, 3),
    st.floats(-3, 3).map(np.float64),
    st.integers(-3, 3).map(np.int64),
    st.booleans(),
)
row = st.fixed_dictionaries({c: number for c in COLUMNS})


@settings(max_examples=60, deadline=None)
@given(
    st.lists(rule, min_size=1, max_size=8),
    st.lists(st.tuples(row, st.permutations(COLUMNS), st.booleans()), max_size=25),
)
def test_every_dict_fires_what_the_if_statements_fire(
    rules: list[tuple[str, float]], rows: list[tuple[dict[str, Any], list[str], bool]]
) -> None:
    # Key orders change, extra keys come and go and values switch between
    # floats, ints, NumPy scalars and bools: the remembered layout is used
    # only when it matches, and the answer never depends on it.
    m = machine(rules)
    for values, order, extra in rows:
        o = {k: values[k] for k in order}
        if extra:
            o["unused"] = "text"
        assert [f.state for f in m.evaluate_all(o)] == expected(rules, values)
    assert m.events == len(rows)


def test_evaluate_all_is_the_native_method_and_keeps_its_signature() -> None:
    m = machine([("a", 0.0)])
    assert m.evaluate_all.__self__ is m._native
    assert m.evaluate_all.__text_signature__ == (
        "($self, observation, *, errors='raise', missing='raise')"
    )
    # The class attribute is still the documented method, and it answers the same.
    assert [f.state for f in cl.StateMachine.evaluate_all(m, {"a": 1.0})] == [0]


def test_a_subclass_that_overrides_evaluate_all_keeps_its_override() -> None:
    class Counting(cl.StateMachine):
        calls = 0

        def evaluate_all(self, observation: Any, *, errors: Any = "raise") -> list[Any]:
            Counting.calls += 1
            return super().evaluate_all(observation, errors=errors)

    m = Counting([(cl.State(1, "", cl.Causaloid(1, "", expr=col("a") > 0)), "fire")])
    assert [f.state for f in m.evaluate_all({"a": 1.0})] == [1]
    assert Counting.calls == 1


@pytest.mark.parametrize("errors", ["maybe", 1, b"raise", "RAISE"])
def test_an_unknown_errors_value_is_refused_naming_the_parameter(errors: Any) -> None:
    m = machine([("a", 0.0)])
    with pytest.raises(InvalidArgumentError, match="errors must be 'raise' or 'record'") as e:
        m.evaluate_all({"a": 1.0}, errors=errors)
    assert e.value.parameter == "errors"


def test_tuples_named_tuples_and_mappings_are_read_by_name_or_position() -> None:
    m = machine([("a", 0.0), ("b", 0.0)])
    Reading = collections.namedtuple("Reading", "b a")
    assert [f.state for f in m.evaluate_all(Reading(b=-1.0, a=1.0))] == [0]
    assert [f.state for f in m.evaluate_all((1.0, -1.0))] == [0]
    assert [f.state for f in m.evaluate_all(collections.OrderedDict(a=-1.0, b=1.0))] == [1]
    assert [f.state for f in m.evaluate_all(collections.ChainMap({"a": 1.0}, {"b": 1.0}))] == [
        0,
        1,
    ]


def test_a_nan_in_a_remembered_layout_still_raises_naming_the_column() -> None:
    m = machine([("a", 0.0), ("b", 0.0)])
    for _ in range(3):
        m.evaluate_all({"a": 1.0, "b": 1.0})
    with pytest.raises(cl.CausalError, match='missing value .* in column "b"') as e:
        m.evaluate_all({"a": 1.0, "b": float("nan")})
    assert isinstance(e.value.__cause__, MissingValueError)
    # And the next ordinary dict is read as before.
    assert [f.state for f in m.evaluate_all({"a": 1.0, "b": 1.0})] == [0, 1]


def test_a_missing_column_after_a_remembered_layout_names_it() -> None:
    m = machine([("a", 0.0), ("b", 0.0)])
    m.evaluate_all({"a": 1.0, "b": 1.0})
    with pytest.raises(cl.CausalError, match='"b"'):
        m.evaluate_all({"a": 1.0, "c": 1.0})


def test_many_threads_evaluating_one_machine_count_every_event() -> None:
    m = machine([("a", 0.5)])
    fired: list[int] = []
    lock = threading.Lock()

    def work(seed: int) -> None:
        rng = np.random.default_rng(seed)
        n = 0
        for x in rng.uniform(0, 1, 2_000):
            n += len(m.evaluate_all({"a": float(x)}))
        with lock:
            fired.append(n)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert m.events == 8_000
    want = sum(int((np.random.default_rng(s).uniform(0, 1, 2_000) > 0.5).sum()) for s in range(4))
    assert sum(fired) == want


def test_the_native_evaluate_all_survives_pickling_in_a_fresh_process() -> None:
    m = machine([("a", 0.0), ("b", 0.5)])
    m.evaluate_all({"a": 1.0, "b": 1.0})
    code = (
        "import pickle, sys\n"
        "m = pickle.loads(sys.stdin.buffer.read())\n"
        "assert m.evaluate_all.__self__ is m._native\n"
        "print([f.state for f in m.evaluate_all({'a': 1.0, 'b': 0.0})])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=pickle.dumps(m),
        capture_output=True,
        check=True,
        timeout=120,
    )
    assert out.stdout.decode().strip() == "[0]"


def test_quiet_events_between_turns_and_actions_that_release_the_gil_keep_every_event() -> None:
    # Quiet events are decided without taking the machine's turn; a firing's
    # action sleeps (releasing the GIL) while other threads stream quiet
    # events. Every event is counted once, every firing is logged once with
    # its own event number, and each thread sees exactly its own firings.
    import time

    seen: list[int] = []

    def act(firing: Any) -> None:
        time.sleep(0)  # lets the other threads run, mid-action
        seen.append(firing.event)

    m = cl.StateMachine([(cl.State(0, "", cl.Causaloid(0, "", expr=col("a") > 0.9)), act)])
    counts: list[int] = []
    lock = threading.Lock()

    def work(seed: int) -> None:
        rng = np.random.default_rng(seed)
        n = 0
        for x in rng.uniform(0, 1, 3_000):
            n += len(m.evaluate_all({"a": float(x)}))
        with lock:
            counts.append(n)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    want = sum(int((np.random.default_rng(s).uniform(0, 1, 3_000) > 0.9).sum()) for s in range(4))
    assert m.events == 12_000
    assert sum(counts) == want == len(seen) == len(m.log)
    assert len(set(seen)) == len(seen)
    assert sorted(f.event for f in m.log) == sorted(seen)
    assert all(0 <= e < 12_000 for e in seen)


def test_an_action_that_observes_its_own_machine_again_is_counted_in_order() -> None:
    # Inside an action the thread holds the machine's turn: a quiet event it
    # observes there takes the ordinary way, and is numbered after the
    # event that fired.
    inner: list[int] = []

    def act(firing: Any) -> None:
        before = m.events
        assert m.evaluate_all({"a": 0.0}) == []
        inner.append(m.events - before)

    m = cl.StateMachine([(cl.State(0, "", cl.Causaloid(0, "", expr=col("a") > 0.5)), act)])
    assert [f.event for f in m.evaluate_all({"a": 1.0})] == [0]
    assert m.evaluate_all({"a": 0.0}) == []
    assert [f.event for f in m.evaluate_all({"a": 1.0})] == [3]
    assert inner == [1, 1]
    assert m.events == 5


SPECIAL = [0.0, -0.0, 0.5, 1.0, -1.0, 5e-324, -5e-324, float("inf"), float("-inf")]
OPS = {
    "<": lambda x, t: x < t,
    "<=": lambda x, t: x <= t,
    ">": lambda x, t: x > t,
    ">=": lambda x, t: x >= t,
    "==": lambda x, t: x == t,
    "!=": lambda x, t: x != t,
}


def _state_expr(c: str, op: str, t: float, lit_first: bool) -> Any:
    x = col(c)
    if lit_first:
        # t OP x, written the other way round: x MIRROR t
        mirror = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}[op]
        return OPS[mirror](cl.expr.lit(t), x)
    return OPS[op](x, t)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(COLUMNS),
            st.sampled_from(sorted(OPS)),
            st.sampled_from([*SPECIAL, float("nan")]),
            st.booleans(),
        ),
        min_size=1,
        max_size=8,
    ),
    st.lists(
        st.fixed_dictionaries({c: st.sampled_from([*SPECIAL, float("nan")]) for c in COLUMNS}),
        max_size=30,
    ),
)
def test_quiet_and_firing_events_of_every_comparison_match_python(
    rules: list[tuple[str, str, float, bool]], rows: list[dict[str, float]]
) -> None:
    # Streams of same-shaped dicts take the quiet way whenever nothing fires;
    # whatever the operator, the literal's side, signed zeros, infinities,
    # subnormals or NaN literals, the firings are Python's own comparisons
    # and a NaN input is an error of each state reading it.
    m = cl.StateMachine(
        [
            (cl.State(i, "", cl.Causaloid(i, "", expr=_state_expr(c, op, t, first))), "fire")
            for i, (c, op, t, first) in enumerate(rules)
        ]
    )
    errors_before = 0
    for o in rows:
        fired = [f.state for f in m.evaluate_all(o, errors="record")]
        want = [i for i, (c, op, t, _) in enumerate(rules) if o[c] == o[c] and OPS[op](o[c], t)]
        assert fired == want
        failing = sum(1 for c, *_ in rules if o[c] != o[c])
        assert len(m.errors) - errors_before == failing
        errors_before = len(m.errors)
    assert m.events == len(rows)


def test_each_comparison_on_each_special_value_after_a_remembered_layout_matches_python() -> None:
    # Every operator, literal and side against every value, each read the
    # quiet way (the machine has seen a dict of this shape before).
    values = [*SPECIAL, float("nan")]
    for op in OPS:
        for t in values:
            for first in (False, True):
                expr = _state_expr("a", op, t, first)
                m = cl.StateMachine([(cl.State(0, "", cl.Causaloid(0, "", expr=expr)), "go")])
                m.evaluate_all({"a": float("nan"), "b": 0.0}, errors="record")
                for x in values:
                    fired = [f.state for f in m.evaluate_all({"a": x, "b": 0.0}, errors="record")]
                    want = [0] if x == x and OPS[op](x, t) else []
                    assert fired == want, (op, t, first, x)


def test_float_subclasses_are_read_by_their_stored_value_on_every_way() -> None:
    # NumPy's float64 is a float subclass: read the quick way. A subclass
    # that overrides __float__ is still read by the value it stores, as
    # Python's own comparison of it does, the first time (the general way)
    # and after (the quick way) alike.
    class Loud(float):
        def __float__(self) -> float:
            return 100.0

    m = machine([("a", 0.5), ("b", 0.5)])
    for kind in (np.float64, Loud, float):
        for a, b in ((0.0, 1.0), (1.0, 0.0), (0.25, 0.75), (0.5, 0.5)):
            o = {"a": kind(a), "b": kind(b)}
            want = [i for i, x in enumerate((o["a"], o["b"])) if x > 0.5]
            assert [f.state for f in m.evaluate_all(o)] == want
    assert m.events == 12


def test_compound_expression_states_in_a_stream_match_python() -> None:
    # Sums, conjunctions and `between` are decided the quiet way too when
    # nothing fires; a firing, an invalid degree or a missing input still
    # takes the full decision, with the same answers and errors.
    m = cl.StateMachine(
        [
            (cl.State(0, "", cl.Causaloid(0, "", expr=(col("a") + col("b")) > 1.5)), "sum"),
            (cl.State(1, "", cl.Causaloid(1, "", expr=(col("a") > 0.9) & (col("b") > 0.9))), "and"),
            (cl.State(2, "", cl.Causaloid(2, "", expr=col("c").between(0.4, 0.6))), "mid"),
        ]
    )
    rng = np.random.default_rng(5)
    n_errors = 0
    for a, b, c in rng.uniform(0, 1, (400, 3)):
        c = float("nan") if c < 0.02 else float(c)
        o = {"a": float(a), "b": float(b), "c": c}
        want = [
            i for i, hit in enumerate((a + b > 1.5, a > 0.9 and b > 0.9, 0.4 <= c <= 0.6)) if hit
        ]
        assert [f.state for f in m.evaluate_all(o, errors="record")] == want
        n_errors += c != c
    assert m.events == 400
    assert len(m.errors) == n_errors > 0


def test_a_stream_run_after_pickling_in_a_fresh_process_takes_the_quiet_way_alike() -> None:
    # `run` (and so Dask/Ray workers, which unpickle machines) decides the
    # quiet observations of a stream the quick way too; the report, the
    # event numbers and the log are those of the machine at home.
    m = machine([("a", 0.9), ("b", 0.95)])
    rng = np.random.default_rng(11)
    rows = [{"a": float(a), "b": float(b)} for a, b in rng.uniform(0, 1, (300, 2))]
    rows[150]["a"] = float("nan")
    payload = pickle.dumps((m, rows))
    home = pickle.loads(payload)[0]
    report = home.run(rows)
    want = (report.items, len(report.firings), len(report.errors), home.events)
    want_events = [f.event for f in home.log]
    code = (
        "import pickle, sys\n"
        "m, rows = pickle.loads(sys.stdin.buffer.read())\n"
        "r = m.run(rows)\n"
        "print(r.items, len(r.firings), len(r.errors), m.events)\n"
        "print(*[f.event for f in m.log])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], input=payload, capture_output=True, check=True, timeout=120
    )
    counts, events = out.stdout.decode().splitlines()
    assert tuple(int(x) for x in counts.split()) == want
    assert [int(x) for x in events.split()] == want_events
    assert want[1] == sum(r["a"] > 0.9 for r in rows) + sum(r["b"] > 0.95 for r in rows)
    assert want[2] == 1


def _consumer_machine(kind: str) -> cl.StateMachine:
    E = cl.expr
    if kind == "uncertain":
        speed: Any = cl.UncertainData("speed", cl.Uncertain.normal(29.0, 3.0))
    else:
        speed = cl.Data("speed", 31.0)
    ctx = cl.Context(1, "road").add(speed)
    limit = cl.Causaloid("over", "", expr=E.ctx_value("speed") > E.col("limit"), context=ctx)
    hot = cl.Causaloid("hot", "", expr=col("temp") > 0.9)
    ethos = cl.Ethos([cl.Norm("calm", "alert", col("temp") > 0.97, "impermissible")])
    return cl.StateMachine(
        [(cl.State("over", "", limit), "slow down"), (cl.State("hot", "", hot), "alert")],
        ethos=ethos,
    )


@pytest.mark.parametrize("kind", ["certain", "uncertain"])
def test_context_reads_and_an_ethos_decide_alike_on_the_quick_and_the_full_way(kind: str) -> None:
    # missing="false" always takes the full decision; with no missing input
    # it must agree with the default, which tries the quiet way first:
    # firings, the ethos's vetting, errors and event numbers.
    quick, full = _consumer_machine(kind), _consumer_machine(kind)
    rng = np.random.default_rng(2)
    for limit, temp in rng.uniform([20.0, 0.0], [40.0, 1.0], (300, 2)):
        o = {"limit": float(limit), "temp": float(temp)}
        a = quick.evaluate_all(o, errors="record")
        b = full.evaluate_all(o, errors="record", missing="false")
        assert [(f.state, f.event, f.action, repr(f.vetting)) for f in a] == [
            (f.state, f.event, f.action, repr(f.vetting)) for f in b
        ]
    assert quick.events == full.events == 300
    assert [str(e) for *_, e in quick.errors] == [str(e) for *_, e in full.errors]
    assert len(quick.log) == len(full.log) > 0
    # And after pickling, the quick way goes on the same.
    again = pickle.loads(pickle.dumps(quick))
    o = {"limit": 10.0, "temp": 0.1}
    assert [f.state for f in again.evaluate_all(o)] == [f.state for f in quick.evaluate_all(o)]
