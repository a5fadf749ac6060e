"""Contexts: hypergraphs of contextoids (Data, Time, Space, SpaceTime, Symbolic)
that causaloids read, with indexed look-ups and atomic updates."""

from causaloid.context import errors
from causaloid.context.context import Context, Relation
from causaloid.context.contextoids import Data, Space, SpaceTime, Symbolic, Time
from causaloid.context.update import Transaction

__all__ = [
    "Context",
    "Data",
    "Relation",
    "Space",
    "SpaceTime",
    "Symbolic",
    "Time",
    "Transaction",
    "errors",
]
