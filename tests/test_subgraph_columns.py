"""A part of a graph needs only the columns its own nodes read."""

from __future__ import annotations

import pytest

import causaloid as cl
from causaloid.expr import col, value


def _plant() -> cl.CausalGraph:
    g = cl.CausalGraph("plant")
    g.add(cl.Causaloid("smoke", expr=col("smoke") > 0.5))
    g.add(cl.Causaloid("heat", expr=col("temp") > 60.0))
    g.add(cl.Causaloid("alarm", expr=value() & (col("siren_ok") > 0.5)))
    g.link("smoke", "alarm")
    g.link("heat", "alarm")
    return g.freeze()


def test_evaluate_single_reads_only_its_node() -> None:
    g = _plant()
    assert g.evaluate_single("heat", {"temp": 80.0}).value is True


def test_evaluate_from_and_path_need_only_their_part() -> None:
    g = _plant()
    assert g.evaluate_from("alarm", {"siren_ok": 1.0}, value=True).value is True
    assert g.evaluate_path("heat", "alarm", {"temp": 80.0, "siren_ok": 1.0}).value is True


def test_a_column_the_part_reads_is_still_required() -> None:
    g = _plant()
    with pytest.raises(cl.errors.UnknownColumnError) as info:
        g.evaluate_path("heat", "alarm", {"temp": 80.0})
    assert info.value.column == "siren_ok"
    with pytest.raises(cl.errors.UnknownColumnError):
        g.evaluate({"temp": 80.0, "siren_ok": 1.0})
