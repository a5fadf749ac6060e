"""Reading the JSON form back into Python objects (see ``docs/graph.md``).

The engine writes the form; reading it here rebuilds the same Python objects a
user would have built, so every constructor check applies to files too.
"""

from __future__ import annotations

import json
from typing import Any

from causaloid.errors import SerializationError
from causaloid.expr import Expr
from causaloid.graph._base import Causal

FORMAT, VERSION = "causaloid", 1


def _document(text: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise SerializationError(f"not JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise SerializationError(
            f"expected a document with format {FORMAT!r} and version {VERSION}"
        )
    return doc


def _build(node: Any) -> Causal:
    from causaloid.graph.causal_graph import CausalGraph
    from causaloid.graph.causaloid import Causaloid
    from causaloid.graph.collection import AtLeast, CausalCollection

    if not isinstance(node, dict) or len(node) != 1:
        raise SerializationError(
            f"expected {{'causaloid'|'collection'|'graph': ...}}, got {node!r:.80}"
        )
    ((kind, body),) = node.items()
    try:
        if kind == "causaloid":
            expr = Expr.from_json(json.dumps(body["expr"]))
            return Causaloid(body["id"], body.get("description", ""), expr=expr)
        if kind == "collection":
            logic = body["logic"]
            if isinstance(logic, dict):
                logic = AtLeast(int(logic["at_least"]))
            members = [_build(m) for m in body["members"]]
            return CausalCollection(
                members, logic, id=body["id"], description=body.get("description", "")
            )
        if kind == "graph":
            g = CausalGraph(
                body["id"], body.get("description", ""), max_relays=body.get("max_relays", 64)
            )
            for n in body["nodes"]:
                g.add(_build(n))
            for a, b in body["edges"]:
                g.link(a, b)
            if body.get("frozen", False):
                g.freeze()
            return g
    except (KeyError, TypeError) as exc:
        raise SerializationError(f"malformed {kind}: missing or wrong field {exc}") from exc
    raise SerializationError(f"unknown kind {kind!r}; expected causaloid, collection or graph")


def from_json(text: str) -> Causal:
    """Any causal structure from its JSON form."""
    return _build(_document(text)["root"])


def graph_from_json(text: str) -> Any:
    from causaloid.graph.causal_graph import CausalGraph

    obj = from_json(text)
    if not isinstance(obj, CausalGraph):
        raise SerializationError(f"the document holds a {type(obj).__name__}, not a CausalGraph")
    return obj
