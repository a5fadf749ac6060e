"""Exceptions of uncertain values: bad parameters, operands of the wrong kind,
failures found while sampling, and a truth test asked of an uncertain bool."""

from __future__ import annotations

from typing import Any

from causaloid.errors import CausalError


class UncertainError(CausalError):
    """Base class of the errors raised by :mod:`causaloid.uncertain`."""


class UncertainParameterError(UncertainError, ValueError):
    """A distribution or decision parameter outside its domain
    (``err.parameter``, ``err.value``, ``err.expected``)."""

    parameter: str
    value: Any
    expected: Any


class UncertainKindError(UncertainError, TypeError):
    """An operation on an uncertain value of the wrong kind, e.g. ``&`` on
    numbers (``err.operation``, ``err.expected``, ``err.found``)."""

    operation: Any
    expected: Any
    found: Any


class UncertainZeroDivisionError(UncertainError, ZeroDivisionError):
    """A denominator was exactly zero in some sample (``err.sample``, ``err.seed``)."""

    sample: int
    seed: int


class UncertainMemoryError(UncertainError, MemoryError):
    """More samples asked for than fit in memory (``err.parameter``,
    ``err.value``); nothing was drawn."""

    parameter: str
    value: Any


class MapError(UncertainError):
    """A function given to ``Uncertain.map`` raised (``err.function``); the
    original exception is chained as ``__cause__``."""

    function: str


class UncertainTruthError(UncertainError, TypeError):
    """``bool()`` of an uncertain value: its truth is a probability, so a
    decision operator must be chosen explicitly."""


class PresenceError(UncertainError, ValueError):
    """``MaybeUncertain.lift_to_uncertain`` could not establish that the value
    is present (``err.decision`` holds the test that said so)."""

    decision: Any


__all__ = [
    "MapError",
    "PresenceError",
    "UncertainError",
    "UncertainKindError",
    "UncertainMemoryError",
    "UncertainParameterError",
    "UncertainTruthError",
    "UncertainZeroDivisionError",
]
