"""The README's state-machine snippet prints exactly what the README says it
prints (test_docs_snippets only checks that every snippet runs)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parent.parent / "README.md"


def test_readme_state_machine_snippet_prints_what_it_shows(tmp_path: Path) -> None:
    section = README.read_text().split("## State machines and the ethos", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.S)
    shown = [line[2:] for line in code.splitlines() if line.startswith("# ")]
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == shown
