"""Edges read off SURD results: thresholds turn redundant, unique and
synergistic components into causal links, each with a written rationale."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from causaloid.discover.result import SurdResult

KINDS = ("unique", "redundant", "synergistic")


@dataclass(frozen=True)
class Edge:
    """A causal link found by SURD.

    Attributes
    ----------
    sources : tuple of str
        The cause: one agent (unique), agents that each carry the same
        information (redundant) or agents that act only together (synergistic).
    target : str
        The effect.
    kind : str
        ``"unique"``, ``"redundant"`` or ``"synergistic"``.
    strength : float
        Fraction of the target's entropy the component explains.
    bits : float
        The component in bits.
    rationale : str
        Why the edge is there, in words.
    p_value : float or None
        Family-wise permutation p-value of the component (``None`` untested).
    corrected : float or None
        Fraction of the target's entropy once the permutation null's mean
        (the finite-sample bias) is removed.
    """

    sources: tuple[str, ...]
    target: str
    kind: str
    strength: float
    bits: float
    rationale: str
    p_value: float | None = None
    corrected: float | None = None

    def to_line(self, width: int = 100) -> str:
        """The edge in one line of at most ``width`` characters: kind (R/U/S),
        causes (cut with a count when many), strength, corrected strength, p.

        Examples
        --------
        >>> e = Edge(("a", "b"), "y", "synergistic", 0.4, 0.8, "why", 0.0099, 0.35)
        >>> e.to_line()
        'S a & b -> y  40.0% (corrected 35.0%, p 0.010)'
        """
        from causaloid.discover.result import PREFIX, fit_names

        tail = f" -> {self.target}  {self.strength:.1%}"
        if self.p_value is not None and self.corrected is not None:
            tail += f" (corrected {self.corrected:.1%}, p {self.p_value:.3f})"
        joiner = " & " if self.kind == "synergistic" else " | "
        room = max(width - 2 - len(tail), 12)
        return f"{PREFIX[self.kind]} {fit_names(self.sources, room, joiner)}{tail}"[:width]

    def __str__(self) -> str:
        # "|": any one of them carries it (redundant); "&": only together (synergistic).
        joiner = " & " if self.kind == "synergistic" else " | "
        return f"{joiner.join(self.sources)} -> {self.target} [{self.kind} {self.strength:.1%}]"


def _ahead(lag: int | None) -> str:
    if not lag:
        return "at the same time"
    return f"{lag} step{'s' if lag != 1 else ''} ahead"


def edges_from(
    result: SurdResult, thresholds: dict[str, float], alpha: float | None = None
) -> list[Edge]:
    """The edges of one SURD result whose normalised component reaches its
    threshold and, when ``alpha`` is given and the result was tested, whose
    family-wise p-value is at most ``alpha``."""
    h = result.target_entropy
    if h <= 0.0:
        return []
    t, ahead = result.target, _ahead(result.lag)
    out: list[Edge] = []
    for edge in _candidates(result, thresholds, h, t, ahead):
        test = result.test(edge.kind, edge.sources)
        if test is None:
            out.append(edge)
            continue
        if alpha is not None and test.p_value > alpha:
            continue
        why = (
            f"{edge.rationale}; p = {test.p_value:.3f} against {result.permutations} shuffles, "
            f"{test.corrected / h:.1%} once the bias of chance is removed"
        )
        out.append(replace(edge, rationale=why, p_value=test.p_value, corrected=test.corrected / h))
    return out


def _candidates(
    result: SurdResult, thresholds: dict[str, float], h: float, t: str, ahead: str
) -> Iterator[Edge]:
    for agent, bits in result.unique.items():
        share = bits / h
        if share >= thresholds["unique"] and share > 0:
            why = (
                f"{agent} alone explains {share:.1%} of the uncertainty of {t} {ahead} "
                f"({bits:.3f} bits) that no other agent carries (unique causality)"
            )
            yield Edge((agent,), t, "unique", share, bits, why)
    for combo, bits in result.redundant.items():
        share = bits / h
        if share >= thresholds["redundant"] and share > 0:
            why = (
                f"{', '.join(combo)} each carry the same {share:.1%} of the uncertainty of "
                f"{t} {ahead} ({bits:.3f} bits; redundant causality)"
            )
            yield Edge(combo, t, "redundant", share, bits, why)
    for combo, bits in result.synergistic.items():
        share = bits / h
        if share >= thresholds["synergistic"] and share > 0:
            why = (
                f"{', '.join(combo)} together explain {share:.1%} of the uncertainty of {t} "
                f"{ahead} ({bits:.3f} bits) that none of them carries alone "
                "(synergistic causality)"
            )
            yield Edge(combo, t, "synergistic", share, bits, why)
