"""``causaloid discover --graph pc|ges|boss|pcmci``: learn the causal graph of
a whole table (stable PC, optionally time-lagged, greedy equivalence search,
best order score search, or PCMCI on a time series), print
its edges and write it as DOT, JSON or the adjacency CSV."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The structure-learning options of ``causaloid discover``."""
    g = p.add_argument_group("structure learning (--graph pc|ges|boss|pcmci)")
    g.add_argument(
        "--graph",
        choices=["pc", "ges", "boss", "pcmci"],
        help="learn the causal graph of all columns (stable PC, GES, BOSS, or PCMCI on a "
        "time series) instead of SURD",
    )
    # --alpha (the significance level) is shared with SURD's tests; its
    # default there is 0.01.
    g.add_argument(
        "--test",
        choices=["fisherz", "chisq", "gsq"],
        default="fisherz",
        help="independence test (default fisherz)",
    )
    g.add_argument("--max-depth", type=int, help="largest conditioning set (default: no bound)")
    g.add_argument(
        "--max-lag", type=int, help="pc on a time window of this many lags; pcmci: largest lag"
    )
    g.add_argument("--penalty", type=float, default=1.0, help="ges, boss: BIC penalty (default 1)")
    g.add_argument(
        "--score",
        choices=["bic", "bdeu"],
        default="bic",
        help="ges, boss: linear-Gaussian BIC or BDeu for categorical columns (default bic)",
    )
    g.add_argument("--dot", metavar="FILE", help="write the learned graph as Graphviz DOT")
    g.add_argument("--csv", metavar="FILE", help="write the learned graph as an adjacency CSV")


def run_graph(args: argparse.Namespace) -> int:
    """Learn the graph, print its edges, write the requested files."""
    import causaloid as cl
    from causaloid.discover._missing import MissingRows
    from causaloid.discover.loading import load_table

    columns = args.agents if args.agents else None
    if args.target and columns:
        columns = [args.target, *columns]
    table: Any = load_table(Path(args.data), columns=columns)
    # --missing drop: the learner leaves out the rows (windows) that read a missing value.
    missing: MissingRows = "drop" if args.missing == "drop" else "raise"
    if args.graph in ("ges", "boss"):
        learn = cl.discover.ges if args.graph == "ges" else cl.discover.boss
        graph = learn(table, score=args.score, penalty=args.penalty, missing=missing)
        print(graph)
        if args.score == "bic":
            print(f"(BIC {graph.score:.6g}, penalty={args.penalty})")
        else:
            print(f"(BDeu {graph.score:.6g})")
    elif args.graph == "pcmci":
        graph = cl.discover.pcmci(
            table,
            max_lag=1 if args.max_lag is None else args.max_lag,
            alpha=args.alpha,
            test=args.test,
            max_conds=args.max_depth,
            missing=missing,
        )
        print(graph)
        print(f"({graph.tests} independence tests, alpha={args.alpha}, test={args.test})")
    else:
        graph = cl.discover.pc(
            table,
            alpha=args.alpha,
            test=args.test,
            max_depth=args.max_depth,
            max_lag=args.max_lag,
            missing=missing,
        )
        print(graph)
        print(f"({graph.tests} independence tests, alpha={args.alpha}, test={args.test})")
    if args.dot:
        Path(args.dot).write_text(graph.to_dot(), encoding="utf-8")
        print(f"wrote {args.dot}")
    if args.json:
        Path(args.json).write_text(graph.to_json(), encoding="utf-8")
        print(f"wrote {args.json}")
    if args.csv:
        graph.to_csv(args.csv)
        print(f"wrote {args.csv}")
    return 0
