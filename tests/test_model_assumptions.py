"""Models: contexts chosen by name, assumptions verified against data, strict
evaluation, and the observation / inference summaries over a batch."""

from __future__ import annotations

import numpy as np
import pytest

import causaloid as cl
from causaloid import expr as E
from causaloid.context import errors as ce


def limits(name: str, value: float) -> cl.Context:
    return cl.Context(name, name).add(cl.Data("max", value))


def model() -> cl.Model:
    hot = cl.Causaloid("hot", "", expr=E.col("t") > E.ctx_value("max", context="summer"))
    return cl.Model(
        "m",
        "heat",
        hot,
        context=[limits("summer", 30.0), limits("winter", 10.0)],
        assumptions=[
            cl.Assumption("finite", lambda d: bool(np.isfinite(d["t"]).all())),
            cl.Assumption("warm days exist", lambda d: bool((d["t"] > 25).any())),
        ],
    )


def test_contexts_are_chosen_by_name() -> None:
    m = model()
    assert sorted(m.contexts) == ["summer", "winter"]
    assert m.context("winter").value("max") == 10.0
    with pytest.raises(ce.UnknownContextError) as info:
        m.context("spring")
    assert info.value.context == "spring"
    with pytest.raises(ce.ContextArgumentError):
        m.context()
    assert m.evaluate({"t": 31.0}).value is True
    m.add_context(limits("summer", 35.0))  # replaced by name
    assert m.evaluate({"t": 31.0}).value is False


def test_verify_assumptions_reports_which_held() -> None:
    m = model()
    report = m.verify_assumptions({"t": [np.nan, 20.0]})
    assert [r.held for r in report] == [False, False]
    assert not report.all_held
    assert str(report).splitlines()[0] == "0 of 2 assumptions held"
    report = m.verify_assumptions({"t": [20.0, 28.0]})
    assert report.all_held and m.assumption_report is report


def test_strict_evaluation_refuses_unverified_or_failed_assumptions() -> None:
    m = model()
    assert m.evaluate({"t": 31.0}).value is True  # not strict: runs
    with pytest.raises(ce.AssumptionError, match="unverified"):
        m.evaluate({"t": 31.0}, strict=True)
    m.verify_assumptions({"t": [1.0]})
    with pytest.raises(ce.AssumptionError) as info:
        m.evaluate_batch({"t": [31.0]}, strict=True)
    assert info.value.assumptions == ["warm days exist"]
    m.verify_assumptions({"t": [26.0]})
    assert m.evaluate_batch({"t": [31.0, 1.0]}, strict=True).tolist() == [True, False]


def test_an_assumption_that_raises_is_reported_not_raised() -> None:
    a = cl.Assumption("needs column z", lambda d: bool(d["z"].all()))
    result = a.verify({"t": np.array([1.0])})
    assert not result.held and "KeyError" in result.detail


def test_observation_and_inference_summaries() -> None:
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid("a", "", expr=E.col("x") > 0.5))
    g.add(cl.Causaloid("b", "", expr=E.value() & (E.col("y") > 0.5)))
    g.link("a", "b")
    g.freeze()
    m = cl.Model("m", "", g)
    table = {
        "x": [0.9, 0.9, 0.1, 0.1, 0.9],
        "y": [0.9, 0.1, 0.9, 0.1, 0.9],
        "effect": [1.0, 0.0, 1.0, 0.0, 0.0],
    }
    obs = m.observe(table)
    assert (obs.n, obs.n_active, obs.percent_active) == (5, 2, 40.0)
    assert obs.nodes == {"a": (3, 60.0), "b": (2, 40.0)}
    inf = m.infer(table, "effect")
    # cause: T F F F T; effect: T F T F F
    assert (inf.n_inferable, inf.n_inverse_inferable, inf.n_non_inferable) == (1, 2, 2)
    assert inf.conjoint_delta == pytest.approx(0.4)
    assert inf.percent_inverse_inferable == pytest.approx(40.0)
    with pytest.raises(cl.errors.ShapeError):
        cl.model.infer(np.array([True]), np.array([True, False]))


def test_a_graph_read_from_json_gets_its_context_from_the_model() -> None:
    ctx = limits("lim", 30.0)
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid("hot", "", expr=E.col("t") > E.ctx_value("max"), context=ctx))
    g.freeze()
    # The JSON form embeds the context, so the graph read back evaluates alone ...
    back = cl.CausalGraph.from_json(g.to_json())
    assert back.evaluate({"t": 31.0}).value is True
    # ... and a model's context of the same name replaces the embedded copy.
    ctx.set("max", "value", 50.0)
    assert back.evaluate({"t": 40.0}).value is True
    m = cl.Model("m", "", back, context=ctx)
    assert m.evaluate({"t": 40.0}).value is False
    assert m.evaluate_batch({"t": [1.0, 60.0]}).tolist() == [False, True]
