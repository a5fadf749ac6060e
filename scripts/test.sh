#!/usr/bin/env bash
# Sets everything up and runs all tests: the engine's cargo tests, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
cargo test --package causaloid-core --quiet
.venv/bin/python -m pytest -q "$@"
