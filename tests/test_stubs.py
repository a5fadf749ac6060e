"""The type stubs of the native module match the binary (``mypy.stubtest``),
and a user's code that reads documented exception attributes type-checks under
``mypy --strict``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy")

ROOT = Path(__file__).parent.parent


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


def test_the_native_stubs_match_the_binary():
    # Disjoint bases (PEP 800) need typing_extensions.disjoint_base, newer than
    # Python 3.9 supports; every other check runs.
    proc = run(
        "mypy.stubtest",
        "causaloid._native",
        "--allowlist",
        str(ROOT / "tests" / "stubtest_allowlist.txt"),
        "--ignore-disjoint-bases",
        "--concise",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_stubtest_catches_a_stub_that_drifts(tmp_path):
    stub = (ROOT / "python" / "causaloid" / "_native.pyi").read_text()
    drifted = stub.replace("def get_threads() -> int: ...", "def get_threads(n: int) -> int: ...")
    assert drifted != stub
    pkg = tmp_path / "causaloid"
    pkg.mkdir()
    (pkg / "__init__.pyi").write_text("")
    (pkg / "_native.pyi").write_text(drifted)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy.stubtest",
            "causaloid._native",
            "--allowlist",
            str(ROOT / "tests" / "stubtest_allowlist.txt"),
            "--ignore-disjoint-bases",
            "--concise",
        ],
        cwd=tmp_path,
        env={"MYPYPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode != 0 and "get_threads" in proc.stdout


ERROR_MODULES = [
    "causaloid.errors",
    "causaloid.context.errors",
    "causaloid.csm.errors",
    "causaloid.discover.errors",
    "causaloid.ethos.errors",
    "causaloid.scm.errors",
    "causaloid.uncertain.errors",
]


def documented_attributes() -> list[tuple[type, str]]:
    import importlib
    import inspect
    import re

    out = []
    for name in ERROR_MODULES:
        module = importlib.import_module(name)
        for cls in vars(module).values():
            if inspect.isclass(cls) and cls.__module__ == name and cls.__doc__:
                for attr in dict.fromkeys(re.findall(r"``err\.(\w+)``", cls.__doc__)):
                    out.append((cls, attr))
    return out


def test_every_documented_exception_attribute_is_declared():
    undeclared = []
    for cls, attr in documented_attributes():
        declared = set()
        for base in cls.__mro__:
            declared |= set(vars(base).get("__annotations__", {}))
        if attr not in declared and attr != "detail":
            undeclared.append(f"{cls.__module__}.{cls.__name__}.{attr}")
    assert not undeclared, undeclared


def test_user_code_reading_exception_attributes_passes_mypy_strict(tmp_path):
    reads = []
    for i, (cls, attr) in enumerate(documented_attributes()):
        reads.append(f"def read_{i}(err: {cls.__module__}.{cls.__name__}) -> object:")
        reads.append(f"    return err.{attr}")
    imports = sorted({f"import {cls.__module__}" for cls, _ in documented_attributes()})
    code = "\n".join(
        [
            *imports,
            "import causaloid as cl",
            "",
            "def message(err: cl.CausalError) -> str:",
            "    return err.message + str(err.detail)",
            "",
            "def extra(err: cl.MissingDependencyError) -> str:",
            "    return err.package + (err.extra or '')",
            "",
            *reads,
            "",
        ]
    )
    (tmp_path / "user.py").write_text(code)
    proc = run("mypy", "--strict", "--no-incremental", "user.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert len(reads) > 80  # every documented attribute of every error class
