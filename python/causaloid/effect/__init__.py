"""Effects: immutable carriers of causal values with an audit log."""

from causaloid.effect.effect import Effect
from causaloid.effect.process import GuardError, Process, StepLimitError
from causaloid.effect.trace import Trace

__all__ = ["Effect", "GuardError", "Process", "StepLimitError", "Trace"]
