"""Pearl's ladder of causation on nicotine -> tar -> cancer.

1. Association (seeing): observe a smoker and propagate along the chain.
2. Intervention (doing): set the tar deposit mid-chain, whatever the smoking.
3. Counterfactual (imagining): for the same patient, what if they had not
   smoked? Intervene at the start and replay the chain.
"""

from __future__ import annotations

import causaloid as cl
from causaloid import expr as E

# Each causaloid decides one causal step; thresholds are illustrative.
nicotine = cl.Causaloid("nicotine", "nicotine intake is high", expr=E.value() > 0.55)
tar = cl.Causaloid("tar", "high nicotine deposits tar", expr=E.value())
cancer = cl.Causaloid("cancer", "tar deposits cause cancer", expr=E.value())

chain = cl.CausalGraph("smoking", "nicotine -> tar -> cancer")
for c in (nicotine, tar, cancer):
    chain.add(c)
chain.link("nicotine", "tar")
chain.link("tar", "cancer")
chain.freeze()

smoking_level = 0.8

print("== Rung 1: association (seeing)")
seen = chain.evaluate(smoking_level)
print(seen.explain())

print("\n== Rung 2: intervention (doing): do(tar = false)")
# Everything upstream of tar is cut; tar is set and its effect propagates on.
done = chain.evaluate_from("cancer", False)
print(done.explain())
# The same with the Effect monad, step by step:
# (causal structures are callable, so they are steps of an effect chain):
stepwise = cl.Effect.pure(smoking_level).bind(nicotine).bind(tar).intervene(False).bind(cancer)
print(stepwise.explain())

print("\n== Rung 3: counterfactual (imagining): had the patient not smoked")
factual = cl.Effect.pure(smoking_level).bind(chain)
counterfactual = cl.Effect.pure(smoking_level).intervene(0.1).bind(chain)
print(
    f"factual outcome: cancer={factual.value}; "
    f"counterfactual outcome: cancer={counterfactual.value}"
)
print(counterfactual.explain())

assert seen.value is True and done.value is False and stepwise.value is False
assert factual.value is True and counterfactual.value is False
