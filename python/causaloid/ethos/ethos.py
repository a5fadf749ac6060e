"""The :class:`Ethos`: a set of norms that judges proposed actions, resolving
conflicts defeasibly — lex superior, then lex specialis, then lex posterior —
or by DeepCausality's modal precedence."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from causaloid import _native
from causaloid._seed import Seed, as_seed
from causaloid.ethos.norm import Norm, _tags
from causaloid.graph._base import MissingPolicy, NodeId

#: The judgement of one proposed action (native): ``modality``, ``permitted``
#: (also its truth value), ``decided_by``, ``applicable``, ``concurring``,
#: ``defeated`` (``(norm, by, rule, reason)`` tuples; rules: ``"lex superior"``,
#: ``"lex specialis"``, ``"lex posterior"``, ``"explicit defeat"``,
#: ``"modal precedence"``), ``unresolved``, ``calculus``, ``tags`` (the
#: action's tags), ``cost`` (when optional: the summed cost of the optional
#: norms that stand), ``decisions`` (``(norm, Decision)`` for predicates decided
#: on uncertain values) and ``justification`` (plain text, also ``str(verdict)``).
DeonticVerdict = _native.DeonticVerdict

#: How the norms that survive explicit defeats settle on one status.
CALCULI = ("priority", "deepcausality")
"""The resolution calculi an :class:`Ethos` offers (see ``docs/ethos.md``)."""


@dataclass(frozen=True)
class Choice:
    """The outcome of :meth:`Ethos.choose`: the chosen action (None when every
    alternative is forbidden), its position, every alternative's verdict in
    the order given, and why. Truthy when an action was chosen."""

    action: str | None
    index: int | None
    verdicts: tuple[Any, ...]
    reason: str

    def __bool__(self) -> bool:
        return self.action is not None

    def __str__(self) -> str:
        return self.reason


class Ethos:
    """Deontic norms that vet proposed actions.

    Judging an action: the norms governing it (by name or ``"*"``) whose
    tags match the action's (an untagged norm vets every action) and whose
    predicates hold (and their parents', for specializations) apply. A norm
    declared to defeat another applicable norm takes it out. The rest are
    settled by the ``calculus``:

    - ``"priority"`` (default): they are ranked by priority (lex superior),
      then specificity (lex specialis), then time (lex posterior), and the
      highest decides. Every applicable norm of another modality is reported
      as defeated, with the first rule that ranks it lower. When disagreeing
      norms tie on all three ranks, no rule decides: the action is then
      impermissible if one of them forbids it, optional otherwise, and the
      justification says so.
    - ``"deepcausality"``: DeepCausality's calculus. A declared defeat counts
      only when the defeater outranks the defeated on priority, specificity
      or time; then any surviving impermissible norm wins, else any
      obligatory one, else the action is optional.

    When no norm applies the action is optional (permitted). An optional
    verdict carries the summed ``cost`` of the optional norms that stand.

    Parameters
    ----------
    norms : iterable of Norm
        Ids must be unique; the norms they defeat or specialize must be among
        them, and defeats or specializations must not loop.
    calculus : {"priority", "deepcausality"}
        How the surviving norms settle on one status.
    action_tags : mapping of str to iterable of str, optional
        The tags each action carries (also in a state machine, whose actions
        are judged by name).

    Examples
    --------
    >>> ethos = cl.Ethos([
    ...     cl.Norm("evacuate-on-fire", "evacuate", cl.expr.col("heat") > 80, "obligatory"),
    ...     cl.Norm("two-sensors", "evacuate", cl.expr.col("agreeing") < 2, "impermissible",
    ...             priority=10),
    ... ])
    >>> v = ethos.evaluate("evacuate", {"heat": 95.0, "agreeing": 1})
    >>> v.permitted, v.modality
    (False, 'impermissible')
    >>> print(v.justification)
    action "evacuate" is impermissible by norm "two-sensors"
      norm "evacuate-on-fire" defeated by norm "two-sensors": lex superior (priority 10 > 0)
    >>> bool(ethos.evaluate("evacuate", {"heat": 95.0, "agreeing": 2}))
    True

    The two calculi on the same norms:

    >>> norms = [cl.Norm("duty", "fire", None, "obligatory", priority=10),
    ...          cl.Norm("ban", "fire", None, "impermissible", priority=1)]
    >>> cl.Ethos(norms).evaluate("fire").modality
    'obligatory'
    >>> cl.Ethos(norms, calculus="deepcausality").evaluate("fire").modality
    'impermissible'
    """

    __slots__ = ("_native", "_norms")

    def __init__(
        self,
        norms: Iterable[Norm] = (),
        *,
        calculus: str = "priority",
        action_tags: Mapping[str, Any] | None = None,
    ) -> None:
        norms = list(norms)
        for n in norms:
            _check_norm(n)
        if not isinstance(calculus, str):
            raise TypeError(f"calculus must be a str, got {type(calculus).__name__}")
        tags = _action_tags(action_tags)
        self._native = _native.Ethos([n._native for n in norms], calculus, tags)
        self._norms: dict[NodeId, Norm] = {n.id: n for n in norms}

    @property
    def calculus(self) -> str:
        """``"priority"`` or ``"deepcausality"``."""
        return str(self._native.calculus)

    @property
    def action_tags(self) -> dict[str, tuple[str, ...]]:
        """The declared tags of each action."""
        return {a: tuple(t) for a, t in self._native.action_tags}

    def tag_action(self, action: str, tags: Any) -> None:
        """Declare the tags ``action`` carries (replacing earlier ones)."""
        if not isinstance(action, str):
            raise TypeError(f"action must be a str, got {type(action).__name__}")
        self._native.set_action_tags(action, list(_tags(tags, "tags")))

    def effective(self, id: NodeId) -> tuple[tuple[str, ...], int]:
        """A norm's tags with those it inherits, and its specificity as ranked
        (a specialization ranks at least one step above its parent)."""
        tags, specificity = self._native.effective(id)
        return tuple(tags), int(specificity)

    def add(self, norm: Norm) -> None:
        """Add a norm (its id must be new)."""
        _check_norm(norm)
        self._native.add(norm._native)
        self._norms[norm.id] = norm

    def update(self, norm: Norm) -> None:
        """Replace the norm of the same id."""
        _check_norm(norm)
        self._native.update(norm._native)
        self._norms[norm.id] = norm

    def remove(self, id: NodeId) -> Norm:
        """Remove a norm by id and return it."""
        self._native.remove(id)
        return self._norms.pop(id)

    def evaluate(
        self,
        action: str,
        context: Mapping[str, Any] | None = None,
        *,
        time: Any = None,
        tags: Any = (),
        seed: Seed = None,
        missing: MissingPolicy = "raise",
    ) -> Any:
        """Judge a proposed action.

        Parameters
        ----------
        action : str
            The proposed action's name.
        context : mapping, optional
            What the norms' predicates read: expressions and causaloids read
            its numeric, boolean and ``cl.Uncertain`` entries by name;
            callables receive the mapping itself.
        time : float or datetime, optional
            Judge as of this time: norms enacted later are not yet in force.
        tags : str or iterable of str
            Tags the action carries besides those declared for it.
        seed : int or numpy.random.Generator, optional
            The sampling seed for uncertain values (default
            ``cl.uncertain.DEFAULT_SEED``: the same call decides the same way).
        missing : {"raise", "false", "true", "propagate"}
            What a missing value (NaN, ``None``, a pandas ``NA``) that a norm's
            predicate (an expression or a causaloid) reads does: ``"raise"``
            (the default) raises ``MissingValueError`` naming the column and
            the norm (``err.norm_id``); ``"false"`` / ``"true"``: the predicate
            does not hold / holds; ``"propagate"``: it is unknown
            (``verdict.unknown``). The status is then what every way the
            unknown norms may apply agrees on; when they disagree the verdict
            is ``undecided`` and fail-safe: impermissible if one way forbids
            the action (an unknown prohibition never silently permits), else
            optional. Callable predicates receive the mapping as it is.

        Returns
        -------
        DeonticVerdict
            ``.permitted``, ``.modality``, ``.cost``, ``.justification`` ...

        Examples
        --------
        >>> ethos = cl.Ethos([cl.Norm("hot", "vent", cl.expr.col("heat") > 50, "obligatory")])
        >>> v = ethos.evaluate("vent", {"heat": cl.Uncertain.normal(56.0, 5.0)})
        >>> v.modality, v.decisions[0][0], bool(v.decisions[0][1])
        ('obligatory', 'hot', True)

        A dead gas sensor under a prohibition:

        >>> no_spark = cl.Ethos([cl.Norm("gas", "weld", cl.expr.col("gas") > 0.1, "impermissible")])
        >>> v = no_spark.evaluate("weld", {"gas": None}, missing="propagate")
        >>> v.permitted, v.undecided, v.unknown
        (False, True, ['gas'])
        >>> no_spark.evaluate("weld", {"gas": None}, missing="false").permitted
        True
        """
        action, context, t = _args(action, context, time)
        return self._native.evaluate(
            action, context, t, list(_tags(tags, "tags")), _seed(seed), missing
        )

    def choose(
        self,
        actions: Iterable[str],
        context: Mapping[str, Any] | None = None,
        *,
        time: Any = None,
        seed: Seed = None,
        missing: MissingPolicy = "raise",
    ) -> Choice:
        """Judge alternative actions and choose one: an obligatory one if any
        (the first listed), else the permitted one of least cost (the first
        listed among equals); none when every alternative is forbidden.
        ``missing`` decides a missing value a norm reads, as in
        :meth:`evaluate`: an undecided alternative is never obligatory, and is
        refused when a norm that may apply forbids it.

        Examples
        --------
        >>> ethos = cl.Ethos([
        ...     cl.Norm("walk", "walk", None, "optional", cost=3.0),
        ...     cl.Norm("bus", "bus", None, "optional", cost=1.0),
        ...     cl.Norm("no-taxi", "taxi", None, "impermissible"),
        ... ])
        >>> c = ethos.choose(["taxi", "walk", "bus"])
        >>> c.action, [v.cost for v in c.verdicts]
        ('bus', [0.0, 3.0, 1.0])
        >>> print(c)
        chose "bus": the permitted alternative of least cost ("walk" at 3, "bus" at 1); \
refused: "taxi" (impermissible by norm "no-taxi")
        """
        if isinstance(actions, str) or not isinstance(actions, Iterable):
            raise TypeError("actions must be an iterable of action names")
        names = list(actions)
        for a in names:
            if not isinstance(a, str):
                raise TypeError(f"an action must be a str, got {type(a).__name__}")
        _, context, t = _args("", context, time)
        index, verdicts, reason = self._native.choose(names, context, t, _seed(seed), missing)
        return Choice(
            None if index is None else names[index],
            index,
            tuple(verdicts),
            reason,
        )

    @property
    def norms(self) -> list[Norm]:
        """The norms, in the order they were added."""
        return list(self._norms.values())

    @property
    def columns(self) -> list[str]:
        """The context values the norms' expressions read."""
        return list(self._native.columns)

    def __len__(self) -> int:
        return len(self._norms)

    def __iter__(self) -> Iterator[Norm]:
        return iter(list(self._norms.values()))

    def __contains__(self, id: object) -> bool:
        return id in self._norms

    def __repr__(self) -> str:
        return f"Ethos({len(self)} norms)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_ethos, (self.norms, self.calculus, self.action_tags))


def _from_native(native: Any, known: Mapping[NodeId, Norm] | None = None) -> Ethos:
    """The Python ethos around an ethos the engine built (a model's after an
    operation program), keeping the known Python norm of every unchanged id."""
    from causaloid.ethos.norm import _from_native as norm_from_native

    ethos = Ethos.__new__(Ethos)
    ethos._native = native
    ethos._norms = {}
    for n in native.norms():
        norm = norm_from_native(n, known)
        ethos._norms[norm.id] = norm
    return ethos


def _rebuild_ethos(norms: list[Norm], calculus: str = "priority", action_tags: Any = None) -> Ethos:
    return Ethos(norms, calculus=calculus, action_tags=action_tags)


def _check_norm(norm: Any) -> None:
    if not isinstance(norm, Norm):
        raise TypeError(f"expected a cl.Norm, got {type(norm).__name__}")


def _action_tags(action_tags: Any) -> list[tuple[str, list[str]]]:
    if action_tags is None:
        return []
    if not isinstance(action_tags, Mapping):
        raise TypeError(
            f"action_tags must be a mapping of action to tags, got {type(action_tags).__name__}"
        )
    out = []
    for action, tags in action_tags.items():
        if not isinstance(action, str):
            raise TypeError(f"an action name must be a str, got {type(action).__name__}")
        out.append((action, list(_tags(tags, f"tags of action {action!r}"))))
    return out


def _args(action: Any, context: Any, time: Any) -> tuple[str, Any, float | None]:
    if not isinstance(action, str):
        raise TypeError(f"action must be a str, got {type(action).__name__}")
    if context is not None and not hasattr(context, "items"):
        raise TypeError(f"context must be a mapping, got {type(context).__name__}")
    t = None
    if time is not None:
        t = time.timestamp() if isinstance(time, _dt.datetime) else float(time)
    return action, context, t


def _seed(seed: Any) -> int | None:
    return as_seed(seed)
