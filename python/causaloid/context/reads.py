"""Native context reads inside expressions.

``cl.expr.ctx_value``, ``cl.expr.ctx_time`` and ``cl.expr.ctx_window`` build
expressions that read a context: each becomes a *context column* named by a
small grammar (``ctx:market/month.high.max[-1:0]@time``). Before an
evaluation, the engine fills every context column from its context with one
vectorised native call (a binary search per row in the sorted time index), so
a context-aware graph runs over a batch without Python in the loop, and the
expression prints, serialises and explains like any other.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from causaloid.context.errors import ContextArgumentError, MissingContextError
from causaloid.context.timestamps import check_scale

if TYPE_CHECKING:
    from causaloid.context.context import Context
    from causaloid.expr import Expr

PREFIX = "ctx:"
_HOWS = "first|last|min|max|sum|mean"
_WINDOW = re.compile(
    rf"^ctx:(?P<ctx>[^/]*)/(?P<scale>[a-z_]+)\.(?P<field>.+)\.(?P<how>{_HOWS})"
    r"\[(?P<start>-?\d+):(?P<stop>-?\d+)\](?:@(?P<at>.+))?$"
)
_NODE = re.compile(r"^ctx:(?P<ctx>[^/]*)/node\((?P<id>-?\d+|'(?:[^'\\]|\\.)*')\)\.(?P<field>.+)$")

# Set once any context read is built, so evaluations of graphs without any
# skip the look for context columns entirely.
_seen_reads = False


@dataclass(frozen=True)
class WindowRead:
    context: str
    scale: str | None
    field: str
    how: str
    start: int
    stop: int
    at: str | None


@dataclass(frozen=True)
class NodeRead:
    context: str
    node_id: int | str
    field: str


def _col(name: str) -> Expr:
    global _seen_reads
    from causaloid.expr import col

    _seen_reads = True
    return col(name)


def _context_name(context: Any) -> str:
    if context is None:
        return ""
    name = context if isinstance(context, str) else getattr(context, "name", None)
    if not isinstance(name, str) or "/" in name or not name:
        raise ContextArgumentError(
            f"context must be a Context or a non-empty name without '/'; got {context!r}",
            {"context": repr(context)},
        )
    return name


def ctx_window(
    scale: str | None,
    field: str,
    how: str = "last",
    start: int = 0,
    stop: int = 1,
    at: str | None = None,
    context: Any = None,
) -> Expr:
    """An aggregate of ``field`` over time contextoids of ``scale``, counted
    from the latest one at or before the row's time.

    ``how`` is first, last, min, max, sum or mean over the contextoids at
    positions ``anchor + start`` up to (not including) ``anchor + stop``;
    ``anchor`` is the latest contextoid of ``scale`` at or before the value of
    column ``at`` (seconds since 1970-01-01 UTC), or the latest of all when
    ``at`` is None. Outside the context's history the read is NaN.
    ``context`` is a Context or its name; None means the causaloid's own.

    Examples
    --------
    >>> from causaloid import expr as E
    >>> print(E.ctx_window("month", "high", "max", -12, 0, at="time", context="btc"))
    col("ctx:btc/month.high.max[-12:0]@time")
    """
    check_scale(scale)
    if how not in _HOWS.split("|"):
        raise ContextArgumentError(
            f"unknown aggregation {how!r} (expected {_HOWS.replace('|', ', ')})", {"how": how}
        )
    if not isinstance(field, str) or not field:
        raise ContextArgumentError(
            f"field must be a non-empty str; got {field!r}", {"field": field}
        )
    start, stop = int(start), int(stop)
    scale_name = "space_time" if scale is None else scale
    tail = "" if at is None else f"@{at}"
    return _col(
        f"{PREFIX}{_context_name(context)}/{scale_name}.{field}.{how}[{start}:{stop}]{tail}"
    )


def ctx_time(
    scale: str | None, field: str, at: str | None = None, offset: int = 0, context: Any = None
) -> Expr:
    """``field`` of the time contextoid of ``scale`` that is latest at the
    row's time (column ``at``; the latest of all when None), moved ``offset``
    contextoids along the scale (``-1``: the previous period).

    Examples
    --------
    >>> from causaloid import expr as E
    >>> print(E.ctx_time("day", "close", offset=-1, context="btc") > 50_000)
    (col("ctx:btc/day.close.last[-1:0]") > 50000.0)
    """
    offset = int(offset)
    return ctx_window(scale, field, "last", offset, offset + 1, at=at, context=context)


def ctx_value(node_id: int | str, field: str = "value", context: Any = None) -> Expr:
    """``field`` of one contextoid (a Data node's ``"value"`` by default).

    Examples
    --------
    >>> from causaloid import expr as E
    >>> print(E.col("close") > E.ctx_value("threshold", context="btc"))
    (col("close") > col("ctx:btc/node('threshold').value"))
    """
    if isinstance(node_id, bool) or not isinstance(node_id, (int, str)):
        raise TypeError(f"a contextoid id must be an int or a str; got {node_id!r}")
    return _col(f"{PREFIX}{_context_name(context)}/node({_encode_id(node_id)}).{field}")


def _encode_id(node_id: int | str) -> str:
    if isinstance(node_id, int):
        return str(node_id)
    return "'" + node_id.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _decode_id(text: str) -> int | str:
    if text.startswith("'"):
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return int(text)


def parse(name: str) -> WindowRead | NodeRead | None:
    """The read a context column stands for (None for an ordinary column)."""
    if not name.startswith(PREFIX):
        return None
    m = _WINDOW.match(name)
    if m:
        scale = None if m["scale"] == "space_time" else m["scale"]
        return WindowRead(
            m["ctx"], scale, m["field"], m["how"], int(m["start"]), int(m["stop"]), m["at"]
        )
    m = _NODE.match(name)
    if m:
        return NodeRead(m["ctx"], _decode_id(m["id"]), m["field"])
    return None


def bind_expression(expr: Expr, context: Context | None, node_id: Any) -> Expr:
    """Give the unbound context reads of a causaloid's expression (``context=None``
    in the builder) the causaloid's own context."""
    unbound = [c for c in expr.columns if c.startswith(PREFIX + "/")]
    if not unbound:
        return expr
    if context is None:
        raise MissingContextError(
            f"causaloid {node_id!r} reads a context ({unbound[0]}) but has none: "
            "pass context= to the Causaloid or name the context in the read",
            {"node_id": node_id, "column": unbound[0]},
        )
    from causaloid.expr import Expr as _Expr

    name = json.dumps(_context_name(context))[1:-1]
    text = expr.to_json().replace(f'"{PREFIX}/', f'"{PREFIX}{name}/')
    return _Expr.from_json(text)


def contexts_of(causal: Any, found: dict[str, Context] | None = None) -> dict[str, Context]:
    """The contexts of the causaloids inside ``causal``, by name."""
    found = {} if found is None else found
    ctx = getattr(causal, "_context", None)
    if ctx is not None:
        if found.get(ctx.name, ctx) is not ctx:
            raise ContextArgumentError(
                f"two different contexts are named {ctx.name!r} in one structure; "
                "give them distinct names",
                {"context": ctx.name},
            )
        found[ctx.name] = ctx
    members = getattr(causal, "_members", None)
    if isinstance(members, Mapping):
        members = list(members.values())
    for m in members or ():
        contexts_of(m, found)
    return found


def fill_columns(
    names: list[str],
    contexts: Mapping[str, Context],
    columns: Mapping[str, Any],
    n: int,
    node_hint: Any = None,
) -> dict[str, np.ndarray]:
    """Compute every context column in ``names`` over ``n`` rows of ``columns``.

    Window reads of one context, scale and anchor column share one native call
    (one anchor search per row for all of them)."""
    out: dict[str, np.ndarray] = {}
    groups: dict[tuple[str, str | None, str | None], list[tuple[str, WindowRead]]] = {}
    # One version of each context for the whole evaluation, even if another
    # thread updates it meanwhile.
    views: dict[str, Any] = {}
    for name in names:
        read = parse(name)
        if read is None:
            continue
        if read.context not in views:
            views[read.context] = _context_for(read.context, contexts, name, node_hint)._core
            views[read.context] = views[read.context].snapshot_view()
        if isinstance(read, NodeRead):
            out[name] = np.full(n, views[read.context].value(read.node_id, read.field))
        else:
            groups.setdefault((read.context, read.scale, read.at), []).append((name, read))
    for (context, scale, at_column), reads in groups.items():
        core = views[context]
        if at_column is None:
            at = np.full(n, np.inf)
        else:
            if at_column not in columns:
                from causaloid.errors import UnknownColumnError

                raise UnknownColumnError(
                    f"unknown column {at_column!r}, the time a context read is anchored at "
                    f"({reads[0][0]})",
                    {"column": at_column},
                )
            at = np.ascontiguousarray(columns[at_column], dtype=np.float64).reshape(-1)
        specs = [(r.field, r.how, r.start, r.stop) for _, r in reads]
        arrays = core.window_aggregates(scale, at, specs)
        out.update({name: arr for (name, _), arr in zip(reads, arrays)})
    return out


def _context_for(
    name: str, contexts: Mapping[str, Context], column: str, node_hint: Any
) -> Context:
    ctx = contexts.get(name)
    if ctx is None:
        from causaloid.context.errors import UnknownContextError

        raise UnknownContextError(
            f"the expression reads context {name!r}, which is not attached "
            f"(attached: {', '.join(sorted(contexts)) or 'none'})",
            {"context": name, "column": column, "node_id": node_hint},
        )
    return ctx


def with_context(causal: Any, row: Any, contexts: Mapping[str, Context] | None = None) -> Any:
    """``row`` (a mapping of one observation, or None) with the context columns
    ``causal`` reads filled in; untouched when it reads none."""
    if not _seen_reads:
        return row
    base: dict[str, Any] = {} if row is None else dict(row)
    names = [c for c in _columns(causal) if c.startswith(PREFIX) and c not in base]
    if not names:
        return row
    single = {
        k: np.atleast_1d(np.asarray(v, dtype=np.float64)) for k, v in base.items() if _is_number(v)
    }
    ctxs = contexts if contexts is not None else contexts_of(causal)
    for name, arr in fill_columns(names, ctxs, single, 1, getattr(causal, "id", None)).items():
        base[name] = float(arr[0])
    return base


def with_context_batch(
    causal: Any,
    columns: dict[str, np.ndarray],
    n: int,
    contexts: Mapping[str, Context] | None = None,
) -> dict[str, np.ndarray]:
    """The batch ``columns`` with the context columns filled in."""
    if not _seen_reads:
        return columns
    names = [c for c in _columns(causal) if c.startswith(PREFIX) and c not in columns]
    if not names:
        return columns
    ctxs = contexts if contexts is not None else contexts_of(causal)
    filled = fill_columns(names, ctxs, columns, n, getattr(causal, "id", None))
    return {**columns, **filled}


def _columns(causal: Any) -> list[str]:
    try:
        return list(causal.columns)
    except Exception:  # an unfrozen graph has no column table yet; the engine says so later
        return []


def _is_number(v: Any) -> bool:
    return isinstance(v, (bool, int, float, np.number, np.bool_))


def with_context_argument(fn: Any, context: Context | None) -> Any:
    """A contextual causal function ``fn(value, ctx)`` / ``fn(value, row, ctx)``
    as the ``fn(value)`` / ``fn(value, row)`` the engine calls."""
    if context is None:
        return fn
    from causaloid.graph._adapter import label_of, positional_arity

    arity = positional_arity(fn)
    if arity < 2:
        raise TypeError(
            f"{label_of(fn)} of a contextual causaloid must accept the context: "
            "fn(value, ctx) or fn(value, row, ctx)"
        )
    if arity == 2:

        def with_ctx(value: Any) -> Any:
            return fn(value, context)

    else:

        def with_ctx(value: Any, row: Any) -> Any:  # type: ignore[misc]
            return fn(value, row, context)

    with_ctx.__qualname__ = getattr(fn, "__qualname__", "contextual function")
    return with_ctx
