"""``causaloid discover``: SURD on a CSV or Parquet file, from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from causaloid.cli import discover_graph
from causaloid.cli._common import (
    HelpFormatter,
    check_columns,
    file_columns,
    fraction,
    non_negative_int,
    positive_int,
)

DESCRIPTION = """\
Causal discovery on a CSV or Parquet table.

Loads and cleans the table, keeps the --k most relevant agents (mRMR), prints
the SURD table of the target (how much of its information each agent or group
of agents gives uniquely, redundantly or synergistically), and optionally saves
the bar chart and the discovered causal graph as JSON.

example:
  causaloid discover data.csv --target y --agents a b c --lag 1
"""


def register(subparsers: Any) -> None:
    """Add the ``discover`` subcommand."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "discover",
        help="causal discovery (mRMR + SURD) on a CSV or Parquet table",
        description=DESCRIPTION,
        formatter_class=HelpFormatter,
    )
    p.add_argument("data", metavar="DATA", help="a .csv, .tsv or .parquet file")
    p.add_argument("--target", help="the column to explain (required unless --graph)")
    p.add_argument(
        "--agents",
        nargs="+",
        metavar="COLUMN",
        help="candidate causes (all other columns if unset)",
    )
    p.add_argument("--lag", type=non_negative_int, default=1, help="rows between causes and target")
    p.add_argument("--bins", type=positive_int, default=8, help="equal-width bins per column")
    p.add_argument("--k", type=positive_int, default=10, help="agents kept by mRMR")
    p.add_argument(
        "--method",
        choices=["f_test", "mutual_info"],
        default="f_test",
        help="how mRMR scores relevance to the target",
    )
    p.add_argument("--max-order", type=positive_int, default=3, help="largest agent group")
    p.add_argument(
        "--missing",
        choices=["drop", "mean", "median", "ffill", "error"],
        default="drop",
        help="what to do with missing values: drop (each method leaves out the samples that "
        "read one, counted in its output; a lagged sample keeps its time offsets), fill them "
        "with the column's mean, median or previous value, or stop (error)",
    )
    p.add_argument(
        "--threshold",
        type=fraction,
        default=0.05,
        help="share of the target's entropy a component needs to become an edge",
    )
    p.add_argument("--all-targets", action="store_true", help="also explain each kept agent")
    p.add_argument(
        "--all",
        action="store_true",
        help="print every component and every edge with its rationale (default: the largest)",
    )
    p.add_argument(
        "--permutations", type=int, default=100, help="shuffles of the null (default 100)"
    )
    p.add_argument("--alpha", type=float, default=0.01, help="significance level (default 0.01)")
    p.add_argument("--plot", metavar="PNG", help="save the SURD bar chart here")
    p.add_argument("--json", metavar="FILE", help="write the discovered graph as JSON here")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    discover_graph.add_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from causaloid._optional import require

    if args.graph:
        return discover_graph.run_graph(args)
    if not args.target:
        print(
            "causaloid discover: error: --target is required (or use --graph pc)", file=sys.stderr
        )
        return 2
    from causaloid._progress import progress

    require("polars", "discover")
    from causaloid.discover import Pipeline

    available = file_columns(args.data, "DATA")
    check_columns([args.target], available, "--target", args.data)
    check_columns(list(args.agents or []), available, "--agents", args.data)

    show = False if args.no_progress else None
    pipe = Pipeline(
        args.target,
        lag=args.lag,
        bins=args.bins,
        k=args.k,
        method=args.method,
        max_order=args.max_order,
        progress=show,
        permutations=args.permutations,
        alpha=args.alpha,
        missing="drop" if args.missing == "drop" else "raise",
    )
    columns = [args.target, *args.agents] if args.agents else None
    k = len(args.agents) if args.agents else args.k
    t = args.threshold
    stages = {
        "load": lambda: _load(pipe, args.data, columns),
        # drop: the engine leaves out, per stage, the samples that read a missing value.
        "clean": lambda: pipe.clean("keep" if args.missing == "drop" else args.missing),
        "select": lambda: pipe.select(k=k),
        "discover": lambda: pipe.discover("all" if args.all_targets else None),
        "analyze": lambda: pipe.analyze(unique=t, redundant=t, synergistic=t),
    }
    # One bar over the stages (shown when interactive); discover() adds its own
    # bar over the targets with --all-targets.
    for name in progress(list(stages), total=len(stages), desc="discover", enabled=show):
        stages[name]()
    if (
        pipe.report.dropped_columns
        or pipe.report.imputed
        or (pipe.report.rows_before != pipe.report.rows_after)
    ):
        print(pipe.report)
    result = pipe.results[args.target]
    _print_surd(pipe, args)
    if args.plot:
        from causaloid._optional import require

        require("matplotlib", "--plot").use("Agg")
        ax = result.plot()
        ax.figure.savefig(args.plot, dpi=120, bbox_inches="tight")
        print(f"wrote {args.plot}")
    if args.json:
        if not pipe.edges:
            print(f"no graph to write to {args.json}: no edges")
            return 1
        graph = pipe.to_graph()
        Path(args.json).write_text(graph.to_json())
        print(f"wrote {args.json} ({len(graph)} nodes, {len(graph.edges)} edges)")
    return 0


def _load(pipe: Any, path: str, columns: list[str] | None) -> None:
    """Load the table, naming the file when the reader fails."""
    from causaloid.cli._common import unreadable
    from causaloid.errors import CausalError

    try:
        pipe.load(Path(path), columns=columns)
    except CausalError:
        raise
    except Exception as exc:  # noqa: BLE001 - the readers raise many types; name the file
        raise unreadable(path, "DATA", exc) from None


#: Components and edges printed per target unless ``--all``.
TOP_COMPONENTS, TOP_OTHER_TARGETS, TOP_EDGES = 10, 5, 10


def _print_surd(pipe: Any, args: argparse.Namespace) -> None:
    """The SURD tables, the main target first, largest components first, and
    the significant edges grouped per target; lines of at most 100 characters."""
    import textwrap

    targets = [args.target, *[t for t in pipe.results if t != args.target]]
    for i, target in enumerate(targets):
        if len(targets) > 1:
            print(f"== {target} ==")
        top = None if args.all else (TOP_COMPONENTS if i == 0 else TOP_OTHER_TARGETS)
        print(pipe.results[target].to_string(top=top, alpha=pipe.alpha))
        print()
    shown = pipe.edges if args.all else pipe.edges[:TOP_EDGES]
    weak = len(pipe.not_significant)
    if pipe.edges:
        print(f"edges (significant at {pipe.alpha:g}, strongest first):")
        for target in targets:
            for edge in (e for e in shown if e.target == target):
                print("  " + edge.to_line(98))
                if args.all:
                    print(
                        textwrap.fill(
                            edge.rationale, 100, initial_indent="      ", subsequent_indent="      "
                        )
                    )
        if len(shown) < len(pipe.edges):
            print(f"  ({len(pipe.edges) - len(shown)} more edges: --all)")
    else:
        print(f"no significant causes of {args.target} at level {pipe.alpha:g}; no edges")
    if weak:
        print(f"({weak} component(s) reach {args.threshold:.0%} of H but are not significant)")
