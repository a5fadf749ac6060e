"""Discovery under ``missing="drop"``: every method leaves out, in the engine,
the rows (the samples, for a time-lagged method) that read a missing value,
and says how many it used and dropped. Dropping equals running on the table
of complete rows; the default still raises; garbage ``missing=`` values and
drops that leave too few rows are clean errors."""

from __future__ import annotations

import pickle
import subprocess
import sys
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid.discover.errors import DiscoverValueError, MissingValueError, TooFewSamplesError


def _table(n: int, seed: int, every: int) -> dict[str, np.ndarray]:
    """x -> y -> z with NaN holes about one row in ``every`` (none when 0)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = x + 0.5 * rng.normal(size=n)
    z = y + 0.5 * rng.normal(size=n)
    table = {"x": x, "y": y, "z": z}
    if every:
        for name in table:
            holes = rng.random(n) < 1.0 / every
            table[name] = np.where(holes, np.nan, table[name])
    return table


def _complete(table: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    keep = ~np.logical_or.reduce([np.isnan(v) for v in table.values()])
    return {k: v[keep] for k, v in table.items()}


def _counts(table: dict[str, np.ndarray]) -> tuple[int, int]:
    n = len(next(iter(table.values())))
    used = len(next(iter(_complete(table).values())))
    return used, n - used


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**16), every=st.sampled_from([0, 9, 25]))
def test_dropping_equals_discovering_on_the_complete_rows(seed: int, every: int) -> None:
    table = _table(600, seed, every)
    clean = _complete(table)
    used, dropped = _counts(table)
    for learn in (cl.discover.pc, cl.discover.ges, cl.discover.boss):
        got = learn(table, missing="drop")  # type: ignore[operator]
        want = learn(clean)  # type: ignore[operator]
        assert got == want
        assert (got.rows_used, got.rows_dropped) == (used, dropped)
    m = cl.discover.mrmr(table, "z", k=2, missing="drop")
    w = cl.discover.mrmr(clean, "z", k=2)
    assert (m.features, m.scores) == (w.features, w.scores)
    assert (m.rows_used, m.rows_dropped) == (used, dropped)
    s = cl.discover.surd(table, "z", lag=0, bins=3, permutations=0, missing="drop")
    assert replace(s, rows_dropped=0) == cl.discover.surd(clean, "z", lag=0, bins=3, permutations=0)
    assert (s.samples, s.rows_dropped) == (used, dropped)
    half = {k: v[:300] for k, v in table.items()}, {k: v[300:] for k, v in table.items()}
    r = cl.discover.root_causes(*half, {"y": ["x"], "z": ["y"]}, missing="drop")
    want_r = cl.discover.root_causes(
        _complete(half[0]), _complete(half[1]), {"y": ["x"], "z": ["y"]}
    )
    assert r.columns == want_r.columns
    assert [c.shift for c in r] == [c.shift for c in want_r]
    assert (r.rows_used, r.rows_dropped) == (used, dropped)
    if every:
        with pytest.raises(MissingValueError):
            cl.discover.pc(table)


def test_a_lagged_method_drops_the_samples_that_read_a_missing_cell() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 2, 3000).astype(float)
    y = np.roll(x, 2)  # y[t] = x[t - 2]
    x_holes = x.copy()
    x_holes[[10, 500, 501]] = np.nan
    res = cl.discover.surd({"x": x_holes, "y": y}, "y", lag=2, bins=2, missing="drop")
    # Sample t pairs x[t] with y[t + 2]; three samples read a hole.
    assert (res.samples, res.rows_dropped) == (2998 - 3, 3)
    # The pairing survives: deleting the rows instead would break y = x two rows later.
    assert res.unique["x"] == pytest.approx(res.target_entropy, abs=1e-3)
    table = _table(400, 1, 0)
    table["y"][100] = np.nan
    g = cl.discover.pc(table, max_lag=2, missing="drop")
    # Windows of 3 rows that read row 100: those starting at 98, 99 and 100.
    assert (g.rows_used, g.rows_dropped) == (398 - 3, 3)
    p = cl.discover.pcmci(table, max_lag=1, missing="drop")
    assert (p.rows_used, p.rows_dropped) == (398 - 3, 3)


def test_results_say_how_many_rows_were_dropped() -> None:
    table = _table(500, 2, 20)
    used, dropped = _counts(table)
    g = cl.discover.pc(table, missing="drop")
    assert f"learned from {used} rows, {dropped} dropped for missing values" in str(g)
    s = cl.discover.surd(table, "z", lag=0, bins=3, permutations=0, missing="drop")
    assert f"{dropped} dropped for missing values" in s.to_string()
    assert s.to_dict()["rows_dropped"] == dropped
    m = cl.discover.mrmr(table, "z", missing="drop")
    assert f"{used} rows, {dropped} dropped" in str(m)
    clean = cl.discover.pc(_complete(table))
    assert clean.rows_dropped == 0 and "dropped" not in str(clean)


def test_the_selector_and_the_pipeline_drop_in_the_engine() -> None:
    table = _table(800, 4, 15)
    X = np.column_stack([table["x"], table["y"]])
    sel = cl.discover.MRMRSelector(k=1, missing="drop").fit(X, table["z"])
    assert sel.selected_features_ == ["x1"]
    assert sel.result_.rows_dropped == _counts(table)[1]
    with pytest.raises(MissingValueError):
        cl.discover.MRMRSelector(k=1).fit(X, table["z"])
    pipe = cl.discover.Pipeline("z", lag=0, bins=3, k=2, permutations=0, missing="drop")
    pipe = pipe.load(table).clean(missing="keep").select().discover(targets=None)
    assert pipe.selection is not None and pipe.selection.rows_dropped > 0
    assert pipe.results["z"].rows_dropped == _counts(table)[1]
    pipe.learn_graph("pc")
    assert pipe.learned is not None and pipe.learned.rows_dropped == _counts(table)[1]
    strict = cl.discover.Pipeline("z", lag=0, bins=3, permutations=0).load(table)
    with pytest.raises(MissingValueError):
        strict.clean(missing="keep").select()


@pytest.mark.parametrize("bad", ["skip", "DROP", 3, None, ["drop"]])
def test_garbage_missing_values_name_the_parameter(bad: Any) -> None:
    table = _table(200, 5, 0)
    calls = [
        lambda: cl.discover.pc(table, missing=bad),
        lambda: cl.discover.ges(table, missing=bad),
        lambda: cl.discover.boss(table, missing=bad),
        lambda: cl.discover.pcmci(table, missing=bad),
        lambda: cl.discover.surd(table, "z", missing=bad),
        lambda: cl.discover.mrmr(table, "z", missing=bad),
        lambda: cl.discover.root_causes(table, table, missing=bad),
        lambda: cl.discover.Pipeline("z", missing=bad),
    ]
    for call in calls:
        with pytest.raises(DiscoverValueError) as info:
            call()
        assert isinstance(info.value, cl.CausalError)
        assert info.value.parameter == "missing"


def test_a_drop_that_leaves_too_few_rows_says_so() -> None:
    table = _table(100, 6, 0)
    table["x"][2:] = np.nan
    for call in (
        lambda: cl.discover.pc(table, missing="drop"),
        lambda: cl.discover.surd(table, "z", lag=0, missing="drop"),
        lambda: cl.discover.pcmci(table, max_lag=1, missing="drop"),
        lambda: cl.discover.mrmr(table, "z", missing="drop"),
    ):
        with pytest.raises(TooFewSamplesError, match='missing="drop" left out 9[89] rows') as info:
            call()
        assert info.value.dropped in (98, 99)


def test_an_infinity_is_not_missing_and_names_its_row() -> None:
    table = _table(200, 7, 0)
    table["x"][5] = np.nan
    table["y"][50] = np.inf
    with pytest.raises(cl.discover.errors.NonFiniteError) as info:
        cl.discover.pc(table, missing="drop")
    assert not isinstance(info.value, MissingValueError)
    assert info.value.row == 50


def test_categorical_missing_cells_are_missing_not_a_category() -> None:
    rng = np.random.default_rng(8)
    a = rng.choice(["lo", "hi"], 1000).astype(object)
    b = np.where(rng.random(1000) < 0.9, a, "lo").astype(object)
    a[7] = None
    with pytest.raises(MissingValueError):
        cl.discover.pc({"a": a, "b": b}, test="chisq")
    g = cl.discover.pc({"a": a, "b": b}, test="chisq", missing="drop")
    assert (g.rows_used, g.rows_dropped) == (999, 1)


def test_counts_survive_pickling_in_a_fresh_process() -> None:
    table = _table(300, 9, 10)
    results = [
        cl.discover.pc(table, missing="drop"),
        cl.discover.surd(table, "z", lag=0, bins=3, permutations=0, missing="drop"),
        cl.discover.mrmr(table, "z", missing="drop"),
    ]
    code = (
        "import pickle, sys\n"
        "for r in pickle.loads(sys.stdin.buffer.read()):\n"
        "    print(type(r).__name__, getattr(r, 'rows_dropped'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=pickle.dumps(results),
        capture_output=True,
        check=True,
    ).stdout.decode()
    dropped = _counts(table)[1]
    assert out.split() == [
        "CPDAG",
        str(dropped),
        "SurdResult",
        str(dropped),
        "MRMRResult",
        str(dropped),
    ]


def test_the_command_line_drops_missing_samples_in_the_engine(tmp_path: Any) -> None:
    pytest.importorskip("polars")
    rng = np.random.default_rng(11)
    x = rng.integers(0, 2, 2000).astype(float)
    y = np.roll(x, 1)
    xs = [("" if i % 100 == 7 else f"{v:g}") for i, v in enumerate(x)]
    data = tmp_path / "lagged.csv"
    data.write_text("x,y\n" + "".join(f"{a},{b:g}\n" for a, b in zip(xs, y, strict=False)))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "causaloid", "discover", str(data), *args, "--no-progress"],
            capture_output=True,
            text=True,
            timeout=300,
        )

    proc = cli("--target", "y", "--bins", "2", "--permutations", "20", "--missing", "drop")
    assert proc.returncode == 0, proc.stderr
    assert "1979 samples, 20 dropped for missing values" in proc.stdout
    graph = cli("--graph", "pc", "--missing", "drop")
    assert graph.returncode == 0, graph.stderr
    assert "learned from 1980 rows, 20 dropped for missing values" in graph.stdout
    strict = cli("--graph", "pc", "--missing", "error")
    assert strict.returncode == 1 and "Traceback" not in strict.stderr
    assert 'missing="drop"' in strict.stderr
