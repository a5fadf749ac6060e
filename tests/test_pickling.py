"""Every public object and result pickles, compactly, and behaves the same
after loading — in this process and in a fresh one (how Dask and Ray ship
work to their workers)."""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import causaloid as cl
from causaloid import discover, scm

col = cl.expr.col


def positive(data: Any) -> bool:
    """A picklable assumption check."""
    return bool((np.asarray(data["x"]) > -10).all())


def _machine(ethos: bool = False) -> cl.StateMachine:
    up = cl.State("up", "rising", cl.Causaloid("u", "", expr=col("x.delta") > 0))
    hot = cl.State(2, "hot", cl.Causaloid("h", "", expr=col("x") > 0.5))
    eth = None
    if ethos:
        eth = cl.Ethos([cl.Norm("n1", "alarm", col("x") > 0.9, "impermissible", priority=1)])
    return cl.StateMachine([(up, "log"), (hot, "alarm")], ethos=eth, window=cl.Window(3, ["x"]))


X = np.array([0.1, 0.7, 0.4, 0.95, 0.2, 0.8, 0.85, 0.3])


def _surd() -> Any:
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2, 600).astype(float)
    b = rng.integers(0, 2, 600).astype(float)
    y = np.roll(np.logical_xor(a, b).astype(float), 1)
    return discover.surd({"a": a, "b": b, "y": y}, target="y", bins=2)


def _selector_data() -> tuple[Any, Any]:
    rng = np.random.default_rng(3)
    t = rng.normal(size=200)
    return np.column_stack([t + 0.1 * rng.normal(size=200), rng.normal(size=200)]), t


def _cpdag() -> Any:
    rng = np.random.default_rng(2)
    x = rng.normal(size=500)
    y = x + rng.normal(size=500)
    z = y + rng.normal(size=500)
    return discover.pc({"x": x, "y": y, "z": z})


def _mrmr() -> Any:
    rng = np.random.default_rng(1)
    t = rng.normal(size=300)
    return discover.mrmr(
        {"f1": t + rng.normal(size=300) * 0.1, "f2": rng.normal(size=300), "t": t},
        target="t",
        k=1,
    )


def _pipeline() -> Any:
    rng = np.random.default_rng(2)
    x = rng.integers(0, 2, 2000).astype(float)
    y = np.roll(x, 1)
    return discover.Pipeline(target="y", bins=2, k=1, progress=False).run({"x": x, "y": y})


def _root_causes() -> Any:
    rng = np.random.default_rng(3)
    normal = {"a": rng.normal(size=200), "b": rng.normal(size=200)}
    bad = {"a": rng.normal(size=20) + 6, "b": rng.normal(size=20)}
    return discover.root_causes(normal, bad)


def _graph() -> cl.CausalGraph:
    g = cl.CausalGraph(1, "g")
    g.add(cl.Causaloid(1, "a", expr=col("x") > 0.5))
    g.add(cl.Causaloid(2, "b", expr=cl.expr.value()))
    g.link(1, 2)
    return g.freeze()


def _model() -> cl.Model:
    return cl.Model(
        1,
        "m",
        cl.Causaloid(1, "a", expr=col("x") > 0.5),
        assumptions=[cl.Assumption("bounded", positive)],
    )


def _context() -> cl.Context:
    ctx = cl.Context("btc", "prices")
    ctx.add(cl.Time(1, "day", 86_400, {"close": 1.5}), cl.Time(2, "day", 172_800, {"close": 2.0}))
    ctx.add(cl.Space("s", 1.0, 2.0), cl.Symbolic(3, "storm"), cl.Data(4, 0.25))
    ctx.link(1, 2, "temporal")
    return ctx


def _batch_result() -> Any:
    return _machine(ethos=True).run_batch({"x": X})


def _run_report() -> Any:
    return _machine().run([{"x": v} for v in X])


def _log() -> Any:
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid(1, "a", expr=col("x") > 0.5))
    model = cl.Model("m", "", g.freeze())
    return model.apply([cl.ops.add_causaloid(cl.Causaloid(2, "b", expr=cl.expr.value()), [1])])[1]


def _model_with_ethos() -> cl.Model:
    ethos = cl.Ethos([cl.Norm("n1", "alarm", col("x") > 0.9, "impermissible")])
    return cl.Model("m", "", cl.Causaloid(1, "a", expr=col("x") > 0.5), ethos=ethos)


def _vetting() -> Any:
    return _model_with_ethos().vet("alarm", {"x": 0.95})


def _trace() -> Any:
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid(1, "a", expr=col("x") > 0.5))
    g.freeze()
    return g.evaluate({"x": 0.9}).trace


# Every public class, with an instance and what "behaves the same" means for it.
Probe = Callable[[Any], Any]
CASES: dict[str, tuple[Callable[[], Any], Probe]] = {
    "Action": (lambda: cl.Action("log"), lambda a: a.name),
    "Assumption": (lambda: cl.Assumption("bounded", positive), lambda a: a.verify({"x": X}).held),
    "AtLeast": (lambda: cl.AtLeast(2), repr),
    "CausalCollection": (
        lambda: cl.CausalCollection([cl.Causaloid(1, "a", expr=col("x") > 0.5)], "any"),
        lambda c: c.evaluate_batch({"x": X}).tolist(),
    ),
    "CausalGraph": (_graph, lambda g: g.evaluate_batch({"x": X}).tolist()),
    "Causaloid": (
        lambda: cl.Causaloid(1, "a", expr=col("x") > 0.5),
        lambda c: c.evaluate_batch({"x": X}).tolist(),
    ),
    "Context": (_context, lambda c: c.to_json()),
    "Data": (lambda: cl.Data(1, 0.5), repr),
    "Effect": (lambda: cl.Effect.pure(4), lambda e: (e.value, e.log)),
    "Ethos": (
        lambda: cl.Ethos([cl.Norm("n", "sell", col("p") > 1.0, "impermissible")]),
        lambda e: e.evaluate("sell", {"p": 2.0}).modality,
    ),
    "MaybeUncertain": (
        lambda: cl.MaybeUncertain(cl.Uncertain.bernoulli(0.9), cl.Uncertain.normal(0, 1)),
        repr,
    ),
    "Model": (_model, lambda m: m.evaluate_batch({"x": X}).tolist()),
    "ModificationLog": (_log, lambda log: (log.explain(), log.to_json())),
    "Vetting": (_vetting, lambda v: (v.outcome, v.effect.value, v.justification)),
    "Operation": (lambda: _log().operations[0], lambda op: op.to_json()),
    "LogDiff": (lambda: _log().diff(_log()), tuple),
    "Norm": (lambda: cl.Norm("n", "sell", col("p") > 1.0, "impermissible"), repr),
    "Process": (lambda: cl.Process.pure(1, state={"s": 1}), lambda p: (p.value, p.state)),
    "Relay": (lambda: cl.Relay(2, 0.5), repr),
    "Space": (lambda: cl.Space(1, 1.0, 2.0), repr),
    "SpaceTime": (lambda: cl.SpaceTime(1, 1.0, 2.0, 3.0, 10), repr),
    "State": (
        lambda: cl.State("up", "rising", cl.Causaloid("u", "", expr=col("x") > 0)),
        lambda s: (s.id, s.description),
    ),
    "StateMachine": (_machine, lambda m: [f.event for f in m.run_batch({"x": X}).firings]),
    "Symbolic": (lambda: cl.Symbolic(1, "storm"), repr),
    "Time": (lambda: cl.Time(1, "day", 86_400), repr),
    "Geo": (lambda: cl.Geo(1, 47.0, 8.0, 400.0), repr),
    "Ecef": (lambda: cl.Ecef(1, 6_378_137.0, 0.0, 0.0), repr),
    "Ned": (lambda: cl.Ned(1, 1.0, 2.0, 3.0, (47.0, 8.0, 400.0)), repr),
    "Oriented": (lambda: cl.Oriented(1, 0.0, 0.0, 1.0, (2.0, 0.0, 0.0, 0.0)), repr),
    "TimeNs": (lambda: cl.TimeNs(1, 1_614_556_800_000_000_250), repr),
    "Step": (lambda: cl.Step(1, 3), repr),
    "SymbolicTime": (lambda: cl.SymbolicTime(1, "review", 1), repr),
    "UncertainData": (
        lambda: cl.UncertainData(1, cl.Uncertain.normal(29.0, 3.0)),
        lambda u: (u.distribution, u.value.sample(4, seed=3).tolist()),
    ),
    "Uncertain": (
        lambda: cl.Uncertain.normal(0, 1) + 1.0,
        lambda u: u.sample(16, seed=3).tolist(),
    ),
    "Window": (lambda: cl.Window(3, ["x"]), lambda w: (w.size, w.columns)),
    # Results.
    "Trace": (_trace, lambda t: list(t)),
    "Firing": (lambda: _batch_result().firings[0], lambda f: (f.event, f.state, f.input)),
    "FiringList": (
        lambda: _batch_result().firings,
        lambda fl: [(f.event, f.state, f.outcome, f.verdict, f.input) for f in fl],
    ),
    "BatchResult": (
        _batch_result,
        lambda r: (r.rows.tolist(), r.states, r.matrix(refused=True).tolist(), repr(r)),
    ),
    "RunReport": (_run_report, lambda r: (r.items, [f.event for f in r.firings], repr(r))),
    "RunError": (
        lambda: cl.csm.RunError(0, None, None, {"x": 1}, cl.CausalError("bad", {"k": 1})),
        lambda e: (e.position, str(e.error), e.error.detail),
    ),
    "RunUnknown": (
        lambda: cl.csm.RunUnknown(1, 7, "hot", {"temp": None}, ('"temp" read by "t"',)),
        lambda u: tuple(u),
    ),
    "DeonticVerdict": (
        lambda: cl.Ethos([cl.Norm("n", "sell", col("p") > 1.0, "impermissible")]).evaluate(
            "sell", {"p": 2.0}
        ),
        lambda v: (v.modality, v.permitted, v.decided_by, v.applicable, v.justification),
    ),
    "Choice": (
        lambda: cl.Ethos(
            [
                cl.Norm("w", "walk", None, "optional", cost=2.0),
                cl.Norm("b", "bus", None, "optional", cost=1.0, tags="road"),
            ],
            calculus="deepcausality",
            action_tags={"bus": ["road"]},
        ).choose(["walk", "bus"]),
        lambda c: (c.action, c.index, c.reason, [(v.cost, v.tags, v.calculus) for v in c.verdicts]),
    ),
    "Decision": (
        lambda: cl.Uncertain.bernoulli(0.8).probability_exceeds(0.5, seed=1),
        lambda d: (bool(d), d.samples, d.successes, d.reason, d.seed, d.explain()),
    ),
    "SurdResult": (_surd, lambda r: (repr(r), str(r), r.to_frame().to_json())),
    "SurdStateMaps": (
        lambda: _surd().state_maps,
        lambda m: (repr(m), str(m), m.to_frame().to_json()),
    ),
    "CPDAG": (_cpdag, lambda c: c.to_json()),
    "MRMRSelector": (
        lambda: discover.MRMRSelector(k=1),
        lambda sel: sel.fit(*_selector_data()).get_support().tolist(),
    ),
    "MRMRResult": (_mrmr, lambda r: (r.features, r.scores, r.relevance)),
    "Pipeline": (_pipeline, lambda p: [repr(e) for e in p.edges]),
    "CleaningReport": (lambda: _pipeline().report, str),
    "Edge": (lambda: _pipeline().edges[0], repr),
    "RootCauses": (_root_causes, lambda r: [repr(c) for c in r]),
    "RootCause": (lambda: _root_causes()[0], repr),
    "Relation": (lambda: _context().relations()[0], repr),
    "Modality": (lambda: cl.ethos.Modality.OPTIONAL, repr),
    "Expr": (lambda: col("x") > 0.5, str),
    "AssumptionResult": (lambda: _model().verify_assumptions({"x": X}).results[0], repr),
    "AssumptionReport": (lambda: _model().verify_assumptions({"x": X}), repr),
    "Observations": (lambda: _model().observe({"x": X}), repr),
    "Inference": (lambda: _graph_inference(), repr),
    "SPRT": (lambda: cl.uncertain.SPRT(threshold=0.6), repr),
    # Structural causal models.
    "Normal": (lambda: scm.Normal(0, 1), repr),
    "Uniform": (lambda: scm.Uniform(0, 1), repr),
    "Empirical": (lambda: scm.Empirical([1.0, 2.0, 3.0]), repr),
    "Linear": (lambda: scm.Linear({"x": 2.0}, 1.0), repr),
    "SCMTable": (
        lambda: _scm().sample(8, seed=1),
        lambda t: {k: np.asarray(v).tolist() for k, v in t.items()},
    ),
    "EffectEstimate": (lambda: _scm().effect("x", "y", 1.0, 0.0, n=100, seed=1), repr),
    "SCM": (lambda: _scm(), lambda m: (m.to_json(), m.sample(16, seed=3)["y"].tolist())),
    "Counterfactual": (
        lambda: _scm().counterfactual({"x": 1.0, "y": 3.5}, do={"x": 0.0}),
        lambda c: (c.values, c.noise, c.explain()),
    ),
    "CounterfactualTable": (
        lambda: _scm().counterfactual(
            {"x": np.array([1.0, 2.0]), "y": np.array([3.5, 4.0])}, do={"x": 0.0}
        ),
        lambda c: (repr(c), c.explain(), [c.row(i).values for i in range(len(c))]),
    ),
}


def _scm() -> Any:
    return cl.SCM(
        {"x": cl.expr.lit(0.0), "y": 2.0 * col("x") + 1.0},
        noise={"x": scm.Normal(0, 1), "y": scm.Normal(0, 0.5)},
    )


def _graph_inference() -> Any:
    from causaloid.model.inference import infer

    return infer(X > 0.5, X > 0.3)


# Classes that are not values one ships: a transaction is bound to its live
# context, an UncertainRow only exists inside one evaluation.
NOT_VALUES = {"Transaction", "UncertainRow"}


def _public_classes() -> set[str]:
    names: set[str] = set()
    modules = ["causaloid"] + [
        m.name
        for m in pkgutil.walk_packages(cl.__path__, prefix="causaloid.")
        if not any(part.startswith("_") for part in m.name.split("."))
        and m.name not in ("causaloid.dask", "causaloid.ray")
    ]
    for name in modules:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if inspect.isclass(obj) and not issubclass(obj, BaseException):
                names.add(obj.__name__)
    return names - NOT_VALUES


def test_every_public_class_has_a_pickling_case() -> None:
    missing = _public_classes() - set(CASES)
    assert not missing, f"public classes with no pickling case: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_public_object_behaves_the_same_after_pickling(name: str) -> None:
    make, probe = CASES[name]
    obj = make()
    back = pickle.loads(pickle.dumps(obj))
    assert type(back) is type(obj)
    assert probe(back) == probe(obj)


def test_every_error_class_pickles_with_its_detail() -> None:
    import causaloid.context.errors
    import causaloid.csm.errors
    import causaloid.discover.errors
    import causaloid.errors
    import causaloid.ethos.errors
    import causaloid.uncertain.errors

    seen = 0
    for module in (
        causaloid.errors,
        causaloid.context.errors,
        causaloid.csm.errors,
        causaloid.discover.errors,
        causaloid.ethos.errors,
        causaloid.uncertain.errors,
    ):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, cl.CausalError):
                err = cls("what went wrong", {"column": "x"})
                back = pickle.loads(pickle.dumps(err))
                assert type(back) is cls and str(back) == str(err)
                assert back.detail == err.detail
                seen += 1
    assert seen > 20


SUBPROCESS = """
import pickle, sys
sys.path.insert(0, {tests!r})
import test_pickling as t
for name, blob in pickle.loads(sys.stdin.buffer.read()).items():
    make, probe = t.CASES[name]
    got = probe(pickle.loads(blob))
    want = probe(make())
    assert got == want, (name, got, want)
print("ok", flush=True)
"""


def test_pickles_load_and_behave_the_same_in_a_fresh_process() -> None:
    from pathlib import Path

    blobs = {name: pickle.dumps(make()) for name, (make, _) in CASES.items()}
    proc = subprocess.run(
        [sys.executable, "-c", SUBPROCESS.format(tests=str(Path(__file__).parent))],
        input=pickle.dumps(blobs),
        capture_output=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().strip() == "ok"


def test_a_context_pickle_is_the_compact_binary_form() -> None:
    n = 5000
    ctx = cl.Context(0, "c")
    ctx.add(*[cl.Time(i, "minute", 60 * i, {"open": i * 0.5, "close": i * 0.25}) for i in range(n)])
    blob = pickle.dumps(ctx)
    assert len(blob) < len(pickle.dumps(ctx.to_json())) / 2
    assert pickle.loads(blob) == ctx


@pytest.mark.parametrize("cut", [0, 3, 6, 10, 40])
def test_truncated_binary_forms_raise_serialization_error(cut: int) -> None:
    data = _context().to_bytes()
    with pytest.raises(cl.errors.SerializationError):
        cl.Context.from_bytes(data[:cut])


def test_binary_form_of_another_kind_is_refused_by_name() -> None:
    firing_bytes = pickle.dumps(_batch_result().firings[0])
    with pytest.raises(cl.errors.SerializationError, match="not a causaloid binary document"):
        cl.Context.from_bytes(b"CLFI\x01\x00" + firing_bytes[:8])
