#!/usr/bin/env bash
# Creates .venv (if needed) and installs causaloid into it with the given extras.
# Usage: scripts/setup.sh [extras]   e.g. scripts/setup.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-all}"
step() { printf '\n==> %s\n' "$*"; }

if [ -x .venv/bin/python ]; then
    step "Using the existing virtual environment .venv"
else
    step "Creating a virtual environment in .venv"
    python3 -m venv .venv
fi
step "Updating pip"
.venv/bin/python -m pip install --quiet --upgrade pip
step "Installing causaloid[${extras}]: pip compiles the Rust engine (release build)."
echo "    The first build takes a few minutes (about 3 on a laptop); later runs reuse it."
echo "    pip's progress follows."
started=$(date +%s)
.venv/bin/python -m pip install --progress-bar on ".[${extras}]"
step "Done in $(( $(date +%s) - started )) s. Activate with: source .venv/bin/activate"
