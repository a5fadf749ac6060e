"""Contexts: hypergraphs of contextoids (Data, Time, TimeNs, Step, SymbolicTime,
Space, SpaceTime, Geo, Ecef, Ned, Oriented, Symbolic) that causaloids read, with
indexed look-ups, distances and regions in each geometry, and atomic updates."""

from causaloid.context import errors, geometry
from causaloid.context.context import Context, Relation
from causaloid.context.contextoids import (
    Data,
    Ecef,
    Geo,
    Ned,
    Oriented,
    Space,
    SpaceTime,
    Step,
    Symbolic,
    SymbolicTime,
    Time,
    TimeNs,
    UncertainData,
)
from causaloid.context.update import Transaction

__all__ = [
    "Context",
    "Data",
    "Ecef",
    "Geo",
    "Ned",
    "Oriented",
    "Relation",
    "Space",
    "SpaceTime",
    "Step",
    "Symbolic",
    "SymbolicTime",
    "Time",
    "TimeNs",
    "Transaction",
    "UncertainData",
    "errors",
    "geometry",
]
