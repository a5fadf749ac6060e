"""The :class:`Process`: an effect that also threads state and context.

Besides ``bind``, a process has flow steps — replacing the state or the
context, a conditional intervention, ``branch``, ``iterate``, ``until``,
``guard`` and ``recover`` — and every one of them writes a line in the audit
log, so a closed loop (a pump correcting a glucose level, a cascade of
failures) reads back step by step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from causaloid.effect.effect import Effect, _name
from causaloid.errors import CallableError, CausalError, EvaluationError, InvalidArgumentError

Step = Callable[[Any, Any, Any], Any]
Predicate = Callable[[Any, Any, Any], Any]


class GuardError(EvaluationError, ValueError):
    """A :meth:`Process.guard` predicate failed (``err.guard``, ``err.value``)."""


class StepLimitError(EvaluationError):
    """:meth:`Process.until` reached ``max_steps`` before its predicate held
    (``err.max_steps``, ``err.value``)."""


def _count(value: Any, name: str) -> int:
    """A loop bound: a non-negative int (a bool or a float is refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidArgumentError(
            f"{name} must be a non-negative int, got {value!r}", {"parameter": name}
        )
    return value


def _wrap_exception(exc: Exception, what: str) -> CausalError:
    if isinstance(exc, CausalError):
        return exc
    err = CallableError(f"{what} raised {type(exc).__name__}: {exc}", {"step": what})
    err.__cause__ = exc
    return err


class Process:
    """An effect that threads ``state`` and ``context`` through each step.

    ``bind(fn)`` calls ``fn(value, state, context)``, which returns a
    :class:`Process` (its value, state and log are taken; the context stays)
    or a plain value —
    a tuple is a value like any other. The state and the context change only
    through :meth:`set_state` / :meth:`set_context` or a returned Process, and
    each change is logged. Failures short-circuit as in :class:`Effect`.

    Examples
    --------
    >>> p = Process.pure(5.0, state={"count": 0}, context={"limit": 8.0})
    >>> p = (
    ...     p.bind(lambda v, s, c: v * 2)
    ...     .set_state(lambda v, s, c: {"count": s["count"] + 1})
    ...     .bind(lambda v, s, c: min(v, c["limit"]))
    ... )
    >>> p.value, p.state
    (8.0, {'count': 1})
    >>> Process.pure(1).bind(lambda v, s, c: (v, "a tuple")).value
    (1, 'a tuple')
    """

    __slots__ = ("context", "effect", "state")

    def __init__(self, effect: Effect[Any], state: Any = None, context: Any = None) -> None:
        self.effect = effect
        self.state = state
        self.context = context

    @classmethod
    def pure(cls, value: Any, state: Any = None, context: Any = None) -> Process:
        """A process holding ``value``, ``state`` and ``context``."""
        return cls(Effect.pure(value), state, context)

    @property
    def value(self) -> Any:
        """The carried value (``None`` when failed)."""
        return self.effect.value

    @property
    def error(self) -> CausalError | None:
        """The error that stopped the process, or ``None``."""
        return self.effect.error

    @property
    def ok(self) -> bool:
        """True when no step failed."""
        return self.effect.error is None

    @property
    def log(self) -> tuple[str, ...]:
        """The audit log, as plain text."""
        return self.effect.log

    def explain(self) -> str:
        """The log and the final value or error."""
        return self.effect.explain()

    # --- internals ---------------------------------------------------------------
    def _note(
        self, text: str, value: Any = None, error: CausalError | None = None, *, keep: bool = True
    ) -> Effect[Any]:
        """The effect with one more log line (and a new value or an error)."""
        v = self.effect.value if keep and error is None else value
        return Effect._make(v, error, (self.effect._log, text))

    def _fail(self, err: CausalError, text: str) -> Process:
        return Process(self._note(f"{text} failed: {err}", error=err), self.state, self.context)

    def _ask(self, fn: Callable[..., Any], what: str) -> tuple[Any, CausalError | None]:
        try:
            return fn(self.effect.value, self.state, self.context), None
        except Exception as exc:  # noqa: BLE001 - a failing step is data, not a crash
            return None, _wrap_exception(exc, what)

    # --- steps -------------------------------------------------------------------
    def bind(self, fn: Step) -> Process:
        """Run ``fn(value, state, context)`` unless an earlier step failed."""
        if self.effect.error is not None:
            return self
        out, err = self._ask(fn, _name(fn))
        if err is not None:
            return self._fail(err, _name(fn))
        if isinstance(out, Process):
            effect = self.effect.bind(lambda _v: out.effect)
            return Process(effect, out.state, self.context)
        effect = self.effect.bind(_Named(fn, lambda _v: out))
        return Process(effect, self.state, self.context)

    def intervene(self, value: Any) -> Process:
        """Set the value (do-operator), keeping state and context."""
        return Process(self.effect.intervene(value), self.state, self.context)

    def intervene_if(self, predicate: Predicate, value: Any) -> Process:
        """Set the value only when ``predicate(value, state, context)`` holds;
        the log says which way it went.

        >>> p = Process.pure(9.0, context={"max": 5.0})
        >>> p.intervene_if(lambda v, s, c: v > c["max"], 5.0).value
        5.0
        """
        if self.effect.error is not None:
            return self
        hit, err = self._ask(predicate, _name(predicate))
        if err is not None:
            return self._fail(err, f"condition {_name(predicate)}")
        if hit:
            entry = (
                f"intervention if {_name(predicate)}: value set to {value!r} (was {self.value!r})"
            )
            return Process(self._note(entry, value, keep=False), self.state, self.context)
        entry = f"intervention if {_name(predicate)}: condition false, value kept ({self.value!r})"
        return Process(self._note(entry), self.state, self.context)

    def set_state(self, state: Any) -> Process:
        """Replace the state: with ``state(value, state, context)`` when it is
        callable, else with ``state`` itself. Logged with the old and new state."""
        return self._replace("state", state)

    def set_context(self, context: Any) -> Process:
        """Replace the context mid-chain (a callable gets ``(value, state,
        context)``). Logged."""
        return self._replace("context", context)

    def _replace(self, which: str, new: Any) -> Process:
        if self.effect.error is not None:
            return self
        if callable(new):
            new, err = self._ask(new, _name(new))
            if err is not None:
                return self._fail(err, f"set {which}")
        old = getattr(self, which)
        effect = self._note(f"{which} replaced: {old!r} -> {new!r}")
        if which == "state":
            return Process(effect, new, self.context)
        return Process(effect, self.state, new)

    def branch(
        self,
        predicate: Predicate,
        then: Callable[[Process], Process],
        otherwise: Callable[[Process], Process] | None = None,
    ) -> Process:
        """Continue with ``then(process)`` when ``predicate(value, state,
        context)`` holds, else with ``otherwise(process)`` (or unchanged).

        >>> p = Process.pure(3).branch(
        ...     lambda v, s, c: v % 2 == 1,
        ...     lambda p: p.bind(lambda v, s, c: 3 * v + 1),
        ...     lambda p: p.bind(lambda v, s, c: v // 2),
        ... )
        >>> p.value, p.log[1]
        (10, 'branch on <lambda>: true, taking <lambda>')
        """
        if self.effect.error is not None:
            return self
        hit, err = self._ask(predicate, _name(predicate))
        if err is not None:
            return self._fail(err, f"branch on {_name(predicate)}")
        chosen = then if hit else otherwise
        label = "true" if hit else "false"
        taking = f"taking {_name(chosen)}" if chosen is not None else "nothing to do"
        here = Process(
            self._note(f"branch on {_name(predicate)}: {label}, {taking}"), self.state, self.context
        )
        if chosen is None:
            return here
        try:
            out = chosen(here)
        except Exception as exc:  # noqa: BLE001
            return here._fail(_wrap_exception(exc, _name(chosen)), _name(chosen))
        if not isinstance(out, Process):
            err = CallableError(
                f"branch {_name(chosen)} must return a Process, got {type(out).__name__}",
                {"step": _name(chosen)},
            )
            return here._fail(err, _name(chosen))
        return out

    def iterate(self, n: int, step: Step) -> Process:
        """Bind ``step`` ``n`` times (stopping early on an error); each
        iteration is logged.

        >>> Process.pure(1).iterate(3, lambda v, s, c: v * 2).value
        8
        """
        n = _count(n, "n")
        p = self
        for i in range(n):
            if p.effect.error is not None:
                break
            p = Process(p._note(f"iteration {i + 1} of {n}"), p.state, p.context).bind(step)
        return p

    def until(self, predicate: Predicate, step: Step, max_steps: int = 1000) -> Process:
        """Bind ``step`` until ``predicate(value, state, context)`` holds,
        checking before each step; fail with :class:`StepLimitError` after
        ``max_steps`` steps.

        >>> p = Process.pure(100.0).until(lambda v, s, c: v < 10, lambda v, s, c: v / 3)
        >>> round(p.value, 3), p.log[-1]
        (3.704, 'until <lambda>: holds after 3 steps')
        """
        max_steps = _count(max_steps, "max_steps")
        p = self
        for i in range(max_steps + 1):
            if p.effect.error is not None:
                return p
            done, err = p._ask(predicate, _name(predicate))
            if err is not None:
                return p._fail(err, f"until {_name(predicate)}")
            if done:
                return Process(
                    p._note(f"until {_name(predicate)}: holds after {i} steps"), p.state, p.context
                )
            if i == max_steps:
                break
            p = p.bind(step)
        err = StepLimitError(
            f"until {_name(predicate)}: still false after max_steps={max_steps} steps",
            {"max_steps": max_steps, "value": p.value},
        )
        return p._fail(err, "until")

    def guard(self, predicate: Predicate, message: str = "") -> Process:
        """Stop with a :class:`GuardError` unless ``predicate(value, state,
        context)`` holds.

        >>> Process.pure(-1.0).guard(lambda v, s, c: v >= 0, "negative dose").error
        GuardError('guard <lambda> failed: negative dose (value -1.0)')
        """
        if self.effect.error is not None:
            return self
        ok, err = self._ask(predicate, _name(predicate))
        if err is not None:
            return self._fail(err, f"guard {_name(predicate)}")
        if ok:
            return Process(
                self._note(f"guard {_name(predicate)}: passed"), self.state, self.context
            )
        why = f": {message}" if message else ""
        failure = GuardError(
            f"guard {_name(predicate)} failed{why} (value {self.value!r})",
            {"guard": _name(predicate), "value": self.value},
        )
        return Process(
            self._note(f"guard failed: {failure}", error=failure), self.state, self.context
        )

    def recover(self, fn: Callable[[CausalError, Any, Any], Any]) -> Process:
        """Turn an error into a value: ``fn(error, state, context)``; a process
        that has not failed passes through unchanged.

        >>> p = Process.pure(-1.0).guard(lambda v, s, c: v >= 0).recover(lambda e, s, c: 0.0)
        >>> p.value, p.ok
        (0.0, True)
        """
        err = self.effect.error
        if err is None:
            return self
        try:
            value = fn(err, self.state, self.context)
        except Exception as exc:  # noqa: BLE001
            new = _wrap_exception(exc, _name(fn))
            return Process(
                Effect._make(None, new, (self.effect._log, f"recover {_name(fn)} failed: {new}")),
                self.state,
                self.context,
            )
        entry = f"recovered by {_name(fn)} from {type(err).__name__}: value {value!r}"
        return Process(
            Effect._make(value, None, (self.effect._log, entry)), self.state, self.context
        )

    def __repr__(self) -> str:
        return f"Process({self.effect!r}, state={self.state!r})"


class _Named:
    """Gives a precomputed step the name of the function that computed it."""

    def __init__(self, fn: Callable[..., Any], step: Callable[[Any], Any]) -> None:
        self.__qualname__ = _name(fn)
        self._step = step

    def __call__(self, v: Any) -> Any:
        return self._step(v)
