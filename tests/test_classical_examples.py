"""The classical models of examples/classical give their known numbers:
potential outcomes, a Granger comparison over a context, a dynamic Bayesian
network filtered forward, a structural model observed and intervened on."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

HERE = Path(__file__).parent.parent / "examples" / "classical"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"classical_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_potential_outcomes_give_the_closed_form_ate() -> None:
    out = load("potential_outcomes").main()
    assert abs(out["ate"] - out["closed_form"]) < 1e-9
    assert out["one"] == -10.0 - 0.2 * 20.0


def test_granger_finds_the_true_direction_only() -> None:
    out = load("granger").main()
    assert out["x->y"] > 3.0
    assert out["y->x"] < 3.0


def test_the_unrolled_network_equals_the_forward_algorithm() -> None:
    out = load("dynamic_bayes").main()
    assert np.max(np.abs(out["beliefs"] - out["by_hand"])) < 1e-12
    assert out["final"] == out["beliefs"][-1]


def test_the_structural_model_observes_and_intervenes_exactly() -> None:
    out = load("structural_model").main()
    assert out["observed"] == out["by_hand_observed"]
    assert out["intervened"] == out["by_hand_do"]
