#!/usr/bin/env bash
# All of byfeel's tests, on a fresh machine: system packages first (only those missing), then
# the one cargo build and test run (release profile, whole workspace, one feature set).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh
# Mesa's Vulkan and X probes want a runtime directory; without one they print harmless noise.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
cargo test --release --workspace "$@"
