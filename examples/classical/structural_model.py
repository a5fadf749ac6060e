"""A structural causal model with numeric variables, as a causal graph.

Education (years) raises skill; skill and experience set the wage. Each node
is a structural equation over its parents, read by id with `node(id)`; the
exogenous terms are columns of the data. Observing the model is evaluating it
on a row; intervening — do(education = 16) — is evaluating from the
education node with the value fixed (`evaluate_from(..., value=16)`), which
cuts education off from its own causes.

The numbers are checked against the equations solved by hand.
"""

from __future__ import annotations

import numpy as np

import causaloid as cl
from causaloid import expr as E


def build() -> cl.CausalGraph:
    g = cl.CausalGraph("wages", "education -> skill -> wage <- experience")
    g.add(cl.Causaloid("education", "years of schooling", expr=12.0 + E.col("u_education")))
    # In an intervention the education node receives the fixed value instead.
    g.add(cl.Causaloid("do_education", "education, fixed by an intervention", expr=E.value()))
    g.add(cl.Causaloid("skill", "skill score", expr=2.0 * E.value() + E.col("u_skill")))
    g.add(
        cl.Causaloid(
            "wage",
            "hourly wage",
            expr=5.0 + 1.5 * E.node("skill") + 0.4 * E.col("experience") + E.col("u_wage"),
        )
    )
    g.link("education", "skill")
    g.link("do_education", "skill")
    g.link("skill", "wage")
    return g.freeze()


def main() -> dict[str, float]:
    g = build()
    unit = {"u_education": 2.0, "u_skill": -1.0, "u_wage": 0.5, "experience": 10.0}
    observed = g.evaluate_path("education", "wage", unit)
    intervened = g.evaluate_path("do_education", "wage", unit, value=16.0)
    by_hand_observed = 5.0 + 1.5 * (2.0 * (12.0 + 2.0) - 1.0) + 0.4 * 10.0 + 0.5
    by_hand_do = 5.0 + 1.5 * (2.0 * 16.0 - 1.0) + 0.4 * 10.0 + 0.5
    print(observed.explain())
    print()
    print(f"wage observed: {observed.value:.2f} (by hand {by_hand_observed:.2f})")
    print(f"wage under do(education = 16): {intervened.value:.2f} (by hand {by_hand_do:.2f})")
    rng = np.random.default_rng(0)
    n = 100_000
    table = {
        "u_education": rng.normal(0, 2, n),
        "u_skill": rng.normal(0, 1, n),
        "u_wage": rng.normal(0, 1, n),
        "experience": rng.uniform(0, 30, n),
    }
    education = g.evaluate_single("education", {k: v[0] for k, v in table.items()}).value
    effect = 1.5 * 2.0 * 4.0  # four more years of schooling
    print(
        f"education of the first unit: {education:.2f}; the effect of four more years "
        f"is {effect:.1f} an hour for every unit (a linear model)"
    )
    return {
        "observed": float(observed.value),
        "intervened": float(intervened.value),
        "by_hand_observed": by_hand_observed,
        "by_hand_do": by_hand_do,
    }


if __name__ == "__main__":
    main()
