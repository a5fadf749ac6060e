"""mRMR: native F-test selection vs. the ``mrmr-selection`` package on the
same data (both must select the same features in the same order)."""

from __future__ import annotations

import numpy as np

import causaloid as cl

from ._timing import best_of, comparison


def _data(rows: int, cols: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.normal(size=(rows, cols)))
    X[:, 1] += 0.5 * X[:, 0]
    y = X[:, 0] + 0.5 * X[:, 3] - 0.3 * X[:, 7] + X[:, 11] * X[:, 12] + rng.normal(size=rows)
    return X, y


def run(quick: bool) -> list[dict]:
    import pandas as pd
    from mrmr import mrmr_regression

    rows, cols, k = (2000, 20, 5) if quick else (10**5, 200, 20)
    X, y = _data(rows, cols)
    names = [f"f{j}" for j in range(cols)]
    table = {name: X[:, j] for j, name in enumerate(names)}
    table["y"] = y
    frame = pd.DataFrame(X, columns=names)
    target = pd.Series(y)
    ours = cl.discover.mrmr(table, "y", k=k)
    peer = mrmr_regression(frame, target, K=k, show_progress=False)
    if ours.features != peer:
        raise AssertionError(f"selections differ: {ours.features} vs {peer}")
    ours_s = best_of(lambda: cl.discover.mrmr(table, "y", k=k), repeat=3)
    peer_s = best_of(lambda: mrmr_regression(frame, target, K=k, show_progress=False), repeat=1)
    return [
        comparison(
            f"mrmr f_test {rows:.0e} rows x {cols} cols, k={k}",
            ours_s,
            "mrmr-selection",
            peer_s,
            goal=">= 5x",
        )
    ]
