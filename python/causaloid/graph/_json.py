"""Python objects around structures the engine read from JSON.

The engine owns the JSON form (``docs/graph.md``) and reads it; this module
only wraps the native structure it returns in the Python classes a user would
have built, so there is no second reader of the format.
"""

from __future__ import annotations

from typing import Any

from causaloid import _native
from causaloid.errors import SerializationError
from causaloid.graph._base import Causal


def _cores(contexts: Any) -> list[Any]:
    from causaloid.context.context import Context

    if contexts is None:
        return []
    items = [contexts] if isinstance(contexts, Context) else list(contexts)
    for c in items:
        if not isinstance(c, Context):
            raise TypeError(f"contexts must be cl.Context objects; got {type(c).__name__}")
    return [c._core for c in items]


def wrap(member: Any) -> Causal:
    """The Python object for a native causaloid, collection or graph."""
    from causaloid.graph.causal_graph import CausalGraph
    from causaloid.graph.causaloid import Causaloid
    from causaloid.graph.collection import CausalCollection

    if member.kind == "causaloid":
        return Causaloid._from_native(member)
    if member.kind == "collection":
        return CausalCollection._from_native(member, [wrap(m) for m in member.members()])
    return CausalGraph._from_native(member.as_graph())


def from_json(text: str, contexts: Any = None) -> Causal:
    """Any causal structure from its JSON form."""
    if not isinstance(text, str):
        raise SerializationError(f"expected JSON text (a str); got {type(text).__name__}")
    return wrap(_native.Member.from_json(text, _cores(contexts)))


def graph_from_json(text: str, contexts: Any = None) -> Any:
    from causaloid.graph.causal_graph import CausalGraph

    if not isinstance(text, str):
        raise SerializationError(f"expected JSON text (a str); got {type(text).__name__}")
    return CausalGraph._from_native(_native.Graph.from_json(text, _cores(contexts)))
