"""A Granger-style comparison of two forecasting models over a context.

Does yesterday's x help to forecast today's y beyond what yesterday's y
already tells? Two causaloids forecast y from a context of daily readings —
one from y's own past, one from y's and x's past — and each computes its
squared forecast error as a number. If the richer model's errors are clearly
smaller (a paired t statistic over the days), x Granger-causes y.

The series are simulated so that x drives y with a lag of one day and y does
not drive x; the comparison finds the first and not the second.
"""

from __future__ import annotations

import math

import numpy as np

import causaloid as cl
from causaloid import expr as E

DAY = 86_400


def simulate(n: int = 400, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    y = np.zeros(n)
    for t in range(1, n):
        x[t] = 0.5 * x[t - 1] + rng.normal()
        y[t] = 0.3 * y[t - 1] + 0.8 * x[t - 1] + rng.normal()
    return x, y


def context(x: np.ndarray, y: np.ndarray) -> cl.Context:
    ctx = cl.Context(1, "readings")
    ctx.add(*(cl.Time(t, "day", t * DAY, {"x": x[t], "y": y[t]}) for t in range(len(x))))
    return ctx


def least_squares(target: np.ndarray, *regressors: np.ndarray) -> np.ndarray:
    a = np.column_stack(regressors)
    return np.linalg.lstsq(a, target, rcond=None)[0]


def squared_errors(
    ctx: cl.Context,
    days: np.ndarray,
    cause: str,
    effect: str,
    actual: np.ndarray,
    past_cause: np.ndarray,
    past_effect: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Squared errors of forecasting ``effect`` without and with ``cause``."""
    own = E.ctx_time("day", effect, at="time", offset=-1, context=ctx)
    other = E.ctx_time("day", cause, at="time", offset=-1, context=ctx)
    (a,) = least_squares(actual, past_effect)
    b1, b2 = least_squares(actual, past_effect, past_cause)
    restricted_error = E.col("actual") - a * own
    restricted = cl.Causaloid(
        "restricted", f"{effect} from its own past", expr=restricted_error * restricted_error
    )
    full_error = E.col("actual") - (b1 * own + b2 * other)
    full = cl.Causaloid(
        "full", f"{effect} from its own and {cause}'s past", expr=full_error * full_error
    )
    table = {"time": days * DAY, "actual": actual}
    return restricted.evaluate_batch(table), full.evaluate_batch(table)


def paired_t(a: np.ndarray, b: np.ndarray) -> float:
    d = a - b
    return float(d.mean() / (d.std(ddof=1) / math.sqrt(len(d))))


def main() -> dict[str, float]:
    x, y = simulate()
    ctx = context(x, y)
    days = np.arange(1, len(x))
    out = {}
    for cause, effect, series_c, series_e in (("x", "y", x, y), ("y", "x", y, x)):
        r, f = squared_errors(ctx, days, cause, effect, series_e[1:], series_c[:-1], series_e[:-1])
        t = paired_t(r, f)
        out[f"{cause}->{effect}"] = t
        verdict = "Granger-causes" if t > 3.0 else "does not Granger-cause"
        print(
            f"{cause} {verdict} {effect}: mean squared error {r.mean():.3f} without {cause}, "
            f"{f.mean():.3f} with it; paired t = {t:.1f} over {len(r)} days"
        )
    return out


if __name__ == "__main__":
    main()
