"""Exceptions of contexts and models.

Each names the offending contextoid (``err.node_id``), field, scale or context,
and a failed update also says which of its operations failed (``err.operation``);
the context is always left exactly as it was before the update.
"""

from __future__ import annotations

from typing import Any

from causaloid.errors import CausalError, NodeId


class ContextError(CausalError):
    """A context was built, changed or read in an invalid way.

    Subclasses that are also ``KeyError`` keep :class:`CausalError`'s plain
    message (it comes first in their method order).
    """


class DuplicateContextoidError(ContextError, ValueError):
    """A contextoid id already in the context (``err.node_id``)."""

    node_id: NodeId


class UnknownContextoidError(ContextError, KeyError):
    """A contextoid id the context does not hold (``err.node_id``)."""

    node_id: NodeId


class RelationError(ContextError, ValueError):
    """A relation to a missing contextoid (``err.node_id`` names it), or one
    added twice (``err.source``, ``err.target``, ``err.relation``)."""

    node_id: NodeId
    source: NodeId
    target: NodeId
    relation: Any


class UnknownRelationError(RelationError, KeyError):
    """A relation the context does not hold."""


class TimeOrderError(ContextError, ValueError):
    """Timestamps out of order: a temporal relation pointing back in time, or
    table rows not sorted by time (``err.row``)."""

    row: int


class TimestampUnitError(ContextError, ValueError):
    """A timestamp that is not seconds since 1970-01-01 UTC (milliseconds or
    nanoseconds are far too large), or not a time at all."""


class CoordinateError(ContextError, ValueError):
    """A NaN or infinite coordinate of a Space or SpaceTime contextoid."""


class UnknownScaleError(ContextError, ValueError):
    """A time scale that does not exist (``err.scale``)."""

    scale: str


class UnknownFieldError(ContextError, KeyError):
    """A field no contextoid carries (``err.field``)."""

    field: str


class ContextoidKindError(ContextError, TypeError):
    """A contextoid of the wrong kind for the operation."""


class ContextArgumentError(ContextError, ValueError):
    """An invalid argument: an unknown aggregation, a scale that is not
    coarser, a NaN region bound."""


class UnknownContextError(ContextError, KeyError):
    """A context name that the model does not have (``err.context``)."""

    context: Any


class MissingContextError(ContextError, ValueError):
    """A contextual causaloid evaluated without its context (``err.node_id``)."""

    node_id: NodeId


class AssumptionError(CausalError, ValueError):
    """A model evaluated with ``strict=True`` while some assumption is
    unverified or failed (``err.assumptions`` lists them)."""

    assumptions: list[Any]


__all__ = [
    "AssumptionError",
    "ContextArgumentError",
    "ContextError",
    "ContextoidKindError",
    "CoordinateError",
    "DuplicateContextoidError",
    "MissingContextError",
    "RelationError",
    "TimeOrderError",
    "TimestampUnitError",
    "UnknownContextError",
    "UnknownContextoidError",
    "UnknownFieldError",
    "UnknownRelationError",
    "UnknownScaleError",
]
