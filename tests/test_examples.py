"""Every example in examples/ runs, as a user would run it, and succeeds.

Examples read their data relative to their own file, write figures under the
output folder ($CAUSALOID_OUTPUT, default causaloid-output/ in the current
directory, a temporary one here) and print what they found; tests of
specific numbers live beside each example's topic.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("**/*.py"))


def run_example(path: Path, tmp_path: Path) -> str:
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0")
    proc = subprocess.run(
        [sys.executable, str(path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"{path.name} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(path: Path, tmp_path: Path) -> None:
    out = run_example(path, tmp_path)
    assert out.strip(), f"{path.name} printed nothing"
