"""How causaloids decide on uncertain inputs. The engine evaluates a structure
on seeded samples of its uncertain inputs through the same compiled programs
as any batch; a bool a causaloid decides is settled by the SPRT with the
parameters set on it (:class:`SPRT`), and each decision is explained."""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from causaloid.uncertain.errors import UncertainParameterError
from causaloid.uncertain.uncertain import (
    DEFAULT_CONFIDENCE,
    DEFAULT_EPSILON,
    DEFAULT_MAX_SAMPLES,
    Uncertain,
    check_count,
    check_seed,
)


@dataclass(frozen=True)
class SPRT:
    """How a causaloid decides an uncertain bool: is P(true) > ``threshold``,
    at ``confidence``, with indifference region ``± epsilon``, drawing at
    most ``max_samples``. ``seed`` is the sampling seed when this causaloid is
    the one evaluated (None: the fixed ``DEFAULT_SEED``).

    Examples
    --------
    >>> import causaloid as cl
    >>> fast = cl.Causaloid("fast", "speed over 60", fn=lambda v: v > 60.0,
    ...                     decide=cl.uncertain.SPRT(threshold=0.9, seed=1))
    >>> fast.evaluate(cl.Uncertain.normal(75.0, 5.0)).value
    True
    """

    threshold: float = 0.5
    confidence: float = DEFAULT_CONFIDENCE
    epsilon: float = DEFAULT_EPSILON
    max_samples: int = DEFAULT_MAX_SAMPLES
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("threshold", "confidence", "epsilon"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise UncertainParameterError(
                    f"{name} must be a real number, got {v!r}",
                    {"parameter": name, "value": repr(v), "expected": "a real number"},
                )
        if not 0.0 <= self.threshold <= 1.0:
            raise UncertainParameterError(
                f"threshold must be in [0, 1], got {self.threshold}",
                {"parameter": "threshold", "value": repr(self.threshold), "expected": "in [0, 1]"},
            )
        if not 0.0 < self.confidence < 1.0:
            raise UncertainParameterError(
                f"confidence must be strictly between 0 and 1, got {self.confidence}",
                {
                    "parameter": "confidence",
                    "value": repr(self.confidence),
                    "expected": "in (0, 1)",
                },
            )
        if not 0.0 < self.epsilon < 0.5:
            raise UncertainParameterError(
                f"epsilon must be in (0, 0.5), got {self.epsilon}",
                {"parameter": "epsilon", "value": repr(self.epsilon), "expected": "in (0, 0.5)"},
            )
        check_count(self.max_samples, "max_samples")
        check_seed(self.seed)

    def decide(self, u: Uncertain) -> Any:
        """The :class:`~causaloid.uncertain.Decision` on the uncertain bool ``u``."""
        return u.probability_exceeds(
            self.threshold, self.confidence, self.epsilon, self.max_samples, self.seed
        )

    @property
    def params(self) -> tuple[float, float, float, int]:
        """(threshold, confidence, epsilon, max_samples), as the engine reads them."""
        return (
            float(self.threshold),
            float(self.confidence),
            float(self.epsilon),
            int(self.max_samples),
        )


DEFAULT_SPRT = SPRT()

DEFAULT_SEED = 0
"""The sampling seed of an evaluation on uncertain inputs when none is given:
fixed, so the same call decides the same way in every run."""


def fresh_seed() -> int:
    """A new seed from the operating system, for callers who want fresh
    randomness on each evaluation (``evaluate(x, seed=fresh_seed())``)."""
    return int.from_bytes(os.urandom(8), "little") >> 1


def decide(node_id: Any, out: Uncertain, sprt: SPRT | None) -> bool:
    """Decides an uncertain bool a Python causal function returned (on
    certain inputs) by the engine's SPRT, with the causaloid's parameters."""
    sprt = sprt or DEFAULT_SPRT
    seed = DEFAULT_SEED if sprt.seed is None else sprt.seed
    return bool(
        out.probability_exceeds(
            sprt.threshold, sprt.confidence, sprt.epsilon, sprt.max_samples, seed
        )
    )


def has_uncertain(x: Any, value: Any) -> bool:
    """Whether an input to ``evaluate`` holds an uncertain value."""
    if isinstance(x, Uncertain) or isinstance(value, Uncertain):
        return True
    if isinstance(x, Mapping):
        return any(isinstance(v, Uncertain) for v in x.values())
    return False


def native_cell(v: Any) -> Any:
    """What the engine reads for one input cell: an Uncertain's native node,
    or the plain value."""
    return v._node if isinstance(v, Uncertain) else v


__all__ = ["DEFAULT_SEED", "SPRT", "decide", "fresh_seed", "has_uncertain"]
