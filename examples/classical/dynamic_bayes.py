"""A dynamic Bayesian network unrolled over time steps: is it raining?

A guard in a windowless room sees, each day, whether the director brings an
umbrella. Rain persists (P(rain today | rain yesterday) = 0.7, else 0.3); the
umbrella is seen on 90 % of rainy days and 20 % of dry ones. The belief in
rain is filtered forward day by day: each day is two causaloids in a chain —
the prediction from yesterday's belief, and the update on today's sighting —
with numbers (probabilities) on the wires and `node(id)` reading the parent.

The same days filtered by hand with NumPy (the forward algorithm) give the
same beliefs to the last bit.
"""

from __future__ import annotations

import numpy as np

import causaloid as cl
from causaloid import expr as E

STAY, SWITCH = 0.7, 0.3  # P(rain_t | rain_t-1), P(rain_t | dry_t-1)
SEEN_RAIN, SEEN_DRY = 0.9, 0.2  # P(umbrella | rain), P(umbrella | dry)


def unroll(days: int, prior: float = 0.5) -> cl.CausalGraph:
    g = cl.CausalGraph("rain", f"rain filtered over {days} days")
    previous: E.Expr = E.lit(prior)
    for t in range(days):
        predict = cl.Causaloid(
            f"predict{t}",
            f"rain on day {t} before looking",
            expr=previous * STAY + (1 - previous) * SWITCH,
        )
        u = E.col(f"umbrella{t}")
        node = E.node(f"predict{t}")
        rain = node * (u * SEEN_RAIN + (1 - u) * (1 - SEEN_RAIN))
        dry = (1 - node) * (u * SEEN_DRY + (1 - u) * (1 - SEEN_DRY))
        update = cl.Causaloid(
            f"belief{t}", f"rain on day {t} after looking", expr=rain / (rain + dry)
        )
        g.add(predict)
        g.add(update)
        g.link(f"predict{t}", f"belief{t}")
        if t > 0:
            g.link(f"belief{t - 1}", f"predict{t}")
        previous = E.value()
    return g.freeze()


def forward(umbrellas: np.ndarray, prior: float = 0.5) -> np.ndarray:
    """The forward algorithm by hand: belief in rain after each day."""
    belief = prior
    out = []
    for u in umbrellas:
        predicted = belief * STAY + (1 - belief) * SWITCH
        rain = predicted * (SEEN_RAIN if u else 1 - SEEN_RAIN)
        dry = (1 - predicted) * (SEEN_DRY if u else 1 - SEEN_DRY)
        belief = rain / (rain + dry)
        out.append(belief)
    return np.array(out)


def main() -> dict[str, object]:
    umbrellas = np.array([1, 1, 0, 1, 1, 1, 0, 0, 0, 1], dtype=float)
    g = unroll(len(umbrellas))
    row = {f"umbrella{t}": u for t, u in enumerate(umbrellas)}
    _, acts = g.evaluate_batch({k: [v] for k, v in row.items()}, activations=True)
    beliefs = np.array([acts[f"belief{t}"][0] for t in range(len(umbrellas))])
    by_hand = forward(umbrellas)
    for t, (b, h) in enumerate(zip(beliefs, by_hand, strict=False)):
        seen = "umbrella" if umbrellas[t] else "no umbrella"
        print(f"day {t}: {seen:11s} -> P(rain) = {b:.4f} (forward algorithm {h:.4f})")
    print()
    print(g.explain(row).splitlines()[-1])
    return {"beliefs": beliefs, "by_hand": by_hand, "final": g.evaluate(row).value}


if __name__ == "__main__":
    main()
