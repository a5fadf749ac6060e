"""The documentation site builds with warnings as errors, and documents every
public name.

``mkdocs build --strict`` renders the guides in docs/ and the API reference
generated from the docstrings (mkdocstrings); strict mode fails on a broken
link, a missing anchor, a guide left out of the navigation or a docstring
mkdocstrings cannot parse. The test then reads the built pages: every name in
the ``__all__`` of every public module has an entry, and every public class
and function has a docstring.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import causaloid as cl

pytest.importorskip("mkdocs")
pytest.importorskip("mkdocstrings_handlers.python")

ROOT = Path(__file__).parent.parent
API = ROOT / "docs" / "api"
DIRECTIVE = re.compile(r"^::: ([\w.]+)\s*$", re.M)
# Modules whose import needs an extra: their names are read from the source.
NEEDS_AN_EXTRA = {"causaloid.dask", "causaloid.ray"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "WARNING" not in proc.stderr, proc.stderr[-4000:]
    return out


def _is_module(name: str) -> bool:
    if name in NEEDS_AN_EXTRA:
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a function, e.g. causaloid.discover.surd.surd
        return False


def documented_modules() -> list[str]:
    """The modules the API reference pages render, page by page."""
    targets = [m for page in sorted(API.glob("*.md")) for m in DIRECTIVE.findall(page.read_text())]
    return [t for t in targets if _is_module(t)]


def public_names(module: str) -> list[str]:
    if module in NEEDS_AN_EXTRA:
        path = ROOT / "python" / Path(*module.split(".")).with_suffix(".py")
        match = re.search(r"__all__ = \[(.*?)\]", path.read_text(), re.S)
        assert match, module
        return re.findall(r'"(\w+)"', match.group(1))
    mod = importlib.import_module(module)
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [
            n
            for n, obj in vars(mod).items()
            if not n.startswith("_") and getattr(obj, "__module__", None) == module
        ]
    return [n for n in names if not n.startswith("__")]


def public_modules() -> set[str]:
    """Every module a user imports by name: the package and its public
    sub-packages and modules (``causaloid.X`` and ``causaloid.X.errors``)."""
    out = {"causaloid"}
    for name in cl.__all__:
        if inspect.ismodule(getattr(cl, name)):
            out.add(getattr(cl, name).__name__)
    for sub in ("context", "effect", "graph", "model", "threads"):
        out.add(f"causaloid.{sub}")
    for sub in ("context", "csm", "discover", "ethos", "scm", "uncertain"):
        out.add(f"causaloid.{sub}.errors")
    return out | NEEDS_AN_EXTRA


def test_every_public_module_has_a_reference_page():
    missing = public_modules() - set(documented_modules())
    assert not missing, f"add a '::: module' line to a page in docs/api/: {sorted(missing)}"


def test_every_guide_is_in_the_navigation():
    nav = (ROOT / "mkdocs.yml").read_text()
    for guide in (ROOT / "docs").glob("*.md"):
        assert f": {guide.name}" in nav, guide.name


def test_the_site_builds_strictly_and_every_public_name_has_an_entry(site: Path):
    html = "\n".join(p.read_text() for p in (site / "api").rglob("index.html"))
    anchors = set(re.findall(r'id="(causaloid[\w.]*)"', html))
    missing = []
    for module in documented_modules():
        for name in public_names(module):
            if module not in NEEDS_AN_EXTRA and inspect.ismodule(
                getattr(importlib.import_module(module), name)
            ):
                continue  # sub-modules have their own page
            where = {f"{module}.{name}"}
            if module not in NEEDS_AN_EXTRA:
                obj = getattr(importlib.import_module(module), name)
                if hasattr(obj, "__qualname__"):  # rendered where it is defined
                    where.add(f"{obj.__module__}.{obj.__qualname__}")
            if not where & anchors:
                missing.append(f"{module}.{name}")
    assert not missing, ", ".join(missing)


def _own_doc(obj: Any) -> str | None:
    return obj.__doc__ if (inspect.isclass(obj) or inspect.isroutine(obj)) else "n/a"


def test_every_public_class_and_function_has_a_docstring():
    bare = []
    for module in documented_modules():
        if module in NEEDS_AN_EXTRA:
            continue
        mod = importlib.import_module(module)
        for name in public_names(module):
            obj = getattr(mod, name)
            if not (_own_doc(obj) or "").strip():
                bare.append(f"{module}.{name}")
    assert not bare, bare


def test_the_reference_shows_the_docstring_examples_and_the_guides_link_to_it(site: Path):
    graph = (site / "api" / "graph" / "index.html").read_text()
    assert 'id="causaloid.graph.CausalGraph.to_svg"' in graph
    assert "Pure Python: no Graphviz" in graph  # the docstring's text
    frames = (site / "api" / "discover" / "index.html").read_text()
    for method in ("to_frame", "to_polars", "to_arrow"):
        assert f'id="causaloid.discover.SurdResult.{method}"' in frames
    home = (site / "index.html").read_text()
    assert 'href="api/"' in home or 'href="api/index.html"' in home
