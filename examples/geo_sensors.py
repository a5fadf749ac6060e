"""Seismic stations on the globe: is a station's alarm confirmed by a neighbour?

Each station is a geographic contextoid (WGS84 latitude, longitude, altitude)
carrying its latest peak ground acceleration (``pga``, in g). A lone station
that shakes may be a truck passing by; an alarm is *confirmed* when the station
shakes above the network threshold and another shaking station lies within
300 km along the Earth's surface. The engine measures the distances (geodesics
on the WGS84 ellipsoid) and finds the stations of a region (a box across the
antimeridian around Fiji, Tonga and Samoa). Each station's causaloid reads
everything from the context natively (its reading, the threshold and the
geodesic distances to the other stations, ``E.ctx_distance``), so an update of
a reading is seen by the next evaluation.

Run it:  python examples/geo_sensors.py
"""

from __future__ import annotations

from functools import reduce

import numpy as np

import causaloid as cl
from causaloid import expr as E

RADIUS_KM = 300.0

# name: (latitude, longitude, altitude m, peak ground acceleration g)
STATIONS = {
    "suva": (-18.1416, 178.4419, 5.0, 0.21),
    "nadi": (-17.7765, 177.4356, 18.0, 0.12),
    "nukualofa": (-21.1394, -175.2049, 3.0, 0.02),
    "apia": (-13.8333, -171.7667, 2.0, 0.09),
    "tokyo": (35.6762, 139.6503, 40.0, 0.08),
    "yokohama": (35.4437, 139.6380, 12.0, 0.11),
    "sendai": (38.2682, 140.8694, 43.0, 0.01),
    "zurich": (47.3769, 8.5417, 408.0, 0.07),
    "santiago": (-33.4489, -70.6693, 570.0, 0.15),
}


def network() -> cl.Context:
    ctx = cl.Context(1, "seismic network")
    ctx.add(
        *(
            cl.Geo(name, lat, lon, alt, {"pga": pga})
            for name, (lat, lon, alt, pga) in STATIONS.items()
        ),
        cl.Data("threshold", 0.05),
    )
    return ctx


def nearest_shaking_neighbour(ctx: cl.Context, station: str) -> tuple[str | None, float]:
    """The closest other station above the threshold, and its distance in km."""
    threshold = ctx.value("threshold")
    best: tuple[str | None, float] = (None, np.inf)
    for other in STATIONS:
        if other != station and ctx.value(other, "pga") > threshold:
            km = ctx.distance(station, other) / 1000.0
            if km < best[1]:
                best = (other, km)
    return best


def shaking(station: str) -> E.Expr:
    return E.ctx_value(station, "pga") > E.ctx_value("threshold")


def confirmation(ctx: cl.Context, station: str) -> cl.Causaloid:
    """Shaking here, and at some other station within RADIUS_KM (geodesic)."""
    near = [
        shaking(other) & (E.ctx_distance(station, other) <= RADIUS_KM * 1000.0)
        for other in STATIONS
        if other != station
    ]
    return cl.Causaloid(
        f"confirmed:{station}",
        f"{station} shakes and a shaking station lies within {RADIUS_KM:.0f} km",
        expr=shaking(station) & reduce(lambda a, b: a | b, near),
        context=ctx,
    )


def main() -> None:
    ctx = network()
    alarms = {name: confirmation(ctx, name) for name in STATIONS}
    verdicts = np.array([alarms[name].evaluate().value for name in STATIONS])
    names = list(STATIONS)
    neighbours = [nearest_shaking_neighbour(ctx, n) for n in names]
    readings = ctx.values(names, "pga")

    print(f"{'station':<10} {'pga g':>6}  {'nearest shaking':<15} {'km':>9}  alarm")
    for name, (other, km), pga, ok in zip(names, neighbours, readings, verdicts, strict=False):
        alarm = "CONFIRMED" if ok else "-"
        print(f"{name:<10} {pga:>6.2f}  {other or '-':<15} {km:>9.1f}  {alarm}")

    pacific = ctx.geo_box(-25.0, 175.0, -10.0, -170.0)  # across the antimeridian
    print(f"\nstations in the box 175E..170W, 25S..10S: {', '.join(map(str, pacific))}")
    near_tokyo = ctx.geo_within(35.6762, 139.6503, RADIUS_KM * 1000)
    print(f"stations within {RADIUS_KM:.0f} km of Tokyo: {', '.join(map(str, near_tokyo))}")
    north, east, down = ctx.to_ned("yokohama", ctx.to_geodetic("tokyo"))
    print(f"Yokohama seen from Tokyo: {north:.0f} m north, {east:.0f} m east, {down:.0f} m down")
    across = ctx.distance("suva", "apia") / 1000.0
    print(f"Suva to Apia across the antimeridian: {across:.1f} km")
    print(f"\n{int(verdicts.sum())} of {len(names)} alarms confirmed")

    # Sendai starts shaking: Tokyo is 307 km away, just outside the radius, so its
    # alarm stays unconfirmed; the causaloid reads the update from the live context.
    ctx.set("sendai", "pga", 0.09)
    print(f"after Sendai shakes: confirmed = {alarms['sendai'].evaluate().value}")
    print(alarms["sendai"].explain().splitlines()[0][:120] + " ...")


if __name__ == "__main__":
    main()
