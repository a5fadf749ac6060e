"""Every snippet of the README section on state machines runs as pasted (the
guide in docs/ is covered by test_docs_snippets)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SECTION = Path(__file__).parent.parent / "docs" / "readme" / "csm.md"


def test_readme_section_snippets_run(tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", SECTION.read_text(), re.S)
    assert blocks
    for code in blocks:
        proc = subprocess.run(
            [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, proc.stderr
