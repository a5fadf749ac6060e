"""Structure learning: ``cl.discover.pc`` returns the same CPDAG as causal-learn's
stable PC (same test, same alpha) on linear-Gaussian DAGs and on a discrete
network sampled from its conditional probability tables; the ``CPDAG`` type
round-trips through CSV/JSON, enumerates its equivalence class and converts to
networkx, DOT and a CausalGraph; bad input raises precise errors."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid.discover import CPDAG
from causaloid.discover.errors import (
    ConstantColumnError,
    DiscoverValueError,
    NonFiniteError,
    SingularDataError,
    TooFewSamplesError,
    UnorientedEdgeError,
)
from causaloid.errors import CausalError, ColumnTypeError, UnknownColumnError, UnknownNodeError

ROOT = Path(__file__).resolve().parents[1]


# --- data -------------------------------------------------------------------------


def random_dag(nodes: int, degree: float, seed: int) -> list[tuple[int, int]]:
    """Edges i -> j (i < j in a random order) with expected degree ``degree``."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(nodes)
    p = degree / (nodes - 1)
    return [
        (int(order[i]), int(order[j]))
        for i in range(nodes)
        for j in range(i + 1, nodes)
        if rng.random() < p
    ]


def linear_gaussian(nodes: int, edges: list[tuple[int, int]], rows: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 1)
    weights = {e: rng.uniform(0.5, 1.5) * rng.choice([-1, 1]) for e in edges}
    parents: dict[int, list[int]] = {j: [] for j in range(nodes)}
    for i, j in edges:
        parents[j].append(i)
    data = np.zeros((rows, nodes))
    done: set[int] = set()
    while len(done) < nodes:
        for j in range(nodes):
            if j not in done and all(p in done for p in parents[j]):
                data[:, j] = rng.normal(size=rows)
                for p in parents[j]:
                    data[:, j] += weights[(p, j)] * data[:, p]
                done.add(j)
    return data


# ASIA (Lauritzen & Spiegelhalter 1988): eight binary variables.
ASIA_NODES = ["asia", "tub", "smoke", "lung", "bronc", "either", "xray", "dysp"]
ASIA_EDGES = [
    ("asia", "tub"),
    ("smoke", "lung"),
    ("smoke", "bronc"),
    ("tub", "either"),
    ("lung", "either"),
    ("either", "xray"),
    ("either", "dysp"),
    ("bronc", "dysp"),
]


def sample_asia(rows: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)

    def bern(p: np.ndarray | float) -> np.ndarray:
        return (rng.random(rows) < p).astype(np.int64)

    asia = bern(0.01)
    smoke = bern(0.5)
    tub = bern(np.where(asia == 1, 0.05, 0.01))
    lung = bern(np.where(smoke == 1, 0.1, 0.01))
    bronc = bern(np.where(smoke == 1, 0.6, 0.3))
    either = np.maximum(tub, lung)
    xray = bern(np.where(either == 1, 0.98, 0.05))
    dysp_p = np.select(
        [(either == 1) & (bronc == 1), either == 1, bronc == 1], [0.9, 0.7, 0.8], 0.1
    )
    dysp = bern(dysp_p)
    values = [asia, tub, smoke, lung, bronc, either, xray, dysp]
    return dict(zip(ASIA_NODES, values, strict=False))


def as_causallearn_matrix(g: CPDAG) -> np.ndarray:
    """causal-learn's encoding: graph[a, b] is the mark at a (-1 tail, 1 arrow)."""
    index = {n: i for i, n in enumerate(g.nodes)}
    m = np.zeros((len(g.nodes), len(g.nodes)), dtype=int)
    for a, b in g.directed:
        m[index[a], index[b]] = -1
        m[index[b], index[a]] = 1
    for a, b in g.undirected:
        m[index[a], index[b]] = m[index[b], index[a]] = -1
    return m


def causallearn_pc(data: np.ndarray, alpha: float, test: str, max_k: int | None = None):
    pc_mod = pytest.importorskip("causallearn.search.ConstraintBased.PC")
    cg = pc_mod.pc(data, alpha, test, show_progress=False, max_k=max_k)
    return np.asarray(cg.G.graph, dtype=int)


# --- agreement with causal-learn -----------------------------------------------------


@pytest.mark.parametrize(
    ("nodes", "degree", "rows", "seed"),
    [(20, 3.0, 2000, 1), (20, 4.0, 500, 2), (50, 3.0, 2000, 3), (50, 2.0, 1000, 4)],
)
def test_pc_on_linear_gaussian_dags_equals_causal_learn(
    nodes: int, degree: float, rows: int, seed: int
) -> None:
    edges = random_dag(nodes, degree, seed)
    data = linear_gaussian(nodes, edges, rows, seed)
    learned = cl.discover.pc(data, alpha=0.05, test="fisherz")
    expected = causallearn_pc(data, 0.05, "fisherz")
    np.testing.assert_array_equal(as_causallearn_matrix(learned), expected)
    names = [f"x{i}" for i in range(nodes)]
    truth = CPDAG.from_dag(names, [(names[a], names[b]) for a, b in edges])
    shd = learned.shd(truth)
    print(f"{nodes} nodes, {len(edges)} edges, {rows} rows: SHD to the true CPDAG = {shd}")
    assert shd < len(edges)  # far better than the empty graph


@pytest.mark.parametrize("test", ["chisq", "gsq"])
def test_pc_on_the_asia_network_equals_causal_learn(test: str) -> None:
    table = sample_asia(20_000, seed=7)
    data = np.column_stack([table[n] for n in ASIA_NODES])
    learned = cl.discover.pc(table, alpha=0.01, test=test)
    expected = causallearn_pc(data.astype(float), 0.01, test)
    np.testing.assert_array_equal(as_causallearn_matrix(learned), expected)
    truth = CPDAG.from_dag(ASIA_NODES, ASIA_EDGES)
    print(f"ASIA {test}: SHD to the true CPDAG = {learned.shd(truth)}")
    # the strong links are found ("either" is a deterministic or of tub and
    # lung, which makes some of its links unfaithful and hard to find)
    for a, b in [("smoke", "bronc"), ("smoke", "lung"), ("bronc", "dysp")]:
        assert (a, b) in learned.directed + learned.undirected or (
            (b, a) in learned.directed + learned.undirected
        )


def test_pc_on_real_sock_shop_metrics_equals_causal_learn() -> None:
    pl = pytest.importorskip("polars")
    frame = pl.read_csv(ROOT / "examples" / "data" / "sock-shop" / "carts_cpu_1" / "normal.csv")
    learned = cl.discover.pc(frame, alpha=0.05)
    expected = causallearn_pc(frame.to_numpy().astype(float), 0.05, "fisherz")
    np.testing.assert_array_equal(as_causallearn_matrix(learned), expected)
    assert len(learned.directed) > 0


def test_max_depth_matches_causal_learn_max_k() -> None:
    edges = random_dag(15, 4.0, 11)
    data = linear_gaussian(15, edges, 800, 11)
    learned = cl.discover.pc(data, alpha=0.05, max_depth=1)
    np.testing.assert_array_equal(
        as_causallearn_matrix(learned), causallearn_pc(data, 0.05, "fisherz", max_k=1)
    )


def test_string_categories_are_allowed_for_chisq() -> None:
    table = sample_asia(3000, seed=3)
    labelled = {k: np.where(v == 1, "yes", "no") for k, v in table.items()}
    assert cl.discover.pc(labelled, test="chisq") == cl.discover.pc(table, test="chisq")


# --- invariants ------------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), perm_seed=st.integers(0, 10_000))
def test_column_order_does_not_change_the_skeleton_or_sepsets(seed: int, perm_seed: int) -> None:
    edges = random_dag(8, 2.5, seed)
    data = linear_gaussian(8, edges, 400, seed)
    names = [f"v{i}" for i in range(8)]
    table = {n: data[:, i] for i, n in enumerate(names)}
    order = list(np.random.default_rng(perm_seed).permutation(names))
    a = cl.discover.pc(table)
    b = cl.discover.pc(table, columns=order)

    def skeleton(g: CPDAG) -> set[frozenset[str]]:
        return {frozenset(e) for e in g.directed + g.undirected}

    assert skeleton(a) == skeleton(b)
    assert {frozenset(k): set(v) for k, v in a.sepsets.items()} == {
        frozenset(k): set(v) for k, v in b.sepsets.items()
    }


def test_results_are_identical_on_repeated_runs() -> None:
    data = linear_gaussian(30, random_dag(30, 3.0, 5), 1000, 5)
    first = cl.discover.pc(data)
    assert all(cl.discover.pc(data) == first for _ in range(3))
    assert first.tests > 0


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_every_dag_of_the_class_has_the_skeleton_and_colliders_of_the_cpdag(seed: int) -> None:
    names = [f"n{i}" for i in range(6)]
    edges = [(names[a], names[b]) for a, b in random_dag(6, 2.5, seed)]
    cpdag = CPDAG.from_dag(names, edges)
    dags = cpdag.dags(limit=1000)
    assert dags, "the true DAG is a member"
    assert len({d.directed for d in dags}) == len(dags)
    assert tuple(sorted(edges)) in {tuple(sorted(d.directed)) for d in dags}
    for dag in dags:
        assert dag.is_dag
        assert CPDAG.from_dag(names, dag.directed) == cpdag


# --- the CPDAG type ---------------------------------------------------------------------


def test_cpdag_reads_the_sock_shop_adjacency_csv_and_round_trips() -> None:
    case = ROOT / "examples" / "data" / "sock-shop" / "carts_cpu_1"
    columns = (case / "normal.csv").read_text().splitlines()[0].split(",")
    g = CPDAG.from_csv(case / "cpdag.csv", nodes=columns)
    assert len(g.nodes) == 44 and len(g.directed) == 180 and not g.undirected
    again = CPDAG.from_csv(g.to_csv())
    assert again == g and again.nodes == g.nodes
    assert CPDAG.from_json(g.to_json()) == g


def test_cpdag_writes_csv_to_a_path(tmp_path: Path) -> None:
    g = CPDAG.from_edges(["a", "b", "c"], [("c", "a")], [("b", "c")])
    g.to_csv(tmp_path / "g.csv")
    assert CPDAG.from_csv(tmp_path / "g.csv") == g


def test_cpdag_converts_to_networkx_and_dot() -> None:
    nx = pytest.importorskip("networkx")
    g = CPDAG.from_edges(["a", "b", "c"], [("a", "b")], [("b", "c")])
    graph = g.to_networkx()
    assert isinstance(graph, nx.DiGraph)
    assert set(graph.edges) == {("a", "b"), ("b", "c"), ("c", "b")}
    assert graph.edges["b", "c"]["undirected"] is True
    dot = g.to_dot()
    assert '"a" -> "b";' in dot and '"b" -> "c" [dir=none];' in dot


def test_a_learned_and_oriented_graph_becomes_a_causal_graph() -> None:
    g = CPDAG.from_edges(["a", "b", "c"], [("a", "c"), ("b", "c")])
    cg = g.to_causal_graph()
    assert sorted(cg.edges) == [("a", "c"), ("b", "c")]
    assert cg.evaluate({"a": 0.0, "b": 2.0}).value is True
    assert cg.evaluate({"a": 0.0, "b": 0.0}).value is False


def test_an_unoriented_graph_does_not_become_a_causal_graph_until_a_dag_is_picked() -> None:
    g = CPDAG.from_edges(["a", "b"], undirected=[("a", "b")])
    with pytest.raises(UnorientedEdgeError):
        g.to_causal_graph()
    assert g.dags(limit=1)[0].to_causal_graph().edges == [("a", "b")]


def test_an_oriented_graph_becomes_a_fitted_structural_causal_model() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(2, 5000))
    c = 1.5 * a - 0.5 * b + rng.normal(size=5000)
    d = 2.0 * c + rng.normal(size=5000)
    data = {"a": a, "b": b, "c": c, "d": d}
    learned = cl.discover.pc(data, alpha=0.01)
    assert learned.is_dag
    model = learned.to_scm(data)
    assert isinstance(model, cl.SCM)
    assert sorted(model.edges) == sorted(learned.directed)
    _, coefs = model.linear_coefficients("c")
    assert coefs["a"] == pytest.approx(1.5, abs=0.05)
    assert coefs["b"] == pytest.approx(-0.5, abs=0.05)
    effect = model.effect("a", "d", 1.0, 0.0, n=2000, seed=0).effect
    assert effect == pytest.approx(3.0, abs=0.1)  # a -> c -> d: 1.5 * 2


def test_an_unoriented_graph_needs_a_dag_of_its_class_before_an_scm() -> None:
    rng = np.random.default_rng(4)
    a = rng.normal(size=3000)
    b = a + rng.normal(size=3000)
    data = {"a": a, "b": b}
    g = cl.discover.pc(data)
    assert g.undirected == (("a", "b"),)
    with pytest.raises(UnorientedEdgeError, match="a - b") as info:
        g.to_scm(data)
    assert "dags(limit=1)" in str(info.value)
    model = g.dags(limit=1)[0].to_scm(data)
    assert model.edges == [("a", "b")]


def test_to_scm_names_a_node_missing_from_the_data() -> None:
    g = CPDAG.from_edges(["a", "b"], [("a", "b")])
    with pytest.raises(UnknownColumnError, match="b"):
        g.to_scm({"a": np.arange(10.0)})


def test_a_pipeline_learns_a_graph_that_root_causes_uses() -> None:
    rng = np.random.default_rng(0)
    cpu = rng.normal(size=600)
    mem = rng.normal(size=600)
    latency = 2 * cpu + mem + rng.normal(size=600)
    normal = {"cpu": cpu, "mem": mem, "latency": latency}
    pipe = cl.discover.Pipeline().load({**normal, "flat": np.ones(600)})
    pipe = pipe.clean().learn_graph("pc", alpha=0.01)
    assert pipe.learned is not None
    assert set(pipe.learned.directed) == {("cpu", "latency"), ("mem", "latency")}
    assert "flat" not in pipe.learned.nodes  # dropped by clean()
    bad_cpu = cpu[:100] + 4
    anomalous = {"cpu": bad_cpu, "mem": mem[:100], "latency": 2 * bad_cpu + mem[:100]}
    ranked = cl.discover.root_causes(normal, anomalous, graph=pipe)
    assert ranked.rank_of("cpu") == 1
    assert pipe.learn_graph("ges").learned == pipe.learned
    pipe.clean()
    assert pipe.learned is None  # re-running a stage forgets the graph


def test_a_pipeline_refuses_to_learn_before_cleaning_or_with_an_unknown_method() -> None:
    from causaloid.discover.errors import StageError

    with pytest.raises(StageError):
        cl.discover.Pipeline().load(_good()).learn_graph()
    with pytest.raises(DiscoverValueError, match="method"):
        cl.discover.Pipeline().load(_good()).clean().learn_graph("lingam")


def test_root_causes_accepts_a_learned_graph() -> None:
    rng = np.random.default_rng(0)
    cpu = rng.normal(size=400)
    latency = 2 * cpu + rng.normal(size=400)
    normal = {"cpu": cpu, "latency": latency}
    anomalous = {"cpu": cpu[:100] + 5, "latency": 2 * (cpu[:100] + 5) + rng.normal(size=100)}
    g = CPDAG.from_edges(["cpu", "latency"], [("cpu", "latency")])
    ranked = cl.discover.root_causes(normal, anomalous, graph=g)
    assert ranked.rank_of("cpu") == 1


def test_bad_graphs_are_rejected() -> None:
    with pytest.raises(UnknownNodeError):
        CPDAG.from_edges(["a"], [("a", "b")])
    with pytest.raises(DiscoverValueError):
        CPDAG.from_edges(["a", "b"], [("a", "b")], [("b", "a")])
    with pytest.raises(DiscoverValueError):
        CPDAG.from_csv("0,1,Circle,Arrow\n")
    with pytest.raises(DiscoverValueError):
        CPDAG.from_dag(["a", "b"], [("a", "b"), ("b", "a")])


# --- bad input ----------------------------------------------------------------------------


def _good(rows: int = 200) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {c: rng.normal(size=rows) for c in "abc"}


def test_a_constant_column_is_named() -> None:
    table = {**_good(), "flat": np.full(200, 3.0)}
    with pytest.raises(ConstantColumnError) as err:
        cl.discover.pc(table)
    assert err.value.column == "flat"


def test_a_nan_is_named_with_its_row() -> None:
    table = _good()
    table["b"][17] = np.nan
    with pytest.raises(NonFiniteError) as err:
        cl.discover.pc(table)
    assert (err.value.column, err.value.row) == ("b", 17)


def test_too_few_rows_for_max_depth() -> None:
    with pytest.raises(TooFewSamplesError) as err:
        cl.discover.pc(_good(rows=5), max_depth=3)
    assert err.value.needed == 7
    with pytest.raises(TooFewSamplesError):
        cl.discover.pc({c: np.arange(4.0) ** i for i, c in enumerate("abcde", 1)})


def test_a_text_column_is_refused_by_fisherz() -> None:
    table = {**_good(), "label": np.array(["x", "y"] * 100)}
    with pytest.raises(ColumnTypeError) as err:
        cl.discover.pc(table, test="fisherz")
    assert err.value.column == "label"


def test_a_linearly_dependent_column_is_singular_for_fisherz() -> None:
    table = _good()
    table["d"] = table["a"] + table["b"]
    table["e"] = table["a"] + table["b"]
    with pytest.raises(SingularDataError):
        cl.discover.pc(table)


@pytest.mark.parametrize(
    "kwargs",
    [{"alpha": 0.0}, {"alpha": 1.5}, {"test": "kci"}, {"max_depth": -1}, {"max_depth": 1.5}],
)
def test_bad_arguments_raise_discover_value_error(kwargs: dict) -> None:
    with pytest.raises(DiscoverValueError):
        cl.discover.pc(_good(), **kwargs)


def test_every_error_is_a_causal_error() -> None:
    for exc in (ConstantColumnError, NonFiniteError, TooFewSamplesError, SingularDataError):
        assert issubclass(exc, CausalError)
    assert list(itertools.islice(iter(CPDAG.from_edges("ab", [("a", "b")])), 5)) == [("a", "b")]


# --- command line ------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["pc", "ges", "boss"])
def test_cli_discover_graph_prints_edges_and_writes_dot_json_csv(
    method: str, tmp_path: Path
) -> None:
    import subprocess
    import sys

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 1500))
    c = a + b + rng.normal(size=1500)
    data = tmp_path / "data.csv"
    rows = ["a,b,c"] + [f"{x},{y},{z}" for x, y, z in zip(a, b, c, strict=False)]
    data.write_text("\n".join(rows) + "\n")
    dot, js, csv = tmp_path / "g.dot", tmp_path / "g.json", tmp_path / "g.csv"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "causaloid",
            "discover",
            "--graph",
            method,
            str(data),
            "--alpha",
            "0.01",
            "--dot",
            str(dot),
            "--json",
            str(js),
            "--csv",
            str(csv),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "a --> c" in proc.stdout and "b --> c" in proc.stdout
    assert '"a" -> "c";' in dot.read_text()
    expected = CPDAG.from_edges("abc", [("a", "c"), ("b", "c")])
    assert CPDAG.from_json(js.read_text()) == expected
    assert CPDAG.from_csv(csv) == expected


def test_cli_discover_without_target_or_graph_is_a_usage_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n3,4\n")
    proc = subprocess.run(
        [sys.executable, "-m", "causaloid", "discover", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "--target" in proc.stderr


# --- time series ---------------------------------------------------------------------------


def _var_process(rows: int, seed: int) -> dict[str, np.ndarray]:
    """x(t) = 0.8 x(t-1); y(t) = 0.7 x(t-1) + 0.5 y(t-1); z(t) = 0.9 y(t); plus noise."""
    rng = np.random.default_rng(seed)
    x, y, z = np.zeros((3, rows))
    for t in range(1, rows):
        x[t] = 0.8 * x[t - 1] + rng.normal()
        y[t] = 0.7 * x[t - 1] + 0.5 * y[t - 1] + rng.normal()
        z[t] = 0.9 * y[t] + rng.normal()
    return {"x": x, "y": y, "z": z}


def test_lagged_pc_recovers_lagged_and_contemporaneous_links() -> None:
    g = cl.discover.pc(_var_process(5000, 0), max_lag=2, alpha=0.01)
    assert set(g.nodes) == {f"{v}(t{s})" for v in "xyz" for s in ("", "-1", "-2")}
    present = {e for e in g.directed if e[1].endswith("(t)")}
    assert present == {("x(t-1)", "x(t)"), ("x(t-1)", "y(t)"), ("y(t-1)", "y(t)"), ("y(t)", "z(t)")}
    assert not g.undirected


def test_lagged_pc_never_points_from_the_present_into_the_past() -> None:
    g = cl.discover.pc(_var_process(800, 1), max_lag=2, alpha=0.2)
    for a, b in g.directed:
        lag = lambda name: 0 if name.endswith("(t)") else int(name.split("-")[1][:-1])  # noqa: E731
        assert lag(a) >= lag(b)


def test_lagged_pc_needs_more_rows_than_lags() -> None:
    with pytest.raises(TooFewSamplesError):
        cl.discover.pc({"a": [1.0, 2.0, 3.0], "b": [2.0, 1.0, 0.0]}, max_lag=2)
    with pytest.raises(DiscoverValueError):
        cl.discover.pc(_good(), max_lag=-1)


# --- garbage in ------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.lists(
            st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-3, 3)),
            min_size=3,
            max_size=3,
        ),
        min_size=0,
        max_size=12,
    ),
    test=st.sampled_from(["fisherz", "chisq", "gsq"]),
    max_depth=st.one_of(st.none(), st.integers(0, 3)),
    max_lag=st.one_of(st.none(), st.integers(0, 2)),
)
def test_any_small_table_gives_a_graph_or_a_causal_error(
    values: list[list[float]], test: str, max_depth: int | None, max_lag: int | None
) -> None:
    table = {c: np.array([row[i] for row in values], dtype=float) for i, c in enumerate("abc")}
    try:
        g = cl.discover.pc(table, test=test, max_depth=max_depth, max_lag=max_lag)
    except CausalError:
        return
    assert set(g.nodes) >= {"a", "b", "c"} or all("(t" in n for n in g.nodes)


@settings(max_examples=60, deadline=None)
@given(
    parts=st.lists(
        st.one_of(
            st.sampled_from(
                ["# vertices=", "# nodes: ", "Tail", "Arrow", "Circle", ",", "\n", "[", '"a"']
            ),
            st.text(alphabet="0123456789-,;:# ", max_size=6),
        ),
        max_size=20,
    )
)
def test_any_adjacency_text_gives_a_graph_or_a_causal_error(parts: list[str]) -> None:
    try:
        CPDAG.from_csv("".join(parts) + "\n")
    except CausalError:
        pass


def test_continuous_columns_are_refused_by_chisq_with_a_hint() -> None:
    rng = np.random.default_rng(0)
    table = {c: rng.normal(size=10_000) for c in "ab"}
    with pytest.raises(DiscoverValueError, match="distinct values"):
        cl.discover.pc(table, test="chisq")
