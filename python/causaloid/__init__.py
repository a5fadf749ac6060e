"""causaloid: fast, deterministic, context-aware causal reasoning.

The public names below are the contract (see DESIGN.md); the engine behind
them is the native module ``causaloid._native``.
"""

from __future__ import annotations

from causaloid import errors
from causaloid._native import __version__
from causaloid.context import Context, Data, Space, SpaceTime, Symbolic, Time
from causaloid.errors import CausalError

__all__ = [
    "CausalError",
    "Context",
    "Data",
    "Space",
    "SpaceTime",
    "Symbolic",
    "Time",
    "__version__",
    "errors",
]
