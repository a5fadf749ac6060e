"""``cl.Model``: a causaloid (of any form), the contexts it reads (several,
chosen by name) and the assumptions it rests on, verified against data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from causaloid import _native
from causaloid._seed import Seed
from causaloid._table import to_columns
from causaloid._threads import scope
from causaloid.context.context import Context
from causaloid.context.errors import (
    AssumptionError,
    ContextArgumentError,
    UnknownContextError,
)
from causaloid.effect import Effect
from causaloid.errors import CausalError, InvalidArgumentError
from causaloid.ethos.ethos import Ethos
from causaloid.ethos.ethos import _from_native as _ethos_from_native
from causaloid.graph._base import Causal, MissingPolicy, check_id
from causaloid.model.assumption import Assumption, AssumptionReport
from causaloid.model.inference import Inference, Observations, infer, observe

Contexts = Context | Sequence[Context] | Mapping[str, Context] | None


@dataclass(frozen=True)
class Vetting:
    """What :meth:`Model.vet` found: whether the model proposed the action
    (its causaloid decided an active verdict) and what its ethos made of it.

    Attributes
    ----------
    action : str
    outcome : {"not proposed", "permitted", "refused", "unknown"}
        ``"unknown"``: the model's verdict is unknown (a missing input under
        ``missing="propagate"``), so whether it proposes the action is
        unknown; nothing is judged and nothing is permitted.
    effect : Effect
        The model's evaluation (``.explain()`` says why it decided so).
    verdict : DeonticVerdict or None
        The ethos's judgement; None when the action was not proposed.

    Truthy when the action was proposed and permitted.
    """

    action: str
    outcome: str
    effect: Effect[Any]
    verdict: Any

    @property
    def proposed(self) -> bool:
        return self.outcome not in ("not proposed", "unknown")

    @property
    def permitted(self) -> bool:
        return self.outcome == "permitted"

    @property
    def justification(self) -> str:
        """Why the outcome holds, in words."""
        if self.outcome == "unknown":
            return (
                f"action {self.action!r} may or may not be proposed: the model's verdict is "
                'unknown, it depends on a missing input (missing="propagate"; '
                "effect.explain() names it)"
            )
        if self.verdict is None:
            return (
                f"action {self.action!r} was not proposed: the model decided {self.effect.value!r}"
            )
        return str(self.verdict.justification)

    def __bool__(self) -> bool:
        return self.permitted

    def __str__(self) -> str:
        return f"{self.outcome}: {self.justification}"


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
    ethos : Ethos, optional
        Norms that vet the actions the model proposes (:meth:`vet`); an
        operation program changes them like the rest of the model
        (``cl.ops.add_norm`` ...). The model reads it live, like its contexts.

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
        ethos: Ethos | None = None,
    ) -> None:
        self._id = check_id(id)
        if ethos is not None and not isinstance(ethos, Ethos):
            raise TypeError(f"ethos must be a cl.Ethos or None; got {type(ethos).__name__}")
        self._ethos = ethos
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
    def ethos(self) -> Ethos | None:
        """The norms that vet the model's actions (None: every action stands)."""
        return self._ethos

    def _ethos_native(self) -> Any:
        return None if self._ethos is None else self._ethos._native

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

    def vet(
        self,
        action: str,
        x: Any = None,
        *,
        value: Any = None,
        tags: Any = (),
        time: Any = None,
        seed: Seed = None,
        strict: bool = False,
        missing: MissingPolicy = "raise",
    ) -> Vetting:
        """Evaluate one observation and vet ``action`` through the model's ethos.

        The model *proposes* ``action`` when its causaloid decides an active
        verdict (true, or a degree of at least 0.5); the ethos then judges it
        in the context a state machine gives a firing: ``"verdict"`` (the
        verdict as a degree) and the observation's values (uncertain ones
        included). A model without an ethos permits every proposal.

        Parameters
        ----------
        action : str
            The action the model would take.
        x : mapping or value, optional
            The observation (as for :meth:`evaluate`).
        tags : str or iterable of str
            Tags the action carries besides those the ethos declares for it.
        time : float or datetime, optional
            Judge as of this time (norms enacted later are not in force).
        seed : int or numpy.random.Generator, optional
            The sampling seed of uncertain values, for the evaluation and the
            norms alike.
        missing : {"raise", "false", "true", "propagate"}
            What a missing input does, for the evaluation and the norms alike
            (see :meth:`evaluate` and :meth:`Ethos.evaluate
            <causaloid.Ethos.evaluate>`). Under ``"propagate"`` an unknown
            verdict gives the outcome ``"unknown"``; an unknown norm may leave
            the ethos ``undecided`` and refusing by caution.

        Returns
        -------
        Vetting
            ``outcome`` (``"not proposed"``, ``"permitted"``, ``"refused"`` or
            ``"unknown"``),
            ``effect``, ``verdict`` (the ethos's judgement or None),
            ``permitted`` (also ``bool(vetting)``) and ``justification``.

        Examples
        --------
        >>> import causaloid as cl
        >>> fire = cl.Causaloid("fire", "smoke seen", expr=cl.expr.col("smoke") > 0.5)
        >>> ethos = cl.Ethos([cl.Norm("two-sensors", "evacuate", cl.expr.col("agreeing") < 2,
        ...                           "impermissible")])
        >>> m = cl.Model("m", "fire", fire, ethos=ethos)
        >>> m.vet("evacuate", {"smoke": 0.9, "agreeing": 1}).outcome
        'refused'
        >>> m.vet("evacuate", {"smoke": 0.9, "agreeing": 3}).outcome
        'permitted'
        >>> m.vet("evacuate", {"smoke": 0.1, "agreeing": 3}).outcome
        'not proposed'
        >>> m.vet("evacuate", {"smoke": 0.9, "agreeing": None}, missing="propagate").outcome
        'refused'
        >>> m.vet("evacuate", {"smoke": None, "agreeing": 3}, missing="propagate").outcome
        'unknown'
        """
        from causaloid.ethos.ethos import _args, _seed
        from causaloid.ethos.norm import _tags

        if not isinstance(action, str):
            raise TypeError(f"action must be a str, got {type(action).__name__}")
        self._check(strict)
        chosen = _seed(seed)
        effect = self._causaloid._run(
            "evaluate", (), x, value, "raise", seed=chosen, engine=self._engine(), missing=missing
        )
        if effect.value is None and effect.ok:
            # An unknown verdict (missing="propagate"): nothing is proposed for sure.
            return Vetting(action, "unknown", effect, None)
        context = dict(x.items()) if hasattr(x, "items") else {}
        _, context, t = _args(action, context, time)
        # The engine decides whether the verdict proposes the action and
        # judges it; without an ethos, an empty one (no norm applies).
        ethos = _native.Ethos([]) if self._ethos is None else self._ethos._native
        try:
            verdict = ethos.vet(
                action, effect.value, context, t, list(_tags(tags, "tags")), chosen, missing
            )
        except CausalError:
            raise  # a norm's own error (a missing value ...), as it is
        except ValueError as err:
            raise InvalidArgumentError(
                f"model {self._id!r} decided {effect.value!r}, not a verdict: only a bool or a "
                "degree in [0, 1] proposes an action",
                {"parameter": "action"},
            ) from err
        if verdict is None:
            outcome = "not proposed"
        elif verdict is None or verdict.permitted:
            outcome = "permitted"
        else:
            outcome = "refused"
        return Vetting(action, outcome, effect, verdict)

    def evaluate_batch(
        self,
        table: Any,
        *,
        value: Any = None,
        activations: bool = False,
        strict: bool = False,
        threads: Any = None,
        seed: Seed = None,
        missing: MissingPolicy = "raise",
    ) -> Any:
        """Evaluate every row of ``table`` (see ``Causaloid.evaluate_batch``;
        ``threads``: engine threads for this call only; ``seed``: the sampling
        seed of uncertain contextoids; ``missing``: what a missing input does,
        see ``docs/missing.md``)."""
        self._check(strict)
        with scope(threads):
            return self._causaloid._batch(
                self._engine(), table, value, activations, missing, seed=seed
            )

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
        member, contexts, (ethos_changed, ethos), log = _native.apply_program(
            self._causaloid._member(), [c._core for c in cores], natives, self._ethos_native()
        )
        new = self._changed(member, contexts, program)
        if ethos_changed:
            new._ethos = None if ethos is None else _ethos_from_native(ethos, self._known(program))
        return new, _ops.ModificationLog(log, program)

    def _known(self, program: list[Any]) -> dict[Any, Any]:
        """The Python norms a changed ethos may reuse: this model's, then
        those the program carries (later ones win)."""
        known: dict[Any, Any] = {}
        if self._ethos is not None:
            known.update({n.id: n for n in self._ethos.norms})
        for op in program:
            if op.norm is not None:
                known[op.norm.id] = op.norm
            if op.name == "set_ethos" and op._args and op._args[0] is not None:
                known.update({n.id: n for n in op._args[0].norms})
        return known

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
            self._ethos_native(),
            other._ethos_native(),
        )
        known = {} if other._ethos is None else {n.id: n for n in other._ethos.norms}
        return [_ops._wrap_native(n, known) for n in natives]

    def to_json(self) -> str:
        """The model's causaloid, contexts and ethos in the engine's JSON form
        (``{"format": "causaloid-model", "root": ..., "contexts": {...},
        "ethos": ...}``; expression causaloids and norms only). Equal models
        write equal JSON."""
        return str(
            _native.model_to_json(
                self._causaloid._member(),
                [c._core for c in self._contexts.values()],
                self._ethos_native(),
            )
        )

    @classmethod
    def from_json(cls, text: str, id: Any = "model", description: str = "") -> Model:
        """A model from :meth:`to_json`'s text (the JSON form holds no id,
        description or assumptions: give the first two here).

        Examples
        --------
        >>> import causaloid as cl
        >>> hot = cl.Causaloid("hot", "", expr=cl.expr.col("temp") > 30)
        >>> ethos = cl.Ethos([cl.Norm("quiet", "alarm", cl.expr.col("night") > 0,
        ...                           "impermissible")])
        >>> m = cl.Model("m", "heat", hot, ethos=ethos)
        >>> back = cl.Model.from_json(m.to_json(), "m", "heat")
        >>> back.to_json() == m.to_json(), back.vet("alarm", {"temp": 35, "night": 1}).outcome
        (True, 'refused')
        """
        from causaloid.errors import SerializationError
        from causaloid.graph._json import wrap

        if not isinstance(text, str):
            raise SerializationError(f"expected JSON text (a str); got {type(text).__name__}")
        member, contexts, ethos = _native.model_from_json(text)
        return cls(
            id,
            description,
            wrap(member),
            context=[Context._wrap(c) for c in contexts],
            ethos=None if ethos is None else _ethos_from_native(ethos),
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
        new._ethos = self._ethos
        return new

    def __getstate__(self) -> dict[str, Any]:
        # The native structure bound to the contexts is rebuilt on demand.
        state = dict(self.__dict__)
        state["_bound"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_ethos", None)  # pickles from before models had one

    def __repr__(self) -> str:
        return (
            f"Model({self._id!r}, {self._description!r}, {self._causaloid!r}, "
            f"contexts={sorted(self._contexts)}, assumptions={len(self._assumptions)}"
            + ("" if self._ethos is None else f", ethos={len(self._ethos)} norms")
            + ")"
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
