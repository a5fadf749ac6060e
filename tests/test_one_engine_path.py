"""One engine path: the same context read, the same numbers and the same
uncertain decisions in every consumer — causaloid, collection, graph, model,
state machine (run and run_batch), ethos norm, batch, uncertain inputs — and
after pickling into a fresh Python process."""

from __future__ import annotations

import ast
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causaloid as cl
from causaloid import expr as E

DAY = 86_400


def market() -> cl.Context:
    """Five daily closes 10..14 and a threshold of 11."""
    ctx = cl.Context(1, "market")
    ctx.add(cl.Data("threshold", 11.0))
    for d in range(5):
        ctx.add(cl.Time(d, "day", d * DAY, {"close": 10.0 + d}))
    return ctx


def rising(ctx: cl.Context) -> cl.Causaloid:
    """close above the previous day's close and above the threshold."""
    prev = E.ctx_time("day", "close", at="time", offset=-1, context=ctx)
    return cl.Causaloid(
        "rising",
        "rising above the threshold",
        expr=(E.col("close") > prev) & (E.col("close") > E.ctx_value("threshold")),
        context=ctx,
    )


ROW = {"close": 12.5, "time": 3 * DAY + 10.0}  # previous close 12, threshold 11: true
LOW = {"close": 11.5, "time": 3 * DAY + 10.0}  # below the previous close: false


def test_a_context_read_decides_the_same_in_every_consumer() -> None:
    ctx = market()
    c = rising(ctx)
    assert c.evaluate(ROW).value is True
    assert c.evaluate(LOW).value is False
    coll = cl.CausalCollection([c], "all", id="coll")
    g = cl.CausalGraph("g")
    g.add(c)
    g.freeze()
    model = cl.Model("m", "", g)
    for structure in (coll, g, model):
        assert structure.evaluate(ROW).value is True
        assert structure.evaluate(LOW).value is False
    table = {"close": np.array([12.5, 11.5]), "time": np.array([ROW["time"], LOW["time"]])}
    for structure in (c, coll, g, model):
        assert structure.evaluate_batch(table).tolist() == [True, False]

    machine = cl.StateMachine([(cl.State("up", "rising", c), "buy")])
    assert [f.state for f in machine.evaluate_all(ROW)] == ["up"]
    assert machine.evaluate_all(LOW) == []
    report = cl.StateMachine([(cl.State("up", "rising", c), "buy")]).run([ROW, LOW, ROW])
    assert [f.event for f in report.firings] == [0, 2]
    batch = cl.StateMachine([(cl.State("up", "rising", c), "buy")]).run_batch(
        {"close": [12.5, 11.5, 12.5], "time": [ROW["time"], LOW["time"], ROW["time"]]}
    )
    assert [f.event for f in batch.firings] == [0, 2]


def test_an_ethos_norm_reads_a_context() -> None:
    ctx = market()
    ethos = cl.Ethos(
        [
            cl.Norm(
                "cap",
                "buy",
                E.col("price") > E.ctx_value("threshold", context=ctx),
                "impermissible",
            )
        ]
    )
    assert not ethos.evaluate("buy", {"price": 12.0}).permitted
    assert ethos.evaluate("buy", {"price": 10.0}).permitted
    # Vetting a state machine's action with it.
    buy = cl.Causaloid("b", "", expr=E.col("price") > 0)
    machine = cl.StateMachine([(cl.State("s", "", buy), "buy")], ethos=ethos)
    (fired,) = machine.evaluate_all({"price": 12.0})
    assert fired.outcome == "refused"


def test_context_reads_on_uncertain_inputs() -> None:
    ctx = market()
    c = rising(ctx)
    close = cl.Uncertain.normal(12.5, 0.05)
    assert c.evaluate({"close": close, "time": ROW["time"]}).value is True
    effect = c.evaluate({"close": cl.Uncertain.point(11.5), "time": LOW["time"]})
    assert effect.value is False


def test_explanations_say_what_a_read_means() -> None:
    text = rising(market()).explain(ROW)
    assert "the previous day's close (1970-01-03) = 12, context market" in text
    assert 'value of contextoid "threshold" = 11, context market' in text
    # the closing sentence names the comparisons that decided, with their values
    assert text.splitlines()[-1] == (
        "Why: true because close 12.5 is above the previous day's close 12 (1970-01-03) "
        'and close 12.5 is above value of contextoid "threshold" 11.'
    )


def test_a_contextual_graph_works_after_pickling_in_a_fresh_process(tmp_path: Path) -> None:
    g = cl.CausalGraph("g")
    g.add(rising(market()))
    g.freeze()
    model = cl.Model("m", "", g)
    path = tmp_path / "g.pkl"
    path.write_bytes(pickle.dumps((g, model)))
    code = textwrap.dedent(
        f"""
        import pickle
        g, model = pickle.loads(open({str(path)!r}, "rb").read())
        print(g.evaluate({ROW!r}).value, model.evaluate({LOW!r}).value)
        table = {{"close": [12.5, 11.5], "time": [{ROW["time"]}, {LOW["time"]}]}}
        print(g.evaluate_batch(table).tolist())
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["True False", "[True, False]"]


def test_json_embeds_the_context_and_names_a_missing_one() -> None:
    ctx = market()
    g = cl.CausalGraph("g")
    g.add(rising(ctx))
    g.freeze()
    back = cl.CausalGraph.from_json(g.to_json())
    assert back.evaluate(ROW).value is True
    # Live contexts replace the embedded copies, so updates are seen.
    live = market()
    back = cl.CausalGraph.from_json(g.to_json(), contexts=[live])
    live.set("threshold", "value", 20.0)
    assert back.evaluate(ROW).value is False
    import json

    doc = json.loads(g.to_json())
    del doc["contexts"]
    with pytest.raises(cl.context.errors.UnknownContextError, match="market"):
        cl.CausalGraph.from_json(json.dumps(doc))


def test_numbers_travel_along_edges() -> None:
    # Potential outcomes: the individual treatment effect is a number.
    treated = cl.Causaloid("y1", "outcome if treated", expr=E.col("baseline") - 10.0)
    control = cl.Causaloid("y0", "outcome if not", expr=E.col("baseline"))
    ite = cl.Causaloid("ite", "effect", expr=E.node("y1") - E.node("y0"))
    g = cl.CausalGraph("rubin")
    for c in (treated, control, ite):
        g.add(c)
    g.link("y1", "ite")
    g.link("y0", "ite")
    g.freeze()
    effect = g.evaluate({"baseline": 140.0})
    assert effect.value == -10.0
    assert "Final value: -10" in effect.explain()
    assert g.evaluate_batch({"baseline": [100.0, 150.0]}).tolist() == [-10.0, -10.0]
    # A Python function may return a number too.
    drug = cl.Causaloid("drug_effect", "", fn=lambda v: v - 20.0)
    assert drug.evaluate(10.0).value == -10.0


def test_a_number_where_a_verdict_is_needed_names_the_node() -> None:
    a = cl.Causaloid("a", "", expr=E.value() * 5)
    b = cl.Causaloid("b", "", expr=E.value() > 0)
    with pytest.raises(cl.errors.VerdictError, match='"a"'):
        cl.CausalCollection([a, b], "all").evaluate(1.0)
    g = cl.CausalGraph("g")
    g.add(a)
    g.add(b)
    g.add(cl.Causaloid("c", "", expr=E.value() > 0.5))
    g.link("a", "c")
    g.link("b", "c")
    g.freeze()
    with pytest.raises(cl.errors.VerdictError) as err:
        g.evaluate(1.0)
    assert err.value.node_id == "a"


def test_a_node_read_must_name_a_parent() -> None:
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid("a", "", expr=E.value() * 2))
    g.add(cl.Causaloid("b", "", expr=E.node("a") + 1))
    with pytest.raises(cl.errors.NodeReadError, match="parents"):
        g.freeze()


def test_uncertain_inputs_follow_the_engines_semantics() -> None:
    # One operator table: min-and of a bool and a degree gives the degree.
    c = cl.Causaloid("c", "", expr=(E.col("x") > 0.5) & E.col("d"))
    assert c.evaluate({"x": 0.9, "d": 0.8}).value == 0.8
    assert c.evaluate({"x": cl.Uncertain.point(0.9), "d": 0.8}).value == 0.8


def test_uncertain_decisions_are_the_same_in_every_run() -> None:
    code = textwrap.dedent(
        """
        import causaloid as cl
        c = cl.Causaloid("c", "", expr=cl.expr.col("x") > 0.0)
        e = c.evaluate({"x": cl.Uncertain.normal(0.05, 1.0)})
        drew = [line for line in e.explain().splitlines() if "drew" in line]
        print(e.value, drew)
        """
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    }
    assert len(runs) == 1


@settings(max_examples=60, deadline=None)
@given(
    x=st.floats(-1e6, 1e6, allow_nan=False),
    y=st.floats(-1e6, 1e6, allow_nan=False),
    d=st.floats(0.0, 1.0),
)
def test_a_point_mass_gives_exactly_the_certain_result(x: float, y: float, d: float) -> None:
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid("s", "", expr=E.col("x") * 2 - E.col("y")))
    g.add(cl.Causaloid("v", "", expr=(E.col("x") > E.col("y")) | E.col("d")))
    g.add(cl.Causaloid("out", "", expr=E.node("s") / 3 + E.node("v")))
    g.link("s", "out")
    g.link("v", "out")
    g.freeze()
    certain = g.evaluate({"x": x, "y": y, "d": d}).value
    point = g.evaluate({"x": cl.Uncertain.point(x), "y": y, "d": d}).value
    assert certain == point or (np.isnan(certain) and np.isnan(point))
    v = g["v"]
    assert (
        v.evaluate({"x": x, "y": y, "d": d}).value
        == v.evaluate({"x": x, "y": cl.Uncertain.point(y), "d": cl.Uncertain.point(d)}).value
    )


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)), min_size=1, max_size=30),
    k=st.floats(-10, 10, allow_nan=False),
)
def test_numeric_batches_equal_single_rows_and_survive_round_trips(
    rows: list[tuple[float, float]], k: float
) -> None:
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid("a", "", expr=E.col("x") * k))
    g.add(cl.Causaloid("b", "", expr=E.col("y") + E.node("a")))
    g.add(cl.Causaloid("c", "", expr=E.node("b").abs() - E.value()))
    g.link("a", "b")
    g.link("b", "c")
    g.freeze()
    table = {"x": np.array([r[0] for r in rows]), "y": np.array([r[1] for r in rows])}
    batch = g.evaluate_batch(table)
    back = cl.CausalGraph.from_json(g.to_json())
    unpickled = pickle.loads(pickle.dumps(g))
    for i, (x, y) in enumerate(rows):
        single = g.evaluate({"x": x, "y": y}).value
        assert np.array_equal(batch[i], single, equal_nan=True)
        assert np.array_equal(back.evaluate({"x": x, "y": y}).value, single, equal_nan=True)
        assert np.array_equal(unpickled.evaluate({"x": x, "y": y}).value, single, equal_nan=True)


def test_graph_context_expr_and_uncertain_import_no_cycle() -> None:
    """Walks the package's own imports (module level, not inside functions)
    among graph, context, expr and uncertain, and finds no cycle."""
    root = Path(cl.__file__).parent
    packages = ("graph", "context", "expr", "uncertain")
    edges: dict[str, set[str]] = {p: set() for p in packages}
    for p in packages:
        for f in (root / p).glob("*.py"):
            tree = ast.parse(f.read_text())
            for node in tree.body:
                names: list[str] = []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                for n in names:
                    parts = n.split(".")
                    if len(parts) > 1 and parts[0] == "causaloid" and parts[1] in packages:
                        if parts[1] != p:
                            edges[p].add(parts[1])

    def reaches(a: str, b: str, seen: set[str]) -> bool:
        if a == b:
            return True
        seen.add(a)
        return any(reaches(n, b, seen) for n in edges[a] if n not in seen)

    cycles = [(a, b) for a in packages for b in edges[a] if reaches(b, a, set())]
    assert cycles == [], f"import cycles: {cycles} (edges {edges})"
