"""Effects: immutable carriers of causal values with an audit log."""

from causaloid.effect.effect import Effect
from causaloid.effect.process import Process

__all__ = ["Effect", "Process"]
