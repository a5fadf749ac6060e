"""The contextoid kinds beyond Euclidean space and calendar time: WGS84
geodetic, ECEF, NED and oriented spaces (each with distances and regions in
its own geometry), nanosecond, step and symbolic time, their binary/JSON
forms, and reads of them inside causaloids, graphs and state machines."""

from __future__ import annotations

import math
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid import expr as E
from causaloid.context import geometry as geo
from causaloid.context.contextoids import from_native
from causaloid.context.errors import (
    ContextArgumentError,
    ContextoidKindError,
    CoordinateError,
    TimestampUnitError,
)

lat = st.floats(-90.0, 90.0)
lon = st.floats(-180.0, 180.0)
alt = st.floats(-10_000.0, 40_000_000.0)
unit = st.floats(-1.0, 1.0)


def dms(d: float, m: float, s: float) -> float:
    return math.copysign(abs(d) + m / 60 + s / 3600, d)


# ---- geodesy against published figures ----------------------------------------------


def test_geodesic_matches_vincentys_flinders_peak_to_buninyong_line() -> None:
    # Vincenty (1975), Survey Review 23(176): 54 972.271 m; we hold 1 mm.
    s = geo.geodesic_distance(
        dms(-37, 57, 3.72030),
        dms(144, 25, 29.52440),
        dms(-37, 39, 10.15610),
        dms(143, 55, 35.38390),
    )
    assert s == pytest.approx(54_972.271, abs=1e-3)


def test_meridian_arcs_have_their_published_wgs84_lengths() -> None:
    assert geo.geodesic_distance(0, 0, 90, 0) == pytest.approx(10_001_965.729, abs=1e-3)
    # One degree of latitude: 110 574 m at the equator, 111 694 m at the pole (to 1 m).
    assert geo.geodesic_distance(0, 0, 1, 0) == pytest.approx(110_574, abs=1)
    assert geo.geodesic_distance(89, 0, 90, 0) == pytest.approx(111_694, abs=1)
    assert geo.geodesic_distance(0, 0, 0, 90) == pytest.approx(math.pi / 2 * geo.WGS84_A, abs=1e-3)


CITIES = {
    "london": (51.5074, -0.1278),
    "paris": (48.8566, 2.3522),
    "new_york": (40.7128, -74.0060),
    "sydney": (-33.8688, 151.2093),
    "tokyo": (35.6762, 139.6503),
    "sao_paulo": (-23.5505, -46.6333),
}


def test_city_distances_agree_with_karneys_geodesics_to_a_millimetre() -> None:
    geodesic = pytest.importorskip("geographiclib.geodesic").Geodesic.WGS84
    ctx = cl.Context(1, "cities").add(*(cl.Geo(n, a, o) for n, (a, o) in CITIES.items()))
    names = list(CITIES)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            (la, oa), (lb, ob) = CITIES[a], CITIES[b]
            ref = geodesic.Inverse(la, oa, lb, ob)["s12"]
            assert ctx.distance(a, b) == pytest.approx(ref, abs=1e-3), (a, b)
    # The widely quoted figures, to a kilometre: London-Paris 344 km, London-New York 5 585 km.
    assert ctx.distance("london", "paris") / 1000 == pytest.approx(343.9, abs=1)
    assert ctx.distance("london", "new_york") / 1000 == pytest.approx(5_585, abs=1)


@settings(max_examples=200, deadline=None)
@given(lat, lon, lat, st.floats(-170.0, 170.0))
def test_geodesic_agrees_with_karney_away_from_antipodes(la, oa, lb, dlon) -> None:
    geodesic = pytest.importorskip("geographiclib.geodesic").Geodesic.WGS84
    ob = (oa + dlon + 180.0) % 360.0 - 180.0
    ref = geodesic.Inverse(la, oa, lb, ob)["s12"]
    assert geo.geodesic_distance(la, oa, lb, ob) == pytest.approx(ref, abs=1e-3)


def test_nearly_antipodal_points_give_a_finite_distance_near_half_the_globe() -> None:
    s = geo.geodesic_distance(0.0, 0.0, 0.5, 179.7)
    assert 19_900_000 < s < 20_100_000


@settings(max_examples=100, deadline=None)
@given(lat, lon, lat, lon, lat, lon)
def test_geodesic_distance_is_symmetric_and_obeys_the_triangle_inequality(a, b, c, d, e, f):
    ab = geo.geodesic_distance(a, b, c, d)
    assert ab == pytest.approx(geo.geodesic_distance(c, d, a, b), abs=1e-6)
    assert ab >= 0.0
    # The fallback near antipodes is within 0.5 %: allow that slack.
    via = geo.geodesic_distance(a, b, e, f) + geo.geodesic_distance(e, f, c, d)
    assert ab <= via * 1.005 + 1e-6


# ---- ECEF and NED -------------------------------------------------------------------


def test_ecef_of_known_points() -> None:
    assert geo.geodetic_to_ecef(0, 0, 0) == (geo.WGS84_A, 0.0, 0.0)
    x, y, z = geo.geodetic_to_ecef(90, 0, 0)
    assert abs(x) < 1e-6 and abs(y) < 1e-6
    assert z == pytest.approx(6_356_752.314245, abs=1e-6)  # the semi-minor axis
    x, y, z = geo.geodetic_to_ecef(0, 90, 1000)
    assert abs(x) < 1e-6 and y == pytest.approx(geo.WGS84_A + 1000, abs=1e-6) and z == 0.0


@settings(max_examples=300, deadline=None)
@given(lat, lon, alt)
def test_wgs84_ecef_round_trip_to_a_micrometre(la, lo, h) -> None:
    p = geo.geodetic_to_ecef(la, lo, h)
    back = geo.geodetic_to_ecef(*geo.ecef_to_geodetic(*p))
    assert math.dist(p, back) < 1e-6
    assert geo.ecef_to_geodetic(*p)[2] == pytest.approx(h, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(lat, lon, st.floats(-1000.0, 5000.0), unit, unit, unit)
def test_ned_round_trips_and_preserves_lengths(la, lo, h, n, e, d) -> None:
    ref = (la, lo, h)
    ned = (n * 10_000, e * 10_000, d * 1_000)
    p = geo.ned_to_ecef(ned, ref)
    assert math.dist(geo.ecef_to_ned(p, ref), ned) < 1e-6
    assert math.dist(p, geo.geodetic_to_ecef(*ref)) == pytest.approx(math.hypot(*ned), abs=1e-6)


def test_ned_of_points_north_east_and_above_the_reference() -> None:
    ref = (47.0, 8.0, 0.0)
    ctx = cl.Context().add(
        cl.Geo("mast", 47.0, 8.0, 50.0),
        cl.Geo("north", 47.01, 8.0, 0.0),
        cl.Geo("east", 47.0, 8.01, 0.0),
    )
    n, e, d = ctx.to_ned("mast", ref)
    assert abs(n) < 1e-6 and abs(e) < 1e-6 and d == pytest.approx(-50.0, abs=1e-6)
    n, e, _ = ctx.to_ned("north", ref)
    # Along the meridian the chord is shorter than the 1.1 km arc by about a micrometre.
    assert n == pytest.approx(geo.geodesic_distance(47.0, 8.0, 47.01, 8.0), abs=1e-4)
    assert abs(e) < 1e-6
    n, e, _ = ctx.to_ned("east", ref)
    # Along the parallel of radius N cos(lat): east = N cos(lat) sin(dlon).
    phi = math.radians(47.0)
    big_n = geo.WGS84_A / math.sqrt(1 - geo.WGS84_F * (2 - geo.WGS84_F) * math.sin(phi) ** 2)
    assert e == pytest.approx(big_n * math.cos(phi) * math.sin(math.radians(0.01)), abs=1e-6)


def test_ned_points_of_different_references_share_one_geometry() -> None:
    a_ref, b_ref = (47.0, 8.0, 400.0), (47.1, 8.2, 300.0)
    ctx = cl.Context().add(
        cl.Ned("a", 100.0, -50.0, -20.0, a_ref),
        cl.Ned("b", -30.0, 10.0, 5.0, b_ref),
        cl.Ecef("c", *geo.geodetic_to_ecef(47.05, 8.1, 350.0)),
    )
    pa, pb = ctx.to_ecef("a"), ctx.to_ecef("b")
    assert ctx.distance("a", "b") == pytest.approx(math.dist(pa, pb), abs=1e-9)
    # The NED coordinates of "b" in a's frame, and a box there.
    nb = ctx.to_ned("b", a_ref)
    assert ctx.ned_box(a_ref, [v - 1 for v in nb], [v + 1 for v in nb]) == ["b"]
    assert ctx.ned_box(a_ref, (99, -51, -21), (101, -49, -19)) == ["a"]
    lat_, lon_, alt_ = ctx.to_geodetic("c")
    assert (lat_, lon_) == pytest.approx((47.05, 8.1), abs=1e-11)
    assert alt_ == pytest.approx(350.0, abs=1e-6)
    assert ctx.ecef_within(ctx.to_ecef("c"), 1.0) == ["c"]
    lo = [v - 1 for v in ctx.to_ecef("c")]
    assert ctx.ecef_box(lo, [v + 2 for v in lo]) == ["c"]


# ---- regions on the globe ---------------------------------------------------------------


def test_geo_regions_within_a_radius_and_in_boxes_across_the_antimeridian() -> None:
    ctx = cl.Context().add(
        *(cl.Geo(n, a, o) for n, (a, o) in CITIES.items()),
        cl.Geo("fiji", -17.7, 179.9, 0.0),
        cl.Geo("samoa", -13.8, -172.1, 2.0),
        cl.Geo("mauna_kea", 19.82, -155.47, 4207.0),
    )
    assert ctx.geo_within(51.0, 1.0, 400_000) == ["london", "paris"]
    assert ctx.geo_within(51.5074, -0.1278, 0.0) == ["london"]
    assert ctx.geo_box(-20.0, 170.0, -10.0, -170.0) == ["fiji", "samoa"]
    assert ctx.geo_box(-90.0, 170.0, 90.0, -150.0, altitude=(1000.0, 5000.0)) == ["mauna_kea"]
    assert ctx.geo_box(40.0, -10.0, 55.0, 10.0) == ["london", "paris"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(lat, lon), min_size=1, max_size=30), lat, lon, st.floats(0, 2e7))
def test_geo_within_equals_a_brute_force_filter(points, la, lo, radius) -> None:
    ctx = cl.Context().add(*(cl.Geo(i, a, o) for i, (a, o) in enumerate(points)))
    expected = [
        i for i, (a, o) in enumerate(points) if geo.geodesic_distance(la, lo, a, o) <= radius
    ]
    assert ctx.geo_within(la, lo, radius) == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(lat, lon), min_size=1, max_size=30), lat, lat, lon, lon)
def test_geo_box_equals_a_brute_force_filter(points, s, n, w, e) -> None:
    s, n = min(s, n), max(s, n)
    ctx = cl.Context().add(*(cl.Geo(i, a, o) for i, (a, o) in enumerate(points)))
    band = (lambda o: w <= o <= e) if w <= e else (lambda o: o >= w or o <= e)
    expected = [i for i, (a, o) in enumerate(points) if s <= a <= n and band(o)]
    assert ctx.geo_box(s, w, n, e) == expected


# ---- oriented space -----------------------------------------------------------------------

quaternion = st.tuples(unit, unit, unit, unit).filter(lambda q: sum(v * v for v in q) > 1e-3)


def test_orientations_are_normalised_and_their_angles_measured() -> None:
    h = math.pi / 8  # a 45 degree turn about z
    ctx = cl.Context().add(
        cl.Oriented("a", 0.0, 0.0, 0.0, (2.0, 0.0, 0.0, 0.0)),
        cl.Oriented("b", 3.0, 4.0, 0.0, (math.cos(h), 0.0, 0.0, math.sin(h))),
        cl.Oriented("c", 1.0, 1.0, 1.0, (0.0, 1.0, 0.0, 0.0)),
    )
    assert ctx["a"].orientation == (1.0, 0.0, 0.0, 0.0)  # type: ignore[union-attr]
    assert ctx.angle("a", "b") == pytest.approx(math.pi / 4, abs=1e-12)
    assert ctx.angle("a", "c") == pytest.approx(math.pi, abs=1e-12)
    assert ctx.distance("a", "b") == pytest.approx(5.0)
    assert ctx.oriented_region((-1, -1, -1), (5, 5, 5)) == ["a", "b", "c"]
    assert ctx.oriented_region((-1, -1, -1), (5, 5, 5), (1, 0, 0, 0), math.pi / 3) == ["a", "b"]


@settings(max_examples=200, deadline=None)
@given(quaternion, quaternion, quaternion)
def test_the_angle_between_orientations_is_a_metric(p, q, r) -> None:
    pq = geo.quaternion_angle(p, q)
    assert 0.0 <= pq <= math.pi + 1e-12
    assert pq == pytest.approx(geo.quaternion_angle(q, p), abs=1e-12)
    assert geo.quaternion_angle(p, p) == pytest.approx(0.0, abs=1e-7)
    assert geo.quaternion_angle(p, [-v for v in p]) == pytest.approx(0.0, abs=1e-7)
    assert pq <= geo.quaternion_angle(p, r) + geo.quaternion_angle(r, q) + 1e-9


# ---- garbage in -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: cl.Geo("g", 91.0, 0.0),
        lambda: cl.Geo("g", -90.5, 0.0),
        lambda: cl.Geo("g", 0.0, 181.0),
        lambda: cl.Geo("g", float("nan"), 0.0),
        lambda: cl.Geo("g", 0.0, 0.0, float("inf")),
        lambda: cl.Geo("g", 0.0, 0.0, -7e6),
        lambda: cl.Ecef("e", float("nan"), 0.0, 0.0),
        lambda: cl.Ned("n", 1.0, 2.0, 3.0, (95.0, 0.0, 0.0)),
        lambda: cl.Ned("n", float("nan"), 2.0, 3.0, (45.0, 0.0, 0.0)),
        lambda: cl.Oriented("o", 0.0, 0.0, 0.0, (0.0, 0.0, 0.0, 0.0)),
        lambda: cl.Oriented("o", 0.0, 0.0, 0.0, (float("nan"), 1.0, 0.0, 0.0)),
        lambda: cl.Oriented("o", 0.0, 0.0, 0.0, (1.0, 0.0, 0.0)),
        lambda: cl.Geo("g", "north", 0.0),
    ],
)
def test_bad_coordinates_are_a_coordinate_error(build) -> None:
    with pytest.raises(CoordinateError) as info:
        build()
    assert info.value.node_id in ("g", "e", "n", "o")  # type: ignore[attr-defined]


def test_coordinate_errors_name_the_field_and_its_range() -> None:
    with pytest.raises(CoordinateError, match=r"lat is 91; it must lie in \[-90, 90\]"):
        cl.Geo("g", 91.0, 0.0)
    with pytest.raises(CoordinateError, match="quaternion"):
        cl.Oriented("o", 0.0, 0.0, 0.0, (0.0, 0.0, 0.0, 0.0))


def test_a_corrupt_json_document_with_a_bad_latitude_is_refused() -> None:
    ctx = cl.Context().add(cl.Geo("g", 10.0, 20.0))
    text = ctx.to_json().replace('"lat":10.0', '"lat":100.0')
    with pytest.raises(CoordinateError):
        cl.Context.from_json(text)


def test_operations_that_make_no_sense_for_a_kind_are_precise_errors() -> None:
    ctx = cl.Context().add(
        cl.Geo("g", 0.0, 0.0),
        cl.Space("s", 1.0, 2.0),
        cl.Data("d", 1.0),
        cl.Step("k", 1),
        cl.Time("day", "day", "2021-03-01"),
    )
    with pytest.raises(ContextoidKindError, match="Earth-fixed"):
        ctx.distance("g", "s")
    with pytest.raises(ContextoidKindError, match="spatial"):
        ctx.distance("d", "s")
    with pytest.raises(ContextoidKindError, match="oriented"):
        ctx.angle("g", "g")
    with pytest.raises(ContextoidKindError):
        ctx.to_ecef("s")
    with pytest.raises(ContextoidKindError, match="only times of one kind"):
        ctx.link("k", "day", "temporal")
    with pytest.raises(ContextoidKindError, match="cl.Step"):
        cl.Time("x", "step", 3)
    with pytest.raises(ContextArgumentError, match="calendar"):
        cl.Context.from_frame({"date": [1, 2], "x": [1.0, 2.0]}, scale="step")
    with pytest.raises(ContextArgumentError, match="radius"):
        ctx.geo_within(0.0, 0.0, -1.0)
    with pytest.raises(ContextArgumentError):
        ctx.geo_within(0.0, 200.0, 1.0)
    with pytest.raises(ContextArgumentError):
        ctx.geo_box(10.0, 0.0, -10.0, 5.0)  # south of north
    with pytest.raises(ContextArgumentError):
        ctx.oriented_region((0, 0, 0), (1, 1, 1), (0, 0, 0, 0), 0.1)
    with pytest.raises(ContextArgumentError, match="label"):
        ctx.window("draft", "released", scale="symbolic")
    with pytest.raises(ContextArgumentError):
        geo.geodesic_distance(0.0, 0.0, 91.0, 0.0)
    with pytest.raises(ContextArgumentError):
        geo.ecef_to_geodetic(float("nan"), 0.0, 0.0)


def test_an_unknown_native_kind_is_an_error_not_a_symbol() -> None:
    with pytest.raises(ContextoidKindError, match="unknown kind 'hyperbolic'"):
        from_native(("x", "hyperbolic", (1.0,), []))


def test_nanosecond_times_refuse_floats_and_steps_refuse_fractions() -> None:
    with pytest.raises(TimestampUnitError, match="float"):
        cl.TimeNs("t", 1.5)
    with pytest.raises(TimestampUnitError, match="integer"):
        cl.Step("k", 1.5)
    with pytest.raises(TimestampUnitError):
        cl.TimeNs("t", "not a time")


# ---- time kinds ---------------------------------------------------------------------------


def test_nanosecond_times_keep_sub_second_order_windows_and_instants() -> None:
    base = np.datetime64("2021-03-01T00:00:00", "ns").astype(np.int64)
    ctx = cl.Context().add(
        *(cl.TimeNs(f"t{i}", int(base) + 250 * i, {"v": float(i)}) for i in range(6))
    )
    assert ctx["t3"] == cl.TimeNs("t3", "2021-03-01T00:00:00.000000750", {"v": 3.0})
    ids = ctx.window(int(base) + 250, int(base) + 1000, scale="nanosecond")
    assert ids == ["t1", "t2", "t3"]
    times, values = ctx.window_values(
        "2021-03-01T00:00:00.0000005", "2021-03-01T00:00:00.000001", "v", scale="nanosecond"
    )
    assert times.dtype == np.dtype("datetime64[ns]") and values.tolist() == [2.0, 3.0]
    assert ctx.at(int(base) + 999, scale="nanosecond") == "t3"
    # A second and a nanosecond instant compare as instants.
    ctx.add(cl.Time("day", "second", "2021-03-01"))
    ctx.link("day", "t1", "temporal")
    with pytest.raises(cl.context.errors.TimeOrderError):
        ctx.link("t1", "day", "temporal")


def test_step_and_symbolic_times_window_and_aggregate() -> None:
    ctx = cl.Context().add(
        *(cl.Step(f"k{i}", i, {"load": float(i * i)}) for i in range(5)),
        cl.SymbolicTime("p0", "draft", 0, {"bugs": 9.0}),
        cl.SymbolicTime("p1", "review", 1, {"bugs": 4.0}),
        cl.SymbolicTime("p2", "released", 2, {"bugs": 1.0}),
    )
    assert ctx.window(1, 3, scale="step") == ["k1", "k2"]
    steps, loads = ctx.window_values(0, 5, "load", scale="step")
    assert steps.tolist() == [0, 1, 2, 3, 4] and loads.tolist() == [0, 1, 4, 9, 16]
    assert ctx.window_aggregate(np.array([3.0, 4.0]), "step", "load", "sum", -1, 1).tolist() == [
        13.0,
        25.0,
    ]
    assert ctx.window("draft", "released", scale="symbolic") == ["p0", "p1"]
    assert ctx.at("released", scale="symbolic", offset=-1) == "p1"
    assert ctx.symbolic_labels == [("draft", 0), ("review", 1), ("released", 2)]
    ctx.link("p0", "p1", "temporal")
    with pytest.raises(cl.context.errors.TimeOrderError):
        ctx.link("p2", "p1", "temporal")
    assert set(ctx.scales) == {"step", "symbolic"}


# ---- forms: JSON, bytes, pickle ---------------------------------------------------------


def every_kind() -> cl.Context:
    return cl.Context(7, "all kinds").add(
        cl.Geo("g", -33.8688, 151.2093, 58.0, {"temp": 21.5}),
        cl.Ecef("e", 4_000_000.0, 100_000.0, 4_900_000.0),
        cl.Ned("n", 1.0, -2.0, 3.0, (48.0, 11.0, 500.0)),
        cl.Oriented("o", 1.0, 2.0, 3.0, (1.0, 1.0, 0.0, 0.0)),
        cl.TimeNs("ns", 1_614_556_800_123_456_789),
        cl.Step("k", -7, {"x": 1.0}),
        cl.SymbolicTime("r", "review", 2),
        cl.Time("d", "day", "2021-03-01"),
        cl.Data("v", 0.5),
    )


def test_every_new_kind_round_trips_through_json_bytes_and_pickle() -> None:
    ctx = every_kind()
    for back in (
        cl.Context.from_json(ctx.to_json()),
        cl.Context.from_bytes(ctx.to_bytes()),
        pickle.loads(pickle.dumps(ctx)),
    ):
        assert back == ctx
        assert [back[i] for i in back] == [ctx[i] for i in ctx]
        assert back.to_bytes() == ctx.to_bytes()


@settings(max_examples=100, deadline=None)
@given(lat, lon, alt, quaternion, st.integers(-(2**63), 2**63 - 1))
def test_random_contextoids_round_trip_bit_for_bit(la, lo, h, q, ns) -> None:
    ctx = cl.Context().add(
        cl.Geo("g", la, lo, h),
        cl.Oriented("o", la, lo, h, q),
        cl.TimeNs("t", ns),
        cl.Ned("n", la, lo, h, (la, lo, 0.0)),
    )
    for back in (cl.Context.from_json(ctx.to_json()), cl.Context.from_bytes(ctx.to_bytes())):
        assert [back[i] for i in back] == [ctx[i] for i in ctx]


def test_every_truncation_of_the_binary_form_is_a_clean_error() -> None:
    data = every_kind().to_bytes()
    for n in range(0, len(data), 7):
        with pytest.raises(cl.CausalError):
            cl.Context.from_bytes(data[:n])


def test_new_kinds_pickle_and_answer_in_a_fresh_process(tmp_path: Path) -> None:
    path = tmp_path / "ctx.pkl"
    path.write_bytes(pickle.dumps(every_kind()))
    code = textwrap.dedent(
        f"""
        import pickle
        ctx = pickle.loads(open({str(path)!r}, "rb").read())
        print(round(ctx.distance("g", "e")), ctx.window("review", 3, scale="symbolic"))
        print(ctx["o"].orientation, ctx["ns"].t, ctx.window(-7, 0, scale="step"))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    ctx = every_kind()
    first, second = out.stdout.strip().split("\n")
    assert first == f"{round(ctx.distance('g', 'e'))} ['r']"
    assert second == f"{ctx['o'].orientation} 1614556800123456789 ['k']"  # type: ignore[union-attr]


# ---- reads inside causaloids, graphs and state machines ---------------------------------


def sensors() -> cl.Context:
    return cl.Context(3, "sensors").add(
        cl.Geo("zurich", 47.3769, 8.5417, 408.0, {"temp": 31.0}),
        cl.Geo("bern", 46.9480, 7.4474, 540.0, {"temp": 24.0}),
        *(cl.Step(k, k, {"load": float(10 * k)}) for k in range(5)),
    )


def hot_and_loaded(ctx: cl.Context) -> cl.Causaloid:
    return cl.Causaloid(
        "hot",
        "zurich above the limit while the load of the previous step is high",
        expr=(E.ctx_value("zurich", "temp") > E.col("limit"))
        & (E.ctx_time("step", "load", at="k", offset=-1) >= 20.0),
        context=ctx,
    )


def test_a_geo_and_a_step_contextoid_are_read_inside_a_causaloid_graph_and_machine() -> None:
    ctx = sensors()
    c = hot_and_loaded(ctx)
    yes, no = {"limit": 30.0, "k": 3}, {"limit": 30.0, "k": 2}
    assert c.evaluate(yes).value is True
    assert c.evaluate(no).value is False
    g = cl.CausalGraph("g")
    g.add(c)
    g.freeze()
    assert g.evaluate(yes).value is True
    assert g.evaluate_batch({"limit": [30.0, 30.0, 35.0], "k": [3, 2, 4]}).tolist() == [
        True,
        False,
        False,
    ]
    machine = cl.StateMachine([(cl.State("alarm", "hot", c), "cool")])
    report = machine.run([yes, no, yes])
    assert [f.event for f in report.firings] == [0, 2]
    # An update to the geographic contextoid is seen by the next evaluation.
    ctx.set("zurich", "temp", 20.0)
    assert g.evaluate(yes).value is False


def test_a_geo_read_works_after_pickling_in_a_fresh_process(tmp_path: Path) -> None:
    g = cl.CausalGraph("g")
    g.add(hot_and_loaded(sensors()))
    g.freeze()
    path = tmp_path / "g.pkl"
    path.write_bytes(pickle.dumps(g))
    code = textwrap.dedent(
        f"""
        import pickle
        g = pickle.loads(open({str(path)!r}, "rb").read())
        yes, no = {{"limit": 30.0, "k": 3}}, {{"limit": 30.0, "k": 2}}
        print(g.evaluate(yes).value, g.evaluate(no).value)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True False"


# ---- uncertain data values ---------------------------------------------------------------


def speed_limit(ctx: cl.Context) -> cl.Causaloid:
    return cl.Causaloid(
        "speeding",
        "the measured speed exceeds the limit",
        expr=E.ctx_value("speed") > E.col("limit"),
        context=ctx,
    )


def test_an_uncertain_contextoid_is_read_through_the_sampled_path() -> None:
    ctx = cl.Context(1, "road").add(cl.UncertainData("speed", cl.Uncertain.normal(29.0, 3.0)))
    c = speed_limit(ctx)
    # P(N(29, 3) > 20) ~ 0.999 and P(N(29, 3) > 35) ~ 0.023: clear decisions.
    assert c.evaluate({"limit": 20.0}).value is True
    assert c.evaluate({"limit": 35.0}).value is False
    g = cl.CausalGraph("g")
    g.add(c)
    g.freeze()
    assert g.evaluate({"limit": 20.0}).value is True
    assert g.evaluate({"limit": 35.0}).value is False
    # The same seed decides the same way; a point mass decides exactly.
    assert [c.evaluate({"limit": 28.5}, seed=7).value for _ in range(3)] in (
        [True] * 3,
        [False] * 3,
    )
    ctx.replace(cl.UncertainData("speed", cl.Uncertain.point(30.0)))
    assert c.evaluate({"limit": 29.999}).value is True
    assert c.evaluate({"limit": 30.0}).value is False


def test_a_plain_read_of_an_uncertain_value_is_a_precise_error() -> None:
    ctx = cl.Context(1, "road").add(
        cl.UncertainData("speed", cl.Uncertain.normal(29.0, 3.0), {"lane": 2.0}),
        cl.Data("limit", 27.8),
    )
    with pytest.raises(ContextoidKindError, match="uncertain value") as info:
        ctx.value("speed")
    assert info.value.node_id == "speed"  # type: ignore[attr-defined]
    with pytest.raises(ContextoidKindError, match="uncertain value"):
        ctx.values(["limit", "speed"])
    assert ctx.value("speed", "lane") == 2.0  # other fields are plain numbers
    # A batch reads it on samples, row by row (tests/test_uncertain_contextoids.py).
    assert speed_limit(ctx).evaluate_batch({"limit": [20.0, 35.0]}).tolist() == [True, False]


def test_uncertain_contextoids_round_trip_and_refuse_what_a_context_cannot_hold() -> None:
    ctx = cl.Context(1, "road").add(
        cl.UncertainData("n", cl.Uncertain.normal(29.0, 3.0)),
        cl.UncertainData("u", cl.Uncertain.uniform(1.0, 2.0)),
        cl.UncertainData("b", cl.Uncertain.bernoulli(0.25)),
        cl.UncertainData("p", cl.Uncertain.point(4.0)),
    )
    for back in (
        cl.Context.from_json(ctx.to_json()),
        cl.Context.from_bytes(ctx.to_bytes()),
        pickle.loads(pickle.dumps(ctx)),
    ):
        assert back == ctx
        assert back["b"].distribution == ("bernoulli", 0.25)  # type: ignore[union-attr]
        assert back["u"].value.sample(4, seed=3).tolist() == (  # type: ignore[union-attr]
            cl.Uncertain.uniform(1.0, 2.0).sample(4, seed=3).tolist()
        )
    x = cl.Uncertain.normal(0.0, 1.0)
    with pytest.raises(ContextArgumentError, match="normal, uniform, bernoulli"):
        cl.UncertainData("x", x + 1.0)
    with pytest.raises(TypeError, match="cl.Uncertain"):
        cl.UncertainData("x", 3.0)
    text = ctx.to_json().replace('"std":3.0', '"std":-3.0')
    with pytest.raises(ContextArgumentError, match="distribution"):
        cl.Context.from_json(text)


def test_an_uncertain_contextoid_is_sampled_after_pickling_in_a_fresh_process(tmp_path) -> None:
    ctx = cl.Context(1, "road").add(cl.UncertainData("speed", cl.Uncertain.normal(29.0, 3.0)))
    path = tmp_path / "c.pkl"
    path.write_bytes(pickle.dumps(speed_limit(ctx)))
    code = textwrap.dedent(
        f"""
        import pickle
        c = pickle.loads(open({str(path)!r}, "rb").read())
        print(c.evaluate({{"limit": 20.0}}).value, c.evaluate({{"limit": 35.0}}).value)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True False"


def test_a_distance_read_feeds_a_causaloid_and_sees_updates() -> None:
    ctx = cl.Context(1, "net").add(
        cl.Geo("zurich", 47.3769, 8.5417, 408.0), cl.Geo("bern", 46.9480, 7.4474, 540.0)
    )
    near = cl.Causaloid(
        "near", "", expr=E.ctx_distance("zurich", "bern") < E.col("radius"), context=ctx
    )
    km = ctx.distance("zurich", "bern")
    assert 94_000 < km < 96_000
    assert near.evaluate({"radius": km + 1.0}).value is True
    assert near.evaluate({"radius": km - 1.0}).value is False
    assert near.evaluate_batch({"radius": [km + 1.0, km - 1.0]}).tolist() == [True, False]
    assert "distance from contextoid" in near.explain({"radius": 1.0})
    ctx.replace(cl.Geo("bern", 47.3769, 8.5417, 0.0))
    assert near.evaluate({"radius": 1.0}).value is True
    g = cl.CausalGraph.from_json(_graph_of(near).to_json())
    assert g.evaluate({"radius": 1.0}).value is True
    bad = cl.Causaloid("bad", "", expr=E.ctx_distance("zurich", "nowhere") < 1.0, context=ctx)
    with pytest.raises(cl.context.errors.UnknownContextoidError):
        bad.evaluate({})


def _graph_of(c: cl.Causaloid) -> cl.CausalGraph:
    g = cl.CausalGraph("g")
    g.add(c)
    g.freeze()
    return g


def test_the_geo_sensors_example_confirms_the_clustered_alarms() -> None:
    import importlib.util

    path = Path(__file__).parent.parent / "examples" / "geo_sensors.py"
    spec = importlib.util.spec_from_file_location("geo_sensors", path)
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    ctx = example.network()
    confirmed = [s for s in example.STATIONS if example.confirmation(ctx, s).evaluate().value]
    assert confirmed == ["suva", "nadi", "tokyo", "yokohama"]
    # Nadi stops shaking: Suva loses its only neighbour within 300 km.
    ctx.set("nadi", "pga", 0.0)
    assert example.confirmation(ctx, "suva").evaluate().value is False
    assert example.nearest_shaking_neighbour(ctx, "suva")[0] == "apia"
