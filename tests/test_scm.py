"""Structural causal models: closed forms, DoWhy gcm, properties, bad input."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid import expr as E
from causaloid.errors import CausalError, InvalidArgumentError
from causaloid.scm import Linear, Normal, Uniform
from causaloid.scm.errors import (
    EquationError,
    InconsistentObservationError,
    MissingObservationError,
    NotFittedError,
    NotInvertibleError,
    SCMCycleError,
    UnknownVariableError,
)


def linear_gaussian() -> cl.SCM:
    """z -> x -> y and z -> y."""
    return cl.SCM(
        {
            "z": Linear(1.0),
            "x": Linear(0.5, {"z": 2.0}),
            "y": Linear(-1.0, {"x": 3.0, "z": -1.5}),
        },
        noise={"z": Normal(0, 1), "x": Normal(0, 0.5), "y": Normal(0, 2)},
    )


def g_expr(x: E.Expr) -> E.Expr:
    return x * abs(x) / (1.0 + abs(x))


def g(x: np.ndarray) -> np.ndarray:
    return x * np.abs(x) / (1.0 + np.abs(x))


def nonlinear() -> cl.SCM:
    """x -> y -> w with nonlinear additive-noise equations."""
    return cl.SCM(
        {
            "x": E.lit(0.0),
            "y": g_expr(E.col("x")),
            "w": E.col("y") * E.col("y") - 0.5 * E.col("x"),
        },
        noise={"x": Uniform(-2, 2), "y": Normal(0, 0.3), "w": Normal(0, 0.1)},
    )


# --- closed forms ------------------------------------------------------------------


def test_linear_gaussian_counterfactual_equals_the_closed_form():
    m = linear_gaussian()
    rng = np.random.default_rng(0)
    obs = m.sample(500, seed=3)
    cf = m.counterfactual(obs, do={"x": 2.0})
    z, x, y = obs["z"], obs["x"], obs["y"]
    u_y = y - (-1.0 + 3.0 * x - 1.5 * z)
    want = -1.0 + 3.0 * 2.0 - 1.5 * z + u_y
    np.testing.assert_allclose(cf["y"], want, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(cf["z"], z)
    np.testing.assert_allclose(cf.noise["y"], u_y, rtol=0, atol=1e-12)
    one = m.counterfactual({"z": 0.3, "x": float(rng.normal()), "y": 1.0}, do={"x": -1.0})
    assert isinstance(one, cl.scm.Counterfactual)
    assert one.path == ["x", "y"] and one.cut_edges == [("z", "x")]


def test_nonlinear_counterfactual_equals_the_closed_form():
    m = nonlinear()
    obs = m.sample(1000, seed=5)
    cf = m.counterfactual(obs, do={"x": 0.7})
    x, y, w = obs["x"], obs["y"], obs["w"]
    y_cf = g(np.full_like(x, 0.7)) + (y - g(x))
    w_cf = y_cf * y_cf - 0.35 + (w - (y * y - 0.5 * x))
    np.testing.assert_allclose(cf["y"], y_cf, rtol=0, atol=1e-12)
    np.testing.assert_allclose(cf["w"], w_cf, rtol=0, atol=1e-12)


def test_soft_intervention_is_an_expression_over_the_old_value():
    m = linear_gaussian()
    cf = m.counterfactual({"z": 0.0, "x": 1.0, "y": 2.0}, do={"x": E.value() * 2.0})
    assert cf["x"] == pytest.approx(2.0, abs=1e-12)
    assert cf["y"] == pytest.approx(5.0, abs=1e-12)
    soft = m.do({"x": E.value() + 1.0})
    assert soft.edges == m.edges
    base, shifted = m.sample(100, seed=2), soft.sample(100, seed=2)
    np.testing.assert_allclose(shifted["x"], base["x"] + 1.0, atol=1e-12)


def test_effect_is_the_linear_coefficient_with_a_standard_error():
    e = linear_gaussian().effect("x", "y", 1.0, 0.0, n=2000, seed=4)
    assert e.effect == pytest.approx(3.0, abs=1e-9)
    assert e.std_error < 1e-9  # paired arms share every noise draw: a linear effect is exact
    nl = nonlinear().effect("x", "w", 1.0, 0.0, n=50_000, seed=4)
    # E[w | do(x)] = E[(g(x) + U_y)^2] - x/2 = g(x)^2 + 0.09 - x/2
    want = (0.25 + 0.09 - 0.5) - 0.09
    assert abs(nl.effect - want) < 4 * nl.std_error + 1e-3
    assert "do(x = 1)" in nl.explain()


def test_interventional_sample_cuts_the_edges_into_the_target():
    m = linear_gaussian().do({"x": 2.0})
    assert ("z", "x") not in m.edges and m.interventions == ["x = 2"]
    s = m.sample(100_000, seed=1)
    assert np.all(s["x"] == 2.0)
    assert s["y"].mean() == pytest.approx(3.5, abs=0.05)
    assert "cut z -> x" in m.counterfactual({"z": 1, "x": 2, "y": 3.5}).explain()


# --- DoWhy gcm -----------------------------------------------------------------------


def _gcm_linear(df):
    gcm = pytest.importorskip("dowhy.gcm")
    nx = pytest.importorskip("networkx")
    graph = nx.DiGraph([("z", "x"), ("x", "y"), ("z", "y")])
    model = gcm.InvertibleStructuralCausalModel(graph)
    model.set_causal_mechanism("z", gcm.EmpiricalDistribution())
    for v in ("x", "y"):
        model.set_causal_mechanism(v, gcm.AdditiveNoiseModel(gcm.ml.create_linear_regressor()))
    gcm.fit(model, df)
    return gcm, model


def test_counterfactual_equals_dowhy_gcm_on_the_same_fitted_linear_model():
    data = linear_gaussian().sample(3000, seed=11).to_frame()
    gcm, ref = _gcm_linear(data)
    ours = cl.SCM.from_edges([("z", "x"), ("x", "y"), ("z", "y")]).fit(data)
    observed = data.iloc[:400]
    want = gcm.counterfactual_samples(ref, {"x": lambda x: 1.5}, observed_data=observed)
    got = ours.counterfactual(observed, do={"x": 1.5})
    np.testing.assert_allclose(got["y"], want["y"].to_numpy(), rtol=0, atol=1e-9)
    np.testing.assert_allclose(got["x"], want["x"].to_numpy(), rtol=0, atol=0)


class _Known:
    """A gcm prediction model that is a known function of its inputs."""

    def __init__(self, fn):
        self.fn = fn

    def fit(self, X, Y):
        return None

    def predict(self, X):
        return self.fn(np.asarray(X, dtype=float)).reshape(-1, 1)

    def clone(self):
        return _Known(self.fn)


def test_nonlinear_counterfactual_equals_dowhy_gcm():
    gcm = pytest.importorskip("dowhy.gcm")
    nx = pytest.importorskip("networkx")
    m = nonlinear()
    data = m.sample(2000, seed=8).to_frame()
    ref = gcm.InvertibleStructuralCausalModel(nx.DiGraph([("x", "y"), ("x", "w"), ("y", "w")]))
    ref.set_causal_mechanism("x", gcm.EmpiricalDistribution())
    ref.set_causal_mechanism("y", gcm.AdditiveNoiseModel(_Known(lambda X: g(X[:, 0]))))
    # gcm orders parents by name: w's inputs are (x, y)
    ref.set_causal_mechanism(
        "w", gcm.AdditiveNoiseModel(_Known(lambda X: X[:, 1] * X[:, 1] - 0.5 * X[:, 0]))
    )
    gcm.fit(ref, data)
    want = gcm.counterfactual_samples(ref, {"x": lambda x: -0.8}, observed_data=data)
    got = m.counterfactual(data, do={"x": -0.8})
    for v in ("x", "y", "w"):
        np.testing.assert_allclose(got[v], want[v].to_numpy(), rtol=0, atol=1e-12)


def test_nonlinear_interventional_samples_match_dowhy_gcm_in_distribution():
    gcm = pytest.importorskip("dowhy.gcm")
    nx = pytest.importorskip("networkx")
    stats = pytest.importorskip("scipy.stats")
    data = nonlinear().sample(3000, seed=12).to_frame()
    ref = gcm.InvertibleStructuralCausalModel(nx.DiGraph([("x", "y"), ("x", "w"), ("y", "w")]))
    ref.set_causal_mechanism("x", gcm.EmpiricalDistribution())
    ref.set_causal_mechanism("y", gcm.AdditiveNoiseModel(_Known(lambda X: g(X[:, 0]))))
    ref.set_causal_mechanism(
        "w", gcm.AdditiveNoiseModel(_Known(lambda X: X[:, 1] * X[:, 1] - 0.5 * X[:, 0]))
    )
    gcm.fit(ref, data)
    ours = nonlinear().fit(data)  # same equations, empirical noise from the same residuals
    np.random.seed(1)  # noqa: NPY002 - gcm draws from the global generator
    want = gcm.interventional_samples(ref, {"x": lambda x: 1.2}, num_samples_to_draw=20_000)
    got = ours.do({"x": 1.2}).sample(20_000, seed=1)
    for v in ("y", "w"):
        assert stats.ks_2samp(got[v], want[v].to_numpy()).pvalue > 0.01
    assert np.all(got["x"] == 1.2)


def test_interventional_samples_match_dowhy_gcm_in_distribution():
    stats = pytest.importorskip("scipy.stats")
    data = linear_gaussian().sample(4000, seed=21).to_frame()
    gcm, ref = _gcm_linear(data)
    ours = cl.SCM.from_edges([("z", "x"), ("x", "y"), ("z", "y")]).fit(data)
    np.random.seed(0)  # noqa: NPY002 - gcm draws from the global generator
    want = gcm.interventional_samples(ref, {"x": lambda x: 2.0}, num_samples_to_draw=20_000)
    got = ours.do({"x": 2.0}).sample(20_000, seed=0)
    for v in ("z", "y"):
        assert stats.ks_2samp(got[v], want[v].to_numpy()).pvalue > 0.01


# --- properties -------------------------------------------------------------------------

finite = st.floats(-4, 4, allow_nan=False)
inside = st.floats(-2, 2, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(
    # x := U_x with U_x ~ Uniform(-2, 2): observations of x lie within its bounds.
    rows=st.lists(st.tuples(inside, finite, finite), min_size=1, max_size=30),
    set_to=finite,
)
def test_batch_counterfactual_row_equals_the_single_counterfactual(rows, set_to):
    m = nonlinear()
    table = {k: np.array([r[i] for r in rows]) for i, k in enumerate(("x", "y", "w"))}
    batch = m.counterfactual(table, do={"x": set_to})
    for i, r in enumerate(rows):
        one = m.counterfactual({"x": r[0], "y": r[1], "w": r[2]}, do={"x": set_to})
        assert one.values == batch.row(i).values
        assert one.noise == batch.row(i).noise


@settings(max_examples=40, deadline=None)
@given(x=inside, y=finite, w=finite)
def test_do_on_the_observed_value_returns_the_observation(x, y, w):
    m = nonlinear()
    observed = {"x": x, "y": y, "w": w}
    assert m.counterfactual(observed, do={"x": x}).values == observed
    assert m.counterfactual(observed, do={"y": y}).values == observed


_HASH = """
import hashlib, numpy as np, causaloid as cl
from causaloid import expr as E
from causaloid.scm import Normal, Uniform
m = cl.SCM({"x": E.lit(0.0), "y": E.col("x") * abs(E.col("x")) + 1.0},
           noise={"x": Uniform(-2, 2), "y": Normal(0, 1)})
s = m.do({"x": 0.5}).sample(50_000, seed=7)
t = m.sample(50_000, seed=7)
print(hashlib.sha256(b"".join(a.tobytes() for a in (*s.values(), *t.values()))).hexdigest())
"""


def test_seeded_sampling_is_bit_identical_across_thread_counts():
    digests = set()
    for threads in ("1", "3"):
        env = dict(os.environ, RAYON_NUM_THREADS=threads)
        out = subprocess.run(
            [sys.executable, "-c", _HASH], env=env, capture_output=True, text=True, check=True
        )
        digests.add(out.stdout.strip())
    assert len(digests) == 1
    a = nonlinear().sample(10_000, seed=7)
    b = nonlinear().sample(10_000, seed=7)
    c = nonlinear().sample(10_000, seed=8)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["y"], c["y"])
    assert hashlib.sha256(a["w"].tobytes()).hexdigest() != ""


# --- building and fitting --------------------------------------------------------------------


def test_fit_recovers_linear_equations_and_residual_noise():
    data = linear_gaussian().sample(50_000, seed=9)
    fitted = cl.SCM.from_edges([("z", "x"), ("x", "y"), ("z", "y")]).fit(data)
    intercept, coefs = fitted.linear_coefficients("y")
    assert intercept == pytest.approx(-1.0, abs=0.05)
    assert coefs["x"] == pytest.approx(3.0, abs=0.02) and coefs["z"] == pytest.approx(
        -1.5, abs=0.05
    )
    noise = fitted.noise("y")
    assert isinstance(noise, cl.scm.Empirical) and noise.values.shape == (50_000,)
    assert noise.values.std() == pytest.approx(2.0, abs=0.05)
    # with nothing changed, the counterfactual of the data is the data
    cf = fitted.counterfactual(data)
    assert all(np.array_equal(cf[k], data[k]) for k in data)


def test_model_from_networkx_and_python_functions_called_once_per_batch():
    nx = pytest.importorskip("networkx")
    calls = []

    def y_of(x):
        calls.append(len(x))
        return 2.0 * x

    graph = nx.DiGraph([("x", "y")])
    m = cl.SCM.from_networkx(graph, {"x": E.lit(1.0), "y": y_of}, noise={"x": Normal(0, 1)})
    s = m.sample(20_000, seed=1)
    assert calls == [20_000]
    np.testing.assert_allclose(s["y"], 2.0 * s["x"])
    assert "y_of(x)" in m.equation("y")


def test_parents_are_read_from_the_equations_without_edges():
    m = cl.SCM({"a": E.lit(1.0), "b": E.col("a") * 2.0, "c": lambda a, b: a + b})
    assert m.order == ["a", "b", "c"]
    assert sorted(m.edges) == [("a", "b"), ("a", "c"), ("b", "c")]
    assert m.sample(3, seed=0)["c"].tolist() == [3.0, 3.0, 3.0]


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["text", None, [1.0], {"a": 1}])
def test_do_with_a_value_that_is_not_a_number_names_the_variable(bad):
    m = cl.SCM.from_edges([("x", "y")])
    with pytest.raises(InvalidArgumentError, match=r"do\['x'\]") as info:
        m.do({"x": bad})
    assert info.value.parameter == "do" and isinstance(info.value, ValueError)
    with pytest.raises(InvalidArgumentError):
        m.do([("x", 1.0)])  # type: ignore[arg-type]


def test_bad_input_raises_a_precise_error_and_leaves_the_model_unchanged():
    m = linear_gaussian()
    before = m.explain()
    with pytest.raises(UnknownVariableError, match='"q"'):
        m.do({"q": 1.0})
    with pytest.raises(MissingObservationError) as info:
        m.counterfactual({"z": 0.0, "x": float("nan"), "y": 1.0}, do={"x": 1.0})
    assert info.value.variable == "x" and info.value.row == 0
    with pytest.raises(InvalidArgumentError):
        m.counterfactual({"z": 0.0, "y": 1.0}, do={"x": 1.0})
    assert m.explain() == before and m.interventions == []

    with pytest.raises(SCMCycleError) as cyc:
        cl.SCM.from_edges([("a", "b"), ("b", "c"), ("c", "a")])
    assert cyc.value.path[0] == cyc.value.path[-1] and len(cyc.value.path) == 4
    assert isinstance(cyc.value, CausalError)

    pump = cl.SCM(
        {"a": E.lit(0.0), "b": lambda a, noise: a * noise},
        noise={"a": Normal(0, 1), "b": Normal(1, 0.1)},
    )
    with pytest.raises(NotInvertibleError) as ni:
        pump.counterfactual({"a": 1.0, "b": 1.0}, do={"a": 2.0})
    assert ni.value.variable == "b"
    with pytest.raises(InconsistentObservationError):
        cl.SCM({"a": Linear(0.0), "b": Linear(0.0, {"a": 2.0})}).counterfactual({"a": 1, "b": 5})
    with pytest.raises(NotFittedError):
        cl.SCM.from_edges([("a", "b")]).sample(5)
    with pytest.raises(EquationError, match="not one of its parents"):
        cl.SCM({"a": E.lit(0.0), "b": E.col("a")}, edges=[])
    with pytest.raises(EquationError) as raised:
        cl.SCM({"a": lambda: 1 / 0}).sample(3)
    assert isinstance(raised.value.__cause__, ZeroDivisionError)
    with pytest.raises(InvalidArgumentError):
        m.sample(0)
    with pytest.raises(InvalidArgumentError):
        cl.SCM({"a": Linear(0.0)}, noise={"a": Normal(0, -1)})


def test_non_additive_noise_samples_through_the_function():
    m = cl.SCM(
        {"a": E.lit(2.0), "b": lambda a, noise: a * noise},
        noise={"b": Normal(1.0, 0.1)},
    )
    s = m.sample(50_000, seed=3)
    ratio = s["b"] / s["a"]
    assert ratio.mean() == pytest.approx(1.0, abs=0.01)
    assert ratio.std() == pytest.approx(0.1, abs=0.01)
    assert "U_b" in m.equation("b") and "+ U_b" not in m.equation("b")


def test_an_impossible_sample_size_is_a_clean_memory_error():
    from causaloid.scm.errors import SCMMemoryError

    with pytest.raises(SCMMemoryError):
        linear_gaussian().sample(10**15, seed=0)
    with pytest.raises(InvalidArgumentError):
        linear_gaussian().sample(-3)


def test_observed_tables_come_in_any_frame_type():
    pl = pytest.importorskip("polars")
    m = nonlinear()
    data = m.sample(50, seed=2)
    want = m.counterfactual(dict(data), do={"x": 0.0})
    for table in (data.to_frame(), pl.DataFrame(dict(data))):
        got = m.counterfactual(table, do={"x": 0.0})
        assert all(np.array_equal(got[k], want[k]) for k in data)


def test_a_causal_graphs_edges_and_a_table_give_counterfactuals():
    g = cl.CausalGraph("g", "load -> cpu -> latency")
    for v in ("load", "cpu", "latency"):
        g.add(cl.Causaloid(v, v, expr=E.col(v) > 0.0))
    g.link("load", "cpu")
    g.link("cpu", "latency")
    rng = np.random.default_rng(1)
    load = rng.uniform(10, 50, 500)
    cpu = 0.5 * load + rng.normal(0, 1, 500)
    latency = 20 + 0.8 * cpu + rng.normal(0, 1, 500)
    table = {"load": load, "cpu": cpu, "latency": latency}
    m = cl.SCM.from_edges(g.edges).fit(table)
    cf = m.counterfactual(table, do={"cpu": 10.0})
    _, coefs = m.linear_coefficients("latency")
    np.testing.assert_allclose(cf["latency"], latency + coefs["cpu"] * (10.0 - cpu), atol=1e-9)


def test_python_equations_give_the_same_counterfactuals_as_native_ones():
    native = nonlinear()
    python = cl.SCM(
        {
            "x": E.lit(0.0),
            "y": lambda x: x * np.abs(x) / (1.0 + np.abs(x)),
            "w": lambda x, y: y * y - 0.5 * x,
        },
        noise={"x": Uniform(-2, 2), "y": Normal(0, 0.3), "w": Normal(0, 0.1)},
    )
    data = native.sample(5000, seed=4)
    a = native.counterfactual(data, do={"x": 1.0})
    b = python.counterfactual(data, do={"x": 1.0})
    for v in ("x", "y", "w"):
        np.testing.assert_allclose(a[v], b[v], rtol=0, atol=1e-12)
    s, t = native.sample(5000, seed=9), python.sample(5000, seed=9)
    np.testing.assert_allclose(s["w"], t["w"], rtol=0, atol=1e-12)


# --- from a graph, persistence, seeds, bounded noise ----------------------------------------


def test_from_graph_reads_causal_graphs_networkx_and_edge_lists_alike():
    nx = pytest.importorskip("networkx")
    g = cl.CausalGraph("g", "z -> x -> y, z -> y")
    for v in ("z", "x", "y"):
        g.add(cl.Causaloid(v, v, expr=E.col(v) > 0.0))
    for a, b in (("z", "x"), ("x", "y"), ("z", "y")):
        g.link(a, b)
    data = linear_gaussian().sample(5000, seed=3)
    want = {("z", "x"), ("x", "y"), ("z", "y")}
    for source in (g, nx.DiGraph(list(want)), sorted(want)):
        m = cl.SCM.from_graph(source)
        assert set(m.edges) == want and set(m.variables) == {"x", "y", "z"}
        cf = m.fit(data).counterfactual(data, do={"x": 0.0})
        _, coefs = m.fit(data).linear_coefficients("y")
        np.testing.assert_allclose(
            cf["y"], data["y"] + coefs["x"] * (0.0 - data["x"]), rtol=0, atol=1e-9
        )


def test_from_graph_expands_a_discovered_synergistic_group_into_its_members():
    rng = np.random.default_rng(0)
    a, c = rng.integers(0, 2, (2, 4000))
    b = np.roll(a, 1)
    d = np.roll(b ^ c, 1)
    table = {"a": a, "b": b, "c": c, "d": d}
    graph = cl.discover.Pipeline("d", lag=1, bins=2, k=3).run(table).to_graph()
    assert ("b & c", "d") in graph.edges
    m = cl.SCM.from_graph(graph)
    assert {("b", "d"), ("c", "d"), ("a", "b")} <= set(m.edges)
    assert "b & c" not in m.variables
    fitted = m.fit({k: v.astype(float) for k, v in table.items()})
    assert fitted.parents("d") == ["b", "c"] or fitted.parents("d") == ["c", "b"]


_PICKLED = """
import hashlib, pickle, sys
import numpy as np
model, cf, table, fitted = pickle.load(open(sys.argv[1], "rb"))
s = model.sample(3000, seed=5)
t = table.model.sample(3000, seed=5)
again = model.counterfactual(dict(table.observed), do={"x": 1.0})
digest = hashlib.sha256()
u = fitted.sample(500, seed=1)
for part in (*s.values(), *t.values(), *again.values.values(), *u.values()):
    digest.update(np.ascontiguousarray(part).tobytes())
print(digest.hexdigest(), repr(cf.values), cf.explain() == cf.explain())
"""


def _state_digest(model, cf, table, fitted):
    s = model.sample(3000, seed=5)
    t = table.model.sample(3000, seed=5)
    again = model.counterfactual(dict(table.observed), do={"x": 1.0})
    digest = hashlib.sha256()
    parts = (*s.values(), *t.values(), *again.values.values(), *fitted.sample(500, seed=1).values())
    for part in parts:
        digest.update(np.ascontiguousarray(part).tobytes())
    return f"{digest.hexdigest()} {cf.values!r} True"


def test_models_and_counterfactuals_pickle_and_behave_identically_in_a_fresh_process(tmp_path):
    import operator
    import pickle

    model = cl.SCM(
        {
            "x": E.lit(0.0),
            "y": g_expr(E.col("x")),
            "w": E.col("y") * E.col("y") - 0.5 * E.col("x"),
            "v": operator.neg,  # a Python equation (parameter "a" is its parent)
            "a": Linear(0.5, {"w": 2.0}),
        },
        noise={"x": Uniform(-2, 2), "y": Normal(0, 0.3), "w": Normal(0, 0.1), "v": Normal(0, 1)},
    ).do({"y": E.value() * 0.5})
    base = nonlinear()
    data = base.sample(200, seed=2)
    cf = base.counterfactual({"x": 0.5, "y": 0.2, "w": 0.1}, do={"x": 1.0})
    table = base.counterfactual(data, do={"x": 1.0})
    fitted = cl.SCM.from_edges([("x", "y")]).fit(dict(data))
    path = tmp_path / "state.pkl"
    path.write_bytes(pickle.dumps((base, cf, table, fitted)))
    back = pickle.loads(path.read_bytes())
    assert back[0].to_json() == base.to_json() and back[3].to_json() == fitted.to_json()
    assert back[1].values == cf.values and back[1].explain() == cf.explain()
    assert all(np.array_equal(back[2][k], table[k]) for k in table.values)
    out = subprocess.run(
        [sys.executable, "-c", _PICKLED, str(path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == _state_digest(base, cf, table, fitted)
    # A model with a Python equation and a soft intervention round-trips too.
    again = pickle.loads(pickle.dumps(model))
    assert again.to_json() == model.to_json() and again.interventions == model.interventions
    assert np.array_equal(again.sample(1000, seed=3)["v"], model.sample(1000, seed=3)["v"])
    assert cl.SCM.from_json(model.to_json(), {"v": operator.neg}).to_json() == model.to_json()


def test_a_json_document_missing_its_python_equation_is_refused():
    import operator

    m = cl.SCM({"a": Linear(0.0), "v": operator.neg})
    with pytest.raises(InvalidArgumentError, match="not given back"):
        cl.SCM.from_json(m.to_json())
    with pytest.raises(InvalidArgumentError):
        cl.SCM.from_json('{"format": "causaloid.scm", "version": 99}')


def test_seed_accepts_an_int_or_a_numpy_generator_everywhere():
    m = nonlinear()
    a = m.sample(2000, seed=np.random.default_rng(4))
    b = m.sample(2000, seed=np.random.default_rng(4))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    rng = np.random.default_rng(4)
    first, second = m.sample(10, seed=rng), m.sample(10, seed=rng)
    assert not np.array_equal(first["x"], second["x"])  # the generator advances
    e1 = m.effect("x", "w", 1.0, 0.0, n=500, seed=np.random.default_rng(9))
    e2 = m.effect("x", "w", 1.0, 0.0, n=500, seed=np.random.default_rng(9))
    assert e1 == e2
    with pytest.raises(InvalidArgumentError):
        m.sample(10, seed=-1)
    with pytest.raises(InvalidArgumentError):
        m.effect("x", "w", 1.0, 0.0, n=10, seed="seven")  # type: ignore[arg-type]


def test_an_observation_outside_the_uniform_noise_bounds_is_refused_with_its_row():
    from causaloid.scm.errors import NoiseOutOfRangeError

    m = nonlinear()  # x := U_x, U_x ~ Uniform(-2, 2)
    table = {"x": np.array([0.5, 3.0]), "y": np.zeros(2), "w": np.zeros(2)}
    before = m.explain()
    with pytest.raises(NoiseOutOfRangeError, match="row 1") as info:
        m.counterfactual(table, do={"x": 0.0})
    err = info.value
    assert isinstance(err, CausalError) and isinstance(err, ValueError)
    assert (err.variable, err.row, err.noise, err.low, err.high) == ("x", 1, 3.0, -2.0, 2.0)
    assert m.explain() == before
    # Sampled rows (noise inside the bounds) are always accepted.
    m.counterfactual(m.sample(5000, seed=1), do={"x": 0.0})


def _fitted_line() -> tuple[cl.SCM, dict[str, np.ndarray]]:
    """y = 1 + 2x fitted from data whose residuals lie in [-0.5, 0.5]."""
    x = np.linspace(0.0, 1.0, 201)
    y = 1.0 + 2.0 * x + 0.5 * np.sin(np.arange(201.0))
    return cl.SCM.from_edges([("x", "y")]).fit({"x": x, "y": y}), {"x": x, "y": y}


def test_noise_abducted_outside_the_empirical_range_is_flagged_and_explained():
    from causaloid.scm.errors import NoiseOutOfRangeError, NoiseOutOfSupportError

    m, data = _fitted_line()
    low, high = (float(m.noise("y").values.min()), float(m.noise("y").values.max()))  # type: ignore[union-attr]
    # Its own data: every row in support, even strictly.
    own = m.counterfactual(data, do={"x": 0.0}, strict=True)
    assert own.noise_in_support.all() and own.outside_support == {}
    assert "warning" not in own.explain()
    # A unit whose y is far above anything the fit has seen.
    unit = {"x": 0.5, "y": 2.0 + high + 3.0}
    cf = m.counterfactual(unit, do={"x": 0.0})
    assert cf.noise_in_support is False and cf.outside_support == ["y"]
    assert cf["y"] == pytest.approx(m.linear_coefficients("y")[0] + cf.noise["y"], abs=1e-12)
    text = cf.explain()
    assert "warning: U_y of this unit lies outside" in text and "Empirical(201 values)" in text
    assert "extrapolates" in text
    inside = m.counterfactual({"x": 0.5, "y": 2.0}, do={"x": 0.0})
    assert inside.noise_in_support is True and inside.outside_support == []
    # A table: one flag per row, one count per variable, the same in row(i).
    rows = {"x": np.array([0.1, 0.5, 0.9]), "y": np.array([1.2, 2.0 + high + 3.0, 2.8 + low - 1.0])}
    table = m.counterfactual(rows, do={"x": 0.0})
    assert table.noise_in_support.tolist() == [True, False, False]
    assert table.outside_support == {"y": 2}
    assert "warning: U_y of 2 of 3 rows lies outside" in table.explain()
    assert [table.row(i).outside_support for i in range(3)] == [[], ["y"], ["y"]]
    # Many blocks, one thread or several: the same flags and counts.
    big = {k: np.tile(v, 1500) for k, v in rows.items()}
    one, two = (m.counterfactual(big, do={"x": 0.0}, threads=t) for t in (1, 2))
    assert np.array_equal(one.noise_in_support, two.noise_in_support)
    assert one.outside_support == two.outside_support == {"y": 3000}
    # Strict mode: a precise error naming the first such row, the model unchanged.
    before = m.to_json()
    with pytest.raises(NoiseOutOfSupportError) as err:
        m.counterfactual(rows, do={"x": 0.0}, strict=True)
    e = err.value
    assert isinstance(e, NoiseOutOfRangeError) and isinstance(e, CausalError)
    assert (e.variable, e.row, e.values) == ("y", 1, 201)
    assert (e.low, e.high) == (low, high) and e.noise > high
    assert m.to_json() == before


def test_support_flags_survive_pickling():
    import pickle

    m, _ = _fitted_line()
    rows = {"x": np.array([0.1, 0.5]), "y": np.array([1.2, 50.0])}
    table = m.counterfactual(rows, do={"x": 0.0})
    one = m.counterfactual({"x": 0.5, "y": 50.0}, do={"x": 0.0})
    t2, o2 = pickle.loads(pickle.dumps((table, one)))
    assert t2.noise_in_support.tolist() == [True, False] and t2.outside_support == {"y": 1}
    assert o2.noise_in_support is False and o2.outside_support == ["y"]
    assert t2.explain() == table.explain() and o2.explain() == one.explain()
    # An unpickled model flags the same rows.
    again = pickle.loads(pickle.dumps(m)).counterfactual(rows, do={"x": 0.0})
    assert again.noise_in_support.tolist() == [True, False]


def test_normal_noise_has_no_support_to_leave():
    m = linear_gaussian()
    cf = m.counterfactual({"z": 100.0, "x": -50.0, "y": 1e6}, do={"x": 0.0}, strict=True)
    assert cf.noise_in_support is True and cf.outside_support == []


def test_fit_names_the_table_when_a_column_is_missing():
    with pytest.raises(InvalidArgumentError) as err:
        cl.SCM.from_edges([("a", "b")]).fit({"a": np.arange(5.0)})
    assert err.value.parameter == "table" and "no column 'b'" in str(err.value).replace('"', "'")
