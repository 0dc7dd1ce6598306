#!/usr/bin/env bash
# All of byfeel's tests, on a fresh machine: system packages first (only those missing), then
# the one cargo build and test run (release profile, whole workspace, one feature set), then the
# Python package installed the README way into a fresh venv and its pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh
# Mesa's Vulkan and X probes want a runtime directory; without one they print harmless noise.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
cargo test --release --workspace "$@"

# Python: `pip install ./python` builds the same crates with the same profile (maturin reuses
# target/), so this adds seconds, not a second compile of the dependencies.
venv=target/py-test-venv
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q "./python[test]"
# -rs prints why the Stable-Baselines3 tests are skipped when torch is not installed.
"$venv/bin/pytest" -q -rs python/tests
