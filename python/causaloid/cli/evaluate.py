"""``causaloid evaluate MODEL.json DATA.csv``: verdicts for every row of a table."""

from __future__ import annotations

import argparse
import csv
import sys

import numpy as np

from causaloid.cli._common import (
    HelpFormatter,
    UserError,
    missing_column,
    positive_int,
    read_data,
    read_model,
)
from causaloid.errors import DataError, MissingValueError

# Rows evaluated per engine call when a progress bar is shown.
CHUNK = 200_000


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="evaluate a model (JSON) on every row of a CSV/Parquet table",
        description="Evaluate a causal model saved with to_json() on every row of a table "
        "and report how often its verdict (and, with --activations, each node) is active.",
        formatter_class=HelpFormatter,
    )
    p.add_argument("model", metavar="MODEL", help="the model's JSON file (written by to_json())")
    p.add_argument("data", metavar="DATA", help="CSV or Parquet file, one observation per row")
    p.add_argument("--value", help="column holding each row's incoming value")
    p.add_argument("--out", metavar="CSV", help="write verdicts (and node activations) here")
    p.add_argument("--activations", action="store_true", help="also report each node's verdicts")
    p.add_argument(
        "--chunk", type=positive_int, default=CHUNK, help="rows per step of the progress bar"
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument(
        "--missing",
        choices=["raise", "false", "true", "propagate"],
        default="raise",
        help="what a blank (missing value) in a column the model reads does: raise an error "
        "naming the column and row, decide the reading causaloid false/true, or propagate "
        "'unknown' (three-valued logic; unknown rows are counted apart)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from causaloid._progress import progress

    model = read_model(args.model, "MODEL")
    table = read_data(args.data, "DATA")
    if args.value is not None and args.value not in table:
        from causaloid.cli._common import check_columns

        check_columns([args.value], list(table), "--value", args.data)
    n = len(next(iter(table.values())))
    starts = list(range(0, n, args.chunk)) or [0]
    show = False if args.no_progress else None
    parts = []
    for start in progress(starts, desc="evaluate", enabled=show if len(starts) > 1 else False):
        part = {k: v[start : start + args.chunk] for k, v in table.items()}
        try:
            parts.append(
                model.evaluate_batch(
                    part, value=args.value, activations=args.activations, missing=args.missing
                )
            )
        except MissingValueError as exc:
            raise UserError(_missing_message(exc, args.data, start)) from None
        except KeyError as exc:
            better = missing_column(exc, "DATA", list(table))
            if better is None:
                raise
            raise better from None
        except DataError as exc:
            raise UserError(f"DATA: {args.data!r}: {exc}") from None
    if args.activations:
        verdicts = np.ma.concatenate([p[0] for p in parts])
        nodes = {key: np.concatenate([p[1][key] for p in parts]) for key in parts[0][1]}
    else:
        verdicts, nodes = np.ma.concatenate(parts), {}
    if len(verdicts) != n:  # pragma: no cover - the engine returns one verdict per row
        raise UserError(f"DATA: {len(verdicts)} verdicts for {n} rows")
    unknown = int(np.ma.count_masked(verdicts))
    verdicts = (
        np.ma.filled(verdicts.astype(np.float64), np.nan) if unknown else np.asarray(verdicts)
    )
    active = verdicts >= 0.5 if verdicts.dtype != np.bool_ else verdicts
    print(
        f"{model.id}: {n:,} rows, verdict active on {int(active.sum()):,} ({active.mean():.2%})"
        if n
        else f"{model.id}: no rows"
    )
    if unknown:
        print(
            f"  verdict unknown on {unknown:,} ({unknown / n:.2%}): a missing value decides them "
            "(--missing propagate)"
        )
    blanks = _blanks(model, table)
    if blanks:
        listed = ", ".join(f"{name} {count:,}" for name, count in blanks.items())
        print(f"  missing values in columns the model reads (rows): {listed}")
    if nodes:
        width = max(len(str(node)) for node in nodes)
        for node, vals in nodes.items():
            on = vals >= 0.5 if vals.dtype != np.bool_ else vals
            print(f"  {str(node):<{width}}  active on {on.mean():>8.2%}")
    if args.out:
        try:
            with open(args.out, "w", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(["row", "verdict", *map(str, nodes)])
                for i in range(n):
                    w.writerow([i, _fmt(verdicts[i]), *(_fmt(v[i]) for v in nodes.values())])
        except OSError as exc:
            raise UserError(
                f"--out: cannot write {args.out!r}: {exc.strerror or exc}; check the folder exists"
            ) from None
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _blanks(model: object, table: dict[str, np.ndarray]) -> dict[str, int]:
    """Rows with a missing value (NaN, blank) in each column the model reads."""
    try:
        read = [str(c) for c in model.columns]  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a model that cannot list its columns
        read = list(table)
    out = {}
    for name in read:
        col = table.get(name)
        if col is None:
            continue
        if col.dtype.kind == "f":
            count = int(np.isnan(col).sum())
        elif col.dtype.kind == "O":
            count = sum(1 for v in col if v is None or v == "" or v != v)
        else:
            count = 0
        if count:
            out[name] = count
    return out


def _missing_message(exc: MissingValueError, data: str, start: int) -> str:
    """One line naming the column and the row (of the whole file) and the fix."""
    column = getattr(exc, "column", None)
    row = getattr(exc, "row", None)
    where = f"column {column!r}" if column is not None else f"causaloid {exc.node_id!r}"
    at = f", row {row + start}" if row is not None else ""
    return (
        f"DATA: {data!r}: missing value in {where}{at}; fill it, or pass "
        "--missing false|true|propagate to decide such rows"
    )


def _fmt(x: object) -> str:
    return str(bool(x)).lower() if isinstance(x, (bool, np.bool_)) else repr(float(x))  # type: ignore[arg-type]
