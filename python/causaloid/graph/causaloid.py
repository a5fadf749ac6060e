"""The :class:`Causaloid`: one unit of causality."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from causaloid import _native
from causaloid.context.context import Context
from causaloid.context.reads import bind_expression, with_context_argument
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
    context : Context, optional
        Makes the causaloid contextual: ``fn`` is then called as
        ``fn(value, ctx)`` (or ``fn(value, row, ctx)``), and the context reads
        of ``expr`` (``cl.expr.ctx_time`` ...) that name no context read this one.
    decide : causaloid.uncertain.SPRT, optional
        How an uncertain bool is decided when the function meets a
        ``cl.Uncertain`` (default: more likely than not at confidence 0.95).

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

    __slots__ = (
        "_adapter",
        "_context",
        "_decide",
        "_description",
        "_expr",
        "_fn",
        "_id",
        "_native",
    )

    def __init__(
        self,
        id: NodeId,
        description: str = "",
        *,
        fn: Callable[..., Any] | None = None,
        expr: Expr | None = None,
        context: Context | None = None,
        decide: Any = None,
    ) -> None:
        self._id = check_id(id)
        if not isinstance(description, str):
            raise TypeError(f"description must be a str, got {type(description).__name__}")
        self._description = description
        if (fn is None) == (expr is None):
            raise TypeError(
                "give exactly one of fn= (a Python callable) or expr= (a cl.expr expression)"
            )
        if context is not None and not isinstance(context, Context):
            raise TypeError(f"context must be a cl.Context, got {type(context).__name__}")
        self._context = context
        self._fn = fn
        if decide is not None:
            from causaloid.uncertain.causal import SPRT

            if not isinstance(decide, SPRT):
                raise TypeError(f"decide must be a cl.uncertain.SPRT, got {type(decide).__name__}")
        self._decide = decide
        self._adapter: CallableAdapter | None = None
        if expr is not None:
            if not isinstance(expr, Expr):
                raise TypeError(f"expr must be a cl.expr expression, got {type(expr).__name__}")
            expr = bind_expression(expr, context, self._id)
        self._expr = expr
        if expr is not None:
            self._native = _native.Member.causaloid_expr(self._id, description, expr._native)
        else:
            if not callable(fn):
                raise TypeError(f"fn must be callable, got {type(fn).__name__}")
            adapter = CallableAdapter(
                with_context_argument(fn, context), decide=decide, node_id=self._id
            )
            self._adapter = adapter
            self._native = _native.Member.causaloid_fn(self._id, description, adapter, label_of(fn))

    def _member(self) -> Any:
        return self._native

    @property
    def fn(self) -> Callable[..., Any] | None:
        """The Python causal function, if the causaloid has one."""
        return self._fn

    @property
    def decide(self) -> Any:
        """The SPRT parameters that decide uncertain outputs (None: the defaults)."""
        return self._decide

    @property
    def context(self) -> Context | None:
        """The context a contextual causaloid reads (None otherwise)."""
        return self._context

    @property
    def expr(self) -> Expr | None:
        """The native expression, if the causaloid has one."""
        return self._expr

    def __repr__(self) -> str:
        how = f"expr={self._expr}" if self._expr is not None else f"fn={label_of(self._fn)}"  # type: ignore[arg-type]
        return f"Causaloid({self._id!r}, {self._description!r}, {how})"

    def __reduce__(self) -> tuple[Any, ...]:
        state = (self._id, self._description, self._fn, self._expr, self._context, self._decide)
        return (_rebuild, state)


def _rebuild(
    id: NodeId, description: str, fn: Any, expr: Any, context: Any = None, decide: Any = None
) -> Causaloid:
    return Causaloid(id, description, fn=fn, expr=expr, context=context, decide=decide)
