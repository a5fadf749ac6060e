"""Pearl's ladder of causation on smoking -> tar -> cancer risk.

A structural causal model: every variable is an equation of its causes plus
the unit's own exogenous noise (genes, habits, luck).

1. Association (seeing): in observational data, smokers have more tar and a
   higher risk — but a gene that drives both smoking and risk confounds it.
2. Intervention (doing): do(smoking = s) cuts the gene -> smoking edge; the
   average causal effect of smoking differs from the observed association.
3. Counterfactual (imagining): for *this* patient — observed smoking, tar and
   risk — what would their risk have been had they never smoked? Abduction
   solves their personal noise from the observation, action sets smoking to 0,
   prediction recomputes tar and risk with the same noise.
"""

from __future__ import annotations

import numpy as np

import causaloid as cl
from causaloid import expr as E
from causaloid.scm import Normal

smoking, tar, gene = E.col("smoking"), E.col("tar"), E.col("gene")
model = cl.SCM(
    {
        "gene": E.lit(0.0),  # a predisposition, unobserved in practice
        "smoking": 1.0 + 0.8 * gene,  # packs a day
        "tar": 0.9 * smoking,  # tar deposit in the lungs
        # a risk score: grows faster than linearly with tar, and with the gene
        "risk": 0.1 + 0.3 * tar * abs(tar) / (1.0 + abs(tar)) + 0.4 * gene,
    },
    noise={
        "gene": Normal(0, 1),
        "smoking": Normal(0, 0.3),
        "tar": Normal(0, 0.2),
        "risk": Normal(0, 0.05),
    },
)
print(model.explain())

print("\n== Rung 1: association (seeing)")
seen = model.sample(200_000, seed=1)
heavy = seen["smoking"] > 1.5
light = seen["smoking"] < 0.5
gap = seen["risk"][heavy].mean() - seen["risk"][light].mean()
print(
    f"mean risk of heavy smokers {seen['risk'][heavy].mean():.3f}, "
    f"of light smokers {seen['risk'][light].mean():.3f}: a gap of {gap:.3f}"
)

print("\n== Rung 2: intervention (doing): do(smoking = 2) vs do(smoking = 0.25)")
effect = model.effect("smoking", "risk", a=2.0, b=0.25, n=200_000, seed=2)
print(effect.explain())
print(
    "the observed gap also carries the gene's direct effect on risk; "
    f"the causal effect alone is {effect.effect:.3f}"
)

print("\n== Rung 3: counterfactual (imagining): had this patient never smoked")
patient = {"gene": 0.5, "smoking": 1.8, "tar": 1.9, "risk": 0.75}
cf = model.counterfactual(patient, do={"smoking": 0.0})
print(cf.explain())
print(
    f"this patient's risk: observed {patient['risk']:.3f}, had they never smoked {cf['risk']:.3f}"
)
# The same question with rung 2 alone (no abduction) answers for an average
# patient with this gene, not for this one: their own noise is lost.
average = model.do({"smoking": 0.0}).sample(200_000, seed=3)
print(f"(an average non-smoker's risk: {average['risk'].mean():.3f})")

# Whole cohorts at once: the counterfactual of every sampled row, natively.
cohort = model.counterfactual(seen, do={"smoking": 0.0})
saved = seen["risk"] - cohort["risk"]
print(
    f"\nacross the cohort, never smoking would have lowered risk by {saved.mean():.3f} on average"
)

assert gap > effect.effect > 0
u_risk = cf.noise["risk"]
tar_cf = 0.0 + cf.noise["tar"]
closed_form = 0.1 + 0.3 * tar_cf * abs(tar_cf) / (1.0 + abs(tar_cf)) + 0.4 * 0.5 + u_risk
assert abs(cf["risk"] - closed_form) < 1e-12 and cf["risk"] < patient["risk"]
assert np.all(cohort["gene"] == seen["gene"])
