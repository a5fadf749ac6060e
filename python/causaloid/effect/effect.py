"""The :class:`Effect` monad: a value or an error, with an ordered log.

The log is a persistent linked list of parts, so ``bind`` is O(1) and a long
chain never copies its history; parts that come from a graph evaluation are
rendered to text only when the log is read. Values are logged with a bounded
``repr`` (long containers and strings are elided with ``...``), so a step
costs the same whatever the size of the value it carries.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from itertools import islice
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from causaloid.errors import CallableError, CausalError

if TYPE_CHECKING:
    from causaloid.effect.trace import Trace

T = TypeVar("T")
U = TypeVar("U")

# A log node: (previous node or None, part); a part is a str or an object
# with ``lines()`` (a native evaluation).
_LogNode = tuple[Any, Any] | None

#: How the engine starts an evaluation's closing sentence.
_WHY = "Why: "


class _BoundedRepr(reprlib.Repr):
    """``reprlib.Repr`` that does not sort a whole dict or set to show ten
    of its items: they are shown in iteration order."""

    def repr_dict(self, x: dict[Any, Any], level: int) -> str:
        if not x:
            return "{}"
        if level <= 0:
            return "{...}"
        pieces = [
            f"{self.repr1(k, level - 1)}: {self.repr1(v, level - 1)}"
            for k, v in islice(x.items(), self.maxdict)
        ]
        if len(x) > self.maxdict:
            pieces.append("...")
        return "{" + ", ".join(pieces) + "}"

    def repr_set(self, x: set[Any], level: int) -> str:
        return self._some(x, level, "{", "}", self.maxset) if x else "set()"

    def repr_frozenset(self, x: frozenset[Any], level: int) -> str:
        if not x:
            return "frozenset()"
        return self._some(x, level, "frozenset({", "})", self.maxfrozenset)

    def _some(self, x: Any, level: int, left: str, right: str, most: int) -> str:
        if level <= 0:
            return f"{left}...{right}"
        pieces = [self.repr1(item, level - 1) for item in islice(x, most)]
        if len(x) > most:
            pieces.append("...")
        return left + ", ".join(pieces) + right


def _bounded_repr() -> reprlib.Repr:
    r = _BoundedRepr()
    r.maxlevel = 4
    r.maxtuple = r.maxlist = r.maxarray = r.maxset = r.maxfrozenset = r.maxdeque = 20
    r.maxdict = 10
    r.maxstring = r.maxlong = r.maxother = 200
    return r


_REPR = _bounded_repr()


def _show(value: Any) -> str:
    """``repr(value)``, shortened for large containers and strings so that
    logging a step costs the same whatever the value's size."""
    return _REPR.repr(value)


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


def _render(node: _LogNode) -> tuple[str, ...]:
    parts: list[Any] = []
    while node is not None:
        node, part = node
        parts.append(part)
    lines: list[str] = []
    for part in reversed(parts):
        if isinstance(part, str):
            lines.append(part)
        else:
            lines.extend(part.lines())
    return tuple(lines)


class Effect(Generic[T]):
    """An immutable carrier of a causal value, its error and its audit log.

    Parameters
    ----------
    value : object
        The carried value (``None`` when the effect failed).
    error : CausalError, optional
        Why an earlier step failed; a failed effect short-circuits every later
        ``bind``.

    Examples
    --------
    >>> e = Effect.pure(10.0).bind(lambda x: x / 2).intervene(3.0).bind(lambda x: x + 1)
    >>> e.value
    4.0
    >>> print(e.explain())
    pure: 10.0
    <lambda>: 10.0 -> 5.0
    intervention: value set to 3.0 (was 5.0)
    <lambda>: 3.0 -> 4.0
    value: 4.0
    """

    __slots__ = ("_error", "_log", "_value")

    def __init__(self, value: T | None = None, error: CausalError | None = None) -> None:
        if error is not None and not isinstance(error, CausalError):
            raise TypeError(f"error must be a CausalError, got {type(error).__name__}")
        self._value = None if error is not None else value
        self._error = error
        self._log: _LogNode = None

    @classmethod
    def _make(cls, value: Any, error: CausalError | None, log: _LogNode) -> Effect[Any]:
        e: Effect[Any] = cls.__new__(cls)
        e._value = None if error is not None else value
        e._error = error
        e._log = log
        return e

    @classmethod
    def pure(cls, value: T) -> Effect[T]:
        """The unit of the monad: ``value`` with a one-line log."""
        return cls._make(value, None, (None, f"pure: {_show(value)}"))  # type: ignore[return-value]

    @classmethod
    def fail(cls, error: CausalError | str) -> Effect[Any]:
        """A failed effect.

        >>> Effect.fail("sensor offline").error
        CausalError('sensor offline')
        """
        err = error if isinstance(error, CausalError) else CausalError(str(error))
        return cls._make(None, err, (None, f"failed: {err}"))

    @classmethod
    def _from_evaluation(cls, evaluation: Any) -> Effect[Any]:
        error = None if evaluation.ok else evaluation.error()
        return cls._make(evaluation.verdict, error, (None, evaluation))

    # --- reading ---
    @property
    def value(self) -> T | None:
        """The value, or ``None`` when the effect failed."""
        return self._value

    @property
    def error(self) -> CausalError | None:
        """The error that stopped the chain, or ``None``."""
        return self._error

    @property
    def ok(self) -> bool:
        """True when no step failed."""
        return self._error is None

    @property
    def log(self) -> tuple[str, ...]:
        """Every step and intervention, in order, as plain text."""
        return _render(self._log)

    def _evaluations(self) -> list[Any]:
        """The native evaluations recorded in the log, oldest first."""
        return [p for p in _parts(self._log) if not isinstance(p, str)]

    @property
    def trace(self) -> Trace:
        """The structured trace: one row per step of every evaluation in the
        log (see :class:`~causaloid.effect.Trace`), with ``to_frame()``,
        ``to_polars()`` and ``to_arrow()``; empty for an effect built from
        Python steps only."""
        from causaloid.effect.trace import trace_of

        return trace_of(self._evaluations())

    def explain(self, format: str = "text") -> str:
        """The explanation: the log followed by the final value or error.

        Parameters
        ----------
        format : {"text", "markdown", "json"}
            ``"text"``: one line per step, nesting by indentation (what
            ``print`` shows). ``"markdown"``: the same steps as a nested list
            under the verdict in bold, for a notebook or a report.
            ``"json"``: an object with ``value``, ``ok``, ``error``, the
            closing sentence ``why`` (see :attr:`why`), the text ``lines``
            and the structured ``trace`` (see :attr:`trace`).

        Returns
        -------
        str

        Raises
        ------
        InvalidArgumentError
            For any other ``format`` (``err.parameter == "format"``).

        Examples
        --------
        >>> e = Effect.pure(0.9).bind(lambda x: x * 0.5)
        >>> print(e.explain(format="markdown"))
        **value: 0.45**
        <BLANKLINE>
        - pure: 0.9
        - \\<lambda>: 0.9 -> 0.45
        >>> import json
        >>> json.loads(e.explain(format="json"))["value"]
        0.45
        """
        from causaloid.effect.render import render

        return render(self, format)

    @property
    def why(self) -> str | None:
        """Why the final verdict holds, in one or two sentences: the nodes
        that decided it and the comparisons, with their values, that decided
        each (the engine writes it as the explanation's last line). ``None``
        when the effect did not end with an evaluation, or failed.

        Examples
        --------
        >>> import causaloid as cl
        >>> from causaloid import expr as E
        >>> c = cl.Causaloid("fire", "smoke or heat",
        ...                  expr=(E.col("smoke") > 0.5) | (E.col("temp") > 60))
        >>> c.evaluate({"smoke": 0.9, "temp": 20}).why
        'true because smoke 0.9 is above 0.5.'
        """
        lines = self.log
        if lines and lines[-1].startswith(_WHY):
            return lines[-1][len(_WHY) :]
        return None

    def _text_lines(self) -> list[str]:
        last = f"value: {self._value!r}" if self._error is None else f"error: {self._error}"
        lines = list(self.log)
        if lines and lines[-1].startswith(_WHY):
            return lines
        if lines and lines[-1].startswith(("Final verdict:", "Failed:")):
            return lines
        return [*lines, last]

    def _repr_html_(self) -> str:
        """Jupyter display: the value or error and the explanation."""
        from causaloid._html import effect_html

        return effect_html(self)

    def unwrap(self) -> T:
        """The value, or raise the error."""
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]

    # --- composing ---
    def bind(self, fn: Callable[[T], Any]) -> Effect[Any]:
        """Apply ``fn`` to the value unless an earlier step failed.

        ``fn`` returns a plain value or an :class:`Effect` (whose log is
        appended). An exception in ``fn`` becomes an error effect: a
        :class:`~causaloid.errors.CausalError` as it is, anything else wrapped
        in :class:`~causaloid.errors.CallableError` with the original as
        ``__cause__``.
        """
        if self._error is not None:
            return self
        try:
            out = fn(self._value)  # type: ignore[arg-type]
        except CausalError as exc:
            return Effect._make(None, exc, (self._log, f"{_name(fn)} failed: {exc}"))
        except Exception as exc:  # noqa: BLE001 - a failing step is data, not a crash
            err = CallableError(
                f"{_name(fn)} raised {type(exc).__name__}: {exc}", {"step": _name(fn)}
            )
            err.__cause__ = exc
            return Effect._make(None, err, (self._log, f"{_name(fn)} failed: {err}"))
        if isinstance(out, Effect):
            log: _LogNode = self._log
            for part in _parts(out._log):
                log = (log, part)
            return Effect._make(out._value, out._error, log)
        return Effect._make(
            out, None, (self._log, f"{_name(fn)}: {_show(self._value)} -> {_show(out)}")
        )

    def map(self, fn: Callable[[T], U]) -> Effect[U]:
        """Apply a plain function to the value (``bind`` for functions that
        never return an Effect)."""
        return self.bind(fn)

    def intervene(self, value: Any) -> Effect[Any]:
        """Set the value, whatever it was (Pearl's do-operator), and log it.

        A failed effect stays failed: there is no value to intervene on.

        >>> Effect.pure(1.0).intervene(3.0).log[-1]
        'intervention: value set to 3.0 (was 1.0)'
        """
        if self._error is not None:
            return Effect._make(
                None, self._error, (self._log, "intervention skipped: an earlier step failed")
            )
        entry = f"intervention: value set to {_show(value)} (was {_show(self._value)})"
        return Effect._make(value, None, (self._log, entry))

    # --- protocol ---
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Effect):
            return NotImplemented
        same_error = (self._error is None and other._error is None) or (
            type(self._error) is type(other._error) and str(self._error) == str(other._error)
        )
        return self._value == other._value and same_error and self.log == other.log

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        if self._error is not None:
            return f"Effect(error={self._error!r})"
        return f"Effect({self._value!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self._value, self._error, self.log))


def _parts(node: _LogNode) -> list[Any]:
    parts: list[Any] = []
    while node is not None:
        node, part = node
        parts.append(part)
    return parts[::-1]


def _rebuild(value: Any, error: CausalError | None, log: tuple[str, ...]) -> Effect[Any]:
    node: _LogNode = None
    for line in log:
        node = (node, line)
    return Effect._make(value, error, node)
