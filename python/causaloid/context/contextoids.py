"""The five kinds of contextoid, the nodes of a context. Each is a small
immutable value; any kind may also carry named numeric ``fields`` (the prices
of a day, a sensor's reading), and a :class:`Data` node's number is its
field ``"value"``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np

from causaloid.context.errors import CoordinateError
from causaloid.context.timestamps import TimeLike, check_scale, to_seconds

ContextoidId = Union[int, str]


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


Contextoid = Union[Data, Time, Space, SpaceTime, Symbolic]
CONTEXTOID_TYPES = (Data, Time, Space, SpaceTime, Symbolic)


def from_native(raw: tuple[Any, ...]) -> Contextoid:
    """Rebuild a contextoid from the engine's tuple form."""
    node_id, kind, params, fields = raw
    extra = dict(fields)
    if kind == "data":
        value = extra.pop("value", math.nan)
        return Data(node_id, value, extra)
    if kind == "time":
        return Time(node_id, params[0], params[1], extra)
    if kind == "space":
        return Space(node_id, params[0], params[1], params[2], extra)
    if kind == "space_time":
        return SpaceTime(node_id, params[0], params[1], params[2], params[3], extra)
    return Symbolic(node_id, params[0], extra)


def to_native(node: Any) -> tuple[Any, ...]:
    if not isinstance(node, CONTEXTOID_TYPES):
        raise TypeError(
            "expected a contextoid (cl.Data, cl.Time, cl.Space, cl.SpaceTime, cl.Symbolic); "
            f"got {type(node).__name__}"
        )
    return node._native()
