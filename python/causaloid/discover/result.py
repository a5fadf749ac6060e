"""The result of a SURD decomposition: redundant, unique and synergistic
causality of each agent (or set of agents) on a target, the causality leak,
and ways to read it (a printed table, a data frame, the bar chart of the paper).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from causaloid._frames import Tabular
from causaloid._optional import require

Combo = tuple[str, ...]


def _label(agents: Combo) -> str:
    return ",".join(agents)


@dataclass(frozen=True)
class SurdResult(Tabular):
    """Causality of ``agents`` on ``target``, decomposed (in bits unless
    :meth:`normalized`).

    Attributes
    ----------
    target : str
        The variable whose future is explained.
    agents : tuple of str
        The variables whose past explains it.
    redundant : dict of tuple of str to float
        Causality shared by a set of two or more agents.
    unique : dict of str to float
        Causality that only one agent carries.
    synergistic : dict of tuple of str to float
        Causality that appears only when agents are known together.
    info_leak : float
        H(target | all agents): what the agents leave unexplained.
    mutual_info : float
        I(target; all agents). The components sum to it when every
        combination was considered (``max_order`` at least the number of agents).
    target_entropy : float
        H(target); ``mutual_info + info_leak == target_entropy``.
    information : dict of tuple of str to float
        I(target; combination) for every combination considered.
    max_order : int
        Size of the largest agent combination considered.
    units : str
        ``"bits"``, or ``"fraction"`` after :meth:`normalized`.
    lag, samples : int or None
        The lag and number of samples used, when computed from a table.
    bin_edges : dict of str to tuple of float
        Bin edges used for each column, when computed from a table.

    Examples
    --------
    >>> import numpy as np, causaloid as cl
    >>> p = np.zeros((2, 2, 2)); p[0, 0, 0] = p[1, 1, 1] = 0.5
    >>> res = cl.discover.surd_from_pdf(p, names=["y", "a", "b"])
    >>> round(res.redundant[("a", "b")], 6), res.info_leak
    (1.0, 0.0)
    """

    target: str
    agents: tuple[str, ...]
    redundant: dict[Combo, float]
    unique: dict[str, float]
    synergistic: dict[Combo, float]
    info_leak: float
    mutual_info: float
    target_entropy: float
    information: dict[Combo, float]
    max_order: int
    units: str = "bits"
    lag: int | None = None
    samples: int | None = None
    bin_edges: dict[str, tuple[float, ...]] = field(default_factory=dict)

    @property
    def total(self) -> float:
        """Sum of every redundant, unique and synergistic component."""
        return (
            sum(self.redundant.values())
            + sum(self.unique.values())
            + sum(self.synergistic.values())
        )

    def normalized(self) -> SurdResult:
        """The same decomposition divided by the target's entropy: each component
        becomes the fraction of the target's uncertainty it explains.

        Examples
        --------
        >>> import numpy as np, causaloid as cl
        >>> res = cl.discover.surd_from_pdf(np.full((2, 2), 0.25), names=["y", "x"])
        >>> res.normalized().info_leak
        1.0
        """
        if self.units != "bits":
            return self
        h = self.target_entropy
        if h <= 0.0:
            from causaloid.discover.errors import ConstantColumnError

            raise ConstantColumnError(
                f"target {self.target!r} has zero entropy; nothing to normalise by",
                {"column": self.target},
            )
        return replace(
            self,
            redundant={k: v / h for k, v in self.redundant.items()},
            unique={k: v / h for k, v in self.unique.items()},
            synergistic={k: v / h for k, v in self.synergistic.items()},
            info_leak=self.info_leak / h,
            mutual_info=self.mutual_info / h,
            information={k: v / h for k, v in self.information.items()},
            target_entropy=1.0,
            units="fraction",
        )

    def components(self) -> Iterator[tuple[str, Combo, float]]:
        """Every component as ``(kind, agents, value)``: redundant, then unique,
        then synergistic, each by size of the agent set, then the leak.

        Examples
        --------
        >>> import numpy as np, causaloid as cl
        >>> res = cl.discover.surd_from_pdf(np.full((2, 2), 0.25), names=["y", "x"])
        >>> [kind for kind, _, _ in res.components()]
        ['unique', 'leak']
        """
        for combo, value in self.redundant.items():
            yield "redundant", combo, value
        for agent, value in self.unique.items():
            yield "unique", (agent,), value
        for combo, value in self.synergistic.items():
            yield "synergistic", combo, value
        yield "leak", (), self.info_leak

    def _columns(self) -> dict[str, list[Any]]:
        """The table of ``to_frame``/``to_polars``/``to_arrow``: ``kind``,
        ``agents``, ``bits`` (or ``fraction``) and ``normalized``."""
        h = self.target_entropy if self.units == "bits" else 1.0
        parts = list(self.components())
        return {
            "kind": [kind for kind, _, _ in parts],
            "agents": [combo for _, combo, _ in parts],
            self.units: [value for _, _, value in parts],
            "normalized": [value / h if h > 0 else float("nan") for _, _, value in parts],
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict (agent sets joined by commas)."""
        return {
            "target": self.target,
            "agents": list(self.agents),
            "units": self.units,
            "redundant": {_label(k): v for k, v in self.redundant.items()},
            "unique": dict(self.unique),
            "synergistic": {_label(k): v for k, v in self.synergistic.items()},
            "info_leak": self.info_leak,
            "mutual_info": self.mutual_info,
            "target_entropy": self.target_entropy,
            "max_order": self.max_order,
            "lag": self.lag,
            "samples": self.samples,
        }

    def __str__(self) -> str:
        h = self.target_entropy if self.units == "bits" else 1.0
        head = f"SURD of {self.target!r}"
        if self.lag is not None:
            head += f" (lag {self.lag}, {self.samples} samples)"
        # Components that would print as 0.0000 only make the table longer.
        rows = [(k, c, v) for k, c, v in self.components() if abs(v) >= 5e-5 or k == "leak"]
        width = max([18, *(len(_label(c)) for _, c, _ in rows)])
        lines = [head, f"{'kind':<12} {'agents':<{width}} {self.units:>10} {'share':>8}"]
        for kind, combo, value in rows:
            share = f"{100 * value / h:7.2f}%" if h > 0 else "      -"
            lines.append(f"{kind:<12} {_label(combo) or '-':<{width}} {value:>10.4f} {share}")
        lines.append(
            f"{'':<12} {'mutual information':<{width}} {self.mutual_info:>10.4f}"
            f"   H(target) = {self.target_entropy:.4f}"
        )
        hidden = sum(1 for k, _, v in self.components() if abs(v) < 5e-5 and k != "leak")
        if hidden:
            lines.append(f"({hidden} components below 0.0001 not shown)")
        return "\n".join(lines)

    def plot(self, ax: Any = None, *, normalized: bool = True, threshold: float = 0.0) -> Any:
        """Bar chart of the decomposition, as in the paper: redundant (blue),
        unique (red) and synergistic (yellow) components, and the leak (grey).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when omitted.
        normalized : bool
            Plot fractions of the target's entropy instead of bits.
        threshold : float
            Leave out components smaller than this (after normalising); zero
            components are always left out.

        Returns
        -------
        matplotlib.axes.Axes
        """
        plt = require("matplotlib.pyplot", "plot()")

        res = self.normalized() if normalized and self.units == "bits" else self
        if ax is None:
            _, ax = plt.subplots(figsize=(max(4.0, 0.45 * len(res.information) + 2), 3.2))
        colours = {"redundant": "#4c72b0", "unique": "#dd5555", "synergistic": "#e8b83a"}
        prefix = {"redundant": "R", "unique": "U", "synergistic": "S"}
        labels, values, bar_colours = [], [], []
        for kind, combo, value in res.components():
            if kind == "leak" or value < threshold or value == 0.0:
                continue
            labels.append(f"{prefix[kind]} {_label(combo)}")
            values.append(value)
            bar_colours.append(colours[kind])
        labels.append("leak")
        values.append(res.info_leak)
        bar_colours.append("#999999")
        ax.bar(range(len(values)), values, color=bar_colours, edgecolor="black", linewidth=0.5)
        ax.set_xticks(range(len(values)))
        ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=8)
        ax.set_ylabel("fraction of H(target)" if res.units == "fraction" else "bits")
        ax.set_title(f"SURD causality on {self.target}")
        return ax
