"""Pipeline stages, the graph they build, root causes and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import causaloid as cl
from causaloid.discover import errors as E

EXAMPLES = Path(__file__).parent.parent / "examples" / "data" / "sock-shop"


def chain_table(n=4000, seed=0):
    """a -> b (copy, one step later), b & c -> d (xor, one step later), plus noise."""
    rng = np.random.default_rng(seed)
    a, c, noise = rng.integers(0, 2, (3, n))
    b = np.roll(a, 1)
    d = np.roll(b ^ c, 1)
    return {"a": a, "b": b, "c": c, "d": d, "noise": noise}


def test_stages_refuse_to_run_out_of_order():
    pipe = cl.discover.Pipeline("d")
    with pytest.raises(E.StageError, match=r"clean\(\) needs load\(\)") as info:
        pipe.clean()
    assert (info.value.stage, info.value.needs) == ("clean", "load")
    pipe.load(chain_table())
    with pytest.raises(E.StageError, match="select"):
        pipe.discover()
    with pytest.raises(E.StageError, match="analyze"):
        pipe.to_graph()
    pipe.clean().select(k=4).discover(None).analyze()
    assert pipe.stages_done == ["load", "clean", "select", "discover", "analyze"]
    pipe.clean()  # re-running a stage clears those after it
    assert pipe.stages_done == ["load", "clean"]
    with pytest.raises(E.StageError):
        pipe.analyze()


def test_discovery_finds_unique_and_synergistic_edges():
    pipe = cl.discover.Pipeline("d", lag=1, bins=2, k=4, max_order=2).run(chain_table())
    found = {(e.sources, e.target, e.kind) for e in pipe.edges}
    assert (("a",), "b", "unique") in found
    assert (("b", "c"), "d", "synergistic") in found
    assert all(e.rationale and 0 < e.strength <= 1 for e in pipe.edges)
    synergy = next(e for e in pipe.edges if e.kind == "synergistic")
    assert "together" in synergy.rationale and synergy.strength > 0.95


def test_to_graph_gives_a_native_graph_that_evaluates_and_round_trips():
    pipe = cl.discover.Pipeline("d", lag=1, bins=2, k=4).run(chain_table())
    graph = pipe.to_graph()
    assert isinstance(graph, cl.CausalGraph) and graph.is_frozen
    assert ("b & c", "d") in graph.edges and ("a", "b") in graph.edges
    assert isinstance(graph["b & c"], cl.CausalCollection)
    # d follows the xor group: high when both b and c are high.
    row = {"a": 1.0, "b": 1.0, "c": 1.0}
    assert graph.evaluate_from("b & c", row).value is True
    assert graph.evaluate_from("b & c", {"a": 1.0, "b": 1.0, "c": 0.0}).value is False
    assert "d" in graph.explain(row)
    again = cl.from_json(graph.to_json())
    assert again.evaluate(row).value == graph.evaluate(row).value
    batch = graph.evaluate_batch({"a": [0.0, 1.0], "b": [1.0, 0.0], "c": [1.0, 0.0]})
    assert batch.tolist() == [
        graph.evaluate({"a": 0.0, "b": 1.0, "c": 1.0}).value,
        graph.evaluate({"a": 1.0, "b": 0.0, "c": 0.0}).value,
    ]


def test_edges_that_would_close_a_cycle_are_dropped_and_reported():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 4, 3000)
    table = {"x": x, "y": np.roll(x, 1)}  # y[t] = x[t-1], and x is iid: x -> y only
    table["z"] = np.roll(table["y"], 1)
    pipe = cl.discover.Pipeline("z", lag=1, bins=4, k=2).run(table)
    pipe.edges.append(cl.discover.Edge(("z",), "x", "unique", 0.01, 0.01, "made up"))
    graph = pipe.to_graph()
    assert ("z", "x") not in graph.edges
    assert any("cycle" in why for _, why in pipe.dropped_edges)


def test_clean_reports_what_it_did():
    t = chain_table(200)
    t["noise"] = t["noise"].astype(float)
    t["noise"][[3, 8]] = np.nan
    t["flat"] = np.zeros(200)
    t["name"] = np.array(["x"] * 200)
    pipe = cl.discover.Pipeline("d").load(t).clean()
    assert pipe.report.rows_after == 198 and pipe.report.rows_before == 200
    assert set(pipe.report.dropped_columns) == {"flat", "name"}
    pipe.load(t).clean("median")
    assert pipe.report.imputed == {"noise": 2} and pipe.report.rows_after == 200
    assert np.isfinite(pipe.data["noise"]).all()
    pipe.load(t).clean("ffill")
    assert pipe.data["noise"][3] == t["noise"][2]
    with pytest.raises(E.NonFiniteError, match="noise"):
        pipe.load(t).clean("error")
    with pytest.raises(E.DiscoverValueError, match="missing"):
        pipe.load(t).clean("guess")


def test_load_reads_csv_and_parquet(tmp_path):
    import polars as pl

    frame = pl.DataFrame({k: v.astype(float) for k, v in chain_table(500).items()})
    frame.write_csv(tmp_path / "t.csv")
    frame.write_parquet(tmp_path / "t.parquet")
    a = cl.discover.Pipeline("d", bins=2).run(tmp_path / "t.csv")
    b = cl.discover.Pipeline("d", bins=2).run(str(tmp_path / "t.parquet"))
    assert a.results["d"] == b.results["d"]
    with pytest.raises(FileNotFoundError):
        cl.discover.Pipeline("d").load(tmp_path / "missing.csv")
    (tmp_path / "t.xlsx").write_bytes(b"")
    with pytest.raises(E.DiscoverValueError, match="expected"):
        cl.discover.Pipeline("d").load(tmp_path / "t.xlsx")


def test_root_causes_demote_a_child_only_when_its_parent_explains_its_move():
    rng = np.random.default_rng(0)
    cpu_n, cpu_a = rng.normal(10, 1, 300), rng.normal(30, 1, 60)
    # lat follows cpu closely (tiny own noise); ext moves on its own.
    normal = {
        "cpu": cpu_n,
        "lat": 0.5 * cpu_n + rng.normal(0, 0.01, 300),
        "ext": rng.normal(5, 0.5, 300),
        "mem": rng.normal(50, 1, 300),
    }
    anomalous = {
        "cpu": cpu_a,
        "lat": 0.5 * cpu_a + rng.normal(0, 0.01, 60),
        "ext": rng.normal(20, 0.5, 60),
        "mem": rng.normal(50, 1, 60),
    }
    # Without the graph nothing tells the symptom from its cause.
    plain = cl.discover.root_causes(normal, anomalous)
    assert plain.rank_of("mem") == 4 and plain[2].explained_by == ()
    graph = [("cpu", "lat"), ("cpu", "ext")]
    ranked = cl.discover.root_causes(normal, anomalous, graph=graph)
    # ext moved x4 that cpu does not predict; lat's move is cpu's.
    assert ranked.columns[:2] == ["ext", "cpu"]
    # Given cpu, lat is no more anomalous than the untouched mem.
    assert ranked.rank_of("lat") == 4 and ranked.rank_of("mem") == 3
    assert ranked[3].explained_by == ("cpu",)
    assert "parents (cpu) predict" in ranked[3].rationale
    assert abs(ranked[3].shift) < 0.1 < ranked[3].total_shift
    assert "cpu" in str(ranked)


@pytest.mark.parametrize("case", ["carts_cpu_1", "carts_cpu_2"])
def test_root_causes_on_sock_shop_rank_the_injected_fault_first(case):
    import networkx as nx
    import polars as pl

    folder = EXAMPLES / case
    normal, anomalous = pl.read_csv(folder / "normal.csv"), pl.read_csv(folder / "anomalous.csv")
    assert cl.discover.root_causes(normal, anomalous).rank_of("carts_cpu") == 1
    cpdag = pl.read_csv(folder / "cpdag.csv", comment_prefix="#")
    names = normal.columns
    edges = [
        (names[s], names[d]) for s, d, ms, md in cpdag.iter_rows() if (ms, md) == ("Tail", "Arrow")
    ]
    edges += [
        (names[d], names[s]) for s, d, ms, md in cpdag.iter_rows() if (ms, md) == ("Arrow", "Tail")
    ]
    ranked = cl.discover.root_causes(normal, anomalous, graph=nx.DiGraph(edges))
    assert ranked.rank_of("carts_cpu") == 1
    assert ranked.columns == cl.discover.root_causes(normal, anomalous, graph=edges).columns


def test_root_causes_refuse_bad_input():
    with pytest.raises(cl.CausalError, match="method"):
        cl.discover.root_causes({"a": [1.0, 2, 3]}, {"a": [4.0]}, method="magic")
    with pytest.raises(cl.errors.MissingValueError, match="missing value"):
        cl.discover.root_causes({"a": [1.0, np.nan, 3, 4]}, {"a": [4.0]})
    with pytest.raises(cl.CausalError, match="pairs"):
        cl.discover.root_causes(
            {"a": [1.0, 2, 3], "b": [1.0, 2, 4]}, {"a": [4.0], "b": [1.0]}, graph=[("a",)]
        )


def run_cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "causaloid", "discover", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_prints_the_table_and_writes_plot_and_graph(tmp_path):
    import polars as pl

    pl.DataFrame({k: v.astype(float) for k, v in chain_table(2000).items()}).write_csv(
        tmp_path / "t.csv"
    )
    proc = run_cli(
        "t.csv",
        "--target",
        "d",
        "--lag",
        "1",
        "--bins",
        "2",
        "--plot",
        "out.png",
        "--json",
        "graph.json",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    synergy = [line for line in proc.stdout.splitlines() if line.startswith("S ")]
    assert any("b,c" in line or "c,b" in line for line in synergy)
    assert (tmp_path / "out.png").stat().st_size > 0
    graph = cl.from_json((tmp_path / "graph.json").read_text())
    assert ("b & c", "d") in graph.edges
    json.loads((tmp_path / "graph.json").read_text())


def test_cli_reports_errors_without_a_traceback(tmp_path):
    (tmp_path / "t.csv").write_text("x,y\n1,2\n3,4\n5,6\n")
    proc = run_cli("t.csv", "--target", "nope", cwd=tmp_path)
    assert proc.returncode == 1
    assert "nope" in proc.stderr and "Traceback" not in proc.stderr


def test_a_pipeline_and_its_results_pickle():
    import pickle

    pipe = cl.discover.Pipeline("d", lag=1, bins=2, k=4).run(chain_table(1000))
    again = pickle.loads(pickle.dumps(pipe))
    assert again.edges == pipe.edges and again.results == pipe.results
    assert again.stages_done == pipe.stages_done
    assert again.to_graph().edges == pipe.to_graph().edges
    sel = pickle.loads(pickle.dumps(pipe.selection))
    assert sel == pipe.selection


def test_a_target_dropped_by_cleaning_is_named():
    table = chain_table(100)
    table["flat"] = np.ones(100)
    pipe = cl.discover.Pipeline().load(table).clean()
    with pytest.raises(E.DiscoverValueError, match="dropped by clean"):
        pipe.select("flat")
    with pytest.raises(cl.errors.UnknownColumnError, match="nope"):
        pipe.select("nope")
