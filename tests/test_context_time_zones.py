"""Tz-aware timestamps keep their calendar in contexts: a Berlin bar of
2021-03-01 is counted in March, whichever table library carries it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid.context.errors import ContextArgumentError

BERLIN = ZoneInfo("Europe/Berlin")
# Local midnights 2021-02-26 .. 2021-03-03 in Berlin (UTC+1): 23:00 UTC the day before.
LOCAL_DAYS = [dt.datetime(2021, 2, 26, tzinfo=BERLIN) + dt.timedelta(days=i) for i in range(6)]
CLOSE = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]


def months(ctx: cl.Context) -> dict[str, float]:
    return {str(i): ctx.value(i, "close") for i in ctx if str(i).startswith("month:")}


def check_berlin_calendar(ctx: cl.Context) -> None:
    # Feb holds 26, 27, 28; March holds 1, 2, 3 (close: last of the period)
    assert months(ctx) == {"month:2021-02": 3.0, "month:2021-03": 6.0}
    assert "day:2021-03-01" in ctx and "day:2021-02-25" not in ctx
    assert ctx.at(dt.datetime(2021, 3, 1, 0, 30, tzinfo=BERLIN), scale="month") == "month:2021-03"
    assert ctx.at(dt.datetime(2021, 2, 28, 23, 30, tzinfo=BERLIN), scale="month") == (
        "month:2021-02"
    )


def test_aware_python_datetimes_keep_their_zone():
    ctx = cl.Context.from_frame(
        {"date": LOCAL_DAYS, "close": CLOSE}, aggregate=["month"], id="label"
    )
    check_berlin_calendar(ctx)


def test_aware_pandas_column_keeps_its_zone():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "date": pd.date_range("2021-02-26", periods=6, freq="D", tz="Europe/Berlin"),
            "close": CLOSE,
        }
    )
    check_berlin_calendar(cl.Context.from_frame(frame, aggregate=["month"], id="label"))
    indexed = frame.set_index("date")
    check_berlin_calendar(cl.Context.from_frame(indexed, aggregate=["month"], id="label"))


def test_aware_polars_and_arrow_columns_keep_their_zone():
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    frame = pl.DataFrame({"date": LOCAL_DAYS, "close": CLOSE}).with_columns(
        pl.col("date").dt.convert_time_zone("Europe/Berlin")
    )
    assert frame.schema["date"].time_zone == "Europe/Berlin"
    check_berlin_calendar(cl.Context.from_frame(frame, aggregate=["month"], id="label"))
    check_berlin_calendar(cl.Context.from_frame(frame.to_arrow(), aggregate=["month"], id="label"))
    assert isinstance(frame.to_arrow(), pa.Table)


def test_naive_times_are_wall_clock_in_tz():
    naive = np.array([d.replace(tzinfo=None) for d in LOCAL_DAYS], dtype="datetime64[s]")
    ctx = cl.Context.from_frame(
        {"date": naive, "close": CLOSE}, aggregate=["month"], id="label", tz="Europe/Berlin"
    )
    check_berlin_calendar(ctx)


def test_without_a_zone_the_same_instants_follow_the_utc_calendar():
    instants = np.array(
        [d.astimezone(dt.timezone.utc).replace(tzinfo=None) for d in LOCAL_DAYS],
        dtype="datetime64[s]",
    )
    ctx = cl.Context.from_frame({"date": instants, "close": CLOSE}, aggregate=["month"], id="label")
    # 2021-03-01 00:00 Berlin is 2021-02-28 23:00 UTC: February in UTC
    assert months(ctx) == {"month:2021-02": 4.0, "month:2021-03": 6.0}
    tz_utc = cl.Context.from_frame(
        {"date": LOCAL_DAYS, "close": CLOSE}, aggregate=["month"], id="label", tz="UTC"
    )
    assert months(tz_utc) == months(ctx)


def test_an_unknown_zone_is_a_causal_error_naming_tz():
    with pytest.raises(ContextArgumentError, match="unknown time zone 'Mars/Olympus'") as info:
        cl.Context.from_frame({"date": LOCAL_DAYS, "close": CLOSE}, tz="Mars/Olympus")
    assert info.value.parameter == "tz"
    with pytest.raises(cl.CausalError, match="tz must be"):
        cl.Context.from_frame({"date": LOCAL_DAYS, "close": CLOSE}, tz=3)


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]),
    st.integers(0, 3 * 365),
    st.integers(2, 60),
)
def test_every_row_is_part_of_the_local_month_and_year_it_falls_in(zone, start, n):
    tz = ZoneInfo(zone)
    first = dt.datetime(2019, 1, 1, 12, tzinfo=tz) + dt.timedelta(days=start)
    days = [first + dt.timedelta(days=i) for i in range(n)]
    ctx = cl.Context.from_frame(
        {"date": days, "close": np.arange(n, dtype=float)}, aggregate=["month", "year"]
    )
    part_of = {(r.source, r.target) for r in ctx.relations("part_of")}
    for i, day in enumerate(days):
        assert (i, f"month:{day:%Y-%m}") in part_of
        assert (i, f"year:{day:%Y}") in part_of
