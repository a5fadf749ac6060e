"""State machine throughput: events per second through 10, 100 and 1 000
expression-based states, one observation at a time and a table at a time,
against the same rules written as plain Python ``if`` statements."""

from __future__ import annotations

from typing import Any

import numpy as np

import causaloid as cl
from suites._timing import best_of, best_of_pair, comparison

N_COLUMNS = 10


def rules(n_states: int, rate: float, seed: int = 7) -> list[tuple[str, float]]:
    """(column, threshold) per state, so that a share ``rate`` of checks fire
    (columns are uniform on [0, 1))."""
    rng = np.random.default_rng(seed)
    return [(f"x{i % N_COLUMNS}", float(rng.uniform(1.0 - 2 * rate, 1.0))) for i in range(n_states)]


def machine(rs: list[tuple[str, float]]) -> cl.StateMachine:
    col = cl.expr.col
    states = [
        (cl.State(i, "", cl.Causaloid(i, "", expr=col(c) > t)), "fire")
        for i, (c, t) in enumerate(rs)
    ]
    return cl.StateMachine(states)


def python_ifs(rs: list[tuple[str, float]]) -> Any:
    """The same rules as straight-line ``if`` statements (the fastest plain Python)."""
    lines = ["def check(o, fired):"]
    lines += [f"    if o[{c!r}] > {t!r}: fired.append({i})" for i, (c, t) in enumerate(rs)]
    scope: dict[str, Any] = {}
    exec("\n".join(lines), scope)
    return scope["check"]


def table(n_rows: int, seed: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {f"x{j}": rng.uniform(0, 1, n_rows) for j in range(N_COLUMNS)}


def run(quick: bool) -> list[dict]:
    out = []
    n_rows = 2_000 if quick else 20_000
    n_single = 200 if quick else 10_000
    data = table(n_rows)
    rows = [{k: float(v[i]) for k, v in data.items()} for i in range(n_rows)]
    # "busy": 1% of the checks fire (10 firings per row at 1 000 states);
    # "quiet": 0.1%, closer to alarms. Every firing is a log entry for us and
    # a list append for the peer.
    for rate, label in ((0.01, "busy"), (0.001, "quiet")):
        out.extend(_one_rate(rate, label, quick, data, rows, n_single))
    return out


def _one_rate(
    rate: float,
    label: str,
    quick: bool,
    data: dict[str, np.ndarray],
    rows: list[dict],
    n_single: int,
) -> list[dict]:
    out = []
    n_rows = len(rows)
    for n_states in (10, 100, 1000):
        rs = rules(n_states, rate)
        check = python_ifs(rs)

        def peer_single(check: Any = check) -> None:
            for o in rows[:n_single]:
                check(o, [])

        csm = machine(rs)

        def ours_single(csm: cl.StateMachine = csm) -> None:
            for o in rows[:n_single]:
                csm.evaluate_all(o)

        repeat = 3 if quick else 5
        # One observation costs a few hundred ns on either side: the two are
        # timed in alternation, 10 000 events a round, best of 9.
        ours_s, peer_s = best_of_pair(ours_single, peer_single, repeat=3 if quick else 9)
        ours_s /= n_single
        peer_s /= n_single
        out.append(
            comparison(
                f"csm single observation, {n_states} states, {label}",
                ours_s,
                "python ifs",
                peer_s,
                goal={10: ">= 1x", 100: ">= 2x"}.get(n_states, ""),
                events_per_s=1.0 / ours_s,
            )
        )

        def peer_batch(check: Any = check) -> None:
            fired: list[int] = []
            for o in rows:
                check(o, fired)

        batch_csm = machine(rs)
        ours_b = best_of(lambda m=batch_csm: m.run_batch(data), repeat=repeat) / n_rows
        peer_b = best_of(peer_batch, repeat=repeat) / n_rows
        out.append(
            comparison(
                f"csm batch of {n_rows} rows, {n_states} states, {label}",
                ours_b,
                "python ifs",
                peer_b,
                goal=">= 10x",
                events_per_s=1.0 / ours_b,
            )
        )
    return out
