"""causaloid: fast, deterministic, context-aware causal reasoning.

The public names below are the contract (see DESIGN.md); the engine behind
them is the native module ``causaloid._native``.

>>> import causaloid as cl
>>> c = cl.Causaloid(1, "high", expr=cl.expr.value() > 0.5)
>>> c.evaluate(0.9).value
True
"""

from __future__ import annotations

from causaloid import csm, errors, ethos, expr
from causaloid._native import __version__
from causaloid.csm import Action, State, StateMachine, Window
from causaloid.effect import Effect, Process
from causaloid.errors import CausalError
from causaloid.ethos import Ethos, Norm
from causaloid.graph import AtLeast, CausalCollection, CausalGraph, Causaloid, Relay
from causaloid.graph._json import from_json

__all__ = [
    "Action",
    "AtLeast",
    "CausalCollection",
    "CausalError",
    "CausalGraph",
    "Causaloid",
    "Effect",
    "Ethos",
    "Norm",
    "Process",
    "Relay",
    "State",
    "StateMachine",
    "Window",
    "csm",
    "errors",
    "ethos",
    "expr",
    "from_json",
    "__version__",
]
