#!/usr/bin/env bash
# Sets everything up and runs the demo: a causal model of Bitcoin price regimes on
# real daily/weekly/monthly bars, evaluated and explained; figures go to demo-output/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh all
echo
echo "==> Running examples/market_regime.py"
echo
CAUSALOID_OUTPUT=demo-output .venv/bin/python examples/market_regime.py
echo
echo "Figures are in demo-output/. More examples: examples/*.py"
