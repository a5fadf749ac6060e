"""Summaries over a batch of evaluations, after DeepCausality's observable and
inferable reasoning (our own formulation):

- *observations*: how many rows (and each node) were active;
- *inference*: with the effect observed in each row, a row is **inferable**
  when the cause is active and the effect present, **inverse inferable** when
  the cause is inactive and the effect absent, and **non-inferable** otherwise;
  the **conjoint delta** is the share of rows the cause leaves unexplained.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from causaloid.errors import ShapeError

ACTIVE = 0.5  # a degree of at least one half counts as active, as in the engine


def _active(verdicts: Any, threshold: float = ACTIVE) -> np.ndarray:
    arr = np.asarray(verdicts)
    if arr.ndim != 1:
        raise ShapeError(f"verdicts must be one-dimensional; got shape {arr.shape}")
    if arr.dtype == np.bool_:
        return arr
    return np.asarray(arr, dtype=np.float64) >= threshold


def _percent(n: int, total: int) -> float:
    return 100.0 * n / total if total else 0.0


@dataclass(frozen=True)
class Observations:
    """How many rows were active, overall and per node.

    Examples
    --------
    >>> o = observe(np.array([True, False, True, True]), {"a": np.array([1.0, 0.0, 0.2, 0.9])})
    >>> o.n_active, o.percent_active, o.nodes["a"]
    (3, 75.0, (2, 50.0))
    """

    n: int
    n_active: int
    percent_active: float
    nodes: dict[Any, tuple[int, float]] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"{self.n_active} of {self.n} rows active ({self.percent_active:.1f}%)"]
        lines += [f"  {k!r}: {n} active ({p:.1f}%)" for k, (n, p) in self.nodes.items()]
        return "\n".join(lines)


def observe(verdicts: Any, activations: Mapping[Any, Any] | None = None) -> Observations:
    """Count active rows of a batch result (and of each node's activations)."""
    act = _active(verdicts)
    n = int(act.shape[0])
    nodes = {}
    for key, values in (activations or {}).items():
        a = _active(values)
        if a.shape[0] != n:
            raise ShapeError(f"activations of {key!r} have {a.shape[0]} rows; expected {n}")
        nodes[key] = (int(a.sum()), _percent(int(a.sum()), n))
    k = int(act.sum())
    return Observations(n, k, _percent(k, n), nodes)


@dataclass(frozen=True)
class Inference:
    """Conjoint and inverse inference of an effect from a cause over rows.

    Examples
    --------
    >>> cause = np.array([True, True, False, False])
    >>> effect = np.array([True, False, False, True])
    >>> r = infer(cause, effect)
    >>> r.n_inferable, r.n_inverse_inferable, r.conjoint_delta
    (1, 1, 0.5)
    """

    n: int
    n_inferable: int
    n_inverse_inferable: int
    n_non_inferable: int
    percent_inferable: float
    percent_inverse_inferable: float
    percent_non_inferable: float
    conjoint_delta: float

    def __str__(self) -> str:
        return (
            f"{self.n} rows: inferable {self.n_inferable} ({self.percent_inferable:.1f}%), "
            f"inverse inferable {self.n_inverse_inferable} "
            f"({self.percent_inverse_inferable:.1f}%), non-inferable {self.n_non_inferable} "
            f"({self.percent_non_inferable:.1f}%); conjoint delta {self.conjoint_delta:.3f}"
        )


def infer(cause: Any, effect: Any, threshold: float = ACTIVE) -> Inference:
    """Summarise how well ``cause`` (verdicts) accounts for ``effect``
    (observed per row: booleans, or numbers counted present at ``threshold``)."""
    c = _active(cause)
    e = _active(effect, threshold)
    if c.shape != e.shape:
        raise ShapeError(
            f"cause has {c.shape[0]} rows but effect has {e.shape[0]}",
            {"expected": c.shape[0], "found": e.shape[0]},
        )
    n = int(c.shape[0])
    inferable = int((c & e).sum())
    inverse = int((~c & ~e).sum())
    non = n - inferable - inverse
    delta = non / n if n else 0.0
    return Inference(
        n,
        inferable,
        inverse,
        non,
        _percent(inferable, n),
        _percent(inverse, n),
        _percent(non, n),
        delta,
    )
