"""Edges read off SURD results: thresholds turn redundant, unique and
synergistic components into causal links, each with a written rationale."""

from __future__ import annotations

from dataclasses import dataclass

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
    """

    sources: tuple[str, ...]
    target: str
    kind: str
    strength: float
    bits: float
    rationale: str

    def __str__(self) -> str:
        # "|": any one of them carries it (redundant); "&": only together (synergistic).
        joiner = " & " if self.kind == "synergistic" else " | "
        return f"{joiner.join(self.sources)} -> {self.target} [{self.kind} {self.strength:.1%}]"


def _ahead(lag: int | None) -> str:
    if not lag:
        return "at the same time"
    return f"{lag} step{'s' if lag != 1 else ''} ahead"


def edges_from(result: SurdResult, thresholds: dict[str, float]) -> list[Edge]:
    """The edges of one SURD result whose normalised component reaches its threshold."""
    h = result.target_entropy
    if h <= 0.0:
        return []
    t, ahead = result.target, _ahead(result.lag)
    out: list[Edge] = []
    for agent, bits in result.unique.items():
        share = bits / h
        if share >= thresholds["unique"] and share > 0:
            why = (
                f"{agent} alone explains {share:.1%} of the uncertainty of {t} {ahead} "
                f"({bits:.3f} bits) that no other agent carries (unique causality)"
            )
            out.append(Edge((agent,), t, "unique", share, bits, why))
    for combo, bits in result.redundant.items():
        share = bits / h
        if share >= thresholds["redundant"] and share > 0:
            why = (
                f"{', '.join(combo)} each carry the same {share:.1%} of the uncertainty of "
                f"{t} {ahead} ({bits:.3f} bits; redundant causality)"
            )
            out.append(Edge(combo, t, "redundant", share, bits, why))
    for combo, bits in result.synergistic.items():
        share = bits / h
        if share >= thresholds["synergistic"] and share > 0:
            why = (
                f"{', '.join(combo)} together explain {share:.1%} of the uncertainty of {t} "
                f"{ahead} ({bits:.3f} bits) that none of them carries alone "
                "(synergistic causality)"
            )
            out.append(Edge(combo, t, "synergistic", share, bits, why))
    return out
