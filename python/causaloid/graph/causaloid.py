"""The :class:`Causaloid`: one unit of causality."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from causaloid import _native
from causaloid.context.context import Context
from causaloid.expr import Expr
from causaloid.graph._adapter import CallableAdapter, label_of, with_context_argument
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
        returning a number, a bool, a degree in [0, 1], or
        :class:`~causaloid.Relay`. In a batch (and on uncertain inputs, with
        their samples) it is called once, with arrays.
    expr : Expr, optional
        A native expression (:mod:`causaloid.expr`) the engine evaluates
        without Python. Give exactly one of ``fn`` and ``expr``.
    context : Context, optional
        Makes the causaloid contextual: ``fn`` is then called as
        ``fn(value, ctx)`` (or ``fn(value, row, ctx)``), and the context reads
        of ``expr`` (``cl.expr.ctx_time`` ...) that name no context read this
        one. The causaloid holds the context (and every context its reads were
        built with); the engine fills the reads from them in every consumer.
    decide : causaloid.uncertain.SPRT, optional
        How a bool it decides on uncertain inputs is decided (default: more
        likely than not at confidence 0.95, at most 10 000 samples).

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
    Why: false because temp 25 is not above 30.
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
        sprt = None if decide is None else decide.params
        if expr is not None:
            if not isinstance(expr, Expr):
                raise TypeError(f"expr must be a cl.expr expression, got {type(expr).__name__}")
            unbound = [text for name, text in expr._native.reads() if not name]
            if unbound and context is None:
                from causaloid.context.errors import MissingContextError

                raise MissingContextError(
                    f"causaloid {self._id!r} reads a context ({unbound[0]}) but has none: "
                    "pass context= to the Causaloid or name the context in the read",
                    {"node_id": self._id, "read": unbound[0]},
                )
            held = [] if context is None else [context]
            held += [c for c in expr.contexts if not any(c is h for h in held)]
            self._native = _native.Member.causaloid_expr(
                self._id, description, expr._native, [c._core for c in held], sprt
            )
        else:
            if not callable(fn):
                raise TypeError(f"fn must be callable, got {type(fn).__name__}")
            adapter = CallableAdapter(
                with_context_argument(fn, context), decide=decide, node_id=self._id
            )
            self._adapter = adapter
            self._native = _native.Member.causaloid_fn(
                self._id, description, adapter, label_of(fn), sprt
            )
        self._expr = expr

    def _member(self) -> Any:
        return self._native

    @classmethod
    def _from_native(cls, member: Any) -> Causaloid:
        """Wraps a native expression causaloid (read by the engine)."""
        from causaloid.context.context import Context
        from causaloid.expr.expression import _wrap

        c = cls.__new__(cls)
        c._id = member.id
        c._description = member.description
        contexts = tuple(Context._wrap(core) for core in member.contexts())
        c._expr = _wrap(member.expr(), contexts)
        c._context = None
        c._fn = None
        c._decide = None
        c._adapter = None
        c._native = member
        return c

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
    def contexts(self) -> list[Any]:
        """The contexts it holds: its own and those its reads were built with."""
        out = [] if self._context is None else [self._context]
        for c in self._expr.contexts if self._expr is not None else ():
            if not any(c is d for d in out):
                out.append(c)
        return out

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
