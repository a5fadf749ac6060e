"""``root_causes``: rank the columns most likely to have caused an anomaly,
from how far each moved away from its normal behaviour and, with a causal
graph, whether a cause upstream already explains the move."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from causaloid._frames import Tabular
from causaloid._table import numeric, to_columns
from causaloid.discover.errors import DiscoverValueError, NonFiniteError


@dataclass(frozen=True)
class RootCause:
    """One ranked column.

    Attributes
    ----------
    column : str
    rank : int
        1 for the most likely root cause.
    score : float
        Mean absolute z-score of the anomalous rows against the normal ones.
    explained_by : tuple of str
        Anomalous parents (in the graph) that may explain this column's move.
    rationale : str
    """

    column: str
    rank: int
    score: float
    explained_by: tuple[str, ...]
    rationale: str


class RootCauses(Tabular):
    """Columns ranked by how likely each caused the anomaly; iterate, index
    or ask :meth:`rank_of` a column."""

    def __init__(self, ranking: list[RootCause]) -> None:
        self._ranking = ranking
        self._by_column = {r.column: r for r in ranking}

    def __iter__(self) -> Iterator[RootCause]:
        return iter(self._ranking)

    def __len__(self) -> int:
        return len(self._ranking)

    def __getitem__(self, index: int) -> RootCause:
        return self._ranking[index]

    @property
    def columns(self) -> list[str]:
        """Column names, most likely root cause first."""
        return [r.column for r in self._ranking]

    def rank_of(self, column: str) -> int:
        """The rank of ``column`` (1 is the most likely root cause)."""
        if column not in self._by_column:
            from causaloid.errors import UnknownColumnError

            raise UnknownColumnError(f"unknown column {column!r}", {"column": column})
        return self._by_column[column].rank

    def _columns(self) -> dict[str, list[Any]]:
        """The table of ``to_frame``/``to_polars``/``to_arrow``: one column
        per :class:`RootCause` field, one row per ranked column."""
        names = [f.name for f in fields(RootCause)]
        return {name: [getattr(r, name) for r in self._ranking] for name in names}

    def __str__(self) -> str:
        lines = [f"{'rank':>4}  {'column':<28} {'score':>9}  explained by"]
        for r in self._ranking:
            lines.append(
                f"{r.rank:>4}  {r.column:<28} {r.score:>9.3f}  {', '.join(r.explained_by) or '-'}"
            )
        return "\n".join(lines)


def _parents(graph: Any) -> dict[str, set[str]]:
    """Parents of each node from a CausalGraph, a Pipeline, a mapping
    child -> parents, or (source, target) pairs."""
    from causaloid.discover.pipeline import Pipeline

    pairs: Iterable[tuple[Any, Any]]
    if isinstance(graph, Pipeline):
        pairs = [(s, e.target) for e in graph.edges for s in e.sources]
    elif hasattr(graph, "edges") and hasattr(graph, "parents"):
        pairs = list(graph.edges)
    elif callable(getattr(graph, "is_directed", None)):  # a networkx graph
        if not graph.is_directed():
            raise DiscoverValueError(
                "graph= needs directed edges: give a networkx DiGraph, not a Graph",
                {"parameter": "graph"},
            )
        pairs = list(graph.edges())
    elif isinstance(graph, Mapping):
        pairs = [(p, child) for child, ps in graph.items() for p in ps]
    else:
        pairs = list(graph)
    parents: dict[str, set[str]] = {}
    for source, target in pairs:
        parents.setdefault(str(target), set()).add(str(source))
    return parents


def root_causes(
    normal: Any,
    anomalous: Any,
    graph: Any = None,
    *,
    columns: list[str] | None = None,
    threshold: float = 3.0,
) -> RootCauses:
    """Rank the columns most likely to have caused an anomaly.

    Each column is scored by the mean absolute z-score of its anomalous rows
    against the mean and standard deviation of its normal rows. Without a
    graph, the ranking is by score. With a graph, a column whose parent is also
    anomalous (score at least ``threshold``) is explained by it and ranks after
    every anomalous column that nothing upstream explains.

    Parameters
    ----------
    normal, anomalous : table
        The same columns, before and during the anomaly.
    graph : CausalGraph, networkx DiGraph, Pipeline, child -> parents mapping or pairs, optional
        Known or discovered causal structure.
    columns : list of str, optional
        Only these columns; all columns of ``normal`` by default.
    threshold : float
        Score from which a column counts as anomalous.

    Returns
    -------
    RootCauses

    Examples
    --------
    >>> import numpy as np, causaloid as cl
    >>> rng = np.random.default_rng(0)
    >>> normal = {"cpu": rng.normal(10, 1, 200), "latency": rng.normal(5, 1, 200)}
    >>> anomalous = {"cpu": rng.normal(16, 1, 50), "latency": rng.normal(30, 1, 50)}
    >>> cl.discover.root_causes(normal, anomalous).columns
    ['latency', 'cpu']
    >>> cl.discover.root_causes(normal, anomalous, graph={"latency": ["cpu"]}).columns
    ['cpu', 'latency']
    """
    base = to_columns(normal, columns)
    names = list(base)
    test = to_columns(anomalous, names)
    if not names:
        raise DiscoverValueError("no columns to rank", {"parameter": "columns"})
    scores: dict[str, float] = {}
    notes: dict[str, str] = {}
    for name in names:
        x, y = numeric(name, base[name]).astype(np.float64), numeric(name, test[name])
        for values in (x, y):
            bad = np.flatnonzero(~np.isfinite(values))
            if bad.size:
                raise NonFiniteError(
                    f"column {name!r} has a missing or infinite value at row {bad[0]}",
                    {"column": name, "row": int(bad[0])},
                )
        if x.size < 2 or y.size < 1:
            raise DiscoverValueError(
                f"column {name!r} needs at least 2 normal and 1 anomalous rows",
                {"parameter": "normal", "column": name},
            )
        mean, std = float(x.mean()), float(x.std())
        if std == 0.0:
            moved = bool(np.any(y != mean))
            scores[name] = float("inf") if moved else 0.0
            notes[name] = (
                "constant in the normal data and changed during the anomaly"
                if moved
                else "constant in both periods"
            )
        else:
            scores[name] = float(np.mean(np.abs(y - mean)) / std)
            notes[name] = f"moved {scores[name]:.2f} standard deviations on average"
    parents = _parents(graph) if graph is not None else {}
    anomalous_set = {n for n, s in scores.items() if s >= threshold}
    explained = {
        n: tuple(sorted(p for p in parents.get(n, ()) if p in anomalous_set and p != n))
        for n in names
    }

    def key(name: str) -> tuple[int, float, int]:
        tier = 0 if name in anomalous_set and not explained[name] else 1
        if name not in anomalous_set:
            tier = 2
        return (tier, -scores[name], names.index(name))

    ranking = []
    for rank, name in enumerate(sorted(names, key=key), 1):
        why = notes[name]
        if explained[name]:
            why += f"; explained by anomalous parent(s) {', '.join(explained[name])}"
        ranking.append(RootCause(name, rank, scores[name], explained[name], why))
    return RootCauses(ranking)
