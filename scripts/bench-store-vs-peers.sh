#!/usr/bin/env bash
# The experience store against what a researcher would use instead, side by side in one run:
# `byfeel bench store` (collect with/without writing, write a 100k-step store of real frames,
# sample batches of 1024), then experiments/bench_store_peers.py on the same store (zarr-python
# appending the same episodes with the same chunks and codec, zarr-python drawing the same
# batches, and a PyTorch training step on a batch of 1024: Skew-Fit's conv VAE), then byfeel again.
#
# Needs: $PEER_PY with numpy, zarr>=3 and torch (e.g. pip install zarr torch).
# Usage: scripts/bench-store-vs-peers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PEER_PY=${PEER_PY:-/tmp/pyvenv/bin/python}
OUT=${OUT:-$(mktemp -d)}
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
cargo build --release --workspace
echo "load before: $(cat /proc/loadavg)"
./target/release/byfeel bench store --dir "$OUT/stores" --json > "$OUT/byfeel1.json"
"$PEER_PY" experiments/bench_store_peers.py "$OUT/stores/big.zarr" > "$OUT/peer.json"
rm -rf "$OUT/stores"
./target/release/byfeel bench store --json > "$OUT/byfeel2.json"
echo "load after: $(cat /proc/loadavg)"
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
b = [json.load(open(os.path.join(out, f))) for f in ("byfeel1.json", "byfeel2.json")]
p = json.load(open(os.path.join(out, "peer.json")))
mean = lambda f: sum(f(x) for x in b) / len(b)
write = mean(lambda x: x["write"]["frames_per_s"])
sample = mean(lambda x: x["sample"]["uniform_batch_s"])
weighted = mean(lambda x: x["sample"]["weighted_batch_s"])
slow = mean(lambda x: x["collect"]["slowdown"])
print(f"byfeel runs: write {[round(x['write']['frames_per_s']) for x in b]} frames/s, "
      f"sample {[round(1e3 * x['sample']['uniform_batch_s'], 1) for x in b]} ms")
print(f"| measure | byfeel | peer | ratio |")
print(f"|---|---|---|---|")
print(f"| write, frames/s (same episodes, chunks, zstd 3) | {write:.0f} | {p['zarr_write_frames_per_s']:.0f} (zarr-python append) | {write / p['zarr_write_frames_per_s']:.1f}x |")
print(f"| sample 1024 steps, ms (camera, tactile, proprio, action, reward) | {1e3 * sample:.1f} | {1e3 * p['zarr_sample_batch_s']:.0f} (zarr-python orthogonal read) | {p['zarr_sample_batch_s'] / sample:.0f}x faster |")
print(f"| weighted sample 1024 steps, ms | {1e3 * weighted:.1f} | - | - |")
print(f"| sampling / training step on 1024 frames | {1e3 * sample:.1f} ms | {1e3 * p['vae_train_step_s']:.0f} ms (PyTorch conv-VAE step) | {100 * sample / p['vae_train_step_s']:.1f}% |")
print(f"| collection slowed by writing | {100 * slow:.1f}% | | |")
m = b[0]
print(f"| bytes per step on disk | {m['write']['bytes_per_step_on_disk']:.0f} of {m['write']['step_bytes_raw']} raw ({m['write']['compression']:.1f}x) | | |")
print(f"| peak memory, store {m['memory']['store_decoded_mib']:.0f} MiB decoded | {max(x['memory']['peak_rss_mib'] for x in b):.0f} MiB RSS | | |")
PY
