"""Market regime: did Bitcoin break out of last month's and last year's range?

A context holds the 2021 BTC/USD price bars at four time scales (day, week,
month, year), each day related to its week, month and year. A two-node causal
graph reads that context natively, with no Python in the loop:

1. ``month_breakout``: the day's close is outside the previous month's range
   (above its high or below its low);
2. ``year_breakout``: given (1), the close is also outside the range of the
   twelve months before the current one (the data starts in January 2021, so
   early in the year the window holds the months seen so far).

The example prints the days the breakout was active, explains one day (the
engine's own words: the context reads with the months they covered, and why
the verdict holds), summarises how the breakout relates to the following week's move, and
saves a plot of the price with the breakout days marked.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

import causaloid as cl
from causaloid import expr as E

DATA = Path(__file__).parent / "data" / "btc"
# Figures go here (created if needed), never into the working directory.
OUTPUT = Path(os.environ.get("CAUSALOID_OUTPUT", "causaloid-output"))
SCALES = {"day": "Day.csv", "week": "Week.csv", "month": "Month.csv", "year": "Year.csv"}
COLUMNS = {"open_price": "open", "high_price": "high", "low": "low", "close_price": "close"}


def load_bars(scale: str) -> pd.DataFrame:
    """One scale's bars, oldest first, with a UTC ``date`` and short column names."""
    bars = pd.read_csv(DATA / SCALES[scale])
    bars["date"] = pd.to_datetime(bars["date_time_sampled"], utc=True).dt.tz_localize(None)
    bars = bars.rename(columns=COLUMNS)[["date", "open", "high", "low", "close", "volume"]]
    return bars.sort_values("date").reset_index(drop=True)


def build_context() -> cl.Context:
    """Time contextoids at four scales (ids such as ``day:2021-10-20`` and
    ``month:2021-09``), days related to their week, month and year."""
    ctx = cl.Context("btc", "btc")
    for scale in SCALES:
        ctx.extend_frame(load_bars(scale), time="date", scale=scale, id="label")
    day_ids = [i for i in ctx if str(i).startswith("day:")]
    with ctx.update() as tx:
        for day in day_ids:
            t = ctx[day].timestamp
            for scale in ("week", "month", "year"):
                parent = ctx.at(t, scale=scale)  # the period that contains the day
                if parent is not None:
                    tx.link(day, parent, "part_of")
    return ctx


def build_graph(ctx: cl.Context) -> cl.CausalGraph:
    """The breakout graph: month range first, then (given it) the yearly range."""
    close = E.col("close")
    prev_month_high = E.ctx_time("month", "high", at="time", offset=-1)
    prev_month_low = E.ctx_time("month", "low", at="time", offset=-1)
    year_high = E.ctx_window("month", "high", "max", -12, 0, at="time")
    year_low = E.ctx_window("month", "low", "min", -12, 0, at="time")
    month = cl.Causaloid(
        "month_breakout",
        "close outside last month's range",
        expr=(close > prev_month_high) | (close < prev_month_low),
        context=ctx,
    )
    year = cl.Causaloid(
        "year_breakout",
        "month breakout and close outside the last twelve months' range",
        expr=E.value() & ((close > year_high) | (close < year_low)),
        context=ctx,
    )
    graph = cl.CausalGraph("breakout", "price broke out of last month's and last year's range")
    graph.add(month)
    graph.add(year)
    graph.link("month_breakout", "year_breakout")
    return graph.freeze()


def day_table(ctx: cl.Context) -> dict[str, np.ndarray]:
    """The rows the graph runs on: each day's time (seconds) and close."""
    days = load_bars("day")
    seconds = days["date"].to_numpy().astype("datetime64[s]").astype(np.int64)
    return {"time": seconds.astype(np.float64), "close": days["close"].to_numpy()}


def explain_day(ctx: cl.Context, graph: cl.CausalGraph, day: str) -> str:
    """The engine's explanation of the verdict on ``day`` (``YYYY-MM-DD``):
    each node on the day's close and time, the context reads in words with
    the months they covered, and a closing sentence saying why."""
    node = ctx[f"day:{day}"]
    row = {"time": float(node.timestamp), "close": node.fields["close"]}
    # The first month has no previous month to break out of: decided "not active".
    return graph.evaluate(row, missing="false").explain()


def build_model(ctx: cl.Context, graph: cl.CausalGraph) -> cl.Model:
    """The graph as a model, with the assumptions its reading of the bars needs."""
    return cl.Model(
        "regime",
        "BTC range breakouts",
        graph,
        context=ctx,
        assumptions=[
            cl.Assumption("closes are positive", lambda d: bool((d["close"] > 0).all())),
            cl.Assumption(
                "one bar a day, without gaps",
                lambda d: bool((np.diff(d["time"]) == 86_400).all()),
            ),
        ],
    )


def interpret(active: np.ndarray, week_ahead: np.ndarray, days: np.ndarray) -> str:
    """Two sentences saying what the verdicts mean for a reader of the chart."""
    known = ~np.isnan(week_ahead)
    up = week_ahead[known] > 0
    after, others = up[active[known]], up[~active[known]]
    months = sorted({str(d)[:7] for d in days[active]})
    rate = f"{after.mean():.0%}" if after.size else "n/a"
    verdict = (
        "more often than"
        if after.size and after.mean() > others.mean() + 0.05
        else "less often than"
        if after.size and after.mean() < others.mean() - 0.05
        else "about as often as"
    )
    return (
        f"BTC broke out of both last month's and last year's range on {int(active.sum())} of "
        f"{active.size} days of 2021 ({active.mean():.1%}), all in "
        f"{', '.join(months) or 'no month'}. A week after a breakout day it closed higher "
        f"{rate} of the time, {verdict} after the other days ({others.mean():.0%}); with "
        f"{after.size} breakout days this is a description of 2021, not a trading signal."
    )


def plot(table: dict[str, np.ndarray], active: np.ndarray, path: Path | None = None) -> Path:
    import matplotlib.pyplot as plt

    path = path or OUTPUT / "market_regime.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    dates = table["time"].astype("datetime64[s]")
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.plot(dates, table["close"], color="0.3", linewidth=1, label="close")
    ax.scatter(
        dates[active],
        table["close"][active],
        color="tab:red",
        s=14,
        zorder=3,
        label="breakout of last month's and last year's range",
    )
    ax.set_xlabel("date (2021, UTC)")
    ax.set_ylabel("BTC/USD close")
    ax.set_title("Bitcoin 2021: range breakouts decided by a context-aware causal graph")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main() -> dict[str, object]:
    ctx = build_context()
    graph = build_graph(ctx)
    table = day_table(ctx)
    model = build_model(ctx, graph)
    report = model.verify_assumptions(table)
    # The first month has no previous month (a missing context read): not a breakout.
    verdicts, nodes = model.evaluate_batch(table, activations=True, strict=True, missing="false")
    active = np.asarray(verdicts, dtype=bool)
    days = table["time"].astype("datetime64[s]").astype("datetime64[D]")

    week_ahead = np.full(len(active), np.nan)
    week_ahead[:-7] = table["close"][7:] / table["close"][:-7] - 1.0
    known = ~np.isnan(week_ahead)
    inference = cl.model.infer(active[known], week_ahead[known] > 0)
    observations = cl.model.observe(verdicts, nodes)

    print(ctx)
    print("scales:", ", ".join(ctx.scales))
    print(report)
    print(observations)
    print("breakout days:", ", ".join(str(d) for d in days[active]))
    print()
    explanation = explain_day(ctx, graph, "2021-10-20")
    print(explanation)
    print()
    print("breakout vs. a higher close a week later:", inference)
    print(f"wrote {plot(table, active)}")
    print()
    print(interpret(active, week_ahead, days))
    return {
        "context": ctx,
        "active": active,
        "days": days,
        "explanation": explanation,
        "observations": observations,
        "inference": inference,
    }


if __name__ == "__main__":
    main()
