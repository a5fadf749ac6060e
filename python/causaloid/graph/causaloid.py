"""The :class:`Causaloid`: one unit of causality."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from causaloid import _native
from causaloid.expr import Expr
from causaloid.graph._adapter import CallableAdapter, label_of
from causaloid.graph._base import Causal, NodeId, check_id


class Causaloid(Causal):
    """One unit of causality: an id, a description and a causal function.

    Parameters
    ----------
    id : int or str
        Unique within any graph or collection the causaloid joins.
    description : str
        What the causaloid decides, in words (used in explanations).
    fn : callable, optional
        A Python causal function ``fn(value)`` or ``fn(value, row)``
        returning a bool, a degree in [0, 1], or :class:`~causaloid.Relay`.
        In a batch it is called once, with arrays.
    expr : Expr, optional
        A native expression (:mod:`causaloid.expr`) the engine evaluates
        without Python. Give exactly one of ``fn`` and ``expr``.

    Examples
    --------
    >>> from causaloid import expr as E
    >>> hot = Causaloid("hot", "temperature above 30", expr=E.col("temp") > 30)
    >>> hot.evaluate({"temp": 35.0}).value
    True
    >>> smoky = Causaloid("smoky", "smoke above 0.2", fn=lambda v: v > 0.2)
    >>> smoky.evaluate(0.5).value
    True
    >>> print(hot.explain({"temp": 25.0}))
    causaloid "hot" "temperature above 30": (col("temp") > 30.0) on temp=25 -> false
    Final verdict: false
    """

    __slots__ = ("_description", "_expr", "_fn", "_id", "_native")

    def __init__(
        self,
        id: NodeId,
        description: str = "",
        *,
        fn: Callable[..., Any] | None = None,
        expr: Expr | None = None,
    ) -> None:
        self._id = check_id(id)
        if not isinstance(description, str):
            raise TypeError(f"description must be a str, got {type(description).__name__}")
        self._description = description
        if (fn is None) == (expr is None):
            raise TypeError(
                "give exactly one of fn= (a Python callable) or expr= (a cl.expr expression)"
            )
        self._fn = fn
        self._expr = expr
        if expr is not None:
            if not isinstance(expr, Expr):
                raise TypeError(f"expr must be a cl.expr expression, got {type(expr).__name__}")
            self._native = _native.Member.causaloid_expr(self._id, description, expr._native)
        else:
            if not callable(fn):
                raise TypeError(f"fn must be callable, got {type(fn).__name__}")
            adapter = CallableAdapter(fn)
            self._native = _native.Member.causaloid_fn(self._id, description, adapter, label_of(fn))

    def _member(self) -> Any:
        return self._native

    @property
    def fn(self) -> Callable[..., Any] | None:
        """The Python causal function, if the causaloid has one."""
        return self._fn

    @property
    def expr(self) -> Expr | None:
        """The native expression, if the causaloid has one."""
        return self._expr

    def __repr__(self) -> str:
        how = f"expr={self._expr}" if self._expr is not None else f"fn={label_of(self._fn)}"  # type: ignore[arg-type]
        return f"Causaloid({self._id!r}, {self._description!r}, {how})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self._id, self._description, self._fn, self._expr))


def _rebuild(id: NodeId, description: str, fn: Any, expr: Any) -> Causaloid:
    return Causaloid(id, description, fn=fn, expr=expr)
