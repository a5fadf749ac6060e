"""Reading tables from files: CSV and Parquet, through polars when it is
installed (fast, typed), otherwise CSV through the standard library."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from causaloid._optional import require
from causaloid.errors import DataError, MissingDependencyError


def read_table(path: str | Path) -> dict[str, np.ndarray]:
    """Read a CSV or Parquet file into a dict of NumPy columns.

    Numeric columns become float64 (or bool); other columns stay as object
    arrays, so a later step can name them when it needs numbers.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(path, "w").write("x,y\\n1,a\\n2,b\\n")
    >>> cols = read_table(path)
    >>> cols["x"].tolist(), cols["y"].tolist()
    ([1.0, 2.0], ['a', 'b'])
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    suffix = path.suffix.lower()
    pl: Any
    try:
        pl = require("polars", f"reading {path.name}")
    except MissingDependencyError:
        if suffix in (".parquet", ".pq"):
            raise  # names the extra; CSV falls back to the standard library
        pl = None
    if suffix in (".parquet", ".pq"):
        return _polars_read(pl, path, lambda: pl.read_parquet(path))
    if suffix not in (".csv", ".txt", ".tsv"):
        raise DataError(f"unsupported file type {suffix!r}; expected .csv or .parquet")
    if pl is not None:
        sep = "\t" if suffix == ".tsv" else ","
        return _polars_read(
            pl,
            path,
            lambda: pl.read_csv(
                path, separator=sep, comment_prefix="#", infer_schema_length=10_000
            ),
        )
    return _read_csv_stdlib(path)


def _polars_read(pl: Any, path: Path, read: Any) -> dict[str, np.ndarray]:
    """Columns of what ``read()`` returns; a malformed or empty file is a DataError."""
    try:
        frame = read()
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        kind = "Parquet" if path.suffix.lower() == ".parquet" else "CSV"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(
            f"cannot read {path.name!r} as {kind}: {first}", {"path": str(path)}
        ) from exc
    return _from_polars(frame)


def _from_polars(df: Any) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for s in df.get_columns():
        if s.dtype.is_numeric():
            out[s.name] = s.cast(float).to_numpy()
        else:
            out[s.name] = np.asarray(s.to_list(), dtype=object)
    return out


def _read_csv_stdlib(path: Path) -> dict[str, np.ndarray]:
    with path.open(newline="") as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].startswith("#")]
    if not rows:
        raise DataError(f"{path} is empty")
    header, body = rows[0], rows[1:]
    out: dict[str, np.ndarray] = {}
    for j, name in enumerate(header):
        raw = [r[j] if j < len(r) else "" for r in body]
        try:
            out[name] = np.array([float(x) if x != "" else np.nan for x in raw])
        except ValueError:
            out[name] = np.asarray(raw, dtype=object)
    return out
