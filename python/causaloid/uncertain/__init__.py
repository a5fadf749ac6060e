"""Uncertain values: distributions combined by arithmetic into a lazy graph,
sampled natively with seeds, and decided by sequential probability ratio tests.

>>> import causaloid as cl
>>> x = cl.Uncertain.normal(0.0, 1.0)
>>> float((x - x).sample(3, seed=1).sum())
0.0
"""

from __future__ import annotations

from causaloid._native import Decision
from causaloid.uncertain import errors
from causaloid.uncertain.causal import DEFAULT_SEED, SPRT, fresh_seed
from causaloid.uncertain.errors import (
    MapError,
    PresenceError,
    UncertainError,
    UncertainKindError,
    UncertainParameterError,
    UncertainTruthError,
    UncertainZeroDivisionError,
)
from causaloid.uncertain.maybe import MaybeUncertain
from causaloid.uncertain.uncertain import DEFAULT_SAMPLES, Uncertain

__all__ = [
    "DEFAULT_SAMPLES",
    "DEFAULT_SEED",
    "fresh_seed",
    "Decision",
    "MapError",
    "MaybeUncertain",
    "PresenceError",
    "SPRT",
    "Uncertain",
    "UncertainError",
    "UncertainKindError",
    "UncertainParameterError",
    "UncertainTruthError",
    "UncertainZeroDivisionError",
    "errors",
]
