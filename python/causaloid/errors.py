"""Exceptions raised by causaloid.

Every exception is a :class:`CausalError`; most are also the built-in
exception Python convention expects (an unknown id is a ``KeyError``, a bad
argument a ``ValueError``), so ``except KeyError`` keeps working. Each carries
its structured detail as attributes (``err.node_id``, ``err.column``,
``err.row`` ...) and in ``err.detail``.
"""

from __future__ import annotations

from typing import Any

#: A node, state or norm id: an int or a str.
NodeId = int | str


class CausalError(Exception):
    """Base class of every error causaloid raises or carries in an Effect.

    Parameters
    ----------
    message : str
        What went wrong, in plain words.
    detail : dict, optional
        Structured detail (for example ``{"node_id": 3}``); each key is also
        available as an attribute.

    Examples
    --------
    >>> err = CausalError("sensor offline", {"node_id": "s1"})
    >>> err.node_id, str(err)
    ('s1', 'sensor offline')
    """

    def __init__(self, message: str = "", detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail: dict[str, Any] = dict(detail or {})
        for key, value in self.detail.items():
            setattr(self, key, value)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.detail))


# --- building structures -------------------------------------------------------


class GraphError(CausalError):
    """A causal graph or collection was built or used in an invalid way."""


class UnknownNodeError(GraphError, KeyError):
    """A node id that the graph does not hold (``err.node_id``)."""

    node_id: NodeId

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class DuplicateIdError(GraphError, ValueError):
    """An id used twice in one graph or collection (``err.node_id``)."""

    node_id: NodeId


class DuplicateEdgeError(GraphError, ValueError):
    """An edge added twice (``err.source``, ``err.target``)."""

    source: NodeId
    target: NodeId


class CycleError(GraphError, ValueError):
    """The graph has a cycle (``err.path`` lists the ids along it)."""

    path: list[Any]


class NotFrozenError(GraphError):
    """The graph must be frozen with ``freeze()`` before it is evaluated."""


class FrozenError(GraphError):
    """The graph is frozen; call ``unfreeze()`` before changing it."""


class NoPathError(GraphError, ValueError):
    """No path between two nodes (``err.source``, ``err.target``)."""

    source: NodeId
    target: NodeId


# --- evaluating ----------------------------------------------------------------


class EvaluationError(CausalError):
    """Evaluation failed. ``err.effect`` (when set) holds what ran before the
    failure, so ``err.effect.explain()`` shows how far it got."""

    effect: Any = None


class CallableError(EvaluationError):
    """A causal function written in Python raised (``err.node_id``); the
    original exception is chained as ``__cause__``."""

    node_id: NodeId


class VerdictError(EvaluationError, ValueError):
    """Something that is not a verdict where one is needed (a collection, the
    join of several parents, several final nodes, a state, a norm): NaN, a
    number outside [0, 1], or a non-boolean, non-numeric object
    (``err.node_id`` names the node that gave it, ``err.found``, ``err.row``
    in a batch)."""

    node_id: NodeId
    found: Any
    row: int


class NodeReadError(GraphError, ValueError):
    """A causaloid reads ``node(id)`` of a node that is not its parent, or
    that was not evaluated (``err.node_id``, ``err.target``)."""

    node_id: NodeId
    target: NodeId


class EdgeTransformError(GraphError, ValueError):
    """An edge transform that cannot be used: it reads another node or the
    graph's state, its edge does not exist, or its hidden node's id
    (``"a -> b"``) is taken (``err.source``, ``err.target``)."""

    source: NodeId
    target: NodeId


class StateError(GraphError, ValueError):
    """A graph state used in an invalid way: undeclared, declared twice,
    with no writer or with two writers (``err.state``)."""

    state: str


class RelayLimitError(EvaluationError):
    """Relays between nodes exceeded the graph's bound (``err.limit``)."""

    limit: int


class RelayError(EvaluationError):
    """A relay where none is allowed (inside a collection, or in a batch)."""


class MissingValueError(EvaluationError, ValueError):
    """A value a verdict depends on is missing.

    Raised when a causaloid that is evaluated reads a missing input (NaN,
    ``None``, a pandas ``NA`` or a polars / Arrow null) and the caller did not
    choose ``missing="false" | "true" | "propagate"``; when a Python causal
    function returns NaN; and when a causaloid reads ``value()`` but received
    no incoming value. ``err.column`` names the column (``None`` when the
    value is not a column's), ``err.row`` the row of a batch (``None`` for a
    single observation) and ``err.node_id`` the causaloid. See
    ``docs/missing.md``.
    """

    column: str | None
    row: int | None
    node_id: NodeId


# --- data ----------------------------------------------------------------------


class DataError(CausalError):
    """Input data has the wrong shape, type or columns."""


class UnknownColumnError(DataError, KeyError):
    """A column that the data does not have (``err.column``; ``err.available``
    lists the columns it has, when known)."""

    column: str
    available: list[str]

    def __str__(self) -> str:
        return self.message


class ColumnTypeError(DataError, TypeError):
    """A column of the wrong type, e.g. strings where numbers are needed."""


class ShapeError(DataError, ValueError):
    """Arrays of the wrong length or dimension."""


class InvalidArgumentError(CausalError, ValueError):
    """A parameter with an invalid value (``err.parameter``)."""

    parameter: str


class SerializationError(CausalError, ValueError):
    """A structure cannot be written or read in the JSON form."""


class TooDeepError(DataError, ValueError):
    """An expression or document nested past the documented limit
    (``err.what``, ``err.limit``): 2 000 levels for expressions, 10 000 for
    JSON documents."""

    what: str
    limit: int


# --- environment ---------------------------------------------------------------


class MissingDependencyError(CausalError, ImportError):
    """An optional package is not installed (``err.package``, ``err.extra``).

    causaloid needs only NumPy; pandas, polars, pyarrow (extra ``frames``),
    matplotlib (``plot``), tqdm (``progress``), networkx (``graph``), Dask
    (``dask``) and Ray (``ray``) are extras. The message names the extra and the
    command that installs it; ``except ImportError`` keeps working.

    Examples
    --------
    >>> err = MissingDependencyError(
    ...     "to_polars() needs polars, which is not installed: pip install 'causaloid[frames]'",
    ...     {"package": "polars", "extra": "frames"},
    ... )
    >>> err.package, err.extra, isinstance(err, ImportError)
    ('polars', 'frames', True)
    """

    package: str
    extra: str | None


__all__ = [
    "CallableError",
    "CausalError",
    "ColumnTypeError",
    "CycleError",
    "DataError",
    "DuplicateEdgeError",
    "DuplicateIdError",
    "EdgeTransformError",
    "EvaluationError",
    "FrozenError",
    "GraphError",
    "InvalidArgumentError",
    "MissingDependencyError",
    "MissingValueError",
    "NoPathError",
    "NodeReadError",
    "NotFrozenError",
    "RelayError",
    "RelayLimitError",
    "SerializationError",
    "StateError",
    "ShapeError",
    "TooDeepError",
    "UnknownColumnError",
    "UnknownNodeError",
    "VerdictError",
]
