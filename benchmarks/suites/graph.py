"""Graph engine benchmarks: one observation through chains and random DAGs against the Rust
library deep_causality (run natively by ``benchmarks/peer``), and a 100-node expression graph
over a table against hand-written vectorised NumPy and pandas ``DataFrame.apply``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

import causaloid as cl
from causaloid import expr as E

from ._timing import best_of, comparison

PEER_DIR = Path(__file__).resolve().parents[1] / "peer"
PEER_BIN = PEER_DIR / "target" / "release" / "causaloid-peer"
# Must match THRESHOLDS in benchmarks/peer/src/graph.rs.
THRESHOLDS = (0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75)
INPUTS = (0.99, 0.3, 0.5)  # incoming values; the first one is timed
SEED = 20_240_601

Rule = tuple[int, int]  # (0: value >= T[level], 1: value < T[level]), level
Edge = tuple[int, int]


# --------------------------------------------------------------------------- topologies
def chain(n: int, rng: np.random.Generator) -> tuple[list[Rule], list[Edge]]:
    """A linear chain 0 -> 1 -> ... -> n-1 of random threshold rules."""
    return random_rules(n, rng), [(i, i + 1) for i in range(n - 1)]


def random_dag(n: int, rng: np.random.Generator) -> tuple[list[Rule], list[Edge]]:
    """One root (node 0), each later node with 1-3 parents among the earlier ones, and one
    sink (node n-1) joining every node left without children, so the two engines' final
    verdicts (ours: join of the sinks; deep_causality: the last node run) are the same node."""
    edges: list[Edge] = []
    has_child = np.zeros(n, dtype=bool)
    for i in range(1, n - 1):
        k = min(i, int(rng.integers(1, 4)))
        for p in sorted(rng.choice(i, size=k, replace=False).tolist()):
            edges.append((p, i))
            has_child[p] = True
    if n > 1:
        edges.extend((p, n - 1) for p in range(n - 1) if not has_child[p])
    return random_rules(n, rng), edges


def random_rules(n: int, rng: np.random.Generator) -> list[Rule]:
    # Mostly ">=" so verdicts do not collapse to one constant after a few levels.
    ops = (rng.random(n) < 0.3).astype(int)
    levels = rng.integers(0, len(THRESHOLDS), n)
    return list(zip(ops.tolist(), levels.tolist(), strict=False))


def build_ours(rules: Sequence[Rule], edges: Sequence[Edge]) -> cl.CausalGraph:
    g = cl.CausalGraph("bench")
    for i, (op, level) in enumerate(rules):
        t = THRESHOLDS[level]
        e = E.value() >= t if op == 0 else E.value() < t
        g.add(cl.Causaloid(i, "threshold rule", expr=e))
    for a, b in edges:
        g.link(a, b)
    return g.freeze()


# --------------------------------------------------------------------------- the Rust peer
def peer_binary() -> tuple[Path | None, str]:
    """The peer executable, built once with cargo (cached in benchmarks/peer/target)."""
    if PEER_BIN.exists() and not _peer_stale():
        return PEER_BIN, ""
    cargo = shutil.which("cargo")
    if cargo is None:
        return None, "cargo not found: deep_causality rows skipped"
    proc = subprocess.run(
        [cargo, "build", "--release", "--quiet"],
        cwd=PEER_DIR,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0 or not PEER_BIN.exists():
        tail = proc.stderr.strip().splitlines()[-3:]
        return None, "building the peer failed: " + " | ".join(tail)
    return PEER_BIN, ""


def _peer_stale() -> bool:
    built = PEER_BIN.stat().st_mtime
    sources = [PEER_DIR / "Cargo.toml", PEER_DIR / "Cargo.lock", *(PEER_DIR / "src").glob("*.rs")]
    return any(p.exists() and p.stat().st_mtime > built for p in sources)


def run_peer(
    binary: Path,
    rules: Sequence[Rule],
    edges: Sequence[Edge],
    budget_ms: int,
    limit_s: float,
    limit_bytes: int,
) -> dict[str, Any]:
    """Run the peer on one model. deep_causality copies every log along every path, so on
    large DAGs it may exhaust ``limit_bytes`` of memory or ``limit_s`` of time: the result
    then has ``finished: False`` and ``elapsed_s``, a lower bound on one evaluation."""
    lines = [
        f"{len(rules)} {len(edges)} {len(INPUTS)} {budget_ms} 1000000",
        " ".join(repr(x) for x in INPUTS),
        " ".join(f"{op} {level}" for op, level in rules),
        " ".join(f"{a} {b}" for a, b in edges),
    ]

    def limit_memory() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    start = time.perf_counter()
    try:
        proc = subprocess.run(
            [str(binary), "graph"],
            input="\n".join(lines),
            capture_output=True,
            text=True,
            timeout=limit_s,
            preexec_fn=limit_memory if os.name == "posix" else None,
        )
    except subprocess.TimeoutExpired:
        return {"finished": False, "elapsed_s": limit_s, "why": f"no result within {limit_s:.0f} s"}
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        err = proc.stderr.strip()
        if "memory allocation" in err or proc.returncode < 0:
            why = f"ran out of its {limit_bytes / 2**30:.0f} GiB memory limit after {elapsed:.1f} s"
            return {"finished": False, "elapsed_s": elapsed, "why": why}
        raise RuntimeError(f"peer failed ({proc.returncode}): {err[-500:]}")
    result: dict[str, Any] = json.loads(proc.stdout)
    result["finished"] = True
    return result


# --------------------------------------------------------------------------- single observation
def time_ours(fn: Callable[[], Any], target_s: float = 0.05) -> float:
    """Best-of-5 mean time of ``fn``, with enough calls per round to last ``target_s``."""
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    number = max(1, int(target_s / once))
    return best_of(fn, repeat=5, number=number)


def single_observation(quick: bool) -> list[dict[str, Any]]:
    sizes = (10, 100) if quick else (10, 1_000, 10_000)
    budget_ms = 200 if quick else 1_000
    limit_s, limit_bytes = (30.0, 2 * 2**30) if quick else (120.0, 6 * 2**30)
    binary, note = peer_binary()
    rows: list[dict[str, Any]] = []
    for shape, make in (("chain", chain), ("random DAG", random_dag)):
        for n in sizes:
            rules, edges = make(n, np.random.default_rng(SEED + n))
            g = build_ours(rules, edges)
            ours = [bool(g.evaluate(x).value) for x in INPUTS]
            ours_s = time_ours(partial(g.evaluate, INPUTS[0]))
            name = f"evaluate 1 obs, {shape} of {n:,} nodes"
            extra: dict[str, Any] = {
                "nodes": n,
                "edges": len(edges),
                "ours_ns_per_node": ours_s * 1e9 / n,
                "goal": "ratio >= 1 at 1,000 nodes and up" if n >= 1_000 else "",
            }
            if binary is None:
                # No peer time: the row keeps our figures and says why the ratio is missing.
                rows.append(
                    {
                        "name": name,
                        "ours_s": ours_s,
                        "peer": "deep_causality",
                        "ratio": None,
                        "note": note,
                        **extra,
                    }
                )
                continue
            peer = run_peer(binary, rules, edges, budget_ms, limit_s, limit_bytes)
            if not peer["finished"]:
                # A lower bound: the peer had not finished one evaluation when it stopped.
                rows.append(
                    comparison(
                        name + " (peer stopped: ratio is a lower bound)",
                        ours_s,
                        "deep_causality",
                        peer["elapsed_s"],
                        ratio_is_lower_bound=True,
                        note=f"deep_causality did not finish: {peer['why']}; "
                        "the ratio is a lower bound",
                        **extra,
                    )
                )
                continue
            theirs = [v >= 0.5 for v in peer["verdicts"]]
            if theirs != ours:
                raise AssertionError(f"{name}: verdicts differ, ours {ours} vs peer {theirs}")
            rows.append(
                comparison(
                    name,
                    ours_s,
                    "deep_causality",
                    peer["median_ns"] * 1e-9,
                    peer_min_s=peer["min_ns"] * 1e-9,
                    peer_reps=peer["reps"],
                    verdicts_agree=True,
                    ratio_is_lower_bound=False,
                    note="ours: g.evaluate(x) from Python, trace recorded, best-of-5 mean; "
                    "peer: evaluate_subgraph_from_cause(root) in Rust, median",
                    **extra,
                )
            )
    if not quick:
        # ns/node at 100,000 nodes: ours only (deep_causality copies every
        # log along every path and does not finish such graphs in minutes).
        for shape, make in (("chain", chain), ("random DAG", random_dag)):
            n = 100_000
            rules, edges = make(n, np.random.default_rng(SEED + n))
            g = build_ours(rules, edges)
            ours_s = time_ours(partial(g.evaluate, INPUTS[0]), target_s=0.2)
            rows.append(
                {
                    "name": f"evaluate 1 obs, {shape} of {n:,} nodes (ours only)",
                    "ours_s": ours_s,
                    "peer": "",
                    "ratio": None,
                    "nodes": n,
                    "edges": len(edges),
                    "ours_ns_per_node": ours_s * 1e9 / n,
                    "goal": "<= 10 ns/node",
                    "note": "g.evaluate(x) from Python, trace recorded; no peer row at this size",
                }
            )
    return rows


# --------------------------------------------------------------------------- batch
# A 100-node graph over 10 columns, described once as recipes and turned into (a) native
# expressions, (b) whole-column NumPy code and (c) per-row Python for pandas apply, so all
# three run exactly the same logic. Roots read columns only; later nodes also read the join
# (or) of their parents' verdicts.
N_COLUMNS = 10
Recipe = tuple[Any, ...]


def make_table(rows: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    cols = {f"c{j}": rng.random(rows) for j in range(N_COLUMNS - 2)}
    cols["c8"] = rng.normal(0.5, 0.2, rows)
    cols["c9"] = rng.normal(0.5, 0.2, rows)
    return cols


def make_recipes(
    n: int, rng: np.random.Generator, roots: int = 40
) -> tuple[list[Recipe], list[list[int]]]:
    def c() -> str:
        return f"c{int(rng.integers(N_COLUMNS))}"

    def t() -> float:
        return round(float(rng.uniform(0.2, 0.8)), 3)

    recipes: list[Recipe] = []
    parents: list[list[int]] = []
    for i in range(n):
        ps: list[int] = []
        if i == n - 1:
            # One final decision joining every open end, gated by a column, so the graph's
            # verdict is a real mix of true and false rather than an or over many sinks.
            kind = "v_and"
            open_ends = set(range(i)) - {p for ps in parents for p in ps}
            ps = sorted(open_ends)
        elif i < roots:
            kind = ("gt", "between", "lin", "absdiff", "and", "or")[i % 6]
        else:
            kind = ("v_and", "v_or", "v_not_and", "v_ratio", "v")[i % 5]
            k = int(rng.integers(1, 4))
            ps = sorted(rng.choice(i, size=k, replace=False).tolist())
        if kind in ("gt", "v_and", "v_or"):
            recipes.append((kind, c(), t()))
        elif kind in ("between", "v_not_and"):
            lo = t()
            recipes.append((kind, c(), lo, round(lo + 0.3, 3)))
        elif kind == "lin":
            recipes.append((kind, c(), c(), round(float(rng.uniform(-1, 1)), 3), t() + 0.3))
        elif kind in ("absdiff", "v_ratio"):
            recipes.append((kind, c(), c(), t() - 0.1))
        elif kind in ("and", "or"):
            recipes.append((kind, c(), t(), c(), t()))
        else:
            recipes.append((kind,))
        parents.append(ps)
    return recipes, parents


def recipe_expr(r: Recipe) -> Any:
    kind = r[0]
    if kind == "gt":
        return E.col(r[1]) > r[2]
    if kind == "between":
        return E.col(r[1]).between(r[2], r[3])
    if kind == "lin":
        return E.col(r[1]) + E.col(r[2]) * r[3] > r[4]
    if kind == "absdiff":
        return (E.col(r[1]) - E.col(r[2])).abs() < r[3]
    if kind == "and":
        return (E.col(r[1]) > r[2]) & (E.col(r[3]) < r[4])
    if kind == "or":
        return (E.col(r[1]) > r[2]) | (E.col(r[3]) < r[4])
    if kind == "v_and":
        return E.value() & (E.col(r[1]) > r[2])
    if kind == "v_or":
        return E.value() | (E.col(r[1]) < r[2])
    if kind == "v_not_and":
        return ~E.value() & E.col(r[1]).between(r[2], r[3])
    if kind == "v_ratio":
        return E.value() & (E.col(r[1]) / (E.col(r[2]).abs() + 1.0) > r[3])
    return E.value()


def build_batch_graph(recipes: Sequence[Recipe], parents: Sequence[Sequence[int]]) -> Any:
    g = cl.CausalGraph("batch")
    for i, r in enumerate(recipes):
        g.add(cl.Causaloid(i, r[0], expr=recipe_expr(r)))
    for i, ps in enumerate(parents):
        for p in ps:
            g.link(p, i)
    return g.freeze()


def sinks(parents: Sequence[Sequence[int]]) -> list[int]:
    has_child = {p for ps in parents for p in ps}
    return [i for i in range(len(parents)) if i not in has_child]


def numpy_verdicts(
    cols: dict[str, np.ndarray], recipes: Sequence[Recipe], parents: Sequence[Sequence[int]]
) -> np.ndarray:
    """The graph's logic hand-written as whole-column NumPy, node by node."""
    out: list[np.ndarray] = []
    for r, ps in zip(recipes, parents, strict=False):
        kind = r[0]
        v: Any = None
        if ps:
            v = out[ps[0]]
            for p in ps[1:]:
                v = v | out[p]
        if kind == "gt":
            res = cols[r[1]] > r[2]
        elif kind == "between":
            x = cols[r[1]]
            res = (x >= r[2]) & (x <= r[3])
        elif kind == "lin":
            res = cols[r[1]] + cols[r[2]] * r[3] > r[4]
        elif kind == "absdiff":
            res = np.abs(cols[r[1]] - cols[r[2]]) < r[3]
        elif kind == "and":
            res = (cols[r[1]] > r[2]) & (cols[r[3]] < r[4])
        elif kind == "or":
            res = (cols[r[1]] > r[2]) | (cols[r[3]] < r[4])
        elif kind == "v_and":
            res = v & (cols[r[1]] > r[2])
        elif kind == "v_or":
            res = v | (cols[r[1]] < r[2])
        elif kind == "v_not_and":
            x = cols[r[1]]
            res = ~v & (x >= r[2]) & (x <= r[3])
        elif kind == "v_ratio":
            res = v & (cols[r[1]] / (np.abs(cols[r[2]]) + 1.0) > r[3])
        else:
            res = v
        out.append(res)
    ends = sinks(parents)
    final = out[ends[0]]
    for s in ends[1:]:
        final = final | out[s]
    return np.asarray(final)


def polars_plan(recipes: Sequence[Recipe], parents: Sequence[Sequence[int]], frame: Any) -> Any:
    """The same graph as polars lazy expressions, the way a polars user writes it:
    one ``with_columns`` per topological level, the final join selected at the end."""
    import polars as pl

    level: list[int] = []
    for ps in parents:
        level.append(1 + max((level[p] for p in ps), default=-1))
    exprs: dict[int, list[Any]] = {}
    for i, (r, ps) in enumerate(zip(recipes, parents, strict=False)):
        kind = r[0]
        v: Any = None
        if ps:
            v = pl.col(f"n{ps[0]}")
            for p in ps[1:]:
                v = v | pl.col(f"n{p}")
        c = pl.col
        if kind == "gt":
            e = c(r[1]) > r[2]
        elif kind == "between":
            e = c(r[1]).is_between(r[2], r[3])
        elif kind == "lin":
            e = c(r[1]) + c(r[2]) * r[3] > r[4]
        elif kind == "absdiff":
            e = (c(r[1]) - c(r[2])).abs() < r[3]
        elif kind == "and":
            e = (c(r[1]) > r[2]) & (c(r[3]) < r[4])
        elif kind == "or":
            e = (c(r[1]) > r[2]) | (c(r[3]) < r[4])
        elif kind == "v_and":
            e = v & (c(r[1]) > r[2])
        elif kind == "v_or":
            e = v | (c(r[1]) < r[2])
        elif kind == "v_not_and":
            e = ~v & c(r[1]).is_between(r[2], r[3])
        elif kind == "v_ratio":
            e = v & (c(r[1]) / (c(r[2]).abs() + 1.0) > r[3])
        else:
            e = v
        exprs.setdefault(level[i], []).append(e.alias(f"n{i}"))
    plan = frame.lazy()
    for lvl in sorted(exprs):
        plan = plan.with_columns(exprs[lvl])
    ends = sinks(parents)
    final = pl.col(f"n{ends[0]}")
    for s_ in ends[1:]:
        final = final | pl.col(f"n{s_}")
    return plan.select(final.alias("verdict"))


def row_function(recipes: Sequence[Recipe], parents: Sequence[Sequence[int]]) -> Any:
    """The same logic for one pandas row (a Series), for ``DataFrame.apply(axis=1)``."""
    ends = sinks(parents)

    def decide(row: Any) -> bool:
        out: list[bool] = []
        for r, ps in zip(recipes, parents, strict=False):
            kind = r[0]
            v = any(out[p] for p in ps)
            if kind == "gt":
                res = row[r[1]] > r[2]
            elif kind == "between":
                res = r[2] <= row[r[1]] <= r[3]
            elif kind == "lin":
                res = row[r[1]] + row[r[2]] * r[3] > r[4]
            elif kind == "absdiff":
                res = abs(row[r[1]] - row[r[2]]) < r[3]
            elif kind == "and":
                res = row[r[1]] > r[2] and row[r[3]] < r[4]
            elif kind == "or":
                res = row[r[1]] > r[2] or row[r[3]] < r[4]
            elif kind == "v_and":
                res = v and row[r[1]] > r[2]
            elif kind == "v_or":
                res = v or row[r[1]] < r[2]
            elif kind == "v_not_and":
                res = (not v) and r[2] <= row[r[1]] <= r[3]
            elif kind == "v_ratio":
                res = v and row[r[1]] / (abs(row[r[2]]) + 1.0) > r[3]
            else:
                res = v
            out.append(bool(res))
        return any(out[s] for s in ends)

    return decide


def batch(quick: bool) -> list[dict[str, Any]]:
    import pandas as pd
    import polars as pl

    rows, nodes, pandas_rows = (10_000, 100, 500) if quick else (1_000_000, 100, 10_000)
    rng = np.random.default_rng(SEED)
    cols = make_table(rows, rng)
    recipes, parents = make_recipes(nodes, rng)
    g = build_batch_graph(recipes, parents)
    decide = row_function(recipes, parents)
    frame = pd.DataFrame({k: v[:pandas_rows] for k, v in cols.items()})

    # The three must agree before any timing counts.
    ours_all = np.asarray(g.evaluate_batch(cols))
    numpy_all = numpy_verdicts(cols, recipes, parents)
    start = time.perf_counter()
    pandas_part = frame.apply(decide, axis=1).to_numpy(dtype=bool)
    pandas_part_s = time.perf_counter() - start  # one run: pandas is slow enough to time once
    if not np.array_equal(ours_all, numpy_all):
        raise AssertionError(
            f"batch: ours and NumPy differ on {int((ours_all != numpy_all).sum())} rows"
        )
    if not np.array_equal(ours_all[:pandas_rows], pandas_part):
        raise AssertionError("batch: ours and pandas apply differ")
    polars_frame = pl.DataFrame(cols)
    plan = polars_plan(recipes, parents, polars_frame)
    polars_all = plan.collect()["verdict"].to_numpy()
    if not np.array_equal(ours_all, polars_all):
        raise AssertionError("batch: ours and polars differ")
    check = [bool(g.evaluate({k: float(v[i]) for k, v in cols.items()}).value) for i in range(50)]
    if check != ours_all[:50].tolist():
        raise AssertionError("batch: evaluate_batch differs from evaluate(row)")
    share = float(ours_all.mean())

    # Best of 5 on both sides: one call takes 20-200 ms, and this machine's
    # speed drifts by up to 30 % between seconds.
    repeat = 5
    numpy_s = best_of(lambda: numpy_verdicts(cols, recipes, parents), repeat=repeat)
    pandas_s = pandas_part_s * rows / pandas_rows
    used_bytes = 8 * rows * len(g.columns)
    common = {
        "rows": rows,
        "nodes": nodes,
        "columns": N_COLUMNS,
        "used_columns": len(g.columns),
        "edges": sum(len(p) for p in parents),
        "true_share": share,
        "verdicts_agree": True,
    }
    label = f"evaluate_batch {rows:,} rows x {nodes} nodes"
    out: list[dict[str, Any]] = []
    try:
        for threads in (1, 2):
            cl.set_threads(threads)
            ours_s = best_of(lambda: g.evaluate_batch(cols), repeat=repeat)
            ours_polars_s = best_of(lambda: g.evaluate_batch(polars_frame), repeat=repeat)
            polars_s = polars_seconds(rows, threads, repeat, int(ours_all.sum()))
            speed = {
                "threads": threads,
                "ours_rows_per_s": rows / ours_s,
                "ours_gb_per_s": used_bytes / ours_s / 1e9,
            }
            out.append(
                comparison(
                    f"{label}, {threads} thread(s) vs polars lazy",
                    ours_polars_s,
                    "polars lazy (one with_columns per level)",
                    polars_s,
                    goal="ratio >= 2",
                    peer_rows_per_s=rows / polars_s,
                    note=(
                        f"both read the same polars DataFrame; polars {pl.__version__} with "
                        f"POLARS_MAX_THREADS={threads} in a child process; best-of-{repeat}; "
                        "GB/s = bytes of the used columns / time"
                    ),
                    **{**common, **speed, "ours_gb_per_s": used_bytes / ours_polars_s / 1e9},
                )
            )
            out.append(
                comparison(
                    f"{label}, {threads} thread(s) vs NumPy",
                    ours_s,
                    "numpy (one thread)",
                    numpy_s,
                    goal="ratio >= 3",
                    peer_rows_per_s=rows / numpy_s,
                    note=f"hand-written whole-column NumPy of the same 100 nodes; best-of-{repeat}",
                    **common,
                    **speed,
                )
            )
        out.append(
            comparison(
                f"{label}, 2 thread(s) vs pandas apply",
                ours_s,
                "pandas apply(axis=1)",
                pandas_s,
                goal="ratio >= 100",
                peer_rows_per_s=pandas_rows / pandas_part_s,
                pandas_rows_timed=pandas_rows,
                note=f"pandas timed on the first {pandas_rows:,} rows, scaled per row to {rows:,}",
                **common,
                **speed,
            )
        )
    finally:
        cl.set_threads(None)
    return out


def polars_seconds(rows: int, threads: int, repeat: int, expected_true: int) -> float:
    """Best-of-``repeat`` time of the polars plan on the benchmark table, in a
    child process whose polars pool has ``threads`` threads (polars fixes its
    pool size at import). The child's verdicts must count as many true rows
    as ours."""
    code = (
        "import sys, json; sys.path.insert(0, sys.argv[1]); "
        "from suites.graph import _polars_child; "
        "print(json.dumps(_polars_child(int(sys.argv[2]), int(sys.argv[3]))))"
    )
    env = {**os.environ, "POLARS_MAX_THREADS": str(threads)}
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            str(Path(__file__).resolve().parents[1]),
            str(rows),
            str(repeat),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result["true_rows"] != expected_true:
        raise AssertionError(
            f"batch: polars ({threads} threads) finds {result['true_rows']} true rows, "
            f"ours {expected_true}"
        )
    return float(result["seconds"])


def _polars_child(rows: int, repeat: int) -> dict[str, Any]:
    """Run in a child process by :func:`polars_seconds`."""
    import polars as pl

    rng = np.random.default_rng(SEED)
    cols = make_table(rows, rng)
    recipes, parents = make_recipes(100, rng)
    plan = polars_plan(recipes, parents, pl.DataFrame(cols))
    verdicts = plan.collect()["verdict"].to_numpy()
    seconds = best_of(lambda: plan.collect(), repeat=repeat)
    return {"seconds": seconds, "true_rows": int(verdicts.sum())}


def run(quick: bool) -> list[dict[str, Any]]:
    """Every graph comparison: single observation vs deep_causality, then batch."""
    return single_observation(quick) + batch(quick)
