"""Counterfactual on real microservice metrics: how much of the slowdown users
saw during an incident did the faulty service cause?

In the Sock Shop benchmark a CPU hog was injected into the ``carts`` service.
Carts' CPU went from ~7 % to ~45 %, and the front-end latency users see rose
from ~69 ms to ~82 ms. The front end waits on carts directly and through
orders (which itself calls carts). We fit a structural causal model of that
call chain on the whole run, then ask, minute by minute of the incident:
*had carts' CPU stayed at its normal level — everything else about that minute
unchanged (its traffic, the noise of every service) — what latency would users
have seen?* Abduction keeps each minute's own noise, so the answer is about
those very minutes, not an average minute.

Data: ``data/sock-shop/<case>/{normal,anomalous}.csv`` (one row a minute).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

import causaloid as cl

DATA = Path(__file__).parent / "data" / "sock-shop"
FE = "front-end_latency"
EDGES = [
    ("carts_workload", "carts_cpu"),
    ("carts_cpu", "carts_latency"),
    ("carts_workload", "carts_latency"),
    ("carts_latency", "orders_latency"),
    ("orders_latency", FE),
    ("carts_latency", FE),
    ("front-end_cpu", FE),
]
VARIABLES = sorted({v for e in EDGES for v in e})

for case in sorted(p for p in DATA.iterdir() if p.is_dir()):
    normal = pl.read_csv(case / "normal.csv").select(VARIABLES)
    incident = pl.read_csv(case / "anomalous.csv").select(VARIABLES)
    model = cl.SCM.from_edges(EDGES).fit(pl.concat([normal, incident]))
    if case.name.endswith("_1"):
        print("the model, fitted on the whole run (normal and incident minutes):")
        print(model.explain())

    baseline_cpu = float(normal["carts_cpu"].median())
    cf = model.counterfactual(incident, do={"carts_cpu": baseline_cpu})
    seen = incident[FE].to_numpy()
    would = cf[FE]
    usual = float(normal[FE].mean())
    caused = seen - would
    share = caused.mean() / (seen.mean() - usual)
    print(f"\n== {case.name}: {incident.height} incident minutes")
    print(
        f"front-end latency: usually {1e3 * usual:.1f} ms, during the incident "
        f"{1e3 * seen.mean():.1f} ms; had carts' CPU stayed at {baseline_cpu:.1f} % "
        f"it would have been {1e3 * would.mean():.1f} ms"
    )
    print(
        f"the carts fault caused {1e3 * caused.mean():.1f} ms of the "
        f"{1e3 * (seen.mean() - usual):.1f} ms slowdown ({share:.0%}); "
        f"worst minute: {1e3 * caused.max():.1f} ms"
    )
    worst = int(np.argmax(caused))
    print(f"\nthe worst minute (row {worst}), step by step:")
    print(cf.row(worst).explain())

    # Sanity of the answer: the intervention changes nothing upstream or aside
    # of carts' CPU, and doing nothing gives back the observations exactly.
    assert np.array_equal(cf["front-end_cpu"], incident["front-end_cpu"].to_numpy())
    assert np.array_equal(model.counterfactual(incident)[FE], seen)
    assert 0.5 < share <= 1.2, share
