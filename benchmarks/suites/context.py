"""Context benchmarks, measured side by side:

- look-ups by id on a context of 10^6 time contextoids vs. a dict of objects
  and vs. a pandas frame indexed by id;
- time-window queries vs. a dict of objects with a hand-kept sorted key list
  (bisect) and vs. a pandas ``DatetimeIndex`` slice;
- a contextual causal graph (range breakouts read from month contextoids) over
  10^6 rows vs. the same decision hand-written in NumPy.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np
import pandas as pd

import causaloid as cl
from causaloid import expr as E
from suites._timing import best_of, comparison

MINUTE = 60


@dataclass
class Bar:
    timestamp: int
    value: float


def _timeline(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    times = 1_600_000_000 + np.arange(n, dtype=np.int64) * MINUTE
    return times, rng.normal(size=n).cumsum()


def lookups(n: int, queries: int) -> list[dict]:
    times, values = _timeline(n)
    ctx = cl.Context.from_frame({"t": times, "value": values}, time="t", scale="minute")
    objects = {
        i: Bar(int(t), float(v)) for i, (t, v) in enumerate(zip(times, values, strict=False))
    }
    frame = pd.DataFrame({"value": values}, index=pd.Index(np.arange(n), name="id"))
    ids = np.random.default_rng(1).integers(0, n, queries)
    ids_list = ids.tolist()

    ours = best_of(lambda: ctx.values(ids))
    by_dict = best_of(lambda: np.fromiter((objects[i].value for i in ids_list), float, queries))
    by_pandas = best_of(lambda: frame["value"].loc[ids].to_numpy())
    assert np.array_equal(ctx.values(ids), frame["value"].loc[ids].to_numpy())
    per = f"{queries} ids from {n:,} contextoids"
    rows = [
        comparison(f"look-up by id ({per})", ours, "dict of objects", by_dict, "faster"),
        comparison(f"look-up by id ({per})", ours, "pandas .loc", by_pandas, "faster"),
    ]

    # time windows of one day each (1440 contextoids)
    rng = np.random.default_rng(2)
    starts = times[0] + rng.integers(0, n - 1440, 200) * MINUTE
    keys = [int(t) for t in times]  # the sorted list a dict user has to keep by hand
    series = pd.Series(values, index=pd.DatetimeIndex(times.astype("datetime64[s]")))
    day = 1440 * MINUTE
    stamps = [
        (pd.Timestamp(int(s), unit="s"), pd.Timestamp(int(s + day - 1), unit="s")) for s in starts
    ]

    def ours_windows() -> None:
        for s in starts:
            ctx.window_values(int(s), int(s + day), "value", scale="minute")

    def dict_windows() -> None:
        for s in starts:
            lo = bisect.bisect_left(keys, int(s))
            hi = bisect.bisect_left(keys, int(s + day))
            np.fromiter((objects[i].value for i in range(lo, hi)), float, hi - lo)

    def pandas_windows() -> None:
        for a, b in stamps:
            series.loc[a:b].to_numpy()

    _, got = ctx.window_values(int(starts[0]), int(starts[0] + day), "value", scale="minute")
    assert np.array_equal(got, series.loc[stamps[0][0] : stamps[0][1]].to_numpy())
    per = f"200 one-day windows over {n:,} minutes"
    ow, dw, pw = best_of(ours_windows, 3), best_of(dict_windows, 3), best_of(pandas_windows, 3)
    rows += [
        comparison(f"time window ({per})", ow, "dict of objects + bisect", dw, "faster"),
        comparison(f"time window ({per})", ow, "pandas DatetimeIndex slice", pw, "faster"),
    ]
    return rows


def month_context(n_months: int) -> tuple[cl.Context, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    starts = (
        np.array([np.datetime64("2000-01") + np.timedelta64(m, "M") for m in range(n_months)])
        .astype("datetime64[s]")
        .astype(np.int64)
    )
    mid = 100 + rng.normal(size=n_months).cumsum()
    high, low = mid + rng.uniform(1, 5, n_months), mid - rng.uniform(1, 5, n_months)
    ctx = cl.Context.from_frame(
        {"t": starts, "high": high, "low": low}, time="t", scale="month", name="bars"
    )
    return ctx, starts, high, low


def breakout_graph(ctx: cl.Context) -> cl.CausalGraph:
    close = E.col("close")
    month = cl.Causaloid(
        "month",
        "",
        expr=(close > E.ctx_time("month", "high", at="time", offset=-1))
        | (close < E.ctx_time("month", "low", at="time", offset=-1)),
        context=ctx,
    )
    year = cl.Causaloid(
        "year",
        "",
        expr=E.value()
        & (
            (close > E.ctx_window("month", "high", "max", -12, 0, at="time"))
            | (close < E.ctx_window("month", "low", "min", -12, 0, at="time"))
        ),
        context=ctx,
    )
    g = cl.CausalGraph("breakout")
    g.add(month)
    g.add(year)
    g.link("month", "year")
    return g.freeze()


def numpy_breakout(
    time: np.ndarray, close: np.ndarray, starts: np.ndarray, high: np.ndarray, low: np.ndarray
) -> np.ndarray:
    """The same decision by hand: as-of month index, previous month, trailing
    twelve-month max / min (partial at the start, NaN before any month)."""
    n = len(high)
    pad_hi = np.concatenate([np.full(12, -np.inf), high])
    pad_lo = np.concatenate([np.full(12, np.inf), low])
    win = np.lib.stride_tricks.sliding_window_view
    year_hi = np.concatenate([[np.nan], win(pad_hi, 12).max(axis=1)[1 : n + 1]])
    year_lo = np.concatenate([[np.nan], win(pad_lo, 12).min(axis=1)[1 : n + 1]])
    prev_hi = np.concatenate([[np.nan], high])
    prev_lo = np.concatenate([[np.nan], low])
    anchor = np.searchsorted(starts, np.floor(time), side="right")  # 0 = before any month
    anchor_prev = np.maximum(anchor - 1, 0)
    ph, pl = prev_hi[anchor_prev], prev_lo[anchor_prev]
    yh, yl = year_hi[anchor_prev], year_lo[anchor_prev]
    month = (close > ph) | (close < pl)
    return month & ((close > yh) | (close < yl))


def contextual_graph(rows: int) -> list[dict]:
    ctx, starts, high, low = month_context(240)
    rng = np.random.default_rng(4)
    time = np.sort(rng.uniform(starts[0] - 86_400 * 40, starts[-1] + 86_400 * 40, rows))
    close = 100 + rng.normal(scale=8, size=rows)
    table = {"time": time, "close": close}
    g = breakout_graph(ctx)
    # Rows before the first months have no previous month: NumPy's NaN
    # comparisons decide them False, which the graph is told explicitly.
    ours_out = g.evaluate_batch(table, missing="false")
    peer_out = numpy_breakout(time, close, starts, high, low)
    assert np.array_equal(ours_out, peer_out), "graph and NumPy disagree"
    ours = best_of(lambda: g.evaluate_batch(table, missing="false"), 5)
    peer = best_of(lambda: numpy_breakout(time, close, starts, high, low), 5)
    return [
        comparison(
            f"contextual graph, {rows:,} rows, 240 months",
            ours,
            "hand-written NumPy",
            peer,
            "within 1.5x (ratio >= 0.67)",
            rows_per_s=rows / ours,
        )
    ]


def run(quick: bool) -> list[dict]:
    n = 20_000 if quick else 1_000_000
    return lookups(n, 1_000 if quick else 100_000) + contextual_graph(n)
