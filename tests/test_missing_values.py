"""Missing values have one policy on every path (docs/missing.md): a missing
input a verdict depends on raises MissingValueError naming the column and the
row, unless the caller chose missing="false" | "true" | "propagate"."""

from __future__ import annotations

import math
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid import errors

col = cl.expr.col
NAN = math.nan


def fire_alarm() -> cl.CausalGraph:
    g = cl.CausalGraph("alarm", "fire alarm")
    g.add(cl.Causaloid("smoke", "smoke seen", expr=col("smoke") > 0.5))
    g.add(cl.Causaloid("heat", "hot", expr=col("temp") > 50))
    g.add(cl.Causaloid("alarm", "sound the alarm", expr=cl.expr.value()))
    g.link("smoke", "alarm")
    g.link("heat", "alarm")
    g.freeze()
    return g


# ---- single observations ------------------------------------------------------------


def test_a_dead_sensor_is_not_no_fire_it_raises_naming_column_and_fix() -> None:
    g = fire_alarm()
    with pytest.raises(errors.MissingValueError) as info:
        g.evaluate({"smoke": NAN, "temp": 20})
    err = info.value
    assert isinstance(err, cl.CausalError) and isinstance(err, ValueError)
    assert err.column == "smoke" and err.row is None and err.node_id == "smoke"
    assert "smoke" in str(err) and "missing=" in str(err)


@pytest.mark.parametrize("cell", [None, NAN, float("nan")])
def test_none_and_nan_cells_are_missing_alike(cell: Any) -> None:
    g = fire_alarm()
    with pytest.raises(errors.MissingValueError):
        g.evaluate({"smoke": cell, "temp": 20})


def test_pandas_na_in_a_row_is_missing() -> None:
    pd = pytest.importorskip("pandas")
    g = fire_alarm()
    row = pd.Series({"smoke": pd.NA, "temp": 20}, dtype="Float64")
    with pytest.raises(errors.MissingValueError):
        g.evaluate(row)


def test_false_and_true_decide_the_causaloid_that_reads_the_missing_input() -> None:
    g = fire_alarm()
    assert g.evaluate({"smoke": NAN, "temp": 20}, missing="false").value is False
    assert g.evaluate({"smoke": NAN, "temp": 20}, missing="true").value is True


def test_propagate_gives_unknown_and_explain_names_the_missing_input() -> None:
    g = fire_alarm()
    effect = g.evaluate({"smoke": NAN, "temp": 20}, missing="propagate")
    assert effect.ok and effect.value is None
    text = effect.explain()
    assert "unknown" in text and "smoke" in text
    # true OR unknown = true: the heat alone decides.
    assert g.evaluate({"smoke": NAN, "temp": 90}, missing="propagate").value is True


def test_a_missing_column_nobody_evaluated_reads_is_fine() -> None:
    g = fire_alarm()
    assert g.evaluate_from("heat", {"smoke": NAN, "temp": 90}).value is True
    assert g.evaluate_single("heat", {"temp": 90, "smoke": NAN}).value is True


def test_is_nan_handles_missing_values_itself() -> None:
    c = cl.Causaloid("dead", "sensor dead", expr=col("smoke").is_nan())
    assert c.evaluate({"smoke": NAN}).value is True


def test_an_unknown_policy_name_is_refused() -> None:
    with pytest.raises(errors.InvalidArgumentError, match="propagate"):
        fire_alarm().evaluate({"smoke": 1.0, "temp": 1.0}, missing="drop")  # type: ignore[arg-type]


def test_a_python_function_returning_nan_follows_the_same_policy() -> None:
    c = cl.Causaloid("f", "a dead python sensor", fn=lambda v: math.nan)
    with pytest.raises(errors.MissingValueError) as info:
        c.evaluate(1.0)
    assert info.value.node_id == "f" and info.value.column is None
    assert c.evaluate(1.0, missing="true").value is True
    assert c.evaluate(1.0, missing="false").value is False
    assert c.evaluate(1.0, missing="propagate").value is None


def test_collections_any_and_all_follow_kleene_logic() -> None:
    members = [
        cl.Causaloid("a", "a", expr=col("a") > 0),
        cl.Causaloid("b", "b", expr=col("b") > 0),
    ]
    any_ = cl.CausalCollection(members, "any")
    all_ = cl.CausalCollection(members, "all")
    # Every evaluated member counts under the default, even in "any".
    with pytest.raises(errors.MissingValueError):
        any_.evaluate({"a": NAN, "b": 1.0})
    assert any_.evaluate({"a": NAN, "b": 1.0}, missing="propagate").value is True
    assert all_.evaluate({"a": NAN, "b": 1.0}, missing="propagate").value is None
    assert all_.evaluate({"a": NAN, "b": -1.0}, missing="propagate").value is False
    assert any_.evaluate({"a": NAN, "b": -1.0}, missing="true").value is True


def test_a_model_raises_and_decides_alike() -> None:
    model = cl.Model("m", "alarm model", fire_alarm())
    with pytest.raises(errors.MissingValueError):
        model.evaluate({"smoke": NAN, "temp": 20})
    assert model.evaluate({"smoke": NAN, "temp": 20}, missing="false").value is False
    verdicts = model.evaluate_batch({"smoke": [NAN, 1.0], "temp": [20, 20]}, missing="true")
    assert verdicts.tolist() == [True, True]


def test_a_state_machine_does_not_fire_on_a_missing_input() -> None:
    csm = cl.StateMachine(
        [(cl.State("smoky", "smoke", cl.Causaloid("s", "s", expr=col("smoke") > 0.5)), "alarm")]
    )
    with pytest.raises(cl.CausalError, match="smoke"):
        csm.evaluate_all({"smoke": NAN})


def test_context_data_may_hold_nan_and_a_read_of_it_is_a_missing_input() -> None:
    ctx = cl.Context(1, "plant")
    ctx.add(cl.Data("limit", NAN))  # a recorded gap: accepted
    c = cl.Causaloid(
        "hot", "above the limit", expr=col("temp") > cl.expr.ctx_value("limit"), context=ctx
    )
    with pytest.raises(errors.MissingValueError, match="limit"):
        c.evaluate({"temp": 30.0})
    assert c.evaluate({"temp": 30.0}, missing="false").value is False
    ctx.set("limit", "value", 25.0)  # the gap filled: decided again
    assert c.evaluate({"temp": 30.0}).value is True


def test_uncertain_inputs_raise_on_a_missing_certain_cell() -> None:
    c = cl.Causaloid("fire", "", expr=(col("temp") > 50) & (col("smoke") > 0.5))
    hot = cl.Uncertain.normal(60.0, 5.0)
    with pytest.raises(errors.MissingValueError) as info:
        c.evaluate({"temp": hot, "smoke": NAN})
    assert info.value.column == "smoke"
    assert c.evaluate({"temp": hot, "smoke": 0.9}).value is True


def test_the_error_and_decided_effects_survive_pickle() -> None:
    g = fire_alarm()
    with pytest.raises(errors.MissingValueError) as info:
        g.evaluate({"smoke": NAN, "temp": 20})
    back = pickle.loads(pickle.dumps(info.value))
    assert type(back) is errors.MissingValueError
    assert back.column == "smoke" and back.row is None
    g2 = pickle.loads(pickle.dumps(g))
    assert g2.evaluate({"smoke": NAN, "temp": 20}, missing="propagate").value is None
    with pytest.raises(errors.MissingValueError):
        g2.evaluate_batch({"smoke": [1.0, NAN], "temp": [20, 20]})


def test_discovery_raises_the_same_class_naming_column_and_row() -> None:
    from causaloid.discover.errors import NonFiniteError

    rng = np.random.default_rng(3)
    table = {c: rng.normal(size=200) for c in "abc"}
    table["b"][17] = NAN
    for run in (
        lambda: cl.discover.pc(table),
        lambda: cl.discover.mrmr(table, "a"),
        lambda: cl.discover.surd(table, "a"),
    ):
        with pytest.raises(errors.MissingValueError) as info:
            run()
        assert isinstance(info.value, NonFiniteError)
        assert (info.value.column, info.value.row) == ("b", 17)
        assert "missing value" in str(info.value)
    table["b"][17] = math.inf  # an infinity is not a missing value
    with pytest.raises(NonFiniteError) as inf:
        cl.discover.pc(table)
    assert not isinstance(inf.value, errors.MissingValueError)


# ---- batches ------------------------------------------------------------------------


def test_a_batch_raises_at_the_first_missing_row_on_every_path() -> None:
    g = fire_alarm()
    table = {"smoke": [0.1] * 5000, "temp": [20.0] * 5000}
    table["temp"][4321] = NAN
    for activations in (False, True):
        with pytest.raises(errors.MissingValueError) as info:
            g.evaluate_batch(table, activations=activations)
        assert info.value.column == "temp" and info.value.row == 4321


def test_propagate_in_a_batch_masks_the_unknown_rows() -> None:
    g = fire_alarm()
    out = g.evaluate_batch(
        {"smoke": [NAN, NAN, 0.9, 0.1], "temp": [20, 90, 20, 20]}, missing="propagate"
    )
    assert isinstance(out, np.ma.MaskedArray)
    assert out.mask.tolist() == [True, False, False, False]
    assert out.count() == 3 and np.ma.count_masked(out) == 1
    assert out.filled(False).tolist() == [False, True, True, False]


def test_node_activations_on_rows_with_missing_inputs_follow_the_policy() -> None:
    g = fire_alarm()
    table = {"smoke": [NAN, 0.9, 0.1], "temp": [90, 20, 20]}
    verdicts, acts = g.evaluate_batch(table, activations=True, missing="false")
    assert verdicts.tolist() == [True, True, False]
    assert acts["smoke"].tolist() == [False, True, False]
    assert acts["heat"].tolist() == [True, False, False]
    verdicts, acts = g.evaluate_batch(table, activations=True, missing="propagate")
    assert verdicts.tolist() == [True, True, False]  # true OR unknown
    assert np.isnan(acts["smoke"][0]) and acts["smoke"][1] == 1.0


def test_a_python_function_returning_nan_in_a_batch_names_the_row() -> None:
    c = cl.Causaloid(
        "f", "vectorised", fn=lambda v: np.where(np.asarray(v) > 1, math.nan, np.asarray(v) > 0)
    )
    with pytest.raises(errors.MissingValueError) as info:
        c.evaluate_batch({"x": [0.0, 1.0, 2.0]}, value="x")
    assert info.value.row == 2
    assert c.evaluate_batch({"x": [0.0, 1.0, 2.0]}, value="x", missing="true").tolist() == [
        0.0,
        1.0,
        1.0,
    ]


# ---- nullable dtypes ----------------------------------------------------------------


def _expected_error_row(g: cl.CausalGraph, table: Any) -> int:
    with pytest.raises(errors.MissingValueError) as info:
        g.evaluate_batch(table)
    assert info.value.column == "smoke"
    return int(info.value.row)


def test_pandas_nullable_dtypes_read_as_missing() -> None:
    pd = pytest.importorskip("pandas")
    g = fire_alarm()
    for dtype, values in [
        ("Float64", [0.9, None, 0.1]),
        ("Int64", [1, None, 0]),
        ("boolean", [True, None, False]),
    ]:
        frame = pd.DataFrame(
            {"smoke": pd.array(values, dtype=dtype), "temp": pd.array([20, 20, 20])}
        )
        assert _expected_error_row(g, frame) == 1, dtype
        decided = g.evaluate_batch(frame, missing="true")
        assert decided.tolist() == [True, True, False], dtype


def test_polars_and_arrow_nulls_read_as_missing() -> None:
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    g = fire_alarm()
    for smoke in ([0.9, None, 0.1], [True, None, False], [1, None, 0]):
        frame = pl.DataFrame({"smoke": smoke, "temp": [20, 20, 20]})
        assert _expected_error_row(g, frame) == 1
        table = pa.table({"smoke": smoke, "temp": [20, 20, 20]})
        assert _expected_error_row(g, table) == 1
        assert g.evaluate_batch(table, missing="false").tolist() == [True, False, False]


# ---- properties ---------------------------------------------------------------------

cells = st.one_of(st.just(NAN), st.floats(-1, 1, allow_nan=False))


def _kleene_structure(kind: str) -> Any:
    a = cl.Causaloid("a", "a", expr=(col("a") > 0) & (col("b") < 0.5))
    b = cl.Causaloid("b", "b", expr=(col("c") > 0) | ~(col("a") > 0.5))
    if kind == "graph":
        g = cl.CausalGraph("g", "")
        g.add(a)
        g.add(b)
        g.add(cl.Causaloid("c", "c", expr=cl.expr.value() | (col("c") < -0.5)))
        g.link("a", "c")
        g.link("b", "c")
        g.freeze()
        return g
    return cl.CausalCollection([a, b], kind)


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(["graph", "any", "all", "none"]),
    rows=st.lists(st.tuples(cells, cells, cells), min_size=1, max_size=40),
    policy=st.sampled_from(["false", "true", "propagate"]),
)
def test_batch_rows_equal_single_rows_under_every_policy(
    kind: str, rows: list[tuple[float, float, float]], policy: Any
) -> None:
    s = _kleene_structure(kind)
    table = {k: [r[i] for r in rows] for i, k in enumerate("abc")}
    out = s.evaluate_batch(table, missing=policy)
    mask = np.ma.getmaskarray(out)
    for i, (a, b, c) in enumerate(rows):
        single = s.evaluate({"a": a, "b": b, "c": c}, missing=policy).value
        if single is None:
            assert mask[i], (i, policy)
        else:
            assert not mask[i] and bool(out[i]) == bool(single), (i, policy)
    any_missing = any(math.isnan(x) for r in rows for x in r)
    if any_missing:
        with pytest.raises(errors.MissingValueError):
            s.evaluate_batch(table)


TRUTH = {True: 1.0, False: -1.0, None: NAN}


@pytest.mark.parametrize("x", [True, False, None])
@pytest.mark.parametrize("y", [True, False, None])
def test_kleene_truth_tables(x: bool | None, y: bool | None) -> None:
    both = {"x": TRUTH[x], "y": TRUTH[y]}
    and_ = cl.Causaloid("and", "", expr=(col("x") > 0) & (col("y") > 0))
    or_ = cl.Causaloid("or", "", expr=(col("x") > 0) | (col("y") > 0))
    not_ = cl.Causaloid("not", "", expr=~(col("x") > 0))
    if x is False or y is False:
        want_and: bool | None = False
    elif x is None or y is None:
        want_and = None
    else:
        want_and = True
    if x is True or y is True:
        want_or: bool | None = True
    elif x is None or y is None:
        want_or = None
    else:
        want_or = False
    assert and_.evaluate(both, missing="propagate").value is want_and
    assert or_.evaluate(both, missing="propagate").value is want_or
    assert not_.evaluate(both, missing="propagate").value is (None if x is None else not x)


# ---- command line -------------------------------------------------------------------


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "causaloid", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_cli_evaluate_names_the_blank_and_decides_it_with_missing(tmp_path: Path) -> None:
    (tmp_path / "m.json").write_text(fire_alarm().to_json())
    (tmp_path / "d.csv").write_text("smoke,temp\n0.9,20\n,20\n0.1,90\n0.1,20\n")
    bad = _cli("evaluate", "m.json", "d.csv", cwd=tmp_path)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    line = bad.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "'smoke'" in line and "row 1" in line and "--missing" in line
    ok = _cli(
        "evaluate", "m.json", "d.csv", "--missing", "propagate", "--no-progress", cwd=tmp_path
    )
    assert ok.returncode == 0, ok.stderr
    assert "unknown on 1" in ok.stdout
    assert "active on 2" in ok.stdout
    false = _cli("evaluate", "m.json", "d.csv", "--missing", "false", "--no-progress", cwd=tmp_path)
    assert false.returncode == 0 and "active on 2" in false.stdout


# ---- batches with Python functions: every policy, row i equals row i alone ------------


def _with_python(vectorised: bool) -> cl.CausalGraph:
    """smoke and heat read columns; a Python function reads the row and the
    join of its parents (NaN when humidity is above 0.8); alarm joins it."""

    def wet(value: Any, row: Any) -> Any:
        h = np.asarray(row["humidity"], dtype=float)
        out = np.where(h > 0.8, math.nan, np.asarray(value, dtype=float) * (h < 0.5))
        return out if np.ndim(out) else float(out)

    def wet_row(value: Any, row: Any) -> Any:
        h = float(row["humidity"])
        return math.nan if h > 0.8 else bool(value) and h < 0.5

    g = cl.CausalGraph("wet", "")
    g.add(cl.Causaloid("smoke", "", expr=col("smoke") > 0.5))
    g.add(cl.Causaloid("heat", "", expr=col("temp") > 50))
    g.add(cl.Causaloid("wet", "", fn=wet if vectorised else wet_row))
    g.add(cl.Causaloid("alarm", "", expr=cl.expr.value() | (col("temp") > 90)))
    g.link("smoke", "wet")
    g.link("heat", "wet")
    g.link("wet", "alarm")
    return g.freeze()


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(
        st.tuples(cells, st.one_of(st.just(NAN), st.floats(0, 100)), st.floats(0, 1)),
        min_size=1,
        max_size=25,
    ),
    policy=st.sampled_from(["raise", "false", "true", "propagate"]),
)
def test_batches_with_python_functions_equal_single_rows_under_every_policy(
    rows: list[tuple[float, float, float]], policy: Any
) -> None:
    g = _with_python(vectorised=True)
    alone = _with_python(vectorised=False)
    table = {
        "smoke": [r[0] for r in rows],
        "temp": [r[1] for r in rows],
        "humidity": [r[2] for r in rows],
    }
    singles = []
    for smoke, temp, humidity in rows:
        e = alone.evaluate(
            {"smoke": smoke, "temp": temp, "humidity": humidity}, missing=policy, errors="effect"
        )
        singles.append(e)
    failing = {i for i, e in enumerate(singles) if e.error is not None}
    if failing:
        assert policy == "raise"
        with pytest.raises(errors.MissingValueError) as info:
            g.evaluate_batch(table, missing=policy)
        # A missing input is looked for before the functions run: the first
        # such row, else the first row where a function returned NaN.
        assert info.value.row in failing
        return
    out, acts = g.evaluate_batch(table, missing=policy, activations=True)
    mask = np.ma.getmaskarray(out)
    for i, e in enumerate(singles):
        if e.value is None:
            assert mask[i], (i, policy)
        else:
            assert not mask[i] and bool(out[i]) == bool(e.value), (i, policy)


def test_a_python_function_in_a_batch_sees_the_missing_rows_alone() -> None:
    seen: list[Any] = []

    def f(value: Any, row: Any) -> Any:
        seen.append(row["smoke"])
        return np.asarray(row["smoke"]) > 0.5

    g = cl.CausalGraph("g", "")
    g.add(cl.Causaloid("read", "", expr=col("temp") > 50))
    g.add(cl.Causaloid("py", "", fn=f))
    g.link("read", "py")
    g.freeze()
    table = {"temp": [60.0, NAN, 20.0], "smoke": [0.9, 0.9, 0.1]}
    out = g.evaluate_batch(table, missing="propagate")
    assert np.ma.getmaskarray(out).tolist() == [False, True, False]
    assert g.evaluate_batch(table, missing="true").tolist() == [True, True, False]
    # The whole batch once, then row 1 alone (its read is missing, so under
    # "true" the function is called on that row: value True, row 1's cells).
    assert isinstance(seen[-1], float) and seen[-1] == 0.9


# ---- uncertain inputs: the same policies ---------------------------------------------


def test_uncertain_inputs_decide_a_missing_certain_cell_by_the_policy() -> None:
    g = fire_alarm()
    hot = cl.Uncertain.normal(80.0, 3.0)
    with pytest.raises(errors.MissingValueError) as info:
        g.evaluate({"smoke": NAN, "temp": hot})
    assert info.value.column == "smoke"
    # heat is true on (almost) every sample, so the alarm sounds either way.
    assert g.evaluate({"smoke": NAN, "temp": hot}, missing="false").value is True
    cold = cl.Uncertain.normal(20.0, 3.0)
    assert g.evaluate({"smoke": NAN, "temp": cold}, missing="false").value is False
    assert g.evaluate({"smoke": NAN, "temp": cold}, missing="true").value is True
    with pytest.raises(errors.InvalidArgumentError) as refused:
        g.evaluate({"smoke": NAN, "temp": cold}, missing="propagate")
    assert refused.value.parameter == "missing"


@settings(max_examples=40, deadline=None)
@given(
    smoke=st.one_of(st.just(NAN), st.floats(0, 1)),
    temp=st.one_of(st.just(NAN), st.floats(0, 100)),
    policy=st.sampled_from(["false", "true"]),
)
def test_point_masses_with_a_missing_cell_equal_certain_inputs(
    smoke: float, temp: float, policy: Any
) -> None:
    g = fire_alarm()
    certain = g.evaluate({"smoke": smoke, "temp": temp}, missing=policy).value
    uncertain = g.evaluate({"smoke": smoke, "temp": cl.Uncertain.point(temp)}, missing=policy)
    assert uncertain.value == certain


def test_a_batch_reading_an_uncertain_contextoid_decides_missing_rows_by_the_policy() -> None:
    ctx = cl.Context(1, "road").add(cl.UncertainData("speed", cl.Uncertain.normal(29.0, 3.0)))
    c = cl.Causaloid("speeding", "", expr=cl.expr.ctx_value("speed") > col("limit"), context=ctx)
    limits = [20.0, NAN, 40.0]
    with pytest.raises(errors.MissingValueError) as info:
        c.evaluate_batch({"limit": limits})
    assert info.value.row == 1
    for policy in ("false", "true"):
        out = c.evaluate_batch({"limit": limits}, missing=policy)
        alone = [c.evaluate({"limit": x}, missing=policy).value for x in limits]
        assert out.tolist() == alone == [True, policy == "true", False]


def test_a_pickled_graph_with_a_python_function_decides_batches_alike_in_a_fresh_process() -> None:
    g = cl.CausalGraph("roots", "")
    g.add(cl.Causaloid("x", "", expr=col("x") * 1.0))
    from _missing_fns import root

    g.add(cl.Causaloid("root", "", fn=root))  # NaN below zero
    g.link("x", "root")
    g.freeze()
    table = {"x": [0.25, -1.0, NAN]}
    here = {
        policy: np.ma.filled(g.evaluate_batch(table, missing=policy).astype(float), -9.0).tolist()
        for policy in ("false", "true", "propagate")
    }
    assert here["propagate"] == [0.5, -9.0, -9.0]
    assert here["true"] == [0.5, 1.0, 1.0]
    code = (
        "import pickle, sys, numpy as np\n"
        "g = pickle.loads(sys.stdin.buffer.read())\n"
        "t = {'x': [0.25, -1.0, float('nan')]}\n"
        "for p in ('false', 'true', 'propagate'):\n"
        "    out = g.evaluate_batch(t, missing=p).astype(float)\n"
        "    print(p, np.ma.filled(out, -9.0).tolist())\n"
    )
    env = {**__import__("os").environ, "PYTHONPATH": str(Path(__file__).parent)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=pickle.dumps(g),
        capture_output=True,
        check=True,
        env=env,
    ).stdout.decode()
    assert out.splitlines() == [f"{p} {v}" for p, v in here.items()]
