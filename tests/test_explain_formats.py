"""Explanations in three forms: text for a terminal, Markdown for a report or a
notebook, JSON for a program; the graph's first line names the row it ran on."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid import expr as E
from causaloid.errors import InvalidArgumentError


def alarm() -> cl.CausalGraph:
    g = cl.CausalGraph("alarm", "fire alarm")
    g.add(cl.Causaloid("smoke", "smoke detected", expr=E.col("smoke") > 0.3))
    g.add(cl.Causaloid("heat", "heat detected", expr=E.col("temp") > 60))
    g.add(cl.Causaloid("fire", "fire if smoke or heat", expr=E.value()))
    g.link("smoke", "fire")
    g.link("heat", "fire")
    return g.freeze()


def test_the_graph_line_names_the_row_it_ran_on():
    first = alarm().explain({"smoke": 0.1, "temp": 75.0}).splitlines()[0]
    assert first == 'graph "alarm" "fire alarm" (3 nodes) on row smoke=0.1, temp=75:'


def test_markdown_nests_the_steps_under_the_verdict():
    text = alarm().explain({"smoke": 0.1, "temp": 75.0}, format="markdown")
    lines = text.splitlines()
    assert lines[0] == "**value: true**" and lines[1] == ""
    assert lines[2].startswith('- graph "alarm"')
    smoke = '  - causaloid "smoke" "smoke detected": (col("smoke") > 0.3) on smoke=0.1 -> false'
    assert lines[3] == smoke
    # the steps as a nested list, then the closing sentence as a paragraph
    assert all(line.startswith(("- ", "  - ")) for line in lines[2:-2])
    assert lines[-2] == ""
    assert lines[-1] == (
        '*Why:* "fire" decided true because its input is true. '
        '"heat" gave "fire" true because temp 75 is above 60.'
    )


def test_json_carries_value_lines_and_the_structured_trace():
    effect = alarm().evaluate({"smoke": 0.1, "temp": 75.0})
    doc = json.loads(effect.explain(format="json"))
    assert doc["value"] is True and doc["ok"] is True and doc["error"] is None
    assert doc["lines"] == effect.explain().splitlines()
    assert doc["why"] == effect.why and doc["lines"][-1] == f"Why: {effect.why}"
    decided = [(r["id"], r["verdict"]) for r in doc["trace"] if r["event"] == "decided"]
    assert decided == [("smoke", False), ("heat", True), ("fire", True), ("alarm", True)]


def broken(value: object) -> bool:
    raise RuntimeError("sensor offline")


def test_a_failed_effect_explains_its_error_in_every_format():
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid("s", "sensor", fn=broken))
    g.freeze()
    effect = g.evaluate(1.0, errors="effect")
    assert not effect.ok
    doc = json.loads(effect.explain(format="json"))
    assert doc["ok"] is False and "sensor offline" in doc["error"]
    assert doc["error_type"] == type(effect.error).__name__
    assert effect.explain(format="markdown").startswith("**error: ")


@pytest.mark.parametrize("bad", ["html", "", "TEXT", None, 3])
def test_an_unknown_format_is_an_invalid_argument(bad):
    with pytest.raises(InvalidArgumentError) as info:
        cl.Effect.pure(1.0).explain(format=bad)
    assert info.value.parameter == "format" and isinstance(info.value, ValueError)


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_markdown_never_lets_a_description_become_markup(description):
    g = cl.CausalGraph("g", description)
    g.add(cl.Causaloid("n", description, expr=E.col("x") > 0))
    g.freeze()
    text = "\n".join(g.explain({"x": 1.0}, format="markdown").splitlines()[2:])
    assert "*Why:* " in text
    text = text.replace("*Why:* ", "")
    for ch in "`*_[<":
        assert text.count(ch) == text.count("\\" + ch), (ch, text)


def test_the_cli_explains_in_json(tmp_path):
    model = tmp_path / "alarm.json"
    model.write_text(alarm().to_json())
    proc = subprocess.run(
        [sys.executable, "-m", "causaloid", "explain", str(model), "--format", "json",
         "--row", '{"smoke": 0.1, "temp": 75}'],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["value"] is True


def test_an_ethos_says_when_norms_were_enacted_as_iso_dates():
    import datetime as dt

    utc = dt.timezone.utc
    rules = cl.Ethos(
        [
            cl.Norm("old", "sell", None, "impermissible", time=dt.datetime(2001, 1, 1, tzinfo=utc)),
            cl.Norm("new", "sell", None, "optional", time=dt.datetime(2024, 1, 1, 12, tzinfo=utc)),
        ]
    )
    verdict = rules.evaluate("sell")
    assert verdict.defeated == [
        ("old", "new", "lex posterior", "enacted 2024-01-01T12:00:00Z > 2001-01-01")
    ]
    assert "1704" not in verdict.justification


def test_a_context_read_names_its_period_and_the_time_reads_as_a_date():
    import datetime as dt

    import numpy as np

    days = [dt.datetime(2021, 1, 1) + dt.timedelta(days=i) for i in range(90)]
    ctx = cl.Context.from_frame(
        {"date": np.array(days, dtype="datetime64[s]"), "high": np.arange(90.0)},
        time="date",
        scale="day",
        aggregate=["month"],
        how={"high": "max"},
        name="btc",
    )
    breakout = cl.Causaloid(
        "breakout",
        "close above last month's high",
        expr=E.col("close") > E.ctx_time("month", "high", at="time", offset=-1),
        context=ctx,
    )
    t = dt.datetime(2021, 3, 10, tzinfo=dt.timezone.utc).timestamp()
    text = breakout.explain({"time": t, "close": 60.0})
    assert "time=2021-03-10" in text and str(int(t)) not in text
    assert "the previous month's high (2021-02) = 58, context btc" in text
    assert text.splitlines()[-1] == (
        "Why: true because close 60 is above the previous month's high 58 (2021-02)."
    )
    later = breakout.explain({"time": t + 8.5 * 3600, "close": 60.0})
    assert "time=2021-03-10T08:30:00Z" in later
