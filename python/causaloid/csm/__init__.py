"""The causal state machine: states, actions, streams and the sliding window."""

from causaloid.csm import errors
from causaloid.csm.machine import StateMachine
from causaloid.csm.results import BatchResult, Firing, RunError, RunReport, RunUnknown
from causaloid.csm.state import Action, State
from causaloid.csm.window import STATS, Window

__all__ = [
    "STATS",
    "Action",
    "BatchResult",
    "Firing",
    "RunError",
    "RunReport",
    "RunUnknown",
    "State",
    "StateMachine",
    "Window",
    "errors",
]
