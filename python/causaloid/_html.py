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


def _colour(verdict: Any) -> str:
    if verdict is None:
        return _UNKNOWN
    try:
        return _ACTIVE if float(verdict) >= 0.5 else _INACTIVE
    except (TypeError, ValueError):
        return _UNKNOWN


def _verdict_text(verdict: Any) -> str:
    if isinstance(verdict, bool):
        return str(verdict).lower()
    if isinstance(verdict, float):
        return f"{verdict:.3g}"
    return str(verdict)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


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
    "table",
    "tabular_html",
]
