"""The structured trace of an effect: one row per step the engine recorded.

:attr:`Effect.trace <causaloid.Effect.trace>` reads the records of every graph,
collection or causaloid evaluation in an effect's log, oldest first, as a table
(:class:`Trace`), the same facts :meth:`~causaloid.Effect.explain` renders as
text.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from causaloid._frames import Columns, Tabular

#: The columns of a trace, in order.
TRACE_COLUMNS = (
    "evaluation",
    "depth",
    "kind",
    "id",
    "description",
    "event",
    "input",
    "verdict",
    "relay_target",
    "relay_value",
)


def _uniform(values: list[Any]) -> list[Any]:
    """One type per column, so pandas, polars and Arrow read it alike: bools
    stay bools, integers stay integers, other numbers become floats, ids mixed with other
    types become strings; ``None`` stays missing."""
    present = [v for v in values if v is not None]
    if all(isinstance(v, bool) for v in present):
        return values
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return values
    if all(isinstance(v, (bool, int, float)) for v in present):
        return [None if v is None else float(v) for v in values]
    if all(isinstance(v, str) for v in present):
        return values
    return [None if v is None else str(v) for v in values]


class Trace(Tabular):
    """The steps of an effect's evaluations, one row a step.

    Columns (:data:`TRACE_COLUMNS`): ``evaluation`` (0 for the first
    evaluation in the log), ``depth`` (0 the structure evaluated, 1 its direct
    members ...), ``kind`` (``"graph"``, ``"collection"``, ``"causaloid"``),
    ``id``, ``description``, ``event`` (``"entered"``, ``"decided"``,
    ``"relayed"``, ``"failed"`` ...), ``input`` (the incoming value, when there
    was one), ``verdict`` and, for relays, ``relay_target`` and ``relay_value``.

    Examples
    --------
    >>> import causaloid as cl
    >>> from causaloid import expr as E
    >>> g = cl.CausalGraph("g")
    >>> _ = g.add(cl.Causaloid("hot", "hot", expr=E.col("t") > 60)); _ = g.freeze()
    >>> trace = g.evaluate({"t": 75}).trace
    >>> [(r["id"], r["event"], r["verdict"]) for r in trace]
    [('g', 'entered', None), ('hot', 'decided', True), ('g', 'decided', True)]
    >>> trace.to_polars().select("id", "verdict").row(1)
    ('hot', True)
    """

    __slots__ = ("_records",)

    def __init__(self, records: Sequence[dict[str, Any]]) -> None:
        self._records = [dict(r) for r in records]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return self._records[i]

    def _columns(self) -> Columns:
        return {name: _uniform([r.get(name) for r in self._records]) for name in TRACE_COLUMNS}

    def __repr__(self) -> str:
        return f"Trace({len(self)} steps)"


def trace_of(evaluations: Sequence[Any]) -> Trace:
    """The trace of native evaluations, numbered in order."""
    rows = []
    for i, evaluation in enumerate(evaluations):
        for rec in evaluation.records():
            rows.append({"evaluation": i, **rec})
    return Trace(rows)


__all__ = ["TRACE_COLUMNS", "Trace", "trace_of"]
