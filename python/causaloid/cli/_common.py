"""What every subcommand shares: argument types that reject bad values as usage
errors, file readers whose failures name the argument and the fix, and the
one-line error report.

A user mistake found while running (a missing file, a table that cannot be
read, a column that does not exist) is raised as :class:`UserError`, whose
message names the argument or file and ends with what to do; ``main`` prints it
as one line and exits 1. Bad values of options are caught by argparse through
the types below and exit 2, like every usage error.
"""

from __future__ import annotations

import argparse
import difflib
import json
from pathlib import Path
from typing import Any

import numpy as np

from causaloid.errors import CausalError


class UserError(CausalError):
    """A mistake in how the command was called: one line, naming the argument
    or file and the fix (``causaloid`` exits 1)."""


class HelpFormatter(argparse.HelpFormatter):
    """Plain-text help: paragraphs are wrapped one by one (indented lines, such
    as examples, are kept as written) and each option with a value shows its
    default."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        out = []
        for block in text.strip("\n").split("\n\n"):
            if block.startswith(" ") or "\n " in block:
                out.append("\n".join(indent + line for line in block.splitlines()))
            else:
                out.append(super()._fill_text(block, width, indent))
        return "\n\n".join(out)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "%(default)" in text
            or action.required
            or default in (None, False, argparse.SUPPRESS)
            or not action.option_strings
        ):
            return text
        return f"{text} (default: %(default)s)"


# --- argument types (a ValueError/ArgumentTypeError here is a usage error) -----


def positive_int(text: str) -> int:
    """An integer of at least 1.

    Examples
    --------
    >>> positive_int("3")
    3
    >>> positive_int("0")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a whole number of at least 1, got '0'
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of at least 1, got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """An integer of at least 0.

    Examples
    --------
    >>> non_negative_int("0")
    0
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a whole number, 0 or more, got {text!r}"
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number, 0 or more, got {text!r}")
    return value


def positive_int_list(text: str) -> list[int]:
    """A comma-separated list of integers of at least 1.

    Examples
    --------
    >>> positive_int_list("10, 1000")
    [10, 1000]
    """
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise argparse.ArgumentTypeError(f"expected sizes such as 10,1000, got {text!r}")
    out = []
    for part in parts:
        try:
            out.append(positive_int(part))
        except argparse.ArgumentTypeError:
            where = f" in {text!r}" if len(parts) > 1 else ""
            raise argparse.ArgumentTypeError(
                f"each size must be a whole number of at least 1, got {part!r}{where}"
            ) from None
    return out


def fraction(text: str) -> float:
    """A number between 0 and 1.

    Examples
    --------
    >>> fraction("0.05")
    0.05
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a number between 0 and 1, got {text!r}"
        ) from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a number between 0 and 1, got {text!r}")
    return value


# --- reading files ----------------------------------------------------------------


def _check_file(path: str, what: str, arg: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise UserError(f"{arg}: {what} file {path!r} does not exist; check the path")
    if p.is_dir():
        raise UserError(f"{arg}: {path!r} is a folder; give the {what} file inside it")
    return p


def _check_not_empty(p: Path, arg: str) -> None:
    if p.stat().st_size == 0:
        raise UserError(f"{arg}: {str(p)!r} is empty; give a table with a header row and data")


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0].rstrip(".:") if text else type(exc).__name__


def read_model(path: str, arg: str = "MODEL") -> Any:
    """Load a model written by ``to_json()``; every failure names the file."""
    from causaloid.graph._json import from_json

    p = _check_file(path, "model", arg)
    try:
        text = p.read_text()
    except UnicodeDecodeError:
        raise UserError(
            f"{arg}: {path!r} is not a text file; give the JSON file written by to_json()"
        ) from None
    except OSError as exc:
        raise UserError(f"{arg}: cannot read {path!r}: {exc.strerror or exc}") from None
    if text.lstrip()[:1] not in ("{", "["):
        hint = (
            " (it looks like a data table: the model comes first, then the data)"
            if p.suffix.lower() in (".csv", ".tsv", ".parquet", ".pq", ".txt")
            else ""
        )
        raise UserError(
            f"{arg}: {path!r} is not a model's JSON{hint}; give the file written by to_json()"
        )
    try:
        return from_json(text)
    except RecursionError:
        raise UserError(
            f"{arg}: {path!r} is nested too deeply to be a model; give the file written by "
            "to_json()"
        ) from None
    except CausalError as exc:
        raise UserError(
            f"{arg}: {path!r} is not a valid model ({first_line(exc)}); give the file "
            "written by to_json()"
        ) from None
    except (ValueError, TypeError, KeyError) as exc:
        raise UserError(
            f"{arg}: {path!r} is not a valid model ({first_line(exc)}); give the file "
            "written by to_json()"
        ) from None


def read_data(path: str, arg: str = "DATA") -> dict[str, np.ndarray]:
    """Read a CSV or Parquet table; every failure names the file and the fix."""
    from causaloid._io import read_table

    p = _check_file(path, "data", arg)
    _check_not_empty(p, arg)
    suffix = p.suffix.lower()
    if suffix == ".json":
        raise UserError(
            f"{arg}: {path!r} is JSON, not a table (the model comes first, then the data); "
            "give a .csv or .parquet file"
        )
    try:
        table = read_table(p)
    except CausalError as exc:
        if isinstance(exc, ImportError):  # a missing optional package names its extra
            raise
        raise UserError(f"{arg}: cannot read {path!r}: {first_line(exc)}") from None
    except ImportError:
        raise
    except Exception as exc:  # noqa: BLE001 - the readers raise many types; name the file
        raise unreadable(path, arg, exc) from None
    if not table:
        raise UserError(f"{arg}: {path!r} has no columns; give a table with a header row")
    return table


def file_columns(path: str, arg: str = "DATA") -> list[str]:
    """The column names of a CSV or Parquet file, read from its header only."""
    p = _check_file(path, "data", arg)
    _check_not_empty(p, arg)
    from causaloid._optional import require

    pl = require("polars", f"reading {path!r}")
    suffix = p.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return list(pl.read_parquet_schema(p))
        sep = "\t" if suffix == ".tsv" else ","
        return list(pl.read_csv(p, separator=sep, comment_prefix="#", n_rows=0).columns)
    except Exception as exc:  # noqa: BLE001 - name the file, whatever polars raised
        raise unreadable(path, arg, exc) from None


def unreadable(path: str, arg: str, exc: BaseException) -> UserError:
    """The one-line report of a table the reader rejected, with the likely fix.

    Examples
    --------
    >>> str(unreadable("t.parquet", "DATA", OSError("bad footer")))[:53]
    "DATA: cannot read 't.parquet' as Parquet (bad footer)"
    """
    if Path(path).suffix.lower() in (".parquet", ".pq"):
        return UserError(
            f"{arg}: cannot read {path!r} as Parquet ({first_line(exc)}); check that it is a "
            "complete Parquet file (written by pandas, polars or pyarrow)"
        )
    return UserError(
        f"{arg}: cannot read {path!r} as CSV ({first_line(exc)}); check that the first line "
        "names the columns and every row has that many comma-separated fields"
    )


def missing_column(exc: Exception, arg: str, available: list[str]) -> UserError | None:
    """Rephrase an unknown-column error from the model as a fix for ``arg``."""
    column = getattr(exc, "column", None)
    if not isinstance(column, str) or column in available:
        return None
    listed = ", ".join(available[:12]) or "none"
    return UserError(
        f"{arg}: no column {column!r}, which the model reads; the columns given are {listed}"
    )


def check_columns(names: list[str], available: list[str], arg: str, path: str) -> None:
    """Raise a :class:`UserError` for the first name not among ``available``,
    suggesting the closest column.

    Examples
    --------
    >>> check_columns(["temp"], ["temp", "smoke"], "--agents", "d.csv")
    >>> check_columns(["tmep"], ["temp", "smoke"], "--agents", "d.csv")
    Traceback (most recent call last):
    ...
    causaloid.cli._common.UserError: --agents: no column 'tmep' in 'd.csv'; did you mean 'temp'?
    """
    for name in names:
        if name not in available:
            close = difflib.get_close_matches(name, available, n=1)
            fix = (
                f"did you mean {close[0]!r}?"
                if close
                else f"the columns are {', '.join(available[:12])}"
                + (" ..." if len(available) > 12 else "")
            )
            raise UserError(f"{arg}: no column {name!r} in {path!r}; {fix}")


def parse_row(text: str) -> dict[str, Any]:
    """The ``--row`` observation: a JSON object of column values.

    Examples
    --------
    >>> parse_row('{"temp": 35}')
    {'temp': 35}
    >>> parse_row("temp=35")
    Traceback (most recent call last):
    ...
    causaloid.cli._common.UserError: --row: 'temp=35' is not JSON (Expecting value \
at character 0); write it as '{"temp": 35, "smoke": 0.1}'
    """
    example = '\'{"temp": 35, "smoke": 0.1}\''
    try:
        row = json.loads(text)
    except ValueError as exc:
        reason = (
            f"{exc.msg} at character {exc.pos}" if isinstance(exc, json.JSONDecodeError) else exc
        )
        raise UserError(f"--row: {text!r} is not JSON ({reason}); write it as {example}") from None
    if not isinstance(row, dict):
        raise UserError(
            f"--row: expected a JSON object of column values, got {text!r}; write it as {example}"
        )
    return row


def parse_value(text: str | None) -> Any:
    """The ``--value`` incoming value: a number, ``true`` or ``false``.

    Examples
    --------
    >>> parse_value("0.5"), parse_value("true"), parse_value(None)
    (0.5, True, None)
    """
    if text is None:
        return None
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        return float(text)
    except ValueError:
        raise UserError(
            f"--value: {text!r} is neither a number nor true/false; write e.g. --value 0.7"
        ) from None
