"""A :class:`~causaloid.discover.Pipeline` over a table in partitions (a Dask
DataFrame or a Ray Dataset): every stage reads one partition at a time and
gives the numbers the collected table gives. Built by
:func:`causaloid.dask.Pipeline` and :func:`causaloid.ray.Pipeline`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from causaloid._partitions import (
    CleanView,
    Each,
    LagView,
    _lerp,
    cleaned_ranges,
    inspect_partition,
    mrmr_partitioned,
    order_statistics,
    quantile_ranks,
    surd_head,
    surd_partitioned,
    surd_plan,
    through,
)
from causaloid._progress import ticker
from causaloid.discover.errors import DiscoverValueError, NonFiniteError
from causaloid.discover.pipeline import MISSING, CleaningReport, Pipeline
from causaloid.errors import UnknownColumnError


class PartitionedPipeline(Pipeline):
    """:class:`~causaloid.discover.Pipeline` on partitions.

    The stages and their arguments are the collected pipeline's, and so are
    the results (the cleaning report, the selection, the SURD results, the
    edges and the graph): numbers equal to the collected table's to 1e-12.
    Differences: the table stays in its partitions (:attr:`data` is empty;
    :attr:`columns` lists the cleaned columns). SURD's permutation test runs
    on each target's merged counts and gives the collected table's p-values
    for the same ``seed``. ``progress`` shows one bar per stage, advanced as
    each partition of each pass finishes.
    """

    def __init__(self, each: Each, columns: list[str], target: str | None = None, **options: Any):
        super().__init__(target, **options)
        self._each = each
        self._source_columns = list(columns)
        self.columns: list[str] = []
        self._views: list[CleanView] = []
        self._rows = 0
        self._ranges: dict[str, tuple[float, float]] = {}

    @contextmanager
    def _stage(self, desc: str) -> Iterator[None]:
        """Reports, while the block runs, every partition each pass finishes
        on a bar named ``desc`` (when :attr:`progress` asks for bars)."""
        with ticker(desc, enabled=self.progress, unit="partition") as tick:
            with self._each.reporting(tick):
                yield

    def load(self, source: Any = None, *, columns: Sequence[str] | None = None) -> Pipeline:
        """Take the partitioned table given at construction (``columns``: only those)."""
        if columns is not None:
            missing = [c for c in columns if c not in self._source_columns]
            if missing:
                raise UnknownColumnError(
                    f"unknown column {missing[0]!r} "
                    f"(available: {', '.join(self._source_columns[:12])})",
                    {"column": missing[0], "available": self._source_columns},
                )
            self._source_columns = list(columns)
        if not self._source_columns:
            raise DiscoverValueError("the table has no columns", {"parameter": "source"})
        return self._finish("load")

    def clean(self, missing: str = "drop", *, drop_constant: bool = True) -> Pipeline:
        """:meth:`Pipeline.clean` over partitions: one pass to inspect every
        column, one to measure the cleaned partitions (and, for a median, the
        exact medians by radix selection)."""
        self._need("clean")
        with self._stage("clean"):
            return self._clean(missing, drop_constant)

    def _clean(self, missing: str, drop_constant: bool) -> Pipeline:
        if missing not in MISSING:
            raise DiscoverValueError(
                f"missing must be one of {MISSING}, got {missing!r}", {"parameter": "missing"}
            )
        names = self._source_columns
        parts = self._each(inspect_partition, None, names)
        report = CleaningReport()
        report.rows_before = sum(p["rows"] for p in parts)
        numeric = [c for c in names if all(p[c] is not None for p in parts)]
        for c in names:
            if c not in numeric:
                dtype = next((p[f"dtype {c}"] for p in parts if p[c] is None), "object")
                report.dropped_columns[c] = f"not numeric (dtype {dtype})"
        bad = {c: sum(p[c][0] for p in parts) for c in numeric}
        bad = {c: k for c, k in bad.items() if k}
        if bad and missing == "error":
            name = next(iter(bad))
            raise NonFiniteError(
                f"column {name!r} has {bad[name]} missing value(s)", {"column": name}
            )
        fills: dict[str, float] = {}
        carries: list[dict[str, float]] = [{} for _ in parts]
        first: dict[str, float] = {}
        if missing in ("mean", "median"):
            for c in bad:
                count = sum(p[c][4] for p in parts)
                if not count:
                    fills[c] = 0.0
                elif missing == "mean":
                    fills[c] = sum(p[c][3] for p in parts) / count
                else:
                    i = numeric.index(c)
                    lo, hi = (count - 1) // 2, count // 2
                    a, b = order_statistics(self._each, numeric, [(i, lo), (i, hi)])
                    fills[c] = float(np.median([a, b]))
        if missing == "ffill":
            for c in bad:
                last = None
                for k, p in enumerate(parts):
                    if last is not None:
                        carries[k][c] = last
                    if p[c][2] is not None:
                        last = p[c][2]
                        first.setdefault(c, p[c][1])
        if missing not in ("drop", "keep"):
            report.imputed = dict(bad)
        views = [
            CleanView(
                numeric,
                list(bad) if missing == "drop" else [],
                fills,
                missing == "ffill",
                carries[k],
                first,
            )
            for k in range(len(parts))
        ]
        measured = through(self._each, views)(_measure, None)
        rows = sum(m["rows"] for m in measured)
        ranges: dict[str, tuple[float, float]] = {}
        for c in numeric:
            rs = [m["ranges"][c] for m in measured if m["ranges"][c] is not None]
            if rs:
                ranges[c] = (min(r[0] for r in rs), max(r[1] for r in rs))
        report.rows_after = rows if numeric else 0
        kept = list(numeric)
        if drop_constant:
            for c in numeric:
                r = ranges.get(c)
                if r is not None and r[0] == r[1] and c != self.target:
                    report.dropped_columns[c] = f"constant ({r[0]:g})"
                    kept.remove(c)
        if self.target is not None and self.target in report.dropped_columns:
            raise DiscoverValueError(
                f"the target {self.target!r} was dropped: {report.dropped_columns[self.target]}",
                {"parameter": "target", "column": self.target},
            )
        if not kept:
            raise DiscoverValueError("no numeric column is left after cleaning", {})
        for v in views:
            v.columns = kept
        self._views = views
        self.columns = kept
        self._rows = rows
        self._ranges = ranges
        self.report = report
        return self._finish("clean")

    def _cleaned(self) -> Any:
        return through(self._each, self._views)

    def select(
        self, target: str | None = None, k: int | None = None, *, method: str | None = None
    ) -> Pipeline:
        """:meth:`Pipeline.select` over partitions: mRMR's statistics of the
        features' past against the target ``lag`` rows later, pairing rows
        across partition boundaries."""
        self._need("select")
        with self._stage("select"):
            return self._select(target, k, method)

    def _select(self, target: str | None, k: int | None, method: str | None) -> Pipeline:
        y = self._take_target(target, list(self.columns))
        lag = self.lag
        if lag >= self._rows:
            raise DiscoverValueError(
                f"lag {lag} leaves no rows out of {self._rows}", {"parameter": "lag"}
            )
        heads = self._cleaned()(surd_head, None, y, lag)
        plan = surd_plan(heads, lag)
        views = [
            LagView(v, y, lag, halo, samples)
            for v, (halo, samples) in zip(self._views, plan, strict=False)
        ]
        self.selection = mrmr_partitioned(
            through(self._each, views),
            self.columns,
            y,
            k if k is not None else self.k,
            method or self.method,
            None,
            "regression",
            missing=self.missing,
        )
        return self._finish("select")

    def discover(self, targets: Sequence[str] | str | None = "all") -> Pipeline:
        """:meth:`Pipeline.discover` over partitions (SURD's joint counts per
        partition, merged by the engine)."""
        self._need("discover")
        variables, chosen = self._discover_targets(targets)
        self.results = {}
        in_table_order = [c for c in self.columns if c in variables]
        each = self._cleaned()
        runs = [t for t in chosen if any(v != t for v in in_table_order)]
        # Three passes a target (heads, ranges, counts), each over every partition.
        total = 3 * self._each.count * len(runs)
        with ticker("SURD", total=total, enabled=self.progress, unit="partition") as tick:
            with self._each.reporting(tick):
                for t in runs:
                    agents = [v for v in in_table_order if v != t]
                    self.results[t] = surd_partitioned(
                        each,
                        self.columns,
                        t,
                        agents,
                        self.lag,
                        self.bins,
                        None,
                        self.max_order,
                        False,
                        self.permutations,
                        self.seed,
                        self.missing,
                    )
        return self._finish("discover")

    def to_graph(self, *, quantile: float = 0.75, id: str = "discovered") -> Any:
        """:meth:`Pipeline.to_graph`, each variable's quantile found exactly
        on the partitions (radix selection of the two order statistics
        ``numpy.quantile`` interpolates)."""
        from causaloid.discover.errors import StageError
        from causaloid.discover.graph import build_graph

        if "analyze" not in self._done:
            raise StageError(
                "to_graph() needs analyze() first", {"stage": "to_graph", "needs": "analyze"}
            )
        if not 0.0 < quantile < 1.0:
            raise DiscoverValueError(
                f"quantile must be in (0, 1), got {quantile!r}", {"parameter": "quantile"}
            )
        names = sorted({v for e in self.edges for v in (e.target, *e.sources)})
        lo, hi, gamma = quantile_ranks(self._rows, quantile)
        ranks = [(self.columns.index(v), r) for v in names for r in (lo, hi)]
        with self._stage("to_graph"):
            values = order_statistics(self._cleaned(), self.columns, ranks) if ranks else []
        levels = {
            v: (_lerp(values[2 * i], values[2 * i + 1], gamma), self._ranges[v][1])
            for i, v in enumerate(names)
        }
        graph, dropped = build_graph(self.edges, {}, quantile=quantile, id=id, levels=levels)
        self.dropped_edges = dropped
        return graph

    def run(self, source: Any = None, target: str | None = None) -> Pipeline:
        """All stages with their defaults."""
        return self.load(source).clean().select(target).discover().analyze()


def _measure(columns: dict[str, np.ndarray]) -> dict[str, Any]:
    return cleaned_ranges(columns)
