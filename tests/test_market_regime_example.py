"""The market-regime example decides breakouts from a four-scale context and
explains a chosen day in plain text."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).parent.parent / "examples" / "market_regime.py"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("market_regime", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_explanation_of_a_breakout_day(example) -> None:
    ctx = example.build_context()
    graph = example.build_graph(ctx)
    text = example.explain_day(ctx, graph, "2021-10-20")
    # the row as dates, the reads in words with the months they covered
    assert "on row close=65987, time=2021-10-20:" in text
    assert "the previous month's high (2021-09) = 52882.1, context btc" in text
    assert "the max high over the 12 months before (2020-10 to 2021-09) = 64787.7582" in text
    assert text.splitlines()[-1] == (
        'Why: "year_breakout" decided true because its input is true and close 65987 is '
        "above the max high over the 12 months before 64787.7582 (2020-10 to 2021-09). "
        '"month_breakout" gave "year_breakout" true because close 65987 is above the '
        "previous month's high 52882.1 (2021-09)."
    )
    quiet = example.explain_day(ctx, graph, "2021-06-15")
    assert quiet.splitlines()[-2] == "Final verdict: false"
    assert "is not above the previous month's high" in quiet.splitlines()[-1]


def test_context_has_four_scales_matching_the_bars(example) -> None:
    ctx = example.build_context()
    assert ctx.scales == ["day", "week", "month", "year"]
    assert len(ctx.window("2021-01-01", "2022-01-01", scale="day")) == 365
    assert ctx.value("month:2021-11", "high") == 68925.0
    assert ctx.neighbours("day:2021-10-20", kind="part_of") == [
        "week:2021-10-18",
        "month:2021-10",
        "year:2021",
    ]
    # the monthly bars agree with the days they aggregate
    _, highs = ctx.window_values("2021-03-01", "2021-04-01", "high", scale="day")
    assert highs.max() == ctx.value("month:2021-03", "high")


def test_breakout_days_and_plot(example, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = example.main()
    days = result["days"][result["active"]]
    assert len(days) == 32
    assert np.datetime64("2021-10-20") in days and np.datetime64("2021-11-09") in days
    assert result["observations"].nodes["month_breakout"][0] == 132
    assert (tmp_path / example.OUTPUT / "market_regime.png").stat().st_size > 10_000
