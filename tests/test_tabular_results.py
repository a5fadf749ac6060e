"""Every result that is a table converts to pandas, polars and Arrow alike.

The test walks the package for classes with ``to_frame`` (so a new result that
forgets ``to_polars``/``to_arrow`` fails here) and converts one real instance of
each, checking the three libraries hold the same columns, order and values.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import math
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import causaloid as cl
from causaloid import expr as E

pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")

PACKAGE = Path(cl.__file__).parent
OPTIONAL_MODULES = {"causaloid.dask", "causaloid.ray"}  # need their own extras


def _modules() -> list[Any]:
    out = []
    for info in pkgutil.walk_packages([str(PACKAGE)], "causaloid."):
        if info.name in OPTIONAL_MODULES or info.name.endswith("__main__"):
            continue
        out.append(importlib.import_module(info.name))
    return out


def classes_with_to_frame() -> set[str]:
    """Qualified names of the package's classes that have ``to_frame``."""
    found = set()
    for module in _modules():
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if obj.__module__ == module.__name__ and hasattr(obj, "to_frame"):
                found.add(f"{obj.__module__}.{obj.__qualname__}")
    return found


def classes_defining_to_frame_in_source() -> set[str]:
    """The same, read from the source (a class defining ``def to_frame``)."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        module = module.removesuffix(".__init__")
        if module in OPTIONAL_MODULES:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(f, ast.FunctionDef) and f.name == "to_frame" for f in node.body
            ):
                found.add(f"{module}.{node.name}")
    return found


# --- one real instance of every tabular result ----------------------------------


def _surd() -> Any:
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 2, 2000).astype(float), rng.integers(0, 2, 2000).astype(float)
    return cl.discover.surd({"y": np.logical_xor(a, b).astype(float), "a": a, "b": b}, "y", bins=2)


def _table() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    x = rng.normal(size=300)
    return {"y": x + rng.normal(scale=0.1, size=300), "x": x, "z": rng.normal(size=300)}


def _root_causes() -> Any:
    table = _table()
    anomalous = {k: v[:40] + (5.0 if k == "z" else 0.0) for k, v in table.items()}
    return cl.discover.root_causes(table, anomalous)


def _cpdag() -> Any:
    return cl.discover.CPDAG.from_edges(["a", "b", "c"], [("a", "b")], [("b", "c")])


def _assumptions() -> Any:
    assumptions = [
        cl.Assumption("positive", lambda d: bool(np.all(d["x"] > 0))),
        cl.Assumption("small", lambda d: bool(np.all(d["x"] < 2))),
    ]
    model = cl.Model(1, "m", cl.Causaloid("c", "c", expr=E.value()), assumptions=assumptions)
    return model.verify_assumptions({"x": np.array([1.0, 3.0])})


def _csm_batch() -> Any:
    machine = cl.StateMachine(
        [(cl.State("hot", "too hot", cl.Causaloid("t", "", expr=E.col("temp") > 50)), "alert")]
    )
    return machine.run_batch({"temp": np.array([10.0, 60.0, 70.0, 20.0])})


def _trace() -> Any:
    g = cl.CausalGraph("alarm")
    g.add(cl.Causaloid("smoke", "smoke", expr=E.col("smoke") > 0.3))
    g.add(cl.Causaloid(7, "fire", expr=E.value()))
    g.link("smoke", 7)
    g.freeze()
    return g.evaluate({"smoke": 0.5}).trace


def _scm() -> Any:
    rng = np.random.default_rng(0)
    load = rng.uniform(10, 50, 200)
    cpu = 0.5 * load + rng.normal(0, 2, 200)
    return cl.SCM.from_edges([("load", "cpu")]).fit({"load": load, "cpu": cpu}), load, cpu


def _scm_table() -> Any:
    model, _, _ = _scm()
    return model.sample(50, seed=1)


def _counterfactuals() -> Any:
    model, load, cpu = _scm()
    return model.counterfactual({"load": load, "cpu": cpu}, do={"load": 10.0})


INSTANCES: dict[str, Callable[[], Any]] = {
    "causaloid.discover.result.SurdResult": _surd,
    "causaloid.discover.result.SurdStateMaps": lambda: _surd().state_maps,
    "causaloid.discover.mrmr.MRMRResult": lambda: cl.discover.mrmr(_table(), "y", k=2),
    "causaloid.discover.root_causes.RootCauses": _root_causes,
    "causaloid.discover.cpdag.CPDAG": _cpdag,
    "causaloid.model.assumption.AssumptionReport": _assumptions,
    "causaloid.csm.results.BatchResult": _csm_batch,
    "causaloid.effect.trace.Trace": _trace,
    "causaloid.scm.results.SCMTable": _scm_table,
    "causaloid.scm.results.CounterfactualTable": _counterfactuals,
}


def test_every_class_with_to_frame_is_walked_here():
    found = classes_with_to_frame()
    assert classes_defining_to_frame_in_source() <= found | {"causaloid._frames.Tabular"}
    found.discard("causaloid._frames.Tabular")
    assert found == set(INSTANCES), "add new tabular results to INSTANCES"


def _plain(v: Any) -> Any:
    if isinstance(v, (tuple, np.ndarray)):
        return [_plain(x) for x in v]
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if v is pd.NA:
        return None
    return v


@pytest.mark.parametrize("name", sorted(INSTANCES))
def test_a_tabular_result_reads_the_same_in_pandas_polars_and_arrow(name):
    result = INSTANCES[name]()
    assert f"{type(result).__module__}.{type(result).__qualname__}" == name
    frame, polars, arrow = result.to_frame(), result.to_polars(), result.to_arrow()
    assert isinstance(frame, pd.DataFrame)
    assert isinstance(polars, pl.DataFrame)
    assert isinstance(arrow, pa.Table)
    assert list(frame.columns) == polars.columns == arrow.column_names
    assert len(frame) == polars.height == arrow.num_rows > 0
    for column in polars.columns:
        left = [_plain(v) for v in frame[column].tolist()]
        assert [_plain(v) for v in polars[column].to_list()] == left, column
        assert [_plain(v) for v in arrow.column(column).to_pylist()] == left, column


def test_the_trace_holds_every_step_and_verdict_in_order():
    frame = _trace().to_polars()
    assert frame.select("id", "event", "verdict").rows() == [
        ("alarm", "entered", None),
        ("smoke", "decided", True),
        ("7", "decided", True),
        ("alarm", "decided", True),
    ]
    assert frame["depth"].to_list() == [0, 1, 1, 0]


def test_an_effect_of_python_steps_has_an_empty_trace():
    trace = cl.Effect.pure(0.9).bind(lambda x: x * 0.5).trace
    assert len(trace) == 0
    assert trace.to_arrow().num_rows == 0


def test_a_cpdag_table_lists_directed_then_undirected_edges():
    rows = _cpdag().to_arrow().to_pylist()
    assert rows == [
        {"source": "a", "target": "b", "kind": "directed"},
        {"source": "b", "target": "c", "kind": "undirected"},
    ]


def test_a_state_machine_batch_lists_its_firings():
    assert _csm_batch().to_polars().rows() == [(1, "hot", True), (2, "hot", True)]
