"""A tagged ethos vetting the actions of a building's state machine.

A building controller watches smoke, an after-hours motion sensor and the
temperature. Its states evacuate, lock the doors or vent. Every action
carries tags ("people", "doors", "air", "energy", "noise"), and each norm
vets only the actions sharing one of its tags:

- locking the doors is forbidden while people are inside (tag "doors"),
  unless a police order says so: the order *defeats* that norm explicitly;
- alarms and evacuations are noisy, and quiet hours forbid noise at night
  (priority 1), while evacuating on fire is an obligation of priority 10;
- venting is optional at an energy cost, dearer at night, when a surcharge
  (a specialization of the energy norm, applying only where it does) adds
  its own cost.

The same observations are vetted under the default *priority* calculus and
under DeepCausality's calculus, where a surviving prohibition wins whatever
its priority: the night-time fire shows the difference. Then the ethos
chooses the cheapest permitted way to cool the building, and judges a lock
order on an uncertain head count, decided by the sequential test.
"""

from __future__ import annotations

import causaloid as cl

col = cl.expr.col

ACTION_TAGS = {
    "evacuate": ["people", "noise"],
    "lock_doors": ["doors", "people"],
    "vent": ["air", "energy"],
    "open_windows": ["air"],
}


def norms() -> list[cl.Norm]:
    return [
        cl.Norm(
            "evacuate-on-fire",
            "evacuate",
            None,
            "obligatory",
            priority=10,
            description="get everyone out when there is a fire",
        ),
        cl.Norm(
            "quiet-hours",
            "*",
            col("night") > 0,
            "impermissible",
            priority=1,
            tags="noise",
            description="no noise at night",
        ),
        cl.Norm(
            "exits-open",
            "*",
            col("occupants") > 0,
            "impermissible",
            priority=5,
            tags="doors",
            description="never lock people in",
        ),
        cl.Norm(
            "police-order",
            "lock_doors",
            col("police_order") > 0,
            "obligatory",
            defeats="exits-open",
            description="a police order overrides the exits rule",
        ),
        cl.Norm(
            "vent-energy",
            "*",
            None,
            "optional",
            cost=3.0,
            tags="energy",
            description="venting uses energy",
        ),
        cl.Norm(
            "night-surcharge",
            "*",
            col("night") > 0,
            "optional",
            cost=1.0,
            inherits="vent-energy",
            description="the night surcharge on top of the rate",
        ),
        cl.Norm("windows", "open_windows", col("rain") < 0.5, "optional", cost=0.5),
        cl.Norm("no-windows-in-rain", "open_windows", col("rain") >= 0.5, "impermissible"),
    ]


def machine(calculus: str) -> cl.StateMachine:
    ethos = cl.Ethos(norms(), calculus=calculus, action_tags=ACTION_TAGS)
    return cl.StateMachine(
        [
            (
                cl.State(
                    "fire",
                    "smoke detected",
                    cl.Causaloid("smoke", "smoke above 0.5", expr=col("smoke") > 0.5),
                ),
                "evacuate",
            ),
            (
                cl.State(
                    "intruder",
                    "motion after hours",
                    cl.Causaloid("motion", "motion after hours", expr=col("motion") > 0.5),
                ),
                "lock_doors",
            ),
            (
                cl.State(
                    "hot", "too warm", cl.Causaloid("temp", "above 28 C", expr=col("temp") > 28.0)
                ),
                "vent",
            ),
        ],
        ethos=ethos,
    )


OBSERVATIONS = [
    # A warm afternoon.
    {
        "smoke": 0.1,
        "motion": 0.0,
        "temp": 30.0,
        "night": 0,
        "occupants": 40,
        "police_order": 0,
        "rain": 0.0,
    },
    # Motion at night with a cleaner inside: no lockdown.
    {
        "smoke": 0.1,
        "motion": 1.0,
        "temp": 22.0,
        "night": 1,
        "occupants": 1,
        "police_order": 0,
        "rain": 0.0,
    },
    # The police order a lockdown: it defeats the exits rule.
    {
        "smoke": 0.1,
        "motion": 1.0,
        "temp": 22.0,
        "night": 1,
        "occupants": 1,
        "police_order": 1,
        "rain": 0.0,
    },
    # A fire at night: the calculi disagree.
    {
        "smoke": 0.9,
        "motion": 0.0,
        "temp": 31.0,
        "night": 1,
        "occupants": 3,
        "police_order": 0,
        "rain": 1.0,
    },
]


def vet(calculus: str) -> list[tuple[int, str, str]]:
    csm = machine(calculus)
    print(f"--- {calculus} calculus ---")
    outcomes = []
    for i, obs in enumerate(OBSERVATIONS):
        for f in csm.evaluate_all(obs):
            v = f.vetting
            cost = f", cost {v.cost:g}" if v.modality == "optional" else ""
            print(
                f"obs {i}: {f.state:8s} -> {f.action:10s} {f.outcome:8s} "
                f"({v.modality} by {v.decided_by}{cost})"
            )
            outcomes.append((i, f.action, f.outcome))
    return outcomes


def main() -> None:
    priority = vet("priority")
    deep = vet("deepcausality")
    print("\nWhere the calculi disagree:")
    for (i, action, a), (_, _, b) in zip(priority, deep, strict=False):
        if a != b:
            print(f"  obs {i}, {action}: priority {a}, deepcausality {b}")
    print("  (obs 2: there a declared defeat counts only when the defeater outranks, and the")
    print("   police order, priority 0, does not outrank the exits rule, priority 5;")
    print("   obs 3: there a surviving prohibition wins, even quiet hours of priority 1)")

    fire_at_night = OBSERVATIONS[3]
    for calculus in ("priority", "deepcausality"):
        ethos = cl.Ethos(norms(), calculus=calculus, action_tags=ACTION_TAGS)
        print(f"\n{ethos.evaluate('evacuate', fire_at_night).justification}")

    ethos = cl.Ethos(norms(), action_tags=ACTION_TAGS)
    print("\nCooling, chosen by cost:")
    for label, obs in (
        ("dry night", {**fire_at_night, "rain": 0.0}),
        ("rainy night", fire_at_night),
        ("dry day", {**fire_at_night, "rain": 0.0, "night": 0}),
    ):
        choice = ethos.choose(["open_windows", "vent"], obs)
        print(f"  {label}: {choice.reason}")

    print("\nA lock order on an uncertain head count (camera estimate 0.3 +- 0.4 people):")
    count = cl.Uncertain.normal(0.3, 0.4)
    v = ethos.evaluate("lock_doors", {"occupants": count, "police_order": 0}, seed=7)
    print(v.justification)


if __name__ == "__main__":
    main()
