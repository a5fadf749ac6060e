"""Timestamps in, seconds out: every time a user passes (an int of seconds, a
``datetime``, a ``date``, an ISO string, a NumPy or pandas timestamp) becomes
whole seconds since 1970-01-01 UTC, the engine's one unit.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np

from causaloid import _native
from causaloid.context.errors import TimestampUnitError

#: Anything accepted where a time is expected.
TimeLike = int | float | str | _dt.datetime | _dt.date | np.datetime64 | Any

#: Seconds beyond this are taken as a unit mistake (milliseconds, nanoseconds).
MAX_ABS_SECONDS = 100_000_000_000

# The engine owns the list of time scales.
SCALES: tuple[str, ...] = tuple(_native.vocabulary()[0])


def to_seconds(value: TimeLike, what: str = "timestamp", node_id: Any = None) -> int:
    """Convert one time to whole seconds since 1970-01-01 UTC.

    Numbers are taken as seconds already; naive datetimes as UTC.

    Examples
    --------
    >>> to_seconds("2021-01-02")
    1609545600
    >>> to_seconds(60)
    60
    """
    if isinstance(value, (bool, np.bool_)):
        raise _unit_error(value, what, node_id, "a bool is not a time")
    if isinstance(value, (int, np.integer)):
        seconds = int(value)
    elif isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            raise _unit_error(value, what, node_id, "a time must be finite")
        seconds = int(np.floor(value))
    elif isinstance(value, _dt.datetime):
        try:  # pandas' NaT is a datetime that has no timestamp
            if value.tzinfo is None:
                value = value.replace(tzinfo=_dt.timezone.utc)
            seconds = int(np.floor(value.timestamp()))
        except (ValueError, OverflowError, OSError) as exc:
            raise _unit_error(value, what, node_id, str(exc)) from None
    elif isinstance(value, _dt.date):
        seconds = (value - _dt.date(1970, 1, 1)).days * 86_400
    elif isinstance(value, (str, np.datetime64)) or hasattr(value, "to_datetime64"):
        try:
            raw = value.to_datetime64() if hasattr(value, "to_datetime64") else np.datetime64(value)
        except ValueError as exc:
            raise _unit_error(value, what, node_id, str(exc)) from None
        if np.isnat(raw):
            raise _unit_error(value, what, node_id, "NaT is not a time")
        seconds = int(raw.astype("datetime64[s]").astype(np.int64))
    else:
        raise _unit_error(value, what, node_id, f"cannot read a time from {type(value).__name__}")
    if abs(seconds) > MAX_ABS_SECONDS:
        raise _unit_error(
            value,
            what,
            node_id,
            "out of range for seconds since 1970-01-01 UTC (milliseconds or nanoseconds?)",
        )
    return seconds


#: The scales of the calendar (whole seconds, periods, coarser aggregation);
#: the others index the non-calendar time kinds.
CALENDAR_SCALES: tuple[str, ...] = tuple(
    s for s in SCALES if s not in ("nanosecond", "step", "symbolic")
)

_I64 = (-(2**63), 2**63 - 1)


def to_nanoseconds(value: TimeLike, what: str = "timestamp", node_id: Any = None) -> int:
    """Convert one time to integer nanoseconds since 1970-01-01 UTC.

    Integers are taken as nanoseconds already; datetimes, ISO strings and
    NumPy/pandas timestamps keep their sub-second part (naive ones are UTC).

    Examples
    --------
    >>> to_nanoseconds("2021-03-01T00:00:00.000000123")
    1614556800000000123
    >>> to_nanoseconds(5)
    5
    """
    if isinstance(value, (bool, np.bool_)):
        raise _unit_error(value, what, node_id, "a bool is not a time")
    if isinstance(value, (int, np.integer)):
        ns = int(value)
    elif isinstance(value, (float, np.floating)):
        raise _unit_error(
            value, what, node_id, "a float cannot hold nanoseconds exactly; pass an int"
        )
    elif isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        delta = value - _dt.datetime(1970, 1, 1)
        ns = (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
        nanos = getattr(value, "nanosecond", 0)  # pandas.Timestamp
        ns += int(nanos)
    elif isinstance(value, _dt.date):
        ns = (value - _dt.date(1970, 1, 1)).days * 86_400 * 1_000_000_000
    elif isinstance(value, (str, np.datetime64)):
        try:
            raw = np.datetime64(value)
        except ValueError as exc:
            raise _unit_error(value, what, node_id, str(exc)) from None
        if np.isnat(raw):
            raise _unit_error(value, what, node_id, "NaT is not a time")
        ns = int(raw.astype("datetime64[ns]").astype(np.int64))
    else:
        raise _unit_error(value, what, node_id, f"cannot read a time from {type(value).__name__}")
    if not _I64[0] <= ns <= _I64[1]:
        raise _unit_error(value, what, node_id, "out of range for 64-bit nanoseconds")
    return ns


def to_step(value: Any, what: str = "step", node_id: Any = None) -> int:
    """A discrete step: an integer (a float with no fractional part is accepted).

    Examples
    --------
    >>> to_step(3.0)
    3
    """
    if isinstance(value, (bool, np.bool_)):
        raise _unit_error(value, what, node_id, "a bool is not a step")
    if isinstance(value, (int, np.integer)):
        step = int(value)
    elif (
        isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer()
    ):
        step = int(value)
    else:
        raise _unit_error(value, what, node_id, "a step is an integer")
    if not _I64[0] <= step <= _I64[1]:
        raise _unit_error(value, what, node_id, "out of range for a 64-bit step")
    return step


def column_to_seconds(column: np.ndarray, name: str) -> np.ndarray:
    """Convert a time column (datetime64 of any unit or timezone-naive UTC,
    or numbers of seconds) to int64 seconds.

    Examples
    --------
    >>> column_to_seconds(np.array(["1970-01-02"], dtype="datetime64[D]"), "t")
    array([86400])
    """
    arr = np.asarray(column)
    if arr.dtype.kind == "M":
        if np.isnat(arr).any():
            row = int(np.flatnonzero(np.isnat(arr))[0])
            raise TimestampUnitError(
                f"time column {name!r} has NaT at row {row}", {"column": name, "row": row}
            )
        return arr.astype("datetime64[s]").astype(np.int64)
    if arr.dtype.kind == "O":
        return np.array([to_seconds(v, f"time column {name!r}") for v in arr], dtype=np.int64)
    if arr.dtype.kind in "iu":
        out = arr.astype(np.int64)
    elif arr.dtype.kind == "f":
        if not np.isfinite(arr).all():
            row = int(np.flatnonzero(~np.isfinite(arr))[0])
            raise TimestampUnitError(
                f"time column {name!r} is not finite at row {row}", {"column": name, "row": row}
            )
        out = np.floor(arr).astype(np.int64)
    else:
        raise TimestampUnitError(
            f"time column {name!r} has dtype {arr.dtype}; expected datetimes or seconds",
            {"column": name, "dtype": str(arr.dtype)},
        )
    if out.size and np.abs(out).max() > MAX_ABS_SECONDS:
        row = int(np.flatnonzero(np.abs(out) > MAX_ABS_SECONDS)[0])
        raise TimestampUnitError(
            f"time column {name!r} holds {out[row]} at row {row}, out of range for seconds since "
            "1970-01-01 UTC (milliseconds or nanoseconds?); pass datetimes or seconds",
            {"column": name, "row": row},
        )
    return out


def check_scale(scale: str | None) -> str | None:
    """Validate a scale name (``None`` stands for SpaceTime nodes)."""
    from causaloid.context.errors import UnknownScaleError

    if scale is not None and scale not in SCALES:
        raise UnknownScaleError(
            f"unknown time scale {scale!r} (expected one of {', '.join(SCALES)})", {"scale": scale}
        )
    return scale


def _unit_error(value: Any, what: str, node_id: Any, why: str) -> TimestampUnitError:
    prefix = f"contextoid {node_id!r}: " if node_id is not None else ""
    return TimestampUnitError(
        f"{prefix}{what} {value!r}: {why}", {"node_id": node_id, "found": repr(value)}
    )


# --- time zones: the calendar that periods follow ------------------------------------


def time_zone(tz: Any) -> _dt.tzinfo | None:
    """A ``tzinfo`` for ``tz``: None, an IANA name (``"Europe/Berlin"``), or a
    ``tzinfo`` (zoneinfo, pytz, dateutil, ``datetime.timezone``).

    Examples
    --------
    >>> time_zone("Europe/Berlin")
    zoneinfo.ZoneInfo(key='Europe/Berlin')
    >>> time_zone(None) is None
    True
    """
    from causaloid.context.errors import ContextArgumentError

    if tz is None or isinstance(tz, _dt.tzinfo):
        return tz
    if isinstance(tz, str):
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ContextArgumentError(
                f"unknown time zone {tz!r}; give an IANA name such as 'Europe/Berlin' or 'UTC'",
                {"parameter": "tz", "tz": tz},
            ) from None
    raise ContextArgumentError(
        f"tz must be None, a time-zone name or a tzinfo, got {type(tz).__name__}",
        {"parameter": "tz"},
    )


def column_time_zone(column: Any) -> _dt.tzinfo | None:
    """The time zone a table's time column carries (pandas, polars, Arrow, or
    aware ``datetime`` objects), None when it is naive or numeric.

    Examples
    --------
    >>> import datetime as dt
    >>> column_time_zone(np.array([dt.datetime(2021, 3, 1, tzinfo=dt.timezone.utc)]))
    datetime.timezone.utc
    >>> column_time_zone(np.array([1, 2])) is None
    True
    """
    tz = getattr(getattr(column, "dt", None), "tz", None)  # pandas Series
    if tz is None:
        tz = getattr(column, "tz", None)  # pandas DatetimeIndex
    if tz is None:
        tz = getattr(getattr(column, "dtype", None), "time_zone", None)  # polars
    if tz is None:
        tz = getattr(getattr(column, "type", None), "tz", None)  # pyarrow
    if tz is None and getattr(getattr(column, "dtype", None), "kind", "") == "O" and len(column):
        first = next((v for v in column if v is not None), None)
        tz = getattr(first, "tzinfo", None)
    return time_zone(tz) if isinstance(tz, (str, _dt.tzinfo)) else None


def utc_offsets(seconds: np.ndarray, tz: _dt.tzinfo) -> np.ndarray:
    """Seconds east of UTC that ``tz`` has at each instant (seconds since
    1970-01-01 UTC).

    Examples
    --------
    >>> utc_offsets(np.array([1614553200, 1625090400]), time_zone("Europe/Berlin"))
    array([3600, 7200])
    """
    uniq, inverse = np.unique(np.asarray(seconds, dtype=np.int64), return_inverse=True)
    offs = np.empty(len(uniq), dtype=np.int64)
    for i, t in enumerate(uniq.tolist()):
        off = _dt.datetime.fromtimestamp(t, tz).utcoffset()
        offs[i] = int(off.total_seconds()) if off is not None else 0
    return offs[inverse.reshape(-1)]


def wall_to_utc(wall: np.ndarray, tz: _dt.tzinfo) -> np.ndarray:
    """UTC instants of local wall-clock times (seconds as if the wall clock
    were UTC); an ambiguous time (the repeated hour in autumn) takes its first
    occurrence, a skipped one (spring) is read with the offset before the gap.

    Examples
    --------
    >>> wall = column_to_seconds(np.array(["2021-03-01"], dtype="datetime64[s]"), "t")
    >>> int(wall_to_utc(wall, time_zone("Europe/Berlin"))[0]) == int(wall[0]) - 3600
    True
    """
    uniq, inverse = np.unique(np.asarray(wall, dtype=np.int64), return_inverse=True)
    out = np.empty(len(uniq), dtype=np.int64)
    epoch = _dt.datetime(1970, 1, 1)
    for i, w in enumerate(uniq.tolist()):
        naive = epoch + _dt.timedelta(seconds=w)
        localize = getattr(tz, "localize", None)  # pytz zones need localize()
        local = localize(naive) if callable(localize) else naive.replace(tzinfo=tz)
        off = local.utcoffset()
        out[i] = w - (int(off.total_seconds()) if off is not None else 0)
    return out[inverse.reshape(-1)]
