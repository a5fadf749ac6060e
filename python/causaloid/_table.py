"""Tables in, NumPy columns out.

Every module that reads data (batch evaluation, discovery, state machines,
contexts) goes through :func:`to_columns`, so a dict of arrays, a pandas or
polars DataFrame and an Arrow table all behave the same. Columns are not copied
when the input already holds contiguous numeric data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from causaloid.errors import ColumnTypeError, ShapeError, UnknownColumnError

Columns = dict[str, np.ndarray]


def _module_of(obj: Any) -> str:
    return type(obj).__module__.split(".")[0]


def to_columns(table: Any, columns: Sequence[str] | None = None) -> Columns:
    """Convert a table to a dict of one-dimensional NumPy arrays.

    Parameters
    ----------
    table : mapping of array-likes, pandas.DataFrame, polars.DataFrame, pyarrow.Table
        The data. A mapping's values may be lists, NumPy arrays or pandas/polars
        series.
    columns : sequence of str, optional
        Only these columns, in this order; an unknown name raises
        :class:`~causaloid.errors.UnknownColumnError`.

    Returns
    -------
    dict of str to numpy.ndarray
        All columns of equal length.

    Examples
    --------
    >>> cols = to_columns({"x": [1.0, 2.0], "y": [True, False]})
    >>> cols["x"].dtype, cols["y"].dtype
    (dtype('float64'), dtype('bool'))

    The columns are read-only views (no copy): nothing that reads them can
    change the caller's data.

    >>> cols["x"].flags.writeable
    False
    """
    kind = _module_of(table)
    # Only the columns asked for are converted, so unused columns (strings,
    # say) cost nothing.
    if kind == "pandas" and hasattr(table, "columns"):
        names = [str(c) for c in table.columns]
        by_name = {str(c): c for c in table.columns}

        def convert(name: str) -> np.ndarray:
            return np.asarray(table[by_name[name]].to_numpy())

    elif kind == "polars" and hasattr(table, "get_columns"):
        names = list(table.columns)

        def convert(name: str) -> np.ndarray:
            return np.asarray(table.get_column(name).to_numpy())

    elif kind == "pyarrow" and hasattr(table, "column_names"):
        names = list(table.column_names)

        def convert(name: str) -> np.ndarray:
            col = table.column(name)
            return np.asarray(col.to_numpy(**_arrow_kwargs(col)))

    elif isinstance(table, Mapping):
        by_key = {str(k): k for k in table}
        names = list(by_key)

        def convert(name: str) -> np.ndarray:
            return _series_to_numpy(table[by_key[name]])

    elif kind in ("dask", "ray"):
        raise TypeError(
            f"a {kind} collection is partitioned ({type(table).__name__}): use causaloid.{kind} "
            "(evaluate_batch, run_batch, surd, mrmr, root_causes, Pipeline), or collect it first"
        )
    else:
        raise TypeError(
            "table must be a mapping of arrays, a pandas or polars DataFrame or a "
            f"pyarrow Table; got {type(table).__name__}"
        )
    if columns is not None:
        known = set(names)
        missing = [c for c in columns if c not in known]
        if missing:
            raise UnknownColumnError(
                f"unknown column {missing[0]!r} (available: {', '.join(names[:12])})",
                {"column": missing[0], "available": names},
            )
        names = list(dict.fromkeys(columns))
    raw = {name: convert(name) for name in names}
    for name, arr in raw.items():
        if arr.ndim != 1:
            raise ShapeError(
                f"column {name!r} has shape {arr.shape}; expected one dimension",
                {"column": name, "shape": arr.shape},
            )
    lengths = {name: arr.shape[0] for name, arr in raw.items()}
    if len(set(lengths.values())) > 1:
        raise ShapeError(f"columns have different lengths: {lengths}", {"lengths": lengths})
    return {name: _read_only(arr) for name, arr in raw.items()}


def _read_only(arr: np.ndarray) -> np.ndarray:
    """A read-only view of ``arr``: what Python functions of a batch receive
    cannot overwrite the caller's table (the caller's array stays writable)."""
    if not arr.flags.writeable:
        return arr
    view = arr.view()
    view.flags.writeable = False
    return view


def _arrow_kwargs(column: Any) -> dict[str, Any]:
    return {"zero_copy_only": False}


def _series_to_numpy(value: Any) -> np.ndarray:
    if hasattr(value, "to_numpy") and not isinstance(value, np.ndarray):
        return np.asarray(value.to_numpy())
    return np.asarray(value)


def numeric(name: str, arr: np.ndarray) -> np.ndarray:
    """Return ``arr`` as float64 or bool, without copying when it already is.

    Raises :class:`~causaloid.errors.ColumnTypeError` naming the column when
    the data is not numeric.

    Examples
    --------
    >>> numeric("x", np.array([1, 2])).dtype
    dtype('float64')
    """
    if arr.dtype == np.float64 or arr.dtype == np.bool_:
        return np.ascontiguousarray(arr)
    if arr.dtype.kind in "iuf":
        return arr.astype(np.float64)
    if arr.dtype == object:
        # None, pandas NA / NaT (nullable dtypes, polars and Arrow nulls on
        # booleans): missing values, NaN for the engine, which decides them
        # by its missing-value policy (docs/missing.md).
        try:
            return np.array([np.nan if _is_missing(v) else v for v in arr], dtype=np.float64)
        except (TypeError, ValueError):
            pass
    raise ColumnTypeError(
        f"column {name!r} has dtype {arr.dtype}; expected numbers or booleans",
        {"column": name, "dtype": str(arr.dtype)},
    )


def _is_missing(v: Any) -> bool:
    """Whether a cell is a missing value: None, NaN, pandas NA or NaT."""
    if v is None:
        return True
    name = type(v).__name__
    if name in ("NAType", "NaTType"):
        return True
    return isinstance(v, float) and v != v


def n_rows(columns: Columns) -> int:
    """Number of rows of a dict of equal-length columns (0 when empty)."""
    for arr in columns.values():
        return int(arr.shape[0])
    return 0
