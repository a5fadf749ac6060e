"""The command line lists its subcommands and reports errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "causaloid", *args], capture_output=True, text=True, timeout=300
    )


def test_help_lists_the_subcommands():
    proc = run_cli("--help")
    assert proc.returncode == 0
    assert "causaloid" in proc.stdout
