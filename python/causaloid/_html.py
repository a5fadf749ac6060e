"""Rich display in Jupyter: the HTML behind ``_repr_html_`` of graphs,
effects, contexts and tabular results.

Everything is plain HTML and inline SVG (no JavaScript, no external files), with
every user string escaped, so a notebook renders it offline and a saved notebook
shows it on GitHub.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

#: Rows of a table shown before "... n more".
MAX_ROWS = 20

_STYLE = "font-family: ui-sans-serif, system-ui, sans-serif; font-size: 13px; line-height: 1.4;"
_ACTIVE, _INACTIVE, _UNKNOWN = "#2e9e5b", "#d2493a", "#d9d9d9"


def esc(value: Any) -> str:
    """``str(value)`` escaped for HTML.

    Examples
    --------
    >>> esc('<b a="1">')
    '&lt;b a=&quot;1&quot;&gt;'
    """
    return html.escape(str(value), quote=True)


def table(columns: dict[str, list[Any]], max_rows: int = MAX_ROWS) -> str:
    """An HTML table of columns (first ``max_rows`` rows).

    Examples
    --------
    >>> out = table({"a": [1, 2, 3], "b": ["x", "<y>", "z"]}, max_rows=2)
    >>> out.count("<tr>"), "<td>&lt;y&gt;</td>" in out, out.endswith("<p>... 1 more row</p>")
    (3, True, True)
    """
    names = list(columns)
    n = max((len(v) for v in columns.values()), default=0)
    head = "".join(f"<th>{esc(name)}</th>" for name in names)
    rows = []
    for i in range(min(n, max_rows)):
        cells = "".join(f"<td>{esc(_cell(columns[name][i]))}</td>" for name in names)
        rows.append(f"<tr>{cells}</tr>")
    more = ""
    if n > max_rows:
        rest = n - max_rows
        more = f"<p>... {rest} more row{'s' if rest != 1 else ''}</p>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (tuple, list)):
        return ", ".join(map(str, value)) or "-"
    return str(value)


def _box(title: str, body: str) -> str:
    return f'<div class="causaloid" style="{_STYLE}"><strong>{title}</strong>{body}</div>'


def tabular_html(kind: str, columns: dict[str, list[Any]]) -> str:
    """The display of a tabular result (SURD, mRMR, root causes)."""
    n = max((len(v) for v in columns.values()), default=0)
    return _box(f"{esc(kind)} ({n} rows)", table(columns))


# --- graphs -------------------------------------------------------------------------


def verdicts_of(effect: Any) -> dict[Any, Any]:
    """Each top-level node's verdict in the last evaluation an effect recorded."""
    out: dict[Any, Any] = {}
    evaluations = effect._evaluations() if effect is not None else []
    if evaluations:
        for rec in evaluations[-1].records():
            if rec["depth"] == 1 and rec["event"] == "decided":
                out[rec["id"]] = rec["verdict"]
    return out


def _colour(verdict: Any) -> str:
    if verdict is None:
        return _UNKNOWN
    try:
        return _ACTIVE if float(verdict) >= 0.5 else _INACTIVE
    except (TypeError, ValueError):
        return _UNKNOWN


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
    from causaloid.graph.plot import _layers

    nodes, edges = list(graph.nodes), list(graph.edges)
    depth = _layers(nodes, edges)
    layers: dict[int, list[Any]] = {}
    for n in nodes:
        layers.setdefault(depth[n], []).append(n)
    w, h, gap_x, gap_y = 150, 44, 60, 24
    tallest = max((len(m) for m in layers.values()), default=1)
    width = max(len(layers), 1) * (w + gap_x) + gap_x
    height = tallest * (h + gap_y) + gap_y
    pos = {}
    for d, members in layers.items():
        top = (height - len(members) * (h + gap_y) + gap_y) / 2
        for i, n in enumerate(members):
            pos[n] = (gap_x + d * (w + gap_x), top + i * (h + gap_y))
    verdicts = verdicts_of(effect)
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
    parts.append("</svg>")
    return "".join(parts)


def _verdict_text(verdict: Any) -> str:
    if isinstance(verdict, bool):
        return str(verdict).lower()
    if isinstance(verdict, float):
        return f"{verdict:.3g}"
    return str(verdict)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def graph_html(graph: Any, effect: Any = None) -> str:
    """The display of a causal graph: summary, drawing and a node table."""
    from causaloid.graph.causaloid import Causaloid

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


def effect_html(effect: Any) -> str:
    """The display of an effect: its value or error, then the explanation."""
    if effect.ok:
        value = effect.value
        colour = _colour(value) if isinstance(value, (bool, float, int)) else _UNKNOWN
        badge = f"value: {esc(_verdict_text(value))}"
    else:
        colour, badge = _INACTIVE, f"error: {esc(effect.error)}"
    head = f' <span style="background:{colour};padding:1px 6px;border-radius:4px;">{badge}</span>'
    body = f'<pre style="white-space:pre-wrap;">{esc(effect.explain())}</pre>'
    return _box("Effect" + head, body)


def context_html(ctx: Any, rows: Iterable[Any] | None = None) -> str:
    """The display of a context: counts, scales, fields and the first contextoids."""
    ids = list(rows if rows is not None else ctx)[:MAX_ROWS]
    summary = (
        f"<p>{len(ctx)} contextoids, {ctx.n_relations} relations; "
        f"scales: {esc(', '.join(ctx.scales) or '-')}; fields: {esc(', '.join(ctx.fields) or '-')}"
        "</p>"
    )
    fields = list(ctx.fields)[:8]
    columns: dict[str, list[Any]] = {"id": ids, "contextoid": [repr(ctx[i]) for i in ids]}
    for name in fields:
        columns[name] = [_field(ctx, i, name) for i in ids]
    more = len(ctx) - len(ids)
    tail = f"<p>... {more} more contextoids</p>" if more > 0 else ""
    title = f"Context {esc(repr(ctx.id))} {esc(repr(ctx.name))}"
    return _box(title, summary + table(columns, max_rows=MAX_ROWS) + tail)


def _field(ctx: Any, node: Any, name: str) -> Any:
    try:
        return ctx.value(node, name)
    except Exception:  # noqa: BLE001 - a contextoid without this field shows blank
        return ""


__all__ = [
    "context_html",
    "effect_html",
    "esc",
    "graph_html",
    "graph_svg",
    "table",
    "tabular_html",
    "verdicts_of",
]
