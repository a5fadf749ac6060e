"""The :class:`CausalCollection`: causaloids aggregated by a logic."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from causaloid import _native
from causaloid.errors import InvalidArgumentError
from causaloid.graph._base import Causal, NodeId, check_id


@dataclass(frozen=True)
class AtLeast:
    """Collection logic: at least ``k`` members active.

    With degrees, the k-th largest degree (so ``AtLeast(n)`` is "all").

    >>> AtLeast(2)
    AtLeast(k=2)
    """

    k: int

    def __post_init__(self) -> None:
        if isinstance(self.k, bool) or not isinstance(self.k, int) or self.k < 1:
            raise InvalidArgumentError(
                f"AtLeast needs a whole number k >= 1, got {self.k!r:.40}", {"parameter": "k"}
            )


Logic = str | AtLeast
# The engine owns the logics; "at_least" is spelt cl.AtLeast(k) here.
LOGICS = tuple(name for name in _native.vocabulary()[2] if name != "at_least")


class CausalCollection(Causal):
    """Causaloids (of any form) aggregated by a logic.

    Parameters
    ----------
    members : iterable of Causaloid, CausalCollection or CausalGraph
        Evaluated on the same input, in order. Ids must be unique.
    logic : {"all", "any", "none"} or AtLeast
        With booleans the quantifiers; with degrees "all" is the minimum,
        "any" the maximum, "none" one minus the maximum and ``AtLeast(k)``
        the k-th largest degree.
    id : int or str
        The collection's own id, when it joins a graph.
    description : str
        What the collection decides, in words.

    Examples
    --------
    >>> from causaloid import Causaloid, expr as E
    >>> checks = CausalCollection(
    ...     [Causaloid(i, f"sensor {i} ok", expr=E.col(f"s{i}") < 5) for i in range(3)],
    ...     logic=AtLeast(2), id="health")
    >>> checks.evaluate({"s0": 1.0, "s1": 9.0, "s2": 3.0}).value
    True
    """

    __slots__ = ("_description", "_id", "_logic", "_members", "_native")

    def __init__(
        self,
        members: Iterable[Causal],
        logic: Logic = "all",
        *,
        id: NodeId = "collection",
        description: str = "",
    ) -> None:
        self._id = check_id(id)
        self._description = str(description)
        self._members = list(members)
        for m in self._members:
            if not isinstance(m, Causal):
                raise TypeError(
                    "members must be Causaloid, CausalCollection or CausalGraph objects, "
                    f"got {type(m).__name__}"
                )
        if isinstance(logic, AtLeast):
            name, k = "at_least", logic.k
        elif logic in LOGICS:
            name, k = str(logic), 0
        else:
            raise InvalidArgumentError(
                f"logic must be 'all', 'any', 'none' or cl.AtLeast(k), got {logic!r:.40}",
                {"parameter": "logic"},
            )
        self._logic = logic
        natives = [m._member() for m in self._members]
        self._native = _native.Member.collection(self._id, self._description, natives, name, k)

    def _member(self) -> Any:
        return self._native

    @classmethod
    def _from_native(cls, member: Any, members: list[Causal]) -> CausalCollection:
        """Wraps a native collection (read by the engine) around its wrapped members."""
        c = cls.__new__(cls)
        c._id = member.id
        c._description = member.description
        name, k = member.logic()
        c._logic = AtLeast(k) if name == "at_least" else name
        c._members = members
        c._native = member
        return c

    @property
    def members(self) -> list[Causal]:
        """The members, in evaluation order."""
        return list(self._members)

    @property
    def logic(self) -> Logic:
        """How the members' verdicts are aggregated."""
        return self._logic

    def __len__(self) -> int:
        return len(self._members)

    def __repr__(self) -> str:
        n = len(self._members)
        return f"CausalCollection({n} members, logic={self._logic!r}, id={self._id!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self._members, self._logic, self._id, self._description))


def _rebuild(members: list[Causal], logic: Logic, id: NodeId, description: str) -> CausalCollection:
    return CausalCollection(members, logic, id=id, description=description)
