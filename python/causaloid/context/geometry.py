"""Geometry of points, computed by the engine: WGS84 geodetic <-> ECEF <->
local NED conversions, geodesic distances on the ellipsoid and angles between
orientation quaternions. The same functions serve the contextoids of a
:class:`~causaloid.Context` (``ctx.distance``, ``ctx.to_ecef`` ...).

Geodesic distances use Vincenty's inverse formula on the WGS84 ellipsoid
(sub-millimetre); for nearly antipodal points, where it does not converge, the
haversine distance on the mean radius is returned (within 0.5 % there).

Examples
--------
>>> from causaloid.context import geometry as geo
>>> round(geo.geodesic_distance(0.0, 0.0, 90.0, 0.0), 3)  # the quarter meridian
10001965.729
>>> x, y, z = geo.geodetic_to_ecef(0.0, 0.0, 0.0)
>>> x, y, z
(6378137.0, 0.0, 0.0)
"""

from __future__ import annotations

from collections.abc import Sequence

from causaloid import _native

#: WGS84 semi-major axis and flattening.
WGS84_A = 6_378_137.0
WGS84_F = 1.0 / 298.257223563


def geodetic_to_ecef(lat: float, lon: float, alt: float = 0.0) -> tuple[float, float, float]:
    """WGS84 latitude, longitude (degrees) and altitude (metres) to ECEF metres."""
    return _native.geodetic_to_ecef(float(lat), float(lon), float(alt))


def ecef_to_geodetic(x: float, y: float, z: float) -> tuple[float, float, float]:
    """ECEF metres to WGS84 latitude, longitude (degrees) and altitude (metres).

    Examples
    --------
    >>> lat, lon, alt = ecef_to_geodetic(*geodetic_to_ecef(45.0, 7.0, 300.0))
    >>> round(lat, 9), round(lon, 9), round(alt, 6)
    (45.0, 7.0, 300.0)
    """
    return _native.ecef_to_geodetic(float(x), float(y), float(z))


def ecef_to_ned(point: Sequence[float], reference: Sequence[float]) -> tuple[float, float, float]:
    """An ECEF point in the north-east-down frame of the geodetic ``reference``
    ``(lat, lon, alt)``.

    Examples
    --------
    >>> n, e, d = ecef_to_ned(geodetic_to_ecef(47.0, 8.0, 500.0), (47.0, 8.0, 400.0))
    >>> round(n, 6) + 0.0, round(e, 6) + 0.0, round(d, 6)
    (0.0, 0.0, -100.0)
    """
    p = [float(v) for v in point]
    r = tuple(float(v) for v in reference)
    return _native.ecef_to_ned(p, r)


def ned_to_ecef(ned: Sequence[float], reference: Sequence[float]) -> tuple[float, float, float]:
    """North-east-down metres relative to the geodetic ``reference`` to ECEF."""
    p = [float(v) for v in ned]
    r = tuple(float(v) for v in reference)
    return _native.ned_to_ecef(p, r)


def geodesic_distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance in metres on the WGS84 ellipsoid (altitudes ignored)."""
    return float(_native.geodesic_distance(float(lat1), float(lon1), float(lat2), float(lon2)))


def quaternion_angle(a: Sequence[float], b: Sequence[float]) -> float:
    """The rotation angle in radians (0 .. pi) between orientations ``a`` and
    ``b``, quaternions ``(w, x, y, z)`` (normalised first; ``q`` and ``-q`` are
    one orientation).

    Examples
    --------
    >>> import math
    >>> quarter_turn = (math.cos(math.pi / 4), 0, 0, math.sin(math.pi / 4))
    >>> round(quaternion_angle((1, 0, 0, 0), quarter_turn), 12)
    1.570796326795
    """
    return float(_native.quaternion_angle([float(v) for v in a], [float(v) for v in b]))


__all__ = [
    "WGS84_A",
    "WGS84_F",
    "ecef_to_geodetic",
    "ecef_to_ned",
    "geodesic_distance",
    "geodetic_to_ecef",
    "ned_to_ecef",
    "quaternion_angle",
]
