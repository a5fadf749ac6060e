"""Run causaloid on a Dask DataFrame: every partition evaluated by the engine
on the worker that holds it, with results identical to one machine's.

Install with ``pip install "causaloid[dask]"``. See ``docs/distributed.md``.

- :func:`evaluate_batch` — a causaloid, collection, graph or model over every
  row: a Dask Series of verdicts on the frame's index (with a correct
  ``meta``), lazy like any Dask collection.
- :func:`run_batch` — a state machine over every row, in order: a Dask
  DataFrame of firings (``row``, ``event``, ``state``, ``action``,
  ``outcome``). Each partition resumes where the one before it ended: its
  event numbers continue and the machine's window holds the rows before it,
  so the firings equal :meth:`StateMachine.run_batch` on the whole table.

Inside a worker the engine uses one thread per task unless the worker set
:func:`causaloid.set_threads` or ``CAUSALOID_THREADS`` (Dask already runs one
task per worker thread).

Examples
--------
>>> import numpy as np, pandas as pd
>>> import dask.dataframe as dd
>>> import causaloid as cl
>>> import causaloid.dask as cld
>>> frame = dd.from_pandas(pd.DataFrame({"x": np.linspace(0, 1, 10)}), npartitions=3)
>>> high = cl.Causaloid(1, "high", expr=cl.expr.col("x") > 0.5)
>>> cld.evaluate_batch(high, frame).compute().sum()
np.int64(5)
"""

from __future__ import annotations

from typing import Any

try:
    import dask
    import dask.dataframe as dd
    import pandas as pd
    from dask.callbacks import Callback
except ImportError as exc:  # pragma: no cover - exercised without the extra
    from causaloid.errors import MissingDependencyError

    raise MissingDependencyError(
        f"causaloid.dask needs Dask, which is not installed: pip install 'causaloid[dask]' "
        f"(missing: {exc.name})",
        {"package": (exc.name or "dask").split(".")[0], "extra": "dask"},
    ) from exc

from causaloid._partitions import (
    Each,
    Shipped,
    carries,
    evaluate_partition,
    firings_meta,
    length_and_tail,
    mrmr_partitioned,
    root_causes_partitioned,
    run_partition,
    surd_partitioned,
    window_contents,
)
from causaloid.errors import InvalidArgumentError

__all__ = ["evaluate_batch", "Pipeline", "mrmr", "root_causes", "run_batch", "surd"]


def _in_worker() -> bool:
    try:
        from distributed import get_worker

        get_worker()
    except (ImportError, ValueError):
        return False
    return True


def _frame(data: Any) -> dd.DataFrame:
    if not isinstance(data, dd.DataFrame):
        raise InvalidArgumentError(
            f"expected a dask.dataframe.DataFrame; got {type(data).__name__}",
            {"type": type(data).__name__},
        )
    return data


def evaluate_batch(
    structure: Any, frame: Any, *, value: str | None = None, missing: str = "raise"
) -> dd.Series:
    """Evaluate every row of a Dask DataFrame, partition by partition.

    Parameters
    ----------
    structure : Causaloid, CausalCollection, CausalGraph or Model
        Pickled once to each worker (expression structures travel as their
        engine form).
    frame : dask.dataframe.DataFrame
        Must hold every column the structure reads.
    value : str, optional
        A column holding each row's incoming value.
    missing : {"raise", "false", "true", "propagate"}
        What a missing input does, as in ``evaluate_batch`` (see
        ``docs/missing.md``); under ``"propagate"`` the Series is nullable,
        ``<NA>`` where the verdict is unknown.

    Returns
    -------
    dask.dataframe.Series
        ``verdict`` on the frame's index: bool, or float degrees. Its
        ``meta`` comes from evaluating the frame's empty ``meta``, so a
        missing column fails here, not later on a worker.
    """
    frame = _frame(frame)
    shipped = Shipped(structure)
    meta = evaluate_partition(structure, frame._meta, value, 0, missing)
    return frame.map_partitions(
        _evaluate_on_worker, shipped, value, missing, meta=meta, enforce_metadata=False
    )


def _evaluate_on_worker(
    part: pd.DataFrame, shipped: Shipped, value: Any, missing: str
) -> pd.Series:
    return evaluate_partition(shipped.get(), part, value, 1 if _in_worker() else 0, missing)


def run_batch(machine: Any, frame: Any, *, missing: str = "raise") -> dd.DataFrame:
    """Run a state machine over every row of a Dask DataFrame, in order.

    A first pass reads each partition's length and the last rows of the
    window's columns (cheap; computed at once); each partition then runs on
    its worker, resumed with the event number and the window it would have
    reached on one machine. Host actions run on the workers, each partition's
    in row order. The machine passed in is not changed.

    Parameters
    ----------
    machine : StateMachine
    frame : dask.dataframe.DataFrame
        Must hold every column in ``machine.inputs``.
    missing : {"raise", "false", "true", "propagate"}
        What a missing input a state reads does, as in
        :meth:`StateMachine.run_batch <causaloid.StateMachine.run_batch>`;
        under ``"propagate"`` each state whose verdict was unknown on a row
        adds a row whose ``outcome`` is ``"unknown"``.

    Returns
    -------
    dask.dataframe.DataFrame
        One row per firing: ``row`` (position in the whole frame), ``event``
        (the machine's event number), ``state``, ``action``, ``outcome``.
    """
    frame = _frame(frame)
    columns, size, start = window_contents(machine)
    parts = frame.to_delayed()
    pieces = dask.compute(*[dask.delayed(length_and_tail)(p, columns, size) for p in parts])
    plan = carries(list(pieces), columns, size, machine.events, start)
    tasks = [
        dask.delayed(_run_on_worker)(machine, p, row, event, tail, missing)
        for p, (row, event, tail) in zip(parts, plan, strict=False)
    ]
    return dd.from_delayed(tasks, meta=firings_meta(), verify_meta=False)


def _run_on_worker(
    machine: Any, part: pd.DataFrame, row: int, event: int, tail: dict[str, Any], missing: str
) -> pd.DataFrame:
    return run_partition(machine, part, row, event, tail, 1 if _in_worker() else 0, missing)


def _each(frame: dd.DataFrame) -> Each:
    parts = frame.to_delayed()

    def run(fn: Any, plans: Any, args: Any, kwargs: Any, tick: Any) -> list[Any]:
        tasks = [
            dask.delayed(_on_part)(fn, p, *args, *k, **kwargs)
            for p, k in zip(parts, plans, strict=False)
        ]
        if tick is None:
            return list(dask.compute(*tasks))
        return _compute_reporting(tasks, tick)

    return Each(len(parts), run)


def _compute_reporting(tasks: list[Any], tick: Any) -> list[Any]:
    """The tasks' results in order, calling ``tick`` as each one finishes: by
    the futures of a distributed client when there is one, by a scheduler
    callback otherwise."""
    try:
        from distributed import as_completed, default_client

        client = default_client()
    except (ImportError, ValueError):

        def posttask(key: Any, *_: Any) -> None:
            name = key[0] if isinstance(key, tuple) else key
            if str(name).startswith("_on_part-"):
                tick()

        with Callback(posttask=posttask):
            return list(dask.compute(*tasks))
    futures = client.compute(tasks)
    for _ in as_completed(futures):
        tick()
    return list(client.gather(futures))


def _on_part(fn: Any, part: pd.DataFrame, *args: Any, **kwargs: Any) -> Any:
    """One discovery pass on one partition, with the worker's thread default."""
    if _in_worker():
        from causaloid.threads import _apply_worker_default

        _apply_worker_default(1)
    return fn(part, *args, **kwargs)


def surd(
    frame: Any,
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
    missing: str = "raise",
) -> Any:
    """:func:`causaloid.discover.surd` on a Dask DataFrame, partition by partition.

    The same arguments and the same :class:`~causaloid.discover.SurdResult`
    as on the collected table, to the last bit, permutation test included.
    ``missing="drop"`` leaves out the same samples as on the collected table
    (whether a sample is complete depends on its own cells only).
    Three passes over the partitions, each holding one partition at a time:
    the first ``lag`` target values of every partition (so samples whose
    target row lies in the next partition are formed), each column's range
    (global bin edges), and each partition's joint counts, which the engine
    adds and decomposes. The permutation test needs only those merged counts:
    each shuffle is drawn as a random table with their margins, the same
    draws for the same ``seed`` as on the collected table.

    Examples
    --------
    >>> import numpy as np, pandas as pd, dask.dataframe as dd
    >>> import causaloid as cl, causaloid.dask as cld
    >>> rng = np.random.default_rng(0)
    >>> x1, x2 = rng.integers(0, 2, 4000), rng.integers(0, 2, 4000)
    >>> table = pd.DataFrame({"y": np.roll(x1 ^ x2, 1), "x1": x1, "x2": x2})
    >>> frame = dd.from_pandas(table, npartitions=4)
    >>> split = cld.surd(frame, "y", bins=2, permutations=20, seed=3)
    >>> split == cl.discover.surd(table, "y", bins=2, permutations=20, seed=3)
    True
    >>> split.p_value("synergistic", ("x1", "x2"))
    0.047619047619047616
    """
    frame = _frame(frame)
    return surd_partitioned(
        _each(frame),
        list(frame.columns),
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
    frame: Any,
    target: str,
    k: int = 10,
    *,
    method: str = "f_test",
    features: Any = None,
    task: str = "regression",
    bins: int = 10,
    missing: str = "raise",
) -> Any:
    """:func:`causaloid.discover.mrmr` on a Dask DataFrame, every method and
    task: each partition's sufficient statistics, merged by the engine, then
    the same selection.

    - ``method="f_test"``, regression: count, means and centred co-moments
      (merged pairwise); classification: the features' co-moments and each
      class's count and sums (string labels are coded in the table's sorted
      order, from a first pass).
    - ``method="mutual_info"``: each column's range (and a discrete target's
      classes), merged into the table's bins, then every joint histogram;
      integer counts add exactly, so the result equals the collected table's
      bit for bit.

    The features and their order equal the collected table's; F statistics
    and scores agree to about 1e-12 relative (sums added in another order).

    Examples
    --------
    >>> import numpy as np, pandas as pd, dask.dataframe as dd
    >>> import causaloid as cl, causaloid.dask as cld
    >>> rng = np.random.default_rng(1)
    >>> a, b, noise = rng.normal(size=(3, 500))
    >>> table = pd.DataFrame({"a": a, "a_copy": a + 0.3 * noise, "b": b, "y": 2 * a + b})
    >>> cld.mrmr(dd.from_pandas(table, npartitions=3), "y", k=2).features
    ['a', 'b']
    """
    frame = _frame(frame)
    return mrmr_partitioned(
        _each(frame), list(frame.columns), target, k, method, features, task, bins, missing
    )


def root_causes(
    normal: Any,
    anomalous: Any,
    graph: Any = None,
    *,
    columns: list[str] | None = None,
    threshold: float = 3.0,
    method: str = "shift",
    missing: str = "raise",
) -> Any:
    """:func:`causaloid.discover.root_causes` on Dask DataFrames (a pandas
    frame is taken as one partition): the same ranking and the same scores
    as on the collected tables, to about 1e-12 relative.

    Every pass reads one partition at a time: the columns' ranges (their
    relative scale), each column's fit on its parents from the normal
    partitions' merged co-moments, then the medians exactly — order
    statistics found by radix selection, eight passes that each count the
    next 8 bits of the wanted values — first of the columns and residuals,
    then of the normal residuals' absolute deviations. About 20 passes in
    all, each cheap; no partition's rows leave its worker.

    Examples
    --------
    >>> import numpy as np, pandas as pd, dask.dataframe as dd
    >>> import causaloid as cl, causaloid.dask as cld
    >>> rng = np.random.default_rng(0)
    >>> cpu_n, cpu_a = rng.normal(10, 1, 200), rng.normal(40, 1, 50)
    >>> normal = pd.DataFrame({"cpu": cpu_n, "latency": 0.02 * cpu_n + rng.normal(0, 1e-3, 200)})
    >>> anomalous = pd.DataFrame({"cpu": cpu_a, "latency": 0.02 * cpu_a + rng.normal(0, 1e-3, 50)})
    >>> ranked = cld.root_causes(
    ...     dd.from_pandas(normal, npartitions=4), anomalous, graph={"latency": ["cpu"]}
    ... )
    >>> ranked.columns
    ['cpu', 'latency']
    """
    normal = _partitioned(normal)
    anomalous = _partitioned(anomalous)
    return root_causes_partitioned(
        _each(normal),
        _each(anomalous),
        list(normal.columns),
        list(anomalous.columns),
        graph,
        columns,
        threshold,
        method,
        missing,
    )


def _partitioned(data: Any) -> dd.DataFrame:
    """A Dask DataFrame as is; a pandas one as a single partition."""
    if isinstance(data, pd.DataFrame):
        return dd.from_pandas(data, npartitions=1)
    return _frame(data)


def Pipeline(frame: Any, target: str | None = None, **options: Any) -> Any:  # noqa: N802
    """A :class:`causaloid.discover.Pipeline` over a Dask DataFrame: load,
    clean, select, discover, analyze and ``to_graph`` with the collected
    pipeline's arguments and results (numbers equal to 1e-12, SURD's
    permutation tests and so the edges kept at ``alpha`` included), each
    stage reading one partition at a time; ``progress`` shows each stage's
    partitions as they finish. ``load()`` takes no source (the frame is it).

    Examples
    --------
    >>> import numpy as np, pandas as pd, dask.dataframe as dd
    >>> import causaloid as cl, causaloid.dask as cld
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 2, 4000).astype(float)
    >>> table = pd.DataFrame({"x": x, "z": rng.normal(size=4000), "y": np.roll(x, 1)})
    >>> pipe = cld.Pipeline(dd.from_pandas(table, npartitions=4), "y", bins=2, k=2)
    >>> [str(e) for e in pipe.load().clean().select().discover(targets=["y"]).analyze().edges]
    ['x -> y [unique 99.9%]']
    """
    from causaloid.discover._pipeline_parts import PartitionedPipeline

    frame = _frame(frame)
    return PartitionedPipeline(_each(frame), list(frame.columns), target, **options)
