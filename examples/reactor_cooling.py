"""Monitor a chemical reactor with a causal model.

A causal graph decides, for each reading of the reactor's sensors, whether to
trip the emergency cooling. Sensor-health checks form a collection (at least
two of three thermometers must agree), and the graph propagates their verdict
through the causal chain: heat -> runaway reaction -> trip. The model is
evaluated on single readings (with an explanation) and on a simulated day of
readings at once.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

import causaloid as cl
from causaloid import expr as E

# --- the model -------------------------------------------------------------------
thermometers = cl.CausalCollection(
    [
        cl.Causaloid(f"t{i}", f"thermometer {i} reads above 350 K", expr=E.col(f"temp{i}") > 350)
        for i in (1, 2, 3)
    ],
    logic=cl.AtLeast(2),
    id="hot",
    description="core is hot (2 of 3 thermometers agree)",
)
pressure = cl.Causaloid("pressure", "pressure above 12 bar", expr=E.col("pressure") > 12)
flow = cl.Causaloid("coolant", "coolant flow below 40 l/s", expr=E.col("coolant_flow") < 40)
runaway = cl.Causaloid(
    "runaway",
    "heat with rising pressure means a runaway reaction",
    expr=E.value() & (E.col("pressure_rate") > 0.5),
)
trip = cl.Causaloid("trip", "trip emergency cooling on a runaway or a coolant loss", expr=E.value())

model = cl.CausalGraph("reactor", "emergency cooling decision")
for node in (thermometers, pressure, flow, runaway, trip):
    model.add(node)
model.link("hot", "runaway")
model.link("pressure", "runaway")
model.link("runaway", "trip")
model.link("coolant", "trip")
model.freeze()

# --- one reading, explained ----------------------------------------------------
reading = {
    "temp1": 362.0,
    "temp2": 349.0,
    "temp3": 355.0,
    "pressure": 13.1,
    "pressure_rate": 0.8,
    "coolant_flow": 52.0,
}
effect = model.evaluate(reading)
print("One reading:")
print(effect.explain())

# --- a simulated day, at once ----------------------------------------------------
rng = np.random.default_rng(2024)
n = 86_400  # one reading per second
base = 330 + 25 * np.sin(np.linspace(0, 2 * np.pi, n))
day = {
    "temp1": base + rng.normal(0, 3, n),
    "temp2": base + rng.normal(0, 3, n),
    "temp3": base + rng.normal(0, 3, n),
    "pressure": 10 + 3 * np.sin(np.linspace(0, 2 * np.pi, n)) + rng.normal(0, 0.3, n),
    "pressure_rate": rng.normal(0.3, 0.3, n),
    "coolant_flow": rng.normal(55, 6, n),
}
trips, nodes = model.evaluate_batch(day, activations=True)
print(
    f"\nA simulated day ({n:,} readings): emergency cooling tripped on {trips.sum():,} readings "
    f"({trips.mean():.2%})."
)
for node, active in nodes.items():
    print(f"  {node:<9} active on {active.mean():6.2%} of readings")

first = int(np.argmax(trips))
row = {name: float(col[first]) for name, col in day.items()}
print(f"\nWhy the first trip, at second {first}:")
print(model.explain(row))

# --- a picture of the decision ---------------------------------------------------
try:
    import matplotlib.pyplot as plt
except ImportError:  # matplotlib is optional
    plt = None
if plt is not None:
    from matplotlib.patches import Patch

    ax = model.plot(model.evaluate(row))
    ax.set_title(f"Why the cooling tripped at second {first}: each node's verdict")
    # The drawing colours nodes from red (inactive) to green (active) and grey
    # when the node was not evaluated; the legend says so.
    ax.legend(
        handles=[
            Patch(color=plt.cm.RdYlGn(0.8), label="active (verdict true)"),
            Patch(color=plt.cm.RdYlGn(0.2), label="inactive (verdict false)"),
            Patch(color="0.85", label="not evaluated"),
        ],
        loc="lower center",
        bbox_to_anchor=(0.5, -0.12),
        ncol=3,
        frameon=False,
    )
    # Figures go here (created if needed), never into the working directory.
    out = Path(os.environ.get("CAUSALOID_OUTPUT", "causaloid-output"))
    out.mkdir(parents=True, exist_ok=True)
    ax.figure.savefig(out / "reactor_decision.png", dpi=100, bbox_inches="tight")
    print(f"saved the decision graph to {out / 'reactor_decision.png'}")
