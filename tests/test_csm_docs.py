"""The paste-and-run snippets of the state-machine guide and README section run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parent.parent / "docs"


@pytest.mark.parametrize("name", ["csm.md", "readme/csm.md"])
def test_guide_snippets_run(name: str) -> None:
    text = (DOCS / name).read_text()
    source = "\n".join(re.findall(r"```python\n(.*?)```", text, re.S))
    assert source.strip()
    exec(compile(source, name, "exec"), {})
