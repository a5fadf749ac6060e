"""Exceptions of causal discovery. Each is a :class:`~causaloid.errors.CausalError`
and the built-in exception Python convention expects, with the column, row or
parameter at fault in ``err.detail`` and as attributes."""

from __future__ import annotations

from typing import Any

from causaloid.errors import CausalError, DataError, ShapeError
from causaloid.errors import MissingValueError as _MissingValueError


class DiscoverError(CausalError):
    """Base class of the errors raised by :mod:`causaloid.discover`."""


class DiscoverValueError(DiscoverError, ValueError):
    """An argument out of its range (``err.parameter``)."""

    parameter: str


class NonFiniteError(DiscoverError, DataError, ValueError):
    """A NaN or infinity in the data (``err.column``, ``err.row``, ``err.value``).
    Clean the data first, for example with :meth:`Pipeline.clean`."""

    column: str
    row: int
    value: Any


class MissingValueError(NonFiniteError, _MissingValueError):
    """A missing value (NaN, a null) in the data discovery reads
    (``err.column``, ``err.row``): the same class as every missing input
    (``except cl.errors.MissingValueError`` catches it), and a
    :class:`NonFiniteError`. Drop or fill the rows first, for example with
    :meth:`Pipeline.clean`."""

    column: str
    row: int


class ConstantColumnError(DiscoverError, DataError, ValueError):
    """A column with a single value carries no information (``err.column``)."""

    column: str


class TooFewSamplesError(DiscoverError, DataError, ValueError):
    """Fewer samples than bins (``err.column``, ``err.samples``, ``err.bins``),
    or than a method needs; after ``missing="drop"``, ``err.samples`` kept
    and ``err.dropped`` left out for a missing value."""

    column: str
    samples: int
    bins: Any
    dropped: int


class SingularDataError(DiscoverError, DataError, ValueError):
    """Columns whose correlation matrix is singular (one is a linear
    combination of others), so Fisher's z cannot test them (``err.columns``)."""

    columns: list[str]


class UnorientedEdgeError(DiscoverError, ValueError):
    """A DAG was needed but the graph still has undirected edges
    (``err.edges``); pick a member of the class with ``CPDAG.dags()``."""

    edges: list[Any]


class BinningError(DiscoverError, DataError, ValueError):
    """Bin edges that are not increasing, or a value outside them (``err.column``)."""

    column: str


class DistributionError(DiscoverError, DataError, ValueError):
    """A probability array that is negative, not finite or of the wrong shape."""


class StageError(DiscoverError, RuntimeError):
    """A :class:`Pipeline` stage called before the stage it needs
    (``err.stage``, ``err.needs``)."""

    stage: str
    needs: Any


__all__ = [
    "BinningError",
    "ConstantColumnError",
    "DiscoverError",
    "DiscoverValueError",
    "DistributionError",
    "MissingValueError",
    "NonFiniteError",
    "ShapeError",
    "SingularDataError",
    "StageError",
    "TooFewSamplesError",
    "UnorientedEdgeError",
]
