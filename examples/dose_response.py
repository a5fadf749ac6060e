"""A drug's effect along dose -> absorption -> metabolism -> response, and an
intervention after absorption that turns the response from Effective to
Ineffective. Every step and the intervention are in the log."""

from __future__ import annotations

import causaloid as cl


def absorption(dose_mg: float) -> float:
    """80% of the dose reaches the blood."""
    return dose_mg * 0.8


def metabolism(absorbed_mg: float) -> float:
    """The liver clears 10% before the drug acts."""
    return absorbed_mg * 0.9


def response(active_mg: float) -> str:
    """At least 5 mg of active drug gives an effective response."""
    return "Effective" if active_mg >= 5.0 else "Ineffective"


observed = cl.Effect.pure(10.0).bind(absorption).bind(metabolism).bind(response)
print(observed.explain())

print()
intervened = cl.Effect.pure(10.0).bind(absorption).intervene(3.0).bind(metabolism).bind(response)
print(intervened.explain())

print(
    f"\nwithout intervention: {observed.value}; "
    f"with intervene(3.0) after absorption: {intervened.value}"
)
assert (observed.value, intervened.value) == ("Effective", "Ineffective")
