"""Structural causal models: ``cl.SCM``.

Numeric variables on a DAG, each a structural equation of its parents plus
exogenous noise. The engine samples them (observational or after ``do``),
answers counterfactuals by abduction, action and prediction for one unit or a
whole table, estimates effects, and fits linear equations from data.

>>> import causaloid as cl
>>> from causaloid.scm import Linear, Normal
>>> m = cl.SCM({"x": Linear(0.0), "y": Linear(1.0, {"x": 3.0})}, noise={"y": Normal(0, 1)})
>>> print(m.equation("y"))
y := 1 + 3 * x + U_y,  U_y ~ Normal(0, 1)
"""

from causaloid.scm import errors
from causaloid.scm.model import SCM
from causaloid.scm.noise import Empirical, Linear, Normal, Uniform
from causaloid.scm.results import Counterfactual, CounterfactualTable, EffectEstimate, SCMTable

__all__ = [
    "SCM",
    "Counterfactual",
    "CounterfactualTable",
    "EffectEstimate",
    "Empirical",
    "Linear",
    "Normal",
    "SCMTable",
    "Uniform",
    "errors",
]
