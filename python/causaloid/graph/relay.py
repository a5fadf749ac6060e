"""Relays: a causaloid's way to continue the evaluation at another node."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Relay:
    """Returned by a causal function to continue the evaluation at ``target``
    (a node id of the same graph) with ``value`` as its incoming value.

    Relays are bounded per evaluation (``CausalGraph(max_relays=...)``); past
    the bound evaluation fails with :class:`~causaloid.errors.RelayLimitError`.

    Examples
    --------
    >>> Relay("shutdown", True)
    Relay(target='shutdown', value=True)
    """

    target: int | str
    value: bool | float
