"""Model changes as data: operation programs and modification logs.

An *operation program* is a list of :class:`Operation` objects built by the
functions of this module (``cl.ops.add_causaloid(...)``, ``cl.ops.add_edge(...)``
...). :meth:`causaloid.Model.apply` hands the program to the engine, which
applies it to a copy of the model **all or nothing** and returns the changed
model with a :class:`ModificationLog`: what each operation did, in words. The
log replays onto an equal model (:meth:`causaloid.Model.replay`), compares
with another log (:meth:`ModificationLog.diff`), writes JSON (owned by the
engine) and pickles. :meth:`causaloid.Model.diff` computes the program that
turns one model into another.

A failing operation leaves the model unchanged and raises the precise
:class:`~causaloid.CausalError` subclass of its cause (an unknown node is an
``UnknownNodeError``, a cycle a ``CycleError``) with ``err.operation`` (its
index in the program) and ``err.op`` (its name).

Examples
--------
>>> import causaloid as cl
>>> g = cl.CausalGraph("plant")
>>> hot = g.add(cl.Causaloid("hot", "", expr=cl.expr.col("temp") > 30))
>>> alarm = g.add(cl.Causaloid("alarm", "alarm", expr=cl.expr.value()))
>>> g.link(hot, alarm)
>>> m = cl.Model("m", "plant", g.freeze())
>>> m2, log = m.apply([
...     cl.ops.update_causaloid(cl.Causaloid("hot", "", expr=cl.expr.col("temp") > 35)),
...     cl.ops.add_causaloid(cl.Causaloid("smoke", "smoke", expr=cl.expr.col("smoke") > 0.2),
...                          children=["alarm"]),
... ])
>>> print(log.explain())
1. updated causaloid "hot" ((col("temp") > 30.0)): now causaloid "hot" ((col("temp") > 35.0))
2. added causaloid "smoke" (smoke: (col("smoke") > 0.2)), linked to "alarm"
>>> m2.evaluate({"temp": 33.0, "smoke": 0.5}).value, m.evaluate({"temp": 33.0}).value
(True, True)
>>> try:
...     m.apply([cl.ops.remove_edge("alarm", "hot")])
... except cl.errors.CausalError as err:
...     print(type(err).__name__, err.operation, err.op)
InvalidArgumentError 0 remove_edge
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from causaloid import _native
from causaloid.context.context import Context
from causaloid.graph._base import Causal, NodeId, check_id

__all__ = [
    "LogDiff",
    "ModificationLog",
    "Operation",
    "add_causaloid",
    "add_context",
    "add_contextoid",
    "add_edge",
    "add_norm",
    "add_state",
    "program_from_json",
    "program_to_json",
    "remove_causaloid",
    "remove_context",
    "remove_contextoid",
    "remove_edge",
    "remove_norm",
    "remove_state",
    "replace_context",
    "set_causaloid",
    "set_ethos",
    "set_field",
    "set_transform",
    "update_causaloid",
    "update_contextoid",
    "update_norm",
    "update_state",
]


class Operation:
    """One change to a model (build it with the functions of ``cl.ops``).

    ``op.name`` is its name in the JSON form (``"add_edge"`` ...), ``op.node``
    the causaloid it carries (if any), ``op.norm`` the norm (if any).
    """

    __slots__ = ("_args", "_builder", "_native", "_node", "_norm")

    def __init__(
        self,
        builder: str,
        args: tuple[Any, ...],
        native: Any,
        node: Causal | None = None,
        norm: Any = None,
    ):
        self._builder = builder
        self._args = args
        self._native = native
        self._node = node
        self._norm = norm

    @property
    def norm(self) -> Any:
        """The :class:`~causaloid.Norm` the operation carries, if any."""
        return self._norm

    @property
    def name(self) -> str:
        """The operation's name (as in the JSON form and in errors)."""
        return str(self._native.name)

    @property
    def node(self) -> Causal | None:
        """The causaloid (collection, graph) the operation carries, if any."""
        return self._node

    def to_json(self) -> str:
        """This operation as a one-operation program document."""
        return str(self._native.to_json())

    def __reduce__(self) -> tuple[Any, ...]:
        if self._builder == "native":
            return (_from_json_one, (self.to_json(),))
        return (globals()[self._builder], self._args)

    def __repr__(self) -> str:
        return f"Operation({self.name})"


def _from_json_one(text: str) -> Operation:
    return program_from_json(text)[0]


def _member(node: Any) -> Any:
    if not isinstance(node, Causal):
        raise TypeError(
            f"expected a Causaloid, CausalCollection or CausalGraph, got {type(node).__name__}"
        )
    return node._member()


def _ids(ids: Iterable[NodeId], what: str) -> list[NodeId]:
    if isinstance(ids, (str, int)):
        ids = [ids]
    return [check_id(i, what) for i in ids]


def _expr(e: Any) -> Any:
    if e is None:
        return None
    from causaloid.expr.expression import Expr

    if not isinstance(e, Expr):
        raise TypeError(f"transform must be a cl.expr expression, got {type(e).__name__}")
    return e._native


def _number(x: Any, what: str) -> float:
    import math

    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(float(x)):
        from causaloid.errors import InvalidArgumentError

        raise InvalidArgumentError(
            f"{what} must be a finite number, got {x!r:.40}", {"parameter": what}
        )
    return float(x)


def _context(c: Any) -> Any:
    if not isinstance(c, Context):
        raise TypeError(f"expected a cl.Context, got {type(c).__name__}")
    return c._core


# ---- causaloids -----------------------------------------------------------------------


def add_causaloid(
    node: Causal, parents: Iterable[NodeId] = (), children: Iterable[NodeId] = ()
) -> Operation:
    """Add ``node`` to the model's graph, linked from ``parents`` and to ``children``."""
    p, c = _ids(parents, "parent"), _ids(children, "child")
    native = _native.Operation.add_causaloid(_member(node), p, c)
    return Operation("add_causaloid", (node, p, c), native, node)


def update_causaloid(node: Causal) -> Operation:
    """Replace the node with ``node``'s id (its edges stay); when the model's
    causaloid is not a graph, replace it if the id matches."""
    return Operation(
        "update_causaloid", (node,), _native.Operation.update_causaloid(_member(node)), node
    )


def remove_causaloid(id: NodeId) -> Operation:
    """Remove a node, its edges, their transforms and the states it writes."""
    i = check_id(id)
    return Operation("remove_causaloid", (i,), _native.Operation.remove_causaloid(i))


def set_causaloid(node: Causal) -> Operation:
    """Replace the model's causaloid by ``node`` (a graph must be frozen)."""
    return Operation("set_causaloid", (node,), _native.Operation.set_causaloid(_member(node)), node)


# ---- edges --------------------------------------------------------------------------------


def add_edge(source: NodeId, target: NodeId, transform: Any = None) -> Operation:
    """Add the edge ``source -> target``, optionally with a transform of the
    parent's value (see ``CausalGraph.link``)."""
    a, b = check_id(source), check_id(target)
    native = _native.Operation.add_edge(a, b, _expr(transform))
    return Operation("add_edge", (a, b, transform), native)


def remove_edge(source: NodeId, target: NodeId) -> Operation:
    """Remove the edge ``source -> target`` (and its transform)."""
    a, b = check_id(source), check_id(target)
    return Operation("remove_edge", (a, b), _native.Operation.remove_edge(a, b))


def set_transform(source: NodeId, target: NodeId, transform: Any) -> Operation:
    """Set (``None``: remove) the transform of the edge ``source -> target``."""
    a, b = check_id(source), check_id(target)
    native = _native.Operation.set_transform(a, b, _expr(transform))
    return Operation("set_transform", (a, b, transform), native)


# ---- graph states ------------------------------------------------------------------------


def add_state(name: str, initial: float, writer: NodeId) -> Operation:
    """Declare the graph state ``name``, written by node ``writer``."""
    x = _number(initial, "initial")
    w = check_id(writer)
    return Operation("add_state", (str(name), x, w), _native.Operation.add_state(str(name), x, w))


def update_state(name: str, initial: float) -> Operation:
    """Set the initial value of the graph state ``name``."""
    x = _number(initial, "initial")
    return Operation("update_state", (str(name), x), _native.Operation.update_state(str(name), x))


def remove_state(name: str) -> Operation:
    """Remove the graph state ``name`` and its writer."""
    return Operation("remove_state", (str(name),), _native.Operation.remove_state(str(name)))


# ---- contexts -------------------------------------------------------------------------------


def add_context(context: Context) -> Operation:
    """Attach a copy of ``context`` (its name must be new to the model)."""
    return Operation("add_context", (context,), _native.Operation.add_context(_context(context)))


def replace_context(context: Context) -> Operation:
    """Replace the model's context of the same name by a copy of ``context``."""
    native = _native.Operation.replace_context(_context(context))
    return Operation("replace_context", (context,), native)


def remove_context(name: str) -> Operation:
    """Detach the context ``name``."""
    return Operation("remove_context", (str(name),), _native.Operation.remove_context(str(name)))


def _update_context(
    name: str, ops: list[tuple[Any, ...]], builder: str, args: tuple[Any, ...]
) -> Operation:
    return Operation(builder, args, _native.Operation.update_context(str(name), ops))


def add_contextoid(context: str, *contextoids: Any) -> Operation:
    """Add contextoids (``cl.Data``, ``cl.Time`` ...) to the context ``context``."""
    from causaloid.context.contextoids import to_native

    ops = [("add", to_native(c)) for c in contextoids]
    return _update_context(context, ops, "add_contextoid", (context, *contextoids))


def update_contextoid(context: str, *contextoids: Any) -> Operation:
    """Replace existing contextoids (same ids) of the context ``context``."""
    from causaloid.context.contextoids import to_native

    ops = [("replace", to_native(c)) for c in contextoids]
    return _update_context(context, ops, "update_contextoid", (context, *contextoids))


def set_field(context: str, node_id: Any, field: str, value: float) -> Operation:
    """Set one field of a contextoid (``"value"`` for a Data node)."""
    x = _number(value, "value")
    ops = [("set", node_id, str(field), x)]
    return _update_context(context, ops, "set_field", (context, node_id, str(field), x))


def remove_contextoid(context: str, *node_ids: Any) -> Operation:
    """Remove contextoids (and their relations) from the context ``context``."""
    ops = [("remove", i) for i in node_ids]
    return _update_context(context, ops, "remove_contextoid", (context, *node_ids))


# ---- norms (the model's ethos) ----------------------------------------------------------------


def _norm(norm: Any) -> Any:
    from causaloid.ethos.norm import Norm

    if not isinstance(norm, Norm):
        raise TypeError(f"expected a cl.Norm, got {type(norm).__name__}")
    return norm._native


def add_norm(norm: Any) -> Operation:
    """Add ``norm`` to the model's ethos (a model without one gets one); the
    norms it defeats or specializes must be there already."""
    return Operation("add_norm", (norm,), _native.Operation.add_norm(_norm(norm)), norm=norm)


def update_norm(norm: Any) -> Operation:
    """Replace the norm of ``norm``'s id in the model's ethos."""
    native = _native.Operation.update_norm(_norm(norm))
    return Operation("update_norm", (norm,), native, norm=norm)


def remove_norm(id: NodeId) -> Operation:
    """Remove a norm from the model's ethos (no other norm may defeat or
    specialize it)."""
    i = check_id(id, "norm id")
    return Operation("remove_norm", (i,), _native.Operation.remove_norm(i))


def set_ethos(ethos: Any) -> Operation:
    """Replace the model's ethos by a copy of ``ethos`` (``None``: no ethos)."""
    from causaloid.ethos.ethos import Ethos

    if ethos is not None and not isinstance(ethos, Ethos):
        raise TypeError(f"expected a cl.Ethos or None, got {type(ethos).__name__}")
    native = _native.Operation.set_ethos(None if ethos is None else ethos._native)
    return Operation("set_ethos", (ethos,), native)


# ---- programs and logs ----------------------------------------------------------------------


def _natives(program: Iterable[Operation]) -> list[Any]:
    if isinstance(program, Operation):
        program = [program]
    out = []
    for op in program:
        if not isinstance(op, Operation):
            raise TypeError(f"a program is a list of cl.ops operations; got {type(op).__name__}")
        out.append(op._native)
    return out


def program_to_json(program: Iterable[Operation]) -> str:
    """The engine's JSON form of a program (expression causaloids only)."""
    return str(_native.program_to_json(_natives(program)))


def program_from_json(text: str) -> list[Operation]:
    """Read a program (or the operations of a log) from its JSON form."""
    from causaloid.errors import SerializationError

    if not isinstance(text, str):
        raise SerializationError(f"expected JSON text (a str); got {type(text).__name__}")
    return [_wrap_native(o) for o in _native.program_from_json(text)]


def _wrap_native(native: Any, norms: Any = None) -> Operation:
    """The Python operation around one the engine built or read; ``norms``
    (id to Norm) are the Python norms to reuse where they are the same."""
    node = None
    member = native.member()
    if member is not None:
        from causaloid.graph._json import wrap

        node = wrap(member)
    norm = None
    carried = native.norm()
    if carried is not None:
        from causaloid.ethos.norm import _from_native

        norm = _from_native(carried, norms)
    return Operation("native", (), native, node, norm)


class LogDiff(NamedTuple):
    """Where two logs part ways: ``common`` leading operations are equal;
    ``only_left`` / ``only_right`` are the positions of the rest in each."""

    common: int
    only_left: list[int]
    only_right: list[int]


class ModificationLog:
    """What an operation program did, operation by operation.

    ``str(log)`` and :meth:`explain` give it in words; ``log.operations`` is
    the program to replay (:meth:`causaloid.Model.replay`); :meth:`to_json`
    and :meth:`from_json` use the engine's JSON form; a log pickles.
    """

    __slots__ = ("_native", "_ops")

    def __init__(self, native: Any, operations: list[Operation]) -> None:
        self._native = native
        self._ops = operations

    @property
    def operations(self) -> list[Operation]:
        """The operations applied, in order."""
        return list(self._ops)

    @property
    def summaries(self) -> list[str]:
        """What each operation did, one sentence each."""
        return list(self._native.summaries())

    def explain(self) -> str:
        """The log in words, one numbered line per operation."""
        return "\n".join(self._native.explain())

    def diff(self, other: ModificationLog) -> LogDiff:
        """Compare with ``other`` operation by operation (in the engine)."""
        if not isinstance(other, ModificationLog):
            raise TypeError(f"expected a ModificationLog, got {type(other).__name__}")
        common, left, right = self._native.diff(other._native)
        return LogDiff(int(common), list(left), list(right))

    def to_json(self) -> str:
        """The engine's JSON form (operations and summaries)."""
        return str(self._native.to_json())

    @classmethod
    def from_json(cls, text: str) -> ModificationLog:
        """Read a log written by :meth:`to_json`."""
        from causaloid.errors import SerializationError

        if not isinstance(text, str):
            raise SerializationError(f"expected JSON text (a str); got {type(text).__name__}")
        native = _native.ModificationLog.from_json(text)
        return cls(native, [_wrap_native(o) for o in native.operations()])

    def __len__(self) -> int:
        return len(self._ops)

    def __iter__(self) -> Iterator[str]:
        return iter(self.summaries)

    def __str__(self) -> str:
        return self.explain()

    def __repr__(self) -> str:
        return f"ModificationLog({len(self)} operations)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_log_from_parts, (self._ops, self.summaries))


def _log_from_parts(ops: list[Operation], summaries: list[str]) -> ModificationLog:
    return ModificationLog(_native.ModificationLog.from_parts(_natives(ops), summaries), ops)
