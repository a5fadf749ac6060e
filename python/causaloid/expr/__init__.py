"""Native causal expressions: composable, printable, serialisable.

Build them like polars expressions; the engine compiles and evaluates them
without calling Python, one row at a time or vectorised over a batch.

>>> from causaloid import expr as E
>>> hot = (E.col("temp") > 30.0) & ~E.col("door_open").is_nan()
>>> print(hot)
((col("temp") > 30.0) & ~col("door_open").is_nan())
"""

from causaloid.expr.expression import (
    Expr,
    col,
    ctx_distance,
    ctx_time,
    ctx_value,
    ctx_window,
    lit,
    max,
    min,
    node,
    state,
    value,
)

__all__ = [
    "Expr",
    "col",
    "ctx_distance",
    "ctx_time",
    "ctx_value",
    "ctx_window",
    "lit",
    "max",
    "min",
    "node",
    "state",
    "value",
]
