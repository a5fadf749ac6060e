"""Exceptions of the ethos: each names the norm, modality or context entry at
fault (``err.norm_id``, ``err.modality``, ``err.column``)."""

from __future__ import annotations

from causaloid.errors import CausalError, NodeId


class EthosError(CausalError):
    """An ethos or one of its norms was built or used in an invalid way."""


class DuplicateNormError(EthosError, ValueError):
    """A norm id used twice in one ethos (``err.norm_id``)."""

    norm_id: NodeId


class UnknownNormError(EthosError, KeyError):
    """A norm id the ethos does not hold (``err.norm_id``); when another norm
    names it in a relation, also ``err.referenced_by`` and ``err.relation``
    (``"defeats"`` or ``"specializes"``)."""

    norm_id: NodeId
    referenced_by: NodeId
    relation: str

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class ModalityError(EthosError, ValueError):
    """A modality other than obligatory, impermissible or optional (``err.modality``)."""

    modality: str


class NormError(EthosError, ValueError):
    """A norm with an invalid field (``err.norm_id``, ``err.parameter``)."""

    norm_id: NodeId
    parameter: str


class MissingContextError(EthosError, KeyError):
    """A norm's expression reads a value the context does not hold (``err.column``)."""

    column: str

    def __str__(self) -> str:
        return self.message


class PredicateError(EthosError):
    """A norm's predicate raised (chained as ``__cause__``) or decided something
    that is not a truth value (``err.norm_id``)."""

    norm_id: NodeId


class RelationError(EthosError, ValueError):
    """Relations between norms that cannot hold: defeats or specializations
    that loop (``err.relation``, ``err.cycle``), or removing a norm another
    norm names (``err.norm_id``, ``err.referenced_by``, ``err.relation``)."""

    relation: str
    cycle: list[NodeId]
    norm_id: NodeId
    referenced_by: NodeId


__all__ = [
    "DuplicateNormError",
    "EthosError",
    "MissingContextError",
    "ModalityError",
    "NormError",
    "PredicateError",
    "RelationError",
    "UnknownNormError",
]
