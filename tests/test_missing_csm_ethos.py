"""Missing values in state machines (one observation, streams, batches) and in
ethos norms (Ethos.evaluate, Model.vet): the same ``missing=`` policy as
graphs (docs/missing.md, "State machines" and "Ethos")."""

from __future__ import annotations

import math
import pickle
import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid import errors

col = cl.expr.col
NAN = math.nan
POLICIES = ("raise", "false", "true", "propagate")


def machine(ethos: cl.Ethos | None = None) -> cl.StateMachine:
    """A comparison (the tight pass), an ``or`` expression and a collection."""
    smoky = cl.State("smoky", "smoke", cl.Causaloid("s", "", expr=col("smoke") > 0.5))
    either = cl.State(
        "either",
        "smoke or heat",
        cl.Causaloid("e", "", expr=(col("smoke") > 0.5) | (col("temp") > 50)),
    )
    anyone = cl.State(
        "any",
        "any sensor",
        cl.CausalCollection(
            [
                cl.Causaloid("cs", "", expr=col("smoke") > 0.5),
                cl.Causaloid("ct", "", expr=col("temp") > 50),
            ],
            "any",
            id="sensors",
        ),
    )
    return cl.StateMachine([(smoky, "evacuate"), (either, "alert"), (anyone, "log")], ethos=ethos)


def outcome(csm: cl.StateMachine, obs: dict[str, Any], missing: str) -> list[str]:
    firings = csm.evaluate_all(obs, errors="record", missing=missing)  # type: ignore[arg-type]
    event = csm.events - 1
    fired = {f.state for f in firings}
    unknown = {s for e, s, _ in csm.unknown if e == event}
    failed = {s for e, s, _ in csm.errors if e == event}
    out = []
    for s in ("smoky", "either", "any"):
        if s in fired:
            out.append("fired")
        elif s in unknown:
            out.append("unknown")
        elif s in failed:
            out.append("error")
        else:
            out.append("quiet")
    return out


# ---- one observation ----------------------------------------------------------------


def test_a_dead_sensor_raises_by_default_naming_column_and_state() -> None:
    csm = machine()
    with pytest.raises(errors.MissingValueError) as info:
        csm.evaluate_all({"smoke": NAN, "temp": 20.0})
    err = info.value
    assert err.column == "smoke" and err.node_id == "s"
    assert "missing=" in str(err) and 'state "smoky"' in str(err)
    assert isinstance(err, cl.csm.errors.StateEvaluationError) and err.state_id == "smoky"
    assert type(err) is cl.csm.errors.StateMissingValueError
    # Recorded against the observation and the state, as any state error.
    event, state, recorded = csm.errors[0]
    assert (event, state) == (0, "smoky") and isinstance(recorded, errors.MissingValueError)


@pytest.mark.parametrize("cell", [None, NAN])
def test_none_and_nan_are_missing_alike(cell: Any) -> None:
    assert outcome(machine(), {"smoke": cell, "temp": 20.0}, "raise") == ["error"] * 3
    assert outcome(machine(), {"smoke": cell, "temp": 20.0}, "true") == ["fired"] * 3


def test_pandas_na_is_missing() -> None:
    pd = pytest.importorskip("pandas")
    assert outcome(machine(), {"smoke": pd.NA, "temp": 20.0}, "propagate") == ["unknown"] * 3


def test_each_policy_decides_the_states_that_read_the_missing_input() -> None:
    cold = {"smoke": NAN, "temp": 20.0}
    hot = {"smoke": NAN, "temp": 90.0}
    assert outcome(machine(), cold, "false") == ["quiet"] * 3
    assert outcome(machine(), cold, "true") == ["fired"] * 3
    assert outcome(machine(), cold, "propagate") == ["unknown"] * 3
    # Kleene logic: a true operand decides the `or` and the `any`.
    assert outcome(machine(), hot, "propagate") == ["unknown", "fired", "fired"]


def test_a_tuple_observation_takes_the_policy_too() -> None:
    csm = machine()
    assert csm.evaluate_all((NAN, 90.0), missing="propagate") != []
    assert [s for _, s, _ in csm.unknown] == ["smoky"]


def test_the_unknown_log_names_the_missing_input_and_clears_with_the_log() -> None:
    csm = machine()
    csm.evaluate_all({"smoke": NAN, "temp": 20.0}, missing="propagate")
    assert csm.unknown[0] == (0, "smoky", ('"smoke" read by "s"',))
    assert [s for _, s, _ in csm.unknown] == ["smoky", "either", "any"]
    assert any('"smoke"' in m for m in csm.unknown[2][2])
    csm.clear_log()
    assert csm.unknown == []


def test_one_state_alone_follows_the_policy() -> None:
    csm = machine()
    with pytest.raises(errors.MissingValueError):
        csm.evaluate("smoky", {"smoke": None})
    assert [f.state for f in csm.evaluate("smoky", {"smoke": None}, missing="true")] == ["smoky"]
    assert csm.evaluate("smoky", {"smoke": None}, missing="propagate") == []
    assert csm.unknown[-1][1] == "smoky"
    assert csm.evaluate("smoky", {"smoke": None}, missing="false") == []


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.evaluate_all({"smoke": 1.0, "temp": 1.0}, missing="maybe"),
        lambda m: m.evaluate_all({"smoke": 1.0, "temp": 1.0}, missing=3),
        lambda m: m.evaluate("smoky", {"smoke": 1.0}, missing="maybe"),
        lambda m: m.run([], missing="maybe"),
        lambda m: m.run_batch({"smoke": [1.0], "temp": [1.0]}, missing="maybe"),
    ],
)
def test_a_garbage_policy_is_a_clean_error_naming_the_parameter(call: Any) -> None:
    with pytest.raises(errors.InvalidArgumentError) as info:
        call(machine())
    assert info.value.parameter == "missing"
    assert "is not a policy" in str(info.value)


# ---- streams and batches ------------------------------------------------------------


def test_a_stream_reports_unknown_verdicts_with_their_items() -> None:
    csm = machine()
    items = [{"smoke": 0.9, "temp": 20.0}, {"smoke": None, "temp": 20.0}, (0.0, 90.0)]
    report = csm.run(items, missing="propagate")
    assert report.ok and report.items == 3
    assert [u.position for u in report.unknown] == [1, 1, 1]
    assert report.unknown[0].item is items[1]
    assert report.unknown[0].missing == ('"smoke" read by "s"',)
    assert "unknown=3" in repr(report)
    raised = csm.run(items)
    assert all(isinstance(e.error, errors.MissingValueError) for e in raised.errors)
    assert len(raised.errors) == 3
    assert {e.position for e in raised.errors} == {1}


def test_a_batch_masks_its_unknown_cells() -> None:
    csm = machine()
    table = {"smoke": np.array([0.9, NAN, 0.0]), "temp": np.array([20.0, 90.0, 20.0])}
    out = csm.run_batch(table, missing="propagate")
    m = out.matrix()
    assert isinstance(m, np.ma.MaskedArray)
    assert np.ma.count_masked(m) == 1
    assert m.mask.tolist() == [[False] * 3, [True, False, False], [False] * 3]
    assert m.filled(False).tolist() == [[True, True, True], [False, True, True], [False] * 3]
    assert [(u.position, u.state) for u in out.unknown] == [(1, "smoky")]
    assert "1 unknown" in repr(out)
    # Without an unknown cell the matrix stays a plain array.
    assert not isinstance(csm.run_batch(table, missing="true").matrix(), np.ma.MaskedArray)


def test_a_batch_raises_nothing_by_default_but_records_the_row_and_state() -> None:
    out = machine().run_batch({"smoke": [0.9, NAN], "temp": [20.0, 20.0]})
    assert [(e.position, e.state) for e in out.errors] == [(1, "smoky"), (1, "either"), (1, "any")]
    assert all(isinstance(e.error, errors.MissingValueError) for e in out.errors)
    assert out.errors[0].error.column == "smoke"


cells = st.one_of(
    st.floats(0.0, 100.0, allow_nan=False),
    st.just(NAN),
    st.just(0.9),
)


def _stream(csm: cl.StateMachine, rows: list[tuple[float, float]], missing: str) -> Any:
    report = csm.run([{"smoke": s, "temp": t} for s, t in rows], missing=missing)  # type: ignore[arg-type]
    return (
        [(f.event, f.state, f.outcome) for f in report.firings],
        [(e.position, e.state, type(e.error).__name__) for e in report.errors],
        [(u.position, u.state, u.missing) for u in report.unknown],
    )


def _batch(csm: cl.StateMachine, rows: list[tuple[float, float]], missing: str) -> Any:
    table = {
        "smoke": np.array([r[0] for r in rows], dtype=float),
        "temp": np.array([r[1] for r in rows], dtype=float),
    }
    out = csm.run_batch(table, missing=missing)  # type: ignore[arg-type]
    return (
        [(f.event, f.state, f.outcome) for f in out.firings],
        [(e.position, e.state, type(e.error).__name__) for e in out.errors],
        [(u.position, u.state, u.missing) for u in out.unknown],
    )


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(st.tuples(cells, cells), max_size=30),
    missing=st.sampled_from(POLICIES),
)
def test_a_batch_equals_its_rows_as_a_stream_under_every_policy(
    rows: list[tuple[float, float]], missing: str
) -> None:
    ethos = cl.Ethos([cl.Norm("hold", "alert", col("temp") > 80, "impermissible")])
    assert _batch(machine(ethos), rows, missing) == _stream(machine(ethos), rows, missing)


def test_a_pickled_machine_decides_the_same_in_a_fresh_process() -> None:
    rows = [(0.9, 20.0), (NAN, 20.0), (NAN, 90.0), (0.0, NAN)]
    expected = {p: _batch(machine(), rows, p) for p in POLICIES}
    script = textwrap.dedent(
        """
        import math, pickle, sys
        import numpy as np
        csm = pickle.loads(sys.stdin.buffer.read())
        rows = [(0.9, 20.0), (math.nan, 20.0), (math.nan, 90.0), (0.0, math.nan)]
        table = {"smoke": np.array([r[0] for r in rows]), "temp": np.array([r[1] for r in rows])}
        out = {}
        for p in ("raise", "false", "true", "propagate"):
            fresh = pickle.loads(pickle.dumps(csm))
            b = fresh.run_batch(table, missing=p)
            out[p] = (
                [(f.event, f.state, f.outcome) for f in b.firings],
                [(e.position, e.state, type(e.error).__name__) for e in b.errors],
                [(u.position, u.state, u.missing) for u in b.unknown],
            )
        sys.stdout.buffer.write(pickle.dumps(out))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=pickle.dumps(machine()),
        capture_output=True,
        check=True,
    )
    assert pickle.loads(done.stdout) == expected


def test_a_batch_result_with_unknown_cells_survives_pickle() -> None:
    out = machine().run_batch({"smoke": [NAN], "temp": [20.0]}, missing="propagate")
    back = pickle.loads(pickle.dumps(out))
    assert [(u.position, u.event, u.state, u.missing) for u in back.unknown] == [
        (u.position, u.event, u.state, u.missing) for u in out.unknown
    ]
    assert np.ma.count_masked(back.matrix()) == 3


# ---- ethos --------------------------------------------------------------------------


def no_spark() -> cl.Ethos:
    return cl.Ethos(
        [
            cl.Norm("gas", "weld", col("gas") > 0.1, "impermissible"),
            cl.Norm("job", "weld", None, "obligatory", priority=-1),
        ]
    )


def test_a_norm_reading_a_missing_value_raises_by_default() -> None:
    with pytest.raises(errors.MissingValueError) as info:
        no_spark().evaluate("weld", {"gas": NAN})
    assert info.value.column == "gas" and info.value.norm_id == "gas"
    assert "missing=" in str(info.value)


def test_an_unknown_prohibition_never_silently_permits() -> None:
    e = no_spark()
    assert e.evaluate("weld", {"gas": None}, missing="false").permitted
    assert not e.evaluate("weld", {"gas": None}, missing="true").permitted
    v = e.evaluate("weld", {"gas": None}, missing="propagate")
    assert not v.permitted and v.undecided and v.modality == "impermissible"
    assert v.unknown == ["gas"] and v.missing == ['"gas" read by "gas"']
    assert "refused by caution" in v.justification
    assert "undecided" in repr(v)
    back = pickle.loads(pickle.dumps(v))
    assert (back.unknown, back.missing, back.undecided) == (["gas"], v.missing, True)
    known = e.evaluate("weld", {"gas": 0.0}, missing="propagate")
    assert known.permitted and not known.undecided and known.unknown == []


def test_an_unknown_norm_that_cannot_change_the_status_leaves_it_decided() -> None:
    e = cl.Ethos(
        [
            cl.Norm("gas", "weld", col("gas") > 0.1, "impermissible"),
            cl.Norm("ban", "weld", None, "impermissible", priority=5),
        ]
    )
    v = e.evaluate("weld", {"gas": NAN}, missing="propagate")
    assert not v.undecided and v.decided_by == "ban" and v.unknown == ["gas"]
    assert "the same whether they apply or not" in v.justification


def test_an_unknown_obligation_is_not_an_obligation() -> None:
    e = cl.Ethos([cl.Norm("must", "vent", col("heat") > 50, "obligatory")])
    v = e.evaluate("vent", {"heat": NAN}, missing="propagate")
    assert v.undecided and v.permitted and v.modality == "optional"


def test_choose_never_takes_an_undecided_alternative_for_an_obligation() -> None:
    e = cl.Ethos(
        [
            cl.Norm("must", "vent", col("heat") > 50, "obligatory"),
            cl.Norm("gas", "weld", col("gas") > 0.1, "impermissible"),
            cl.Norm("walk", "wait", None, "optional", cost=2.0),
        ]
    )
    ctx = {"heat": NAN, "gas": NAN}
    with pytest.raises(errors.MissingValueError):
        e.choose(["vent", "weld", "wait"], ctx)
    c = e.choose(["weld", "vent", "wait"], ctx, missing="propagate")
    assert c.action == "vent"  # optional at no cost, not obligatory
    assert [v.undecided for v in c.verdicts] == [True, True, False]
    assert not c.verdicts[0].permitted
    assert e.choose(["weld", "vent", "wait"], ctx, missing="true").action == "vent"
    assert e.choose(["weld", "wait"], ctx, missing="false").action == "weld"


def test_a_causaloid_predicate_follows_the_policy() -> None:
    pred = cl.Causaloid("leak", "gas leak", expr=col("gas") > 0.1)
    e = cl.Ethos([cl.Norm("gas", "weld", pred, "impermissible")])
    with pytest.raises(errors.MissingValueError):
        e.evaluate("weld", {"gas": NAN})
    v = e.evaluate("weld", {"gas": NAN}, missing="propagate")
    assert not v.permitted and v.undecided and v.unknown == ["gas"]


def test_the_ethos_rejects_a_garbage_policy_naming_it() -> None:
    with pytest.raises(errors.InvalidArgumentError) as info:
        no_spark().evaluate("weld", {"gas": 0.0}, missing="maybe")
    assert info.value.parameter == "missing"


def test_a_machine_vets_under_its_policy() -> None:
    ethos = cl.Ethos([cl.Norm("two", "evacuate", col("sensors") < 2, "impermissible")])
    csm = cl.StateMachine(
        [(cl.State("smoky", "", cl.Causaloid("s", "", expr=col("smoke") > 0.5)), "evacuate")],
        ethos=ethos,
    )
    with pytest.raises(errors.MissingValueError) as info:
        csm.evaluate_all({"smoke": 0.9, "sensors": NAN})
    assert info.value.column == "sensors"
    [f] = csm.evaluate_all({"smoke": 0.9, "sensors": NAN}, missing="propagate")
    assert f.outcome == "refused" and f.vetting.undecided
    [f] = csm.evaluate_all({"smoke": 0.9, "sensors": NAN}, missing="false")
    assert f.outcome == "recorded"


def test_model_vet_follows_the_policy_for_the_model_and_its_norms() -> None:
    fire = cl.Causaloid("fire", "smoke seen", expr=col("smoke") > 0.5)
    ethos = cl.Ethos([cl.Norm("two", "evacuate", col("agreeing") < 2, "impermissible")])
    m = cl.Model("m", "fire", fire, ethos=ethos)
    with pytest.raises(errors.MissingValueError):
        m.vet("evacuate", {"smoke": 0.9, "agreeing": NAN})
    v = m.vet("evacuate", {"smoke": 0.9, "agreeing": NAN}, missing="propagate")
    assert v.outcome == "refused" and v.verdict.undecided
    u = m.vet("evacuate", {"smoke": NAN, "agreeing": 3}, missing="propagate")
    assert u.outcome == "unknown" and not u.permitted and not u.proposed
    assert "unknown" in u.justification
    assert m.vet("evacuate", {"smoke": NAN, "agreeing": 3}, missing="true").permitted
    assert m.vet("evacuate", {"smoke": NAN, "agreeing": 3}, missing="false").outcome == (
        "not proposed"
    )


# ---- relays -------------------------------------------------------------------------


def relaying_graph() -> cl.CausalGraph:
    """``a`` relays to ``c``, which lies outside the sub-graph from ``a``."""
    g = cl.CausalGraph("g", "")
    g.add(cl.Causaloid("a", "", fn=lambda v: cl.Relay("c", True)))
    g.add(cl.Causaloid("b", "", expr=col("y") > 0))
    g.add(cl.Causaloid("c", "", expr=col("x") > 0))
    g.link("a", "b")
    g.freeze()
    return g


def test_a_relay_target_outside_the_evaluated_part_is_checked_for_missing_inputs() -> None:
    g = relaying_graph()
    row = {"x": NAN, "y": 1.0}
    with pytest.raises(errors.MissingValueError) as info:
        g.evaluate_from("a", row, value=True)
    assert (info.value.column, info.value.node_id) == ("x", "c")
    assert g.evaluate_from("a", row, value=True, missing="false").value is False
    assert g.evaluate_from("a", row, value=True, missing="true").value is True
    unknown = g.evaluate_from("a", row, value=True, missing="propagate")
    assert unknown.value is None and '"x"' in unknown.explain()
    # A known value decides as before.
    assert g.evaluate_from("a", {"x": 1.0, "y": 1.0}, value=True).value is True


def test_a_state_whose_graph_relays_follows_the_policy() -> None:
    csm = cl.StateMachine([(cl.State("g", "", relaying_graph(), data=True), "log")])
    with pytest.raises(errors.MissingValueError):
        csm.evaluate_all({"x": NAN, "y": 1.0})
    assert [f.state for f in csm.evaluate_all({"x": NAN, "y": 1.0}, missing="true")] == ["g"]
    assert csm.evaluate_all({"x": NAN, "y": 1.0}, missing="propagate") == []
    assert csm.unknown[-1][1] == "g"


# ---- windows and resumed pieces -----------------------------------------------------


def windowed() -> cl.StateMachine:
    up = cl.State("up", "", cl.Causaloid("u", "", expr=col("x.delta") > 0))
    return cl.StateMachine([(up, "log")], window=cl.Window(2, ["x"]))


def test_a_window_summary_of_a_missing_value_is_missing() -> None:
    x = np.array([1.0, 3.0, NAN, 5.0, 6.0])
    raised = windowed().run_batch({"x": x})
    assert [e.position for e in raised.errors] == [2, 3]
    assert raised.errors[0].error.column == "x.delta"
    out = windowed().run_batch({"x": x}, missing="propagate")
    assert out.rows.tolist() == [1, 4]
    assert [(u.position, u.missing) for u in out.unknown] == [
        (2, ('"x.delta" read by "u"',)),
        (3, ('"x.delta" read by "u"',)),
    ]
    assert windowed().run_batch({"x": x}, missing="true").rows.tolist() == [1, 2, 3, 4]


@settings(max_examples=30, deadline=None)
@given(
    x=st.lists(st.one_of(st.floats(-5, 5, allow_nan=False), st.just(NAN)), max_size=20),
    cut=st.integers(0, 20),
    missing=st.sampled_from(POLICIES),
)
def test_two_resumed_pieces_equal_one_batch_under_every_policy(
    x: list[float], cut: int, missing: str
) -> None:
    values = np.array(x, dtype=float)
    cut = min(cut, len(values))
    whole = windowed().run_batch({"x": values}, missing=missing)  # type: ignore[arg-type]
    first = windowed().run_batch({"x": values[:cut]}, missing=missing)  # type: ignore[arg-type]
    second = windowed()
    second.resume(cut, {"x": values[:cut]})
    rest = second.run_batch({"x": values[cut:]}, missing=missing)  # type: ignore[arg-type]

    def seen(r: Any, shift: int) -> Any:
        return (
            [f.event for f in r.firings],
            [e.event for e in r.errors],
            [(u.event, u.position + shift) for u in r.unknown],
        )

    a, b = seen(first, 0), seen(rest, cut)
    assert seen(whole, 0) == (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def _judgements(ethos: Any) -> Any:
    out = []
    for policy in ("false", "true", "propagate"):
        v = ethos.evaluate("weld", {"gas": NAN}, missing=policy)
        out.append((policy, v.modality, v.permitted, v.undecided, v.unknown, v.missing))
    return out


def test_a_pickled_ethos_judges_the_same_in_a_fresh_process() -> None:
    script = textwrap.dedent(
        """
        import math, pickle, sys
        ethos = pickle.loads(sys.stdin.buffer.read())
        out = []
        for policy in ("false", "true", "propagate"):
            v = ethos.evaluate("weld", {"gas": math.nan}, missing=policy)
            out.append((policy, v.modality, v.permitted, v.undecided, v.unknown, v.missing))
        try:
            ethos.evaluate("weld", {"gas": math.nan})
        except Exception as err:
            out.append((type(err).__name__, err.column, err.norm_id))
        sys.stdout.buffer.write(pickle.dumps(out))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=pickle.dumps(no_spark()),
        capture_output=True,
        check=True,
    )
    expected = [*_judgements(no_spark()), ("MissingValueError", "gas", "gas")]
    assert pickle.loads(done.stdout) == expected
