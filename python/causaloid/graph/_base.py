"""The interface shared by causaloids, collections and graphs.

Each form wraps a native ``Member`` (a graph builds one when frozen); this
base class turns Python inputs into what the engine reads and its results into
:class:`~causaloid.Effect` objects and NumPy arrays.
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, Literal, Union

import numpy as np

from causaloid._table import n_rows, numeric, to_columns
from causaloid.context.reads import with_context, with_context_batch
from causaloid.effect import Effect
from causaloid.errors import ShapeError, UnknownColumnError
from causaloid.uncertain.causal import has_uncertain

NodeId = Union[int, str]
Errors = Literal["raise", "effect"]


def check_id(id: Any, what: str = "id") -> NodeId:
    """Validate a user-given id: an int or a str."""
    if isinstance(id, bool) or not isinstance(id, (int, str, np.integer)):
        raise TypeError(f"{what} must be an int or a str, got {type(id).__name__} {id!r:.40}")
    return int(id) if isinstance(id, np.integer) else id


def split_input(x: Any, value: Any) -> tuple[Any, Any]:
    """(incoming value, row mapping) from what the user passed."""
    if x is None:
        return _plain(value), None
    if isinstance(x, Mapping) or (hasattr(x, "keys") and hasattr(x, "__getitem__")):
        return _plain(value), x
    if isinstance(x, (bool, np.bool_, numbers.Real)):
        if value is not None:
            raise TypeError("pass the incoming value once: evaluate(x) or evaluate(row, value=x)")
        return _plain(x), None
    raise TypeError(
        "evaluate() takes a number or bool (the incoming value) or a mapping of column "
        f"values (a row); got {type(x).__name__}"
    )


def _plain(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, numbers.Real):
        return float(v)
    raise TypeError(f"the incoming value must be a bool or a number, got {type(v).__name__}")


def finish(evaluation: Any, errors: Errors) -> Effect[Any]:
    """The Effect of a native evaluation; raise its error unless asked not to."""
    if errors not in ("raise", "effect"):
        raise ValueError(f"errors must be 'raise' or 'effect', got {errors!r}")
    effect = Effect._from_evaluation(evaluation)
    if not evaluation.ok and errors == "raise":
        err = evaluation.error()
        err.effect = effect
        raise err
    return effect


def uncertain_input(x: Any, value: Any) -> bool:
    """Whether the input holds a ``cl.Uncertain`` (then causaloids decide by SPRT)."""
    return has_uncertain(x, value)


def finish_uncertain(
    member: Any, method: str, args: tuple[Any, ...], x: Any, value: Any, errors: Errors
) -> Effect[Any]:
    """Evaluates on uncertain inputs (see ``causaloid.uncertain.causal``)."""
    from causaloid.uncertain.causal import evaluate_uncertain

    if errors not in ("raise", "effect"):
        raise ValueError(f"errors must be 'raise' or 'effect', got {errors!r}")
    effect = evaluate_uncertain(member, method, args, x, value)
    if effect.error is not None and errors == "raise":
        err = effect.error
        err.effect = effect
        raise err
    return effect


class Causal(ABC):
    """What causaloids, collections and graphs have in common."""

    _id: NodeId
    _description: str

    @property
    def id(self) -> NodeId:
        """The id given at construction."""
        return self._id

    @property
    def description(self) -> str:
        """What this causal unit stands for, in words."""
        return self._description

    @abstractmethod
    def _member(self) -> Any:
        """The native member that the engine evaluates."""

    @property
    def columns(self) -> list[str]:
        """Columns an observation must have for native expressions inside."""
        return list(self._member().columns)

    def evaluate(
        self, x: Any = None, *, value: Any = None, errors: Errors = "raise"
    ) -> Effect[Any]:
        """Evaluate one observation.

        Parameters
        ----------
        x : bool, number or mapping, optional
            A number or bool is the incoming value; a mapping (dict, pandas
            Series ...) is a row of column values.
        value : bool or number, optional
            The incoming value when ``x`` is a row.
        errors : {"raise", "effect"}
            ``"raise"`` (default) raises a :class:`~causaloid.errors.CausalError`
            subclass whose ``.effect`` holds the partial trace; ``"effect"``
            returns the failed Effect instead.

        Returns
        -------
        Effect
            ``.value`` is the verdict (bool or degree in [0, 1]); ``.explain()``
            says which causaloids ran, on what, and why the verdict holds.
        """
        return self._run("evaluate", (), x, value, errors)

    def _engine(self) -> Any:
        """The native object whose evaluate methods run this structure."""
        return self._member()

    def _run(
        self, how: str, args: tuple[Any, ...], x: Any, value: Any, errors: Errors
    ) -> Effect[Any]:
        """Every evaluation goes through here: uncertain inputs are decided by
        sampling, context reads become columns, then the engine runs ``how``."""
        if uncertain_input(x, value):
            return finish_uncertain(self, how, args, x, value, errors)
        v, row = split_input(x, value)
        row = with_context(self, row)
        return finish(getattr(self._engine(), how)(*args, v, row), errors)

    def __call__(self, x: Any = None) -> Effect[Any]:
        """Shorthand for :meth:`evaluate`, so causal structures compose as
        steps of an effect chain: ``Effect.pure(0.8).bind(causaloid)``."""
        return self.evaluate(x)

    def explain(self, x: Any = None, *, value: Any = None) -> str:
        """Evaluate and return the explanation (never raises on evaluation errors)."""
        return self.evaluate(x, value=value, errors="effect").explain()

    def evaluate_batch(self, table: Any, *, value: Any = None, activations: bool = False) -> Any:
        """Evaluate every row of a table at once.

        Parameters
        ----------
        table : mapping of arrays, pandas/polars DataFrame or pyarrow Table
            One row per observation; must hold every column in ``self.columns``.
        value : str or array-like, optional
            The incoming value of each row: a column name or an array.
        activations : bool
            Also return each node's (member's) verdicts.

        Returns
        -------
        numpy.ndarray or (numpy.ndarray, dict)
            Per-row verdicts (bool, or float degrees); with ``activations``,
            also a dict from node id to that node's per-row verdicts.

        Native expressions run vectorised in Rust, in parallel, with the GIL
        released; Python callables are called once with whole arrays. Row ``i``
        equals ``evaluate(row i)``.
        """
        member = self._member()
        needed = list(member.columns)
        cols = to_columns(table)
        cols = with_context_batch(self, cols, n_rows(cols))
        missing = [c for c in needed if c not in cols]
        if missing:
            raise UnknownColumnError(
                f"unknown column {missing[0]!r} (available: {', '.join(list(cols)[:12])})",
                {"column": missing[0], "available": list(cols)},
            )
        arrays = [np.ascontiguousarray(numeric(c, cols[c]), dtype=np.float64) for c in needed]
        values = None
        value_is_bool = False
        if value is not None:
            raw = cols[value] if isinstance(value, str) and value in cols else value
            if isinstance(value, str) and value not in cols:
                raise UnknownColumnError(f"unknown value column {value!r}", {"column": value})
            arr = numeric("value", np.asarray(raw))
            if arr.ndim != 1:
                raise ShapeError(f"value must be one-dimensional, got shape {arr.shape}")
            value_is_bool = arr.dtype == np.bool_
            values = np.ascontiguousarray(arr, dtype=np.float64)
        n = n_rows(cols) if cols else (0 if values is None else len(values))
        host = cols if member.has_callables else None
        verdicts, acts = member.evaluate_batch(arrays, n, values, value_is_bool, host, activations)
        if activations:
            return verdicts, dict(acts)
        return verdicts

    def to_json(self) -> str:
        """The documented JSON form (expression-based structures only)."""
        return str(self._member().to_json())
