"""Exceptions of structural causal models.

Each is a :class:`~causaloid.errors.CausalError` and, where Python convention
expects it, a built-in exception too (an unknown variable is a ``KeyError``, an
impossible request a ``ValueError``). The structured detail is available as
attributes (``err.variable``, ``err.row`` ...).
"""

from __future__ import annotations

from typing import Any

from causaloid.errors import CausalError, CycleError


class SCMError(CausalError):
    """Base class of the errors raised by :mod:`causaloid.scm`."""


class UnknownVariableError(SCMError, KeyError):
    """A variable the model does not have (``err.variable``, ``err.available``)."""

    variable: str
    available: list[str]

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class DuplicateVariableError(SCMError, ValueError):
    """A variable declared twice (``err.variable``)."""

    variable: str


class SCMCycleError(SCMError, CycleError):
    """The edges form a cycle (``err.path`` lists the variables along it)."""

    path: list[Any]


class EquationError(SCMError, ValueError):
    """An equation is malformed or failed: it reads a variable that is not one
    of its parents, or its Python function raised (chained as ``__cause__``)
    (``err.variable``)."""

    variable: str


class NotFittedError(SCMError, ValueError):
    """A variable has no equation yet; give one or call ``fit(table)``
    (``err.variable``)."""

    variable: str


class NotInvertibleError(SCMError, ValueError):
    """A counterfactual needs the noise of a variable whose noise cannot be
    solved from an observation (non-additive noise) (``err.variable``)."""

    variable: str


class MissingObservationError(SCMError, ValueError):
    """The observed data has a missing value (NaN) (``err.variable``, ``err.row``)."""

    variable: str
    row: int


class InconsistentObservationError(SCMError, ValueError):
    """An observation that a noise-free variable cannot take
    (``err.variable``, ``err.row``, ``err.observed``, ``err.predicted``)."""

    variable: str
    row: int
    observed: float
    predicted: float


class NoiseOutOfRangeError(SCMError, ValueError):
    """An observation that would need a noise value its bounded distribution
    cannot take (``err.variable``, ``err.row``, ``err.noise``, ``err.low``,
    ``err.high``)."""

    variable: str
    row: int
    noise: float
    low: float
    high: float


class NoiseOutOfSupportError(NoiseOutOfRangeError):
    """With ``counterfactual(..., strict=True)``: an observation whose
    abducted noise lies outside the range of its empirical noise distribution
    — noise the model has never seen, so the prediction would extrapolate
    (``err.variable``, ``err.row``, ``err.noise``, ``err.low``, ``err.high``,
    ``err.values``: the size of the distribution)."""

    values: int


class FitError(SCMError, ValueError):
    """An equation cannot be fitted from the data (``err.variable``)."""

    variable: str


class SCMMemoryError(SCMError, MemoryError):
    """The requested number of rows does not fit in memory (``err.rows``)."""

    rows: int


__all__ = [
    "DuplicateVariableError",
    "EquationError",
    "FitError",
    "InconsistentObservationError",
    "MissingObservationError",
    "NotFittedError",
    "NoiseOutOfRangeError",
    "NoiseOutOfSupportError",
    "NotInvertibleError",
    "SCMCycleError",
    "SCMError",
    "SCMMemoryError",
    "UnknownVariableError",
]
