"""A model changed by an operation program, and its log explained.

A boiler-room model decides whether to raise an alarm from a temperature
reading and a pressure reading. Engineers change it *as data*: an operation
program (re-rate the pressure limit in the context, add a smoke detector,
scale the raw pressure sensor on its edge, track a running heat load as graph
state). The engine applies the program all or nothing and returns the new
model with a modification log, which we print in words, write as JSON,
replay onto the original model, and compare with a second log. A program with
a bad operation fails whole and names the operation.

Run: python examples/model_changes.py
"""

from __future__ import annotations

import causaloid as cl
from causaloid import expr as E

# ---- the model as it runs today -----------------------------------------------------
limits = cl.Context(1, "limits").add(cl.Data("max_temp", 90.0), cl.Data("max_bar", 6.0))

g = cl.CausalGraph("boiler", "boiler-room alarm")
temp = g.add(
    cl.Causaloid("temp", "too hot", expr=E.col("temp") > E.ctx_value("max_temp", context="limits"))
)
pressure = g.add(cl.Causaloid("pressure", "raw pressure (mbar)", expr=E.col("mbar")))
over = g.add(
    cl.Causaloid("over", "over pressure", expr=E.value() > E.ctx_value("max_bar", context="limits"))
)
alarm = g.add(cl.Causaloid("alarm", "raise the alarm", expr=E.value()))
g.link(pressure, over, transform=E.value() / 1000.0)  # mbar -> bar on the edge
g.link(temp, alarm)
g.link(over, alarm)
model = cl.Model("boiler", "boiler-room alarm", g.freeze(), context=limits)

reading = {"temp": 85.0, "mbar": 6500.0, "smoke": 0.1, "load": 5.0}
print("before: alarm at 6.5 bar?", model.evaluate(reading).value)

# ---- the change, as data ---------------------------------------------------------------
program = [
    # The vessel was re-rated: 7 bar is now the limit.
    cl.ops.set_field("limits", "max_bar", "value", 7.0),
    # A smoke detector feeds the alarm too.
    cl.ops.add_causaloid(
        cl.Causaloid("smoke", "smoke detected", expr=E.col("smoke") > 0.3), children=["alarm"]
    ),
    # Heat load accumulates from reading to reading (a Markovian state).
    cl.ops.add_causaloid(
        cl.Causaloid("heat", "accumulated heat load", expr=E.state("heat") * 0.8 + E.col("load"))
    ),
    cl.ops.add_causaloid(
        cl.Causaloid("overheat", "heat load above 20", expr=E.value() > 20.0),
        parents=["heat"],
        children=["alarm"],
    ),
    cl.ops.add_state("heat", 0.0, writer="heat"),
]
changed, log = model.apply(program)
print("\nmodification log:")
print(log.explain())
print("\nafter: alarm at 6.5 bar?", changed.evaluate(reading).value)
print("the original model is unchanged:", model.evaluate(reading).value)

# ---- the log is data too ----------------------------------------------------------------
text = log.to_json()
again, _ = model.replay(cl.ops.ModificationLog.from_json(text))
assert again.to_json() == changed.to_json()
print(f"\nthe log ({len(text)} bytes of JSON) replays onto the original model: equal result")

# What differs between the two models, as a program the engine computes.
print("\nprogram from the old model to the new one:")
for op in model.diff(changed):
    print("  ", op.name)

# Two logs compared: the first two operations only, versus the whole program.
_, short = model.apply(program[:2])
d = log.diff(short)
print(f"\nthe logs share {d.common} operations; only in the full one: {d.only_left}")

# ---- the heat state threads through a sequence of readings -----------------------------
seq = changed.causaloid.evaluate_sequence(
    {"temp": [80.0, 80.0, 80.0], "mbar": [5000.0] * 3, "smoke": [0.0] * 3, "load": [10.0] * 3}
)
print("\nheat load after each reading:", seq.states["heat"].tolist())
print("alarm on each reading:", seq.values.tolist())

# ---- a bad program fails whole and names the operation ------------------------------------
try:
    changed.apply([cl.ops.remove_causaloid("smoke"), cl.ops.remove_causaloid("ghost")])
except cl.CausalError as err:
    print(f"\nrefused: {type(err).__name__} at operation {err.operation} ({err.op}): {err}")
    assert "smoke" in changed.causaloid.nodes  # nothing was applied

# ---- the model's ethos changes as data too ---------------------------------------------------
# The alarm proposes an emergency shutdown; the ethos vets it. Shutting down
# during a delivery is forbidden unless the pressure is critical.
ethos = cl.Ethos(
    [
        cl.Norm("shut-on-alarm", "shutdown", None, "obligatory"),
        cl.Norm(
            "not-during-delivery", "shutdown", E.col("delivery") > 0, "impermissible", priority=5
        ),
    ]
)
guarded = cl.Model(
    "boiler", "boiler-room alarm", changed.causaloid, context=changed.contexts, ethos=ethos
)
hot = {"temp": 95.0, "mbar": 9000.0, "smoke": 0.0, "load": 0.0, "delivery": 1.0}
print("\nshutdown during a delivery:", guarded.vet("shutdown", hot))

safety = [
    # Critical pressure overrides the delivery rule.
    cl.ops.add_norm(
        cl.Norm(
            "critical-pressure",
            "shutdown",
            E.col("mbar") > 8500.0,
            "obligatory",
            priority=10,
            defeats="not-during-delivery",
        )
    ),
    cl.ops.update_norm(
        cl.Norm(
            "not-during-delivery",
            "shutdown",
            E.col("delivery") > 0,
            "impermissible",
            priority=5,
            description="deliveries are not interrupted",
        )
    ),
]
safer, norms_log = guarded.apply(safety)
print("norm changes:")
print(norms_log.explain())
print("after the change:", safer.vet("shutdown", hot))
assert not guarded.vet("shutdown", hot) and safer.vet("shutdown", hot)
replayed, _ = guarded.replay(cl.ops.ModificationLog.from_json(norms_log.to_json()))
assert replayed.to_json() == safer.to_json()
