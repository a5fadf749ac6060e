"""Turning a table into the arguments of the engine's frame builder: the time
column to int64 seconds, numeric columns to float64 fields, names checked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from causaloid._table import to_columns
from causaloid.context.errors import ContextArgumentError
from causaloid.context.timestamps import (
    check_scale,
    column_time_zone,
    column_to_seconds,
    time_zone,
    utc_offsets,
    wall_to_utc,
)
from causaloid.errors import UnknownColumnError

_AGGREGATIONS = ("first", "last", "min", "max", "sum", "mean")


def frame_arguments(
    table: Any,
    time: str,
    scale: str,
    aggregate: Sequence[str],
    how: Mapping[str, str] | None,
    id: str | None,
    tz: Any = None,
) -> tuple[Any, ...]:
    """The engine's arguments for a frame; the last is the UTC offset of each
    row in the calendar of ``tz`` (or of the time column's own zone), or None
    for UTC."""
    columns = _columns(table)
    if time not in columns:
        raise UnknownColumnError(
            f"unknown time column {time!r} (available: {', '.join(list(columns)[:12])})",
            {"column": time, "available": list(columns)},
        )
    check_scale(scale)
    coarser = [str(s) for s in ([aggregate] if isinstance(aggregate, str) else aggregate)]
    for s in coarser:
        check_scale(s)
    times = np.ascontiguousarray(column_to_seconds(columns[time], time))
    own = column_time_zone(_original_column(table, time))
    if own is None and columns[time].dtype == object:
        own = column_time_zone(columns[time])
    zone = time_zone(tz) or own
    if zone is not None and own is None and columns[time].dtype.kind in "MO":
        # naive datetimes are wall-clock times of ``tz``
        times = np.ascontiguousarray(wall_to_utc(times, zone))
    offsets = None if zone is None else np.ascontiguousarray(utc_offsets(times, zone))
    fields = []
    for name, arr in columns.items():
        if name in (time, id):
            continue
        if arr.dtype.kind in "iufb":
            fields.append((name, np.ascontiguousarray(arr, dtype=np.float64)))
    field_names = {n for n, _ in fields}
    aggregations = []
    for name, agg in (how or {}).items():
        if name not in field_names:
            raise UnknownColumnError(
                f"how= names {name!r}, which is not a numeric column "
                f"(numeric: {', '.join(sorted(field_names))})",
                {"column": name},
            )
        if agg not in _AGGREGATIONS:
            raise ContextArgumentError(
                f"unknown aggregation {agg!r} for {name!r} (expected {', '.join(_AGGREGATIONS)})",
                {"field": name, "how": agg},
            )
        aggregations.append((name, agg))
    if id is None:
        ids: Any = "positions"
    elif id == "label":
        ids = "labels"
    elif id in columns:
        ids = [v.item() if isinstance(v, np.generic) else v for v in columns[id]]
    else:
        raise UnknownColumnError(
            f"unknown id column {id!r} (or pass id='label' or None)", {"column": id}
        )
    return (times, scale, fields, ids, coarser, aggregations, offsets)


def _original_column(table: Any, name: str) -> Any:
    """The time column as the table holds it (to read its time zone)."""
    index = getattr(table, "index", None)
    if getattr(index, "name", None) == name:
        return index
    try:
        return table.column(name) if hasattr(table, "column_names") else table[name]
    except Exception:  # noqa: BLE001 - only a hint; the checks above name the column
        return None


def _columns(table: Any) -> dict[str, np.ndarray]:
    # pandas keeps a named DatetimeIndex out of the columns: bring it back in.
    index = getattr(table, "index", None)
    if type(table).__module__.split(".")[0] == "pandas" and getattr(index, "name", None):
        if getattr(getattr(index, "dtype", None), "kind", "") == "M":
            table = table.reset_index()
    return to_columns(table)
