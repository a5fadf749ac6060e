"""One observation through large verdict-only graphs: the verdict and every trace row
equal a plain-Python reference, errors still name the node, and threads agree."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import causaloid as cl
from causaloid import errors
from causaloid import expr as E

THRESHOLDS = (0.05, 0.25, 0.45, 0.65, 0.85)


def rules_and_graph(
    parents: list[list[int]], rng: np.random.Generator
) -> tuple[list[tuple[bool, float]], cl.CausalGraph]:
    """Node i is ``value >= t`` or ``value < t`` (a random rule) with ``parents[i]``."""
    rules = [(bool(rng.random() < 0.3), float(rng.choice(THRESHOLDS))) for _ in parents]
    g = cl.CausalGraph("big")
    for i, (below, t) in enumerate(rules):
        g.add(cl.Causaloid(i, "rule", expr=E.value() < t if below else E.value() >= t))
    for i, ps in enumerate(parents):
        for p in ps:
            g.link(p, i)
    return rules, g.freeze()


def reference(
    rules: list[tuple[bool, float]], parents: list[list[int]], x: float
) -> list[tuple[float | bool, bool]]:
    """Each node's input and verdict, computed in plain Python (nodes are in
    topological order: every parent comes first)."""
    out: list[tuple[float | bool, bool]] = []
    for (below, t), ps in zip(rules, parents, strict=True):
        incoming: float | bool = any(out[p][1] for p in ps) if ps else x
        v = float(incoming)
        out.append((incoming, v < t if below else v >= t))
    return out


def check_trace(
    g: cl.CausalGraph, rules: list[tuple[bool, float]], parents: list[list[int]], x: float
) -> None:
    """The verdict and every row of the trace equal the reference."""
    want = reference(rules, parents, x)
    with_children = {p for ps in parents for p in ps}
    sinks = [i for i in range(len(parents)) if i not in with_children]
    effect = g.evaluate(x)
    rows = list(effect.trace)
    assert len(rows) == len(parents) + 2
    assert (rows[0]["id"], rows[0]["event"]) == ("big", "entered")
    nodes = rows[1:-1]
    assert [r["id"] for r in nodes] == list(range(len(parents)))
    assert all(r["event"] == "decided" for r in nodes)
    assert [(r["input"], r["verdict"]) for r in nodes] == want
    assert effect.value is any(want[s][1] for s in sinks)
    assert rows[-1]["verdict"] is effect.value


def test_a_chain_of_a_hundred_thousand_nodes_traces_every_node_like_python():
    n = 100_000
    parents = [[]] + [[i - 1] for i in range(1, n)]
    rules, g = rules_and_graph(parents, np.random.default_rng(1))
    check_trace(g, rules, parents, 0.99)


@pytest.mark.parametrize("x", [0.99, 0.3, 0.5])
def test_a_random_dag_traces_every_node_like_python(x: float):
    rng = np.random.default_rng(7)
    n = 3_000
    # One to five parents: lookups, padded triples and wider joins.
    parents: list[list[int]] = [[]]
    for i in range(1, n):
        k = min(i, int(rng.integers(1, 6)))
        parents.append(sorted(rng.choice(i, size=k, replace=False).tolist()))
    rules, g = rules_and_graph(parents, rng)
    check_trace(g, rules, parents, x)
    explained = g.evaluate(x).explain()
    assert "Final verdict" in explained and "Why:" in explained


def test_a_missing_incoming_value_still_names_the_root():
    parents = [[]] + [[i - 1] for i in range(1, 1_000)]
    _, g = rules_and_graph(parents, np.random.default_rng(3))
    with pytest.raises(errors.MissingValueError) as info:
        g.evaluate()
    assert "0" in str(info.value)
    effect = g.evaluate(errors="effect")
    assert not effect.ok and isinstance(effect.error, errors.MissingValueError)


def test_a_missing_column_still_names_the_column_and_the_node():
    g = cl.CausalGraph("cols")
    g.add(cl.Causaloid("hot", "t above 60", expr=E.col("t") > 60))
    g.add(cl.Causaloid("alarm", "passes on", expr=E.value() >= 0.5))
    g.link("hot", "alarm")
    g.freeze()
    assert g.evaluate({"t": 75}).value is True
    with pytest.raises(errors.MissingValueError, match="t") as info:
        g.evaluate({"t": float("nan")})
    assert "hot" in str(info.value)
    assert g.evaluate({"t": float("nan")}, missing="true").value is True


def test_threads_evaluating_one_graph_agree():
    parents = [[]] + [[i - 1] for i in range(1, 5_000)]
    _, g = rules_and_graph(parents, np.random.default_rng(5))
    inputs = [0.99, 0.3, 0.5, 0.1]
    want = {x: [r["verdict"] for r in g.evaluate(x).trace] for x in inputs}
    failures: list[str] = []

    def work(x: float) -> None:
        for _ in range(5):
            got = g.evaluate(x)
            if [r["verdict"] for r in got.trace] != want[x]:
                failures.append(f"trace differs for {x}")

    threads = [threading.Thread(target=work, args=(x,)) for x in inputs for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
