"""The examples in every public docstring run and print what they claim."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import causaloid


def _modules() -> list[str]:
    names = ["causaloid"]
    for info in pkgutil.walk_packages(causaloid.__path__, prefix="causaloid."):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue
        names.append(info.name)
    return sorted(names)


#: Modules that need an optional extra: skipped (with the reason) without it.
EXTRAS = {"causaloid.dask": "distributed", "causaloid.ray": "ray"}


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name: str) -> None:
    if name in EXTRAS:
        pytest.importorskip(EXTRAS[name], reason=f"the extra behind {name} is not installed")
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    globs = {**vars(module), "cl": causaloid, "np": importlib.import_module("numpy")}
    for test in finder.find(module, name, globs=dict(globs)):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
