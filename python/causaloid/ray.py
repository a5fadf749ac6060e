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
    raise ImportError(
        "causaloid.ray needs Ray: pip install 'causaloid[ray]'"
        f" (missing: {exc.name})"
    ) from exc

from causaloid._partitions import (
    carries,
    evaluate_partition,
    length_and_tail,
    run_partition,
    window_contents,
)
from causaloid.errors import InvalidArgumentError

__all__ = ["evaluate_batch", "run_batch"]


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


def evaluate_batch(structure: Any, dataset: Any, *, value: str | None = None) -> Any:
    """Evaluate every row of a Ray Dataset, block by block.

    Parameters
    ----------
    structure : Causaloid, CausalCollection, CausalGraph or Model
    dataset : ray.data.Dataset
        Must hold every column the structure reads.
    value : str, optional
        A column holding each row's incoming value.

    Returns
    -------
    ray.data.Dataset
        The rows with a ``verdict`` column (bool, or float degrees), in order.
    """
    dataset = _dataset(dataset)

    def block(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        out["verdict"] = evaluate_partition(structure, frame, value, _task_cpus()).to_numpy()
        return out

    return dataset.map_batches(block, batch_format="pandas", batch_size=None)


def run_batch(machine: Any, dataset: Any, *, pieces: int = 8) -> pd.DataFrame:
    """Run a state machine over every row of a Ray Dataset, in order.

    Parameters
    ----------
    machine : StateMachine
        Not changed; each task runs a copy.
    dataset : ray.data.Dataset
        Must hold every column in ``machine.inputs``.
    pieces : int
        Contiguous pieces run as parallel Ray tasks.

    Returns
    -------
    pandas.DataFrame
        One row per firing: ``row``, ``event``, ``state``, ``action``, ``outcome``.
    """
    dataset = _dataset(dataset)
    if isinstance(pieces, bool) or not isinstance(pieces, int) or pieces < 1:
        raise InvalidArgumentError(f"pieces must be at least 1; got {pieces!r}", {"pieces": pieces})
    n = dataset.count()
    cuts = [n * i // pieces for i in range(1, pieces)]
    parts = dataset.split_at_indices(cuts) if cuts else [dataset]
    columns, size, start = window_contents(machine)
    frames = [ray.put(p.to_pandas()) for p in parts]
    measure = ray.remote(length_and_tail)
    lengths = ray.get([measure.remote(f, columns, size) for f in frames])
    plan = carries(list(lengths), columns, size, machine.events, start)
    run = ray.remote(_run_piece)
    results = ray.get(
        [run.remote(machine, f, row, event, tail) for f, (row, event, tail) in zip(frames, plan)]
    )
    return pd.concat(results, ignore_index=True)


def _run_piece(machine: Any, frame: pd.DataFrame, row: int, event: int, tail: Any) -> Any:
    return run_partition(machine, frame, row, event, tail, _task_cpus())
