"""What the Dask and Ray helpers share: the work one partition does on a
worker, and the carry a state machine needs to resume at a partition.

Nothing here depends on Dask or Ray; the engine does every evaluation.
"""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np

from causaloid._table import n_rows, to_columns

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
