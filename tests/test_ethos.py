"""The ethos judges proposed actions defeasibly and says why."""

from __future__ import annotations

import datetime as dt
import pickle

import pytest

import causaloid as cl
from causaloid.ethos.errors import (
    DuplicateNormError,
    MissingContextError,
    ModalityError,
    NormError,
    PredicateError,
    UnknownNormError,
)

col = cl.expr.col


def test_lex_superior_decides_a_conflict_the_other_rules_would_decide_the_other_way() -> None:
    # The loser is more specific and more recent: only priority makes it lose.
    ethos = cl.Ethos(
        [
            cl.Norm("safety", "evacuate", None, "obligatory", priority=10, specificity=1, time=1),
            cl.Norm("quiet", "evacuate", None, "impermissible", priority=1, specificity=5, time=9),
        ]
    )
    v = ethos.evaluate("evacuate")
    assert v.modality == "obligatory" and v.permitted
    assert v.decided_by == "safety"
    assert v.defeated == [("quiet", "safety", "lex superior", "priority 10 > 1")]
    assert 'norm "quiet" defeated by norm "safety": lex superior' in v.justification


def test_lex_specialis_decides_between_equal_priorities() -> None:
    # The specific norm is the older one: only specificity makes it win.
    ethos = cl.Ethos(
        [
            cl.Norm("general", "evacuate", None, "obligatory", priority=5, specificity=1, time=9),
            cl.Norm(
                "reactor", "evacuate", None, "impermissible", priority=5, specificity=3, time=1
            ),
        ]
    )
    v = ethos.evaluate("evacuate")
    assert not v and v.modality == "impermissible"
    assert v.defeated == [("general", "reactor", "lex specialis", "specificity 3 > 1")]


def test_lex_posterior_decides_between_equal_priority_and_specificity() -> None:
    ethos = cl.Ethos(
        [
            cl.Norm(
                "new",
                "sell",
                None,
                "optional",
                priority=2,
                specificity=2,
                time=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
            ),
            cl.Norm(
                "old",
                "sell",
                None,
                "impermissible",
                priority=2,
                specificity=2,
                time=dt.datetime(2001, 1, 1, tzinfo=dt.timezone.utc),
            ),
        ]
    )
    v = ethos.evaluate("sell")
    assert v.permitted and v.modality == "optional"
    assert v.defeated[0][:3] == ("old", "new", "lex posterior")
    # Judged as of 2010 the newer norm is not yet in force.
    then = ethos.evaluate("sell", time=dt.datetime(2010, 1, 1, tzinfo=dt.timezone.utc))
    assert then.modality == "impermissible" and then.defeated == []


def test_predicates_select_the_applicable_norms_from_the_context() -> None:
    ethos = cl.Ethos(
        [
            cl.Norm("fire", "evacuate", col("heat") > 80, "obligatory"),
            cl.Norm("two-sensors", "evacuate", col("agreeing") < 2, "impermissible", priority=10),
            cl.Norm(
                "manual",
                "evacuate",
                lambda ctx: ctx.get("mode") == "manual",
                "optional",
                priority=20,
            ),
        ]
    )
    assert not ethos.evaluate("evacuate", {"heat": 95.0, "agreeing": 1, "mode": "auto"})
    v = ethos.evaluate("evacuate", {"heat": 95.0, "agreeing": 2, "mode": "auto"})
    assert v.modality == "obligatory" and v.applicable == ["fire"]
    v = ethos.evaluate("evacuate", {"heat": 95.0, "agreeing": 1, "mode": "manual"})
    assert v.modality == "optional" and v.decided_by == "manual"
    assert [d[0] for d in v.defeated] == ["fire", "two-sensors"]
    none = ethos.evaluate("alert", {"heat": 1.0, "agreeing": 0})
    assert none.permitted and none.decided_by is None and "no norm applies" in str(none)


def test_a_predicate_may_read_the_action_too() -> None:
    ethos = cl.Ethos(
        [cl.Norm("no-sell", "*", lambda action, ctx: action.startswith("sell"), "impermissible")]
    )
    assert not ethos.evaluate("sell_all", {})
    assert ethos.evaluate("buy", {})


def test_a_tie_no_rule_decides_is_refused_by_caution() -> None:
    ethos = cl.Ethos(
        [
            cl.Norm("a", "go", None, "obligatory"),
            cl.Norm("b", "go", None, "impermissible"),
        ]
    )
    v = ethos.evaluate("go")
    # The forbidding norm is named as deciding, whatever the insertion order.
    assert not v and v.decided_by == "b" and v.unresolved == ["a"]
    assert "no rule decides" in v.justification


def test_bad_norms_raise_precise_errors_and_change_nothing() -> None:
    with pytest.raises(ModalityError, match="mandatory") as e:
        cl.Norm("n", "go", None, "mandatory")
    assert e.value.modality == "mandatory"
    assert isinstance(e.value, ValueError)
    with pytest.raises(NormError, match="time"):
        cl.Norm("n", "go", None, "optional", time=float("nan"))
    with pytest.raises(TypeError, match="priority"):
        cl.Norm("n", "go", None, "optional", priority=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="predicate"):
        cl.Norm("n", "go", 42, "optional")  # type: ignore[arg-type]
    ethos = cl.Ethos([cl.Norm("n", "go", col("x") > 1, "optional")])
    with pytest.raises(DuplicateNormError):
        ethos.add(cl.Norm("n", "go", None, "optional"))
    with pytest.raises(UnknownNormError) as e2:
        ethos.remove("zz")
    assert e2.value.norm_id == "zz"
    assert len(ethos) == 1
    with pytest.raises(MissingContextError, match='reads "x"') as e3:
        ethos.evaluate("go", {"y": 1.0})
    assert e3.value.column == "x"


def test_a_failing_predicate_is_chained() -> None:
    def boom(ctx: object) -> bool:
        raise RuntimeError("sensor bus down")

    ethos = cl.Ethos([cl.Norm("n", "go", boom, "optional")])
    with pytest.raises(PredicateError, match="sensor bus down") as e:
        ethos.evaluate("go", {})
    assert isinstance(e.value.__cause__, RuntimeError)
    bad = cl.Ethos([cl.Norm("n", "go", lambda ctx: "yes", "optional")])
    with pytest.raises(PredicateError, match="not a bool"):
        bad.evaluate("go", {})


def test_norms_can_be_updated_and_removed() -> None:
    ethos = cl.Ethos([cl.Norm("n", "go", None, "impermissible")])
    assert not ethos.evaluate("go")
    ethos.update(cl.Norm("n", "go", None, "optional"))
    assert ethos.evaluate("go")
    ethos.remove("n")
    assert len(ethos) == 0 and ethos.evaluate("go").decided_by is None


def test_an_ethos_pickles() -> None:
    ethos = cl.Ethos([cl.Norm("n", "go", col("x") > 1, "impermissible", priority=3)])
    back = pickle.loads(pickle.dumps(ethos))
    assert not back.evaluate("go", {"x": 2.0})
    assert back.norms[0].priority == 3


def test_norms_are_immutable_so_no_change_is_silently_ignored() -> None:
    n = cl.Norm("n", "go", None, "optional")
    with pytest.raises(AttributeError, match="update"):
        n.priority = 5
