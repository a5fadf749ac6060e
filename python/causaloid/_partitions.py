"""What the Dask and Ray helpers share: the work one partition does on a
worker, and the carry a state machine needs to resume at a partition.

Nothing here depends on Dask or Ray; the engine does every evaluation.
"""

from __future__ import annotations

import hashlib
import pickle
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from causaloid._table import n_rows, to_columns


class Shipped:
    """A structure on its way to the workers: pickled once, before anything
    evaluates it on the client (so no per-process cache travels), with a Dask
    token taken from those bytes. A structure that does not pickle (a lambda,
    on a local scheduler) travels as itself with a fresh token."""

    __slots__ = ("_data", "_obj")

    def __init__(self, obj: Any) -> None:
        try:
            self._data: bytes | None = pickle.dumps(obj)
        except Exception:
            self._data = None
        self._obj = obj

    @classmethod
    def _loads(cls, data: bytes) -> Shipped:
        shipped = cls.__new__(cls)
        shipped._data = data
        shipped._obj = None
        return shipped

    def __reduce__(self) -> Any:
        if self._data is None:
            return (Shipped, (self._obj,))
        return (Shipped._loads, (self._data,))

    def get(self) -> Any:
        if self._obj is None and self._data is not None:
            self._obj = pickle.loads(self._data)
        return self._obj

    def __dask_tokenize__(self) -> str:
        if self._data is None:
            return "causaloid-" + uuid.uuid4().hex
        return "causaloid-" + hashlib.sha256(self._data).hexdigest()


class Each:
    """One pass over every partition: ``each(fn, plan, *args, **kwargs)`` runs
    ``fn(part, *args, *plan[k], **kwargs)`` on every partition ``k`` (``plan``
    None: no per-partition arguments) and returns the results in partition
    order. ``run(fn, plans, args, kwargs, tick)`` is the scheduler's part (Dask,
    Ray); it calls ``tick`` (when given) once for each partition that finishes,
    in the order they finish. :attr:`tick` is set while a stage reports its
    progress (see :meth:`reporting`)."""

    __slots__ = ("_run", "count", "tick")

    def __init__(self, count: int, run: Callable[..., list[Any]]) -> None:
        self.count = count
        self._run = run
        self.tick: Callable[[], None] | None = None

    def __call__(self, fn: Any, plan: Any, *args: Any, **kwargs: Any) -> list[Any]:
        plans = plan if plan is not None else [()] * self.count
        return self._run(fn, plans, args, kwargs, self.tick)

    @contextmanager
    def reporting(self, tick: Callable[[], None] | None) -> Iterator[None]:
        """Calls ``tick`` for every partition any pass finishes inside the block."""
        before, self.tick = self.tick, tick
        try:
            yield
        finally:
            self.tick = before


#: The columns of a state machine's firings table, in order.
FIRING_COLUMNS = ("row", "event", "state", "action", "outcome")


def evaluate_partition(
    structure: Any, frame: Any, value: Any, task_cpus: float, missing: str = "raise"
) -> Any:
    """One partition's verdicts, as a pandas Series on the partition's index.

    Under ``missing="propagate"`` the Series is nullable (``boolean`` or
    ``Float64``) with ``<NA>`` on the rows whose verdict is unknown, in every
    partition alike, so the Dask ``meta`` matches them all."""
    import pandas as pd

    from causaloid.threads import _apply_worker_default

    if task_cpus:
        _apply_worker_default(task_cpus)
    verdicts = structure.evaluate_batch(frame, value=value, missing=missing)
    if missing != "propagate":
        return pd.Series(np.asarray(verdicts), index=frame.index, name="verdict")
    data = np.ma.getdata(verdicts)
    unknown = np.ma.getmaskarray(verdicts)
    dtype = "boolean" if data.dtype == np.bool_ else "Float64"
    out = pd.Series(pd.array(data, dtype=dtype), index=frame.index, name="verdict")
    out[unknown] = pd.NA
    return out


def length_and_tail(frame: Any, columns: list[str], size: int) -> tuple[int, dict[str, np.ndarray]]:
    """A partition's row count and the last ``size`` values of ``columns``."""
    cols = to_columns(frame)
    n = n_rows(cols) if cols else len(frame)
    tail = {c: np.asarray(cols[c])[max(0, n - size) :] for c in columns}
    return n, tail


def carries(
    pieces: list[tuple[int, dict[str, np.ndarray]]],
    columns: list[str],
    size: int,
    first: int,
    start: dict[str, np.ndarray],
) -> list[tuple[int, int, dict[str, np.ndarray]]]:
    """For each partition: its first row, its first event, and the window rows
    before it (the last ``size`` of the machine's own window contents
    ``start`` followed by every partition before it)."""
    out = []
    row = 0
    tail: dict[str, np.ndarray] = {c: np.asarray(start[c], dtype=np.float64) for c in columns}
    for n, piece in pieces:
        out.append((row, first + row, tail))
        tail = {
            c: np.concatenate([tail[c], np.asarray(piece[c], dtype=np.float64)])[-size:]
            for c in columns
        }
        row += n
    return out


def run_partition(
    machine: Any,
    frame: Any,
    first_row: int,
    first_event: int,
    window: dict[str, np.ndarray],
    task_cpus: float,
    missing: str = "raise",
) -> Any:
    """One partition's firings, numbered as one machine over the whole table.
    Each state whose verdict was unknown (``missing="propagate"``) adds a row
    whose ``outcome`` is ``"unknown"``, and each recorded error (a missing
    input under ``"raise"``, a failing state) a row whose ``outcome`` is
    ``"error: <message>"``; they follow the row's firings."""
    import pandas as pd

    from causaloid.threads import _apply_worker_default

    if task_cpus:
        _apply_worker_default(task_cpus)
    # A copy of its own: a local scheduler hands every task the same object.
    machine = pickle.loads(pickle.dumps(machine))
    machine.resume(first_event, window if machine.window is not None else None)
    result = machine.run_batch(frame, missing=missing)
    firings = result.firings
    out = pd.DataFrame(
        {
            "row": np.asarray(result.rows, dtype=np.int64) + first_row,
            "event": np.asarray(result.rows, dtype=np.int64) + first_event,
            "state": pd.Series(result.states, dtype=object),
            "action": pd.Series([firings[i].action for i in range(len(firings))], dtype=object),
            "outcome": pd.Series([firings[i].outcome for i in range(len(firings))], dtype=object),
        },
        columns=list(FIRING_COLUMNS),
    )
    others = [(u.position, u.state, "unknown") for u in result.unknown] + [
        (e.position, e.state, f"error: {e.error}") for e in result.errors
    ]
    if not others:
        return out
    actions = {s.id: a.name for s, a in machine._states.values()}
    positions = np.asarray([p for p, _, _ in others], dtype=np.int64)
    extra = pd.DataFrame(
        {
            "row": positions + first_row,
            "event": positions + first_event,
            "state": pd.Series([s for _, s, _ in others], dtype=object),
            "action": pd.Series([actions.get(s) for _, s, _ in others], dtype=object),
            "outcome": pd.Series([o for _, _, o in others], dtype=object),
        },
        columns=list(FIRING_COLUMNS),
    )
    both = pd.concat([out, extra], ignore_index=True)
    return both.sort_values("row", kind="stable", ignore_index=True)


def firings_meta() -> Any:
    import pandas as pd

    return pd.DataFrame(
        {
            "row": pd.Series(dtype=np.int64),
            "event": pd.Series(dtype=np.int64),
            "state": pd.Series(dtype=object),
            "action": pd.Series(dtype=object),
            "outcome": pd.Series(dtype=object),
        }
    )


def window_contents(machine: Any) -> tuple[list[str], int, dict[str, np.ndarray]]:
    """The machine's window columns, size and current contents (oldest first)."""
    window = machine.window
    if window is None:
        return [], 0, {}
    columns = list(window.columns)
    return columns, int(window.size), {c: np.asarray(window.values(c)) for c in columns}


# --- SURD on partitions ---------------------------------------------------------


def surd_head(frame: Any, target: str, lag: int) -> tuple[int, np.ndarray]:
    """A partition's length and its first ``lag`` target values."""
    cols = to_columns(frame)
    values = np.asarray(cols[target], dtype=np.float64) if target in cols else np.empty(0)
    return len(values), values[:lag].copy()


def surd_plan(heads: list[tuple[int, np.ndarray]], lag: int) -> list[tuple[np.ndarray, int]]:
    """Each partition's halo (the ``lag`` target values after it) and the
    number of samples it owns (agent rows at least ``lag`` from the end)."""
    total = sum(n for n, _ in heads)
    out = []
    start = 0
    for k, (n, _) in enumerate(heads):
        halo_parts: list[np.ndarray] = []
        need = lag
        for _, head in heads[k + 1 :]:
            if need <= 0:
                break
            halo_parts.append(head[:need])
            need -= len(head[:need])
        halo = np.concatenate(halo_parts) if halo_parts else np.empty(0)
        samples = max(0, min(start + n, total - lag) - start)
        out.append((np.ascontiguousarray(halo, dtype=np.float64), samples))
        start += n
    return out


def _surd_columns(
    frame: Any, target: str, agents: list[str]
) -> tuple[list[np.ndarray], np.ndarray]:
    from causaloid.discover.surd import _as_float

    cols = to_columns(frame, [target, *[a for a in agents if a != target]])
    return [_as_float(a, cols[a]) for a in agents], _as_float(target, cols[target])


def surd_ranges(
    frame: Any,
    target: str,
    agents: list[str],
    lag: int,
    halo: np.ndarray,
    samples: int,
    missing: str = "raise",
) -> Any:
    """One partition's column ranges over the samples it owns (engine; under
    ``missing="drop"`` over its complete samples)."""
    from causaloid import _native

    agent_values, target_values = _surd_columns(frame, target, agents)
    return _native.surd_partition_ranges(
        agent_values, target_values, halo, lag, samples, [*agents, target], missing
    )


def surd_counts(
    frame: Any,
    target: str,
    agents: list[str],
    lag: int,
    halo: np.ndarray,
    samples: int,
    *,
    specs: list[tuple[int, list[float] | None]],
    ranges: Any,
    missing: str = "raise",
) -> np.ndarray:
    """One partition's joint counts with the table's bins (engine)."""
    from causaloid import _native

    agent_values, target_values = _surd_columns(frame, target, agents)
    return _native.surd_partition_counts(
        agent_values,
        target_values,
        halo,
        lag,
        samples,
        [*agents, target],
        [s[0] for s in specs],
        [s[1] for s in specs],
        ranges,
        missing,
    )


def surd_partitioned(
    each: Any,
    columns: list[str],
    target: str,
    agents: Any,
    lag: int,
    bins: Any,
    binning: Any,
    max_order: int | None,
    self_causation: bool,
    permutations: int = 0,
    seed: int = 0,
    missing: str = "raise",
) -> Any:
    """SURD over partitions. ``each(fn, plan, *args, **kwargs)`` runs
    ``fn(part, *args, *plan[k], **kwargs)`` on every partition ``k`` (``plan``
    None: no per-partition arguments) and returns the results in partition
    order. Three passes: lengths and heads, ranges, counts; the engine merges,
    decomposes and runs the permutation test on the merged counts (the same
    null, draw for draw, as on the collected table)."""
    from causaloid import _native
    from causaloid.discover._missing import missing_name
    from causaloid.discover.errors import DiscoverValueError
    from causaloid.discover.surd import _edges_for, _from_columns, _surd_arguments
    from causaloid.errors import UnknownColumnError

    missing = missing_name(missing)
    lag, permutations, seed, max_order, agents = _surd_arguments(
        target, agents, lambda: columns, lag, permutations, seed, max_order, self_causation
    )
    for c in [target, *agents]:
        if c not in columns:
            raise UnknownColumnError(
                f"unknown column {c!r} (available: {', '.join(columns[:12])})",
                {"column": c, "available": columns},
            )
    heads = each(surd_head, None, target, lag)
    if lag >= sum(n for n, _ in heads):
        raise DiscoverValueError(
            f"lag {lag} leaves no samples out of {sum(n for n, _ in heads)}", {"parameter": "lag"}
        )
    plan = surd_plan(heads, lag)
    parts_ranges = each(surd_ranges, plan, target, agents, lag, missing=missing)
    ranges = _native.surd_merge_ranges(list(parts_ranges))
    specs = [_edges_for(a, bins, binning) for a in agents] + [_edges_for(target, bins, binning)]
    counts = each(
        surd_counts, plan, target, agents, lag, specs=specs, ranges=ranges, missing=missing
    )
    raw = _native.surd_from_partition_counts(
        list(counts),
        [*agents, target],
        [s[0] for s in specs],
        [s[1] for s in specs],
        ranges,
        max_order,
        permutations,
        seed,
    )
    # The merged counts hold the samples used; the plan says how many there were.
    raw["rows_dropped"] = sum(owned for _, owned in plan) - int(raw["samples"])
    return _from_columns(raw, target, agents, lag)


# --- mRMR on partitions ---------------------------------------------------------


def _mrmr_columns(
    frame: Any, target: str, names: list[str], labels: np.ndarray | None
) -> tuple[list[np.ndarray], np.ndarray]:
    """A partition's feature columns and its target: numbers, or class codes
    in the table's sorted ``labels`` (for a target of strings)."""
    from causaloid._table import numeric

    cols = to_columns(frame, [target, *names])
    values = [np.ascontiguousarray(numeric(n, cols[n]), dtype=np.float64) for n in names]
    raw = np.asarray(cols[target])
    if labels is not None:
        y = np.searchsorted(labels, raw.reshape(-1)).astype(np.float64)
    else:
        # +0.0 folds -0.0 into 0.0: one class, as np.unique makes it.
        y = np.ascontiguousarray(numeric(target, raw), dtype=np.float64) + 0.0
    return values, np.ascontiguousarray(y)


def mrmr_labels(frame: Any, target: str) -> np.ndarray | None:
    """A partition's distinct target labels when they are not numbers."""
    raw = np.asarray(to_columns(frame, [target])[target])
    if raw.dtype.kind in "biuf":
        return None
    return np.unique(raw.reshape(-1))


def mrmr_stats(frame: Any, target: str, names: list[str], missing: str = "raise") -> Any:
    """One partition's count, means and co-moments (engine; under
    ``missing="drop"`` of its complete rows)."""
    from causaloid import _native

    values, y = _mrmr_columns(frame, target, names, None)
    return _native.mrmr_partition_stats([*values, y], [*names, target], missing)


def mrmr_class_stats(
    frame: Any, target: str, names: list[str], labels: Any, missing: str = "raise"
) -> Any:
    """One partition's feature co-moments and per-class counts and sums (engine)."""
    from causaloid import _native

    values, y = _mrmr_columns(frame, target, names, labels)
    return _native.mrmr_partition_class_stats(values, y, [*names, target], missing)


def mrmr_mi_ranges(
    frame: Any, target: str, names: list[str], labels: Any, discrete: bool, missing: str = "raise"
) -> Any:
    """One partition's column ranges and target classes (engine)."""
    from causaloid import _native

    values, y = _mrmr_columns(frame, target, names, labels)
    return _native.mrmr_partition_mi_ranges(values, y, [*names, target], discrete, missing)


def mrmr_mi_counts(
    frame: Any,
    target: str,
    names: list[str],
    labels: Any,
    discrete: bool,
    *,
    ranges: Any,
    bins: int,
    missing: str = "raise",
) -> Any:
    """One partition's joint counts in the table's bins (engine)."""
    from causaloid import _native

    values, y = _mrmr_columns(frame, target, names, labels)
    return _native.mrmr_partition_mi_counts(
        values, y, [*names, target], ranges, bins, discrete, missing
    )


def mrmr_partitioned(
    each: Any,
    columns: list[str],
    target: str,
    k: int,
    method: str,
    features: Any,
    task: str,
    bins: int = 10,
    missing: str = "raise",
) -> Any:
    """mRMR over partitions, every method and task of
    :func:`causaloid.discover.mrmr`: sufficient statistics per partition,
    merged and selected by the engine (F test: co-moments, and per-class sums
    for classification; mutual information: ranges, then joint counts)."""
    from causaloid import _native
    from causaloid.discover._missing import missing_name
    from causaloid.discover.errors import DiscoverValueError
    from causaloid.discover.mrmr import METHODS, TASKS, MRMRResult
    from causaloid.errors import UnknownColumnError

    missing = missing_name(missing)
    if method not in METHODS:
        raise DiscoverValueError(
            f"method must be one of {METHODS}, got {method!r}", {"parameter": "method"}
        )
    if task not in TASKS:
        raise DiscoverValueError(
            f"task must be one of {TASKS}, got {task!r}", {"parameter": "task"}
        )
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise DiscoverValueError(f"k must be a positive integer, got {k!r}", {"parameter": "k"})
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 2:
        raise DiscoverValueError(
            f"bins must be an integer >= 2, got {bins!r}", {"parameter": "bins"}
        )
    if features is None:
        names = [c for c in columns if c != target]
    else:
        names = [features] if isinstance(features, str) else list(features)
        if target in names:
            raise DiscoverValueError(
                f"the target {target!r} is among the candidate features",
                {"parameter": "features", "column": target},
            )
    if not names:
        raise DiscoverValueError("no candidate features", {"parameter": "features"})
    for c in [target, *names]:
        if c not in columns:
            raise UnknownColumnError(
                f"unknown column {c!r} (available: {', '.join(columns[:12])})",
                {"column": c, "available": columns},
            )
    everything = [*names, target]
    classes = task == "classification"
    if method == "f_test" and not classes:
        stats = each(mrmr_stats, None, target, names, missing=missing)
        used = sum(int(part[0]) for part in stats)
        selected, scores, relevance = _native.mrmr_from_partition_stats(
            list(stats), everything, int(k)
        )
    else:
        labels = None
        if classes:
            found = [x for x in each(mrmr_labels, None, target) if x is not None]
            labels = np.unique(np.concatenate(found)) if found else None
        if method == "f_test":
            parts = each(mrmr_class_stats, None, target, names, labels, missing=missing)
            used = sum(int(part[0]) for part in parts)
            selected, scores, relevance = _native.mrmr_from_partition_class_stats(
                list(parts), everything, int(k)
            )
        else:
            pieces = each(mrmr_mi_ranges, None, target, names, labels, classes, missing=missing)
            ranges = _native.mrmr_merge_mi_ranges(list(pieces))
            counts = each(
                mrmr_mi_counts,
                None,
                target,
                names,
                labels,
                classes,
                ranges=ranges,
                bins=int(bins),
                missing=missing,
            )
            used = sum(int(part[0]) for part in counts)
            selected, scores, relevance = _native.mrmr_from_partition_mi_counts(
                list(counts), everything, ranges, int(bins), classes, int(k)
            )
    return MRMRResult(
        target=target,
        features=[names[i] for i in selected],
        scores=list(scores),
        relevance=dict(zip(names, relevance, strict=False)),
        method=method,
        rows_used=used,
        # Rows the partitions hold, less those their statistics read.
        rows_dropped=sum(each(_length, None, target)) - used if missing == "drop" else 0,
    )


def _length(frame: Any, column: str) -> int:
    """A partition's number of rows (of one of the columns read)."""
    return len(np.asarray(to_columns(frame, [column])[column]))


# --- root causes on partitions ----------------------------------------------------


def _rca_columns(frame: Any, names: list[str]) -> list[np.ndarray]:
    from causaloid._table import numeric

    cols = to_columns(frame, names)
    return [np.ascontiguousarray(numeric(n, cols[n]), dtype=np.float64) for n in names]


def rca_ranges(frame: Any, names: list[str], missing: str = "raise") -> Any:
    """A partition's rows and column ranges (engine)."""
    from causaloid import _native

    return _native.rca_partition_ranges(_rca_columns(frame, names), names, missing)


def rca_moments(frame: Any, names: list[str], offsets: list[float], missing: str = "raise") -> Any:
    """A normal partition's co-moments on the relative scale (engine)."""
    from causaloid import _native

    return _native.rca_partition_moments(_rca_columns(frame, names), names, offsets, missing)


def rca_histogram(
    frame: Any,
    names: list[str],
    fit: Any,
    select: Any,
    centres: Any,
    anomalous: bool,
    missing: str = "raise",
) -> Any:
    """One partition's counts for one pass of the exact medians (engine)."""
    from causaloid import _native

    return _native.rca_partition_histogram(
        fit, select, centres, _rca_columns(frame, names), names, anomalous, missing
    )


def rca_squares(
    frame: Any, names: list[str], fit: Any, centres: list[float], missing: str = "raise"
) -> Any:
    """A normal partition's squared deviations from the centres (engine)."""
    from causaloid import _native

    return _native.rca_partition_squares(fit, centres, _rca_columns(frame, names), names, missing)


def root_causes_partitioned(
    each_normal: Any,
    each_anomalous: Any,
    normal_columns: list[str],
    anomalous_columns: list[str],
    graph: Any,
    columns: Any,
    threshold: float,
    method: str,
    missing: str = "raise",
) -> Any:
    """:func:`causaloid.discover.root_causes` over partitions: ranges, the
    parents' fit from merged co-moments, then exact medians by radix selection
    (eight passes for the medians of the columns and residuals, eight for the
    residuals' absolute deviations) and the same scores and ranking."""
    from causaloid import _native
    from causaloid.discover._missing import missing_name
    from causaloid.discover.errors import DiscoverValueError
    from causaloid.discover.root_causes import _check_method, _parent_lists, _ranked
    from causaloid.errors import UnknownColumnError

    missing = missing_name(missing)
    _check_method(method)
    names = list(normal_columns) if columns is None else list(columns)
    if not names:
        raise DiscoverValueError("no columns to rank", {"parameter": "columns"})
    for table, available in (("normal", normal_columns), ("anomalous", anomalous_columns)):
        for c in names:
            if c not in available:
                raise UnknownColumnError(
                    f"unknown column {c!r} in the {table} table "
                    f"(available: {', '.join(list(available)[:12])})",
                    {"column": c, "available": list(available)},
                )
    parent_lists = _parent_lists(graph, names)
    normal_ranges = each_normal(rca_ranges, None, names, missing=missing)
    anomalous_ranges = each_anomalous(rca_ranges, None, names, missing=missing)
    n, na, offsets = _native.rca_merge_offsets(normal_ranges, anomalous_ranges, len(names))
    moments = each_normal(rca_moments, None, names, offsets, missing=missing)
    fit = _native.rca_fit_parents(names, moments, parent_lists, offsets, n, na)

    def medians(round_: int, centres: list[float] | None) -> list[float]:
        select = _native.rca_select_start(fit, round_)
        values = None
        while values is None:
            parts = each_normal(
                rca_histogram, None, names, fit, select, centres, False, missing=missing
            )
            parts += each_anomalous(
                rca_histogram, None, names, fit, select, centres, True, missing=missing
            )
            select, values = _native.rca_select_advance(select, parts)
        return values

    round1 = medians(1, None)
    centres = _native.rca_round_centres(fit, round1)
    round2 = medians(2, centres)
    squares = each_normal(rca_squares, None, names, fit, centres, missing=missing)
    raw = _native.rca_scores_from_parts(fit, round1, round2, squares)
    ranked = _ranked(names, raw, parent_lists, threshold, method)
    # Each period's ranges count the rows its partitions read.
    ranked.rows_used = int(n) + int(na)
    if missing == "drop":
        held = each_normal(_length, None, names[0]) + each_anomalous(_length, None, names[0])
        ranked.rows_dropped = sum(held) - ranked.rows_used
    return ranked


# --- exact quantiles on partitions --------------------------------------------------


def _finite_columns(frame: Any, names: list[str]) -> list[np.ndarray]:
    from causaloid.discover.pipeline import _to_float

    cols = to_columns(frame, names)
    out = []
    for n in names:
        v = _to_float(np.asarray(cols[n]))
        v = np.empty(0) if v is None else v
        out.append(np.ascontiguousarray(v[np.isfinite(v)], dtype=np.float64))
    return out


def select_histogram(frame: Any, names: list[str], select: Any, targets: list[int]) -> Any:
    """One partition's counts for one pass of an exact selection (engine)."""
    from causaloid import _native

    return _native.select_partition_histogram(select, _finite_columns(frame, names), targets)


def order_statistics(each: Any, names: list[str], ranks: list[tuple[int, int]]) -> list[float]:
    """The exact order statistics ``(column index, rank)`` of finite values
    over partitions: eight radix-selection passes in the engine."""
    from causaloid import _native

    select = _native.select_start([r for _, r in ranks])
    targets = [c for c, _ in ranks]
    values = None
    while values is None:
        parts = each(select_histogram, None, names, select, targets)
        select, values = _native.rca_select_advance(select, parts)
    return values


def _lerp(a: float, b: float, t: float) -> float:
    """numpy's interpolation between two order statistics (``np.quantile``)."""
    diff = np.float64(b) - np.float64(a)
    if t >= 0.5:
        return float(np.float64(b) - diff * (1.0 - t))
    return float(np.float64(a) + diff * t)


def quantile_ranks(n: int, q: float) -> tuple[int, int, float]:
    """The two ranks and the weight numpy's linear ``quantile`` reads."""
    index = np.float64(n - 1) * np.float64(q)
    previous = np.floor(index)
    gamma = float(index - previous)
    lo = int(previous)
    if index >= n - 1:
        return n - 1, n - 1, gamma
    return lo, lo + 1, gamma


# --- a Pipeline on partitions ------------------------------------------------------


class CleanView:
    """How one partition is cleaned: the numeric columns kept, the rows
    dropped for missing values, the values imputed (a mean, a median, or the
    last value of the rows before). Applied on the worker to each partition."""

    __slots__ = ("carry", "columns", "drop_if", "fills", "ffill", "first")

    def __init__(
        self,
        columns: list[str],
        drop_if: list[str],
        fills: dict[str, float],
        ffill: bool,
        carry: dict[str, float],
        first: dict[str, float],
    ) -> None:
        self.columns = columns
        self.drop_if = drop_if
        self.fills = fills
        self.ffill = ffill
        self.carry = carry
        self.first = first

    def __reduce__(self) -> Any:
        return (
            CleanView,
            (self.columns, self.drop_if, self.fills, self.ffill, self.carry, self.first),
        )

    def apply(self, frame: Any) -> dict[str, np.ndarray]:
        from causaloid.discover.pipeline import _to_float

        # Rows are dropped on every column that had a gap, even one dropped
        # afterwards for being constant.
        wanted = [*self.columns, *[c for c in self.drop_if if c not in self.columns]]
        cols = to_columns(frame, wanted)
        out: dict[str, np.ndarray] = {}
        for name in wanted:
            arr = _to_float(np.asarray(cols[name]))
            out[name] = arr if arr is not None else np.full(n_rows(cols), np.nan)
        if self.drop_if:
            keep = np.logical_and.reduce([np.isfinite(out[c]) for c in self.drop_if])
            out = {c: a[keep] for c, a in out.items() if c in self.columns}
        for name, fill in self.fills.items():
            if name not in out:
                continue  # imputed, then dropped as constant
            arr = out[name].copy()
            arr[~np.isfinite(arr)] = fill
            out[name] = arr
        if self.ffill:
            for name, arr in out.items():
                missing = ~np.isfinite(arr)
                if not missing.any():
                    continue
                index = np.where(~missing, np.arange(arr.size), -1)
                np.maximum.accumulate(index, out=index)
                before = self.carry.get(name, self.first.get(name, np.nan))
                filled = np.where(index >= 0, arr[np.maximum(index, 0)], before)
                out[name] = filled
        return out


def _viewed(part: Any, fn: Any, args: tuple, kwargs: dict, view: Any, inner: tuple) -> Any:
    return fn(view.apply(part), *args, *inner, **kwargs)


def through(each: Any, views: list[Any]) -> Any:
    """``each`` with every partition seen through its view first."""

    def each_viewed(fn: Any, plan: Any, *args: Any, **kwargs: Any) -> list[Any]:
        inner = plan if plan is not None else [()] * len(views)
        return each(
            _viewed, [(v, tuple(k)) for v, k in zip(views, inner, strict=False)], fn, args, kwargs
        )

    return each_viewed


class LagView:
    """A cleaned partition with the target read ``lag`` rows ahead: the
    samples whose agent row the partition holds (the target's next rows may
    sit in the partitions after it: ``halo``)."""

    __slots__ = ("clean", "halo", "lag", "samples", "target")

    def __init__(
        self, clean: CleanView, target: str, lag: int, halo: np.ndarray, samples: int
    ) -> None:
        self.clean = clean
        self.target = target
        self.lag = lag
        self.halo = halo
        self.samples = samples

    def __reduce__(self) -> Any:
        return (LagView, (self.clean, self.target, self.lag, self.halo, self.samples))

    def apply(self, frame: Any) -> dict[str, np.ndarray]:
        cols = self.clean.apply(frame)
        k = self.samples
        out = {c: a[:k] for c, a in cols.items() if c != self.target}
        ahead = np.concatenate([cols[self.target][self.lag :], self.halo])
        out[self.target] = ahead[:k]
        return out


def inspect_partition(frame: Any, names: list[str]) -> dict[str, Any]:
    """A partition's rows and, per column: numeric or not, missing values,
    first and last present value, sum and count of present values."""
    from causaloid.discover.pipeline import _to_float

    cols = to_columns(frame, names)
    out: dict[str, Any] = {"rows": n_rows(cols) if cols else len(frame)}
    for name in names:
        raw = np.asarray(cols[name])
        arr = _to_float(raw)
        if arr is None:
            out[name] = None
            out[f"dtype {name}"] = str(raw.dtype)
            continue
        present = arr[np.isfinite(arr)]
        out[name] = (
            int(arr.size - present.size),
            float(present[0]) if present.size else None,
            float(present[-1]) if present.size else None,
            float(present.sum()),
            int(present.size),
        )
    return out


def cleaned_ranges(columns: dict[str, np.ndarray]) -> dict[str, Any]:
    """A cleaned partition's rows and each column's range."""
    rows = len(next(iter(columns.values()))) if columns else 0
    ranges: dict[str, tuple[float, float] | None] = {}
    for c, a in columns.items():
        # Missing cells kept by clean(missing="keep") have no place in a range.
        present = a[~np.isnan(a)] if a.dtype.kind == "f" else a
        ranges[c] = (float(present.min()), float(present.max())) if present.size else None
    return {"rows": rows, "ranges": ranges}
