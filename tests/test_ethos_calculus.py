"""Norm tags, explicit defeats and specializations, optional norms with a cost,
predicates on uncertain values, and the DeepCausality calculus, on their own
and inside a state machine."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid.ethos.errors import NormError, RelationError, UnknownNormError

col = cl.expr.col


def test_a_tagged_norm_vets_only_actions_sharing_a_tag() -> None:
    ethos = cl.Ethos(
        [
            cl.Norm("no-harm", "*", col("people") > 0, "impermissible", tags=["people"]),
            cl.Norm("log", "*", None, "obligatory"),
        ],
        action_tags={"evacuate": ["people", "safety"], "vent": "air"},
    )
    v = ethos.evaluate("evacuate", {"people": 3})
    assert not v and v.decided_by == "no-harm" and v.tags == ["people", "safety"]
    assert "action tags: people, safety" in v.justification
    v = ethos.evaluate("vent", {"people": 3})
    assert v.modality == "obligatory" and v.applicable == ["log"]
    # Tags given with the call add to the declared ones.
    assert not ethos.evaluate("vent", {"people": 3}, tags="people")
    ethos.tag_action("vent", ["people"])
    assert ethos.action_tags["vent"] == ("people",)
    assert not ethos.evaluate("vent", {"people": 3})


def test_an_explicit_defeat_beats_a_higher_priority_and_is_explained() -> None:
    ethos = cl.Ethos(
        [
            cl.Norm("ban", "sell", None, "impermissible", priority=10),
            cl.Norm("licence", "sell", col("licensed") > 0, "optional", defeats="ban"),
        ]
    )
    assert not ethos.evaluate("sell", {"licensed": 0})
    v = ethos.evaluate("sell", {"licensed": 1})
    assert v.permitted and v.decided_by == "licence"
    assert v.defeated == [
        ("ban", "licence", "explicit defeat", 'declared: "licence" defeats "ban"')
    ]
    assert 'norm "ban" defeated by norm "licence": explicit defeat' in v.justification


def test_relations_to_unknown_norms_and_loops_raise_precise_errors() -> None:
    with pytest.raises(UnknownNormError, match='"a" defeats norm "ghost"') as e:
        cl.Ethos([cl.Norm("a", "go", None, "optional", defeats=["ghost"])])
    assert e.value.norm_id == "ghost" and e.value.referenced_by == "a"
    assert e.value.relation == "defeats"
    with pytest.raises(UnknownNormError, match="specializes"):
        cl.Ethos([cl.Norm("a", "go", None, "optional", inherits="ghost")])
    with pytest.raises(RelationError, match="loops") as cyc:
        cl.Ethos(
            [
                cl.Norm("a", "go", None, "optional", defeats="b"),
                cl.Norm("b", "go", None, "optional", defeats="a"),
            ]
        )
    assert cyc.value.relation == "defeat" and sorted(cyc.value.cycle) == ["a", "b"]
    ethos = cl.Ethos([cl.Norm("a", "go", None, "optional")])
    with pytest.raises(UnknownNormError):
        ethos.add(cl.Norm("b", "go", None, "optional", defeats="zz"))
    assert "b" not in ethos and len(ethos) == 1
    ethos.add(cl.Norm("b", "go", None, "optional", inherits="a"))
    with pytest.raises(RelationError, match="specializes it") as used:
        ethos.remove("a")
    assert used.value.referenced_by == "b" and "a" in ethos


def test_a_specialization_applies_where_its_parent_does_and_ranks_above_it() -> None:
    ethos = cl.Ethos(
        [
            cl.Norm("hot", "vent", col("heat") > 50, "obligatory", specificity=2, tags="air"),
            cl.Norm("reactor", "vent", col("room") == 1, "impermissible", inherits="hot"),
        ],
        action_tags={"vent": ["air"]},
    )
    assert ethos.effective("reactor") == (("air",), 3)
    assert ethos.evaluate("vent", {"heat": 20.0, "room": 1}).applicable == []
    v = ethos.evaluate("vent", {"heat": 90.0, "room": 1})
    assert not v and v.defeated == [("hot", "reactor", "lex specialis", "specificity 3 > 2")]
    assert ethos.evaluate("vent", {"heat": 90.0, "room": 2}).modality == "obligatory"


def test_optional_norms_report_their_cost_and_choose_the_cheapest_permitted() -> None:
    ethos = cl.Ethos(
        [
            cl.Norm("walk", "walk", None, "optional", cost=2.0),
            cl.Norm("walk-in-rain", "walk", col("rain") > 0, "optional", cost=3.0),
            cl.Norm("drive", "drive", None, "optional", cost=4.0),
            cl.Norm("no-fly", "fly", None, "impermissible"),
        ]
    )
    dry, wet = {"rain": 0.0}, {"rain": 1.0}
    assert ethos.evaluate("walk", dry).cost == 2.0
    assert ethos.evaluate("walk", wet).cost == 5.0
    assert "at a cost of 5" in ethos.evaluate("walk", wet).justification
    assert ethos.choose(["fly", "walk", "drive"], dry).action == "walk"
    wet_choice = ethos.choose(["fly", "walk", "drive"], wet)
    assert wet_choice.action == "drive" and wet_choice.index == 2
    assert "refused" in wet_choice.reason and len(wet_choice.verdicts) == 3
    none = ethos.choose(["fly"], dry)
    assert not none and none.action is None
    # An obligatory alternative is chosen whatever the others cost.
    ethos.add(cl.Norm("must-drive", "drive", col("rain") > 0, "obligatory", priority=5))
    assert ethos.choose(["walk", "drive"], wet).action == "drive"


def test_the_deepcausality_calculus_lets_a_surviving_prohibition_win() -> None:
    norms = [
        cl.Norm("duty", "fire", None, "obligatory", priority=10),
        cl.Norm("ban", "fire", None, "impermissible", priority=1),
    ]
    ours = cl.Ethos(norms).evaluate("fire")
    assert ours.modality == "obligatory" and ours.calculus == "priority"
    assert ours.defeated == [("ban", "duty", "lex superior", "priority 10 > 1")]
    dc = cl.Ethos(norms, calculus="deepcausality").evaluate("fire")
    assert dc.modality == "impermissible" and dc.decided_by == "ban"
    assert dc.defeated == [
        ("duty", "ban", "modal precedence", "impermissible prevails over obligatory")
    ]
    assert "[deepcausality calculus]" in dc.justification
    # A declared defeat counts there only when the defeater outranks.
    weak = [
        cl.Norm("duty", "fire", None, "obligatory", defeats="ban"),
        cl.Norm("ban", "fire", None, "impermissible", priority=1),
    ]
    assert cl.Ethos(weak).evaluate("fire").modality == "obligatory"
    assert cl.Ethos(weak, calculus="deepcausality").evaluate("fire").modality == "impermissible"
    # Optional norms add their costs in both.
    opts = [
        cl.Norm("a", "go", None, "optional", cost=1.0),
        cl.Norm("b", "go", None, "optional", cost=2.5),
    ]
    assert cl.Ethos(opts, calculus="deepcausality").evaluate("go").cost == 3.5


def test_a_predicate_on_an_uncertain_value_is_decided_by_the_sequential_test() -> None:
    ethos = cl.Ethos(
        [
            cl.Norm("hot", "vent", col("heat") > 50, "obligatory"),
            cl.Norm(
                "sure-hot",
                "alarm",
                col("heat") > 50,
                "obligatory",
                decide=cl.uncertain.SPRT(threshold=0.95, seed=3),
            ),
        ]
    )
    heat = cl.Uncertain.normal(56.0, 5.0)  # P(heat > 50) ~ 0.885
    v = ethos.evaluate("vent", {"heat": heat})
    assert v.modality == "obligatory"
    ((norm, decision),) = v.decisions
    assert norm == "hot" and decision and decision.samples < 10_000
    assert "decided on uncertain values" in v.justification
    # Asked to be 95% sure, the same evidence is not enough.
    strict = ethos.evaluate("alarm", {"heat": heat})
    assert strict.applicable == [] and not strict.decisions[0][1]
    assert strict.decisions[0][1].seed == 3
    # Seeded: the same call decides the same way; a point mass is certain.
    again = ethos.evaluate("vent", {"heat": heat})
    assert again.decisions[0][1].samples == decision.samples
    point = ethos.evaluate("vent", {"heat": cl.Uncertain.point(60.0)})
    assert point.modality == "obligatory" and point.decisions == []
    assert ethos.evaluate("vent", {"heat": 40.0}).applicable == []


def test_a_causaloid_predicate_reads_the_context_and_uncertain_values() -> None:
    speeding = cl.Causaloid(
        "speeding",
        "over the limit",
        expr=col("speed") > 27.8,
        decide=cl.uncertain.SPRT(threshold=0.9),
    )
    ethos = cl.Ethos([cl.Norm("fine", "fine", speeding, "obligatory")])
    assert ethos.evaluate("fine", {"speed": 29.0}).modality == "obligatory"
    v = ethos.evaluate("fine", {"speed": cl.Uncertain.normal(29.0, 3.0)}, seed=1)
    assert v.applicable == [] and v.decisions[0][0] == "fine"


def fire_machine(ethos: cl.Ethos) -> cl.StateMachine:
    return cl.StateMachine(
        [
            (
                cl.State("fire", "fire", cl.Causaloid("f", "fire", expr=col("smoke") > 0.5)),
                "evacuate",
            ),
            (cl.State("warm", "warm", cl.Causaloid("w", "warm", expr=col("heat") > 30)), "vent"),
        ],
        ethos=ethos,
    )


def test_a_tagged_ethos_vets_the_actions_of_a_state_machine() -> None:
    ethos = cl.Ethos(
        [
            cl.Norm("crowd", "*", col("people") > 10, "impermissible", tags="people"),
            cl.Norm("drill", "evacuate", col("drill") > 0, "optional", cost=1.0, defeats="crowd"),
            cl.Norm("dc-ban", "vent", None, "impermissible", priority=1),
            cl.Norm("dc-duty", "vent", None, "obligatory", priority=9),
        ],
        action_tags={"evacuate": ["people"]},
    )
    csm = fire_machine(ethos)
    fires = csm.evaluate_all({"smoke": 0.9, "heat": 40.0, "people": 20, "drill": 0})
    out = {f.state: f.outcome for f in fires}
    assert out == {"fire": "refused", "warm": "recorded"}
    # The vent is not tagged "people", so the crowd norm does not vet it.
    warm = next(f for f in fires if f.state == "warm")
    assert warm.vetting.modality == "obligatory" and "crowd" not in warm.vetting.applicable
    fires = csm.evaluate_all({"smoke": 0.9, "heat": 40.0, "people": 20, "drill": 1})
    fire = next(f for f in fires if f.state == "fire")
    assert fire.outcome == "recorded" and fire.vetting.cost == 1.0
    assert fire.vetting.defeated[0][2] == "explicit defeat"
    # The DeepCausality calculus in the same machine refuses the vent.
    dc = fire_machine(
        cl.Ethos(ethos.norms, calculus="deepcausality", action_tags=ethos.action_tags)
    )
    fires = dc.evaluate_all({"smoke": 0.0, "heat": 40.0, "people": 0, "drill": 0})
    assert [(f.state, f.outcome) for f in fires] == [("warm", "refused")]


def test_a_featured_ethos_and_its_verdicts_pickle_into_a_fresh_process() -> None:
    ethos = cl.Ethos(
        [
            cl.Norm("crowd", "*", col("people") > 10, "impermissible", tags="people"),
            cl.Norm(
                "drill",
                "evacuate",
                col("drill") > 0,
                "optional",
                cost=1.5,
                defeats="crowd",
                priority=1,
            ),
            cl.Norm("child", "evacuate", None, "optional", inherits="drill", cost=0.5),
        ],
        calculus="deepcausality",
        action_tags={"evacuate": ["people"]},
    )
    ctx = {"people": 20, "drill": 1}
    v = ethos.evaluate("evacuate", ctx)
    blob = pickle.dumps((ethos, v))
    code = textwrap.dedent(
        """
        import pickle, sys
        ethos, v = pickle.loads(sys.stdin.buffer.read())
        w = ethos.evaluate("evacuate", {"people": 20, "drill": 1})
        assert (w.modality, w.cost, w.defeated, w.tags, w.calculus) == (
            v.modality, v.cost, v.defeated, v.tags, v.calculus), (w, v)
        assert ethos.calculus == "deepcausality" and ethos.effective("child")[1] == 1
        print(v.justification)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], input=blob, capture_output=True, check=False
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().strip() == v.justification
    assert v.cost == 2.0 and v.permitted


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"tags": 5}, TypeError, "tags"),
        ({"tags": ["ok", 3]}, TypeError, "tags"),
        ({"tags": [""]}, NormError, "tag is empty"),
        ({"cost": "cheap"}, TypeError, "cost"),
        ({"cost": -1.0}, NormError, "cost"),
        ({"cost": float("nan")}, NormError, "cost"),
        ({"defeats": [1.5]}, TypeError, "defeats|id"),
        ({"defeats": "n"}, NormError, "defeat itself"),
        ({"inherits": "n"}, NormError, "specialize itself"),
        ({"decide": "sure"}, TypeError, "SPRT"),
    ],
)
def test_garbage_norm_fields_raise_clean_errors(kwargs, error, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=match):
        cl.Norm("n", "go", None, "optional", **kwargs)


def test_a_cost_on_a_norm_that_is_not_optional_is_refused() -> None:
    with pytest.raises(NormError, match="only an optional norm carries a cost") as e:
        cl.Norm("n", "go", None, "obligatory", cost=2.0)
    assert e.value.parameter == "cost"


def test_garbage_ethos_arguments_raise_clean_errors() -> None:
    with pytest.raises(NormError, match="unknown calculus"):
        cl.Ethos([], calculus="lex")
    with pytest.raises(TypeError):
        cl.Ethos([], calculus=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="action_tags"):
        cl.Ethos([], action_tags=[("go", "x")])  # type: ignore[arg-type]
    with pytest.raises(NormError, match="tag is empty"):
        cl.Ethos([], action_tags={"go": [" "]})
    ethos = cl.Ethos([cl.Norm("a", "go", None, "optional")])
    with pytest.raises(TypeError, match="iterable of action names"):
        ethos.choose("go")
    with pytest.raises(NormError, match="nothing to choose"):
        ethos.choose([])
    with pytest.raises(NormError, match="listed twice"):
        ethos.choose(["go", "go"])
    with pytest.raises(cl.errors.InvalidArgumentError, match="seed"):
        ethos.evaluate("go", seed=-1)
    with pytest.raises(TypeError):
        ethos.evaluate("go", tags=[1])
    with pytest.raises(UnknownNormError):
        ethos.effective("nope")


norm_specs = st.lists(
    st.tuples(
        st.sampled_from(["obligatory", "impermissible", "optional"]),
        st.integers(0, 2),
        st.integers(0, 2),
        st.integers(0, 3),
        st.booleans(),
        st.booleans(),
    ),
    min_size=1,
    max_size=6,
)


def build(specs: list, order: list[int], calculus: str) -> cl.Ethos:  # type: ignore[type-arg]
    norms = []
    for i, (mod, prio, spec, cost, tagged, defeats_next) in enumerate(specs):
        norms.append(
            cl.Norm(
                i,
                "go",
                None,
                mod,
                priority=prio,
                specificity=spec,
                cost=float(cost) if mod == "optional" else 0.0,
                tags=["t"] if tagged else [],
                defeats=[i + 1] if defeats_next and i + 1 < len(specs) else [],
                inherits=i - 1 if i % 4 == 3 else None,
            )
        )
    return cl.Ethos([norms[k] for k in order], calculus=calculus, action_tags={"go": ["t"]})


@settings(max_examples=150, deadline=None)
@given(
    norm_specs, st.randoms(use_true_random=False), st.sampled_from(["priority", "deepcausality"])
)
def test_resolution_does_not_depend_on_norm_insertion_order(specs, rnd, calculus) -> None:  # type: ignore[no-untyped-def]
    order = list(range(len(specs)))
    shuffled = order[:]
    rnd.shuffle(shuffled)
    a = build(specs, order, calculus).evaluate("go")
    b = build(specs, shuffled, calculus).evaluate("go")
    assert (a.modality, a.decided_by, a.cost) == (b.modality, b.decided_by, b.cost)
    assert sorted(a.applicable) == sorted(b.applicable)
    assert sorted(a.defeated) == sorted(b.defeated)
    assert sorted(a.concurring) == sorted(b.concurring)
    assert sorted(a.unresolved) == sorted(b.unresolved)


def test_a_causaloid_norm_in_a_state_machine_is_fed_the_columns_it_reads() -> None:
    crowded = cl.Causaloid("crowded", "many people", expr=col("people") > 10)
    ethos = cl.Ethos([cl.Norm("crowd", "evacuate", crowded, "impermissible")])
    assert ethos.columns == ["people"]
    csm = cl.StateMachine(
        [
            (
                cl.State("fire", "fire", cl.Causaloid("f", "fire", expr=col("smoke") > 0.5)),
                "evacuate",
            )
        ],
        ethos=ethos,
    )
    assert "people" in csm.inputs
    (f,) = csm.evaluate_all({"smoke": 0.9, "people": 20})
    assert f.outcome == "refused" and f.vetting.decided_by == "crowd"
    (f,) = csm.evaluate_all({"smoke": 0.9, "people": 2})
    assert f.outcome == "recorded"


def test_a_specialization_vets_a_state_machine_action_only_where_its_parent_holds() -> None:
    ethos = cl.Ethos(
        [
            cl.Norm("night", "*", col("night") > 0, "optional", cost=1.0, tags="energy"),
            cl.Norm("night-peak", "*", col("load") > 0.8, "impermissible", inherits="night"),
        ],
        action_tags={"vent": ["energy"]},
    )
    csm = cl.StateMachine(
        [(cl.State("hot", "hot", cl.Causaloid("t", "hot", expr=col("temp") > 28)), "vent")],
        ethos=ethos,
    )
    # By day the specialization does not apply, however high the load.
    (f,) = csm.evaluate_all({"temp": 30.0, "night": 0, "load": 0.9})
    assert f.outcome == "recorded" and f.vetting.applicable == []
    (f,) = csm.evaluate_all({"temp": 30.0, "night": 1, "load": 0.5})
    assert f.outcome == "recorded" and f.vetting.cost == 1.0
    (f,) = csm.evaluate_all({"temp": 30.0, "night": 1, "load": 0.9})
    assert f.outcome == "refused"
    assert f.vetting.defeated == [("night", "night-peak", "lex specialis", "specificity 1 > 0")]
