"""Tabular results out: one set of columns, three libraries.

A result class that is a table lists its columns once in ``_columns()`` and
inherits :class:`Tabular`, which gives it ``to_frame()`` (pandas),
``to_polars()`` and ``to_arrow()`` (pyarrow) with the same column names, order
and values. Each library is optional; a missing one raises an error naming the
extra to install (see :mod:`causaloid._optional`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from causaloid._optional import require

Columns = dict[str, list[Any]]


def to_pandas(columns: Columns, purpose: str = "to_frame()") -> Any:
    """A pandas DataFrame of ``columns``.

    Examples
    --------
    >>> to_pandas({"a": [1, 2], "b": ["x", "y"]}).shape
    (2, 2)
    """
    pd = require("pandas", purpose)
    return pd.DataFrame(
        {name: pd.Series(values, dtype=_pandas_dtype(values)) for name, values in columns.items()}
    )


def _pandas_dtype(values: list[Any]) -> Any:
    # tuples (agent sets) and empty columns stay Python objects
    if not values or any(isinstance(v, (tuple, list)) for v in values):
        return object
    return None


def to_polars(columns: Columns, purpose: str = "to_polars()") -> Any:
    """A polars DataFrame of ``columns``; tuples become list columns.

    Examples
    --------
    >>> to_polars({"agents": [("a", "b"), ()], "bits": [0.5, 0.1]}).dtypes
    [List(String), Float64]
    """
    pl = require("polars", purpose)
    data = {
        name: [list(v) if isinstance(v, tuple) else v for v in values]
        for name, values in columns.items()
    }
    schema = {
        name: pl.List(pl.String)
        for name, values in data.items()
        if values and all(isinstance(v, list) for v in values)
    }
    return pl.DataFrame(data, schema_overrides=schema, strict=False)


def to_arrow(columns: Columns, purpose: str = "to_arrow()") -> Any:
    """A pyarrow Table of ``columns``; tuples become list columns.

    Examples
    --------
    >>> to_arrow({"agents": [("a", "b"), ()], "bits": [0.5, 0.1]}).schema.types
    [ListType(list<item: string>), DataType(double)]
    """
    pa = require("pyarrow", purpose)
    arrays = {}
    for name, values in columns.items():
        data = [list(v) if isinstance(v, tuple) else v for v in values]
        if data and all(isinstance(v, list) for v in data):
            arrays[name] = pa.array(data, type=pa.list_(pa.string()))
        else:
            arrays[name] = pa.array(data)
    return pa.table(arrays)


class Tabular(ABC):
    """Mixin: ``to_frame()``, ``to_polars()`` and ``to_arrow()`` from ``_columns()``."""

    __slots__ = ()

    @abstractmethod
    def _columns(self) -> Columns:
        """The result's table: column name to values, every column as long."""

    def to_frame(self) -> Any:
        """The result as a pandas DataFrame (needs ``causaloid[frames]``)."""
        return to_pandas(self._columns())

    def to_polars(self) -> Any:
        """The result as a polars DataFrame, same columns as :meth:`to_frame`."""
        return to_polars(self._columns())

    def to_arrow(self) -> Any:
        """The result as a pyarrow Table, same columns as :meth:`to_frame`."""
        return to_arrow(self._columns())

    def _repr_html_(self) -> str:
        """The table in Jupyter (first rows)."""
        from causaloid._html import tabular_html

        return tabular_html(type(self).__name__, self._columns())


__all__ = ["Tabular", "to_arrow", "to_pandas", "to_polars"]
