#!/usr/bin/env bash
# Sets everything up and runs the demo: a real causal model, evaluated and explained.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh all
.venv/bin/python examples/demo.py
