"""Drawing a causal graph: nodes in layers by causal depth, coloured by the
verdicts of an evaluation when one is given."""

from __future__ import annotations

from typing import Any

from causaloid._optional import require
from causaloid.effect import Effect


def _layers(nodes: list[Any], edges: list[tuple[Any, Any]]) -> dict[Any, int]:
    depth = {n: 0 for n in nodes}
    parents: dict[Any, list[Any]] = {n: [] for n in nodes}
    for a, b in edges:
        parents[b].append(a)
    # nodes() is insertion order, not topological: relax until stable (a DAG
    # settles in at most len(nodes) rounds).
    for _ in range(len(nodes)):
        changed = False
        for n in nodes:
            d = max((depth[p] + 1 for p in parents[n]), default=0)
            if d != depth[n]:
                depth[n], changed = d, True
        if not changed:
            break
    return depth


def plot_graph(graph: Any, effect: Effect[Any] | None = None, ax: Any = None) -> Any:
    """Draw ``graph``; with ``effect`` (from ``graph.evaluate``), colour each
    node by what it decided. Returns the matplotlib Axes."""
    plt = require("matplotlib.pyplot", "plot()")

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 5))
    nodes, edges = graph.nodes, graph.edges
    depth = _layers(nodes, edges)
    by_layer: dict[int, list[Any]] = {}
    for n in nodes:
        by_layer.setdefault(depth[n], []).append(n)
    pos = {}
    for d, members in by_layer.items():
        for i, n in enumerate(members):
            pos[n] = (d, -(i - (len(members) - 1) / 2))
    verdicts: dict[Any, Any] = {}
    evaluations = effect._evaluations() if effect is not None else []
    if evaluations:
        for rec in evaluations[-1].records():
            if rec["depth"] == 1 and rec["event"] == "decided":
                verdicts[rec["id"]] = rec["verdict"]
    for a, b in edges:
        (x0, y0), (x1, y1) = pos[a], pos[b]
        arrow = {"arrowstyle": "->", "color": "0.4", "shrinkA": 20, "shrinkB": 20}
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=arrow)
    for n, (x, y) in pos.items():
        v = verdicts.get(n)
        color: Any
        if v is None:
            color = "0.85"
        else:
            degree = float(v)
            color = plt.cm.RdYlGn(0.2 + 0.6 * degree)  # type: ignore[attr-defined]
        ax.scatter([x], [y], s=1400, c=[color], edgecolors="0.2", zorder=3)
        label = str(n) if v is None else f"{n}\n{v!s:.5}"
        ax.text(x, y, label, ha="center", va="center", fontsize=8, zorder=4)
    ax.set_title(f"{graph.id}: {graph.description}" if graph.description else str(graph.id))
    ax.set_axis_off()
    ax.margins(0.2)
    return ax
