"""``causaloid bench``: how fast the engine runs here, on synthetic graphs.

The full comparison against peers (DeepCausality, NumPy, pandas) lives in the
repository's ``benchmarks/`` runner; this command measures the installed
engine alone, so a user can check a machine in seconds.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from causaloid.cli._common import HelpFormatter, positive_int, positive_int_list
from causaloid.graph import CausalGraph


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench",
        help="time single-observation and batch evaluation on synthetic graphs",
        description="Time the engine on synthetic chains: ns per node for one observation "
        "(trace included) and rows per second for a batch.",
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "--nodes",
        type=positive_int_list,
        default="10,1000,10000",
        help="chain sizes, comma-separated, each at least 1",
    )
    p.add_argument("--rows", type=positive_int, default=1_000_000, help="rows in the batch run")
    p.add_argument("--batch-nodes", type=positive_int, default=100, help="nodes of the batch graph")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=run)


def chain(n: int) -> CausalGraph:
    import causaloid as cl
    from causaloid import expr as E

    g = cl.CausalGraph("chain")
    g.add(cl.Causaloid(0, "root", expr=E.value() > 0.5))
    for i in range(1, n):
        g.add(cl.Causaloid(i, f"step {i}", expr=E.value() & (E.col(f"x{i % 10}") < 0.99)))
        g.link(i - 1, i)
    return g.freeze()


def run(args: argparse.Namespace) -> int:
    from causaloid._progress import progress

    sizes: list[int] = args.nodes
    show = False if args.no_progress else None
    row = {f"x{i}": 0.5 for i in range(10)}
    width = len(f"{max(sizes):,}")
    print("single observation (whole graph, trace recorded):")
    for n in progress(sizes, desc="single", enabled=show):
        g = chain(n)
        reps = max(3, 200_000 // n)
        g.evaluate(row, value=0.9)
        start = time.perf_counter()
        for _ in range(reps):
            g.evaluate(row, value=0.9)
        per = (time.perf_counter() - start) / reps
        print(
            f"  {n:>{width},} nodes: {per * 1e6:10.1f} us per evaluation, "
            f"{per / n * 1e9:8.1f} ns per node"
        )
    g = chain(args.batch_nodes)
    rng = np.random.default_rng(0)
    table = {f"x{i}": rng.random(args.rows) for i in range(10)}
    values = rng.random(args.rows)
    warm = min(args.rows, 1000)
    g.evaluate_batch({k: v[:warm] for k, v in table.items()}, value=values[:warm])
    start = time.perf_counter()
    g.evaluate_batch(table, value=values)
    took = time.perf_counter() - start
    print(
        f"batch: {args.rows:,} rows x {args.batch_nodes} nodes in {took:.3f} s "
        f"= {args.rows / took:,.0f} rows/s"
    )
    return 0
