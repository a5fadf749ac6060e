"""The :class:`Expr` builder: Python operators over the engine's expression tree."""

from __future__ import annotations

from typing import Any, Union

from causaloid import _native

ExprLike = Union["Expr", bool, int, float]


def _wrap(native: Any) -> Expr:
    expr = Expr.__new__(Expr)
    expr._native = native
    return expr


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

    __slots__ = ("_native",)
    _native: Any

    def __init__(self) -> None:
        raise TypeError("build expressions with cl.expr.col(), cl.expr.value() or cl.expr.lit()")

    # --- arithmetic ---
    def _binary(self, op: str, other: ExprLike, reflected: bool = False) -> Expr:
        o = _to_expr(other)
        a, b = (o, self) if reflected else (self, o)
        return _wrap(_native.Expr.binary(op, a._native, b._native))

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
        return _wrap(_native.Expr.unary("neg", self._native))

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

    def __invert__(self) -> Expr:
        return _wrap(_native.Expr.unary("not", self._native))

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
        return _wrap(_native.Expr.unary("abs", self._native))

    def is_nan(self) -> Expr:
        """True where the value is NaN (a missing reading).

        >>> print(col("x").is_nan())
        col("x").is_nan()
        """
        return _wrap(_native.Expr.unary("is_nan", self._native))

    def between(self, low: ExprLike, high: ExprLike) -> Expr:
        """``low <= self <= high``.

        >>> print(col("t").between(20, 25))
        col("t").between(20.0, 25.0)
        """
        lo, hi = _to_expr(low, "low"), _to_expr(high, "high")
        return _wrap(_native.Expr.between(self._native, lo._native, hi._native))

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
        return (Expr.from_json, (self.to_json(),))


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
