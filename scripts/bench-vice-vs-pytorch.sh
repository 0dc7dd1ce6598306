#!/usr/bin/env bash
# VICE's success classifier in burn (byfeel bench vice) and the same network in PyTorch, side by
# side in one run on this machine: burn twice, around the peer, so drift shows.
# PEER_PY: a Python with torch (default /tmp/pyvenv/bin/python).
source "$(dirname "$0")/peer-bench.sh"
side_by_side experiments/bench_vice_peer.py vice
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
b = [json.load(open(os.path.join(out, f))) for f in ("byfeel1.json", "byfeel2.json")]
p = json.load(open(os.path.join(out, "peer.json")))
print(f"peer: {p['peer']}, {p['threads']} threads; byfeel {b[0]['threads']} threads")
print("| | byfeel (run 1 / run 2) | PyTorch | byfeel ÷ PyTorch (time, worse run) |")
print("|---|---|---|---|")
for key, name in (
    ("classifier_update_s", "classifier update, 128 + 128 images, mixup, Adam"),
    ("reward_per_batch_s", "reward of 256 images"),
):
    xs = [x[key] for x in b]
    print(f"| {name} | {xs[0]*1e3:.1f} / {xs[1]*1e3:.1f} ms | {p[key]*1e3:.1f} ms | {max(xs)/p[key]:.2f}× |")
PY
