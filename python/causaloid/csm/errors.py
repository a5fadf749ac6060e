"""Exceptions of the state machine and its window; each names the state, the
action or the column at fault (``err.state_id``, ``err.action``, ``err.column``)."""

from __future__ import annotations

from causaloid.errors import CausalError, DataError, MissingValueError, NodeId


class StateMachineError(CausalError):
    """A state machine was built or used in an invalid way."""


class UnknownStateError(StateMachineError, KeyError):
    """A state id the machine does not hold (``err.state_id``)."""

    state_id: NodeId

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class DuplicateStateError(StateMachineError, ValueError):
    """A state id used twice in one machine (``err.state_id``)."""

    state_id: NodeId


class ObservationError(DataError, StateMachineError, KeyError):
    """An observation (a stream item) lacks a column a state needs, or has the
    wrong shape (``err.column``, ``err.state_id``)."""

    column: str
    state_id: NodeId

    def __str__(self) -> str:
        return self.message


class StateEvaluationError(StateMachineError):
    """A state's causaloid failed to decide (``err.state_id``); the engine's
    own error is chained as ``__cause__``."""

    state_id: NodeId


class StateMissingValueError(StateEvaluationError, MissingValueError):
    """A state reads a missing input (NaN, ``None``, a null) and the call's
    policy was ``missing="raise"`` (the default): both a state's failure
    (``err.state_id``) and a :class:`~causaloid.errors.MissingValueError`
    (``err.column``, ``err.node_id``: the causaloid that reads it; the
    observation is the error's ``event``). Pass ``missing="false" | "true" |
    "propagate"`` to decide such states instead."""

    state_id: NodeId


class VettingError(StateMachineError):
    """The ethos could not judge a state's action (``err.state_id``,
    ``err.action``); the ethos error is chained as ``__cause__``."""

    state_id: NodeId
    action: str


class VettingMissingValueError(VettingError, MissingValueError):
    """A norm of the ethos reads a missing value while judging a state's
    action, under ``missing="raise"``: both a :class:`VettingError`
    (``err.state_id``, ``err.action``) and a
    :class:`~causaloid.errors.MissingValueError` (``err.column``,
    ``err.norm_id``)."""

    state_id: NodeId
    action: str
    norm_id: NodeId


class ActionError(StateMachineError):
    """A state's action raised (``err.state_id``, ``err.action``); the
    original exception is chained as ``__cause__``."""

    state_id: NodeId
    action: str


class ReentrantUseError(StateMachineError, RuntimeError):
    """A state machine used from within its own decision: a state function
    (or a norm predicate it calls) read or changed the machine that is
    evaluating it. Actions may use their machine; state functions may not."""


class WindowError(CausalError, ValueError):
    """A window built or read in an invalid way (``err.column``, ``err.size``)."""

    column: str
    size: int


__all__ = [
    "ActionError",
    "DuplicateStateError",
    "ObservationError",
    "ReentrantUseError",
    "StateEvaluationError",
    "StateMachineError",
    "StateMissingValueError",
    "UnknownStateError",
    "VettingError",
    "VettingMissingValueError",
    "WindowError",
]
