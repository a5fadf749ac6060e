"""The kinds of contextoid, the nodes of a context: data, calendar time,
nanosecond time, steps, symbolic times, Euclidean space, space-time, WGS84
geodetic points, ECEF and NED points, oriented positions and symbols. Each is
a small immutable value; any kind may also carry named numeric ``fields`` (the
prices of a day, a sensor's reading), and a :class:`Data` node's number is its
field ``"value"``. The engine validates every new kind when it is built.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from causaloid import _native
from causaloid.context.errors import ContextoidKindError, CoordinateError
from causaloid.context.timestamps import (
    CALENDAR_SCALES,
    TimeLike,
    check_scale,
    to_nanoseconds,
    to_seconds,
    to_step,
)

ContextoidId = int | str


def _check_id(node_id: Any) -> ContextoidId:
    if isinstance(node_id, (bool, np.bool_)) or not isinstance(node_id, (int, np.integer, str)):
        raise TypeError(f"a contextoid id must be an int or a str; got {node_id!r}")
    if not isinstance(node_id, str) and not -(2**63) <= int(node_id) < 2**63:
        from causaloid.errors import InvalidArgumentError

        raise InvalidArgumentError(
            f"a contextoid id {node_id!r:.40} does not fit in 64 bits (-2**63 .. 2**63 - 1)",
            {"parameter": "id"},
        )
    return int(node_id) if isinstance(node_id, np.integer) else node_id


def _fields(node_id: Any, fields: Mapping[str, float] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, value in (fields or {}).items():
        if not isinstance(name, str):
            raise TypeError(f"contextoid {node_id!r}: field names must be str; got {name!r}")
        out[name] = float(value)
    return out


def _coordinate(node_id: Any, axis: str, value: Any) -> float:
    x = float(value)
    if not math.isfinite(x):
        raise CoordinateError(
            f"contextoid {node_id!r}: {axis} is {x}; coordinates must be finite numbers",
            {"node_id": node_id, "field": axis, "found": x},
        )
    return x


@dataclass(frozen=True)
class Data:
    """A data contextoid: one number (plus optional extra fields).

    Examples
    --------
    >>> Data("threshold", 0.7).value
    0.7
    """

    id: ContextoidId
    value: float
    fields: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", _check_id(self.id))
        object.__setattr__(self, "value", float(self.value))
        object.__setattr__(self, "fields", _fields(self.id, self.fields))

    def _native(self) -> tuple[Any, ...]:
        return (self.id, "data", (), [("value", self.value), *self.fields.items()])


@dataclass(frozen=True)
class Time:
    """A time contextoid: a moment at a scale (``"second"`` ... ``"year"``).

    ``timestamp`` is anything time-like (seconds since 1970-01-01 UTC, a
    datetime, an ISO string) and is stored as whole seconds.

    Examples
    --------
    >>> t = Time("d1", "day", "2021-03-01", {"close": 49_600.0})
    >>> t.timestamp, t.fields["close"]
    (1614556800, 49600.0)
    """

    id: ContextoidId
    scale: str
    timestamp: TimeLike
    fields: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", _check_id(self.id))
        check_scale(self.scale)
        if self.scale not in CALENDAR_SCALES:
            other = {"nanosecond": "cl.TimeNs", "step": "cl.Step", "symbolic": "cl.SymbolicTime"}
            raise ContextoidKindError(
                f"contextoid {self.id!r}: scale {self.scale!r} is not a calendar scale; "
                f"build a {other.get(self.scale, 'time')} instead",
                {"node_id": self.id, "scale": self.scale},
            )
        object.__setattr__(self, "timestamp", to_seconds(self.timestamp, node_id=self.id))
        object.__setattr__(self, "fields", _fields(self.id, self.fields))

    @property
    def datetime(self) -> np.datetime64:
        """The timestamp as a NumPy datetime (UTC)."""
        seconds = np.array([self.timestamp], dtype=np.int64)
        return seconds.astype("datetime64[s]")[0]  # type: ignore[no-any-return]

    def _native(self) -> tuple[Any, ...]:
        return (self.id, "time", (self.scale, self.timestamp), list(self.fields.items()))


@dataclass(frozen=True)
class Space:
    """A place: finite ``x``, ``y``, ``z`` coordinates.

    Examples
    --------
    >>> Space("sensor", 1.0, 2.0).z
    0.0
    """

    id: ContextoidId
    x: float
    y: float
    z: float = 0.0
    fields: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", _check_id(self.id))
        for axis in ("x", "y", "z"):
            object.__setattr__(self, axis, _coordinate(self.id, axis, getattr(self, axis)))
        object.__setattr__(self, "fields", _fields(self.id, self.fields))

    def _native(self) -> tuple[Any, ...]:
        return (self.id, "space", (self.x, self.y, self.z), list(self.fields.items()))


@dataclass(frozen=True)
class SpaceTime:
    """A place at a moment: coordinates and a timestamp.

    Examples
    --------
    >>> SpaceTime("fix", 1.0, 2.0, 0.0, 60).t
    60
    """

    id: ContextoidId
    x: float
    y: float
    z: float
    t: TimeLike
    fields: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", _check_id(self.id))
        for axis in ("x", "y", "z"):
            object.__setattr__(self, axis, _coordinate(self.id, axis, getattr(self, axis)))
        object.__setattr__(self, "t", to_seconds(self.t, node_id=self.id))
        object.__setattr__(self, "fields", _fields(self.id, self.fields))

    def _native(self) -> tuple[Any, ...]:
        return (self.id, "space_time", (self.x, self.y, self.z, self.t), list(self.fields.items()))


@dataclass(frozen=True)
class Symbolic:
    """A symbol: a label such as a regime name or a state.

    Examples
    --------
    >>> Symbolic("regime", "bull").symbol
    'bull'
    """

    id: ContextoidId
    symbol: str
    fields: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", _check_id(self.id))
        if not isinstance(self.symbol, str):
            raise TypeError(f"contextoid {self.id!r}: symbol must be a str; got {self.symbol!r}")
        object.__setattr__(self, "fields", _fields(self.id, self.fields))

    def _native(self) -> tuple[Any, ...]:
        return (self.id, "symbolic", (self.symbol,), list(self.fields.items()))


def _float(node_id: Any, name: str, value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise CoordinateError(
            f"contextoid {node_id!r}: {name} is {value!r}; expected a number",
            {"node_id": node_id, "field": name},
        ) from None


def _checked(node: Any) -> tuple[Any, ...]:
    """The engine's validation of a contextoid; returns it as stored."""
    return _native.check_contextoid(node._native())


@dataclass(frozen=True)
class Geo:
    """A WGS84 geodetic point: ``lat`` and ``lon`` in degrees (latitude in
    [-90, 90], longitude in [-180, 180]) and ``alt`` in metres above the
    ellipsoid. Distances between Geo points are geodesics on the ellipsoid.

    Examples
    --------
    >>> Geo("paris", 48.8566, 2.3522, 35.0).lat
    48.8566
    >>> try:
    ...     Geo("nowhere", 91.0, 0.0)
    ... except CoordinateError as err:
    ...     print(err)
    contextoid "nowhere": lat is 91; it must lie in [-90, 90]
    """

    id: ContextoidId
    lat: float
    lon: float
    alt: float = 0.0
    fields: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", _check_id(self.id))
        for name in ("lat", "lon", "alt"):
            object.__setattr__(self, name, _float(self.id, name, getattr(self, name)))
        object.__setattr__(self, "fields", _fields(self.id, self.fields))
        _checked(self)

    def _native(self) -> tuple[Any, ...]:
        return (self.id, "geo", (self.lat, self.lon, self.alt), list(self.fields.items()))


@dataclass(frozen=True)
class Ecef:
    """An Earth-centred, Earth-fixed point (metres, WGS84 axes).

    Examples
    --------
    >>> Ecef("sat", 6_378_137.0, 0.0, 0.0).x
    6378137.0
    """

    id: ContextoidId
    x: float
    y: float
    z: float
    fields: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", _check_id(self.id))
        for name in ("x", "y", "z"):
            object.__setattr__(self, name, _float(self.id, name, getattr(self, name)))
        object.__setattr__(self, "fields", _fields(self.id, self.fields))
        _checked(self)

    def _native(self) -> tuple[Any, ...]:
        return (self.id, "ecef", (self.x, self.y, self.z), list(self.fields.items()))


@dataclass(frozen=True)
class Ned:
    """A point in the local north-east-down frame (metres) of the geodetic
    ``reference`` point ``(lat, lon, alt)``.

    Examples
    --------
    >>> Ned("drone", 10.0, 5.0, -30.0, (47.0, 8.0, 400.0)).down
    -30.0
    """

    id: ContextoidId
    north: float
    east: float
    down: float
    reference: tuple[float, float, float]
    fields: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", _check_id(self.id))
        for name in ("north", "east", "down"):
            object.__setattr__(self, name, _float(self.id, name, getattr(self, name)))
        ref = tuple(self.reference)
        if len(ref) != 3:
            raise CoordinateError(
                f"contextoid {self.id!r}: reference is (lat, lon, alt); got {self.reference!r}",
                {"node_id": self.id, "field": "reference"},
            )
        object.__setattr__(self, "reference", tuple(_float(self.id, "reference", v) for v in ref))
        object.__setattr__(self, "fields", _fields(self.id, self.fields))
        _checked(self)

    def _native(self) -> tuple[Any, ...]:
        return (
            self.id,
            "ned",
            (self.north, self.east, self.down, *self.reference),
            list(self.fields.items()),
        )


@dataclass(frozen=True)
class Oriented:
    """A Euclidean position with an orientation: the quaternion
    ``(w, x, y, z)``, normalised to unit length (a zero quaternion is refused).

    Examples
    --------
    >>> Oriented("arm", 0.0, 0.0, 1.0, (2.0, 0.0, 0.0, 0.0)).orientation
    (1.0, 0.0, 0.0, 0.0)
    """

    id: ContextoidId
    x: float
    y: float
    z: float
    orientation: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)
    fields: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", _check_id(self.id))
        for name in ("x", "y", "z"):
            object.__setattr__(self, name, _float(self.id, name, getattr(self, name)))
        q = tuple(self.orientation)
        if len(q) != 4:
            raise CoordinateError(
                f"contextoid {self.id!r}: orientation is a quaternion (w, x, y, z); "
                f"got {self.orientation!r}",
                {"node_id": self.id, "field": "orientation"},
            )
        object.__setattr__(self, "orientation", tuple(_float(self.id, "orientation", v) for v in q))
        object.__setattr__(self, "fields", _fields(self.id, self.fields))
        stored = _checked(self)[2]
        object.__setattr__(self, "orientation", tuple(stored[3:7]))

    def _native(self) -> tuple[Any, ...]:
        return (
            self.id,
            "oriented",
            (self.x, self.y, self.z, *self.orientation),
            list(self.fields.items()),
        )


@dataclass(frozen=True)
class TimeNs:
    """A moment with nanosecond resolution: ``t`` in integer nanoseconds since
    1970-01-01 UTC (or a datetime, ISO string, NumPy/pandas timestamp). Its
    index is the scale ``"nanosecond"``.

    Examples
    --------
    >>> TimeNs("tick", "2021-03-01T00:00:00.000000250").t
    1614556800000000250
    """

    id: ContextoidId
    t: TimeLike
    fields: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", _check_id(self.id))
        object.__setattr__(self, "t", to_nanoseconds(self.t, node_id=self.id))
        object.__setattr__(self, "fields", _fields(self.id, self.fields))

    @property
    def datetime(self) -> np.datetime64:
        """The time as a NumPy ``datetime64[ns]`` (UTC)."""
        return np.array([self.t], dtype=np.int64).astype("datetime64[ns]")[0]  # type: ignore[no-any-return]

    def _native(self) -> tuple[Any, ...]:
        return (self.id, "time", ("nanosecond", self.t), list(self.fields.items()))


@dataclass(frozen=True)
class Step:
    """A discrete time step (an integer), indexed by the scale ``"step"``.

    Examples
    --------
    >>> Step("k3", 3, {"load": 0.8}).step
    3
    """

    id: ContextoidId
    step: int
    fields: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", _check_id(self.id))
        object.__setattr__(self, "step", to_step(self.step, node_id=self.id))
        object.__setattr__(self, "fields", _fields(self.id, self.fields))

    def _native(self) -> tuple[Any, ...]:
        return (self.id, "time", ("step", self.step), list(self.fields.items()))


@dataclass(frozen=True)
class SymbolicTime:
    """A named moment of an ordered sequence: ``label`` names it, the integer
    ``rank`` orders it (``"draft"`` 0 < ``"review"`` 1 < ``"released"`` 2).
    Indexed by the scale ``"symbolic"``; windows take labels or ranks.

    Examples
    --------
    >>> SymbolicTime("phase", "review", 1).rank
    1
    """

    id: ContextoidId
    label: str
    rank: int
    fields: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", _check_id(self.id))
        if not isinstance(self.label, str):
            raise TypeError(f"contextoid {self.id!r}: label must be a str; got {self.label!r}")
        object.__setattr__(self, "rank", to_step(self.rank, "rank", node_id=self.id))
        object.__setattr__(self, "fields", _fields(self.id, self.fields))

    def _native(self) -> tuple[Any, ...]:
        return (self.id, "symbolic_time", (self.label, self.rank), list(self.fields.items()))


_DISTRIBUTIONS = ("point", "normal", "uniform", "bernoulli")


@dataclass(frozen=True)
class UncertainData:
    """A data contextoid whose value is uncertain: a :class:`cl.Uncertain`
    normal, uniform, Bernoulli or point (number) distribution.

    A causaloid that reads it (``E.ctx_value(id)``) is evaluated by the
    engine on seeded samples, as with an uncertain input; a plain read
    (``ctx.value(id)``, a batch) raises
    :class:`~causaloid.context.errors.ContextoidKindError` rather than hide the
    uncertainty behind a number.

    Examples
    --------
    >>> import causaloid as cl
    >>> speed = UncertainData("speed", cl.Uncertain.normal(29.0, 3.0))
    >>> speed.distribution
    ('normal', 29.0, 3.0)
    >>> round(speed.value.expected_value(100_000, seed=1), 1)
    29.0
    """

    id: ContextoidId
    value: Any = field(compare=False)
    fields: dict[str, float] = field(default_factory=dict)
    distribution: tuple[Any, ...] = field(init=False)

    def __post_init__(self) -> None:
        from causaloid.context.errors import ContextArgumentError
        from causaloid.uncertain import Uncertain

        object.__setattr__(self, "id", _check_id(self.id))
        if not isinstance(self.value, Uncertain):
            raise TypeError(
                f"contextoid {self.id!r}: an UncertainData value is a cl.Uncertain; "
                f"got {type(self.value).__name__} (use cl.Data for a number)"
            )
        found = _native.uncertain_distribution(self.value._node)
        if found is None:
            raise ContextArgumentError(
                f"contextoid {self.id!r}: a context holds a normal, uniform, bernoulli or "
                f"numeric point distribution; got {self.value.describe()}",
                {"node_id": self.id},
            )
        tag, a, b = found
        dist: tuple[Any, ...] = (tag, a) if tag in ("point", "bernoulli") else (tag, a, b)
        object.__setattr__(self, "distribution", dist)
        object.__setattr__(self, "fields", _fields(self.id, self.fields))
        _checked(self)

    def _native(self) -> tuple[Any, ...]:
        tag, *params = self.distribution
        a, b = (params + [0.0, 0.0])[:2]
        return (self.id, "uncertain", (tag, a, b), list(self.fields.items()))


def _uncertain_of(tag: str, a: float, b: float) -> Any:
    from causaloid.uncertain import Uncertain

    if tag == "point":
        return Uncertain.point(a)
    if tag == "bernoulli":
        return Uncertain.bernoulli(a)
    return getattr(Uncertain, tag)(a, b)


Contextoid = (
    Data
    | UncertainData
    | Time
    | TimeNs
    | Step
    | SymbolicTime
    | Space
    | SpaceTime
    | Geo
    | Ecef
    | Ned
    | Oriented
    | Symbolic
)
CONTEXTOID_TYPES = (
    Data,
    UncertainData,
    Time,
    TimeNs,
    Step,
    SymbolicTime,
    Space,
    SpaceTime,
    Geo,
    Ecef,
    Ned,
    Oriented,
    Symbolic,
)


def from_native(raw: tuple[Any, ...]) -> Contextoid:
    """Rebuild a contextoid from the engine's tuple form.

    An unknown kind is an error, never a silent ``Symbolic``.
    """
    node_id, kind, params, fields = raw
    extra = dict(fields)
    if kind == "data":
        value = extra.pop("value", math.nan)
        return Data(node_id, value, extra)
    if kind == "time":
        if params[0] == "nanosecond":
            return TimeNs(node_id, params[1], extra)
        if params[0] == "step":
            return Step(node_id, params[1], extra)
        return Time(node_id, params[0], params[1], extra)
    if kind == "space":
        return Space(node_id, params[0], params[1], params[2], extra)
    if kind == "space_time":
        return SpaceTime(node_id, params[0], params[1], params[2], params[3], extra)
    if kind == "symbolic":
        return Symbolic(node_id, params[0], extra)
    if kind == "geo":
        return Geo(node_id, params[0], params[1], params[2], extra)
    if kind == "ecef":
        return Ecef(node_id, params[0], params[1], params[2], extra)
    if kind == "ned":
        return Ned(node_id, params[0], params[1], params[2], tuple(params[3:6]), extra)
    if kind == "oriented":
        return Oriented(node_id, params[0], params[1], params[2], tuple(params[3:7]), extra)
    if kind == "symbolic_time":
        return SymbolicTime(node_id, params[0], params[1], extra)
    if kind == "uncertain":
        return UncertainData(node_id, _uncertain_of(*params), extra)
    raise ContextoidKindError(
        f"contextoid {node_id!r} has the unknown kind {kind!r} (this version knows "
        "data, uncertain, time, space, space_time, symbolic, geo, ecef, ned, oriented, "
        "symbolic_time)",
        {"node_id": node_id, "kind": kind},
    )


def to_native(node: Any) -> tuple[Any, ...]:
    if not isinstance(node, CONTEXTOID_TYPES):
        names = ", ".join(f"cl.{t.__name__}" for t in CONTEXTOID_TYPES)
        raise TypeError(f"expected a contextoid ({names}); got {type(node).__name__}")
    return node._native()
