"""Benchmark runner: ratios measured side by side in one run.

Each module in ``benchmarks/suites`` exposes ``run(quick: bool) -> list[dict]``;
every dict is one comparison with at least ``name``, ``ours_s``, ``peer``,
``peer_s`` and ``ratio`` (peer time / our time: above 1 means we are faster),
plus a ``goal`` and whatever absolute figures help (rows/s ...). The runner
prints a table and writes all results as JSON.

    python benchmarks/run.py                 # every suite
    python benchmarks/run.py graph surd      # some suites
    python benchmarks/run.py --quick         # small sizes, a smoke test
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def suite_names() -> list[str]:
    return sorted(p.stem for p in (HERE / "suites").glob("*.py") if not p.stem.startswith("_"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "suites", nargs="*", help=f"suites to run (default: all of {suite_names()})"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument(
        "--json", default=str(HERE / "results" / "latest.json"), help="where to write results"
    )
    args = parser.parse_args(argv)
    names = args.suites or suite_names()
    results = []
    for name in names:
        module = importlib.import_module(f"suites.{name}")
        print(f"== {name}", flush=True)
        for row in module.run(args.quick):
            row = {"suite": name, **row}
            results.append(row)
            print(format_row(row), flush=True)
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "quick": args.quick,
    }
    out.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print(f"wrote {out}")
    return 0


def format_row(row: dict) -> str:
    ratio = row.get("ratio")
    ratio_s = f"{ratio:8.2f}x" if isinstance(ratio, (int, float)) else "       -"
    extra = f"  goal: {row['goal']}" if row.get("goal") else ""
    return (
        f"  {row['name']:<48} ours {row.get('ours_s', float('nan')):.4g}s  "
        f"{row.get('peer', '-')} {row.get('peer_s', float('nan')):.4g}s  ratio {ratio_s}{extra}"
    )


if __name__ == "__main__":
    sys.exit(main())
