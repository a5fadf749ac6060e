"""The :class:`Window`: the most recent observations of a stream, kept in the
engine, whose summaries (``"temp.mean"``, ``"temp.delta"`` ...) states read as
columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from causaloid import _native

STATS = ("mean", "min", "max", "sum", "std", "delta", "count")
"""The summaries a window gives each of its columns, as ``"<column>.<stat>"``:
mean, min, max, sum, std (population), delta (newest - oldest), count."""

#: The largest window size. A size is a limit, not an allocation: the window
#: grows with the observations it keeps, so any size up to this one is safe.
MAX_SIZE = 2**63 - 1


class Window:
    """A sliding window over the last ``size`` observations of some columns.

    Attached to a :class:`~causaloid.StateMachine` (``window=``), it moves on
    with every observation, and its summaries become columns that the states'
    causaloids can read — ``cl.expr.col("temp.mean") > 50`` — natively, in
    single-observation and batch runs alike. A missing reading (NaN) makes
    mean, min, max, sum, std and delta NaN while it is in the window.

    Parameters
    ----------
    size : int
        How many observations to keep (at least 1).
    columns : sequence of str
        The columns to keep.

    Examples
    --------
    >>> w = cl.Window(3, ["temp"])
    >>> for t in [20.0, 22.0, 27.0, 31.0]:
    ...     w.push({"temp": t})
    >>> w.values("temp")
    array([22., 27., 31.])
    >>> w.mean("temp"), w.stat("temp", "delta"), len(w)
    (26.666666666666668, 9.0, 3)
    """

    __slots__ = ("_native",)

    def __init__(self, size: int, columns: Sequence[str]) -> None:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
            raise TypeError(f"size must be an int, got {type(size).__name__}")
        if isinstance(columns, str) or not all(isinstance(c, str) for c in columns):
            raise TypeError("columns must be a sequence of column names (str)")
        if not 1 <= int(size) <= MAX_SIZE:
            from causaloid.csm.errors import WindowError

            raise WindowError(
                f"invalid window size {size}: it must be between 1 and {MAX_SIZE}",
                {"size": int(size)},
            )
        self._native = _native.Window(int(size), list(columns))

    @classmethod
    def _wrap(cls, native: Any) -> Window:
        w = cls.__new__(cls)
        w._native = native
        return w

    def push(self, observation: Mapping[str, Any]) -> None:
        """Add an observation; the oldest drops out once the window is full."""
        self._native.push(observation)

    def values(self, column: str) -> np.ndarray:
        """The kept values of ``column``, oldest first."""
        return np.asarray(self._native.values(column))

    def stat(self, column: str, name: str) -> float:
        """One summary of one column: one of :data:`STATS`."""
        return float(self._native.stat(column, name))

    def mean(self, column: str) -> float:
        """Mean of the kept values of ``column`` (NaN when empty)."""
        return self.stat(column, "mean")

    def features(self) -> dict[str, float]:
        """Every summary, keyed ``"<column>.<stat>"``: what states can read."""
        return dict(self._native.features())

    def clear(self) -> None:
        """Forget every kept observation."""
        self._native.clear()

    @property
    def size(self) -> int:
        """The most observations the window keeps."""
        return int(self._native.size)

    @property
    def columns(self) -> list[str]:
        """The columns the window keeps."""
        return list(self._native.columns)

    @property
    def is_full(self) -> bool:
        """Whether the window holds ``size`` observations."""
        return bool(self._native.is_full)

    def __len__(self) -> int:
        return len(self._native)

    def __repr__(self) -> str:
        return f"Window(size={self.size}, columns={self.columns}, holding {len(self)})"

    def __reduce__(self) -> tuple[Any, ...]:
        # A pickled window starts empty: it is a recipe, not a recording.
        return (Window, (self.size, self.columns))
