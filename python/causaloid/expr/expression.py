"""The :class:`Expr` builder: Python operators over the engine's expression tree."""

from __future__ import annotations

from typing import Any, Union

from causaloid import _native

ExprLike = Union["Expr", bool, int, float]


def _wrap(native: Any, contexts: tuple[Any, ...] = ()) -> Expr:
    expr = Expr.__new__(Expr)
    expr._native = native
    expr._contexts = contexts
    return expr


def _joined(*exprs: Expr) -> tuple[Any, ...]:
    """The contexts several expressions hold, each once, in first-use order."""
    out: list[Any] = []
    for e in exprs:
        for c in e._contexts:
            if not any(c is d for d in out):
                out.append(c)
    return tuple(out)


def _to_expr(x: ExprLike, name: str = "operand") -> Expr:
    if isinstance(x, Expr):
        return x
    if isinstance(x, (bool, int, float)) or type(x).__module__ == "numpy":
        try:
            return lit(x)
        except TypeError:
            pass
    raise TypeError(f"{name} must be an Expr, a bool or a number; got {type(x).__name__} {x!r:.40}")


class Expr:
    """A native causal expression.

    Build expressions with :func:`col`, :func:`value` and :func:`lit`, and
    combine them with ``+ - * /``, comparisons, ``&`` (and / min), ``|``
    (or / max) and ``~`` (not / 1 - x). Booleans and numbers mix as in NumPy:
    ``True`` is 1.0. A comparison involving NaN is false; ``&``, ``|``,
    :func:`min` and :func:`max` propagate NaN (so a missing reading is never a
    silent verdict).

    Examples
    --------
    >>> e = (col("x") * 2 > value()) | col("y").between(0, 1)
    >>> print(e)
    (((col("x") * 2.0) > value()) | col("y").between(0.0, 1.0))
    >>> e.columns
    ['x', 'y']
    >>> Expr.from_json(e.to_json()).equals(e)
    True
    """

    __slots__ = ("_contexts", "_native")
    _native: Any
    # The Context objects its reads were built with (``context=ctx``), so a
    # causaloid holding the expression holds them too.
    _contexts: tuple[Any, ...]

    def __init__(self) -> None:
        raise TypeError("build expressions with cl.expr.col(), cl.expr.value() or cl.expr.lit()")

    # --- arithmetic ---
    def _binary(self, op: str, other: ExprLike, reflected: bool = False) -> Expr:
        o = _to_expr(other)
        a, b = (o, self) if reflected else (self, o)
        return _wrap(_native.Expr.binary(op, a._native, b._native), _joined(a, b))

    def __add__(self, other: ExprLike) -> Expr:
        return self._binary("add", other)

    def __radd__(self, other: ExprLike) -> Expr:
        return self._binary("add", other, True)

    def __sub__(self, other: ExprLike) -> Expr:
        return self._binary("sub", other)

    def __rsub__(self, other: ExprLike) -> Expr:
        return self._binary("sub", other, True)

    def __mul__(self, other: ExprLike) -> Expr:
        return self._binary("mul", other)

    def __rmul__(self, other: ExprLike) -> Expr:
        return self._binary("mul", other, True)

    def __truediv__(self, other: ExprLike) -> Expr:
        return self._binary("div", other)

    def __rtruediv__(self, other: ExprLike) -> Expr:
        return self._binary("div", other, True)

    def __neg__(self) -> Expr:
        return _wrap(_native.Expr.unary("neg", self._native), self._contexts)

    def __abs__(self) -> Expr:
        return self.abs()

    # --- comparisons ---
    def __lt__(self, other: ExprLike) -> Expr:
        return self._binary("lt", other)

    def __le__(self, other: ExprLike) -> Expr:
        return self._binary("le", other)

    def __gt__(self, other: ExprLike) -> Expr:
        return self._binary("gt", other)

    def __ge__(self, other: ExprLike) -> Expr:
        return self._binary("ge", other)

    def __eq__(self, other: object) -> Expr:  # type: ignore[override]
        return self._binary("eq", other)  # type: ignore[arg-type]

    def __ne__(self, other: object) -> Expr:  # type: ignore[override]
        return self._binary("ne", other)  # type: ignore[arg-type]

    __hash__ = None  # type: ignore[assignment]

    # --- logic ---
    def __and__(self, other: ExprLike) -> Expr:
        return self._binary("and", other)

    def __rand__(self, other: ExprLike) -> Expr:
        return self._binary("and", other, True)

    def __or__(self, other: ExprLike) -> Expr:
        return self._binary("or", other)

    def __ror__(self, other: ExprLike) -> Expr:
        return self._binary("or", other, True)

    def __xor__(self, other: ExprLike) -> Expr:
        """Exclusive or: ``a != b`` on bools, ``max(min(a, 1-b), min(1-a, b))``
        on degrees.

        >>> print(col("a") ^ col("b"))
        (col("a") ^ col("b"))
        """
        return self._binary("xor", other)

    def __rxor__(self, other: ExprLike) -> Expr:
        return self._binary("xor", other, True)

    def __invert__(self) -> Expr:
        return _wrap(_native.Expr.unary("not", self._native), self._contexts)

    def __bool__(self) -> bool:
        raise TypeError(
            "an Expr has no truth value until the engine evaluates it; combine expressions "
            "with & | ~ instead of and / or / not"
        )

    # --- methods ---
    def abs(self) -> Expr:
        """Absolute value.

        >>> print(col("x").abs())
        abs(col("x"))
        """
        return _wrap(_native.Expr.unary("abs", self._native), self._contexts)

    def is_nan(self) -> Expr:
        """True where the value is NaN (a missing reading).

        >>> print(col("x").is_nan())
        col("x").is_nan()
        """
        return _wrap(_native.Expr.unary("is_nan", self._native), self._contexts)

    def between(self, low: ExprLike, high: ExprLike) -> Expr:
        """``low <= self <= high``.

        >>> print(col("t").between(20, 25))
        col("t").between(20.0, 25.0)
        """
        lo, hi = _to_expr(low, "low"), _to_expr(high, "high")
        native = _native.Expr.between(self._native, lo._native, hi._native)
        return _wrap(native, _joined(self, lo, hi))

    def min(self, other: ExprLike) -> Expr:
        """Elementwise minimum (NaN propagates)."""
        return self._binary("min", other)

    def max(self, other: ExprLike) -> Expr:
        """Elementwise maximum (NaN propagates)."""
        return self._binary("max", other)

    # --- introspection and serialisation ---
    @property
    def columns(self) -> list[str]:
        """Names of the columns the expression reads, in first-use order."""
        return list(self._native.columns())

    @property
    def reads_value(self) -> bool:
        """Whether the expression reads the incoming value."""
        return bool(self._native.reads_value())

    @property
    def nodes(self) -> list[Any]:
        """Ids of the graph nodes the expression reads with :func:`node`."""
        return list(self._native.nodes())

    @property
    def reads(self) -> list[str]:
        """The context reads, in words (``"close of the previous day ..."``)."""
        return [text for _, text in self._native.reads()]

    @property
    def contexts(self) -> list[Any]:
        """The :class:`~causaloid.Context` objects its reads were built with."""
        return list(self._contexts)

    def equals(self, other: Expr) -> bool:
        """Structural equality (``==`` builds a comparison expression instead)."""
        return isinstance(other, Expr) and bool(self._native.equals(other._native))

    def to_json(self) -> str:
        """The documented JSON form, e.g. ``{"binary":["gt",{"col":"x"},{"lit":0.5}]}``."""
        return str(self._native.to_json())

    @classmethod
    def from_json(cls, text: str) -> Expr:
        """Read an expression from its JSON form."""
        return _wrap(_native.Expr.from_json(text))

    def __str__(self) -> str:
        return str(self._native)

    def __repr__(self) -> str:
        return f"<Expr {self}>"

    def __reduce__(self) -> tuple[Any, ...]:
        if self._contexts:
            return (_with_contexts, (self.to_json(), self._contexts))
        return (Expr.from_json, (self.to_json(),))


def _with_contexts(text: str, contexts: tuple[Any, ...]) -> Expr:
    e = Expr.from_json(text)
    e._contexts = tuple(contexts)
    return e


def col(name: str) -> Expr:
    """The column ``name`` of the observation.

    >>> print(col("pressure") >= 2.5)
    (col("pressure") >= 2.5)
    """
    if not isinstance(name, str):
        raise TypeError(f"column name must be a str, got {type(name).__name__}")
    return _wrap(_native.Expr.col(name))


def value() -> Expr:
    """The incoming value: the observation at a root, the join of the parents'
    verdicts further down a graph.

    >>> print(value() > 0.5)
    (value() > 0.5)
    """
    return _wrap(_native.Expr.value())


def lit(v: bool | float) -> Expr:
    """A literal boolean or number.

    >>> print(lit(True) & value())
    (True & value())
    """
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return _wrap(_native.Expr.lit(bool(v)))
    return _wrap(_native.Expr.lit(float(v)))


def min(a: ExprLike, b: ExprLike) -> Expr:  # noqa: A001 - mirrors the expression name
    """Elementwise minimum of two expressions.

    >>> print(min(col("a"), 1))
    min(col("a"), 1.0)
    """
    return _to_expr(a).min(b)


def max(a: ExprLike, b: ExprLike) -> Expr:  # noqa: A001
    """Elementwise maximum of two expressions.

    >>> print(max(col("a"), col("b")))
    max(col("a"), col("b"))
    """
    return _to_expr(a).max(b)


def node(id: int | str) -> Expr:
    """The value of the parent node ``id`` in a graph: a number, a bool or a
    degree, as that node decided it (``value()`` is the join of all parents).

    >>> print(node("dose") * 2 - node("baseline"))
    ((node("dose") * 2.0) - node("baseline"))
    """
    if isinstance(id, bool) or not isinstance(id, (int, str)):
        raise TypeError(f"a node id must be an int or a str; got {type(id).__name__}")
    return _wrap(_native.Expr.node(id))


def _context_arg(context: Any) -> tuple[str, tuple[Any, ...]]:
    """(name, held contexts) of a read's ``context=``: a Context, a name or None."""
    from causaloid.context.context import Context
    from causaloid.context.errors import ContextArgumentError

    if context is None:
        return "", ()
    if isinstance(context, Context):
        return context.name, (context,)
    if isinstance(context, str) and context:
        return context, ()
    raise ContextArgumentError(
        f"context must be a Context or a non-empty name; got {context!r}",
        {"context": repr(context)},
    )


def ctx_value(node_id: int | str, field: str = "value", context: Any = None) -> Expr:
    """``field`` of one contextoid (a Data node's ``"value"`` by default).

    ``context`` is a :class:`~causaloid.Context`, its name, or None for the
    context of the causaloid that holds the expression. The engine fills the
    read from the context the structure holds, in every consumer.

    Examples
    --------
    >>> from causaloid import expr as E
    >>> print(E.col("close") > E.ctx_value("threshold", context="btc"))
    (col("close") > ctx_value("threshold", "value", context="btc"))
    """
    if isinstance(node_id, bool) or not isinstance(node_id, (int, str)):
        raise TypeError(f"a contextoid id must be an int or a str; got {node_id!r}")
    name, held = _context_arg(context)
    return _wrap(_native.Expr.ctx_value(name, node_id, str(field)), held)


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
    ctx_window("month", "high", "max", -12, 0, at="time", context="btc")
    """
    if not isinstance(field, str) or not field:
        from causaloid.context.errors import ContextArgumentError

        raise ContextArgumentError(
            f"field must be a non-empty str; got {field!r}", {"field": field}
        )
    name, held = _context_arg(context)
    native = _native.Expr.ctx_window(name, scale, field, how, int(start), int(stop), at)
    return _wrap(native, held)


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
    (ctx_window("day", "close", "last", -1, 0, context="btc") > 50000.0)
    """
    offset = int(offset)
    return ctx_window(scale, field, "last", offset, offset + 1, at=at, context=context)
