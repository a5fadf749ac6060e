"""What a run returns: the firings, every error with the item that caused it,
and (under ``missing="propagate"``) every state whose verdict was unknown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from causaloid import _native
from causaloid._frames import Columns, Tabular

#: One entry of the firing log (native): ``event`` (the observation's
#: number), ``state``, ``action``, ``input`` (the observation's values, window
#: summaries included), ``value``, ``verdict``, ``vetting`` (the ethos's
#: :class:`~causaloid.ethos.DeonticVerdict`, or None), ``outcome``
#: (``"fired"``, ``"recorded"``, ``"refused"`` or ``"failed"``) and ``error``.
Firing = _native.Firing


class RunError(NamedTuple):
    """A problem met during a run: which item (``position`` in the stream),
    which observation number and state (None when the item itself was bad),
    the item, and the exception (not raised)."""

    position: int
    event: int | None
    state: Any
    item: Any
    error: BaseException


class RunUnknown(NamedTuple):
    """A state whose verdict was unknown on an item (``missing="propagate"``):
    it reads a missing input, so it did not fire. ``position`` is the item's
    place in the stream (the row of a batch), ``event`` the observation's
    number, ``missing`` the missing inputs met, in words
    (``'"smoke" read by "s"'``)."""

    position: int
    event: int
    state: Any
    item: Any
    missing: tuple[str, ...]


@dataclass
class RunReport:
    """The outcome of :meth:`StateMachine.run`.

    ``items`` counts the stream items read, ``firings`` lists every firing in
    order (refused ones included), ``errors`` every problem with its item,
    ``unknown`` every state whose verdict was unknown on an item (only under
    ``missing="propagate"``; such a state did not fire).
    """

    items: int = 0
    firings: list[Any] = field(default_factory=list)
    errors: list[RunError] = field(default_factory=list)
    unknown: list[RunUnknown] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the run met no error."""
        return not self.errors

    def count(self, outcome: str) -> int:
        """How many firings had this outcome (``"fired"``, ``"refused"`` ...)."""
        return sum(f.outcome == outcome for f in self.firings)

    def __repr__(self) -> str:
        unknown = f", unknown={len(self.unknown)}" if self.unknown else ""
        return (
            f"RunReport(items={self.items}, firings={len(self.firings)}, "
            f"refused={self.count('refused')}, errors={len(self.errors)}{unknown})"
        )


class BatchResult(Tabular):
    """Which states fired on which rows of a table (:meth:`StateMachine.run_batch`).

    Attributes
    ----------
    rows : numpy.ndarray of int64
        The row of each firing, in firing order (rows ascending, then states
        in machine order).
    firings : sequence of Firing
        The log entries themselves (outcome, vetting, input ...), built on
        access.
    errors : list of RunError
        Problems met, with ``position`` the row.
    unknown : list of RunUnknown
        The (row, state) pairs whose verdict was unknown
        (``missing="propagate"``), rows ascending, then states in machine
        order; :meth:`matrix` masks them.
    n_rows : int
        Rows in the table.
    state_ids : list
        The machine's states, in order: the columns of :meth:`matrix`.
    """

    __slots__ = (
        "_executed",
        "_positions",
        "errors",
        "firings",
        "n_rows",
        "rows",
        "state_ids",
        "unknown",
    )

    def __init__(
        self,
        rows: np.ndarray,
        positions: np.ndarray,
        executed: np.ndarray,
        firings: Any,
        errors: list[RunError],
        n_rows: int,
        state_ids: list[Any],
        unknown: list[RunUnknown] | None = None,
    ) -> None:
        self.rows = rows
        self._positions = positions
        self._executed = executed
        self.firings = firings
        self.errors = errors
        self.n_rows = n_rows
        self.state_ids = state_ids
        self.unknown = [] if unknown is None else unknown

    @property
    def states(self) -> list[Any]:
        """The state of each firing."""
        return [self.state_ids[p] for p in self._positions.tolist()]

    def _mask(self, refused: bool) -> np.ndarray:
        return np.ones(len(self.rows), dtype=bool) if refused else self._executed

    def fired(self, state: Any, *, refused: bool = False) -> np.ndarray:
        """Rows on which ``state`` fired (with ``refused=True``, also the rows
        where the ethos refused its action)."""
        if state not in self.state_ids:
            from causaloid.csm.errors import UnknownStateError

            raise UnknownStateError(f"unknown state id {state!r}", {"state_id": state})
        j = self.state_ids.index(state)
        keep = (self._positions == j) & self._mask(refused)
        return self.rows[keep]

    def matrix(self, *, refused: bool = False) -> np.ndarray:
        """Dense ``(n_rows, n_states)`` booleans: state j fired on row i.

        When some verdicts were unknown (``missing="propagate"``), a
        :class:`numpy.ma.MaskedArray` whose mask marks those cells (as a
        graph's ``evaluate_batch`` masks its unknown rows): ``.filled(False)``
        gives plain booleans, ``numpy.ma.count_masked`` counts the unknown.
        """
        out = np.zeros((self.n_rows, len(self.state_ids)), dtype=bool)
        keep = self._mask(refused)
        out[self.rows[keep], self._positions[keep]] = True
        if not self.unknown:
            return out
        mask = np.zeros_like(out)
        where = {s: j for j, s in enumerate(self.state_ids)}
        for u in self.unknown:
            mask[u.position, where[u.state]] = True
        return np.ma.MaskedArray(out, mask=mask)

    def _columns(self) -> Columns:
        """The table of ``to_frame``/``to_polars``/``to_arrow``: ``row``,
        ``state`` and ``executed`` (false where the ethos refused the action),
        one row a firing, in firing order."""
        return {
            "row": self.rows.tolist(),
            "state": self.states,
            "executed": self._executed.tolist(),
        }

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        unknown = f", {len(self.unknown)} unknown" if self.unknown else ""
        return (
            f"BatchResult({self.n_rows} rows, {len(self.rows)} firings, "
            f"{len(self.errors)} errors{unknown})"
        )
