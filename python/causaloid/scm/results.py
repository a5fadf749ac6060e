"""The answers of a structural causal model: tables of samples, counterfactuals
(with the abducted noise and the path of the prediction) and effects. Each
explains itself."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from causaloid._optional import require

if TYPE_CHECKING:
    from causaloid.scm.model import SCM


class SCMTable(Mapping[str, np.ndarray]):
    """Columns of values, one per variable: a read-only mapping of NumPy arrays.

    Examples
    --------
    >>> t = SCMTable({"x": np.array([1.0, 2.0])}, ["sampled 2 rows"])
    >>> t["x"].tolist(), len(t), t.n_rows
    ([1.0, 2.0], 1, 2)
    """

    def __init__(self, columns: Mapping[str, np.ndarray], notes: list[str] | None = None) -> None:
        self._columns = dict(columns)
        self._notes = list(notes or [])

    def __getitem__(self, name: str) -> np.ndarray:
        return self._columns[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    @property
    def n_rows(self) -> int:
        """The number of rows."""
        for col in self._columns.values():
            return int(col.shape[0])
        return 0

    def to_frame(self) -> Any:
        """The table as a pandas DataFrame (needs ``causaloid[frames]``)."""
        return require("pandas", "to_frame()").DataFrame(self._columns)

    def to_polars(self) -> Any:
        """The table as a polars DataFrame, same columns as :meth:`to_frame`."""
        return require("polars", "to_polars()").DataFrame(self._columns)

    def to_arrow(self) -> Any:
        """The table as a pyarrow Table, same columns as :meth:`to_frame`."""
        return require("pyarrow", "to_arrow()").table(self._columns)

    def explain(self) -> str:
        """How the table was produced."""
        return "\n".join(self._notes)

    def __repr__(self) -> str:
        return f"SCMTable({self.n_rows} rows x {len(self)} variables: {', '.join(self)})"


def _support_note(native: Any, name: str, rows: str) -> str:
    """A warning that ``name``'s abducted noise left its distribution's range."""
    kind, params = native.noise(name)
    low, high = native.support(name)
    size = f"Empirical({params.shape[0]} values)" if kind == "empirical" else kind
    return (
        f"  warning: U_{name} of {rows} lies outside [{low:.6g}, {high:.6g}], the range of "
        f"its {size} noise: the model has not seen such noise, the prediction extrapolates"
    )


def _outside(native: Any, name: str, u: float) -> bool:
    """Whether noise ``u`` of ``name`` lies outside its support, with the
    engine's allowance for rounding."""
    bounds = native.support(name)
    if bounds is None:
        return False
    low, high = bounds
    slack = 1e-9 * max(1.0, abs(low), abs(high))
    return not (low - slack <= u <= high + slack)


def _cut_lines(cut: list[tuple[str, str, list[tuple[str, str]]]]) -> list[str]:
    lines = []
    for node, desc, edges in cut:
        if edges:
            shown = ", ".join(f"{a} -> {b}" for a, b in edges)
            lines.append(f"do({desc}): cut {shown}")
        elif desc.startswith(f"{node} :="):
            lines.append(f"do({desc}): soft, {node} keeps its parents")
        else:
            lines.append(f"do({desc}): {node} had no parents, no edge cut")
    return lines


@dataclass(frozen=True)
class Counterfactual:
    """The counterfactual of one observed unit: what its variables would have
    been under the intervention, with the same exogenous noise.

    Attributes
    ----------
    values : dict of str to float
        The counterfactual value of every variable.
    observed : dict of str to float
        The observation it started from.
    noise : dict of str to float
        The abducted noise ``u = x - f(parents)`` of every variable.
    path : list of str
        The variables the intervention can change, in causal order; every
        other variable keeps its observed value.
    model : SCM
        The intervened model the prediction ran in.
    noise_in_support : bool
        Whether every abducted noise value lies inside the range of its
        noise distribution (an empirical distribution's smallest to largest
        value); outside it the model extrapolates noise it has never seen.
    outside_support : list of str
        The variables whose abducted noise lies outside that range, in
        causal order.
    """

    values: dict[str, float]
    observed: dict[str, float]
    noise: dict[str, float]
    path: list[str]
    model: SCM
    noise_in_support: bool = True
    outside_support: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> float:
        return self.values[name]

    @property
    def cut_edges(self) -> list[tuple[str, str]]:
        """The edges the intervention removed."""
        return [e for _, _, edges in self.model._native.interventions() for e in edges]

    def explain(self) -> str:
        """Abduction, action and prediction, one line per step."""
        native = self.model._native
        lines = ["abduction (noise solved from the observation):"]
        for name in native.order():
            u, x = self.noise[name], self.observed[name]
            lines.append(f"  U_{name} = {u:.6g}  (observed {name} = {x:.6g})")
            if name in self.outside_support:
                lines.append(_support_note(native, name, "this unit"))
        lines.append("action:")
        lines.extend("  " + line for line in _cut_lines(native.interventions()))
        lines.append(
            "prediction (along " + " -> ".join(self.path) + "):"
            if self.path
            else "prediction: nothing changes"
        )
        for name in self.path:
            before, after = self.observed[name], self.values[name]
            lines.append(f"  {native.describe(name)}  =>  {name}: {before:.6g} -> {after:.6g}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v:.6g}" for k, v in self.values.items())
        return f"Counterfactual({shown})"


@dataclass(frozen=True)
class CounterfactualTable:
    """Counterfactuals of a whole table, each row its own unit.

    Attributes
    ----------
    values : SCMTable
        Counterfactual values, one column per variable.
    observed : SCMTable
        The observations.
    noise : SCMTable
        The abducted noise of every variable in every row.
    path : list of str
        The variables the intervention can change, in causal order.
    model : SCM
        The intervened model.
    noise_in_support : numpy.ndarray of bool
        Per row: whether every abducted noise value lies inside the range of
        its noise distribution (outside it, the prediction extrapolates).
    outside_support : dict of str to int
        Per variable with any: the number of rows whose abducted noise lies
        outside its distribution's range.
    """

    values: SCMTable
    observed: SCMTable
    noise: SCMTable
    path: list[str]
    model: SCM
    noise_in_support: np.ndarray = field(default_factory=lambda: np.ones(0, dtype=bool))
    outside_support: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    def __len__(self) -> int:
        return self.values.n_rows

    def row(self, i: int) -> Counterfactual:
        """The counterfactual of row ``i`` alone."""
        native = self.model._native
        flag = bool(self.noise_in_support[i])
        outside = (
            []
            if flag
            else [
                name
                for name in native.order()
                if name in self.outside_support
                and _outside(native, name, float(self.noise[name][i]))
            ]
        )
        return Counterfactual(
            {k: float(v[i]) for k, v in self.values.items()},
            {k: float(v[i]) for k, v in self.observed.items()},
            {k: float(v[i]) for k, v in self.noise.items()},
            list(self.path),
            self.model,
            flag,
            outside,
        )

    def to_frame(self) -> Any:
        """Counterfactual values as a pandas DataFrame."""
        return self.values.to_frame()

    def to_polars(self) -> Any:
        """Counterfactual values as a polars DataFrame."""
        return self.values.to_polars()

    def to_arrow(self) -> Any:
        """Counterfactual values as a pyarrow Table."""
        return self.values.to_arrow()

    def explain(self) -> str:
        """Action, the prediction path and the average change of each variable on it."""
        native = self.model._native
        n = self.values.n_rows
        lines = [f"abduction: noise of {len(self.noise)} variables solved from {n} observed rows"]
        for name in native.order():
            count = self.outside_support.get(name, 0)
            if count:
                lines.append(_support_note(native, name, f"{count} of {n} rows"))
        lines.append("action:")
        lines.extend("  " + line for line in _cut_lines(native.interventions()))
        lines.append(
            "prediction (along " + " -> ".join(self.path) + "):"
            if self.path
            else "prediction: nothing changes"
        )
        for name in self.path:
            delta = float(np.mean(self.values[name] - self.observed[name])) if n else 0.0
            lines.append(f"  {native.describe(name)}  =>  mean change of {name}: {delta:+.6g}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"CounterfactualTable({len(self)} rows, path {' -> '.join(self.path)})"


@dataclass(frozen=True)
class EffectEstimate:
    """The average causal effect ``E[Y | do(T=a)] - E[Y | do(T=b)]``.

    Both arms are sampled with the same noise draws (common random numbers),
    so the standard error is that of the paired differences.
    """

    treatment: str
    outcome: str
    a: float
    b: float
    effect: float
    std_error: float
    mean_a: float
    mean_b: float
    n: int
    seed: int

    def interval(self, z: float = 1.96) -> tuple[float, float]:
        """A normal-approximation confidence interval (95 % by default)."""
        return (self.effect - z * self.std_error, self.effect + z * self.std_error)

    def explain(self) -> str:
        """The two arms and their difference."""
        lo, hi = self.interval()
        return "\n".join(
            [
                f"E[{self.outcome} | do({self.treatment} = {self.a:g})] = {self.mean_a:.6g}",
                f"E[{self.outcome} | do({self.treatment} = {self.b:g})] = {self.mean_b:.6g}",
                f"effect = {self.effect:.6g} ± {self.std_error:.3g} "
                f"(95% interval {lo:.6g} .. {hi:.6g}); {self.n} paired samples, seed {self.seed}",
            ]
        )
