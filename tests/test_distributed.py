"""Dask (a real LocalCluster of two worker processes) and Ray give exactly
what one machine gives: a batch's verdicts, a windowed state machine's
firings and event numbers across partition boundaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid.errors import MissingValueError

dd = pytest.importorskip("dask.dataframe", reason="the dask extra is not installed")
distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")

import dask  # noqa: E402

import causaloid.dask as cld  # noqa: E402

col = cl.expr.col


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _table(n: int = 4000) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame({"x": rng.random(n), "y": rng.normal(size=n)})


def _graph() -> cl.CausalGraph:
    g = cl.CausalGraph(1, "g")
    g.add(cl.Causaloid(1, "x high", expr=col("x") > 0.5))
    g.add(cl.Causaloid(2, "y positive", expr=col("y") > 0.0))
    g.add(cl.Causaloid(3, "both", expr=cl.expr.value()))
    g.link(1, 3)
    g.link(2, 3)
    return g.freeze()


def _machine() -> cl.StateMachine:
    rising = cl.State("rising", "", cl.Causaloid("r", "", expr=col("x.mean") > 0.55))
    jump = cl.State("jump", "", cl.Causaloid("j", "", expr=col("y.delta") > 2.5))
    return cl.StateMachine([(rising, "log"), (jump, "alert")], window=cl.Window(5, ["x", "y"]))


def test_a_graph_batch_on_workers_equals_one_machine(client) -> None:  # type: ignore[no-untyped-def]
    table = _table()
    frame = dd.from_pandas(table, npartitions=8)
    g = _graph()
    got = cld.evaluate_batch(g, frame)
    assert got.dtype == np.bool_  # meta known before computing
    np.testing.assert_array_equal(got.compute().to_numpy(), g.evaluate_batch(table))


def test_a_model_batch_on_workers_equals_one_machine(client) -> None:  # type: ignore[no-untyped-def]
    table = _table()
    model = cl.Model(1, "m", _graph())
    got = cld.evaluate_batch(model, dd.from_pandas(table, npartitions=4)).compute()
    np.testing.assert_array_equal(got.to_numpy(), model.evaluate_batch(table))


def test_a_windowed_machine_over_8_partitions_fires_as_one_machine(client) -> None:  # type: ignore[no-untyped-def]
    table = _table()
    frame = dd.from_pandas(table, npartitions=8)
    machine = _machine()
    got = cld.run_batch(machine, frame).compute()
    one = _machine().run_batch(table)
    assert len(got) == len(one) > 0
    np.testing.assert_array_equal(got["row"].to_numpy(), one.rows)
    np.testing.assert_array_equal(got["event"].to_numpy(), [f.event for f in one.firings])
    assert got["state"].tolist() == one.states
    assert machine.events == 0  # the machine passed in is not advanced


def test_partitions_smaller_than_the_window_still_carry_it(client) -> None:  # type: ignore[no-untyped-def]
    table = _table(40)
    got = cld.run_batch(_machine(), dd.from_pandas(table, npartitions=16)).compute()
    one = _machine().run_batch(table)
    np.testing.assert_array_equal(got["event"].to_numpy(), [f.event for f in one.firings])


@pytest.mark.parametrize("missing", ["false", "true", "propagate"])
def test_a_machine_on_partitions_decides_missing_inputs_as_one_machine(missing: str) -> None:
    table = _table(120)
    table.loc[[3, 47, 48, 90], "y"] = np.nan
    got = cld.run_batch(_machine(), dd.from_pandas(table, npartitions=5), missing=missing).compute(
        scheduler="synchronous"
    )
    one = _machine().run_batch(table, missing=missing)
    fired = got[got["outcome"] != "unknown"]
    assert fired["row"].tolist() == one.rows.tolist()
    assert fired["state"].tolist() == one.states
    unknown = got[got["outcome"] == "unknown"]
    assert [(r, s) for r, s in zip(unknown["row"], unknown["state"], strict=True)] == [
        (u.position, u.state) for u in one.unknown
    ]
    assert (len(unknown) > 0) == (missing == "propagate")
    assert set(unknown["action"]) <= {"alert", "log"}


def test_a_missing_input_on_a_partition_is_an_error_row_as_one_machine_records_it() -> None:
    table = _table(60)
    table.loc[30, "y"] = np.nan
    got = cld.run_batch(_machine(), dd.from_pandas(table, npartitions=3)).compute(
        scheduler="synchronous"
    )
    one = _machine().run_batch(table)
    errors = got[got["outcome"].str.startswith("error: ")]
    assert [(r, s) for r, s in zip(errors["row"], errors["state"], strict=True)] == [
        (e.position, e.state) for e in one.errors
    ]
    assert len(errors) > 0 and errors["outcome"].str.contains("missing value").all()


def test_a_machine_that_already_ran_continues_its_event_numbers() -> None:
    table = _table(200)
    m = _machine()
    m.run_batch(table.iloc[:50])
    got = cld.run_batch(m, dd.from_pandas(table.iloc[50:], npartitions=3)).compute(
        scheduler="synchronous"
    )
    one = _machine().run_batch(table)
    assert got["event"].tolist() == [f.event for f in one.firings if f.event >= 50]
    assert got["row"].tolist() == [f.event - 50 for f in one.firings if f.event >= 50]


def test_a_missing_column_fails_before_anything_runs() -> None:
    frame = dd.from_pandas(pd.DataFrame({"z": [1.0, 2.0]}), npartitions=1)
    with pytest.raises(cl.errors.UnknownColumnError):
        cld.evaluate_batch(_graph(), frame)


def test_a_pandas_frame_is_refused_with_a_clear_error() -> None:
    with pytest.raises(cl.errors.InvalidArgumentError, match="dask.dataframe.DataFrame"):
        cld.evaluate_batch(_graph(), _table(10))


def test_workers_default_to_one_engine_thread_per_task(client) -> None:  # type: ignore[no-untyped-def]
    def probe() -> int:
        from causaloid.threads import _apply_worker_default

        _apply_worker_default(1)
        return cl.get_threads()

    assert client.run(probe) and set(client.run(probe).values()) == {1}


def test_set_threads_validates_and_never_changes_results() -> None:
    table = _table(5000)
    g = _graph()
    want = g.evaluate_batch(table)
    try:
        cl.set_threads(1)
        assert cl.get_threads() == 1
        np.testing.assert_array_equal(g.evaluate_batch(table), want)
        for bad in (0, -1, 2.5, True, "2"):
            with pytest.raises(cl.errors.InvalidArgumentError):
                cl.set_threads(bad)  # type: ignore[arg-type]
        assert cl.get_threads() == 1
    finally:
        cl.set_threads(None)


def _lagged_table(n: int = 6000) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    x1, x2, x3 = rng.random(n), rng.random(n), rng.normal(size=n)
    y = np.full(n, 0.25)
    y[3:] = 0.6 * x1[:-3] + 0.3 * x2[2:-1] + 0.1 * x3[1:-2]
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "x3": x3})


@pytest.mark.parametrize("lag", [0, 1, 3])
def test_surd_on_partitions_equals_the_collected_table_exactly(client, lag: int) -> None:  # type: ignore[no-untyped-def]
    table = _lagged_table()
    frame = dd.from_pandas(table, npartitions=8)
    got = cld.surd(frame, "y", lag=lag, bins=6)
    want = cl.discover.surd(table, "y", lag=lag, bins=6)
    assert got == want  # every float, bit for bit, the permutation test included
    assert got.samples == len(table) - lag
    assert got.permutations == 100 and got.tests == want.tests
    assert got.mutual_info_test == want.mutual_info_test
    assert got.warnings == want.warnings and got.occupied_bins == want.occupied_bins


def test_surd_significance_on_partitions_follows_the_seed_as_on_one_machine(client) -> None:  # type: ignore[no-untyped-def]
    table = _lagged_table(3000)
    frame = dd.from_pandas(table, npartitions=5)
    for seed in (0, 11):
        got = cld.surd(frame, "y", bins=4, permutations=40, seed=seed)
        want = cl.discover.surd(table, "y", bins=4, permutations=40, seed=seed)
        assert got.tests == want.tests and got.seed == seed
    # x1 drives y three rows later: its unique component is far above chance.
    strong = cld.surd(frame, "y", ["x1", "x3"], lag=3, bins=4, permutations=50)
    assert strong.p_value("unique", ("x1",)) == pytest.approx(1 / 51)
    assert strong.p_value("unique", ("x3",)) > 0.05
    # Different seeds draw different nulls.
    a = cld.surd(frame, "y", bins=4, permutations=40, seed=1)
    b = cld.surd(frame, "y", bins=4, permutations=40, seed=2)
    assert a.mutual_info_test != b.mutual_info_test


def test_surd_partitions_shorter_than_the_lag_still_pair_rows_across_them() -> None:
    table = _lagged_table(300)
    frame = dd.from_pandas(table, npartitions=100)  # three rows a partition
    got = cld.surd(frame, "y", lag=5, bins=4, max_order=2, self_causation=True, permutations=0)
    want = cl.discover.surd(
        table, "y", lag=5, bins=4, max_order=2, self_causation=True, permutations=0
    )
    assert got == want


def test_surd_on_partitions_keeps_the_collected_errors() -> None:
    table = _lagged_table(100)
    table.loc[50, "x2"] = np.nan
    with pytest.raises(cl.discover.errors.NonFiniteError, match="x2"):
        cld.surd(dd.from_pandas(table, npartitions=4), "y", bins=4)
    with pytest.raises(cl.errors.UnknownColumnError):
        cld.surd(dd.from_pandas(table, npartitions=4), "nope")
    frame = dd.from_pandas(_lagged_table(100), npartitions=2)
    errors = cl.discover.errors
    for bad in (-1, 2.5):
        with pytest.raises(errors.DiscoverValueError, match="permutations"):
            cld.surd(frame, "y", bins=3, permutations=bad)
    with pytest.raises(errors.DiscoverValueError, match="1 to 100000"):
        cld.surd(frame, "y", bins=3, permutations=10**6)
    for bad in (-1, 2**64):
        with pytest.raises(errors.DiscoverValueError, match="seed"):
            cld.surd(frame, "y", bins=3, seed=bad)


def test_mrmr_on_partitions_selects_as_the_collected_table(client) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(5)
    a, b, c, noise = rng.normal(size=(4, 3000))
    table = pd.DataFrame({"a": a, "a2": a + 0.3 * noise, "b": b, "c": c, "y": 2 * a + b + 0.1 * c})
    got = cld.mrmr(dd.from_pandas(table, npartitions=8), "y", k=3)
    want = cl.discover.mrmr(table, "y", k=3)
    assert got.features == want.features
    np.testing.assert_allclose(got.scores, want.scores, rtol=1e-12)
    for name, value in want.relevance.items():
        assert got.relevance[name] == pytest.approx(value, rel=1e-12)


def _classes_table(n: int = 3000, labels: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    a, b, c, noise = rng.normal(size=(4, n))
    y = (a + 0.5 * b > 0).astype(float) + (c > 1)
    table = pd.DataFrame({"a": a, "a2": a + 0.3 * noise, "b": b, "c": c})
    table["y"] = np.array(["low", "mid", "high"])[y.astype(int)] if labels else y
    return table


@pytest.mark.parametrize(
    ("method", "task", "labels"),
    [
        ("f_test", "classification", False),
        ("f_test", "classification", True),
        ("mutual_info", "regression", False),
        ("mutual_info", "classification", False),
        ("mutual_info", "classification", True),
    ],
)
def test_mrmr_on_partitions_matches_the_collected_table_for_every_mode(
    client,  # type: ignore[no-untyped-def]
    method: str,
    task: str,
    labels: bool,
) -> None:
    table = _classes_table(labels=labels)
    if task == "regression":
        table["y"] = 2 * table["a"] + table["b"]
    got = cld.mrmr(dd.from_pandas(table, npartitions=8), "y", k=3, method=method, task=task, bins=6)
    want = cl.discover.mrmr(table, "y", k=3, method=method, task=task, bins=6)
    assert got.features == want.features
    if method == "mutual_info":
        # Integer joint counts merge exactly: the same bits.
        assert got.scores == want.scores
        assert got.relevance == want.relevance
    else:
        np.testing.assert_allclose(got.scores, want.scores, rtol=1e-12)
        for name, value in want.relevance.items():
            assert got.relevance[name] == pytest.approx(value, rel=1e-12)


@settings(max_examples=20, deadline=None)
@given(
    cuts=st.lists(st.integers(0, 300), max_size=5),
    seed=st.integers(0, 2**16),
    method=st.sampled_from(["f_test", "mutual_info"]),
    task=st.sampled_from(["regression", "classification"]),
)
def test_mrmr_is_the_same_however_the_rows_are_partitioned(
    cuts: list[int], seed: int, method: str, task: str
) -> None:
    rng = np.random.default_rng(seed)
    a, b, c = rng.normal(size=(3, 300))
    y = a + 0.5 * b if task == "regression" else (a > 0).astype(float) + (b > 0.5)
    table = pd.DataFrame({"a": a, "b": b, "c": c, "y": y})
    bounds = sorted({0, 300, *cuts})
    pieces = [table.iloc[lo:hi] for lo, hi in zip(bounds, bounds[1:], strict=False)]
    frame = dd.from_delayed([dask.delayed(p) for p in pieces], meta=table.iloc[:0])
    with dask.config.set(scheduler="synchronous"):
        got = cld.mrmr(frame, "y", k=3, method=method, task=task, bins=4)
    want = cl.discover.mrmr(table, "y", k=3, method=method, task=task, bins=4)
    assert got.features == want.features
    np.testing.assert_allclose(got.scores, want.scores, rtol=1e-12)


def test_mrmr_on_partitions_keeps_the_collected_errors() -> None:
    table = pd.DataFrame({"a": np.arange(10.0), "k": np.ones(10), "y": np.arange(10.0) % 3})
    frame = dd.from_pandas(table, npartitions=3)
    for method in ("f_test", "mutual_info"):
        for task in ("regression", "classification"):
            with pytest.raises(cl.discover.errors.ConstantColumnError, match='"k"'):
                cld.mrmr(frame, "y", method=method, task=task)
    with pytest.raises(cl.discover.errors.DiscoverValueError, match="method"):
        cld.mrmr(frame, "y", method="chi2")
    with pytest.raises(cl.errors.UnknownColumnError):
        cld.mrmr(frame, "nope")


def test_a_call_with_threads_uses_them_and_gives_the_same_result() -> None:
    table = _lagged_table(3000)
    want = cl.discover.surd(table, "y", bins=4, permutations=20)
    before = cl.get_threads()
    got = cl.discover.surd(table, "y", bins=4, permutations=20, threads=1)
    assert got == want
    assert cl.get_threads() == before  # the scope ended with the call
    assert cl.discover.mrmr(table, "y", k=2, threads=1) == cl.discover.mrmr(table, "y", k=2)
    g = _graph()
    np.testing.assert_array_equal(g.evaluate_batch(_table(), threads=1), g.evaluate_batch(_table()))
    one = _machine().run_batch(_table(), threads=1)
    np.testing.assert_array_equal(one.rows, _machine().run_batch(_table()).rows)
    with pytest.raises(cl.errors.InvalidArgumentError):
        cl.discover.surd(table, "y", threads=0)
    with pytest.raises(cl.errors.InvalidArgumentError):
        g.evaluate_batch(_table(), threads=2.5)


def test_a_threads_scope_is_seen_inside_it_only() -> None:
    from causaloid._threads import scope

    outside = cl.get_threads()
    with scope(1):
        assert cl.get_threads() == 1
        with scope(2):
            assert cl.get_threads() == 2
        assert cl.get_threads() == 1
    assert cl.get_threads() == outside
    with pytest.raises(ValueError, match="boom"), scope(1):
        raise ValueError("boom")
    assert cl.get_threads() == outside


def test_single_machine_calls_name_dask_when_given_a_dask_frame() -> None:
    frame = dd.from_pandas(_lagged_table(50), npartitions=2)
    with pytest.raises(TypeError, match="causaloid.dask"):
        cl.discover.surd(frame, "y")
    with pytest.raises(TypeError, match="root_causes, Pipeline"):
        cl.discover.root_causes(frame, frame)
    with pytest.raises(TypeError, match="causaloid.dask"):
        cl.discover.Pipeline("y").load(frame)


@settings(max_examples=25, deadline=None)
@given(
    cuts=st.lists(st.integers(0, 400), max_size=6),
    lag=st.integers(0, 6),
    bins=st.integers(2, 5),
    seed=st.integers(0, 2**16),
)
def test_surd_is_the_same_however_the_rows_are_partitioned(
    cuts: list[int], lag: int, bins: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    table = pd.DataFrame({"y": rng.random(400), "a": rng.random(400), "b": rng.random(400)})
    bounds = sorted({0, 400, *cuts})
    pieces = [table.iloc[lo:hi] for lo, hi in zip(bounds, bounds[1:], strict=False)]
    frame = dd.from_delayed([dask.delayed(p) for p in pieces], meta=table.iloc[:0])
    with dask.config.set(scheduler="synchronous"):
        got = cld.surd(frame, "y", lag=lag, bins=bins, permutations=10, seed=seed)
    assert got == cl.discover.surd(table, "y", lag=lag, bins=bins, permutations=10, seed=seed)


def test_a_context_reading_graph_on_workers_equals_one_machine(client) -> None:  # type: ignore[no-untyped-def]
    day = 86_400
    closes = [10.0, 12.0, 11.0, 15.0, 14.0, 18.0]
    ctx = cl.Context.from_frame(
        {"t": np.arange(6) * day, "close": closes}, time="t", scale="day", name="prices"
    )
    rising = cl.Causaloid(
        "rising",
        "close above the previous day's",
        expr=cl.expr.ctx_time("day", "close", at="t")
        > cl.expr.ctx_time("day", "close", at="t", offset=-1),
        context=ctx,
    )
    g = cl.CausalGraph(1, "g")
    g.add(rising)
    g.add(cl.Causaloid(2, "follow", expr=cl.expr.value()))
    g.link("rising", 2)
    g.freeze()
    table = pd.DataFrame({"t": np.arange(6) * day + 3600.0})
    frame = dd.from_pandas(table, npartitions=3)
    # the first day has no previous day: a missing input, decided as asked
    got = cld.evaluate_batch(g, frame, missing="false").compute()
    np.testing.assert_array_equal(got.to_numpy(), g.evaluate_batch(table, missing="false"))
    assert got.tolist() == [False, True, False, True, False, True]
    unknown = cld.evaluate_batch(g, frame, missing="propagate").compute()
    assert str(unknown.dtype) == "boolean"
    assert unknown.isna().tolist() == [True] + [False] * 5
    assert unknown[1:].tolist() == [True, False, True, False, True]
    with pytest.raises(MissingValueError) as info:
        cld.evaluate_batch(g, frame).compute()
    assert info.value.row == 0


def _incident(seed: int = 9) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)

    def period(n: int, cpu_level: float) -> pd.DataFrame:
        cpu = rng.normal(cpu_level, 1.0, n)
        mem = rng.normal(50.0, 2.0, n)
        lat = 0.02 * cpu + 0.001 * mem + rng.normal(0, 1e-3, n)
        err = rng.normal(0.0, 1.0, n)  # not positive: shifted onto a log scale
        return pd.DataFrame({"cpu": cpu, "mem": mem, "lat": lat, "err": err + 0.1 * lat})

    return period(600, 10.0), period(90, 35.0)


@pytest.mark.parametrize("method", ["shift", "zscore"])
def test_root_causes_on_partitions_equal_the_collected_tables(client, method: str) -> None:  # type: ignore[no-untyped-def]
    normal, anomalous = _incident()
    graph = {"lat": ["cpu", "mem"], "err": ["lat"]}
    got = cld.root_causes(
        dd.from_pandas(normal, npartitions=8),
        dd.from_pandas(anomalous, npartitions=3),
        graph,
        method=method,
    )
    want = cl.discover.root_causes(normal, anomalous, graph, method=method)
    assert got.columns == want.columns
    for g, w in zip(got, want, strict=False):
        assert g.explained_by == w.explained_by
        for a, b in [(g.shift, w.shift), (g.total_shift, w.total_shift), (g.z, w.z)]:
            assert a == pytest.approx(b, rel=1e-12, abs=1e-12)


@settings(max_examples=15, deadline=None)
@given(
    cuts=st.lists(st.integers(0, 120), max_size=5),
    seed=st.integers(0, 2**16),
    graph=st.sampled_from([None, {"b": ["a"]}, {"b": ["a"], "c": ["a", "b"]}]),
)
def test_root_causes_are_the_same_however_the_rows_are_partitioned(
    cuts: list[int], seed: int, graph: dict[str, list[str]] | None
) -> None:
    rng = np.random.default_rng(seed)
    a = rng.normal(5, 1, 150)
    table = pd.DataFrame({"a": a, "b": a + rng.normal(0, 0.1, 150), "c": rng.normal(0, 1, 150)})
    table.iloc[120:, 0] += 4.0
    table.iloc[120:, 1] += 4.0
    normal, anomalous = table.iloc[:120], table.iloc[120:]
    bounds = sorted({0, 120, *cuts})
    pieces = [normal.iloc[lo:hi] for lo, hi in zip(bounds, bounds[1:], strict=False)]
    frame = dd.from_delayed([dask.delayed(p) for p in pieces], meta=normal.iloc[:0])
    with dask.config.set(scheduler="synchronous"):
        got = cld.root_causes(frame, anomalous, graph)
    want = cl.discover.root_causes(normal, anomalous, graph)
    assert got.columns == want.columns
    for g, w in zip(got, want, strict=False):
        assert g.shift == pytest.approx(w.shift, rel=1e-12, abs=1e-12)
        assert g.z == pytest.approx(w.z, rel=1e-12, abs=1e-12)


def test_root_causes_on_partitions_keep_the_collected_errors() -> None:
    normal, anomalous = _incident()
    normal.loc[7, "mem"] = np.nan
    with pytest.raises(cl.discover.errors.NonFiniteError, match="mem"):
        cld.root_causes(dd.from_pandas(normal, npartitions=3), anomalous)
    with pytest.raises(cl.errors.UnknownColumnError, match="anomalous"):
        cld.root_causes(dd.from_pandas(normal, npartitions=3), anomalous.drop(columns="err"))


def _pipeline_table(n: int = 3000, gaps: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(21)
    x = rng.integers(0, 3, n).astype(float)
    w = rng.random(n)
    table = pd.DataFrame(
        {
            "x": x,
            "w": w,
            "noise": rng.normal(size=n),
            "flat": np.ones(n),
            "label": np.array(["a", "b"])[rng.integers(0, 2, n)],
            "y": np.roll(x + (w > 0.8), 1),
        }
    )
    if gaps:
        table.loc[[5, n // 4, n // 4 + 1, n - 1], "w"] = np.nan
        table.loc[[0, 1, n // 2], "noise"] = np.nan
        table.loc[[3], "flat"] = np.nan  # its rows go, then the column (constant)
    return table


@pytest.mark.parametrize("missing", ["drop", "mean", "median", "ffill"])
def test_a_pipeline_on_partitions_equals_the_collected_one(client, missing: str) -> None:  # type: ignore[no-untyped-def]
    table = _pipeline_table()
    options = dict(lag=1, bins=3, k=3, max_order=2, permutations=30, seed=4, alpha=0.05)
    got = cld.Pipeline(dd.from_pandas(table, npartitions=8), "y", **options)
    got.load().clean(missing).select().discover().analyze()
    want = cl.discover.Pipeline("y", **options)
    want.load(table).clean(missing).select().discover().analyze()
    assert vars(got.report) == vars(want.report)
    assert got.selection is not None and want.selection is not None
    assert got.selection.features == want.selection.features
    np.testing.assert_allclose(got.selection.scores, want.selection.scores, rtol=1e-12)
    assert got.results.keys() == want.results.keys()
    for name, result in want.results.items():
        other = got.results[name]
        for (kind, combo, a), (_, _, b) in zip(
            other.components(), result.components(), strict=False
        ):
            assert a == pytest.approx(b, abs=1e-12), (name, kind, combo)
        assert other.tests == want.results[name].tests  # the same null, draw for draw
    assert [str(e) for e in got.edges] == [str(e) for e in want.edges]
    assert [e.p_value for e in got.edges] == [e.p_value for e in want.edges]
    assert [str(e) for e in got.not_significant] == [str(e) for e in want.not_significant]
    g, w = got.to_graph(), want.to_graph()
    assert g.to_json() == w.to_json()  # the same thresholds, to the last bit
    clean = table.dropna() if missing == "drop" else table.fillna(0.0)
    np.testing.assert_array_equal(g.evaluate_batch(clean), w.evaluate_batch(clean))


def _recording_ticker(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[int]]:
    """Replaces the pipeline's progress bars by counters: stage -> [ticks, total]."""
    import contextlib

    from causaloid.discover import _pipeline_parts

    seen: dict[str, list[int]] = {}

    @contextlib.contextmanager
    def ticker(desc, *, total=None, enabled=None, unit="it"):  # type: ignore[no-untyped-def]
        assert enabled is True and unit == "partition"
        counts = seen.setdefault(desc, [0, total or 0])

        def tick() -> None:
            counts[0] += 1

        yield tick

    monkeypatch.setattr(_pipeline_parts, "ticker", ticker)
    return seen


def test_a_pipeline_on_partitions_reports_each_partition_of_each_stage(
    client, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    seen = _recording_ticker(monkeypatch)
    frame = dd.from_pandas(_pipeline_table(400), npartitions=4)
    pipe = cld.Pipeline(frame, "y", bins=3, k=2, permutations=5, alpha=0.2, progress=True)
    pipe.load().clean("mean").select().discover().analyze()
    pipe.to_graph()
    # clean: the inspection pass and the measuring pass; SURD: three passes
    # for each of the three targets (y and the two selected features).
    assert seen["clean"][0] == 2 * 4
    assert seen["select"][0] >= 4 and seen["select"][0] % 4 == 0
    assert seen["SURD"] == [3 * 4 * 3, 3 * 4 * 3]
    assert seen["to_graph"][0] % 4 == 0 and seen["to_graph"][0] >= 8 * 4


def test_a_pipeline_reports_progress_without_a_distributed_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = _recording_ticker(monkeypatch)

    def no_client() -> None:
        raise ValueError("No clients found")

    monkeypatch.setattr(distributed, "default_client", no_client)
    frame = dd.from_pandas(_pipeline_table(200), npartitions=3)
    pipe = cld.Pipeline(frame, "y", bins=3, k=2, permutations=0, progress=True)
    with dask.config.set(scheduler="synchronous"):  # the local scheduler's callbacks
        pipe.load().clean().select().discover(targets=["y"])
    assert seen["clean"][0] == 2 * 3
    assert seen["SURD"] == [3 * 3, 3 * 3]


def test_a_pipeline_on_partitions_keeps_the_collected_errors() -> None:
    frame = dd.from_pandas(_pipeline_table(50), npartitions=2)
    with pytest.raises(cl.discover.errors.DiscoverValueError, match="permutations"):
        cld.Pipeline(frame, "y", permutations=-1).load().clean().select().discover()
    pipe = cld.Pipeline(frame, "y", permutations=0)
    with pytest.raises(cl.discover.errors.StageError):
        pipe.select()
    with pytest.raises(cl.discover.errors.NonFiniteError, match="'w'"):
        pipe.load().clean("error")


def test_partitioned_surd_refuses_a_repeated_agent_like_one_machine() -> None:
    from causaloid.discover.errors import DiscoverValueError

    rng = np.random.default_rng(2)
    table = pd.DataFrame({"a": rng.normal(size=200), "y": rng.normal(size=200)})
    with pytest.raises(DiscoverValueError, match="repeat") as one:
        cl.discover.surd(table, target="y", agents=["a", "a"])
    with pytest.raises(DiscoverValueError, match="repeat") as parts:
        cld.surd(dd.from_pandas(table, npartitions=2), target="y", agents=["a", "a"])
    assert str(parts.value) == str(one.value)


# ---- missing="drop" on partitions: the same samples as the collected table ----------


def _holes(table: pd.DataFrame, seed: int, every: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = table.copy()
    for c in out.columns:
        if out[c].dtype.kind == "f":
            out.loc[rng.random(len(out)) < 1.0 / every, c] = np.nan
    return out


@settings(max_examples=20, deadline=None)
@given(
    cuts=st.lists(st.integers(0, 400), max_size=6),
    lag=st.integers(0, 4),
    seed=st.integers(0, 2**16),
    every=st.sampled_from([7, 30]),
)
def test_surd_dropping_missing_samples_is_the_same_however_the_rows_are_partitioned(
    cuts: list[int], lag: int, seed: int, every: int
) -> None:
    rng = np.random.default_rng(seed)
    table = pd.DataFrame({"y": rng.random(400), "a": rng.random(400), "b": rng.random(400)})
    table = _holes(table, seed, every)
    bounds = sorted({0, 400, *cuts})
    pieces = [table.iloc[lo:hi] for lo, hi in zip(bounds, bounds[1:], strict=False)]
    frame = dd.from_delayed([dask.delayed(p) for p in pieces], meta=table.iloc[:0])
    with dask.config.set(scheduler="synchronous"):
        got = cld.surd(frame, "y", lag=lag, bins=3, permutations=10, seed=seed, missing="drop")
    want = cl.discover.surd(table, "y", lag=lag, bins=3, permutations=10, seed=seed, missing="drop")
    assert got == want  # rows_dropped and samples included
    assert want.rows_dropped > 0


@settings(max_examples=15, deadline=None)
@given(
    cuts=st.lists(st.integers(0, 300), max_size=5),
    seed=st.integers(0, 2**16),
    method=st.sampled_from(["f_test", "mutual_info"]),
    task=st.sampled_from(["regression", "classification"]),
)
def test_mrmr_dropping_missing_rows_is_the_same_however_the_rows_are_partitioned(
    cuts: list[int], seed: int, method: str, task: str
) -> None:
    rng = np.random.default_rng(seed)
    a, b, c = rng.normal(size=(3, 300))
    y = a + 0.5 * b if task == "regression" else (a > 0).astype(float) + (b > 0.5)
    table = _holes(pd.DataFrame({"a": a, "b": b, "c": c, "y": y}), seed, 12)
    bounds = sorted({0, 300, *cuts})
    pieces = [table.iloc[lo:hi] for lo, hi in zip(bounds, bounds[1:], strict=False)]
    frame = dd.from_delayed([dask.delayed(p) for p in pieces], meta=table.iloc[:0])
    with dask.config.set(scheduler="synchronous"):
        got = cld.mrmr(frame, "y", k=3, method=method, task=task, bins=4, missing="drop")
    want = cl.discover.mrmr(table, "y", k=3, method=method, task=task, bins=4, missing="drop")
    assert got.features == want.features
    np.testing.assert_allclose(got.scores, want.scores, rtol=1e-12)
    assert (got.rows_used, got.rows_dropped) == (want.rows_used, want.rows_dropped)
    assert want.rows_dropped > 0


def test_root_causes_dropping_missing_rows_on_partitions_equal_the_collected_tables() -> None:
    normal, anomalous = _incident()
    normal = _holes(normal, 1, 25)
    anomalous = _holes(anomalous, 2, 25)
    graph = {"lat": ["cpu", "mem"], "err": ["lat"]}
    with dask.config.set(scheduler="synchronous"):
        got = cld.root_causes(
            dd.from_pandas(normal, npartitions=6),
            dd.from_pandas(anomalous, npartitions=3),
            graph,
            missing="drop",
        )
    want = cl.discover.root_causes(normal, anomalous, graph, missing="drop")
    assert got.columns == want.columns
    assert (got.rows_used, got.rows_dropped) == (want.rows_used, want.rows_dropped)
    assert want.rows_dropped > 0
    for g, w in zip(got, want, strict=False):
        assert g.shift == pytest.approx(w.shift, rel=1e-12, abs=1e-12)
        assert g.z == pytest.approx(w.z, rel=1e-12, abs=1e-12)
    with pytest.raises(cl.discover.errors.MissingValueError):
        cld.root_causes(dd.from_pandas(normal, npartitions=3), anomalous)


def test_a_pipeline_keeping_missing_cells_drops_the_same_samples_on_partitions() -> None:
    table = _pipeline_table()
    options = dict(lag=1, bins=3, k=3, max_order=2, permutations=20, seed=4, missing="drop")
    with dask.config.set(scheduler="synchronous"):
        got = cld.Pipeline(dd.from_pandas(table, npartitions=8), "y", **options)
        got.load().clean("keep").select().discover().analyze()
    want = cl.discover.Pipeline("y", **options)
    want.load(table).clean("keep").select().discover().analyze()
    assert got.selection is not None and want.selection is not None
    assert got.selection.features == want.selection.features
    assert got.selection.rows_dropped == want.selection.rows_dropped > 0
    for name, result in want.results.items():
        assert got.results[name].rows_dropped == result.rows_dropped
        assert got.results[name].tests == result.tests
    assert [str(e) for e in got.edges] == [str(e) for e in want.edges]
