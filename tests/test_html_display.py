"""Graphs, effects, contexts and tabular results render as HTML in Jupyter
(``_repr_html_``): well-formed, escaped, and showing what matters."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import numpy as np
import pytest

import causaloid as cl
from causaloid import expr as E

VOID = {"br", "img", "hr", "meta", "input"}


class Checker(HTMLParser):
    """Collects tags and text and checks that every tag is closed in order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-3:])
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(markup: str) -> Checker:
    checker = Checker()
    checker.feed(markup)
    checker.close()
    assert not checker.stack, f"unclosed tags: {checker.stack}"
    return checker


def alarm() -> cl.CausalGraph:
    g = cl.CausalGraph("alarm", "fire <alarm> & co")
    g.add(cl.Causaloid("smoke", "smoke detected", expr=E.col("smoke") > 0.3))
    g.add(cl.Causaloid("heat", "heat detected", expr=E.col("temp") > 60))
    g.add(cl.Causaloid("fire", "fire", expr=E.value()))
    g.link("smoke", "fire")
    g.link("heat", "fire")
    return g.freeze()


def test_a_graph_renders_a_summary_an_svg_and_its_nodes():
    g = alarm()
    markup = g._repr_html_()
    page = parse(markup)
    text = " ".join(page.text)
    assert "fire <alarm> & co" in text and "<alarm>" not in markup  # escaped
    assert "3 nodes, 2 edges, frozen" in text
    tags = [t for t, _ in page.tags]
    assert tags.count("svg") == 1 and tags.count("rect") == 3 and tags.count("line") == 2
    assert str(E.col("temp") > 60) in text
    assert "smoke, heat" in text or "heat, smoke" in text  # fire's parents


def test_the_svg_colours_each_node_by_its_verdict():
    g = alarm()
    svg = g.to_svg(g.evaluate({"smoke": 0.1, "temp": 75}))
    assert isinstance(svg, str) and svg._repr_svg_() == svg
    page = parse(svg)
    rects = [t[1] for t in page.tags if t[0] == "rect"]
    nodes, legend = rects[:3], rects[3:]
    assert {r["fill"] for r in nodes} == {"#2e9e5b", "#d2493a"}  # heat and fire active
    assert [r["fill"] for r in legend] == ["#2e9e5b", "#d2493a", "#d9d9d9"]
    assert {"active", "inactive", "not evaluated"} <= set(page.text)
    labels = [s for s in page.text if " = " in s]
    assert sorted(labels) == ["fire = true", "heat = true", "smoke = false"]


def test_an_svg_without_an_evaluation_has_no_verdicts_and_no_legend():
    svg = alarm().to_svg()
    page = parse(svg)
    assert [t for t, _ in page.tags].count("rect") == 3
    assert not [s for s in page.text if " = " in s] and "active" not in page.text


def test_a_node_the_evaluation_did_not_reach_is_grey():
    g = alarm()
    svg = g.to_svg(g.evaluate_single("smoke", {"smoke": 0.9, "temp": 20}))
    page = parse(svg)
    nodes = [t[1]["fill"] for t in page.tags if t[0] == "rect"][:3]
    assert sorted(nodes) == ["#2e9e5b", "#d9d9d9", "#d9d9d9"]
    assert "smoke = true" in page.text and "fire" in page.text


def test_an_effect_renders_its_value_and_explanation():
    g = alarm()
    effect = g.evaluate({"smoke": 0.5, "temp": 20})
    page = parse(effect._repr_html_())
    text = "".join(page.text)
    assert "value: true" in text
    assert effect.explain() in text
    failed = cl.Effect.fail("sensor <offline>")
    markup = failed._repr_html_()
    assert "error: sensor &lt;offline&gt;" in markup
    parse(markup)


def test_a_context_renders_counts_scales_and_first_contextoids():
    days = [dt.datetime(2021, 1, 1) + dt.timedelta(days=i) for i in range(40)]
    ctx = cl.Context.from_frame(
        {"date": np.array(days, dtype="datetime64[s]"), "close": np.arange(40.0)},
        aggregate=["month"],
        id="label",
        name="btc",
    )
    page = parse(ctx._repr_html_())
    text = " ".join(page.text)
    assert f"{len(ctx)} contextoids, {ctx.n_relations} relations" in text
    assert "scales: day, month" in text and "fields: close" in text
    assert "day:2021-01-01" in text and f"... {len(ctx) - 20} more contextoids" in text
    assert [t for t, _ in page.tags].count("tr") == 21  # header + 20 rows


def test_tabular_results_render_their_table():
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 2, 2000), rng.integers(0, 2, 2000)
    result = cl.discover.surd({"y": (a ^ b).astype(float), "a": a, "b": b}, "y", lag=0, bins=2)
    page = parse(result._repr_html_())
    headers = [t for t in page.text if t in result._columns()]
    assert headers == list(result._columns())
    assert "synergistic" in page.text and "a, b" in page.text
    rows = [t for t, _ in page.tags].count("tr")
    assert rows == 1 + min(20, len(result._columns()["kind"]))


@pytest.mark.parametrize("bad", ["<script>alert(1)</script>", 'x" onmouseover="y'])
def test_user_strings_never_become_markup(bad):
    g = cl.CausalGraph("g", bad)
    g.add(cl.Causaloid("n", bad, expr=E.value()))
    markup = g.freeze()._repr_html_()
    assert "<script>" not in markup and 'onmouseover="y' not in markup
    parse(markup)
