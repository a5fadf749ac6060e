"""Every optional import names the extra that installs it.

A static walk of the package: each import of an optional package (pandas,
polars, pyarrow, matplotlib, tqdm, networkx, Dask, Ray) must go through
``causaloid._optional.require`` (directly, or after a ``require`` of the same
package in the same function) or sit in a ``try`` whose ``except ImportError``
names the ``causaloid[...]`` extra. ``MissingDependencyError`` is public.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import causaloid as cl
from causaloid._optional import EXTRAS, install_hint

PACKAGE = Path(cl.__file__).parent
OPTIONAL = set(EXTRAS)
# Reached only through causaloid.dask / causaloid.ray, whose own imports are
# guarded (checked below like every other module).
ONLY_BEHIND_A_GUARD = {"_partitions.py"}
# scikit-learn is imported only inside __sklearn_tags__, which scikit-learn
# itself calls, so it is installed whenever that import runs.
NEVER_OURS_TO_IMPORT = {"sklearn"}


def _top(node: ast.AST) -> str | None:
    if isinstance(node, ast.Import):
        return node.names[0].name.split(".")[0]
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        return node.module.split(".")[0]
    return None


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}


def _guarded(node: ast.AST, parents: dict[ast.AST, ast.AST], source: str) -> bool:
    cur = node
    while cur in parents:
        parent = parents[cur]
        if isinstance(parent, ast.If) and "TYPE_CHECKING" in ast.unparse(parent.test):
            return True
        if isinstance(parent, ast.Try) and cur in parent.body:
            for handler in parent.handlers:
                caught = ast.unparse(handler.type) if handler.type else ""
                text = ast.get_source_segment(source, handler) or ""
                if "ImportError" in caught and ("causaloid[" in text or "install_hint" in text):
                    return True
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return any(
                isinstance(n, ast.Call) and ast.unparse(n.func).endswith("require")
                for n in ast.walk(parent)
            )
        cur = parent
    return False


def unguarded_optional_imports() -> list[str]:
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in ONLY_BEHIND_A_GUARD:
            continue
        source = path.read_text()
        tree = ast.parse(source)
        parents = _parents(tree)
        for node in ast.walk(tree):
            top = _top(node)
            if top in NEVER_OURS_TO_IMPORT or top not in OPTIONAL:
                continue
            if not _guarded(node, parents, source):
                bad.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {ast.unparse(node)}")
    return bad


def test_every_optional_import_names_its_extra():
    assert unguarded_optional_imports() == []


def test_the_walk_catches_a_bare_import(tmp_path, monkeypatch):
    source = "def f():\n    import polars\n    return polars\n"
    tree = ast.parse(source)
    parents = _parents(tree)
    imports = [n for n in ast.walk(tree) if _top(n) == "polars"]
    assert imports and not _guarded(imports[0], parents, source)


def test_missing_dependency_error_is_public_a_causal_error_and_an_import_error():
    assert cl.MissingDependencyError is cl.errors.MissingDependencyError
    assert issubclass(cl.MissingDependencyError, cl.CausalError)
    assert issubclass(cl.MissingDependencyError, ImportError)
    assert "MissingDependencyError" in cl.__all__ and "MissingDependencyError" in cl.errors.__all__
    err = cl.MissingDependencyError("x", {"package": "ray", "extra": "ray"})
    assert (err.package, err.extra) == ("ray", "ray")


@pytest.mark.parametrize("package", sorted(OPTIONAL))
def test_every_optional_package_has_an_install_hint_naming_its_extra(package):
    assert install_hint(package) == f"pip install 'causaloid[{EXTRAS[package]}]'"
