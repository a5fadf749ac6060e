"""The GPS speeding example: the naive check raises many false alarms, the
SPRT decision keeps them at or below 1 - confidence."""

from __future__ import annotations

import importlib.util
from pathlib import Path

EXAMPLE = Path(__file__).parent.parent / "examples" / "gps_speeding.py"


def load():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gps_speeding", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_false_alarms_naive_versus_probability_exceeds() -> None:
    gps = load()
    result = gps.simulate(trips=1000, true_speed=25.0, seed=2014)
    # Exact counts: the simulation uses the library's pinned, seeded generator.
    assert result["naive_alarms"] == 126
    assert result["uncertain_alarms"] == 7
    assert result["uncertain_alarms"] / result["trips"] <= 1 - 0.95
    assert result["naive_alarms"] / result["trips"] > 0.1
    assert result["mean_samples"] < 50


def test_a_driver_truly_over_the_limit_is_still_caught() -> None:
    gps = load()
    result = gps.simulate(trips=200, true_speed=36.0, seed=7)
    assert result["uncertain_alarms"] == 192
