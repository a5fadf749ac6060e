"""Assumptions a model rests on, checked against data: each is a description
and a test ``fn(data) -> bool``; a report says which held and which did not."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from causaloid._frames import Columns, Tabular


@dataclass(frozen=True)
class Assumption:
    """An assumption of a model: a description and a test on data.

    Parameters
    ----------
    description : str
        What is assumed, in words (shown in reports and errors).
    fn : callable
        ``fn(data) -> bool``; ``data`` is what you pass to
        :meth:`Model.verify_assumptions` (a dict of NumPy columns when you pass
        a table). Raising counts as not holding, and the report keeps the error.

    Examples
    --------
    >>> a = Assumption("prices are positive", lambda d: bool((d["close"] > 0).all()))
    >>> a.verify({"close": np.array([1.0, 2.0])}).held
    True
    """

    description: str
    fn: Callable[[Any], Any]

    def __post_init__(self) -> None:
        if not isinstance(self.description, str):
            raise TypeError(f"description must be a str; got {type(self.description).__name__}")
        if not callable(self.fn):
            raise TypeError(f"fn must be callable; got {type(self.fn).__name__}")

    def verify(self, data: Any) -> AssumptionResult:
        """Test the assumption on ``data``."""
        try:
            out = self.fn(data)
        except Exception as exc:  # a failing test is a finding, not a crash
            return AssumptionResult(self.description, False, f"raised {type(exc).__name__}: {exc}")
        if isinstance(out, (bool, np.bool_)):
            return AssumptionResult(self.description, bool(out), "")
        return AssumptionResult(
            self.description, False, f"returned {type(out).__name__} {out!r:.40}, not a bool"
        )


@dataclass(frozen=True)
class AssumptionResult:
    """The outcome of testing one assumption."""

    description: str
    held: bool
    detail: str = ""

    def __str__(self) -> str:
        mark = "held" if self.held else "FAILED"
        return f"[{mark}] {self.description}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class AssumptionReport(Tabular):
    """Which assumptions held on the data and which did not.

    Examples
    --------
    >>> r = AssumptionReport((AssumptionResult("a", True), AssumptionResult("b", False)))
    >>> r.all_held, [x.description for x in r.failed]
    (False, ['b'])
    >>> print(r)
    1 of 2 assumptions held
      [held] a
      [FAILED] b
    """

    results: tuple[AssumptionResult, ...]

    @property
    def all_held(self) -> bool:
        """Whether every assumption held (true when there are none)."""
        return all(r.held for r in self.results)

    @property
    def held(self) -> list[AssumptionResult]:
        return [r for r in self.results if r.held]

    @property
    def failed(self) -> list[AssumptionResult]:
        return [r for r in self.results if not r.held]

    def _columns(self) -> Columns:
        """The table of ``to_frame``/``to_polars``/``to_arrow``: ``description``,
        ``held`` and ``detail``, one row an assumption.

        Examples
        --------
        >>> r = AssumptionReport((AssumptionResult("a", True), AssumptionResult("b", False, "x")))
        >>> r.to_arrow().to_pylist()[1]
        {'description': 'b', 'held': False, 'detail': 'x'}
        """
        return {
            "description": [r.description for r in self.results],
            "held": [r.held for r in self.results],
            "detail": [r.detail for r in self.results],
        }

    def __iter__(self) -> Iterator[AssumptionResult]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __bool__(self) -> bool:
        return self.all_held

    def __str__(self) -> str:
        head = f"{len(self.held)} of {len(self.results)} assumptions held"
        return "\n".join([head, *(f"  {r}" for r in self.results)])
