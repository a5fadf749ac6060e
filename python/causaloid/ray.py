"""Run causaloid on a Ray Dataset: blocks evaluated by the engine in Ray
tasks, with results identical to one machine's.

Install with ``pip install "causaloid[ray]"``. See ``docs/distributed.md``.

- :func:`evaluate_batch` — a causaloid, collection, graph or model over every
  row: the dataset with a ``verdict`` column added (lazy, like any Ray
  Dataset transformation).
- :func:`run_batch` — a state machine over every row, in order: a pandas
  DataFrame of firings (``row``, ``event``, ``state``, ``action``,
  ``outcome``). The dataset is cut into ``pieces`` contiguous pieces run as
  Ray tasks; each resumes with the event number and the window it would have
  reached on one machine.

Inside a Ray task the engine uses as many threads as the task's CPUs
(``num_cpus``, 1 by default) unless the worker set
:func:`causaloid.set_threads` or ``CAUSALOID_THREADS``.
"""

from __future__ import annotations

from typing import Any

try:
    import pandas as pd
    import ray
except ImportError as exc:  # pragma: no cover - exercised without the extra
    from causaloid.errors import MissingDependencyError

    raise MissingDependencyError(
        f"causaloid.ray needs Ray, which is not installed: pip install 'causaloid[ray]' "
        f"(missing: {exc.name})",
        {"package": (exc.name or "ray").split(".")[0], "extra": "ray"},
    ) from exc

from causaloid._partitions import (
    Each,
    Shipped,
    carries,
    evaluate_partition,
    length_and_tail,
    mrmr_partitioned,
    root_causes_partitioned,
    run_partition,
    surd_partitioned,
    window_contents,
)
from causaloid.errors import InvalidArgumentError

__all__ = ["evaluate_batch", "Pipeline", "mrmr", "root_causes", "run_batch", "surd"]


def _dataset(data: Any) -> Any:
    if not isinstance(data, ray.data.Dataset):
        raise InvalidArgumentError(
            f"expected a ray.data.Dataset; got {type(data).__name__}",
            {"type": type(data).__name__},
        )
    return data


def _task_cpus() -> float:
    try:
        return float(ray.get_runtime_context().get_assigned_resources().get("CPU", 1.0))
    except Exception:  # pragma: no cover - outside a Ray worker
        return 1.0


def evaluate_batch(
    structure: Any, dataset: Any, *, value: str | None = None, missing: str = "raise"
) -> Any:
    """Evaluate every row of a Ray Dataset, block by block.

    Parameters
    ----------
    structure : Causaloid, CausalCollection, CausalGraph or Model
    dataset : ray.data.Dataset
        Must hold every column the structure reads.
    value : str, optional
        A column holding each row's incoming value.
    missing : {"raise", "false", "true", "propagate"}
        What a missing input does, as in ``evaluate_batch`` (see
        ``docs/missing.md``); under ``"propagate"`` the column is nullable.

    Returns
    -------
    ray.data.Dataset
        The rows with a ``verdict`` column (bool, or float degrees), in order.
    """
    dataset = _dataset(dataset)
    shipped = Shipped(structure)

    def block(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        verdicts = evaluate_partition(shipped.get(), frame, value, _task_cpus(), missing)
        out["verdict"] = verdicts.to_numpy()
        return out

    return dataset.map_batches(block, batch_format="pandas", batch_size=None)


def run_batch(
    machine: Any, dataset: Any, *, pieces: int = 8, missing: str = "raise"
) -> pd.DataFrame:
    """Run a state machine over every row of a Ray Dataset, in order.

    Parameters
    ----------
    machine : StateMachine
        Not changed; each task runs a copy.
    dataset : ray.data.Dataset
        Must hold every column in ``machine.inputs``.
    pieces : int
        Contiguous pieces run as parallel Ray tasks.
    missing : {"raise", "false", "true", "propagate"}
        As in :func:`causaloid.dask.run_batch` (``"propagate"``: a row with
        ``outcome == "unknown"`` for each unknown verdict).

    Returns
    -------
    pandas.DataFrame
        One row per firing: ``row``, ``event``, ``state``, ``action``, ``outcome``.
    """
    dataset = _dataset(dataset)
    parts = _pieces(dataset, pieces)
    columns, size, start = window_contents(machine)
    measure = ray.remote(_on_piece)
    lengths = ray.get([measure.remote(p, length_and_tail, columns, size) for p in parts])
    plan = carries(list(lengths), columns, size, machine.events, start)
    results = ray.get(
        [
            measure.remote(p, _run_piece, machine, row, event, tail, missing)
            for p, (row, event, tail) in zip(parts, plan, strict=False)
        ]
    )
    return pd.concat(results, ignore_index=True)


def _run_piece(
    frame: pd.DataFrame, machine: Any, row: int, event: int, tail: Any, missing: str
) -> Any:
    return run_partition(machine, frame, row, event, tail, _task_cpus(), missing)


def _pieces(dataset: Any, pieces: int) -> list[Any]:
    """The dataset cut into ``pieces`` contiguous, ordered pieces."""
    if isinstance(pieces, bool) or not isinstance(pieces, int) or pieces < 1:
        raise InvalidArgumentError(f"pieces must be at least 1; got {pieces!r}", {"pieces": pieces})
    n = dataset.count()
    cuts = [n * i // pieces for i in range(1, pieces)]
    return list(dataset.split_at_indices(cuts)) if cuts else [dataset]


def _on_piece(piece: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Runs ``fn`` on one piece, read in the task (never on the driver)."""
    from causaloid.threads import _apply_worker_default

    _apply_worker_default(_task_cpus())
    return fn(piece.to_pandas(), *args, **kwargs)


def _each(dataset: Any, pieces: int) -> Each:
    parts = _pieces(dataset, pieces)
    task = ray.remote(_on_piece)

    def run(fn: Any, plans: Any, args: Any, kwargs: Any, tick: Any) -> list[Any]:
        refs = [task.remote(p, fn, *args, *k, **kwargs) for p, k in zip(parts, plans, strict=False)]
        if tick is not None:
            pending = list(refs)
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                for _ in done:
                    tick()
        return list(ray.get(refs))

    return Each(len(parts), run)


def surd(
    dataset: Any,
    target: str,
    agents: Any = None,
    *,
    lag: int = 1,
    bins: Any = 8,
    binning: Any = None,
    max_order: int | None = None,
    self_causation: bool = False,
    permutations: int = 100,
    seed: int = 0,
    pieces: int = 8,
    missing: str = "raise",
) -> Any:
    """:func:`causaloid.discover.surd` on a Ray Dataset, bit-identical to the
    collected table's, permutation test included (see
    :func:`causaloid.dask.surd` for the three passes and the test)."""
    dataset = _dataset(dataset)
    return surd_partitioned(
        _each(dataset, pieces),
        list(dataset.columns()),
        target,
        agents,
        lag,
        bins,
        binning,
        max_order,
        self_causation,
        permutations,
        seed,
        missing,
    )


def mrmr(
    dataset: Any,
    target: str,
    k: int = 10,
    *,
    method: str = "f_test",
    features: Any = None,
    task: str = "regression",
    bins: int = 10,
    pieces: int = 8,
    missing: str = "raise",
) -> Any:
    """:func:`causaloid.discover.mrmr` on a Ray Dataset, every method and task
    (see :func:`causaloid.dask.mrmr`)."""
    dataset = _dataset(dataset)
    return mrmr_partitioned(
        _each(dataset, pieces),
        list(dataset.columns()),
        target,
        k,
        method,
        features,
        task,
        bins,
        missing,
    )


def root_causes(
    normal: Any,
    anomalous: Any,
    graph: Any = None,
    *,
    columns: list[str] | None = None,
    threshold: float = 3.0,
    method: str = "shift",
    pieces: int = 8,
    missing: str = "raise",
) -> Any:
    """:func:`causaloid.discover.root_causes` on Ray Datasets (a pandas frame
    becomes a dataset), the same ranking and scores as on the collected
    tables (see :func:`causaloid.dask.root_causes` for the passes)."""
    normal = ray.data.from_pandas(normal) if isinstance(normal, pd.DataFrame) else normal
    if isinstance(anomalous, pd.DataFrame):
        anomalous = ray.data.from_pandas(anomalous)
    normal, anomalous = _dataset(normal), _dataset(anomalous)
    return root_causes_partitioned(
        _each(normal, pieces),
        _each(anomalous, pieces),
        list(normal.columns()),
        list(anomalous.columns()),
        graph,
        columns,
        threshold,
        method,
        missing,
    )


def Pipeline(  # noqa: N802
    dataset: Any, target: str | None = None, *, pieces: int = 8, **options: Any
) -> Any:
    """A :class:`causaloid.discover.Pipeline` over a Ray Dataset (see
    :func:`causaloid.dask.Pipeline`)."""
    from causaloid.discover._pipeline_parts import PartitionedPipeline

    dataset = _dataset(dataset)
    return PartitionedPipeline(_each(dataset, pieces), list(dataset.columns()), target, **options)
