"""Exogenous noise terms and linear equations of a structural causal model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Normal:
    """Gaussian noise ``N(mean, std²)``.

    >>> Normal(0.0, 2.0)
    Normal(mean=0.0, std=2.0)
    """

    mean: float = 0.0
    std: float = 1.0

    def _spec(self) -> tuple[Any, ...]:
        return ("normal", float(self.mean), float(self.std))


@dataclass(frozen=True)
class Uniform:
    """Uniform noise on ``[low, high)``.

    >>> Uniform(-1.0, 1.0).high
    1.0
    """

    low: float = 0.0
    high: float = 1.0

    def _spec(self) -> tuple[Any, ...]:
        return ("uniform", float(self.low), float(self.high))


@dataclass(frozen=True, eq=False)
class Empirical:
    """Noise resampled uniformly from observed values (e.g. residuals).

    >>> Empirical([0.1, -0.2, 0.1]).values.shape
    (3,)
    """

    values: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "values", np.ascontiguousarray(np.asarray(self.values, dtype=np.float64))
        )

    def _spec(self) -> tuple[Any, ...]:
        return ("empirical", self.values)

    def __repr__(self) -> str:
        return f"Empirical({self.values.shape[0]} values)"


NoiseLike = Normal | Uniform | Empirical | None


@dataclass(frozen=True)
class Linear:
    """A linear structural equation ``intercept + Σ coefs[p] · p``.

    The coefficients name the parents. :meth:`SCM.fit <causaloid.SCM.fit>`
    fits them by least squares.

    >>> Linear(1.0, {"x": 2.0}).coefs
    {'x': 2.0}
    """

    intercept: float = 0.0
    coefs: Mapping[str, float] = field(default_factory=dict)


def noise_spec(noise: NoiseLike, name: str) -> tuple[Any, ...]:
    """The engine's spec of a noise term."""
    if noise is None:
        return ("none",)
    if isinstance(noise, (Normal, Uniform, Empirical)):
        return noise._spec()
    raise TypeError(
        f"noise of {name!r} must be cl.scm.Normal, Uniform, Empirical or None; "
        f"got {type(noise).__name__}"
    )
