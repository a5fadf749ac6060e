"""The result of a SURD decomposition: redundant, unique and synergistic
causality of each agent (or set of agents) on a target, the causality leak,
and ways to read it (a printed table, a data frame, the bar chart of the paper).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from causaloid._frames import Tabular
from causaloid._optional import require

Combo = tuple[str, ...]

#: Printed lines are at most this wide.
WIDTH = 100
#: Components :meth:`SurdResult.to_string` shows by default.
TOP = 10
#: Fewer samples than this per occupied bin make a histogram too sparse.
MIN_PER_BIN = 5.0
PREFIX = {"redundant": "R", "unique": "U", "synergistic": "S", "leak": "-"}
LEGEND_LINES = (
    "R = redundant (each agent listed carries it), U = unique (that agent alone),",
    "S = synergistic (only the agents together); share = fraction of H(target)",
)


def _label(agents: Combo) -> str:
    return ",".join(agents)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def fit_names(names: Sequence[str], width: int, sep: str = ",") -> str:
    """``names`` joined by ``sep``, cut to ``width`` characters with a count
    of the names left out.

    Examples
    --------
    >>> from causaloid.discover.result import fit_names
    >>> fit_names(["alpha", "beta", "gamma", "delta"], 20)
    'alpha,beta (+2 more)'
    """
    full = sep.join(names)
    if len(full) <= width:
        return full
    for keep in range(len(names) - 1, 0, -1):
        text = f"{sep.join(names[:keep])} (+{len(names) - keep} more)"
        if len(text) <= width:
            return text
    return _clip(f"{names[0]} (+{len(names) - 1} more)", width)


def _wrap(text: str) -> list[str]:
    import textwrap

    return textwrap.wrap(text, WIDTH, subsequent_indent="  ")


@dataclass(frozen=True)
class ComponentTest:
    """A component against its permutation null (the target shuffled
    relative to its agents).

    Attributes
    ----------
    observed : float
        The component as computed.
    null_mean : float
        Its mean over the shuffles: what chance and a finite sample produce.
    null_q95 : float
        The 95th percentile of its shuffled values.
    p_value : float
        Family-wise p-value (max-T over every component of the result); for
        the mutual information, the plain permutation p-value.
    """

    observed: float
    null_mean: float
    null_q95: float
    p_value: float

    @property
    def corrected(self) -> float:
        """``observed - null_mean``: the component with its bias removed."""
        return self.observed - self.null_mean

    def scaled(self, factor: float) -> ComponentTest:
        """The same test with every value (not the p-value) divided by ``factor``."""
        return ComponentTest(
            self.observed / factor, self.null_mean / factor, self.null_q95 / factor, self.p_value
        )


def sparsity_warnings(
    samples: int, occupied: int, bins: Sequence[int], max_order: int
) -> tuple[str, ...]:
    """Warnings when the histograms hold too few samples per bin.

    ``bins`` lists the target's bins then each agent's.

    Examples
    --------
    >>> from causaloid.discover.result import sparsity_warnings
    >>> sparsity_warnings(10_000, 16, [4, 4], 1)
    ()
    >>> len(sparsity_warnings(40, 38, [8, 8, 8, 8], 3))
    2
    """
    out = []
    per_bin = samples / max(occupied, 1)
    if per_bin < MIN_PER_BIN:
        out.append(
            f"sparse: {per_bin:.1f} samples per occupied bin of target + "
            f"{len(bins) - 1} agents (want {MIN_PER_BIN:g}); MI, leak biased"
        )
    target_bins, agent_bins = bins[0], sorted(bins[1:], reverse=True)
    largest = target_bins * math.prod(agent_bins[:max_order])
    if samples < MIN_PER_BIN * largest:
        out.append(
            f"too many bins: {max_order} agent(s) + target span {largest} bins for "
            f"{samples} samples; use fewer bins/max_order"
        )
    return tuple(out)


@dataclass(frozen=True)
class SurdStateMaps(Tabular):
    """The state-dependent maps of a SURD decomposition: what each component
    and the causality leak contribute to every state of the target.

    Entries are in the result's units (bits, or fractions of H(target) after
    :meth:`SurdResult.normalized`), already weighted by the state's
    probability, so each component's entries add up to its aggregated value.
    The causal entries are the increments of specific information
    ``i(T=t; A) = sum_a p(a|t) log2(p(t|a)/p(t))`` the decomposition assigns
    to that component in state ``t``, times ``p(t)``; the leak entry is
    ``p(t) * (-log2 p(t) - i(T=t; all agents))``. When every combination is
    considered, a state's entries add up to ``-p(t) log2 p(t)``, its share of
    the target's entropy. Divide an entry by :attr:`target_probability` for
    the per-state (specific) value.

    Attributes
    ----------
    target : str
    states : tuple of str
        A label per target state: its bin (``"[lo, hi)"``, the last closed)
        when the result was computed from a table, else ``"0"``, ``"1"``, ...
    target_probability : tuple of float
        p(t) for every state.
    redundant, synergistic : dict of tuple of str to tuple of float
    unique : dict of str to tuple of float
    leak : tuple of float
    units : str

    Examples
    --------
    >>> import numpy as np, causaloid as cl
    >>> p = np.zeros((2, 2, 2))
    >>> for a in (0, 1):
    ...     for b in (0, 1):
    ...         p[a ^ b, a, b] = 0.25
    >>> maps = cl.discover.surd_from_pdf(p, names=["y", "a", "b"]).state_maps
    >>> maps.synergistic[("a", "b")]
    (0.5, 0.5)
    >>> maps.to_frame().query("kind == 'synergistic'")["specific"].tolist()
    [1.0, 1.0]
    """

    target: str
    states: tuple[str, ...]
    target_probability: tuple[float, ...]
    redundant: dict[Combo, tuple[float, ...]]
    unique: dict[str, tuple[float, ...]]
    synergistic: dict[Combo, tuple[float, ...]]
    leak: tuple[float, ...]
    units: str = "bits"

    def components(self) -> Iterator[tuple[str, Combo, tuple[float, ...]]]:
        """Every component as ``(kind, agents, per-state values)``, in the
        order of :meth:`SurdResult.components` (the leak last)."""
        for combo, values in self.redundant.items():
            yield "redundant", combo, values
        for agent, values in self.unique.items():
            yield "unique", (agent,), values
        for combo, values in self.synergistic.items():
            yield "synergistic", combo, values
        yield "leak", (), self.leak

    def aggregated(self) -> dict[tuple[str, Combo], float]:
        """Each component summed over the states (its aggregated value)."""
        return {(kind, combo): math.fsum(v) for kind, combo, v in self.components()}

    def scaled(self, factor: float, units: str) -> SurdStateMaps:
        """Every entry divided by ``factor``, in ``units``."""

        def div(values: tuple[float, ...]) -> tuple[float, ...]:
            return tuple(v / factor for v in values)

        return replace(
            self,
            redundant={k: div(v) for k, v in self.redundant.items()},
            unique={k: div(v) for k, v in self.unique.items()},
            synergistic={k: div(v) for k, v in self.synergistic.items()},
            leak=div(self.leak),
            units=units,
        )

    def _columns(self) -> dict[str, list[Any]]:
        """The long table of ``to_frame``/``to_polars``/``to_arrow``: one row
        per component and target state: ``kind``, ``agents``, ``state``,
        ``state_index``, ``probability``, the contribution (``bits`` or
        ``fraction``) and ``specific`` (the contribution over ``p(t)``)."""
        out: dict[str, list[Any]] = {
            "kind": [],
            "agents": [],
            "state": [],
            "state_index": [],
            "probability": [],
            self.units: [],
            "specific": [],
        }
        for kind, combo, values in self.components():
            for t, (label, p, v) in enumerate(
                zip(self.states, self.target_probability, values, strict=False)
            ):
                out["kind"].append(kind)
                out["agents"].append(combo)
                out["state"].append(label)
                out["state_index"].append(t)
                out["probability"].append(p)
                out[self.units].append(v)
                out["specific"].append(v / p if p > 0 else 0.0)
        return out

    def __str__(self) -> str:
        lines = [f"SURD state maps of {self.target!r} ({self.units}, weighted by p(state))"]
        head = f"  {'state':<22} {'p':>6}"
        rows = [(k, c, v) for k, c, v in self.components() if k == "leak" or max(v) >= 5e-5]
        labels = [("leak" if k == "leak" else f"{PREFIX[k]} {_label(c)}")[:12] for k, c, _ in rows]
        shown = rows[:5]
        head += "".join(f" {lab:>12}" for lab in labels[:5])
        lines.append(head[:WIDTH])
        for t, (state, p) in enumerate(zip(self.states, self.target_probability, strict=False)):
            line = f"  {state[:22]:<22} {p:>6.3f}" + "".join(f" {v[t]:>12.4f}" for _, _, v in shown)
            lines.append(line[:WIDTH])
        if len(rows) > len(shown):
            lines.append(f"  ({len(rows) - len(shown)} more components: to_frame())")
        return "\n".join(lines)


def state_labels(n: int, edges: Sequence[float] | None) -> tuple[str, ...]:
    """Labels of ``n`` target states: their bins when the edges are known.

    >>> from causaloid.discover.result import state_labels
    >>> state_labels(2, [0.0, 0.5, 1.0])
    ('[0, 0.5)', '[0.5, 1]')
    >>> state_labels(2, None)
    ('0', '1')
    """
    if edges is None or len(edges) != n + 1:
        return tuple(str(t) for t in range(n))
    return tuple(
        f"[{edges[t]:.4g}, {edges[t + 1]:.4g}{']' if t == n - 1 else ')'}" for t in range(n)
    )


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
    rows_dropped : int
        Samples left out for a missing value (``missing="drop"``); 0 otherwise.
    bin_edges : dict of str to tuple of float
        Bin edges used for each column, when computed from a table.
    tests : dict of (kind, agents) to ComponentTest
        Each component against the permutation null (empty without one).
    mutual_info_test : ComponentTest or None
        The mutual information of all agents against the null.
    permutations : int
        Shuffles of the permutation null (0: none).
    seed : int or None
        Their seed.
    occupied_bins : int or None
        Occupied bins of the joint histogram of the target and all agents.
    warnings : tuple of str
        Histograms too sparse for the bins asked, in words.
    state_maps : SurdStateMaps or None
        The components and the leak per state of the target (their
        state-dependent maps); they sum back to the aggregated values.

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
    rows_dropped: int = 0
    bin_edges: dict[str, tuple[float, ...]] = field(default_factory=dict)
    tests: dict[tuple[str, Combo], ComponentTest] = field(default_factory=dict)
    mutual_info_test: ComponentTest | None = None
    permutations: int = 0
    seed: int | None = None
    occupied_bins: int | None = None
    warnings: tuple[str, ...] = ()
    state_maps: SurdStateMaps | None = None

    @property
    def samples_per_bin(self) -> float | None:
        """Samples per occupied bin of the joint histogram of the target and
        all agents (``None`` without a permutation test)."""
        if self.samples is None or not self.occupied_bins:
            return None
        return self.samples / self.occupied_bins

    def test(self, kind: str, agents: Combo | str) -> ComponentTest | None:
        """The permutation test of one component (``None`` without one)."""
        combo = (agents,) if isinstance(agents, str) else tuple(agents)
        return self.tests.get((kind, combo))

    def p_value(self, kind: str, agents: Combo | str) -> float | None:
        """The family-wise p-value of one component (``None`` without a test)."""
        t = self.test(kind, agents)
        return None if t is None else t.p_value

    def significant(self, alpha: float = 0.01) -> list[tuple[str, Combo, float]]:
        """Components whose p-value is at most ``alpha``, largest first."""
        rows = [
            (kind, combo, value)
            for kind, combo, value in self.components()
            if kind != "leak" and (t := self.test(kind, combo)) is not None and t.p_value <= alpha
        ]
        return sorted(rows, key=lambda r: -r[2])

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
            tests={k: t.scaled(h) for k, t in self.tests.items()},
            mutual_info_test=(
                None if self.mutual_info_test is None else self.mutual_info_test.scaled(h)
            ),
            state_maps=(None if self.state_maps is None else self.state_maps.scaled(h, "fraction")),
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
        tests = [self.test(kind, combo) for kind, combo, _ in parts]
        return {
            "kind": [kind for kind, _, _ in parts],
            "agents": [combo for _, combo, _ in parts],
            self.units: [value for _, _, value in parts],
            "normalized": [value / h if h > 0 else float("nan") for _, _, value in parts],
            "corrected": [t.corrected if t else float("nan") for t in tests],
            "p_value": [t.p_value if t else float("nan") for t in tests],
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
            "rows_dropped": self.rows_dropped,
            "permutations": self.permutations,
            "seed": self.seed,
            "occupied_bins": self.occupied_bins,
            "tests": {
                f"{kind}:{_label(combo)}": {
                    "observed": t.observed,
                    "null_mean": t.null_mean,
                    "corrected": t.corrected,
                    "p_value": t.p_value,
                }
                for (kind, combo), t in self.tests.items()
            },
            "warnings": list(self.warnings),
        }

    def to_string(self, top: int | None = TOP, *, alpha: float = 0.01) -> str:
        """The components, largest first, in lines of at most 100 characters.

        Parameters
        ----------
        top : int or None
            Show this many components (``None``: all of them).
        alpha : float
            Level at which a p-value is marked significant (``*``).

        Examples
        --------
        >>> import numpy as np, causaloid as cl
        >>> p = np.zeros((2, 2, 2)); p[0, 0, 0] = p[1, 1, 1] = 0.5
        >>> text = cl.discover.surd_from_pdf(p, names=["y", "a", "b"]).to_string()
        >>> print(text.splitlines()[4].split())
        ['R', 'a,b', '1.0000', '100.00%']
        >>> max(len(line) for line in text.splitlines()) <= 100
        True
        """
        h = self.target_entropy if self.units == "bits" else 1.0
        head = f"SURD of {self.target!r}"
        if self.lag is not None:
            head += f" (lag {self.lag}, {self.samples} samples"
            if self.rows_dropped:
                head += f", {self.rows_dropped} dropped for missing values"
            if self.permutations:
                head += f", {self.permutations} shuffles, seed {self.seed}"
            head += ")"
        tested = bool(self.tests)
        # Components that would print as 0.0000 only make the table longer.
        rows = [(k, c, v) for k, c, v in self.components() if abs(v) >= 5e-5 and k != "leak"]
        rows.sort(key=lambda r: -r[2])
        shown = rows if top is None else rows[: max(int(top), 0)]
        tail = 21 + (19 if tested else 0)
        width = WIDTH - 2 - tail
        lines = [head, *LEGEND_LINES]
        header = f"  {'agents':<{width}} {self.units:>10} {'share':>8}"
        if tested:
            header += f" {'corrected':>10} {'p':>7} "
        lines.append(header)

        def share(value: float) -> str:
            return f"{100 * value / h:7.2f}%" if h > 0 else "      -"

        for kind, combo, value in shown:
            line = f"{PREFIX[kind]} {fit_names(combo, width):<{width}} {value:>10.4f} "
            line += share(value)
            t = self.test(kind, combo)
            if t is not None:
                mark = "*" if t.p_value <= alpha else " "
                line += f" {share(t.corrected):>10} {t.p_value:>7.3f}{mark}"
            lines.append(line)
        lines.append(f"  {'leak':<{width}} {self.info_leak:>10.4f} {share(self.info_leak)}")
        mi = f"  mutual information {self.mutual_info:.4f} {self.units}"
        mi += f" of H({self.target}) = {self.target_entropy:.4f}"
        t = self.mutual_info_test
        if t is not None:
            mi += f"; corrected {t.corrected:.4f}, p = {t.p_value:.3f}"
        lines.append(_clip(mi, WIDTH))
        hidden = len(rows) - len(shown)
        if hidden:
            lines.append(f"  ({hidden} smaller components not shown: --all or to_string(top=None))")
        if tested:
            spb = self.samples_per_bin
            sig = self.significant(alpha)
            note = (
                f"  {len(sig)} of {len(self.tests)} components significant at {alpha:g} "
                f"(*; p family-wise, {self.permutations} shuffles)"
            )
            if spb is not None:
                note += f"; {spb:.1f} samples/occupied bin"
            lines.append(_clip(note, WIDTH))
            if not sig:
                lines.append(f"  no significant causes of {self.target} at level {alpha:g}")
        for w in self.warnings:
            lines.extend(_wrap("warning: " + w))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_string()

    def plot(
        self,
        ax: Any = None,
        *,
        normalized: bool = True,
        threshold: float = 0.0,
        top: int | None = 20,
        alpha: float = 0.01,
    ) -> Any:
        """Horizontal bar chart of the largest components, largest at the top:
        redundant (blue), unique (red), synergistic (yellow) and the leak
        (grey), with a legend that says what R, U and S mean. Readable with
        dozens of agents: only the ``top`` largest components are drawn.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when omitted.
        normalized : bool
            Plot fractions of the target's entropy instead of bits.
        threshold : float
            Leave out components smaller than this (after normalising); zero
            components are always left out.
        top : int or None
            Draw at most this many components (``None``: all).
        alpha : float
            Components with a p-value above it (when tested) are hatched.

        Returns
        -------
        matplotlib.axes.Axes
        """
        plt = require("matplotlib.pyplot", "plot()")
        from matplotlib.patches import Patch

        res = self.normalized() if normalized and self.units == "bits" else self
        colours = {
            "redundant": "#4c72b0",
            "unique": "#dd5555",
            "synergistic": "#e8b83a",
            "leak": "#999999",
        }
        rows = [
            (kind, combo, value)
            for kind, combo, value in res.components()
            if kind != "leak" and value >= threshold and value > 0.0
        ]
        rows.sort(key=lambda r: -r[2])
        hidden = 0
        if top is not None and len(rows) > top:
            hidden = len(rows) - top
            rows = rows[:top]
        rows.append(("leak", (), res.info_leak))
        if ax is None:
            _, ax = plt.subplots(figsize=(7.5, 1.2 + 0.28 * len(rows)))
        labels = [
            f"{PREFIX[k]} {_clip(_label(c), 40)}" if k != "leak" else "leak" for k, c, _ in rows
        ]
        y = list(range(len(rows)))[::-1]
        bars = ax.barh(
            y,
            [v for _, _, v in rows],
            color=[colours[k] for k, _, _ in rows],
            edgecolor="black",
            linewidth=0.5,
        )
        for bar, (kind, combo, _) in zip(bars, rows, strict=False):
            t = res.test(kind, combo)
            if t is not None and t.p_value > alpha:
                bar.set_hatch("//")
        ax.set_yticks(y)
        ax.set_yticklabels(labels, fontsize=8)
        ax.set_xlabel("fraction of H(target)" if res.units == "fraction" else "bits")
        title = f"SURD causality on {self.target}"
        if hidden:
            title += f" (top {top}; {hidden} smaller not shown)"
        ax.set_title(title, fontsize=10)
        handles = [
            Patch(color=colours["redundant"], label="R redundant: each agent listed carries it"),
            Patch(color=colours["unique"], label="U unique: that agent alone"),
            Patch(color=colours["synergistic"], label="S synergistic: only the agents together"),
            Patch(color=colours["leak"], label="leak: what no agent explains"),
        ]
        if res.tests:
            handles.append(
                Patch(facecolor="white", edgecolor="black", hatch="//", label=f"p > {alpha:g}")
            )
        ax.legend(handles=handles, fontsize=7, loc="lower right")
        return ax
