"""The state-machine examples decide what their stories say they decide."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).parent.parent / "examples"


def run_main(name: str) -> Any:
    return runpy.run_path(str(EXAMPLES / name), run_name="not_main")["main"]()


def test_fire_alarm_refuses_the_lone_reactor_evacuation_only() -> None:
    out = run_main("fire_alarm.py")
    assert out["refused"] == [160]  # the explosion glitch in the reactor hall
    assert out["counts"][("explosion", "fired")] == 15  # the real incident, 455..469
    assert out["counts"][("fire", "fired")] == 31
    assert out["same"]


def test_flight_envelope_keeps_stall_protection_on_untrusted_airspeed() -> None:
    out = run_main("flight_envelope.py")
    assert out["refused"] == 179
    assert out["counts"][("envelope", "refused")] == 41
    assert out["counts"][("stall", "fired")] == 41
    assert out["counts"][("sensor-fault", "recorded")] == 90  # the frozen probe, 150..239
    assert out["same"]
