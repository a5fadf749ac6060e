"""The package is linted, formatted and type-checked (ruff, mypy), as CI promises."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PATHS = ["python", "tests", "examples", "benchmarks"]


def run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.skipif(
    shutil.which("ruff") is None and not Path(sys.executable).with_name("ruff").exists(),
    reason="ruff is not installed",
)
def test_ruff_lint_and_format_are_clean():
    ruff = (
        str(Path(sys.executable).with_name("ruff"))
        if Path(sys.executable).with_name("ruff").exists()
        else "ruff"
    )
    lint = run(ruff, "check", *PATHS)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = run(ruff, "format", "--check", *PATHS)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_mypy_is_clean_on_the_package():
    pytest.importorskip("mypy")
    proc = run(sys.executable, "-m", "mypy", "python/causaloid")
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.skipif(shutil.which("cargo") is None, reason="cargo is not installed")
def test_rust_is_formatted():
    proc = run("cargo", "fmt", "--all", "--check")
    if "rustfmt" in proc.stderr and "not installed" in proc.stderr:
        pytest.skip("rustfmt is not installed")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
