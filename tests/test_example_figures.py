"""Every figure an example saves has a title, a legend and axis labels (when it
has axes), and lands in the output folder ($CAUSALOID_OUTPUT), never in the
working directory.

The examples run as a user runs them; a ``sitecustomize`` module on the path
records what each ``Figure.savefig`` call saves.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

EXAMPLES = Path(__file__).parent.parent / "examples"
WITH_FIGURES = ["market_regime", "gps_speeding", "reactor_cooling"]

RECORDER = """
import json, os
import matplotlib
matplotlib.use("Agg")
import matplotlib.figure

_save = matplotlib.figure.Figure.savefig

def savefig(self, fname, *args, **kwargs):
    axes = []
    for ax in self.axes:
        axes.append({
            "title": ax.get_title(),
            "xlabel": ax.get_xlabel(),
            "ylabel": ax.get_ylabel(),
            "legend": ax.get_legend() is not None,
            "axis_on": ax.axison,
        })
    with open(os.environ["FIGURE_LOG"], "a") as fh:
        fh.write(json.dumps({"path": os.path.abspath(str(fname)), "axes": axes}) + "\\n")
    return _save(self, fname, *args, **kwargs)

matplotlib.figure.Figure.savefig = savefig
"""


@pytest.mark.parametrize("name", WITH_FIGURES)
def test_example_figures_are_labelled_and_written_to_the_output_folder(name, tmp_path):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(RECORDER)
    log, out, cwd = tmp_path / "figures.jsonl", tmp_path / "out", tmp_path / "cwd"
    cwd.mkdir()
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")]),
        FIGURE_LOG=str(log),
        CAUSALOID_OUTPUT=str(out),
    )
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    figures = [json.loads(line) for line in log.read_text().splitlines()]
    assert figures, f"{name} saved no figure"
    for fig in figures:
        assert Path(fig["path"]).parent == out, fig["path"]
        assert Path(fig["path"]).exists()
        for ax in fig["axes"]:
            assert ax["title"], fig
            assert ax["legend"], fig
            if ax["axis_on"]:
                assert ax["xlabel"] and ax["ylabel"], fig
    assert not list(cwd.iterdir()), "the example wrote into the working directory"


def test_the_demo_ends_by_interpreting_what_it_found(tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", CAUSALOID_OUTPUT=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "market_regime.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("BTC broke out of both last month's and last year's range on ")
    assert "A week after a breakout day it closed higher" in last
    assert last.count(". ") == 1 and last.endswith("not a trading signal.")
