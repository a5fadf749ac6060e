"""States and actions: a :class:`State` is a causaloid (of any form) whose
activity fires the :class:`Action` paired with it."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Union

from causaloid.graph._base import Causal, NodeId, _plain, check_id

ActionLike = Union["Action", str, Callable[..., Any]]


class State:
    """One state of a :class:`~causaloid.StateMachine`.

    Parameters
    ----------
    id : int or str
        Unique within the machine.
    description : str
        What the state stands for.
    causaloid : Causaloid, CausalCollection or CausalGraph
        Decides whether the state is active (true, or a degree >= 0.5). A
        graph must be frozen.
    data : bool or number, optional
        The incoming value the causaloid receives (what ``value()`` reads).

    Examples
    --------
    >>> hot = cl.State("hot", "too hot", cl.Causaloid("t", "", expr=cl.expr.col("temp") > 50))
    >>> hot
    State('hot', 'too hot', causaloid 't')
    """

    __slots__ = ("causaloid", "data", "description", "id")

    def __init__(self, id: NodeId, description: str, causaloid: Causal, data: Any = None) -> None:
        self.id = check_id(id, "state id")
        if not isinstance(description, str):
            raise TypeError(f"description must be a str, got {type(description).__name__}")
        if not isinstance(causaloid, Causal):
            raise TypeError(
                "causaloid must be a cl.Causaloid, cl.CausalCollection or cl.CausalGraph; "
                f"got {type(causaloid).__name__}"
            )
        causaloid._member()  # a graph that is not frozen raises NotFrozenError here
        self.description = description
        self.causaloid = causaloid
        self.data = _plain(data)

    def __setattr__(self, name: str, value: Any) -> None:
        # A machine holds its own copy: a changed field would silently not apply.
        if hasattr(self, "data"):
            raise AttributeError(
                f"a State is immutable; build a new State and pass it to "
                f"StateMachine.update() (tried to set {name!r})"
            )
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        kind = {"CausalCollection": "collection", "CausalGraph": "graph"}.get(
            type(self.causaloid).__name__, "causaloid"
        )
        return f"State({self.id!r}, {self.description!r}, {kind} {self.causaloid.id!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (State, (self.id, self.description, self.causaloid, self.data))


class Action:
    """What a state does when it fires.

    A plain callable given to a state machine becomes ``Action(fn.__name__,
    fn)``; a plain string becomes a record-only ``Action(name)``.

    Parameters
    ----------
    name : str
        The name the ethos judges the action by.
    fn : callable, optional
        Called as ``fn()``, ``fn(firing)`` or ``fn(firing, observation)``
        (``firing`` is the :class:`~causaloid.csm.Firing` being logged,
        ``observation`` the item as it came in). Without ``fn`` the action
        only records that it fired.

    Examples
    --------
    >>> Action("call_brigade", print)
    Action('call_brigade', fn=print)
    """

    __slots__ = ("_adapter", "fn", "name")

    def __init__(self, name: str, fn: Callable[..., Any] | None = None) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"an action name must be a non-empty str, got {name!r:.40}")
        if fn is not None and not callable(fn):
            raise TypeError(f"fn must be callable, got {type(fn).__name__}")
        self.name = name
        self.fn = fn
        self._adapter = None if fn is None else _ActionAdapter(fn)

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(self, "_adapter"):
            raise AttributeError(f"an Action is immutable (tried to set {name!r})")
        object.__setattr__(self, name, value)

    @classmethod
    def of(cls, action: ActionLike) -> Action:
        """An Action from an Action, a name or a callable."""
        if isinstance(action, Action):
            return action
        if isinstance(action, str):
            return cls(action)
        if callable(action):
            name = getattr(action, "__name__", None) or type(action).__name__
            return cls(name, action)
        raise TypeError(
            "an action must be a cl.Action, a name (str) or a callable; "
            f"got {type(action).__name__}"
        )

    def __repr__(self) -> str:
        if self.fn is None:
            return f"Action({self.name!r})"
        fn = getattr(self.fn, "__qualname__", None) or repr(self.fn)
        return f"Action({self.name!r}, fn={fn})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Action, (self.name, self.fn))


class _ActionAdapter:
    """Calls the user's action with as many arguments as it takes."""

    __slots__ = ("arity", "fn")

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        try:
            params = list(inspect.signature(fn).parameters.values())
        except (TypeError, ValueError):
            self.arity = 1
            return
        if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
            self.arity = 2
        else:
            required = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            self.arity = min(len(required), 2)

    def fire(self, firing: Any, observation: Any) -> None:
        if self.arity == 0:
            self.fn()
        elif self.arity == 1:
            self.fn(firing)
        else:
            self.fn(firing, observation)


def spec(state: State, action: Action) -> tuple[Any, ...]:
    """The tuple the native machine reads for one state."""
    return (
        state.id,
        state.description,
        state.causaloid._member(),
        state.data,
        action.name,
        action._adapter,
    )
