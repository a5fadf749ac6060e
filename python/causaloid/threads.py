"""How many threads the engine uses: :func:`set_threads`, :func:`get_threads`.

The engine runs its parallel kernels (batches, discovery, state machine
tables, sampling) on a pool of threads that lives in the engine. By default
the pool has one thread per CPU (``RAYON_NUM_THREADS`` overrides that when
the process starts). :func:`set_threads` replaces it, for every later call
from any Python thread, with a pool of exactly ``n`` threads; ``None``
returns to the default. The thread count never changes a result, only the
time it takes: every parallel kernel combines its parts in a fixed order.

Inside a Dask or Ray worker, :mod:`causaloid.dask` and :mod:`causaloid.ray`
choose a default so that the engine does not start one thread per CPU on top
of the scheduler's own threads (see :func:`worker_default`).

>>> import causaloid as cl
>>> cl.set_threads(2)
>>> cl.get_threads()
2
>>> cl.set_threads(None)
"""

from __future__ import annotations

import numbers
import os

from causaloid import _native
from causaloid.errors import InvalidArgumentError

__all__ = ["get_threads", "set_threads", "worker_default"]


def set_threads(n: int | None) -> None:
    """Use ``n`` engine threads for every later call (None: the default pool).

    Parameters
    ----------
    n : int or None
        At least 1. The pool is built once per setting and shared by every
        call; calls already running finish on the pool they started on.

    Raises
    ------
    InvalidArgumentError
        When ``n`` is not a whole number from 1 to 4096.

    Examples
    --------
    >>> import causaloid as cl
    >>> cl.set_threads(1)
    >>> cl.get_threads()
    1
    >>> cl.set_threads(0)
    Traceback (most recent call last):
    ...
    causaloid.errors.InvalidArgumentError: threads must be between 1 and 4096; got 0
    >>> cl.set_threads(None)
    """
    if n is None:
        _native.set_threads(None)
        return
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise InvalidArgumentError(
            f"threads must be a whole number; got {n!r}",
            {"parameter": "threads", "threads": repr(n)},
        )
    # The engine checks the range (and names its bounds); a negative count
    # cannot even be converted, so it is refused here in the same words.
    if int(n) < 0:
        raise InvalidArgumentError(
            f"threads must be at least 1; got {int(n)}",
            {"parameter": "threads", "threads": int(n)},
        )
    _native.set_threads(int(n))


def get_threads() -> int:
    """The number of threads an engine call started now would use.

    >>> import causaloid as cl
    >>> cl.get_threads() >= 1
    True
    """
    return int(_native.get_threads())


def worker_default(task_cpus: float = 1) -> int:
    """The engine threads a task gets on a Dask or Ray worker: the CPUs the
    scheduler gave the task (a Dask task runs on one worker thread, which the
    scheduler counts as one CPU; a Ray task has its ``num_cpus``), at least one.

    The scheduler already runs one task per CPU, so an engine that also
    started one thread per CPU in every task would oversubscribe the machine.
    ``CAUSALOID_THREADS`` in the environment wins when set, and so does an
    explicit :func:`set_threads` in the worker.

    >>> from causaloid.threads import worker_default
    >>> worker_default()
    1
    >>> worker_default(task_cpus=4)
    4
    """
    env = os.environ.get("CAUSALOID_THREADS")
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise InvalidArgumentError(
                f"CAUSALOID_THREADS must be a whole number; got {env!r}",
                {"CAUSALOID_THREADS": env},
            ) from None
    return max(1, int(task_cpus))


def _apply_worker_default(task_cpus: float = 1) -> None:
    """Sets the worker default unless a count was chosen already."""
    if not _native.threads_set():
        _native.set_threads(worker_default(task_cpus))
