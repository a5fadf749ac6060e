"""``cl.Model``: a causaloid (of any form), the contexts it reads (several,
chosen by name) and the assumptions it rests on, verified against data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Union

import numpy as np

from causaloid import _native
from causaloid._table import to_columns
from causaloid._threads import scope
from causaloid.context.context import Context
from causaloid.context.errors import (
    AssumptionError,
    ContextArgumentError,
    UnknownContextError,
)
from causaloid.effect import Effect
from causaloid.graph._base import Causal, MissingPolicy, check_id
from causaloid.model.assumption import Assumption, AssumptionReport
from causaloid.model.inference import Inference, Observations, infer, observe

Contexts = Union[Context, Sequence[Context], Mapping[str, Context], None]


class Model:
    """A causal model: a causaloid, collection or graph, its contexts and its
    assumptions.

    Parameters
    ----------
    id : int or str
    description : str
    causaloid : Causaloid, CausalCollection or CausalGraph
        What the model decides with (a graph must be frozen to evaluate).
    context : Context, list of Context or mapping of name to Context, optional
        The contexts its context reads may choose by name; contexts the
        causaloids inside hold are attached too. The engine fills every read
        from them, for one observation and for batches alike.
    assumptions : iterable of Assumption
        Tested by :meth:`verify_assumptions`.

    Examples
    --------
    >>> import causaloid as cl
    >>> ctx = cl.Context(1, "limits").add(cl.Data("max_temp", 30.0))
    >>> limit = cl.expr.ctx_value("max_temp", context="limits")
    >>> hot = cl.Causaloid("hot", "above the limit", expr=cl.expr.col("temp") > limit)
    >>> m = cl.Model("m", "heat", hot, context=ctx,
    ...              assumptions=[cl.Assumption("readings are finite",
    ...                                         lambda d: bool(np.isfinite(d["temp"]).all()))])
    >>> m.evaluate({"temp": 31.0}).value
    True
    >>> try:
    ...     m.evaluate({"temp": 31.0}, strict=True)
    ... except cl.context.errors.AssumptionError as err:
    ...     print(type(err).__name__)
    AssumptionError
    >>> print(m.verify_assumptions({"temp": [20.0, 35.0]}))
    1 of 1 assumptions held
      [held] readings are finite
    >>> m.evaluate_batch({"temp": [20.0, 35.0]}, strict=True)
    array([False,  True])
    """

    def __init__(
        self,
        id: Any,
        description: str,
        causaloid: Causal,
        context: Contexts = None,
        assumptions: Iterable[Assumption] = (),
    ) -> None:
        self._id = check_id(id)
        self._description = str(description)
        if not isinstance(causaloid, Causal):
            raise TypeError(
                "causaloid must be a Causaloid, CausalCollection or CausalGraph; "
                f"got {type(causaloid).__name__}"
            )
        self._causaloid = causaloid
        self._contexts: dict[str, Context] = {}
        self._bound: Any = None
        for held in causaloid.contexts:
            self.add_context(held)
        for ctx in _as_list(context):
            self.add_context(ctx)
        self._assumptions = list(assumptions)
        for a in self._assumptions:
            if not isinstance(a, Assumption):
                raise TypeError(f"assumptions must be cl.Assumption; got {type(a).__name__}")
        self._report: AssumptionReport | None = None

    # ---- parts ------------------------------------------------------------------

    @property
    def id(self) -> Any:
        return self._id

    @property
    def description(self) -> str:
        return self._description

    @property
    def causaloid(self) -> Causal:
        return self._causaloid

    @property
    def assumptions(self) -> list[Assumption]:
        return list(self._assumptions)

    @property
    def contexts(self) -> dict[str, Context]:
        """The attached contexts by name."""
        return dict(self._contexts)

    def add_context(self, context: Context) -> Model:
        """Attach a context (replacing one of the same name)."""
        if not isinstance(context, Context):
            raise TypeError(f"context must be a cl.Context; got {type(context).__name__}")
        self._contexts[context.name] = context
        self._bound = None
        return self

    def _engine(self) -> Any:
        """The causaloid's native structure holding the model's contexts."""
        if self._bound is None:
            member = self._causaloid._member()
            self._bound = member.with_contexts([c._core for c in self._contexts.values()])
        return self._bound

    def context(self, name: str | None = None) -> Context:
        """The context called ``name`` (the only one when ``name`` is None)."""
        if name is None:
            if len(self._contexts) == 1:
                return next(iter(self._contexts.values()))
            raise ContextArgumentError(
                f"model {self._id!r} has {len(self._contexts)} contexts; choose one by name "
                f"({', '.join(sorted(self._contexts))})",
                {"available": sorted(self._contexts)},
            )
        try:
            return self._contexts[name]
        except KeyError:
            raise UnknownContextError(
                f"model {self._id!r} has no context {name!r} "
                f"(available: {', '.join(sorted(self._contexts)) or 'none'})",
                {"context": name, "available": sorted(self._contexts)},
            ) from None

    # ---- assumptions ----------------------------------------------------------------

    def verify_assumptions(self, data: Any) -> AssumptionReport:
        """Test every assumption on ``data`` (a table becomes a dict of NumPy
        columns first); the report is kept for ``strict`` evaluation."""
        try:
            arg = to_columns(data)
        except TypeError:
            arg = data
        self._report = AssumptionReport(tuple(a.verify(arg) for a in self._assumptions))
        return self._report

    @property
    def assumption_report(self) -> AssumptionReport | None:
        """The last report of :meth:`verify_assumptions` (None before any)."""
        return self._report

    def _check(self, strict: bool) -> None:
        if not strict or not self._assumptions:
            return
        if self._report is None:
            raise AssumptionError(
                f"model {self._id!r} has unverified assumptions; call verify_assumptions(data) "
                "first or evaluate with strict=False",
                {"assumptions": [a.description for a in self._assumptions]},
            )
        if not self._report.all_held:
            failed = [r.description for r in self._report.failed]
            raise AssumptionError(
                f"model {self._id!r}: assumptions did not hold: {'; '.join(failed)}",
                {"assumptions": failed},
            )

    # ---- evaluation -------------------------------------------------------------------

    def evaluate(
        self,
        x: Any = None,
        *,
        value: Any = None,
        strict: bool = False,
        missing: MissingPolicy = "raise",
    ) -> Effect[Any]:
        """Evaluate one observation with the model's contexts; with
        ``strict=True``, refuse unless every assumption was verified to hold.
        ``missing`` decides missing inputs (see ``docs/missing.md``)."""
        self._check(strict)
        return self._causaloid._run(
            "evaluate", (), x, value, "raise", engine=self._engine(), missing=missing
        )

    def explain(self, x: Any = None, *, value: Any = None, format: str = "text") -> str:
        """The explanation of :meth:`evaluate`: ``format`` is ``"text"``,
        ``"markdown"`` or ``"json"`` (see :meth:`Effect.explain <causaloid.Effect.explain>`)."""
        effect = self._causaloid._run("evaluate", (), x, value, "effect", engine=self._engine())
        return effect.explain(format=format)

    def evaluate_batch(
        self,
        table: Any,
        *,
        value: Any = None,
        activations: bool = False,
        strict: bool = False,
        threads: Any = None,
        missing: MissingPolicy = "raise",
    ) -> Any:
        """Evaluate every row of ``table`` (see ``Causaloid.evaluate_batch``;
        ``threads``: engine threads for this call only; ``missing``: what a
        missing input does, see ``docs/missing.md``)."""
        self._check(strict)
        with scope(threads):
            return self._causaloid._batch(self._engine(), table, value, activations, missing)

    def observe(self, table: Any, *, value: Any = None) -> Observations:
        """Number and share of active rows, overall and per node, over a batch."""
        verdicts, acts = self.evaluate_batch(table, value=value, activations=True)
        return observe(verdicts, acts)

    def infer(
        self, table: Any, effect: Any, *, value: Any = None, threshold: float = 0.5
    ) -> Inference:
        """Conjoint and inverse inference of an observed ``effect`` (a column
        name or an array) from the model's verdicts over ``table``."""
        verdicts = self.evaluate_batch(table, value=value)
        if isinstance(effect, str):
            effect = to_columns(table, [effect])[effect]
        return infer(verdicts, np.asarray(effect), threshold)

    # ---- changes as data (see causaloid.model.ops) ------------------------------------

    def apply(self, program: Any) -> tuple[Model, Any]:
        """Apply an operation program (``cl.ops`` operations) in the engine,
        all or nothing.

        Returns the changed model (a new one: this model, its graph and its
        contexts are never changed) and the :class:`~causaloid.model.ops.ModificationLog`.
        A failing operation raises its cause's exception class with
        ``err.operation`` (its index) and ``err.op`` (its name). Assumptions
        carry over unchanged. See :mod:`causaloid.model.ops` for an example.
        """
        from causaloid.model import ops as _ops

        if isinstance(program, _ops.Operation):
            program = [program]
        program = list(program)
        natives = _ops._natives(program)
        cores = list(self._contexts.values())
        member, contexts, log = _native.apply_program(
            self._causaloid._member(), [c._core for c in cores], natives
        )
        return self._changed(member, contexts, program), _ops.ModificationLog(log, program)

    def replay(self, log: Any) -> tuple[Model, Any]:
        """Apply the operations of a modification log (from this model or an
        equal one) to this model: ``m.replay(log)`` equals the model the log
        came from."""
        from causaloid.model import ops as _ops

        if not isinstance(log, _ops.ModificationLog):
            raise TypeError(f"replay() takes a ModificationLog, got {type(log).__name__}")
        return self.apply(log.operations)

    def diff(self, other: Model) -> list[Any]:
        """The operation program that turns this model into ``other`` (computed
        by the engine): ``self.apply(self.diff(other))[0]`` equals ``other``."""
        from causaloid.model import ops as _ops

        if not isinstance(other, Model):
            raise TypeError(f"diff() takes a Model, got {type(other).__name__}")
        natives = _native.diff_models(
            self._causaloid._member(),
            [c._core for c in self._contexts.values()],
            other._causaloid._member(),
            [c._core for c in other._contexts.values()],
        )
        return [_ops._wrap_native(n) for n in natives]

    def to_json(self) -> str:
        """The model's causaloid and contexts in the engine's JSON form
        (``{"format": "causaloid-model", "root": ..., "contexts": {...}}``;
        expression causaloids only). Equal models write equal JSON."""
        return str(
            _native.model_to_json(
                self._causaloid._member(), [c._core for c in self._contexts.values()]
            )
        )

    def _changed(self, member: Any, contexts: list[Any], program: list[Any]) -> Model:
        """The Python model around the engine's changed model, keeping the
        Python objects (callables included) of every unchanged part."""
        from causaloid.graph._json import wrap
        from causaloid.graph.causal_graph import CausalGraph

        known: dict[Any, Causal] = {}
        old = self._causaloid
        if isinstance(old, CausalGraph):
            known.update(old._members)
        for op in program:
            if op.node is not None:
                known[op.node.id] = op.node
        if member.kind == "graph":
            graph = CausalGraph._from_native(member.as_graph())
            for node_id in graph.nodes:
                if node_id in known:
                    graph._members[node_id] = known[node_id]
            causaloid: Causal = graph
        elif member.id in known and known[member.id]._member().kind == member.kind:
            causaloid = known[member.id]
        else:
            causaloid = wrap(member)
        new = Model.__new__(Model)
        new._id = self._id
        new._description = self._description
        new._causaloid = causaloid
        new._contexts = {}
        new._bound = None
        for name, core, is_new in contexts:
            new._contexts[name] = Context._wrap(core) if is_new else self._contexts[name]
        new._assumptions = list(self._assumptions)
        new._report = None
        return new

    def __getstate__(self) -> dict[str, Any]:
        # The native structure bound to the contexts is rebuilt on demand.
        state = dict(self.__dict__)
        state["_bound"] = None
        return state

    def __repr__(self) -> str:
        return (
            f"Model({self._id!r}, {self._description!r}, {self._causaloid!r}, "
            f"contexts={sorted(self._contexts)}, assumptions={len(self._assumptions)})"
        )


def _as_list(context: Contexts) -> list[Context]:
    if context is None:
        return []
    if isinstance(context, Context):
        return [context]
    if isinstance(context, Mapping):
        out = []
        for name, ctx in context.items():
            if not isinstance(ctx, Context) or ctx.name != name:
                raise ContextArgumentError(
                    f"context mapping key {name!r} must be the context's name",
                    {"context": name},
                )
            out.append(ctx)
        return out
    return list(context)
