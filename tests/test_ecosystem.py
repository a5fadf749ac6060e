"""causaloid speaks the ecosystem's conventions: networkx and DOT for graphs,
pandas / polars / Arrow for tabular results, NumPy Generators as seeds, and
optional imports that name the extra to install."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid import expr as E
from causaloid.errors import CausalError, CycleError, InvalidArgumentError

nx = pytest.importorskip("networkx")


def alarm() -> cl.CausalGraph:
    g = cl.CausalGraph("alarm", "fire alarm")
    g.add(cl.Causaloid("smoke", "smoke detected", expr=E.col("smoke") > 0.3))
    g.add(cl.Causaloid("heat", "heat detected", expr=E.col("temp") > 60))
    g.add(cl.Causaloid("fire", "fire", expr=E.value()))
    g.link("smoke", "fire")
    g.link("heat", "fire")
    return g.freeze()


# --- networkx and DOT ------------------------------------------------------------


def test_to_networkx_keeps_nodes_edges_and_attributes():
    d = alarm().to_networkx()
    assert isinstance(d, nx.DiGraph)
    assert sorted(d.edges) == [("heat", "fire"), ("smoke", "fire")]
    assert d.nodes["smoke"]["description"] == "smoke detected"
    assert str(d.nodes["heat"]["expr"]) == str(E.col("temp") > 60)
    assert d.nodes["fire"]["kind"] == "causaloid" and d.nodes["fire"]["fn"] is None
    assert d.graph == {"id": "alarm", "description": "fire alarm"}
    assert list(nx.topological_sort(d))[-1] == "fire"


def test_a_graph_survives_the_networkx_round_trip():
    g = alarm()
    back = cl.CausalGraph.from_networkx(g.to_networkx())
    assert back.to_json() == g.to_json()
    rows = {"smoke": [0.1, 0.5, 0.0, 0.2], "temp": [20.0, 20.0, 90.0, 61.0]}
    assert back.evaluate_batch(rows).tolist() == g.evaluate_batch(rows).tolist()


def test_from_networkx_builds_causaloids_from_expr_and_fn_attributes():
    d = nx.DiGraph(id="plant")
    d.add_node("hot", expr=E.col("t") > 50, description="hot")
    d.add_node("alarm", fn=lambda v: v, description="alarm follows heat")
    d.add_edge("hot", "alarm")
    g = cl.CausalGraph.from_networkx(d)
    assert g.id == "plant" and g.is_frozen
    assert g.evaluate({"t": 70}).value is True
    assert g["alarm"].description == "alarm follows heat"


def test_from_networkx_rejects_bad_graphs_with_causal_errors():
    undirected = nx.Graph()
    undirected.add_node("a", expr=E.value())
    with pytest.raises(InvalidArgumentError, match="directed"):
        cl.CausalGraph.from_networkx(undirected)
    bare = nx.DiGraph()
    bare.add_node("a")
    with pytest.raises(InvalidArgumentError, match="'a' needs exactly one") as info:
        cl.CausalGraph.from_networkx(bare)
    assert info.value.node_id == "a"
    cyclic = nx.DiGraph()
    cyclic.add_node("a", expr=E.value())
    cyclic.add_node("b", expr=E.value())
    cyclic.add_edges_from([("a", "b"), ("b", "a")])
    with pytest.raises(CycleError):
        cl.CausalGraph.from_networkx(cyclic)
    with pytest.raises(InvalidArgumentError, match="expected a networkx DiGraph"):
        cl.CausalGraph.from_networkx([("a", "b")])


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_random_dags_round_trip_through_networkx(data):
    n = data.draw(st.integers(1, 8))
    edges = data.draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda e: e[0] < e[1]),
            unique=True,
            max_size=12,
        )
    )
    g = cl.CausalGraph("random")
    for i in range(n):
        g.add(cl.Causaloid(i, f"node {i}", expr=E.col(f"x{i}") > 0.5))
    for a, b in edges:
        g.link(a, b)
    g.freeze()
    d = g.to_networkx()
    assert set(d.edges) == set(g.edges) and set(d.nodes) == set(g.nodes)
    back = cl.CausalGraph.from_networkx(d)
    assert back.to_json() == g.to_json()


def test_to_dot_lists_every_node_and_edge_and_escapes_quotes():
    g = cl.CausalGraph("q", 'say "hi"')
    g.add(cl.Causaloid("a", 'the "a"\nnode', expr=E.col("x") > 1))
    g.add(cl.Causaloid(2, "", fn=lambda v: v))
    g.link("a", 2)
    dot = g.freeze().to_dot()
    assert dot.startswith('digraph "q" {') and dot.endswith("}")
    assert 'label="q: say \\"hi\\"";' in dot
    assert '"a" [label="a\\nthe \\"a\\"\\nnode", tooltip="(col(\\"x\\") > 1.0)"];' in dot
    assert '"a" -> "2";' in dot
    assert dot.count("->") == 1


# --- tabular results -------------------------------------------------------------


def surd_result():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2, 2000).astype(float)
    b = rng.integers(0, 2, 2000).astype(float)
    y = np.logical_xor(a, b).astype(float)
    return cl.discover.surd({"y": y, "a": a, "b": b}, "y", lag=0, bins=2)


def tabular_results():
    rng = np.random.default_rng(1)
    x = rng.normal(size=300)
    table = {"y": x + rng.normal(scale=0.1, size=300), "x": x, "z": rng.normal(size=300)}
    anomalous = {k: v[:40] + (5.0 if k == "z" else 0.0) for k, v in table.items()}
    return {
        "surd": surd_result(),
        "mrmr": cl.discover.mrmr(table, "y", k=2),
        "root_causes": cl.discover.root_causes(table, anomalous),
    }


@pytest.mark.parametrize("kind", ["surd", "mrmr", "root_causes"])
def test_every_to_frame_has_polars_and_arrow_twins(kind):
    pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    result = tabular_results()[kind]
    pdf, plf, table = result.to_frame(), result.to_polars(), result.to_arrow()
    assert isinstance(plf, pl.DataFrame) and isinstance(table, pa.Table)
    assert list(pdf.columns) == plf.columns == table.column_names
    assert len(pdf) == plf.height == table.num_rows > 0

    def same(v: object) -> object:
        if isinstance(v, tuple):
            return list(v)
        return "NaN" if isinstance(v, float) and v != v else v

    for name in plf.columns:
        left = [same(v) for v in pdf[name].tolist()]
        assert [same(v) for v in plf[name].to_list()] == left
        assert [same(v) for v in table.column(name).to_pylist()] == left


# --- seeds -----------------------------------------------------------------------


def test_seed_accepts_a_numpy_generator_and_is_reproducible():
    x = cl.Uncertain.normal(0.0, 1.0)
    a = x.sample(5, seed=np.random.default_rng(42))
    b = x.sample(5, seed=np.random.default_rng(42))
    assert a.tolist() == b.tolist()
    rng = np.random.default_rng(42)
    first, second = x.sample(5, seed=rng), x.sample(5, seed=rng)
    assert first.tolist() == a.tolist() and first.tolist() != second.tolist()
    assert x.expected_value(1000, seed=np.random.default_rng(1)) == x.expected_value(
        1000, seed=np.random.default_rng(1)
    )
    d1 = (x > 0.0).probability_exceeds(0.3, seed=np.random.default_rng(3))
    d2 = (x > 0.0).probability_exceeds(0.3, seed=np.random.default_rng(3))
    assert bool(d1) == bool(d2) and d1.samples == d2.samples


@pytest.mark.parametrize("bad", [-1, 2**64, 1.5, "7", True])
def test_a_bad_seed_is_a_causal_error_naming_seed(bad):
    with pytest.raises(CausalError, match="seed must be None, an int") as info:
        cl.Uncertain.normal(0.0, 1.0).sample(3, seed=bad)
    assert info.value.parameter == "seed"
    assert isinstance(info.value, ValueError)


# --- optional imports ------------------------------------------------------------

BLOCK = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == {name!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Block())
"""


def run_without(package: str, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCK.format(name=package) + code],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("package", "extra", "code"),
    [
        ("pandas", "frames", "r.to_frame()"),
        ("polars", "frames", "r.to_polars()"),
        ("pyarrow", "frames", "r.to_arrow()"),
        ("matplotlib", "plot", "r.plot()"),
        ("networkx", "graph", "g.to_networkx()"),
        ("matplotlib", "plot", "g.plot()"),
        ("matplotlib", "plot", "cl.Uncertain.normal(0.0, 1.0).plot(n=10)"),
        ("polars", "frames", "cl.discover.Pipeline('y').load('x.csv')"),
        (
            "networkx",
            "graph",
            "cl.discover.CPDAG.from_edges(['a', 'b'], [('a', 'b')]).to_networkx()",
        ),  # noqa: E501
        ("pyarrow", "frames", "g.evaluate(True).trace.to_arrow()"),
        ("polars", "frames", "cl.SCM({'a': E.lit(1.0)}).sample(5, seed=1).to_polars()"),
    ],
)
def test_a_missing_optional_package_names_its_extra(package, extra, code, tmp_path):
    (tmp_path / "x.csv").write_text("y,a\n1,2\n")
    setup = f"""
import os
os.chdir({str(tmp_path)!r})
import numpy as np
import causaloid as cl
from causaloid import expr as E
from causaloid import MissingDependencyError
r = cl.discover.surd({{"y": np.arange(50.0) % 2, "a": np.arange(50.0) % 3}}, "y", bins=2)
g = cl.CausalGraph("g")
g.add(cl.Causaloid("a", "a", expr=E.value()))
g.freeze()
try:
    {code}
except MissingDependencyError as exc:
    assert isinstance(exc, ImportError) and isinstance(exc, cl.CausalError)
    print(exc.package, exc.extra, str(exc))
"""
    proc = run_without(package, setup)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{package} {extra} ")
    assert f"pip install 'causaloid[{extra}]'" in proc.stdout


def test_root_causes_accepts_a_networkx_digraph():
    rng = np.random.default_rng(3)
    normal = {"a": rng.normal(size=200), "b": rng.normal(size=200)}
    anomalous = {"a": rng.normal(size=30) + 8.0, "b": rng.normal(size=30) + 9.0}
    pairs = cl.discover.root_causes(normal, anomalous, [("a", "b")])
    d = nx.DiGraph([("a", "b")])
    ranked = cl.discover.root_causes(normal, anomalous, d)
    assert ranked.columns == pairs.columns == ["a", "b"]
    assert ranked[1].explained_by == ("a",)
    with pytest.raises(CausalError, match="directed"):
        cl.discover.root_causes(normal, anomalous, nx.Graph([("a", "b")]))


def test_a_forced_progress_bar_without_tqdm_warns_with_the_extra():
    code = BLOCK.format(name="tqdm") + (
        "import warnings\n"
        "from causaloid._progress import progress\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always')\n"
        "    assert list(progress(range(3), enabled=True)) == [0, 1, 2]\n"
        "    assert list(progress(range(3))) == [0, 1, 2]\n"
        "print(len(w), w[0].message)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == (
        "1 progress bars need tqdm, which is not installed: pip install 'causaloid[progress]'"
    )
