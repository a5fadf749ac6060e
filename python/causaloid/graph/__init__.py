"""Causaloids, collections and graphs: one interface, nested recursively."""

from causaloid.graph.causal_graph import CausalGraph
from causaloid.graph.causaloid import Causaloid
from causaloid.graph.collection import AtLeast, CausalCollection
from causaloid.graph.relay import Relay

__all__ = ["AtLeast", "CausalCollection", "CausalGraph", "Causaloid", "Relay"]
