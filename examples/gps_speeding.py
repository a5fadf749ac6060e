"""Is the driver speeding? Speed from two noisy GPS fixes, decided naively and
with a sequential probability ratio test (the "uncertainty bug" of Bornholt et
al., ASPLOS 2014).

A car drives at a true 25 m/s on a road limited to 27.8 m/s (100 km/h). Each
second the phone reports a GPS fix whose error has a 95% radius of 4 m, as in
the paper's walking example. The naive app computes speed = distance / time
from the two reported fixes and raises an alarm whenever it exceeds the limit;
the uncertain app models each fix as a distribution around the reported point
and raises an alarm only when P(speed > limit) > 0.9 at 95% confidence.

Run it:  python examples/gps_speeding.py
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

import causaloid as cl

LIMIT = 27.8  # m/s
ACCURACY_95 = 4.0  # m: the radius that holds the true position 95% of the time
# Horizontal error is a 2-d normal; its radius is Rayleigh, whose 95% quantile
# is sigma * sqrt(2 ln 20): the per-axis sigma follows from the reported accuracy.
SIGMA = ACCURACY_95 / math.sqrt(2 * math.log(20))
DT = 1.0  # s between fixes
BORDERLINE = (29.0, 0.0)  # m: the second fix of the trip explained and plotted
# Figures go here (created if needed), never into the working directory.
OUTPUT = Path(os.environ.get("CAUSALOID_OUTPUT", "causaloid-output"))


def uncertain_speed(fix1: tuple[float, float], fix2: tuple[float, float]) -> cl.Uncertain:
    """Speed between two reported fixes, each uncertain by the GPS error."""
    x1, y1 = cl.Uncertain.normal(fix1[0], SIGMA), cl.Uncertain.normal(fix1[1], SIGMA)
    x2, y2 = cl.Uncertain.normal(fix2[0], SIGMA), cl.Uncertain.normal(fix2[1], SIGMA)
    dx, dy = x2 - x1, y2 - y1
    return (dx * dx + dy * dy).map(np.sqrt) / DT


def simulate(trips: int, true_speed: float, seed: int) -> dict[str, float]:
    """Alarms raised over ``trips`` simulated pairs of fixes, naive and uncertain."""
    # The simulated GPS noise comes from the library's pinned generator, so the
    # counts are the same on every machine.
    noise = [cl.Uncertain.normal(0.0, SIGMA).sample(trips, seed=seed + k) for k in range(4)]
    naive = uncertain = samples = 0
    for i in range(trips):
        fix1 = (noise[0][i], noise[1][i])
        fix2 = (true_speed * DT + noise[2][i], noise[3][i])
        measured = math.hypot(fix2[0] - fix1[0], fix2[1] - fix1[1]) / DT
        naive += measured > LIMIT
        decision = (uncertain_speed(fix1, fix2) > LIMIT).probability_exceeds(
            0.9, confidence=0.95, seed=seed + i
        )
        uncertain += bool(decision)
        samples += decision.samples
    return {
        "trips": trips,
        "naive_alarms": naive,
        "uncertain_alarms": uncertain,
        "mean_samples": samples / trips,
    }


def plot(path: Path | None = None) -> Path:
    """The speed distribution of the borderline trip (the one explained) against the limit."""
    import matplotlib.pyplot as plt

    path = path or OUTPUT / "gps_speeding.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    speed = uncertain_speed((0.0, 0.0), BORDERLINE)
    measured = math.hypot(*BORDERLINE) / DT
    fig, ax = plt.subplots(figsize=(7, 4))
    speed.plot(n=50_000, seed=7, threshold=LIMIT, ax=ax)
    p = (speed > LIMIT).probability(50_000, seed=7)
    ax.set_xlabel("speed (m/s)")
    ax.set_ylabel("probability density")
    ax.set_title(f"The borderline trip: measured {measured:.0f} m/s, P(speed > limit) = {p:.2f}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main() -> None:
    careful = simulate(trips=1000, true_speed=25.0, seed=2014)
    print(f"driver at 25 m/s, limit {LIMIT} m/s, GPS 95% accuracy {ACCURACY_95} m:")
    print(f"  naive false alarms:     {careful['naive_alarms']} of {careful['trips']}")
    print(
        f"  uncertain false alarms: {careful['uncertain_alarms']} of {careful['trips']} "
        f"(SPRT drew {careful['mean_samples']:.0f} samples per trip on average)"
    )
    fast = simulate(trips=200, true_speed=36.0, seed=7)
    print(f"driver at 36 m/s: uncertain alarms {fast['uncertain_alarms']} of {fast['trips']}")
    d = (uncertain_speed((0.0, 0.0), BORDERLINE) > LIMIT).probability_exceeds(0.9, seed=1)
    print(f"one borderline trip (measured {math.hypot(*BORDERLINE) / DT:.0f} m/s):")
    print(d.explain())
    print(f"wrote {plot()} (the same trip)")


if __name__ == "__main__":
    main()
