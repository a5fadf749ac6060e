"""The road from a table to a causal model: load → clean → select (mRMR) →
discover (SURD on each candidate target) → analyze (edges with rationales) →
``to_graph()``, a :class:`~causaloid.CausalGraph` of native expressions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from causaloid._progress import progress
from causaloid.discover._missing import missing_name
from causaloid.discover.cpdag import CPDAG
from causaloid.discover.edges import KINDS, Edge, edges_from
from causaloid.discover.errors import DiscoverValueError, StageError
from causaloid.discover.loading import load_table
from causaloid.discover.mrmr import MRMRResult, mrmr
from causaloid.discover.result import SurdResult
from causaloid.discover.surd import surd
from causaloid.errors import UnknownColumnError

STAGES = ("load", "clean", "select", "discover", "analyze")
MISSING = ("drop", "mean", "median", "ffill", "error", "keep")


@dataclass
class CleaningReport:
    """What :meth:`Pipeline.clean` did to the data."""

    rows_before: int = 0
    rows_after: int = 0
    dropped_columns: dict[str, str] = field(default_factory=dict)
    imputed: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"rows: {self.rows_before} -> {self.rows_after}"]
        for column, why in self.dropped_columns.items():
            lines.append(f"dropped column {column!r}: {why}")
        for column, count in self.imputed.items():
            lines.append(f"imputed {count} missing value(s) in {column!r}")
        return "\n".join(lines)


class Pipeline:
    """From a table of measurements to a causal graph, stage by stage.

    Each stage returns the pipeline, so calls chain; a stage called before the
    one it needs raises :class:`~causaloid.discover.errors.StageError`, and
    re-running a stage clears the stages after it.

    Parameters
    ----------
    target : str, optional
        The column to explain (may also be given to :meth:`select`).
    lag : int
        Rows between an agent's past and the target's future.
    bins : int
        Equal-width bins per column for SURD.
    k : int
        Features mRMR keeps.
    method : {"f_test", "mutual_info"}
        mRMR relevance.
    max_order : int, optional
        Largest agent combination SURD considers (keeps many agents tractable).
    progress : bool, optional
        Progress bar over SURD runs (default: when interactive).
    permutations : int
        Shuffles of each target for SURD's permutation null (0: no test).
    seed : int
        Seed of the shuffles.
    alpha : float
        Significance level: :meth:`analyze` keeps an edge only when its
        component's family-wise permutation p-value is at most ``alpha``
        (default 0.01; with 100 shuffles the smallest p-value is 1/101).
        Independent noise then yields no edge in about 99 % of tables.
    missing : {"raise", "drop"}
        What :meth:`select`, :meth:`discover` and :meth:`learn_graph` do with
        a missing value that :meth:`clean` kept (``clean(missing="keep")``):
        raise a :class:`~causaloid.discover.errors.MissingValueError`, or
        drop each sample that reads one, in the engine (each result's
        ``rows_dropped`` counts them).

    Examples
    --------
    >>> import numpy as np, causaloid as cl
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 2, 4000).astype(float)
    >>> z = rng.normal(size=4000)
    >>> table = {"x": x, "z": z, "y": np.roll(x, 1)}
    >>> pipe = cl.discover.Pipeline("y", lag=1, bins=2, k=2)
    >>> pipe = pipe.load(table).clean().select().discover(targets=["y"]).analyze()
    >>> [str(e) for e in pipe.edges]
    ['x -> y [unique 99.9%]']
    >>> graph = pipe.to_graph()
    >>> graph.evaluate({"x": 1.0, "z": 0.0}).value
    True
    """

    def __init__(
        self,
        target: str | None = None,
        *,
        lag: int = 1,
        bins: int = 8,
        k: int = 10,
        method: str = "f_test",
        max_order: int | None = 2,
        progress: bool | None = None,
        permutations: int = 100,
        seed: int = 0,
        alpha: float = 0.01,
        missing: str = "raise",
    ) -> None:
        self.target = target
        self.missing = missing_name(missing)
        if self.missing not in ("raise", "drop"):
            # Checked now: a pipeline's stages run long after it is built.
            raise DiscoverValueError(
                f'missing must be "raise" or "drop", got {missing!r}', {"parameter": "missing"}
            )
        self.lag = lag
        self.bins = bins
        self.k = k
        self.method = method
        self.max_order = max_order
        self.progress = progress
        self.permutations = permutations
        self.seed = seed
        if not 0.0 < float(alpha) <= 1.0:
            raise DiscoverValueError(
                f"alpha must be in (0, 1], got {alpha!r}", {"parameter": "alpha"}
            )
        self.alpha = float(alpha)
        self.data: dict[str, np.ndarray] = {}
        self.report = CleaningReport()
        self.selection: MRMRResult | None = None
        self.results: dict[str, SurdResult] = {}
        self.edges: list[Edge] = []
        self.dropped_edges: list[tuple[Edge, str]] = []
        #: Edges strong enough but not significant at ``alpha``.
        self.not_significant: list[Edge] = []
        #: The CPDAG of :meth:`learn_graph`, if it ran.
        self.learned: CPDAG | None = None
        self._done: set[str] = set()

    # --- stage bookkeeping ---
    def _need(self, stage: str) -> None:
        needs = STAGES[STAGES.index(stage) - 1]
        if needs not in self._done:
            raise StageError(
                f"{stage}() needs {needs}() first (stages run in the order {' -> '.join(STAGES)})",
                {"stage": stage, "needs": needs},
            )

    def _finish(self, stage: str) -> Pipeline:
        index = STAGES.index(stage)
        self._done = {s for s in self._done if STAGES.index(s) < index} | {stage}
        if index <= STAGES.index("clean"):
            self.learned = None
        return self

    @property
    def stages_done(self) -> list[str]:
        """The stages run so far, in order."""
        return [s for s in STAGES if s in self._done]

    # --- stages ---
    def load(self, source: Any, *, columns: Sequence[str] | None = None) -> Pipeline:
        """Read the data: a CSV or Parquet path (via polars) or an in-memory table."""
        self.data = dict(load_table(source, list(columns) if columns is not None else None))
        if not self.data:
            raise DiscoverValueError("the table has no columns", {"parameter": "source"})
        return self._finish("load")

    def clean(self, missing: str = "drop", *, drop_constant: bool = True) -> Pipeline:
        """Make every column numeric and finite, and report what changed.

        Parameters
        ----------
        missing : {"drop", "mean", "median", "ffill", "error", "keep"}
            Drop rows with a missing (NaN / null) value, fill them with the
            column's mean or median or the previous value, or raise; or
            ``"keep"`` them for the later stages, which then decide by the
            pipeline's own ``missing=`` (``Pipeline(missing="drop")`` drops,
            in the engine, only the samples that read a missing value: with
            ``lag`` > 0 this keeps every other sample at its true time offset,
            where dropping rows here closes the gaps).
        drop_constant : bool
            Drop columns with a single value (they carry no information).
            Non-numeric columns are always dropped. The target is never dropped
            silently: a non-numeric or constant target raises.
        """
        self._need("clean")
        if missing not in MISSING:
            raise DiscoverValueError(
                f"missing must be one of {MISSING}, got {missing!r}", {"parameter": "missing"}
            )
        report = CleaningReport()
        numeric: dict[str, np.ndarray] = {}
        for name, values in self.data.items():
            arr = _to_float(values)
            if arr is None:
                report.dropped_columns[name] = f"not numeric (dtype {values.dtype})"
                continue
            numeric[name] = arr
        report.rows_before = len(next(iter(self.data.values())))
        nan = {n: ~np.isfinite(a) for n, a in numeric.items()}
        bad = {n: int(m.sum()) for n, m in nan.items() if m.any()}
        if bad and missing == "error":
            from causaloid.discover.errors import NonFiniteError

            name = next(iter(bad))
            raise NonFiniteError(
                f"column {name!r} has {bad[name]} missing value(s)", {"column": name}
            )
        if missing == "drop" and bad:
            keep = np.logical_not(np.logical_or.reduce([nan[n] for n in bad]))
            numeric = {n: a[keep] for n, a in numeric.items()}
        elif bad and missing != "keep":
            for name in bad:
                numeric[name] = _impute(numeric[name], nan[name], missing)
                report.imputed[name] = bad[name]
        report.rows_after = len(next(iter(numeric.values()))) if numeric else 0
        if drop_constant:
            for name in list(numeric):
                arr = numeric[name]
                # Missing cells kept by missing="keep" do not make a column vary.
                arr = arr[~np.isnan(arr)]
                if arr.size and np.all(arr == arr[0]) and name != self.target:
                    report.dropped_columns[name] = f"constant ({arr[0]:g})"
                    del numeric[name]
        if self.target is not None and self.target in report.dropped_columns:
            raise DiscoverValueError(
                f"the target {self.target!r} was dropped: {report.dropped_columns[self.target]}",
                {"parameter": "target", "column": self.target},
            )
        if not numeric:
            raise DiscoverValueError("no numeric column is left after cleaning", {})
        self.data = numeric
        self.report = report
        return self._finish("clean")

    def _take_target(self, target: str | None, available: list[str]) -> str:
        """Sets and checks the target of selection: given now or before, kept
        by ``clean()``, and one of ``available`` columns."""
        if target is not None:
            self.target = target
        if self.target is None:
            raise DiscoverValueError(
                "give a target to select features for", {"parameter": "target"}
            )
        if self.target in self.report.dropped_columns:
            raise DiscoverValueError(
                f"the target {self.target!r} was dropped by clean(): "
                f"{self.report.dropped_columns[self.target]}",
                {"parameter": "target", "column": self.target},
            )
        if self.target not in available:
            raise UnknownColumnError(
                f"unknown column {self.target!r} (available: {', '.join(available[:12])})",
                {"column": self.target, "available": available},
            )
        return self.target

    def select(
        self, target: str | None = None, k: int | None = None, *, method: str | None = None
    ) -> Pipeline:
        """Choose the ``k`` features that matter most for the target with :func:`mrmr`."""
        self._need("select")
        y = self._take_target(target, list(self.data))
        # Features are scored on their past against the target's future, as SURD reads them.
        n, lag = len(self.data[y]), self.lag
        if lag >= n:
            raise DiscoverValueError(f"lag {lag} leaves no rows out of {n}", {"parameter": "lag"})
        lagged = {c: a[: n - lag] for c, a in self.data.items() if c != y}
        lagged[y] = self.data[y][lag:]
        self.selection = mrmr(
            lagged,
            y,
            k if k is not None else self.k,
            method=method or self.method,
            missing=self.missing,
        )
        return self._finish("select")

    def _discover_targets(self, targets: Sequence[str] | str | None) -> tuple[list[str], list[str]]:
        """The variables of the selected set and the targets asked for among them."""
        assert self.selection is not None and self.target is not None
        variables = [self.target, *self.selection.features]
        if targets is None:
            chosen = [self.target]
        elif isinstance(targets, str):
            chosen = variables if targets == "all" else [targets]
        else:
            chosen = list(targets)
        unknown = [t for t in chosen if t not in variables]
        if unknown:
            raise DiscoverValueError(
                f"{unknown[0]!r} is neither the target nor a selected feature "
                f"(selected: {', '.join(self.selection.features)})",
                {"parameter": "targets", "column": unknown[0]},
            )
        return variables, chosen

    def discover(self, targets: Sequence[str] | str | None = "all") -> Pipeline:
        """Run SURD on each candidate target.

        Parameters
        ----------
        targets : "all", sequence of str or None
            ``"all"``: the target and every selected feature, each explained by
            the other variables of that set; a list: those targets only; ``None``:
            the target alone.
        """
        self._need("discover")
        variables, chosen = self._discover_targets(targets)
        self.results = {}
        # Agents in table order, so names of agent groups do not depend on mRMR's ranking.
        in_table_order = [c for c in self.data if c in variables]
        for t in progress(chosen, total=len(chosen), desc="SURD", enabled=self.progress):
            agents = [v for v in in_table_order if v != t]
            if not agents:
                continue
            self.results[t] = surd(
                self.data,
                t,
                agents,
                lag=self.lag,
                bins=self.bins,
                max_order=self.max_order,
                permutations=self.permutations,
                seed=self.seed,
                missing=self.missing,
            )
        return self._finish("discover")

    def analyze(
        self, *, unique: float = 0.05, redundant: float = 0.05, synergistic: float = 0.05
    ) -> Pipeline:
        """Turn components into edges: a component of at least the given
        fraction of its target's entropy, and significant at :attr:`alpha`
        against the permutation null, becomes an :class:`Edge` with a
        rationale. Strong but not significant ones go to :attr:`not_significant`."""
        self._need("analyze")
        thresholds = {"unique": unique, "redundant": redundant, "synergistic": synergistic}
        for kind, value in thresholds.items():
            if not 0.0 <= float(value) <= 1.0:
                raise DiscoverValueError(
                    f"{kind} threshold must be a fraction in [0, 1], got {value!r}",
                    {"parameter": kind},
                )
        every = [e for r in self.results.values() for e in edges_from(r, thresholds)]
        self.edges = [e for e in every if e.p_value is None or e.p_value <= self.alpha]
        self.not_significant = [e for e in every if e not in self.edges]
        self.edges.sort(key=lambda e: (-e.strength, e.target, e.sources))
        self.not_significant.sort(key=lambda e: (-e.strength, e.target, e.sources))
        return self._finish("analyze")

    def to_graph(self, *, quantile: float = 0.75, id: str = "discovered") -> Any:
        """The discovered structure as a frozen :class:`~causaloid.CausalGraph`.

        Each variable without a discovered cause becomes a causaloid deciding
        whether it is high (``col(v) > its quantile``); each variable with causes
        passes on the join of their verdicts (``value()``): it is expected high
        when any cause is. A synergistic group becomes a collection whose members
        must all be high. Edges are added strongest first; one that would close a
        cycle is left out and listed in :attr:`dropped_edges`.
        """
        if "analyze" not in self._done:
            raise StageError(
                "to_graph() needs analyze() first", {"stage": "to_graph", "needs": "analyze"}
            )
        from causaloid.discover.graph import build_graph

        if not 0.0 < quantile < 1.0:
            raise DiscoverValueError(
                f"quantile must be in (0, 1), got {quantile!r}", {"parameter": "quantile"}
            )
        graph, dropped = build_graph(self.edges, self.data, quantile=quantile, id=id)
        self.dropped_edges = dropped
        return graph

    def learn_graph(self, method: str = "pc", **options: Any) -> Pipeline:
        """Learn the causal graph of the cleaned table (every column) and keep
        it as :attr:`learned`; :func:`~causaloid.discover.root_causes` then
        reads its directed edges when given this pipeline as ``graph=`` (a
        ``"pcmci"`` graph has lagged nodes such as ``"x(t-1)"``, which name no
        column, so ``root_causes`` finds no parents in it).

        Parameters
        ----------
        method : {"pc", "ges", "boss", "pcmci"}
            :func:`~causaloid.discover.pc`, :func:`~causaloid.discover.ges`,
            :func:`~causaloid.discover.boss` or :func:`~causaloid.discover.pcmci`.
        **options
            Passed to that function (``alpha=``, ``test=``, ``max_lag=``, ...).

        Examples
        --------
        >>> import numpy as np, causaloid as cl
        >>> rng = np.random.default_rng(0)
        >>> a, b = rng.normal(size=(2, 2000))
        >>> table = {"a": a, "b": b, "c": a + b + rng.normal(size=2000)}
        >>> pipe = cl.discover.Pipeline().load(table).clean().learn_graph("pc", alpha=0.01)
        >>> pipe.learned.directed
        (('a', 'c'), ('b', 'c'))
        """
        from causaloid.discover.pc import boss, ges, pc, pcmci

        methods: dict[str, Callable[..., CPDAG]] = {
            "pc": pc,
            "ges": ges,
            "boss": boss,
            "pcmci": pcmci,
        }
        if method not in methods:
            raise DiscoverValueError(
                f"method must be one of {tuple(methods)}, got {method!r}",
                {"parameter": "method"},
            )
        if "clean" not in self._done:
            raise StageError(
                "learn_graph() needs clean() first", {"stage": "learn_graph", "needs": "clean"}
            )
        options.setdefault("missing", self.missing)
        self.learned = methods[method](self.data, **options)
        return self

    def run(self, source: Any, target: str | None = None) -> Pipeline:
        """All stages with their defaults: load, clean, select, discover, analyze."""
        return self.load(source).clean().select(target).discover().analyze()

    def summary(self) -> str:
        """The stages run and what they found, in words."""
        lines = [f"Pipeline(target={self.target!r}, stages: {', '.join(self.stages_done) or '-'})"]
        if "clean" in self._done:
            lines.append(str(self.report))
        if self.selection is not None and "select" in self._done:
            lines.append(f"selected: {', '.join(self.selection.features)}")
        for edge in self.edges:
            lines.append(f"{edge}: {edge.rationale}")
        if "analyze" in self._done and not self.edges:
            lines.append(f"no significant causes at level {self.alpha:g}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"Pipeline(target={self.target!r}, lag={self.lag}, bins={self.bins}, "
            f"stages={self.stages_done})"
        )


def _to_float(values: np.ndarray) -> np.ndarray | None:
    if values.dtype == np.bool_ or values.dtype.kind in "iuf":
        return values.astype(np.float64)
    if values.dtype == object:
        try:
            return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        except (TypeError, ValueError):
            return None
    return None


def _impute(arr: np.ndarray, missing: np.ndarray, how: str) -> np.ndarray:
    out = arr.copy()
    present = out[~missing]
    if how == "ffill":
        index = np.where(~missing, np.arange(out.size), 0)
        np.maximum.accumulate(index, out=index)
        out = out[index]
        # Leading gaps have nothing before them: fill with the first value seen.
        if present.size:
            out[~np.isfinite(out)] = present[0]
        return out
    fill = float(np.mean(present) if how == "mean" else np.median(present)) if present.size else 0.0
    out[missing] = fill
    return out


__all__ = ["KINDS", "CleaningReport", "Pipeline"]
