"""What a run returns: the firings, and every error with the item that caused it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from causaloid import _native

#: One entry of the firing log (native): ``event`` (the observation's
#: number), ``state``, ``action``, ``input`` (the observation's values, window
#: summaries included), ``value``, ``verdict``, ``vetting`` (the ethos's
#: :class:`~causaloid.ethos.DeonticVerdict`, or None), ``outcome``
#: (``"fired"``, ``"recorded"``, ``"refused"`` or ``"failed"``) and ``error``.
Firing = _native.Firing


class RunError(NamedTuple):
    """A problem met during a run: which item (its position in the stream),
    which observation number and state (None when the item itself was bad),
    the item, and the exception (not raised)."""

    index: int
    event: int | None
    state: Any
    item: Any
    error: BaseException


@dataclass
class RunReport:
    """The outcome of :meth:`StateMachine.run`.

    ``items`` counts the stream items read, ``firings`` lists every firing in
    order (refused ones included), ``errors`` every problem with its item.
    """

    items: int = 0
    firings: list[Any] = field(default_factory=list)
    errors: list[RunError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the run met no error."""
        return not self.errors

    def count(self, outcome: str) -> int:
        """How many firings had this outcome (``"fired"``, ``"refused"`` ...)."""
        return sum(f.outcome == outcome for f in self.firings)

    def __repr__(self) -> str:
        return (
            f"RunReport(items={self.items}, firings={len(self.firings)}, "
            f"refused={self.count('refused')}, errors={len(self.errors)})"
        )


class BatchResult:
    """Which states fired on which rows of a table (:meth:`StateMachine.run_batch`).

    Attributes
    ----------
    rows : numpy.ndarray of int64
        The row of each firing, in firing order (rows ascending, then states
        in machine order).
    states : list
        The state of each firing.
    firings : list of Firing
        The log entries themselves (outcome, vetting, input ...).
    errors : list of RunError
        Problems met, with ``index`` the row.
    n_rows : int
        Rows in the table.
    """

    __slots__ = ("errors", "firings", "n_rows", "rows", "state_ids", "states")

    def __init__(
        self, rows: np.ndarray, firings: list[Any], errors: list[RunError], n_rows: int,
        state_ids: list[Any],
    ) -> None:
        self.rows = rows
        self.firings = firings
        self.states = [f.state for f in firings]
        self.errors = errors
        self.n_rows = n_rows
        self.state_ids = state_ids

    def fired(self, state: Any, outcome: str | None = "executed") -> np.ndarray:
        """Rows on which ``state`` fired. ``outcome="executed"`` (default)
        counts actions that ran (fired, recorded or failed), ``None`` every
        firing including refused ones, or name one outcome."""
        keep = [
            r for r, f in zip(self.rows.tolist(), self.firings)
            if f.state == state and _match(f.outcome, outcome)
        ]
        return np.asarray(keep, dtype=np.int64)

    def matrix(self, outcome: str | None = "executed") -> np.ndarray:
        """Dense ``(n_rows, n_states)`` booleans: state j fired on row i."""
        col = {s: j for j, s in enumerate(self.state_ids)}
        out = np.zeros((self.n_rows, len(self.state_ids)), dtype=bool)
        for r, f in zip(self.rows.tolist(), self.firings):
            if f.state in col and _match(f.outcome, outcome):
                out[r, col[f.state]] = True
        return out

    def __len__(self) -> int:
        return len(self.firings)

    def __repr__(self) -> str:
        return f"BatchResult({self.n_rows} rows, {len(self.firings)} firings, {len(self.errors)} errors)"


def _match(actual: str, wanted: str | None) -> bool:
    if wanted is None:
        return True
    if wanted == "executed":
        return actual != "refused"
    return actual == wanted
