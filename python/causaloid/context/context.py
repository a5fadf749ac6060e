"""``cl.Context``: a named hypergraph of contextoids with typed relations,
indexed look-ups (id, time window, region), atomic updates and a JSON form.
The hypergraph lives in the engine; readers always see a whole version of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from causaloid._native import ContextCore
from causaloid.context.contextoids import (
    Contextoid,
    ContextoidId,
    from_native,
    to_native,
)
from causaloid.context.errors import ContextArgumentError
from causaloid.context.timestamps import (
    TimeLike,
    check_scale,
    to_nanoseconds,
    to_seconds,
    to_step,
)
from causaloid.context.update import Transaction

AGGREGATIONS = ("first", "last", "min", "max", "sum", "mean")


class Relation(NamedTuple):
    """A directed, typed relation between two contextoids."""

    source: ContextoidId
    target: ContextoidId
    kind: str


class Context:
    """A context: contextoids linked by typed relations.

    Relation kinds are ``"temporal"`` (earlier to later; checked),
    ``"spatial"``, ``"space_temporal"``, ``"data"`` or any name of your own.
    Every change is atomic: a failing change raises a precise
    :class:`~causaloid.context.errors.ContextError` naming the offending id and
    leaves the context as it was.

    Parameters
    ----------
    id : int or str
        The context's id.
    name : str
        Its name, by which a :class:`~causaloid.Model` chooses it.

    Examples
    --------
    >>> import causaloid as cl
    >>> ctx = cl.Context(1, "market")
    >>> _ = ctx.add(
    ...     cl.Time("mon", "day", "2021-03-01", {"close": 49_600.0}),
    ...     cl.Time("tue", "day", "2021-03-02", {"close": 48_400.0}),
    ...     cl.Data("threshold", 49_000.0),
    ... )
    >>> _ = ctx.link("mon", "tue", "temporal")
    >>> ctx.neighbours("tue"), ctx.value("tue", "close")
    (['mon'], 48400.0)
    >>> ctx.window("2021-03-02", "2021-03-03", scale="day")
    ['tue']
    >>> ctx.at(scale="day")  # the latest day
    'tue'
    """

    __slots__ = ("_core",)

    def __init__(self, id: ContextoidId = 0, name: str = "context") -> None:
        self._core = ContextCore(id, str(name))

    @classmethod
    def _wrap(cls, core: ContextCore) -> Context:
        ctx = cls.__new__(cls)
        ctx._core = core
        return ctx

    # ---- identity and size ------------------------------------------------------

    @property
    def id(self) -> ContextoidId:
        """The context's id."""
        return self._core.id  # type: ignore[no-any-return]

    @property
    def name(self) -> str:
        """The context's name."""
        return str(self._core.name)

    def __len__(self) -> int:
        return len(self._core)

    def __contains__(self, node_id: object) -> bool:
        if isinstance(node_id, bool) or not isinstance(node_id, (int, str)):
            return False
        return bool(self._core.contains(node_id))

    def __iter__(self) -> Iterator[ContextoidId]:
        return iter(self._core.ids())

    def __getitem__(self, node_id: ContextoidId) -> Contextoid:
        return from_native(self._core.get(node_id))

    def __repr__(self) -> str:
        return (
            f"Context(id={self.id!r}, name={self.name!r}, contextoids={len(self)}, "
            f"relations={self.n_relations})"
        )

    def _repr_html_(self) -> str:
        """Jupyter display: counts, scales, fields and the first contextoids."""
        from causaloid._html import context_html

        return context_html(self)

    @property
    def n_relations(self) -> int:
        """Number of relations."""
        return int(self._core.n_relations())

    @property
    def fields(self) -> list[str]:
        """Names of the fields any contextoid carries."""
        return list(self._core.field_names())

    @property
    def scales(self) -> list[str]:
        """Time scales present, finest first."""
        return list(self._core.scales())

    # ---- changes (each atomic) ------------------------------------------------------

    def _apply(self, ops: list[tuple[Any, ...]]) -> None:
        self._core.apply(ops)

    def update(self) -> Transaction:
        """Collect several changes and apply them all or none (a ``with`` block)."""
        return Transaction(self)

    def add(self, *contextoids: Contextoid) -> Context:
        """Add contextoids (all or none); returns the context for chaining."""
        self._apply([("add", to_native(c)) for c in contextoids])
        return self

    def replace(self, *contextoids: Contextoid) -> Context:
        """Replace existing contextoids with the same ids (kind and fields)."""
        self._apply([("replace", to_native(c)) for c in contextoids])
        return self

    def upsert(self, *contextoids: Contextoid) -> Context:
        """Add contextoids, replacing those whose id already exists."""
        self._apply([("upsert", to_native(c)) for c in contextoids])
        return self

    def set(self, node_id: ContextoidId, field: str, value: float) -> Context:
        """Set one field of a contextoid (``"value"`` for a Data node)."""
        self._apply([("set", node_id, str(field), float(value))])
        return self

    def remove(self, *node_ids: ContextoidId) -> Context:
        """Remove contextoids and the relations touching them."""
        self._apply([("remove", i) for i in node_ids])
        return self

    def link(self, source: ContextoidId, target: ContextoidId, kind: str = "temporal") -> Context:
        """Relate ``source -> target`` with a relation of ``kind``."""
        self._apply([("link", source, target, str(kind))])
        return self

    def unlink(self, source: ContextoidId, target: ContextoidId, kind: str = "temporal") -> Context:
        """Remove the relation ``source -> target`` of ``kind``."""
        self._apply([("unlink", source, target, str(kind))])
        return self

    # ---- look-ups ---------------------------------------------------------------------

    def value(self, node_id: ContextoidId, field: str = "value") -> float:
        """The number in ``field`` of a contextoid (NaN if it does not carry it)."""
        return float(self._core.value(node_id, field))

    def values(
        self, node_ids: Iterable[ContextoidId] | np.ndarray, field: str = "value"
    ) -> np.ndarray:
        """``field`` of many contextoids at once; an int64 array of ids is fastest.

        Examples
        --------
        >>> import causaloid as cl
        >>> ctx = cl.Context().add(cl.Data(1, 0.5), cl.Data(2, 0.25))
        >>> ctx.values(np.array([2, 1]))
        array([0.25, 0.5 ])
        """
        if isinstance(node_ids, np.ndarray) and node_ids.dtype.kind in "iu":
            node_ids = np.ascontiguousarray(node_ids, dtype=np.int64)
        elif not isinstance(node_ids, (list, tuple)):
            node_ids = list(node_ids)
        return self._core.values(node_ids, field)  # type: ignore[no-any-return]

    def neighbours(
        self, node_id: ContextoidId, kind: str | None = None, direction: str = "both"
    ) -> list[ContextoidId]:
        """Contextoids related to ``node_id`` (by relations of ``kind`` only,
        when given), following ``"out"``, ``"in"`` or ``"both"`` directions."""
        return list(self._core.neighbours(node_id, kind, direction))

    def relations(self, kind: str | None = None) -> list[Relation]:
        """All relations, or those of one ``kind``."""
        return [Relation(*r) for r in self._core.relations(kind)]

    def has_relation(self, source: ContextoidId, target: ContextoidId, kind: str) -> bool:
        """Whether the relation ``source -> target`` of ``kind`` exists."""
        return bool(self._core.has_relation(source, target, kind))

    def window(
        self, start: TimeLike, end: TimeLike, scale: str | None = "day"
    ) -> list[ContextoidId]:
        """Ids of the time contextoids of ``scale`` with ``start <= t < end``,
        by time (``scale=None``: SpaceTime contextoids). Two binary searches in a
        sorted index, never a scan."""
        check_scale(scale)
        lo, hi = self._time(start, scale, "start"), self._time(end, scale, "end")
        return list(self._core.window(scale, lo, hi))

    def window_values(
        self, start: TimeLike, end: TimeLike, field: str, scale: str | None = "day"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Times and values of ``field`` over a window: times as
        ``datetime64[s]`` (calendar scales), ``datetime64[ns]`` (``"nanosecond"``)
        or int64 steps and ranks (``"step"``, ``"symbolic"``)."""
        check_scale(scale)
        lo, hi = self._time(start, scale, "start"), self._time(end, scale, "end")
        times, values = self._core.window_values(scale, field, lo, hi)
        if scale == "nanosecond":
            return times.astype("datetime64[ns]"), values
        if scale in ("step", "symbolic"):
            return times, values
        return times.astype("datetime64[s]"), values

    def at(
        self, time: TimeLike | None = None, scale: str | None = "day", offset: int = 0
    ) -> ContextoidId | None:
        """The id of the latest time contextoid of ``scale`` at or before
        ``time`` (the latest of all when ``time`` is None), moved ``offset``
        nodes along the scale (``-1``: the one before); None if there is none."""
        check_scale(scale)
        t = None if time is None else self._time(time, scale, "time")
        return self._core.at(scale, t, int(offset))

    def _time(self, value: Any, scale: str | None, what: str) -> int:
        """A time argument in the unit of ``scale``'s index: seconds for the
        calendar scales, nanoseconds, steps, or symbolic ranks (a label is
        looked up)."""
        if scale == "nanosecond":
            return to_nanoseconds(value, what)
        if scale == "step":
            return to_step(value, what)
        if scale == "symbolic":
            if isinstance(value, str):
                return int(self._core.symbolic_rank(value))
            return to_step(value, what)
        return to_seconds(value, what)

    @property
    def symbolic_labels(self) -> list[tuple[str, int]]:
        """The labels of the symbolic times, with their ranks, in rank order."""
        return list(self._core.symbolic_labels())

    # ---- spaces: distances, conversions, regions ------------------------------------

    def distance(self, a: ContextoidId, b: ContextoidId) -> float:
        """The distance between two spatial contextoids, in their geometry.

        Geodesic metres on the WGS84 ellipsoid between two :class:`Geo` points
        (altitudes ignored); straight-line metres through the Earth between
        any other two Earth-fixed points (Geo, Ecef, Ned; altitudes included);
        Euclidean between Space, SpaceTime and Oriented positions. Mixing a
        Euclidean kind with an Earth-fixed one raises
        :class:`~causaloid.context.errors.ContextoidKindError`.

        Examples
        --------
        >>> import causaloid as cl
        >>> ctx = cl.Context().add(cl.Geo("a", 0.0, 0.0), cl.Geo("b", 0.0, 90.0))
        >>> round(ctx.distance("a", "b"), 3)  # a quarter of the equator
        10018754.171
        """
        return float(self._core.distance(a, b))

    def angle(self, a: ContextoidId, b: ContextoidId) -> float:
        """The angle in radians (0 .. pi) between the orientations of two
        :class:`Oriented` contextoids."""
        return float(self._core.angle(a, b))

    def to_ecef(self, node_id: ContextoidId) -> tuple[float, float, float]:
        """The ECEF point (metres) of a Geo, Ecef or Ned contextoid."""
        return self._core.to_ecef(node_id)

    def to_geodetic(self, node_id: ContextoidId) -> tuple[float, float, float]:
        """The WGS84 ``(lat, lon, alt)`` of a Geo, Ecef or Ned contextoid."""
        return self._core.to_geodetic(node_id)

    def to_ned(
        self, node_id: ContextoidId, reference: Sequence[float]
    ) -> tuple[float, float, float]:
        """North, east, down metres of a Geo, Ecef or Ned contextoid relative
        to the geodetic ``reference`` ``(lat, lon, alt)``.

        Examples
        --------
        >>> import causaloid as cl
        >>> ctx = cl.Context().add(cl.Geo("mast", 47.0, 8.0, 520.0))
        >>> [round(v, 6) + 0.0 for v in ctx.to_ned("mast", (47.0, 8.0, 500.0))]
        [0.0, 0.0, -20.0]
        """
        return self._core.to_ned(node_id, _triple(reference, "reference"))

    def geo_within(self, lat: float, lon: float, radius: float) -> list[ContextoidId]:
        """Ids of the :class:`Geo` contextoids within ``radius`` metres
        (geodesic) of ``(lat, lon)``, in insertion order."""
        return list(self._core.geo_within(float(lat), float(lon), float(radius)))

    def geo_box(
        self,
        south: float,
        west: float,
        north: float,
        east: float,
        altitude: tuple[float, float] | None = None,
    ) -> list[ContextoidId]:
        """Ids of the :class:`Geo` contextoids with ``south <= lat <= north`` and
        a longitude from ``west`` eastwards to ``east``; ``west > east`` is a box
        across the antimeridian (``west=170, east=-170`` is 20 degrees wide).
        ``altitude=(low, high)`` bounds the altitude too.

        Examples
        --------
        >>> import causaloid as cl
        >>> ctx = cl.Context().add(cl.Geo("fiji", -17.7, 179.9), cl.Geo("samoa", -13.8, -172.1))
        >>> ctx.geo_box(-20.0, 170.0, -10.0, -170.0)
        ['fiji', 'samoa']
        """
        alt = None if altitude is None else (float(altitude[0]), float(altitude[1]))
        return list(self._core.geo_box(float(south), float(west), float(north), float(east), alt))

    def ecef_within(self, centre: Sequence[float], radius: float) -> list[ContextoidId]:
        """Ids of the :class:`Ecef` contextoids within ``radius`` metres
        (straight line) of the ECEF point ``centre``."""
        return list(self._core.ecef_within(list(_triple(centre, "centre")), float(radius)))

    def ecef_box(self, low: Sequence[float], high: Sequence[float]) -> list[ContextoidId]:
        """Ids of the :class:`Ecef` contextoids inside the box ``low <= p <= high``."""
        return list(self._core.ecef_box(list(_triple(low, "low")), list(_triple(high, "high"))))

    def ned_box(
        self, reference: Sequence[float], low: Sequence[float], high: Sequence[float]
    ) -> list[ContextoidId]:
        """Ids of the :class:`Ned` contextoids (of any reference) whose
        north, east, down in the frame of ``reference`` lie in ``low .. high``."""
        return list(
            self._core.ned_box(
                _triple(reference, "reference"),
                list(_triple(low, "low")),
                list(_triple(high, "high")),
            )
        )

    def oriented_region(
        self,
        low: Sequence[float],
        high: Sequence[float],
        orientation: Sequence[float] | None = None,
        max_angle: float = 0.0,
    ) -> list[ContextoidId]:
        """Ids of the :class:`Oriented` contextoids with their position in the
        box ``low .. high`` and, when ``orientation`` (a quaternion
        ``(w, x, y, z)``) is given, turned at most ``max_angle`` radians from it."""
        turn = None
        if orientation is not None:
            q = [float(v) for v in orientation]
            if len(q) != 4:
                raise ContextArgumentError(
                    f"orientation is a quaternion (w, x, y, z); got {orientation!r}",
                    {"orientation": list(orientation)},
                )
            turn = (q, float(max_angle))
        return list(
            self._core.oriented_region(list(_triple(low, "low")), list(_triple(high, "high")), turn)
        )

    def region(self, low: Sequence[float], high: Sequence[float]) -> list[ContextoidId]:
        """Ids of Space and SpaceTime contextoids inside the box ``low <= p <= high``
        (two or three coordinates each; z defaults to an unbounded range)."""
        lo, hi = _box(low, -np.inf), _box(high, np.inf)
        return list(self._core.region(lo, hi))

    def window_aggregate(
        self,
        at: Any,
        scale: str | None,
        field: str,
        how: str = "last",
        start: int = 0,
        stop: int = 1,
    ) -> np.ndarray:
        """For each time in ``at``, ``how`` (first, last, min, max, sum, mean) of
        ``field`` over the time contextoids of ``scale`` at positions
        ``anchor+start .. anchor+stop`` (exclusive), where ``anchor`` is the latest
        contextoid at or before that time. ``start=-1, stop=0``: the previous one.

        Examples
        --------
        >>> import causaloid as cl
        >>> ctx = cl.Context.from_frame(
        ...     {"t": np.array(["2021-01-31", "2021-02-01"], dtype="datetime64[D]"),
        ...      "high": [1.0, 2.0]}, time="t", aggregate=["month"], how={"high": "max"})
        >>> ctx.window_aggregate(np.array([1612137600.0]), "month", "high", "max", -1, 0)
        array([1.])
        """
        check_scale(scale)
        if how not in AGGREGATIONS:
            raise ContextArgumentError(
                f"unknown aggregation {how!r} (expected {', '.join(AGGREGATIONS)})", {"how": how}
            )
        arr = np.ascontiguousarray(at, dtype=np.float64)
        return self._core.window_aggregate(scale, field, how, arr, int(start), int(stop))

    # ---- tables, copies, JSON -------------------------------------------------------

    @classmethod
    def from_frame(
        cls,
        table: Any,
        time: str = "date",
        scale: str = "day",
        aggregate: Sequence[str] = (),
        how: Mapping[str, str] | None = None,
        id: str | None = None,
        name: str = "context",
        context_id: ContextoidId = 0,
        tz: Any = None,
    ) -> Context:
        """Build a time-indexed context from a table: see :meth:`extend_frame`."""
        ctx = cls(context_id, name)
        return ctx.extend_frame(
            table, time=time, scale=scale, aggregate=aggregate, how=how, id=id, tz=tz
        )

    def extend_frame(
        self,
        table: Any,
        time: str = "date",
        scale: str = "day",
        aggregate: Sequence[str] = (),
        how: Mapping[str, str] | None = None,
        id: str | None = None,
        tz: Any = None,
    ) -> Context:
        """Add one Time contextoid per row of a table (pandas, polars, Arrow or a
        dict of arrays), with its numeric columns as fields and temporal
        relations between consecutive rows. Rows must be sorted by ``time``
        (datetimes, or seconds since 1970-01-01 UTC).

        ``aggregate`` lists coarser scales (``"week"``, ``"month"``, ``"year"``
        ...) to add as parent contextoids, each related to its rows by
        ``"part_of"`` and to the next period by ``"temporal"``; ``how`` maps a
        field to its aggregation (first, last, min, max, sum, mean; default
        last). Parents are named by period (``"month:2021-03"``). Rows are named
        by position (``id=None``: 0, 1, ... after the contextoids already
        there), by period label (``id="label"``) or by an id column.

        Periods and labels follow a calendar: the time column's own zone when
        its datetimes are tz-aware (a Berlin bar at 2021-03-01 00:00+01:00 is
        in ``"month:2021-03"``), else ``tz`` (an IANA name such as
        ``"Europe/Berlin"`` or a ``tzinfo``; naive datetimes are then read as
        wall-clock times there), else UTC. ``tz`` given with an aware column
        converts it to that zone's calendar. Contextoid times stay instants
        (seconds since 1970-01-01 UTC), so queries such as :meth:`at` and
        :meth:`window` take aware datetimes (naive ones are UTC).

        All or nothing: a table with an unsorted time column, a timestamp in the
        wrong unit or a clashing id adds nothing.

        Examples
        --------
        >>> import datetime as dt
        >>> from zoneinfo import ZoneInfo
        >>> berlin = ZoneInfo("Europe/Berlin")
        >>> days = [dt.datetime(2021, 2, 28, tzinfo=berlin), dt.datetime(2021, 3, 1, tzinfo=berlin)]
        >>> ctx = cl.Context.from_frame({"date": days, "close": [1.0, 2.0]}, aggregate=["month"])
        >>> ctx.at(dt.datetime(2021, 3, 1, tzinfo=berlin), scale="month")
        'month:2021-03'
        """
        from causaloid.context.frame import frame_arguments

        times, scale_, fields, ids, coarser, aggregations, offsets = frame_arguments(
            table, time, scale, aggregate, how, id, tz
        )
        self._core.extend_from_frame(times, scale_, fields, ids, coarser, aggregations, offsets)
        return self

    def copy(self) -> Context:
        """An independent copy."""
        return Context._wrap(self._core.copy())

    def to_json(self) -> str:
        """The documented JSON form (see ``docs/context.md``)."""
        return str(self._core.to_json())

    @classmethod
    def from_json(cls, text: str) -> Context:
        """Rebuild a context from :meth:`to_json`, validating it."""
        return cls._wrap(ContextCore.from_json(text))

    def to_bytes(self) -> bytes:
        """The engine's compact binary form (columnar, little-endian, versioned).

        This is what a pickle carries; :meth:`from_bytes` reads it back.

        >>> import causaloid as cl
        >>> ctx = cl.Context(1, "c").add(cl.Data(1, 0.5))
        >>> cl.Context.from_bytes(ctx.to_bytes()) == ctx
        True
        """
        return bytes(self._core.to_bytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> Context:
        """Rebuild a context from :meth:`to_bytes`, validating it.

        Raises
        ------
        causaloid.errors.SerializationError
            When the bytes are not a context's binary form (truncated,
            corrupt, another kind of document, or a newer version).
        """
        return cls._wrap(ContextCore.from_bytes(bytes(data)))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Context.from_bytes, (self.to_bytes(),))

    def __eq__(self, other: object) -> bool:
        # The same contextoids, fields (in any order) and relations.
        return isinstance(other, Context) and _canonical(self.to_json()) == _canonical(
            other.to_json()
        )

    __hash__ = None  # type: ignore[assignment]


def _canonical(text: str) -> Any:
    """The JSON form with each contextoid's fields sorted by name (their
    order follows when each field was first seen, which a copy may not
    share) and the relations sorted."""
    doc = json.loads(text)
    for c in doc["contextoids"]:
        c["fields"] = sorted(c.get("fields", []), key=lambda f: str(f[0]))
    doc["relations"] = sorted(json.dumps(r, sort_keys=True) for r in doc["relations"])
    return doc


def _triple(values: Sequence[float], what: str) -> tuple[float, float, float]:
    vals = [float(v) for v in values]
    if len(vals) != 3:
        raise ContextArgumentError(
            f"{what} has 3 coordinates; got {len(vals)}", {what: list(values)}
        )
    return (vals[0], vals[1], vals[2])


def _box(bound: Sequence[float], default_z: float) -> list[float]:
    vals = [float(v) for v in bound]
    if len(vals) == 2:
        vals.append(default_z)
    if len(vals) != 3:
        raise ContextArgumentError(
            f"a region bound has 2 or 3 coordinates; got {len(vals)}", {"bound": list(bound)}
        )
    if any(np.isnan(v) for v in vals):
        raise ContextArgumentError(f"a region bound is NaN: {vals}", {"bound": vals})
    return vals
