"""``MaybeUncertain``: an uncertain value that may be absent (a sensor that
sometimes drops out), lifted to a plain ``Uncertain`` only once its presence
is established by a sequential test."""

from __future__ import annotations

from typing import Any

import numpy as np

from causaloid._native import Decision
from causaloid._seed import Seed
from causaloid.uncertain.errors import PresenceError, UncertainKindError
from causaloid.uncertain.uncertain import (
    DEFAULT_CONFIDENCE,
    DEFAULT_EPSILON,
    DEFAULT_MAX_SAMPLES,
    DEFAULT_SAMPLES,
    Uncertain,
)


class MaybeUncertain:
    """A value present with some probability, and uncertain when present.

    Parameters
    ----------
    present : Uncertain
        Uncertain bool: is the value there in a sample?
    value : Uncertain
        The value where it is present.

    Examples
    --------
    >>> import causaloid as cl
    >>> reading = cl.MaybeUncertain.from_bernoulli_and_uncertain(0.95, cl.Uncertain.normal(20, 1))
    >>> round(reading.lift_to_uncertain(0.9, seed=1).expected_value(100_000, seed=1))
    20
    >>> flaky = cl.MaybeUncertain.from_bernoulli_and_uncertain(0.4, cl.Uncertain.normal(20, 1))
    >>> flaky.lift_to_uncertain(0.9, seed=1)
    Traceback (most recent call last):
    ...
    causaloid.uncertain.errors.PresenceError: presence not established: P(present) > 0.9 ...
    """

    __slots__ = ("present", "value")

    def __init__(self, present: Uncertain, value: Uncertain) -> None:
        if not isinstance(present, Uncertain) or not present.is_bool:
            raise UncertainKindError(
                "present must be an uncertain bool",
                {"operation": "MaybeUncertain", "expected": "bool", "found": repr(present)},
            )
        if not isinstance(value, Uncertain):
            raise TypeError(f"value must be an Uncertain, got {value!r}")
        self.present = present
        self.value = value

    @classmethod
    def from_bernoulli_and_uncertain(cls, p_present: float, value: Uncertain) -> MaybeUncertain:
        """Present with probability ``p_present``; ``value`` when present."""
        return cls(Uncertain.bernoulli(p_present), value)

    @classmethod
    def from_uncertain(cls, value: Uncertain) -> MaybeUncertain:
        """Always present."""
        return cls(Uncertain.point(True), value)

    @classmethod
    def from_value(cls, value: float) -> MaybeUncertain:
        """Always present and certain."""
        return cls(Uncertain.point(True), Uncertain.point(value))

    @classmethod
    def always_none(cls) -> MaybeUncertain:
        """Never present.

        >>> MaybeUncertain.always_none().probability_present(10, seed=0)
        0.0
        """
        return cls(Uncertain.point(False), Uncertain.point(float("nan")))

    def is_present(self) -> Uncertain:
        """The uncertain bool of presence."""
        return self.present

    def probability_present(self, n: int = DEFAULT_SAMPLES, seed: Seed = None) -> float:
        """Fraction of ``n`` samples in which the value is present."""
        return self.present.probability(n, seed)

    def sample(self, n: int = DEFAULT_SAMPLES, seed: Seed = None) -> np.ndarray:
        """``n`` samples of the value, NaN where it is absent (one pass, so
        presence and value are drawn jointly).

        >>> m = MaybeUncertain.from_bernoulli_and_uncertain(0.5, Uncertain.point(1.0))
        >>> m.sample(4, seed=2).tolist()
        [nan, nan, 1.0, nan]
        """
        value = self.value if not self.value.is_bool else self.value.where(1.0, 0.0)
        return self.present.where(value, float("nan")).sample(n, seed)

    def lift_to_uncertain(
        self,
        threshold: float = 0.5,
        confidence: float = DEFAULT_CONFIDENCE,
        epsilon: float = DEFAULT_EPSILON,
        max_samples: int = DEFAULT_MAX_SAMPLES,
        seed: Seed = None,
    ) -> Uncertain:
        """The value as a plain :class:`Uncertain`, once a sequential test has
        established P(present) > ``threshold`` at ``confidence``; raises
        :class:`PresenceError` (with ``err.decision``) otherwise."""
        decision: Decision = self.present.probability_exceeds(
            threshold, confidence=confidence, epsilon=epsilon, max_samples=max_samples, seed=seed
        )
        if not decision:
            raise PresenceError(
                f"presence not established: P(present) > {threshold} is rejected "
                f"(estimate {decision.estimate:.3f} after {decision.samples} samples, "
                f"confidence {confidence})",
                {"decision": decision, "threshold": threshold},
            )
        return self.value

    def _combine(self, other: Any, op: str) -> Any:
        value: Uncertain | float
        if isinstance(other, MaybeUncertain):
            present, value = self.present & other.present, other.value
        elif isinstance(other, (Uncertain, int, float)):
            present, value = self.present, other
        else:
            return NotImplemented
        ops = {
            "add": lambda a, b: a + b,
            "sub": lambda a, b: a - b,
            "mul": lambda a, b: a * b,
            "div": lambda a, b: a / b,
        }
        return MaybeUncertain(present, ops[op](self.value, value))

    def __add__(self, other: Any) -> MaybeUncertain:
        return self._combine(other, "add")  # type: ignore[no-any-return]

    def __sub__(self, other: Any) -> MaybeUncertain:
        return self._combine(other, "sub")  # type: ignore[no-any-return]

    def __mul__(self, other: Any) -> MaybeUncertain:
        return self._combine(other, "mul")  # type: ignore[no-any-return]

    def __truediv__(self, other: Any) -> MaybeUncertain:
        return self._combine(other, "div")  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"MaybeUncertain(present={self.present!r}, value={self.value!r})"
