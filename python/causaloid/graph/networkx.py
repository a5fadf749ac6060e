"""A :class:`~causaloid.CausalGraph` to and from networkx, and as Graphviz DOT.

networkx is optional (``pip install 'causaloid[graph]'``); DOT output needs
nothing. A networkx ``DiGraph`` carries each causal unit in node attributes:

``expr``
    a :mod:`causaloid.expr` expression (or ``None``),
``fn``
    a Python causal function (or ``None``),
``description``
    what the node stands for, in words,
``causal``
    the causal unit itself (a causaloid, collection or nested graph), so a
    graph survives the round trip unchanged.

:func:`from_networkx` uses ``causal`` when present, otherwise builds a
:class:`~causaloid.Causaloid` from ``expr`` or ``fn`` and ``description``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from causaloid._optional import require
from causaloid.errors import InvalidArgumentError

if TYPE_CHECKING:
    from causaloid.graph.causal_graph import CausalGraph


def to_networkx(graph: CausalGraph) -> Any:
    """The graph as a ``networkx.DiGraph``, one node per causal unit.

    Parameters
    ----------
    graph : CausalGraph
        The graph (frozen or not).

    Returns
    -------
    networkx.DiGraph
        Nodes keyed by id with attributes ``description``, ``kind``
        (``"causaloid"``, ``"collection"`` or ``"graph"``), ``expr``, ``fn`` and
        ``causal``; the graph's ``id`` and ``description`` in ``.graph``.

    Examples
    --------
    >>> import causaloid as cl
    >>> from causaloid import expr as E
    >>> g = cl.CausalGraph("alarm", "fire alarm")
    >>> _ = g.add(cl.Causaloid("smoke", "smoke seen", expr=E.col("smoke") > 0.3))
    >>> _ = g.add(cl.Causaloid("fire", "fire", expr=E.value()))
    >>> g.link("smoke", "fire")
    >>> nxg = to_networkx(g)
    >>> list(nxg.edges), nxg.nodes["smoke"]["description"], nxg.graph["id"]
    ([('smoke', 'fire')], 'smoke seen', 'alarm')
    """
    nx = require("networkx", "CausalGraph.to_networkx()")
    from causaloid.graph.causal_graph import CausalGraph
    from causaloid.graph.causaloid import Causaloid

    out = nx.DiGraph(id=graph.id, description=graph.description)
    for node in graph.nodes:
        member = graph[node]
        if isinstance(member, Causaloid):
            kind, expr, fn = "causaloid", member.expr, member.fn
        else:
            kind = "graph" if isinstance(member, CausalGraph) else "collection"
            expr, fn = None, None
        out.add_node(
            node, description=member.description, kind=kind, expr=expr, fn=fn, causal=member
        )
    out.add_edges_from(graph.edges)
    return out


def from_networkx(
    nx_graph: Any,
    id: Any = None,
    description: str | None = None,
    *,
    freeze: bool = True,
) -> CausalGraph:
    """Build a :class:`~causaloid.CausalGraph` from a networkx ``DiGraph``.

    Parameters
    ----------
    nx_graph : networkx.DiGraph
        Directed graph whose nodes carry ``causal``, or ``expr`` or ``fn``
        (and optionally ``description``).
    id : int or str, optional
        The graph's id; default ``nx_graph.graph["id"]`` or ``"graph"``.
    description : str, optional
        Default ``nx_graph.graph["description"]`` or ``""``.
    freeze : bool
        Freeze the result (which refuses cycles with
        :class:`~causaloid.errors.CycleError`).

    Raises
    ------
    InvalidArgumentError
        For an undirected graph, or a node with neither ``causal``, ``expr``
        nor ``fn`` (``err.node_id``).

    Examples
    --------
    >>> import networkx as nx
    >>> from causaloid import expr as E
    >>> d = nx.DiGraph()
    >>> d.add_node("smoke", expr=E.col("smoke") > 0.3, description="smoke seen")
    >>> d.add_node("fire", expr=E.value())
    >>> d.add_edge("smoke", "fire")
    >>> g = from_networkx(d, "alarm")
    >>> g.evaluate({"smoke": 0.5}).value
    True
    """
    from causaloid.graph._base import Causal
    from causaloid.graph.causal_graph import CausalGraph
    from causaloid.graph.causaloid import Causaloid

    if not callable(getattr(nx_graph, "is_directed", None)) or not hasattr(nx_graph, "nodes"):
        raise InvalidArgumentError(
            f"expected a networkx DiGraph, got {type(nx_graph).__name__}",
            {"parameter": "nx_graph"},
        )
    if not nx_graph.is_directed():
        raise InvalidArgumentError(
            "a causal graph needs directed edges: give a networkx DiGraph, not a Graph",
            {"parameter": "nx_graph"},
        )
    attrs = getattr(nx_graph, "graph", {}) or {}
    graph = CausalGraph(
        attrs.get("id", "graph") if id is None else id,
        attrs.get("description", "") if description is None else description,
    )
    for node, data in nx_graph.nodes(data=True):
        causal = data.get("causal")
        if causal is not None:
            if not isinstance(causal, Causal):
                raise InvalidArgumentError(
                    f"node {node!r}: 'causal' must be a causaloid, collection or graph, "
                    f"got {type(causal).__name__}",
                    {"parameter": "nx_graph", "node_id": node},
                )
            if causal.id != node:
                raise InvalidArgumentError(
                    f"node {node!r} holds a causal unit with id {causal.id!r}; the ids must match",
                    {"parameter": "nx_graph", "node_id": node},
                )
            graph.add(causal)
            continue
        expr, fn = data.get("expr"), data.get("fn")
        if (expr is None) == (fn is None):
            raise InvalidArgumentError(
                f"node {node!r} needs exactly one of the attributes 'expr' (a cl.expr "
                "expression) or 'fn' (a Python function)",
                {"parameter": "nx_graph", "node_id": node},
            )
        graph.add(Causaloid(node, str(data.get("description", "")), expr=expr, fn=fn))
    for source, target in nx_graph.edges():
        graph.link(source, target)
    return graph.freeze() if freeze else graph


def _quote(text: Any) -> str:
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def to_dot(graph: CausalGraph) -> str:
    """The graph in Graphviz DOT: one box per node (id and description), the
    expression as tooltip, the edges as arrows.

    Render it with ``dot -Tsvg graph.dot -o graph.svg``.

    Examples
    --------
    >>> import causaloid as cl
    >>> from causaloid import expr as E
    >>> g = cl.CausalGraph("alarm", "fire alarm")
    >>> _ = g.add(cl.Causaloid("smoke", "smoke seen", expr=E.col("smoke") > 0.3))
    >>> _ = g.add(cl.Causaloid("fire", 'the "fire"', expr=E.value()))
    >>> g.link("smoke", "fire")
    >>> print(to_dot(g))
    digraph "alarm" {
      label="alarm: fire alarm";
      node [shape=box, style=rounded];
      "smoke" [label="smoke\\nsmoke seen", tooltip="(col(\\"smoke\\") > 0.3)"];
      "fire" [label="fire\\nthe \\"fire\\"", tooltip="value()"];
      "smoke" -> "fire";
    }
    """
    from causaloid.graph.causaloid import Causaloid

    title = f"{graph.id}: {graph.description}" if graph.description else str(graph.id)
    lines = [
        f"digraph {_quote(graph.id)} {{",
        f"  label={_quote(title)};",
        "  node [shape=box, style=rounded];",
    ]
    for node in graph.nodes:
        member = graph[node]
        label = f"{node}\n{member.description}" if member.description else str(node)
        extra = ""
        if isinstance(member, Causaloid):
            if member.expr is not None:
                extra = f", tooltip={_quote(member.expr)}"
            elif member.fn is not None:
                extra = f", tooltip={_quote(getattr(member.fn, '__name__', 'python function'))}"
        lines.append(f"  {_quote(node)} [label={_quote(label)}{extra}];")
    for source, target in graph.edges:
        lines.append(f"  {_quote(source)} -> {_quote(target)};")
    lines.append("}")
    return "\n".join(lines)


__all__ = ["from_networkx", "to_dot", "to_networkx"]
