"""JSON and pickle round trips of causaloids, collections and graphs."""

from __future__ import annotations

import json
import pickle

import pytest

import causaloid as cl
from causaloid import errors
from causaloid import expr as E


def nested_graph() -> cl.CausalGraph:
    inner = cl.CausalGraph("inner", "x then pass")
    inner.add(cl.Causaloid("x", "x high", expr=E.col("x") > 1))
    inner.add(cl.Causaloid("p", "pass", expr=E.value()))
    inner.link("x", "p")
    inner.freeze()
    coll = cl.CausalCollection(
        [inner, cl.Causaloid("y", "y in band", expr=E.col("y").between(0, 2))],
        logic=cl.AtLeast(1),
        id="any-of",
        description="either",
    )
    g = cl.CausalGraph("outer", "nested", max_relays=7)
    g.add(coll)
    g.add(cl.Causaloid(7, "negate", expr=~E.value()))
    g.link("any-of", 7)
    return g.freeze()


ROWS = [{"x": 0.0, "y": 5.0}, {"x": 3.0, "y": 5.0}, {"x": 0.0, "y": 1.0}]


def test_graphs_round_trip_through_json():
    g = nested_graph()
    text = g.to_json()
    doc = json.loads(text)
    assert doc["format"] == "causaloid" and doc["version"] == 1
    back = cl.CausalGraph.from_json(text)
    assert back.to_json() == text
    assert back.max_relays == 7 and back.is_frozen
    for row in ROWS:
        assert back.evaluate(row).value == g.evaluate(row).value
        assert back.explain(row) == g.explain(row)


def test_causaloids_and_collections_round_trip_through_json():
    c = cl.Causaloid("c", "hot", expr=E.col("t") > 30)
    back = cl.from_json(c.to_json())
    assert isinstance(back, cl.Causaloid) and back.expr is not None and back.expr.equals(c.expr)
    coll = nested_graph()["any-of"]
    assert cl.from_json(coll.to_json()).to_json() == coll.to_json()


def test_unfrozen_graphs_round_trip_unfrozen():
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid(1, "", expr=E.value()))
    back = cl.CausalGraph.from_json(g.to_json())
    assert not back.is_frozen and back.nodes == [1]


def test_callables_have_no_json_form_but_pickle():
    g = cl.CausalGraph()
    g.add(cl.Causaloid("f", "python", fn=abs))
    g.freeze()
    with pytest.raises(errors.SerializationError, match="python function"):
        g.to_json()
    back = pickle.loads(pickle.dumps(g))
    assert back.evaluate(-0.5).value == 0.5


def test_everything_pickles():
    g = nested_graph()
    back = pickle.loads(pickle.dumps(g))
    assert back.to_json() == g.to_json()
    assert [back.evaluate(r).value for r in ROWS] == [g.evaluate(r).value for r in ROWS]
    e = g.evaluate(ROWS[0])
    assert pickle.loads(pickle.dumps(e)).log == e.log
    err = errors.UnknownNodeError("unknown node id 3", {"node_id": 3})
    assert pickle.loads(pickle.dumps(err)).node_id == 3


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"format": "causaloid", "version": 2, "root": {}}',
        '{"format": "causaloid", "version": 1, "root": {"graph": {"id": "g"}}}',
        '{"format": "causaloid", "version": 1, "root": {"blob": {}}}',
    ],
)
def test_bad_documents_are_serialization_errors(text):
    with pytest.raises(errors.SerializationError):
        cl.from_json(text)


def test_cyclic_documents_are_refused():
    g = cl.CausalGraph("g")
    g.add(cl.Causaloid(1, "", expr=E.value()))
    g.add(cl.Causaloid(2, "", expr=E.value()))
    g.link(1, 2)
    doc = json.loads(g.to_json())
    doc["root"]["graph"]["edges"].append([2, 1])
    doc["root"]["graph"]["frozen"] = True
    with pytest.raises(errors.CycleError):
        cl.CausalGraph.from_json(json.dumps(doc))
