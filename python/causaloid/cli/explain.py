"""``causaloid explain MODEL.json``: the plain-text explanation of one evaluation."""

from __future__ import annotations

import argparse
from typing import Any

from causaloid.cli._common import (
    HelpFormatter,
    UserError,
    missing_column,
    non_negative_int,
    parse_row,
    parse_value,
    read_data,
    read_model,
)
from causaloid.errors import DataError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explain",
        help="explain one evaluation of a model (JSON), step by step",
        description="Evaluate a model on one observation and print why it decided as it did. "
        "Give the observation with --row (JSON) or pick a row of a table with --data/--index.",
        formatter_class=HelpFormatter,
    )
    p.add_argument("model", metavar="MODEL", help="the model's JSON file (written by to_json())")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--row", help="the observation as JSON, e.g. '{\"temp\": 35}'")
    src.add_argument("--data", help="a CSV/Parquet table; explain the row at --index")
    p.add_argument("--index", type=non_negative_int, default=0, help="row of --data to explain")
    p.add_argument("--value", help="the incoming value (a number, true or false)")
    p.add_argument(
        "--format",
        choices=["text", "markdown", "json"],
        default="text",
        help="text for a terminal, markdown for a report, json for a program",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    model = read_model(args.model, "MODEL")
    value = parse_value(args.value)
    row: dict[str, Any] | None = None
    if args.row is not None:
        row = parse_row(args.row)
    elif args.data:
        table = read_data(args.data, "--data")
        n = len(next(iter(table.values())))
        if args.index >= n:
            raise UserError(
                f"--index {args.index} is outside the table's {n} rows; "
                f"give a row from 0 to {max(n - 1, 0)}"
            )
        row = {
            k: v[args.index].item() if hasattr(v[args.index], "item") else v[args.index]
            for k, v in table.items()
        }
    else:
        columns = _columns_read(model)
        if columns:
            listed = ", ".join(repr(c) for c in columns[:8])
            raise UserError(
                f"no observation: the model reads {listed}; give them with --row "
                f"'{{\"{columns[0]}\": ...}}' or a table with --data"
            )
    source = "--row" if args.row is not None else "--data"
    try:
        text = model.explain(row, value=value, format=args.format)
    except KeyError as exc:
        better = missing_column(exc, source, list(row or {}))
        if better is None:
            raise
        raise better from None
    except DataError as exc:
        raise UserError(f"{source}: {exc}") from None
    print(text)
    return 0


def _columns_read(model: Any) -> list[str]:
    """The columns the model's expressions read (empty if it cannot say)."""
    try:
        return [str(c) for c in model.columns]
    except Exception:  # noqa: BLE001 - the listing is only a hint
        return []
