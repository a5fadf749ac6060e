"""A fire alarm as a causal state machine.

Smoke, heat and explosion sensors in two rooms (an office and a reactor hall)
report every second. States raise an alert, call the fire brigade or evacuate;
an ethos forbids evacuating the reactor hall (which would leave the reactor
unattended) unless a second sensor agrees. The stream is simulated with a seed,
so every run prints the same numbers.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

import causaloid as cl

col = cl.expr.col
SEED = 42
N = 600


def simulate(seed: int = SEED, n: int = N) -> dict[str, np.ndarray]:
    """Sensor readings: calm noise, a fire in the office, a lone explosion
    glitch in the reactor hall, then a real incident there."""
    rng = np.random.default_rng(seed)
    room = (np.arange(n) // 50) % 2  # 50 s in the office, 50 s in the hall, ...
    smoke = rng.uniform(0.0, 0.2, n)
    heat = rng.normal(22.0, 1.5, n)
    explosion = np.zeros(n)
    fire = slice(120, 150)  # office
    smoke[fire] = rng.uniform(0.6, 0.9, 30)
    heat[fire] = np.linspace(30.0, 95.0, 30)
    explosion[160] = 1.0  # reactor hall: the explosion sensor alone (a glitch)
    incident = slice(455, 470)  # reactor hall: explosion, heat and smoke together
    explosion[incident] = 1.0
    heat[incident] = np.linspace(70.0, 120.0, 15)
    smoke[incident] = 0.8
    return {"room": room.astype(float), "smoke": smoke, "heat": heat, "explosion": explosion}


def build(log: list[str]) -> cl.StateMachine:
    smoky = col("smoke") > 0.5
    hot = col("heat") > 60
    blast = col("explosion") > 0.5
    # How many sensors agree that something is wrong (booleans add as 0 / 1).
    agreeing = smoky + hot + blast
    fire = cl.CausalCollection(
        [
            cl.Causaloid("smoke", "smoke above 0.5", expr=smoky),
            cl.Causaloid("heat", "heat above 60 C", expr=hot),
        ],
        logic="all",
        id="fire",
        description="smoke and heat together",
    )
    ethos = cl.Ethos(
        [
            cl.Norm(
                "evacuate-on-danger",
                "evacuate",
                None,
                "obligatory",
                description="evacuate when there is danger",
            ),
            cl.Norm(
                "reactor-needs-two",
                "evacuate",
                (col("room") == 1) & (agreeing < 2),
                "impermissible",
                priority=10,
                specificity=2,
                description="never leave the reactor on one sensor's word",
            ),
        ]
    )

    def alert(firing: cl.csm.Firing) -> None:
        log.append(f"t={firing.event}: alert ({firing.state})")

    def call_brigade(firing: cl.csm.Firing) -> None:
        log.append(f"t={firing.event}: fire brigade called")

    def evacuate(firing: cl.csm.Firing) -> None:
        log.append(f"t={firing.event}: EVACUATE room {int(firing.input['room'])}")

    states = [
        (cl.State("smoke-alert", "smoke", cl.Causaloid("s", "smoke", expr=smoky)), alert),
        # The window gives the heat's rise over the last 5 seconds.
        (
            cl.State(
                "heat-rising",
                "heat rising fast",
                cl.Causaloid("r", "heat up 15 C in 5 s", expr=col("heat.delta") > 15),
            ),
            alert,
        ),
        (cl.State("fire", "smoke and heat", fire), call_brigade),
        (
            cl.State("explosion", "explosion sensor", cl.Causaloid("x", "blast", expr=blast)),
            evacuate,
        ),
    ]
    return cl.StateMachine(states, ethos=ethos, window=cl.Window(5, ["heat"]))


def main() -> dict[str, object]:
    data = simulate()
    actions: list[str] = []
    csm = build(actions)
    rows = ({k: float(v[i]) for k, v in data.items()} for i in range(N))
    report = csm.run(rows)
    by_outcome = Counter((f.state, f.outcome) for f in report.firings)
    refused = [f for f in report.firings if f.outcome == "refused"]
    print(f"{report.items} readings, {len(report.firings)} firings, {len(report.errors)} errors")
    for (state, outcome), n in sorted(by_outcome.items()):
        print(f"  {state:<12} {outcome:<8} {n}")
    print(f"first actions: {actions[:3]}")
    print(f"evacuations: {[a for a in actions if 'EVACUATE' in a][:3]} ...")
    print(f"refused at t={refused[0].event}:")
    print("  " + refused[0].justification.replace("\n", "\n  "))

    # The same stream as one table, decided in the engine: the same firings.
    batch = build([]).run_batch(data)
    same = [(f.event, f.state, f.outcome) for f in batch.firings] == [
        (f.event, f.state, f.outcome) for f in report.firings
    ]
    print(f"run_batch fires exactly what run fires: {same}")
    return {"counts": dict(by_outcome), "refused": [f.event for f in refused], "same": same}


if __name__ == "__main__":
    main()
