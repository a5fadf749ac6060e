"""What a new user meets first: the licence that pyproject declares, no
reference to a file the repository does not hold, and set-up scripts that say
what they are doing."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_the_license_file_is_the_mit_licence_pyproject_declares():
    assert 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text()
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text


def referenced_files() -> list[tuple[Path, str]]:
    pattern = re.compile(r"(?<![\w/.-])((?:[\w-]+/)*[\w-]+\.md)\b")
    sources = [
        *ROOT.glob("python/causaloid/**/*.py"),
        *ROOT.glob("docs/*.md"),
        ROOT / "README.md",
        *ROOT.glob("examples/*.py"),
        *ROOT.glob("scripts/*.sh"),
    ]
    return [(src, name) for src in sources for name in pattern.findall(src.read_text())]


def test_no_reference_points_to_a_missing_file():
    refs = referenced_files()
    assert any(name == "docs/graph.md" for _, name in refs)  # the scan finds references
    missing = []
    for src, name in refs:
        candidates = [ROOT / name, src.parent / name, ROOT / "docs" / name]
        if not any(c.exists() for c in candidates):
            missing.append(f"{src.relative_to(ROOT)} -> {name}")
    assert not missing, missing


def test_the_package_docstring_names_only_files_that_exist():
    import causaloid

    assert "DESIGN.md" not in (causaloid.__doc__ or "")


def test_setup_says_what_it_does_and_that_the_first_build_takes_minutes():
    script = (ROOT / "scripts" / "setup.sh").read_text()
    assert subprocess.run(["bash", "-n", str(ROOT / "scripts" / "setup.sh")]).returncode == 0
    assert "first build takes a few minutes" in script
    install = [line for line in script.splitlines() if "pip install" in line and ".[" in line]
    assert install and all("--quiet" not in line for line in install)  # pip's progress shows
    assert script.count("step ") >= 4


def test_the_demo_writes_figures_to_its_output_folder():
    script = (ROOT / "scripts" / "demo.sh").read_text()
    assert "CAUSALOID_OUTPUT=demo-output" in script
