"""Builds a :class:`~causaloid.CausalGraph` of native expressions from
discovered edges: roots test whether a variable is high, effects pass on the
join of their causes, synergistic groups become collections."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from causaloid.discover.edges import Edge


def _reaches(children: dict[str, set[str]], start: str, goal: str) -> bool:
    stack, seen = [start], set()
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(children.get(node, ()))
    return False


def build_graph(
    edges: Sequence[Edge],
    data: Mapping[str, np.ndarray],
    *,
    quantile: float,
    id: str,
    levels: Mapping[str, tuple[float, float]] | None = None,
) -> tuple[Any, list[tuple[Edge, str]]]:
    """The graph and the edges left out (with the reason). ``levels`` gives
    each variable's quantile and maximum when ``data`` is not at hand (a
    table on partitions)."""
    from causaloid import CausalCollection, CausalGraph, Causaloid
    from causaloid import expr as E

    def node_id(edge: Edge) -> str:
        return " & ".join(edge.sources) if edge.kind == "synergistic" else edge.sources[0]

    children: dict[str, set[str]] = {}
    kept: list[tuple[str, str, Edge]] = []
    dropped: list[tuple[Edge, str]] = []
    seen_links: set[tuple[str, str]] = set()
    for edge in sorted(edges, key=lambda e: (-e.strength, e.target, e.sources)):
        sources = [node_id(edge)] if edge.kind == "synergistic" else list(edge.sources)
        for source in sources:
            if source == edge.target:
                dropped.append((edge, f"{source} causing itself is not a graph edge"))
                continue
            if (source, edge.target) in seen_links:
                continue
            if _reaches(children, edge.target, source):
                dropped.append((edge, f"{source} -> {edge.target} would close a cycle"))
                continue
            children.setdefault(source, set()).add(edge.target)
            seen_links.add((source, edge.target))
            kept.append((source, edge.target, edge))

    def threshold(name: str) -> float:
        if levels is not None:
            return levels[name][0]
        return float(np.quantile(data[name], quantile))

    def maximum(name: str) -> float:
        return levels[name][1] if levels is not None else float(np.max(data[name]))

    def high(name: str) -> Any:
        t = threshold(name)
        # When the quantile is the maximum (binary or skewed data), "high"
        # means reaching it, or nothing would ever be high.
        if t >= maximum(name):
            return Causaloid(
                name,
                f"{name} is high (at least {t:.6g}, its {quantile:.0%} quantile)",
                expr=E.col(name) >= t,
            )
        return Causaloid(
            name,
            f"{name} is high (above {t:.6g}, its {quantile:.0%} quantile)",
            expr=E.col(name) > t,
        )

    graph = CausalGraph(id, "causal graph discovered by SURD")
    parents: dict[str, list[tuple[str, Edge]]] = {}
    for source, target, edge in kept:
        parents.setdefault(target, []).append((source, edge))
    synergy = {node_id(e): e for _, _, e in kept if e.kind == "synergistic"}
    order: list[str] = []
    for source, target, _ in kept:
        for name in (source, target):
            if name not in order:
                order.append(name)
    for name in order:
        if name in synergy:
            members = [high(s) for s in synergy[name].sources]
            graph.add(
                CausalCollection(
                    members,
                    "all",
                    id=name,
                    description=f"{', '.join(synergy[name].sources)} all high",
                )
            )
        elif name in parents:
            why = "; ".join(e.rationale for _, e in parents[name])
            graph.add(Causaloid(name, f"{name} follows its causes: {why}", expr=E.value()))
        else:
            graph.add(high(name))
    for source, target, _ in kept:
        graph.link(source, target)
    if not order:
        from causaloid.discover.errors import DiscoverValueError

        raise DiscoverValueError(
            "no edge passed the thresholds of analyze(); lower them to build a graph",
            {"parameter": "edges"},
        )
    return graph.freeze(), dropped
