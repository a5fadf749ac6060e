"""The fuzz suite: each target runs in its own process on a fixed number of
derandomised generated examples (see ``targets.py``), so that an abort, a
segfault or a hang is reported with the input that caused it instead of
killing the test run. Targets run side by side, one per core.
``CAUSALOID_FUZZ_SCALE`` multiplies the number of examples (e.g. 10 for a
longer local run)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
SCALE = float(os.environ.get("CAUSALOID_FUZZ_SCALE", "1"))

#: Hypothesis examples per target; most examples make several calls.
EXAMPLES = {
    "expression_json": 300,
    "expression_paths": 200,
    "graph_json": 300,
    "context": 200,
    "constructors": 700,
    "evaluate": 250,
    "uncertain": 700,
    "state_machine": 180,
    "ethos": 250,
    "discover": 100,
    "readers": 100,
    "cli": 60,
}
TIMEOUT = 600 * max(SCALE, 1.0)


def _run(target: str, workdir: Path) -> dict[str, Any]:
    last = workdir / f"{target}.last"
    examples = max(1, int(EXAMPLES[target] * SCALE))
    env = {**os.environ, "CAUSALOID_FUZZ_LAST": str(last), "PYTHONFAULTHANDLER": "1"}
    try:
        proc = subprocess.run(
            [sys.executable, str(HERE / "targets.py"), target, str(examples)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return {"hang": True, "last": last.read_text()[:2000] if last.exists() else ""}
    summary = None
    if proc.returncode == 0:
        summary = json.loads(proc.stdout.strip().splitlines()[-1])
    return {
        "hang": False,
        "code": proc.returncode,
        "stdout": proc.stdout,
        "stderr": proc.stderr,
        "last": last.read_text()[:2000] if last.exists() else "",
        "summary": summary,
    }


@pytest.fixture(scope="module")
def runs() -> Iterator[dict[str, dict[str, Any]]]:
    """Every target, run side by side (one process per core)."""
    workdir = Path(tempfile.mkdtemp(prefix="causaloid-fuzz-"))
    try:
        with ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
            futures = {t: pool.submit(_run, t, workdir) for t in EXAMPLES}
            yield {t: f.result() for t, f in futures.items()}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.mark.parametrize("target", sorted(EXAMPLES))
def test_generated_garbage_never_crashes_or_escapes_the_documented_errors(
    target: str, runs: dict[str, dict[str, Any]]
) -> None:
    run = runs[target]
    if run["hang"]:
        pytest.fail(f"{target}: hung for {TIMEOUT:.0f} s on: {run['last']}")
    if run["code"] < 0:
        name = signal.Signals(-run["code"]).name
        pytest.fail(f"{target}: died with {name} on: {run['last']}\n{run['stderr'][-3000:]}")
    assert run["code"] == 0, f"{target}:\n{run['stdout'][-2000:]}\n{run['stderr'][-6000:]}"
    summary = run["summary"]
    # Every example made at least one call, and some calls succeeded.
    assert summary["inputs"] >= int(EXAMPLES[target] * SCALE), summary
    assert summary.get("ok", 0) > 0, summary


def test_the_suite_throws_at_least_ten_thousand_inputs_a_run(
    runs: dict[str, dict[str, Any]],
) -> None:
    done = {t: r["summary"]["inputs"] for t, r in runs.items() if r.get("summary")}
    for _, run in sorted(runs.items()):  # shown with pytest -s
        print(json.dumps(run.get("summary")))
    assert sum(done.values()) >= 10_000 * min(SCALE, 1.0), done
