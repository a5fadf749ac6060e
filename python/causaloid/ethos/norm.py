"""The :class:`Norm`: one deontic rule — what an action must, must not or may
do under a condition — with the ranks that settle conflicts between norms."""

from __future__ import annotations

import datetime as _dt
import inspect
import numbers
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from typing import Any

from causaloid import _native
from causaloid.ethos.errors import NormError
from causaloid.expr import Expr
from causaloid.graph._base import Causal, NodeId, check_id

Predicate = Expr | Causal | Callable[..., Any] | bool | None


class Modality(str, Enum):
    """The deontic status a norm gives its action when its predicate holds."""

    OBLIGATORY = "obligatory"
    IMPERMISSIBLE = "impermissible"
    OPTIONAL = "optional"


def _arity(fn: Callable[..., Any]) -> int:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 2
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return 2
    return sum(
        p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for p in params
    )


class _PredicateAdapter:
    """Calls a user predicate as ``fn(context)`` or ``fn(action, context)``."""

    __slots__ = ("fn", "with_action")

    def __init__(self, fn: Callable[..., Any]) -> None:
        arity = _arity(fn)
        if arity == 0:
            raise TypeError(
                "a norm's predicate must accept the context: fn(context) or fn(action, context)"
            )
        self.fn = fn
        self.with_action = arity >= 2

    def __call__(self, action: str, context: Mapping[str, Any]) -> Any:
        out = self.fn(action, context) if self.with_action else self.fn(context)
        return bool(out) if type(out).__name__ == "bool_" else out


def _tags(tags: Any, what: str) -> tuple[str, ...]:
    """Tags as a tuple of str; a single str is one tag."""
    if isinstance(tags, str):
        return (tags,)
    if not isinstance(tags, Iterable):
        raise TypeError(f"{what} must be a str or an iterable of str, got {type(tags).__name__}")
    out = tuple(tags)
    for t in out:
        if not isinstance(t, str):
            raise TypeError(f"{what} must hold str, got {type(t).__name__} {t!r:.40}")
    return out


def _ids(ids: Any, what: str) -> tuple[NodeId, ...]:
    """Norm ids as a tuple; a single id is one."""
    if isinstance(ids, (str, int)):
        ids = (ids,)
    if not isinstance(ids, Iterable):
        raise TypeError(f"{what} must be a norm id or an iterable of ids, got {type(ids).__name__}")
    return tuple(check_id(i, what) for i in ids)


def _timestamp(time: Any) -> float:
    if isinstance(time, _dt.datetime):
        return time.timestamp()
    if isinstance(time, _dt.date):
        return _dt.datetime(time.year, time.month, time.day, tzinfo=_dt.timezone.utc).timestamp()
    if isinstance(time, bool) or not isinstance(time, (int, float)):
        raise TypeError(f"time must be a number or a datetime, got {type(time).__name__}")
    return float(time)


class Norm:
    """One norm of an :class:`Ethos`.

    Parameters
    ----------
    id : int or str
        Unique within the ethos; named in justifications.
    action : str
        The action the norm governs (``"*"``: every action).
    predicate : Expr, Causaloid, callable, bool or None
        When the norm applies. An expression (``cl.expr.col("smoke") > 0.5``)
        reads the context's named values natively, and its context reads
        (``cl.expr.ctx_value(...)``) are filled by the engine from ``context``
        and the contexts they were built with; a causaloid, collection or
        graph reads the context by column name and applies the norm when it
        decides an active verdict; a callable is called as ``fn(context)`` or
        ``fn(action, context)`` and returns a truth value; ``None`` or ``True``
        means always. An expression or causaloid reading a ``cl.Uncertain``
        context value is decided by the engine on seeded samples with the
        sequential probability ratio test (see ``decide``).
    modality : {"obligatory", "impermissible", "optional"} or Modality
        What the norm makes of the action when it applies.
    priority : int
        Authority: a higher priority defeats a lower one (lex superior).
    specificity : int
        A more specific norm defeats a more general one of equal priority
        (lex specialis).
    time : float or datetime
        When the norm was enacted: the later defeats the earlier when
        priority and specificity tie (lex posterior).
    description : str
        The norm in words.
    tags : str or iterable of str
        The norm vets only actions carrying one of these tags (declared with
        ``Ethos(action_tags=...)`` or passed to ``evaluate(tags=...)``); an
        untagged norm vets every action it governs by name.
    cost : float
        For an optional norm: the cost of taking the action (``>= 0``),
        reported on the verdict and used by :meth:`Ethos.choose`.
    defeats : norm id or iterable of ids
        Norms this one defeats explicitly whenever both apply, whatever
        their ranks.
    inherits : norm id, optional
        The norm this one specializes: it applies only where the parent's
        predicate holds too, carries the parent's tags, and ranks at least one
        step more specific than the parent.
    decide : causaloid.uncertain.SPRT, optional
        How the predicate is decided on uncertain context values (default:
        more likely than not at 95%); its ``seed`` fixes this norm's samples.

    Examples
    --------
    >>> n = Norm("no-evac", "evacuate", cl.expr.col("agreeing") < 2, "impermissible", priority=10)
    >>> n
    Norm('no-evac', 'evacuate', impermissible, priority=10, specificity=0, time=0.0)
    >>> Norm("detour", "*", None, "optional", cost=2.5, tags=["route"], defeats="no-detour")
    Norm('detour', '*', optional, priority=0, specificity=0, time=0.0, tags=('route',), \
cost=2.5, defeats=('no-detour',))
    """

    __slots__ = (
        "_native",
        "action",
        "context",
        "cost",
        "decide",
        "defeats",
        "description",
        "id",
        "inherits",
        "modality",
        "predicate",
        "priority",
        "specificity",
        "tags",
        "time",
    )
    modality: Modality
    id: NodeId
    action: str
    predicate: Predicate
    priority: int
    specificity: int
    time: float
    description: str
    context: Any
    tags: tuple[str, ...]
    cost: float
    defeats: tuple[NodeId, ...]
    inherits: NodeId | None
    decide: Any
    _native: Any

    def __init__(
        self,
        id: NodeId,
        action: str,
        predicate: Predicate,
        modality: str | Modality,
        *,
        priority: int = 0,
        specificity: int = 0,
        time: Any = 0.0,
        description: str = "",
        context: Any = None,
        tags: Any = (),
        cost: float = 0.0,
        defeats: Any = (),
        inherits: NodeId | None = None,
        decide: Any = None,
    ) -> None:
        from causaloid.uncertain import SPRT

        self.id = check_id(id, "norm id")
        if not isinstance(action, str):
            raise TypeError(f"action must be a str, got {type(action).__name__}")
        for name, v in (("priority", priority), ("specificity", specificity)):
            if isinstance(v, bool) or not isinstance(v, int):
                raise TypeError(f"{name} must be an int, got {type(v).__name__} {v!r:.40}")
            if not -(2**63) <= v < 2**63:
                raise NormError(
                    f"{name} must fit in 64 bits (between -2**63 and 2**63 - 1), got {v}",
                    {"norm_id": self.id, "parameter": name},
                )
        if not isinstance(modality, str):
            raise TypeError(f"modality must be a str, got {type(modality).__name__}")
        if isinstance(cost, bool) or not isinstance(cost, numbers.Real):
            raise TypeError(f"cost must be a real number, got {type(cost).__name__} {cost!r:.40}")
        if decide is not None and not isinstance(decide, SPRT):
            raise TypeError(f"decide must be a cl.uncertain.SPRT, got {type(decide).__name__}")
        self.tags = _tags(tags, "tags")
        self.cost = float(cost)
        self.defeats = _ids(defeats, "defeats")
        self.inherits = None if inherits is None else check_id(inherits, "inherits")
        self.decide = decide
        self.action = action
        self.predicate = predicate
        self.priority = priority
        self.specificity = specificity
        self.time = _timestamp(time)
        self.description = description
        self.context = context
        expr = pred = member = None
        contexts: list[Any] = [] if context is None else [context]
        if isinstance(predicate, Causal):
            member = predicate._member()
        elif isinstance(predicate, Expr):
            expr = predicate._native
            contexts += [c for c in predicate.contexts if not any(c is d for d in contexts)]
        elif predicate is False:
            raise NormError(
                "predicate=False would make a norm that never applies; leave it out",
                {"norm_id": self.id, "parameter": "predicate"},
            )
        elif predicate is None or predicate is True:
            pass
        elif callable(predicate):
            pred = _PredicateAdapter(predicate)
        else:
            raise TypeError(
                "predicate must be a cl.expr expression, a causaloid, a callable, True or None; "
                f"got {type(predicate).__name__}"
            )
        mod = modality.value if isinstance(modality, Modality) else modality
        # The engine validates the modality and the time (ModalityError, NormError).
        from causaloid.context.context import Context

        for c in contexts:
            if not isinstance(c, Context):
                raise TypeError(f"context must be a cl.Context, got {type(c).__name__}")
        self._native = _native.Norm(
            self.id,
            action,
            mod,
            priority,
            specificity,
            self.time,
            description,
            expr,
            pred,
            [c._core for c in contexts],
            list(self.tags),
            self.cost,
            list(self.defeats),
            self.inherits,
            None if decide is None else decide.params,
            None if decide is None else decide.seed,
            member,
        )
        object.__setattr__(self, "modality", Modality(mod.strip().lower()))

    def __setattr__(self, name: str, value: Any) -> None:
        # The engine holds a compiled copy: a changed field would silently not apply.
        if hasattr(self, "_native"):
            raise AttributeError(
                f"a Norm is immutable; build a new Norm and pass it to Ethos.update() "
                f"(tried to set {name!r})"
            )
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        mod = self.modality.value
        extra = ""
        if self.tags:
            extra += f", tags={self.tags!r}"
        if self.cost:
            extra += f", cost={self.cost!r}"
        if self.defeats:
            extra += f", defeats={self.defeats!r}"
        if self.inherits is not None:
            extra += f", inherits={self.inherits!r}"
        return (
            f"Norm({self.id!r}, {self.action!r}, {mod}, priority={self.priority}, "
            f"specificity={self.specificity}, time={self.time}{extra})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        mod = self.modality.value
        return (
            _rebuild,
            (
                self.id,
                self.action,
                self.predicate,
                mod,
                self.priority,
                self.specificity,
                self.time,
                self.description,
                self.context,
                self.tags,
                self.cost,
                self.defeats,
                self.inherits,
                self.decide,
            ),
        )


def _rebuild(
    id: NodeId,
    action: str,
    predicate: Any,
    modality: str,
    priority: int,
    specificity: int,
    time: float,
    description: str,
    context: Any = None,
    tags: Any = (),
    cost: float = 0.0,
    defeats: Any = (),
    inherits: NodeId | None = None,
    decide: Any = None,
) -> Norm:
    return Norm(
        id,
        action,
        predicate,
        modality,
        context=context,
        priority=priority,
        specificity=specificity,
        time=time,
        description=description,
        tags=tags,
        cost=cost,
        defeats=defeats,
        inherits=inherits,
        decide=decide,
    )


def _from_native(native: Any, known: Mapping[NodeId, Norm] | None = None) -> Norm:
    """The Python norm around a norm the engine built or read (from an
    operation program's JSON, say): the known Python norm of that id when it
    is the same norm, else one rebuilt from the engine's fields."""
    import json

    from causaloid.context.context import Context
    from causaloid.errors import CausalError
    from causaloid.expr.expression import _wrap
    from causaloid.uncertain import SPRT

    text = None if native.has_host_predicate else native.to_json()
    same = None if known is None else known.get(native.id)
    if same is not None:
        if text is None and same._native.has_host_predicate:
            return same
        try:
            if text is not None and same._native.to_json() == text:
                return same
        except CausalError:
            pass
    if text is None:
        raise NormError(
            f"norm {native.id!r} has a Python predicate this process does not know",
            {"norm_id": native.id},
        )
    fields = json.loads(text)
    expr, member, contexts = native.parts()
    ctxs = tuple(Context._wrap(c) for c in contexts)
    predicate: Any = None
    if expr is not None:
        predicate = _wrap(expr, ctxs)
    elif member is not None:
        from causaloid.graph._json import wrap

        predicate = wrap(member)
    decide = None
    if fields.get("decide") is not None:
        d = fields["decide"]
        decide = SPRT(
            threshold=d["threshold"],
            confidence=d["confidence"],
            epsilon=d["epsilon"],
            max_samples=d["max_samples"],
            seed=fields.get("seed"),
        )
    norm = Norm.__new__(Norm)
    values = {
        "id": native.id,
        "action": fields["action"],
        "predicate": predicate,
        "priority": int(fields["priority"]),
        "specificity": int(fields["specificity"]),
        "time": float(fields["time"]),
        "description": fields["description"],
        "context": ctxs[0] if ctxs else None,
        "tags": tuple(fields["tags"]),
        "cost": float(fields["cost"]),
        "defeats": tuple(_ids(fields["defeats"], "defeats")),
        "inherits": fields["inherits"],
        "decide": decide,
        "modality": Modality(fields["modality"]),
    }
    for k, v in values.items():
        object.__setattr__(norm, k, v)
    object.__setattr__(norm, "_native", native)
    return norm
