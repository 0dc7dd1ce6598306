#!/usr/bin/env bash
# All of byfeel's tests, on a fresh machine: system packages first (only those missing), then
# the one cargo build and test run (release profile, whole workspace, one feature set), then the
# Python package installed the README way into a fresh venv and its pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh
# Mesa's Vulkan and X probes want a runtime directory; without one they print harmless noise.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
# One test at a time: burn's autodiff keeps a process-wide graph lock, and a test holding it
# while its CPU kernels wait on rayon's shared pool can deadlock with another test whose rayon
# work waits for that lock.
# Each test still uses both cores through rayon.
RUST_TEST_THREADS=1 cargo test --release --workspace "$@"

# Python: the wheel builds the same crates with the same profile (maturin reuses target/), so
# this adds seconds, not a second compile of the dependencies.
venv=target/py-test-venv
rm -rf "$venv" target/wheels
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" wheel -q --no-deps -w target/wheels ./python
wheel=$(ls target/wheels/byfeel-*.whl)
"$venv/bin/pip" install -q "$wheel[test,fleet]"
# -rs prints why the Stable-Baselines3 tests are skipped when torch is not installed.
"$venv/bin/pytest" -q -rs python/tests
bash scripts/test-wheel.sh "$wheel"
