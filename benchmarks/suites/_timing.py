"""Timing helpers shared by the suites: best-of-N wall time of a callable."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def best_of(fn: Callable[[], Any], repeat: int = 5, number: int = 1) -> float:
    """Smallest mean time of ``number`` calls over ``repeat`` rounds, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def best_of_pair(
    ours: Callable[[], Any], peer: Callable[[], Any], repeat: int = 7
) -> tuple[float, float]:
    """Best-of-``repeat`` times of two callables measured in alternation
    (ours, peer, ours, ...), so a burst of machine noise hits both sides
    rather than one: for short calls whose ratio is close to 1."""
    best = [float("inf"), float("inf")]
    for _ in range(repeat):
        for k, fn in enumerate((ours, peer)):
            start = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - start)
    return best[0], best[1]


def comparison(
    name: str, ours_s: float, peer: str, peer_s: float, goal: str = "", **extra: Any
) -> dict:
    """One result row: ratio is the peer's time over ours (above 1: we are faster)."""
    return {
        "name": name,
        "ours_s": ours_s,
        "peer": peer,
        "peer_s": peer_s,
        "ratio": peer_s / ours_s if ours_s > 0 else float("inf"),
        "goal": goal,
        **extra,
    }
