"""``causaloid evaluate MODEL.json DATA.csv``: verdicts for every row of a table."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="evaluate a model (JSON) on every row of a CSV/Parquet table",
        description="Evaluate a causal model saved with to_json() on every row of a table.",
    )
    p.add_argument("model", help="the model's JSON file (written by to_json())")
    p.add_argument("data", help="CSV or Parquet file, one observation per row")
    p.add_argument("--value", help="column holding each row's incoming value")
    p.add_argument("--out", help="write verdicts (and node activations) to this CSV")
    p.add_argument("--activations", action="store_true", help="also report each node's verdicts")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from causaloid._io import read_table
    from causaloid.graph._json import from_json

    model = from_json(Path(args.model).read_text())
    table = read_table(args.data)
    result = model.evaluate_batch(table, value=args.value, activations=args.activations)
    verdicts, nodes = result if args.activations else (result, {})
    n = len(verdicts)
    active = verdicts >= 0.5 if verdicts.dtype != np.bool_ else verdicts
    print(
        f"{model.id}: {n:,} rows, verdict active on {int(active.sum()):,} ({active.mean():.2%})"
        if n
        else f"{model.id}: no rows"
    )
    for node, vals in nodes.items():
        on = vals >= 0.5 if vals.dtype != np.bool_ else vals
        print(f"  {node!s:<24} active on {on.mean():.2%}")
    if args.out:
        with open(args.out, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["row", "verdict", *map(str, nodes)])
            for i in range(n):
                w.writerow([i, _fmt(verdicts[i]), *(_fmt(v[i]) for v in nodes.values())])
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _fmt(x: object) -> str:
    return str(bool(x)).lower() if isinstance(x, (bool, np.bool_)) else repr(float(x))  # type: ignore[arg-type]
