"""Uncertain data contextoids (``cl.UncertainData``) read by every consumer:
single evaluations, batches (row by row, seeded), models, state machines (one
observation and a table) and norm predicates -- all through the engine's
sampled path, deterministic for a seed, and the same after pickling."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid import expr as E


def road(mean: float = 29.0, std: float = 3.0) -> cl.Context:
    return cl.Context(1, "road").add(
        cl.UncertainData("speed", cl.Uncertain.normal(mean, std)), cl.Data("lanes", 2.0)
    )


def speeding(ctx: cl.Context) -> cl.Causaloid:
    return cl.Causaloid(
        "speeding",
        "the measured speed exceeds the limit",
        expr=E.ctx_value("speed") > E.col("limit"),
        context=ctx,
    )


LIMITS = [20.0, 35.0, 22.0, 40.0, 10.0]
EXPECTED = [True, False, True, False, True]


# ---- batches ------------------------------------------------------------------------


def test_a_batch_reading_an_uncertain_contextoid_decides_each_row_like_one_evaluation() -> None:
    c = speeding(road())
    out = c.evaluate_batch({"limit": LIMITS})
    assert out.dtype == np.bool_
    assert out.tolist() == EXPECTED
    assert out.tolist() == [c.evaluate({"limit": x}).value for x in LIMITS]


def test_a_graph_and_a_model_batch_reading_an_uncertain_contextoid_agree_with_rows() -> None:
    ctx = road()
    g = cl.CausalGraph("g")
    fast = g.add(speeding(ctx))
    fine = g.add(cl.Causaloid("fine", "fined", expr=E.value()))
    g.link(fast, fine)
    g.freeze()
    verdicts, acts = g.evaluate_batch({"limit": LIMITS}, activations=True)
    assert verdicts.tolist() == EXPECTED
    assert acts["speeding"].tolist() == EXPECTED
    assert acts["fine"].tolist() == EXPECTED
    m = cl.Model("m", "road model", g, context=ctx)
    assert m.evaluate_batch({"limit": LIMITS}).tolist() == EXPECTED
    assert [m.evaluate({"limit": x}).value for x in LIMITS] == EXPECTED


def test_a_batch_on_an_uncertain_contextoid_is_deterministic_for_a_seed() -> None:
    # P(N(29, 3) > 29) = 0.5: a coin the seed decides.
    c = speeding(road())
    table = {"limit": [29.0] * 8}
    a = c.evaluate_batch(table, seed=11)
    assert a.tolist() == c.evaluate_batch(table, seed=11).tolist()
    assert a.tolist() == [c.evaluate({"limit": 29.0}, seed=11).value] * 8
    many = {c.evaluate_batch({"limit": [29.0]}, seed=s)[0] for s in range(12)}
    assert many == {True, False}  # the seed matters where the evidence is even


def test_a_point_mass_contextoid_decides_a_batch_exactly() -> None:
    ctx = cl.Context(1, "road").add(cl.UncertainData("speed", cl.Uncertain.point(30.0)))
    out = speeding(ctx).evaluate_batch({"limit": [29.999, 30.0, 31.0]})
    assert out.tolist() == [True, False, False]


def test_a_batch_with_python_callables_reading_an_uncertain_contextoid_is_refused() -> None:
    ctx = road()
    g = cl.CausalGraph("g")
    g.add(speeding(ctx))
    g.add(cl.Causaloid("py", "python", fn=lambda v: True))
    g.freeze()
    with pytest.raises(cl.errors.InvalidArgumentError, match="host functions"):
        g.evaluate_batch({"limit": [20.0]})


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(min_value=0.0, max_value=60.0), min_size=0, max_size=6),
    st.integers(min_value=0, max_value=2**32),
)
def test_row_i_of_a_sampled_batch_equals_evaluating_row_i(limits: list[float], seed: int) -> None:
    c = speeding(road(29.0, 6.0))
    out = c.evaluate_batch({"limit": limits}, seed=seed)
    assert out.tolist() == [c.evaluate({"limit": x}, seed=seed).value for x in limits]


# ---- state machines -------------------------------------------------------------------


def machine(ctx: cl.Context) -> cl.StateMachine:
    return cl.StateMachine([(cl.State("fast", "speeding", speeding(ctx)), "ticket")])


def test_a_state_machine_state_reads_an_uncertain_contextoid_on_samples() -> None:
    sm = machine(road())
    assert [f.action for f in sm.evaluate_all({"limit": 20.0})] == ["ticket"]
    assert sm.evaluate_all({"limit": 35.0}) == []
    result = machine(road()).run_batch({"limit": LIMITS})
    assert not result.errors
    assert result.rows.tolist() == [i for i, e in enumerate(EXPECTED) if e]


def test_a_state_machine_over_a_collection_reading_an_uncertain_contextoid() -> None:
    ctx = road()
    both = cl.CausalCollection(
        [
            speeding(ctx),
            cl.Causaloid("wide", "two lanes", expr=E.ctx_value("lanes") >= 2.0, context=ctx),
        ],
        logic="all",
        id="both",
    )
    sm = cl.StateMachine([(cl.State("s", "fast on a wide road", both), "warn")])
    assert len(sm.evaluate_all({"limit": 20.0})) == 1
    assert sm.evaluate_all({"limit": 35.0}) == []


# ---- norms ------------------------------------------------------------------------------


def test_a_norm_predicate_over_an_uncertain_contextoid_is_decided_on_samples() -> None:
    ctx = road()
    ethos = cl.Ethos(
        [
            cl.Norm(
                "no-overtaking-when-fast",
                "overtake",
                cl.Causaloid("fast", "", expr=E.ctx_value("speed") > E.col("limit"), context=ctx),
                "impermissible",
            )
        ]
    )
    no = ethos.evaluate("overtake", {"limit": 20.0})
    assert no.modality == "impermissible"
    assert no.decisions and no.decisions[0][0] == "no-overtaking-when-fast"
    assert ethos.evaluate("overtake", {"limit": 35.0}).permitted
    # The same seed decides the same way on an even coin.
    coin = [ethos.evaluate("overtake", {"limit": 29.0}, seed=5).modality for _ in range(3)]
    assert len(set(coin)) == 1


def test_a_norm_expression_reading_an_uncertain_contextoid_is_decided_on_samples() -> None:
    ctx = road()
    speed = E.ctx_value("speed", context="road")
    ethos = cl.Ethos(
        [cl.Norm("slow-down", "accelerate", speed > E.col("limit"), "impermissible", context=ctx)]
    )
    assert not ethos.evaluate("accelerate", {"limit": 20.0}).permitted
    assert ethos.evaluate("accelerate", {"limit": 35.0}).permitted


def test_a_state_machine_ethos_vets_on_an_uncertain_contextoid() -> None:
    ctx = road()
    ethos = cl.Ethos(
        [
            cl.Norm(
                "too-fast-to-honk",
                "honk",
                cl.Causaloid("f", "", expr=E.ctx_value("speed") > 25.0, context=ctx),
                "impermissible",
            )
        ]
    )
    sm = cl.StateMachine(
        [(cl.State("near", "close", cl.Causaloid("c", "", expr=E.col("gap") < 5.0)), "honk")],
        ethos=ethos,
    )
    (f,) = sm.evaluate_all({"gap": 1.0})
    assert f.outcome == "refused"


# ---- pickles in a fresh process ------------------------------------------------------------


def test_every_consumer_samples_the_same_after_pickling_in_a_fresh_process(
    tmp_path: Path,
) -> None:
    ctx = road()
    c = speeding(ctx)
    g = cl.CausalGraph("g")
    g.add(speeding(ctx))
    g.freeze()
    model = cl.Model("m", "road", g, context=ctx)
    sm = machine(ctx)
    ethos = cl.Ethos([cl.Norm("n", "go", speeding(ctx), "impermissible")])
    parts = (c, model, sm, ethos)
    path = tmp_path / "parts.pkl"
    path.write_bytes(pickle.dumps(parts))

    def answers(c: cl.Causaloid, model: cl.Model, sm: cl.StateMachine, ethos: cl.Ethos) -> str:
        return repr(
            (
                c.evaluate_batch({"limit": [20.0, 35.0, 29.0]}, seed=3).tolist(),
                model.evaluate_batch({"limit": [20.0, 35.0, 29.0]}).tolist(),
                len(sm.evaluate_all({"limit": 20.0})),
                ethos.evaluate("go", {"limit": 29.0}, seed=4).modality,
            )
        )

    here = answers(*parts)
    code = textwrap.dedent(
        f"""
        import pickle
        c, model, sm, ethos = pickle.loads(open({str(path)!r}, "rb").read())
        print(repr((
            c.evaluate_batch({{"limit": [20.0, 35.0, 29.0]}}, seed=3).tolist(),
            model.evaluate_batch({{"limit": [20.0, 35.0, 29.0]}}).tolist(),
            len(sm.evaluate_all({{"limit": 20.0}})),
            ethos.evaluate("go", {{"limit": 29.0}}, seed=4).modality,
        )))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == here
