"""The bridge the engine calls for causal functions written in Python.

It inspects the function once (``fn(value)`` or ``fn(value, row)``) and turns
whatever the function returns into the tagged tuples the bindings read, so the
engine never sees an arbitrary Python object.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from causaloid.effect import Effect
from causaloid.graph.relay import Relay
from causaloid.uncertain.uncertain import Uncertain

DECIDED, RELAYED, INVALID = 0, 1, 2


def positional_arity(fn: Callable[..., Any]) -> int:
    """How many positional arguments ``fn`` takes (``*args`` counts as many)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return 1
    kinds = [p.kind for p in sig.parameters.values()]
    if inspect.Parameter.VAR_POSITIONAL in kinds:
        return 99
    return sum(
        k in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for k in kinds
    )


def describe(out: Any) -> str:
    text = repr(out)
    return f"{type(out).__name__} {text[:60]}"


def label_of(fn: Callable[..., Any]) -> str:
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__
    return f"python function {name}"


class CallableAdapter:
    """Calls a user's causal function on one row or on a whole batch."""

    __slots__ = ("decide", "fn", "node_id", "with_row")

    def __init__(self, fn: Callable[..., Any], decide: Any = None, node_id: Any = None) -> None:
        arity = positional_arity(fn)
        if arity == 0:
            raise TypeError(
                f"{label_of(fn)} must accept the incoming value: fn(value) or fn(value, row)"
            )
        self.fn = fn
        self.with_row = arity >= 2
        # An uncertain bool returned by fn is decided by SPRT with these parameters.
        self.decide = decide
        self.node_id = node_id

    def _invoke(self, value: Any, row: Any) -> Any:
        return self.fn(value, row) if self.with_row else self.fn(value)

    def call(self, value: Any, row: Any) -> tuple[Any, ...]:
        out = self._invoke(value, row)
        if isinstance(out, Effect):
            if out.error is not None:
                raise out.error
            out = out.value
        if isinstance(out, Relay):
            rv = out.value
            rv = bool(rv) if isinstance(rv, (bool, np.bool_)) else rv
            return (RELAYED, out.target, rv)
        if isinstance(out, (bool, np.bool_)):
            return (DECIDED, bool(out))
        if isinstance(out, numbers.Real):
            return (DECIDED, float(out))
        if isinstance(out, Uncertain) and out.is_bool:
            from causaloid.uncertain.causal import decide

            return (DECIDED, decide(self.node_id, out, self.decide))
        return (INVALID, describe(out))

    def call_at(self, value: Any, columns: Any, i: int) -> tuple[Any, ...]:
        """:meth:`call` on row ``i`` of a batch whose columns are ``columns``
        (a row the engine decides alone: a missing input, or a NaN result
        under ``missing="propagate"``)."""
        row = None
        if self.with_row and columns is not None:
            row = {name: _cell(values, i) for name, values in columns.items()}
        return self.call(value, row)

    def call_batch(self, values: Any, columns: Any, n: int) -> Any:
        out = self._invoke(values, columns)
        if isinstance(out, Relay):
            return (INVALID, "a Relay (relays are not supported in batch evaluation)")
        if isinstance(out, Uncertain):
            return (INVALID, "an Uncertain (decide uncertain values one observation at a time)")
        arr = np.asarray(out)
        if arr.ndim == 0:
            arr = np.full(n, arr.item(), dtype=arr.dtype)
        if arr.ndim != 1:
            return (INVALID, f"an array of shape {arr.shape}")
        if arr.dtype == np.bool_:
            return np.ascontiguousarray(arr)
        if arr.dtype.kind in "iuf":
            return np.ascontiguousarray(arr, dtype=np.float64)
        return (INVALID, f"an array of dtype {arr.dtype}")


def _cell(values: Any, i: int) -> Any:
    """Cell ``i`` of a batch column as a plain Python value (what a row
    mapping passed to ``evaluate`` holds)."""
    cell = values[i]
    return cell.item() if isinstance(cell, np.generic) else cell


def with_context_argument(fn: Any, context: Any) -> Any:
    """A contextual causal function ``fn(value, ctx)`` / ``fn(value, row, ctx)``
    as the ``fn(value)`` / ``fn(value, row)`` the engine calls."""
    if context is None:
        return fn
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
