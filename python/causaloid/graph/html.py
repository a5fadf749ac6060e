"""Rich display of graphs in Jupyter: an SVG drawing of the graph with each
node's verdict, and a table of its nodes (built on the shared helpers of
``causaloid._html``)."""

from __future__ import annotations

from typing import Any

from causaloid._html import (
    _ACTIVE,
    _INACTIVE,
    _UNKNOWN,
    _box,
    _colour,
    _short,
    _verdict_text,
    esc,
    table,
)
from causaloid.graph.causaloid import Causaloid
from causaloid.graph.plot import _layers


class SvgDrawing(str):
    """An SVG document (a ``str``) that Jupyter shows as a picture.

    What :meth:`CausalGraph.to_svg <causaloid.CausalGraph.to_svg>` returns.

    Examples
    --------
    >>> d = SvgDrawing('<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    >>> d._repr_svg_() == d and isinstance(d, str)
    True
    """

    __slots__ = ()

    def _repr_svg_(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return str(self)


def verdicts_of(effect: Any) -> dict[Any, Any]:
    """Each top-level node's verdict in the last evaluation an effect recorded."""
    out: dict[Any, Any] = {}
    evaluations = effect._evaluations() if effect is not None else []
    if evaluations:
        for rec in evaluations[-1].records():
            if rec["depth"] == 1 and rec["event"] == "decided":
                out[rec["id"]] = rec["verdict"]
    return out


def graph_svg(graph: Any, effect: Any = None) -> str:
    """An inline SVG of the graph in layers by causal depth; with ``effect``
    (from ``graph.evaluate``), each node is filled by its verdict (green
    active, red inactive, grey not evaluated) and labelled with it.

    Examples
    --------
    >>> import causaloid as cl
    >>> from causaloid import expr as E
    >>> g = cl.CausalGraph("g")
    >>> _ = g.add(cl.Causaloid("a", "a", expr=E.col("x") > 1)); _ = g.freeze()
    >>> svg = graph_svg(g, g.evaluate({"x": 2}))
    >>> svg.startswith("<svg") and "#2e9e5b" in svg and ">a = true<" in svg
    True
    """

    nodes, edges = list(graph.nodes), list(graph.edges)
    depth = _layers(nodes, edges)
    layers: dict[int, list[Any]] = {}
    for n in nodes:
        layers.setdefault(depth[n], []).append(n)
    w, h, gap_x, gap_y = 150, 44, 60, 24
    tallest = max((len(m) for m in layers.values()), default=1)
    width = max(len(layers), 1) * (w + gap_x) + gap_x
    verdicts = verdicts_of(effect)
    legend = 28 if verdicts else 0
    if verdicts:
        width = max(width, 3 * 120 + gap_x)
    height = tallest * (h + gap_y) + gap_y + legend
    pos = {}
    for d, members in layers.items():
        top = (height - legend - len(members) * (h + gap_y) + gap_y) / 2
        for i, n in enumerate(members):
            pos[n] = (gap_x + d * (w + gap_x), top + i * (h + gap_y))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="causal graph {esc(graph.id)}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#666"/></marker></defs>',
    ]
    for a, b in edges:
        (x0, y0), (x1, y1) = pos[a], pos[b]
        parts.append(
            f'<line x1="{x0 + w:.0f}" y1="{y0 + h / 2:.0f}" x2="{x1:.0f}" y2="{y1 + h / 2:.0f}" '
            'stroke="#666" marker-end="url(#arrow)"/>'
        )
    for n in nodes:
        x, y = pos[n]
        member = graph[n]
        verdict = verdicts.get(n)
        label = str(n) if verdict is None else f"{n} = {_verdict_text(verdict)}"
        tip = member.description or str(n)
        parts.append(
            f'<g><title>{esc(tip)}</title><rect x="{x:.0f}" y="{y:.0f}" width="{w}" '
            f'height="{h}" rx="8" fill="{_colour(verdict) if verdicts else "#eef3fb"}" '
            'stroke="#333"/>'
            f'<text x="{x + w / 2:.0f}" y="{y + 18:.0f}" text-anchor="middle" '
            f'font-size="12" font-weight="bold">{esc(_short(label, 22))}</text>'
            f'<text x="{x + w / 2:.0f}" y="{y + 34:.0f}" text-anchor="middle" '
            f'font-size="10">{esc(_short(member.description, 26))}</text></g>'
        )
    if verdicts:
        y = height - legend + 6
        for i, (colour, meaning) in enumerate(
            [(_ACTIVE, "active"), (_INACTIVE, "inactive"), (_UNKNOWN, "not evaluated")]
        ):
            x = gap_x + i * 120
            parts.append(
                f'<g class="legend"><rect x="{x}" y="{y}" width="14" height="14" '
                f'fill="{colour}" stroke="#333"/><text x="{x + 20}" y="{y + 11}" '
                f'font-size="11">{meaning}</text></g>'
            )
    parts.append("</svg>")
    return "".join(parts)


def graph_html(graph: Any, effect: Any = None) -> str:
    """The display of a causal graph: summary, drawing and a node table."""

    state = "frozen" if graph.is_frozen else "not frozen"
    title = f"CausalGraph {esc(repr(graph.id))}"
    desc = f" — {esc(graph.description)}" if graph.description else ""
    summary = f"<p>{len(graph)} nodes, {len(graph.edges)} edges, {state}</p>"
    rule: list[Any] = []
    for n in graph.nodes:
        member = graph[n]
        if isinstance(member, Causaloid):
            rule.append(
                member.expr
                if member.expr is not None
                else getattr(member.fn, "__name__", "python function")
            )
        else:
            rule.append(type(member).__name__)
    nodes = {
        "id": list(graph.nodes),
        "description": [graph[n].description for n in graph.nodes],
        "rule": rule,
        "parents": [tuple(graph.parents(n)) for n in graph.nodes],
    }
    return _box(title + desc, summary + graph_svg(graph, effect) + table(nodes, max_rows=50))


# --- effects and contexts -------------------------------------------------------------
