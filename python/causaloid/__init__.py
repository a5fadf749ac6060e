"""causaloid: fast, deterministic, context-aware causal reasoning.

The public names below are the contract (README.md and the guides in docs/
describe them); the engine behind them is the native module ``causaloid._native``.

>>> import causaloid as cl
>>> c = cl.Causaloid(1, "high", expr=cl.expr.value() > 0.5)
>>> c.evaluate(0.9).value
True
"""

from __future__ import annotations

from causaloid import csm, discover, errors, ethos, expr, scm, uncertain
from causaloid._native import __version__
from causaloid.context import Context, Data, Space, SpaceTime, Symbolic, Time
from causaloid.csm import Action, State, StateMachine, Window
from causaloid.effect import Effect, Process
from causaloid.errors import CausalError, MissingDependencyError
from causaloid.ethos import Ethos, Norm
from causaloid.graph import AtLeast, CausalCollection, CausalGraph, Causaloid, Relay
from causaloid.graph._json import from_json
from causaloid.model import Assumption, Model
from causaloid.scm import SCM
from causaloid.threads import get_threads, set_threads
from causaloid.uncertain import MaybeUncertain, Uncertain

__all__ = [
    "Action",
    "Assumption",
    "AtLeast",
    "CausalCollection",
    "CausalError",
    "CausalGraph",
    "Causaloid",
    "Context",
    "Data",
    "Effect",
    "Ethos",
    "MaybeUncertain",
    "MissingDependencyError",
    "Model",
    "Norm",
    "Process",
    "Relay",
    "SCM",
    "Space",
    "SpaceTime",
    "State",
    "StateMachine",
    "Symbolic",
    "Time",
    "Uncertain",
    "Window",
    "__version__",
    "csm",
    "discover",
    "errors",
    "ethos",
    "expr",
    "from_json",
    "get_threads",
    "scm",
    "set_threads",
    "uncertain",
]
