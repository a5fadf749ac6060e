"""The notebooks in examples/ run top to bottom in a Jupyter kernel, and what
they display renders: the executed notebook's HTML and SVG outputs are parsed
and checked (a graph with its drawing and nodes, an explained effect, the SVG of
the evaluated graph with each node's verdict, a trace, a context, a table)."""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = sorted((Path(__file__).parent.parent / "examples").glob("**/*.ipynb"))
TOUR = Path(__file__).parent.parent / "examples" / "tour.ipynb"


class Page(HTMLParser):
    """Tags (with attributes) and text of a piece of HTML; fails on unclosed tags."""

    VOID = {"br", "hr", "img", "meta", "input", "col", "path", "line", "rect", "circle"}

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.open: list[str] = []
        self.feed(markup)
        self.close()
        assert not self.open, f"unclosed tags: {self.open}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(data.strip())

    def count(self, tag: str) -> int:
        return sum(t == tag for t, _ in self.tags)


def execute(path: Path, cwd: Path) -> Any:
    nb = nbformat.read(path, as_version=4)
    env_backend = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "Agg"
    try:
        client = nbclient.NotebookClient(
            nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
        )
        client.execute()
    finally:
        if env_backend is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = env_backend
    return nb


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    nb = execute(TOUR, tmp_path_factory.mktemp("tour"))
    return {tag: cell for cell in nb.cells for tag in cell.metadata.get("tags", [])}


def output(cell: Any, mime: str) -> str:
    for out in cell.outputs:
        data = out.get("data", {})
        if mime in data:
            return str(data[mime])
    raise AssertionError(f"no {mime} output in cell {cell.source[:40]!r}")


def stdout(cell: Any) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_the_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


def test_every_notebook_other_than_the_tour_runs(tmp_path):
    for path in NOTEBOOKS:
        if path != TOUR:
            execute(path, tmp_path)  # raises CellExecutionError on a failing cell


def test_the_graph_renders_its_summary_drawing_and_node_table(tour):
    page = Page(output(tour["graph"], "text/html"))
    text = " ".join(page.text)
    assert "CausalGraph 'alarm'" in text and "3 nodes, 2 edges, frozen" in text
    assert page.count("svg") == 1 and page.count("rect") == 3 and page.count("line") == 2
    assert page.count("tr") == 4  # header + smoke, heat, fire


def test_the_effect_renders_its_verdict_and_explanation(tour):
    page = Page(output(tour["effect"], "text/html"))
    text = "\n".join(page.text)
    assert "value: true" in text
    assert 'causaloid "heat" "heat detected"' in text and "Final verdict: true" in text


def test_the_evaluated_graph_is_drawn_with_each_nodes_verdict(tour):
    svg = output(tour["svg"], "image/svg+xml")
    page = Page(svg)
    assert page.tags[0][0] == "svg"
    labels = sorted(t for t in page.text if " = " in t)
    assert labels == ["fire = true", "heat = true", "smoke = false"]
    fills = [a["fill"] for t, a in page.tags if t == "rect"]
    assert fills[:3].count("#d2493a") == 1 and fills[:3].count("#2e9e5b") == 2
    assert {"active", "inactive", "not evaluated"} <= set(page.text)


def test_the_trace_renders_as_a_table_of_steps(tour):
    page = Page(output(tour["trace"], "text/html"))
    assert "Trace (5 rows)" in page.text
    assert page.text.count("decided") == 4 and page.text.count("entered") == 1


def test_the_batch_and_the_uncertain_decision_print_their_answers(tour):
    share = stdout(tour["batch"])
    assert share.startswith("fire on ") and "of 1,000,000 rows" in share
    assert 0.0 < float(share.split()[2].rstrip("%")) < 100.0
    assert stdout(tour["uncertain"]).startswith("False after ")


def test_the_intervention_is_named_in_the_effect(tour):
    text = " ".join(Page(output(tour["intervention"], "text/html")).text)
    assert "value: 0.1" in text and "ntervention" in text


def test_the_context_renders_its_counts_and_contextoids(tour):
    page = Page(output(tour["context"], "text/html"))
    text = " ".join(page.text)
    assert "Context" in text and "'btc'" in text and "contextoids" in text
    assert "scales: day, month" in text
    assert Page(output(tour["breakout"], "text/html")).text.count("value: true") == 1


def test_the_discovery_renders_its_table_and_its_polars_twin(tour):
    page = Page(output(tour["surd"], "text/html"))
    assert page.text[0].startswith("SurdResult") and "synergistic" in page.text
    polars = output(tour["polars"], "text/html")
    assert "<table" in polars and all(f"<th>{c}</th>" in polars for c in ("kind", "agents"))
