"""A model's ethos: norms changed by operation programs (atomically, logged,
replayed, diffed, explained), vetting the actions a model proposes, and the
JSON / pickle round trips of a model holding one."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid.ethos.errors import RelationError, UnknownNormError

col = cl.expr.col


def fire() -> cl.Causaloid:
    return cl.Causaloid("fire", "smoke seen", expr=col("smoke") > 0.5)


def duty() -> cl.Norm:
    return cl.Norm("duty", "evacuate", None, "obligatory")


def ban(priority: int = 10) -> cl.Norm:
    return cl.Norm(
        "two-sensors", "evacuate", col("agreeing") < 2, "impermissible", priority=priority
    )


def model(ethos: cl.Ethos | None = None) -> cl.Model:
    return cl.Model("m", "fire model", fire(), ethos=ethos)


# ---- vetting -----------------------------------------------------------------------------


def test_a_model_vets_the_action_it_proposes_through_its_ethos() -> None:
    m = model(cl.Ethos([duty(), ban()]))
    refused = m.vet("evacuate", {"smoke": 0.9, "agreeing": 1})
    assert refused.outcome == "refused" and not refused
    assert refused.verdict.decided_by == "two-sensors"
    assert "impermissible" in refused.justification
    permitted = m.vet("evacuate", {"smoke": 0.9, "agreeing": 2})
    assert permitted.outcome == "permitted" and permitted
    assert permitted.verdict.modality == "obligatory"
    idle = m.vet("evacuate", {"smoke": 0.1, "agreeing": 1})
    assert idle.outcome == "not proposed" and idle.verdict is None
    assert "not proposed" in str(idle)
    assert idle.effect.value is False


def test_a_norm_sees_the_models_verdict_as_verdict() -> None:
    weak = cl.Norm("weak", "evacuate", col("verdict") < 0.9, "impermissible")
    graded = cl.Causaloid("g", "degree", expr=col("smoke"))
    m = cl.Model("m", "", graded, ethos=cl.Ethos([weak]))
    assert m.vet("evacuate", {"smoke": 0.7}).outcome == "refused"
    assert m.vet("evacuate", {"smoke": 0.95}).outcome == "permitted"


def test_a_model_without_an_ethos_permits_what_it_proposes() -> None:
    v = model().vet("evacuate", {"smoke": 0.9})
    assert v.outcome == "permitted" and v.verdict.modality == "optional"


def test_vetting_a_number_is_a_clear_error() -> None:
    m = cl.Model("m", "", cl.Causaloid("n", "", expr=col("x") * 3.0))
    with pytest.raises(cl.errors.InvalidArgumentError, match="not a verdict"):
        m.vet("act", {"x": 2.0})
    with pytest.raises(TypeError, match="action"):
        model().vet(3, {"smoke": 1.0})  # type: ignore[arg-type]


def test_tags_and_time_reach_the_ethos() -> None:
    tagged = cl.Norm("people-inside", "evacuate", None, "impermissible", tags="people", time=100)
    m = model(cl.Ethos([duty(), tagged]))
    assert m.vet("evacuate", {"smoke": 0.9}).permitted  # untagged action: the tag does not vet
    assert not m.vet("evacuate", {"smoke": 0.9}, tags="people").permitted
    assert m.vet("evacuate", {"smoke": 0.9}, tags="people", time=50).permitted


# ---- operation programs on norms ------------------------------------------------------------


def test_operation_programs_add_update_and_remove_norms_atomically() -> None:
    m = model()
    m2, log = m.apply([cl.ops.add_norm(duty()), cl.ops.add_norm(ban())])
    assert m.ethos is None
    assert [n.id for n in m2.ethos.norms] == ["duty", "two-sensors"]
    assert m2.ethos.norms[1] is not None and m2.ethos.norms[1].priority == 10
    assert m2.vet("evacuate", {"smoke": 0.9, "agreeing": 1}).outcome == "refused"
    text = log.explain()
    assert 'added norm "duty"' in text and "now has one" in text
    m3, log3 = m2.apply([cl.ops.update_norm(ban(priority=-5)), cl.ops.remove_norm("duty")])
    assert len(m2.ethos) == 2 and len(m3.ethos) == 1
    assert m3.ethos.norms[0].priority == -5
    assert "updated norm" in log3.summaries[0] and "removed norm" in log3.summaries[1]
    # All or nothing: the second operation fails, nothing changes.
    with pytest.raises(UnknownNormError) as info:
        m2.apply([cl.ops.remove_norm("two-sensors"), cl.ops.remove_norm("nowhere")])
    assert info.value.operation == 1 and info.value.op == "remove_norm"  # type: ignore[attr-defined]
    assert len(m2.ethos) == 2


def test_a_norm_named_by_another_cannot_be_removed_by_a_program() -> None:
    strong = cl.Norm("strong", "evacuate", None, "obligatory", defeats="two-sensors")
    m = model(cl.Ethos([ban(), strong]))
    with pytest.raises(RelationError):
        m.apply([cl.ops.remove_norm("two-sensors")])
    m2, _ = m.apply([cl.ops.remove_norm("strong"), cl.ops.remove_norm("two-sensors")])
    assert len(m2.ethos) == 0


def test_set_ethos_replaces_or_drops_the_ethos() -> None:
    m = model(cl.Ethos([duty()]))
    other = cl.Ethos([ban()], calculus="deepcausality")
    m2, log = m.apply(cl.ops.set_ethos(other))
    assert m2.ethos is not None and m2.ethos.calculus == "deepcausality"
    assert "deepcausality calculus" in log.explain()
    m3, _ = m2.apply(cl.ops.set_ethos(None))
    assert m3.ethos is None
    with pytest.raises(TypeError):
        cl.ops.set_ethos("ethos")


def test_a_norm_log_replays_diffs_and_round_trips_as_json_and_pickle() -> None:
    m = model()
    program = [cl.ops.add_norm(duty()), cl.ops.add_norm(ban())]
    m2, log = m.apply(program)
    back = cl.ops.ModificationLog.from_json(log.to_json())
    assert back.explain() == log.explain()
    assert back.operations[0].norm.id == "duty"
    assert m.replay(back)[0].to_json() == m2.to_json()
    assert pickle.loads(pickle.dumps(log)).explain() == log.explain()
    assert log.diff(back).common == 2
    other_log = m.apply([cl.ops.add_norm(ban())])[1]
    assert log.diff(other_log).common == 0
    # Model.diff: the program between two models, both ways.
    forward = m.diff(m2)
    assert [op.name for op in forward] == ["set_ethos"]
    assert m.apply(forward)[0].to_json() == m2.to_json()
    changed, _ = m2.apply([cl.ops.update_norm(ban(priority=3))])
    ops = m2.diff(changed)
    assert [op.name for op in ops] == ["update_norm"]
    assert ops[0].norm.priority == 3
    assert m2.apply(ops)[0].to_json() == changed.to_json()


def test_a_program_read_from_json_rebuilds_python_norms() -> None:
    program = [cl.ops.add_norm(ban()), cl.ops.add_norm(duty())]
    read = cl.ops.program_from_json(cl.ops.program_to_json(program))
    assert [op.name for op in read] == ["add_norm", "add_norm"]
    norm = read[0].norm
    assert (norm.id, norm.action, norm.modality.value, norm.priority) == (
        "two-sensors",
        "evacuate",
        "impermissible",
        10,
    )
    m2, _ = model().apply(read)
    assert m2.vet("evacuate", {"smoke": 0.9, "agreeing": 1}).outcome == "refused"


def test_a_norm_with_a_python_predicate_applies_but_has_no_json_form() -> None:
    py = cl.Norm("py", "evacuate", lambda ctx: ctx["agreeing"] < 2, "impermissible")
    m2, log = model().apply([cl.ops.add_norm(py)])
    assert m2.ethos.norms[0] is py
    assert m2.vet("evacuate", {"smoke": 0.9, "agreeing": 1}).outcome == "refused"
    with pytest.raises(cl.errors.SerializationError, match="host-language predicate"):
        log.to_json()


def test_norms_reading_a_model_context_see_it_change_through_a_program() -> None:
    limits = cl.Context(1, "limits").add(cl.Data("max", 2.0))
    n = cl.Norm(
        "few",
        "evacuate",
        col("agreeing") < cl.expr.ctx_value("max", context="limits"),
        "impermissible",
        context=limits,
    )
    m = cl.Model("m", "", fire(), context=limits, ethos=cl.Ethos([n]))
    assert m.vet("evacuate", {"smoke": 0.9, "agreeing": 2}).permitted
    m2, _ = m.apply([cl.ops.set_field("limits", "max", "value", 3.0)])
    assert not m2.vet("evacuate", {"smoke": 0.9, "agreeing": 2}).permitted
    assert m.vet("evacuate", {"smoke": 0.9, "agreeing": 2}).permitted
    assert limits.value("max") == 2.0


# ---- JSON and pickles ---------------------------------------------------------------------------


def test_a_model_with_an_ethos_round_trips_through_json_and_pickle(tmp_path: Path) -> None:
    ethos = cl.Ethos([duty(), ban()], calculus="deepcausality", action_tags={"evacuate": "doors"})
    m = model(ethos)
    back = cl.Model.from_json(m.to_json(), "m", "fire model")
    assert back.to_json() == m.to_json()
    assert back.ethos is not None and back.ethos.calculus == "deepcausality"
    assert back.ethos.action_tags == {"evacuate": ("doors",)}
    unpickled = pickle.loads(pickle.dumps(m))
    rows = [{"smoke": s, "agreeing": a} for s in (0.1, 0.9) for a in (1, 3)]
    outcomes = [m.vet("evacuate", r).outcome for r in rows]
    assert [back.vet("evacuate", r).outcome for r in rows] == outcomes
    assert [unpickled.vet("evacuate", r).outcome for r in rows] == outcomes
    path = tmp_path / "m.pkl"
    path.write_bytes(pickle.dumps(m))
    code = textwrap.dedent(
        f"""
        import pickle
        m = pickle.loads(open({str(path)!r}, "rb").read())
        rows = [{{"smoke": s, "agreeing": a}} for s in (0.1, 0.9) for a in (1, 3)]
        print([m.vet("evacuate", r).outcome for r in rows])
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == repr(outcomes)


def test_equal_ethe_write_equal_model_json_whatever_the_order_of_their_norms() -> None:
    a = model(cl.Ethos([duty(), ban()]))
    b = model(cl.Ethos([ban(), duty()]))
    assert a.to_json() == b.to_json()
    assert a.diff(b) == []


NORMS = st.lists(
    st.tuples(
        st.sampled_from(["evacuate", "*", "vent"]),
        st.integers(-3, 3),
        st.sampled_from(["obligatory", "impermissible", "optional"]),
        st.booleans(),
    ),
    max_size=5,
)


def _ethos(spec: list[tuple[str, int, str, bool]]) -> cl.Ethos:
    norms: list[cl.Norm] = []
    for i, (action, prio, modality, relate) in enumerate(spec):
        defeats = (norms[-1].id,) if relate and norms else ()
        norms.append(
            cl.Norm(
                f"n{i}", action, col("agreeing") < prio, modality, priority=prio, defeats=defeats
            )
        )
    return cl.Ethos(norms)


@settings(max_examples=30, deadline=None)
@given(NORMS, NORMS)
def test_applying_the_diff_of_two_models_gives_the_second(a: list, b: list) -> None:
    ma, mb = model(_ethos(a)), model(_ethos(b))
    got, log = ma.apply(ma.diff(mb))
    assert got.to_json() == mb.to_json()
    for agreeing in (-4, 0, 4):
        row = {"smoke": 0.9, "agreeing": agreeing}
        assert got.vet("evacuate", row).outcome == mb.vet("evacuate", row).outcome
    assert len(log) == len(ma.diff(mb))
