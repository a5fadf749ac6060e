"""Causaloids, collections and graphs evaluated on uncertain inputs: decisions
by the SPRT set on the causaloid, visible in explain(), graphs unchanged."""

from __future__ import annotations

import pytest

import causaloid as cl
from causaloid import expr as E

U = cl.Uncertain


def speeding_graph(decide: cl.uncertain.SPRT | None = None) -> cl.CausalGraph:
    speeding = cl.Causaloid("speeding", "over 60", expr=E.col("speed") > 60.0, decide=decide)
    wet = cl.Causaloid("wet", "road wet", expr=E.col("rain") > 0.5)
    risk = cl.Causaloid("risk", "risky", fn=lambda v: v)
    g = cl.CausalGraph("road")
    for c in (speeding, wet, risk):
        g.add(c)
    g.link("speeding", "risk")
    g.link("wet", "risk")
    return g.freeze()


def test_a_graph_runs_unchanged_when_an_input_is_uncertain() -> None:
    g = speeding_graph(cl.uncertain.SPRT(threshold=0.9, seed=1))
    assert g.evaluate({"speed": 70.0, "rain": 0.2}).value is True
    effect = g.evaluate({"speed": U.normal(70.0, 4.0), "rain": 0.2})
    assert effect.value is True
    text = effect.explain()
    assert '"speeding": P(true) > 0.9 ? yes (confidence 0.95' in text
    assert "drew" in text and "samples" in text
    assert text.splitlines()[-2] == "Final verdict: true"
    assert effect.why is not None
    assert effect.why.endswith(
        'On the uncertain inputs a sequential test decided "speeding" P(true) > 0.9 ? yes '
        "(confidence 0.95, indifference ±0.05)."
    )


def test_sprt_parameters_set_on_the_causaloid_decide_the_borderline() -> None:
    # P(speed > 60) = 0.84: above 0.5, below 0.95
    reading = {"speed": U.normal(64.0, 4.0), "rain": 0.0}
    lenient = speeding_graph(cl.uncertain.SPRT(threshold=0.5, seed=2))
    strict = speeding_graph(cl.uncertain.SPRT(threshold=0.95, seed=2))
    assert lenient.evaluate(reading).value is True
    assert strict.evaluate(reading).value is False


def test_a_callable_receiving_an_uncertain_value_is_decided() -> None:
    c = cl.Causaloid("hot", "above 30", fn=lambda v: v > 30.0, decide=cl.uncertain.SPRT(seed=3))
    effect = c.evaluate(U.normal(35.0, 2.0))
    assert effect.value is True
    assert '"hot": P(true) > 0.5 ? yes' in effect.explain()
    # a callable that builds its own uncertainty is decided the same way
    noisy = cl.Causaloid(
        "n", "noisy", fn=lambda v: U.normal(v, 5.0) > 30.0, decide=cl.uncertain.SPRT(seed=3)
    )
    assert noisy.evaluate(40.0).value is True


def test_collections_and_subgraph_evaluation_accept_uncertain_inputs() -> None:
    a = cl.Causaloid("a", "", expr=E.value() > 0.0, decide=cl.uncertain.SPRT(seed=4))
    b = cl.Causaloid("b", "", expr=E.value() < 10.0, decide=cl.uncertain.SPRT(seed=4))
    coll = cl.CausalCollection([a, b], "all", id="both")
    assert coll.evaluate(U.normal(5.0, 1.0)).value is True
    assert coll.evaluate(U.normal(-5.0, 1.0)).value is False
    g = speeding_graph(cl.uncertain.SPRT(seed=4))
    effect = g.evaluate_from("speeding", {"speed": U.normal(50.0, 2.0), "rain": 0.0})
    assert effect.value is False


def test_decide_must_be_an_sprt_and_validates_its_parameters() -> None:
    with pytest.raises(TypeError):
        cl.Causaloid("x", "", fn=lambda v: v, decide=0.95)
    with pytest.raises(cl.uncertain.UncertainParameterError):
        cl.uncertain.SPRT(confidence=1.5)
