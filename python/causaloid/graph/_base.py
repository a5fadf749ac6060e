"""The interface shared by causaloids, collections and graphs.

Each form wraps a native ``Member`` (a graph builds one when frozen); this
base class turns Python inputs into what the engine reads and its results into
:class:`~causaloid.Effect` objects and NumPy arrays.
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from causaloid._seed import as_seed
from causaloid._table import n_rows, numeric, to_columns
from causaloid._threads import scope
from causaloid.effect import Effect
from causaloid.errors import ShapeError, UnknownColumnError
from causaloid.uncertain.causal import DEFAULT_SEED, has_uncertain, native_cell
from causaloid.uncertain.uncertain import DEFAULT_MAX_SAMPLES

NodeId = int | str
Errors = Literal["raise", "effect"]
#: What a missing input (NaN, None, a null) a verdict depends on does: raise
#: MissingValueError (the default), decide the reading causaloid false / true,
#: or propagate unknown (three-valued logic). See docs/missing.md.
MissingPolicy = Literal["raise", "false", "true", "propagate"]


def check_id(id: Any, what: str = "id") -> NodeId:
    """Validate a user-given id: an int or a str."""
    if isinstance(id, bool) or not isinstance(id, (int, str, np.integer)):
        raise TypeError(f"{what} must be an int or a str, got {type(id).__name__} {id!r:.40}")
    if not isinstance(id, str) and not -(2**63) <= int(id) < 2**63:
        from causaloid.errors import InvalidArgumentError

        raise InvalidArgumentError(
            f"{what} {id!r:.40} does not fit in 64 bits (-2**63 .. 2**63 - 1)",
            {"parameter": what},
        )
    return int(id) if isinstance(id, np.integer) else id


def split_input(x: Any, value: Any, uncertain: bool = False) -> tuple[Any, Any]:
    """(incoming value, row mapping) from what the user passed."""
    plain = (lambda v: v) if uncertain else _plain
    if x is None:
        return plain(value), None
    if isinstance(x, Mapping) or (hasattr(x, "keys") and hasattr(x, "__getitem__")):
        return plain(value), x
    if isinstance(x, (bool, np.bool_, numbers.Real)) or (uncertain and has_uncertain(x, None)):
        if value is not None:
            raise TypeError("pass the incoming value once: evaluate(x) or evaluate(row, value=x)")
        return plain(x), None
    raise TypeError(
        "evaluate() takes a number or bool (the incoming value) or a mapping of column "
        f"values (a row); got {type(x).__name__}"
    )


#: Exact types of an incoming value that need no conversion check (an int or
#: a float is passed on as a float, a bool as a bool).
_PLAIN_SCALARS = (float, int, bool)


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

    @property
    def contexts(self) -> list[Any]:
        """The :class:`~causaloid.Context` objects held inside, each once:
        the engine fills every context read from them."""
        out: list[Any] = []
        members = getattr(self, "_members", None)
        if isinstance(members, Mapping):
            members = list(members.values())
        for m in members or ():
            for c in m.contexts:
                if not any(c is d for d in out):
                    out.append(c)
        return out

    def evaluate(
        self,
        x: Any = None,
        *,
        value: Any = None,
        errors: Errors = "raise",
        seed: int | None = None,
        missing: MissingPolicy = "raise",
    ) -> Effect[Any]:
        """Evaluate one observation.

        Parameters
        ----------
        x : bool, number, Uncertain or mapping, optional
            A number, bool or :class:`~causaloid.Uncertain` is the incoming
            value; a mapping (dict, pandas Series ...) is a row of column
            values, any of which may be uncertain.
        value : bool, number or Uncertain, optional
            The incoming value when ``x`` is a row.
        errors : {"raise", "effect"}
            ``"raise"`` (default) raises a :class:`~causaloid.errors.CausalError`
            subclass whose ``.effect`` holds the partial trace; ``"effect"``
            returns the failed Effect instead.
        seed : int, optional
            On uncertain inputs, the sampling seed. The default is fixed
            (``cl.uncertain.DEFAULT_SEED``, or the ``seed`` of the causaloid's
            ``decide=``), so the same call decides the same way in every run;
            pass ``cl.uncertain.fresh_seed()`` for new randomness.
        missing : {"raise", "false", "true", "propagate"}
            What a missing input (NaN, ``None``, a pandas ``NA``, a null) that
            an evaluated causaloid reads does: ``"raise"`` (default) raises
            :class:`~causaloid.errors.MissingValueError` naming the column;
            ``"false"`` / ``"true"`` make that causaloid decide false / true;
            ``"propagate"`` uses three-valued logic, and ``.value`` is
            ``None`` when the verdict is unknown. See ``docs/missing.md``.

        Returns
        -------
        Effect
            ``.value`` is what was decided: a verdict (bool or degree in
            [0, 1]) or a number; ``.explain()`` says which causaloids ran, on
            what, and why the result holds.
        """
        return self._run("evaluate", (), x, value, errors, seed=seed, missing=missing)

    def _engine(self) -> Any:
        """The native object whose evaluate methods run this structure."""
        return self._member()

    def _decide_seed(self) -> int:
        """The sampling seed when the caller gives none."""
        decide = getattr(self, "_decide", None)
        seed = getattr(decide, "seed", None)
        return DEFAULT_SEED if seed is None else int(seed)

    def _samples(self) -> int:
        decide = getattr(self, "_decide", None)
        return int(getattr(decide, "max_samples", DEFAULT_MAX_SAMPLES))

    def _run(
        self,
        how: str,
        args: tuple[Any, ...],
        x: Any,
        value: Any,
        errors: Errors,
        *,
        seed: int | None = None,
        engine: Any = None,
        missing: MissingPolicy = "raise",
    ) -> Effect[Any]:
        """Every evaluation goes through here: the engine runs ``how`` (filling
        context reads itself); uncertain inputs go through the same programs
        over seeded samples."""
        engine = self._engine() if engine is None else engine
        reads_uncertain = _reads_uncertain(engine)
        if value is None and type(x) in _PLAIN_SCALARS and not reads_uncertain:
            # The commonest call, evaluate(number): what split_input decides
            # for it, without its abstract-class checks.
            v = x if type(x) is bool else float(x)
            return finish(getattr(engine, how)(*args, v, None, missing=missing), errors)
        # Uncertain inputs, or a read of an uncertain contextoid, are sampled.
        if has_uncertain(x, value) or reads_uncertain:
            v, row = split_input(x, value, uncertain=True)
            seed = self._decide_seed() if seed is None else int(seed)
            native_row = None if row is None else {k: native_cell(c) for k, c in row.items()}
            mode = None if how == "evaluate" else (how, list(args))
            kwargs: dict[str, Any] = {
                "seed": seed,
                "samples": self._samples(),
                "missing": missing,
            }
            if mode is not None:
                kwargs["mode"] = mode
            evaluation = engine.evaluate_sampled(native_cell(v), native_row, **kwargs)
            return finish(evaluation, errors)
        v, row = split_input(x, value)
        return finish(getattr(engine, how)(*args, v, row, missing=missing), errors)

    def __call__(self, x: Any = None) -> Effect[Any]:
        """Shorthand for :meth:`evaluate`, so causal structures compose as
        steps of an effect chain: ``Effect.pure(0.8).bind(causaloid)``."""
        return self.evaluate(x)

    def explain(
        self,
        x: Any = None,
        *,
        value: Any = None,
        format: str = "text",
        missing: MissingPolicy = "raise",
    ) -> str:
        """Evaluate and return the explanation (never raises on evaluation
        errors); ``format`` is ``"text"``, ``"markdown"`` or ``"json"`` (see
        :meth:`Effect.explain <causaloid.Effect.explain>`); ``missing`` as in
        :meth:`evaluate`."""
        effect = self.evaluate(x, value=value, errors="effect", missing=missing)
        return effect.explain(format=format)

    def evaluate_batch(
        self,
        table: Any,
        *,
        value: Any = None,
        activations: bool = False,
        threads: Any = None,
        seed: Any = None,
        missing: MissingPolicy = "raise",
    ) -> Any:
        """Evaluate every row of a table at once.

        Parameters
        ----------
        table : mapping of arrays, pandas/polars DataFrame or pyarrow Table
            One row per observation; must hold every column in ``self.columns``.
        value : str or array-like, optional
            The incoming value of each row: a column name or an array.
        activations : bool
            Also return each node's (member's) verdicts.
        threads : int, optional
            Engine threads for this call only; the configured count
            (:func:`causaloid.set_threads`) when omitted. Never changes the result.
        missing : {"raise", "false", "true", "propagate"}
            As in :meth:`evaluate`; ``"raise"`` names the first row with a
            missing input.
        seed : int or numpy.random.Generator, optional
            When a context read is an uncertain data contextoid
            (``cl.UncertainData``), every row is decided on seeded samples with
            this seed (default: the seed :meth:`evaluate` uses), so row ``i``
            still equals ``evaluate(row i)``.

        Returns
        -------
        numpy.ndarray or (numpy.ndarray, dict)
            Per-row verdicts (bool, or float degrees); with ``activations``,
            also a dict from node id to that node's per-row verdicts. With
            ``missing="propagate"`` and an unknown row, a
            ``numpy.ma.MaskedArray`` whose mask marks the unknown rows
            (``.count()`` counts the known ones).

        Native expressions run vectorised in Rust, in parallel, with the GIL
        released; Python callables are called once with whole arrays. Row ``i``
        equals ``evaluate(row i)``.
        """
        with scope(threads):
            return self._batch(self._member(), table, value, activations, missing, seed=seed)

    def _batch(
        self,
        member: Any,
        table: Any,
        value: Any,
        activations: bool,
        missing: MissingPolicy = "raise",
        *,
        seed: Any = None,
    ) -> Any:
        """:meth:`evaluate_batch` on the native ``member`` (the engine fills
        the context reads)."""
        needed = list(member.columns)
        # Python functions see the whole table; native structures read only
        # the columns they use (the others are never converted).
        wanted = None if member.has_callables else needed
        if wanted is not None and isinstance(value, str):
            wanted = [*needed, value]
        cols = to_columns(table, wanted)
        absent = [c for c in needed if c not in cols]
        if absent:
            raise UnknownColumnError(
                f"unknown column {absent[0]!r} (available: {', '.join(list(cols)[:12])})",
                {"column": absent[0], "available": list(cols)},
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
        # Uncertain contextoids: rows are sampled with the single evaluation's seed.
        chosen = as_seed(seed)
        verdicts, acts, unknown = member.evaluate_batch(
            arrays,
            n,
            values,
            value_is_bool,
            host,
            activations,
            self._decide_seed() if chosen is None else chosen,
            self._samples(),
            missing,
        )
        if unknown is not None:
            # Three-valued: the unknown rows are masked.
            verdicts = np.ma.MaskedArray(verdicts, mask=unknown)
        if activations:
            return verdicts, dict(acts)
        return verdicts

    def to_json(self) -> str:
        """The documented JSON form (expression-based structures only)."""
        return str(self._member().to_json())


def _reads_uncertain(engine: Any) -> bool:
    """Whether the engine object reads an uncertain data contextoid."""
    check = getattr(engine, "reads_uncertain", None)
    return bool(check()) if check is not None else False
