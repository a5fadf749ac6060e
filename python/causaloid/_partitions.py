"""What the Dask and Ray helpers share: the work one partition does on a
worker, and the carry a state machine needs to resume at a partition.

Nothing here depends on Dask or Ray; the engine does every evaluation.
"""

from __future__ import annotations

import hashlib
import pickle
import uuid
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


#: The columns of a state machine's firings table, in order.
FIRING_COLUMNS = ("row", "event", "state", "action", "outcome")


def evaluate_partition(structure: Any, frame: Any, value: Any, task_cpus: float) -> Any:
    """One partition's verdicts, as a pandas Series on the partition's index."""
    import pandas as pd

    from causaloid.threads import _apply_worker_default

    if task_cpus:
        _apply_worker_default(task_cpus)
    verdicts = structure.evaluate_batch(frame, value=value)
    return pd.Series(np.asarray(verdicts), index=frame.index, name="verdict")


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
) -> Any:
    """One partition's firings, numbered as one machine over the whole table."""
    import pandas as pd

    from causaloid.threads import _apply_worker_default

    if task_cpus:
        _apply_worker_default(task_cpus)
    # A copy of its own: a local scheduler hands every task the same object.
    machine = pickle.loads(pickle.dumps(machine))
    machine.resume(first_event, window if machine.window is not None else None)
    result = machine.run_batch(frame)
    firings = result.firings
    return pd.DataFrame(
        {
            "row": np.asarray(result.rows, dtype=np.int64) + first_row,
            "event": np.asarray(result.rows, dtype=np.int64) + first_event,
            "state": pd.Series(result.states, dtype=object),
            "action": pd.Series([firings[i].action for i in range(len(firings))], dtype=object),
            "outcome": pd.Series([firings[i].outcome for i in range(len(firings))], dtype=object),
        },
        columns=list(FIRING_COLUMNS),
    )


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
    frame: Any, target: str, agents: list[str], lag: int, halo: np.ndarray, samples: int
) -> Any:
    """One partition's column ranges over the samples it owns (engine)."""
    from causaloid import _native

    agent_values, target_values = _surd_columns(frame, target, agents)
    return _native.surd_partition_ranges(
        agent_values, target_values, halo, lag, samples, [*agents, target]
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
) -> Any:
    """SURD over partitions. ``each(fn, plan, *args, **kwargs)`` runs
    ``fn(part, *args, *plan[k], **kwargs)`` on every partition ``k`` (``plan``
    None: no per-partition arguments) and returns the results in partition
    order. Three passes: lengths and heads, ranges, counts; the engine merges."""
    from causaloid import _native
    from causaloid.discover.errors import DiscoverValueError
    from causaloid.discover.surd import _build, _check_int, _edges_for
    from causaloid.errors import UnknownColumnError

    lag = _check_int("lag", lag, 0)
    if max_order is not None:
        max_order = _check_int("max_order", max_order, 1)
    if not isinstance(target, str):
        raise DiscoverValueError(
            f"target must be a column name, got {target!r}", {"parameter": "target"}
        )
    if agents is None:
        agents = [c for c in columns if c != target]
    elif isinstance(agents, str):
        agents = [agents]
    agents = list(agents)
    if target in agents:
        raise DiscoverValueError(
            f"the target {target!r} is among its agents; pass self_causation=True to include "
            "its own past",
            {"parameter": "agents", "column": target},
        )
    if self_causation:
        if lag < 1:
            raise DiscoverValueError(
                "self_causation needs lag >= 1 (a variable trivially explains itself)",
                {"parameter": "lag"},
            )
        agents = [*agents, target]
    if not agents:
        raise DiscoverValueError("give at least one agent", {"parameter": "agents"})
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
    parts_ranges = each(surd_ranges, plan, target, agents, lag)
    ranges = _native.surd_merge_ranges(list(parts_ranges))
    specs = [_edges_for(a, bins, binning) for a in agents] + [_edges_for(target, bins, binning)]
    counts = each(surd_counts, plan, target, agents, lag, specs=specs, ranges=ranges)
    raw = _native.surd_from_partition_counts(
        list(counts),
        [*agents, target],
        [s[0] for s in specs],
        [s[1] for s in specs],
        ranges,
        max_order,
    )
    edges = {target: tuple(raw["target_edges"])}
    edges.update({a: tuple(e) for a, e in zip(agents, raw["agent_edges"])})
    return _build(raw, target, agents, lag=lag, samples=raw["samples"], bin_edges=edges)


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


def mrmr_stats(frame: Any, target: str, names: list[str]) -> Any:
    """One partition's count, means and co-moments (engine)."""
    from causaloid import _native

    values, y = _mrmr_columns(frame, target, names, None)
    return _native.mrmr_partition_stats([*values, y], [*names, target])


def mrmr_class_stats(frame: Any, target: str, names: list[str], labels: Any) -> Any:
    """One partition's feature co-moments and per-class counts and sums (engine)."""
    from causaloid import _native

    values, y = _mrmr_columns(frame, target, names, labels)
    return _native.mrmr_partition_class_stats(values, y, [*names, target])


def mrmr_mi_ranges(
    frame: Any, target: str, names: list[str], labels: Any, discrete: bool
) -> Any:
    """One partition's column ranges and target classes (engine)."""
    from causaloid import _native

    values, y = _mrmr_columns(frame, target, names, labels)
    return _native.mrmr_partition_mi_ranges(values, y, [*names, target], discrete)


def mrmr_mi_counts(
    frame: Any,
    target: str,
    names: list[str],
    labels: Any,
    discrete: bool,
    *,
    ranges: Any,
    bins: int,
) -> Any:
    """One partition's joint counts in the table's bins (engine)."""
    from causaloid import _native

    values, y = _mrmr_columns(frame, target, names, labels)
    return _native.mrmr_partition_mi_counts(values, y, [*names, target], ranges, bins, discrete)


def mrmr_partitioned(
    each: Any,
    columns: list[str],
    target: str,
    k: int,
    method: str,
    features: Any,
    task: str,
    bins: int = 10,
) -> Any:
    """mRMR over partitions, every method and task of
    :func:`causaloid.discover.mrmr`: sufficient statistics per partition,
    merged and selected by the engine (F test: co-moments, and per-class sums
    for classification; mutual information: ranges, then joint counts)."""
    from causaloid import _native
    from causaloid.discover.errors import DiscoverValueError
    from causaloid.discover.mrmr import METHODS, TASKS, MRMRResult
    from causaloid.errors import UnknownColumnError

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
        stats = each(mrmr_stats, None, target, names)
        selected, scores, relevance = _native.mrmr_from_partition_stats(
            list(stats), everything, int(k)
        )
    else:
        labels = None
        if classes:
            found = [x for x in each(mrmr_labels, None, target) if x is not None]
            labels = np.unique(np.concatenate(found)) if found else None
        if method == "f_test":
            parts = each(mrmr_class_stats, None, target, names, labels)
            selected, scores, relevance = _native.mrmr_from_partition_class_stats(
                list(parts), everything, int(k)
            )
        else:
            pieces = each(mrmr_mi_ranges, None, target, names, labels, classes)
            ranges = _native.mrmr_merge_mi_ranges(list(pieces))
            counts = each(
                mrmr_mi_counts, None, target, names, labels, classes, ranges=ranges, bins=int(bins)
            )
            selected, scores, relevance = _native.mrmr_from_partition_mi_counts(
                list(counts), everything, ranges, int(bins), classes, int(k)
            )
    return MRMRResult(
        target=target,
        features=[names[i] for i in selected],
        scores=list(scores),
        relevance=dict(zip(names, relevance)),
        method=method,
    )
