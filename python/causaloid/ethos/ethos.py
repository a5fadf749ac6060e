"""The :class:`Ethos`: a set of norms that judges proposed actions, resolving
conflicts defeasibly — lex superior, then lex specialis, then lex posterior."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from causaloid import _native
from causaloid.ethos.norm import Norm
from causaloid.graph._base import NodeId

#: The judgement of one proposed action (native): ``modality``, ``permitted``
#: (also its truth value), ``decided_by``, ``applicable``, ``concurring``,
#: ``defeated`` (``(norm, by, rule, reason)`` tuples), ``unresolved`` and
#: ``justification`` (plain text, also ``str(verdict)``).
DeonticVerdict = _native.DeonticVerdict


class Ethos:
    """Deontic norms that vet proposed actions.

    Judging an action: the norms governing it whose predicates hold apply;
    they are ranked by priority (lex superior), then specificity (lex
    specialis), then time (lex posterior), and the highest decides. Every
    applicable norm of another modality is reported as defeated, with the
    first rule that ranks it lower. When no norm applies the action is
    optional (permitted). When disagreeing norms tie on all three ranks, no
    rule decides: the action is then impermissible if one of them forbids
    it, optional otherwise, and the justification says so.

    Parameters
    ----------
    norms : iterable of Norm
        Ids must be unique.

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
    """

    __slots__ = ("_native", "_norms")

    def __init__(self, norms: Iterable[Norm] = ()) -> None:
        norms = list(norms)
        for n in norms:
            _check_norm(n)
        self._native = _native.Ethos([n._native for n in norms])
        self._norms: dict[NodeId, Norm] = {n.id: n for n in norms}

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
        self, action: str, context: Mapping[str, Any] | None = None, *, time: Any = None
    ) -> Any:
        """Judge a proposed action.

        Parameters
        ----------
        action : str
            The proposed action's name.
        context : mapping, optional
            What the norms' predicates read: expressions read its numeric and
            boolean entries by name; callables receive the mapping itself.
        time : float or datetime, optional
            Judge as of this time: norms enacted later are not yet in force.

        Returns
        -------
        DeonticVerdict
            ``.permitted``, ``.modality``, ``.justification`` ...
        """
        if not isinstance(action, str):
            raise TypeError(f"action must be a str, got {type(action).__name__}")
        if context is not None and not hasattr(context, "items"):
            raise TypeError(f"context must be a mapping, got {type(context).__name__}")
        t = None
        if time is not None:
            t = time.timestamp() if isinstance(time, _dt.datetime) else float(time)
        return self._native.evaluate(action, context, t)

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
        return (Ethos, (self.norms,))


def _check_norm(norm: Any) -> None:
    if not isinstance(norm, Norm):
        raise TypeError(f"expected a cl.Norm, got {type(norm).__name__}")
