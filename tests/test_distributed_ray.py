"""Ray (a local Ray instance) gives exactly what one machine gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import causaloid as cl

ray = pytest.importorskip("ray", reason="the ray extra is not installed")
pytest.importorskip("ray.data", reason="the ray extra is not installed")

import causaloid.ray as clr  # noqa: E402

col = cl.expr.col


@pytest.fixture(scope="module")
def local_ray():  # type: ignore[no-untyped-def]
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    yield
    ray.shutdown()


def _table(n: int = 2000) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    return pd.DataFrame({"x": rng.random(n), "y": rng.normal(size=n)})


def _machine() -> cl.StateMachine:
    rising = cl.State("rising", "", cl.Causaloid("r", "", expr=col("x.mean") > 0.55))
    return cl.StateMachine([(rising, "log")], window=cl.Window(4, ["x"]))


def test_a_batch_on_ray_equals_one_machine(local_ray) -> None:  # type: ignore[no-untyped-def]
    table = _table()
    c = cl.Causaloid(1, "x high", expr=col("x") > 0.5)
    got = clr.evaluate_batch(c, ray.data.from_pandas(table)).to_pandas()
    np.testing.assert_array_equal(got["verdict"].to_numpy(), c.evaluate_batch(table))


def test_a_windowed_machine_on_ray_fires_as_one_machine(local_ray) -> None:  # type: ignore[no-untyped-def]
    table = _table()
    got = clr.run_batch(_machine(), ray.data.from_pandas(table), pieces=8)
    one = _machine().run_batch(table)
    assert got["event"].tolist() == [f.event for f in one.firings]
    assert got["state"].tolist() == one.states


def test_a_machine_on_ray_decides_missing_inputs_as_one_machine(local_ray) -> None:  # type: ignore[no-untyped-def]
    table = _table(200)
    table.loc[[5, 77, 150], "x"] = np.nan
    got = clr.run_batch(_machine(), ray.data.from_pandas(table), pieces=4, missing="propagate")
    one = _machine().run_batch(table, missing="propagate")
    unknown = got[got["outcome"] == "unknown"]
    assert unknown["row"].tolist() == [u.position for u in one.unknown] != []
    assert got[got["outcome"] != "unknown"]["row"].tolist() == one.rows.tolist()


def test_surd_and_mrmr_on_ray_equal_the_collected_table(local_ray) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(4)
    x1, x2 = rng.random(2000), rng.random(2000)
    y = np.roll(0.7 * x1 + 0.3 * x2, 2)
    table = pd.DataFrame({"y": y, "x1": x1, "x2": x2})
    ds = ray.data.from_pandas(table)
    want = cl.discover.surd(table, "y", lag=2, bins=5, permutations=30, seed=2)
    assert clr.surd(ds, "y", lag=2, bins=5, permutations=30, seed=2, pieces=4) == want
    got = clr.mrmr(ds, "y", k=2, pieces=4)
    want = cl.discover.mrmr(table, "y", k=2)
    assert got.features == want.features
    np.testing.assert_allclose(got.scores, want.scores, rtol=1e-12)


def test_root_causes_and_mutual_information_mrmr_on_ray_equal_the_collected_tables(
    local_ray,  # type: ignore[no-untyped-def]
) -> None:
    rng = np.random.default_rng(6)
    cpu_n, cpu_a = rng.normal(10, 1, 400), rng.normal(30, 1, 60)
    normal = pd.DataFrame({"cpu": cpu_n, "lat": 0.02 * cpu_n + rng.normal(0, 1e-3, 400)})
    anomalous = pd.DataFrame({"cpu": cpu_a, "lat": 0.02 * cpu_a + rng.normal(0, 1e-3, 60)})
    graph = {"lat": ["cpu"]}
    got = clr.root_causes(ray.data.from_pandas(normal), anomalous, graph, pieces=4)
    want = cl.discover.root_causes(normal, anomalous, graph)
    assert got.columns == want.columns
    for g, w in zip(got, want, strict=False):
        assert g.shift == pytest.approx(w.shift, rel=1e-12, abs=1e-12)
        assert g.z == pytest.approx(w.z, rel=1e-12)
    table = normal.assign(y=np.roll(normal["cpu"], 1))
    got_m = clr.mrmr(ray.data.from_pandas(table), "y", k=2, method="mutual_info", pieces=4)
    assert got_m == cl.discover.mrmr(table, "y", k=2, method="mutual_info")


def test_a_pipeline_on_ray_equals_the_collected_one(local_ray) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(8)
    x = rng.integers(0, 3, 1500).astype(float)
    table = pd.DataFrame({"x": x, "z": rng.normal(size=1500), "y": np.roll(x, 1)})
    table.loc[[4, 900], "z"] = np.nan
    options = dict(lag=1, bins=3, k=2, permutations=20, alpha=0.05)
    got = clr.Pipeline(ray.data.from_pandas(table), "y", pieces=4, **options)
    got.load().clean("ffill").select().discover().analyze()
    want = cl.discover.Pipeline("y", **options).load(table).clean("ffill")
    want.select().discover().analyze()
    assert [str(e) for e in got.edges] == [str(e) for e in want.edges]
    assert [e.p_value for e in got.edges] == [e.p_value for e in want.edges]
    assert got.to_graph().to_json() == want.to_graph().to_json()


def test_a_pipeline_on_ray_reports_each_partition_it_finishes(
    local_ray, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import contextlib

    from causaloid.discover import _pipeline_parts

    seen: dict[str, int] = {}

    @contextlib.contextmanager
    def ticker(desc, *, total=None, enabled=None, unit="it"):  # type: ignore[no-untyped-def]
        seen.setdefault(desc, 0)

        def tick() -> None:
            seen[desc] += 1

        yield tick

    monkeypatch.setattr(_pipeline_parts, "ticker", ticker)
    rng = np.random.default_rng(9)
    x = rng.integers(0, 3, 600).astype(float)
    table = pd.DataFrame({"x": x, "z": rng.normal(size=600), "y": np.roll(x, 1)})
    pipe = clr.Pipeline(ray.data.from_pandas(table), "y", pieces=3, bins=3, k=2, progress=True)
    pipe.load().clean().select().discover(targets=["y"])
    assert seen["clean"] == 2 * 3 and seen["SURD"] == 3 * 3
