"""The closing sentence of an explanation (``effect.why``) in every consumer that
explains an evaluation, and after pickling in a fresh process."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import causaloid as cl
from causaloid import expr as E


def hot() -> cl.Causaloid:
    return cl.Causaloid("hot", "temp high", expr=E.col("temp") > 30)


def test_a_causaloid_a_model_and_a_collection_say_why() -> None:
    assert hot().evaluate({"temp": 35.0}).why == "true because temp 35 is above 30."
    model = cl.Model("m", "", hot())
    assert model.evaluate({"temp": 20.0}).why == "false because temp 20 is not above 30."
    wet = cl.Causaloid("wet", "", expr=E.col("rain") > 0.5)
    any_of = cl.CausalCollection([hot(), wet], "any")
    assert any_of.evaluate({"temp": 20.0, "rain": 0.9}).why == (
        'true because 1 of 2 members active, the logic is any: "wet" is true because '
        "rain 0.9 is above 0.5."
    )


def test_an_and_names_only_what_failed_and_a_missing_side_is_named() -> None:
    c = cl.Causaloid("both", "", expr=(E.col("a") > 1) & (E.col("b") > 1))
    assert c.evaluate({"a": 2.0, "b": 0.0}).why == "false because b 0 is not above 1."
    decided = c.evaluate({"a": 2.0, "b": float("nan")}, missing="false")
    assert decided.value is False and decided.why == "false because b is missing."


def test_the_sentence_is_the_same_after_pickling_in_a_fresh_process(tmp_path: Path) -> None:
    g = cl.CausalGraph("alarm", "fire alarm")
    g.add(cl.Causaloid("heat", "heat detected", expr=E.col("temp") > 60))
    g.add(cl.Causaloid("fire", "fire", expr=E.value()))
    g.link("heat", "fire")
    g.freeze()
    here = g.evaluate({"temp": 75.0}).why
    path = tmp_path / "g.pkl"
    path.write_bytes(pickle.dumps(g))
    code = textwrap.dedent(
        f"""
        import pickle
        g = pickle.loads(open({str(path)!r}, "rb").read())
        print(g.evaluate({{"temp": 75.0}}).why)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == here
    assert here == (
        '"fire" decided true because its input is true. '
        '"heat" gave "fire" true because temp 75 is above 60.'
    )
