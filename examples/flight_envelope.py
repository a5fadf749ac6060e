"""Flight envelope protection as a causal state machine.

Raw sensors (three airspeed probes, two angle-of-attack vanes, bank angle and
load factor) go through a state-estimation chain of Effects; a collection of
sensor-health checks, and a graph of envelope protections, then feed one state
machine. Its ethos forbids automatic protections when the airspeed probes
disagree (the estimate cannot be trusted), except the stall protection, which
a more specific norm still allows. The flight is simulated with a seed.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

import causaloid as cl

col = cl.expr.col
SEED = 7
N = 400


def simulate(seed: int = SEED, n: int = N) -> list[dict[str, float]]:
    """A climb that nears a stall while an airspeed probe is frozen, then a steep turn."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    ias = 250.0 - 0.9 * np.clip(t - 50, 0, 150) + 1.2 * np.clip(t - 200, 0, 100)
    aoa = 3.0 + 0.07 * np.clip(t - 50, 0, 150) - 0.08 * np.clip(t - 200, 0, 100)
    bank = np.where((t > 260) & (t < 300), 60.0, 5.0)
    load = 1.0 / np.cos(np.radians(bank))
    readings = []
    for i in range(n):
        probes = ias[i] + rng.normal(0, 1.5, 3)
        if 150 <= i < 240:
            probes[2] = 80.0  # probe 3 frozen by ice
        raw = {
            "ias1": probes[0],
            "ias2": probes[1],
            "ias3": probes[2],
            "aoa1": aoa[i] + rng.normal(0, 0.2),
            "aoa2": aoa[i] + rng.normal(0, 0.2),
            "bank": bank[i] + rng.normal(0, 1.0),
            "load": load[i] + rng.normal(0, 0.02),
        }
        readings.append({k: round(float(v), 2) for k, v in raw.items()})
    return readings


# --- state estimation: an effect chain, each step logged ---------------------------
def voted_airspeed(r: dict[str, float]) -> dict[str, float]:
    probes = sorted((r["ias1"], r["ias2"], r["ias3"]))
    return {"ias": probes[1], "ias_spread": round(probes[2] - probes[0], 2), **r}


def mean_aoa(r: dict[str, float]) -> dict[str, float]:
    aoa = round((r["aoa1"] + r["aoa2"]) / 2, 2)
    return {"aoa": aoa, "aoa_spread": round(abs(r["aoa1"] - r["aoa2"]), 2), **r}


def estimate(reading: dict[str, float]) -> cl.Effect[Any]:
    return cl.Effect.pure(reading).bind(voted_airspeed).bind(mean_aoa)


# --- causal structures ----------------------------------------------------------
def sensor_faults() -> cl.CausalCollection:
    """Any failed health check is a sensor fault."""
    return cl.CausalCollection(
        [
            cl.Causaloid(
                "probes-disagree", "airspeed probes 20 kt apart", expr=col("ias_spread") > 20
            ),
            cl.Causaloid("vanes-disagree", "AoA vanes 2 deg apart", expr=col("aoa_spread") > 2),
            cl.Causaloid(
                "airspeed-range", "airspeed outside 30..450 kt", expr=~col("ias").between(30, 450)
            ),
        ],
        logic="any",
        id="sensor-fault",
        description="a sensor-health check failed",
    )


def add_stall_risk(g: cl.CausalGraph) -> None:
    """High angle of attack or low airspeed both lead to a stall risk."""
    g.add(cl.Causaloid("high-aoa", "angle of attack above 12 deg", expr=col("aoa") > 12))
    g.add(cl.Causaloid("slow", "airspeed below 130 kt", expr=col("ias") < 130))
    g.add(cl.Causaloid("stall-risk", "high AoA or slow", expr=cl.expr.value()))
    g.link("high-aoa", "stall-risk")
    g.link("slow", "stall-risk")


def envelope() -> cl.CausalGraph:
    """Every protection: the stall-risk chain plus bank, load and speed limits."""
    g = cl.CausalGraph("envelope", "envelope protections")
    add_stall_risk(g)
    g.add(cl.Causaloid("bank-limit", "bank beyond 45 deg", expr=col("bank").abs() > 45))
    g.add(cl.Causaloid("load-limit", "load factor beyond 1.8 g", expr=col("load") > 1.8))
    g.add(cl.Causaloid("overspeed", "airspeed above 340 kt", expr=col("ias") > 340))
    g.freeze()
    return g


def build(commands: list[str]) -> cl.StateMachine:
    def protect(firing: cl.csm.Firing) -> None:
        commands.append(f"t={firing.event}: protection ({firing.state})")

    stall = cl.CausalGraph("stall", "stall protection")
    add_stall_risk(stall)
    stall.freeze()
    ethos = cl.Ethos(
        [
            cl.Norm(
                "no-auto-on-bad-data",
                "*",
                col("ias_spread") > 20,
                "impermissible",
                priority=5,
                description="no automatic action on an untrusted airspeed",
            ),
            cl.Norm(
                "stall-always",
                "stall_protection",
                None,
                "obligatory",
                priority=5,
                specificity=3,
                description="stall protection still acts: AoA does not lie",
            ),
            cl.Norm(
                "degrade-always",
                "alternate_law",
                None,
                "obligatory",
                priority=5,
                specificity=3,
                description="degrading to alternate law is always allowed",
            ),
        ]
    )
    return cl.StateMachine(
        [
            (
                cl.State("sensor-fault", "degrade to alternate law", sensor_faults()),
                "alternate_law",
            ),
            (
                cl.State("envelope", "any envelope limit reached", envelope()),
                cl.Action("envelope_protection", protect),
            ),
            (cl.State("stall", "stall risk", stall), cl.Action("stall_protection", protect)),
        ],
        ethos=ethos,
    )


def main() -> dict[str, Any]:
    readings = simulate()
    effects = [estimate(r) for r in readings]
    estimates = [e.unwrap() for e in effects]
    steps = [line.split(":")[0] for line in effects[0].log]
    first = {k: estimates[0][k] for k in ("ias", "ias_spread", "aoa", "aoa_spread")}
    print(f"state estimation ({' -> '.join(steps)}) of the first reading: {first}")
    commands: list[str] = []
    csm = build(commands)
    report = csm.run(estimates)
    counts = Counter((f.state, f.outcome) for f in report.firings)
    print(f"{report.items} estimates, {len(report.firings)} firings, {len(report.errors)} errors")
    for (state, outcome), n in sorted(counts.items()):
        print(f"  {state:<13} {outcome:<9} {n}")
    refused = next(f for f in report.firings if f.outcome == "refused")
    kept = next(f for f in report.firings if f.state == "stall" and f.event > refused.event)
    print(f"t={refused.event}: {refused.justification.splitlines()[0]}")
    print(f"t={kept.event}: " + kept.justification.replace("\n", "\n  "))
    print(f"protection commands issued: {len(commands)}, first: {commands[0]}")

    table = {k: np.array([e[k] for e in estimates]) for k in estimates[0]}
    batch = build([]).run_batch(table)
    same = [(f.event, f.state, f.outcome) for f in batch.firings] == [
        (f.event, f.state, f.outcome) for f in report.firings
    ]
    print(f"run_batch fires exactly what run fires: {same}")
    return {"counts": dict(counts), "same": same, "refused": refused.event}


if __name__ == "__main__":
    main()
