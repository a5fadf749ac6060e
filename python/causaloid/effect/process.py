"""The :class:`Process`: an effect that also threads state and context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from causaloid.effect.effect import Effect, _name
from causaloid.errors import CallableError, CausalError


class Process:
    """An effect that threads ``state`` and ``context`` through each step.

    ``bind(fn)`` calls ``fn(value, state, context)``, which returns a
    :class:`Process`, a ``(value, state)`` pair, or a plain value (state
    unchanged). Failures short-circuit as in :class:`Effect`.

    Examples
    --------
    >>> p = Process.pure(5.0, state={"count": 0}, context={"limit": 8.0})
    >>> step = lambda v, s, c: (v * 2, {"count": s["count"] + 1})
    >>> p = p.bind(step).bind(lambda v, s, c: min(v, c["limit"]))
    >>> p.value, p.state
    (8.0, {'count': 1})
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
    def log(self) -> tuple[str, ...]:
        """The audit log, as plain text."""
        return self.effect.log

    def explain(self) -> str:
        """The log and the final value or error."""
        return self.effect.explain()

    def bind(self, fn: Callable[[Any, Any, Any], Any]) -> Process:
        """Run ``fn(value, state, context)`` unless an earlier step failed."""
        if self.effect.error is not None:
            return self
        try:
            out = fn(self.effect.value, self.state, self.context)
        except Exception as exc:  # noqa: BLE001
            err = (
                exc
                if isinstance(exc, CausalError)
                else CallableError(
                    f"{_name(fn)} raised {type(exc).__name__}: {exc}", {"step": _name(fn)}
                )
            )
            if err is not exc:
                err.__cause__ = exc
            failed = self.effect.bind(lambda _v: Effect.fail(err))
            return Process(failed, self.state, self.context)
        if isinstance(out, Process):
            effect = self.effect.bind(lambda _v: out.effect)
            return Process(effect, out.state, self.context)
        state = self.state
        if isinstance(out, tuple) and len(out) == 2:
            out, state = out
        new_state = state
        effect = self.effect.bind(_Named(fn, lambda _v: out))
        return Process(effect, new_state, self.context)

    def intervene(self, value: Any) -> Process:
        """Set the value (do-operator), keeping state and context."""
        return Process(self.effect.intervene(value), self.state, self.context)

    def __repr__(self) -> str:
        return f"Process({self.effect!r}, state={self.state!r})"


class _Named:
    """Gives a precomputed step the name of the function that computed it."""

    def __init__(self, fn: Callable[..., Any], step: Callable[[Any], Any]) -> None:
        self.__qualname__ = _name(fn)
        self._step = step

    def __call__(self, v: Any) -> Any:
        return self._step(v)
