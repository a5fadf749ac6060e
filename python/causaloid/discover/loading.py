"""Reading tables for discovery: CSV and Parquet files through polars, or any
table :func:`causaloid._table.to_columns` accepts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from causaloid._optional import require
from causaloid._table import to_columns
from causaloid.discover.errors import DiscoverValueError


def load_table(source: Any, columns: list[str] | None = None) -> dict[str, np.ndarray]:
    """Columns of a CSV or Parquet file (path) or of an in-memory table.

    Examples
    --------
    >>> sorted(load_table({"a": [1.0, 2.0], "b": [3, 4]}))
    ['a', 'b']
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(f"no such file: {str(path)!r}")
        pl = require("polars", f"reading {path.name!r}")

        suffix = path.suffix.lower()
        if suffix in (".parquet", ".pq"):
            frame = pl.read_parquet(path, columns=columns)
        elif suffix in (".csv", ".txt", ".tsv"):
            frame = pl.read_csv(
                path,
                separator="\t" if suffix == ".tsv" else ",",
                comment_prefix="#",
                columns=columns,
                infer_schema_length=10_000,
            )
        else:
            raise DiscoverValueError(
                f"cannot read {path.name!r}: expected a .csv, .tsv or .parquet file",
                {"parameter": "source"},
            )
        return to_columns(frame, columns)
    return to_columns(source, columns)
