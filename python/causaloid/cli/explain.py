"""``causaloid explain MODEL.json``: the plain-text explanation of one evaluation."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explain",
        help="explain one evaluation of a model (JSON), step by step",
        description="Evaluate a model on one observation and print why it decided as it did.",
    )
    p.add_argument("model", help="the model's JSON file (written by to_json())")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--row", help="the observation as JSON, e.g. '{\"temp\": 35}'")
    src.add_argument("--data", help="a CSV/Parquet table; explain the row at --index")
    p.add_argument("--index", type=int, default=0, help="row of --data to explain (default 0)")
    p.add_argument("--value", help="the incoming value (a number, true or false)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from causaloid.graph._json import from_json

    model = from_json(Path(args.model).read_text())
    row: dict[str, Any] | None = None
    if args.row:
        row = json.loads(args.row)
        if not isinstance(row, dict):
            raise ValueError("--row must be a JSON object of column values")
    elif args.data:
        from causaloid._io import read_table

        table = read_table(args.data)
        n = len(next(iter(table.values()))) if table else 0
        if not 0 <= args.index < n:
            raise ValueError(f"--index {args.index} is outside the table's {n} rows")
        row = {
            k: v[args.index].item() if hasattr(v[args.index], "item") else v[args.index]
            for k, v in table.items()
        }
    value = None if args.value is None else json.loads(args.value)
    print(model.explain(row, value=value))
    return 0
