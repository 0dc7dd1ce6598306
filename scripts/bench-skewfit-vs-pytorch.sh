#!/usr/bin/env bash
# Skew-Fit's update costs in burn (byfeel bench skewfit) and the same networks in PyTorch, side
# by side in one run on this machine: burn twice, around the peer, so drift shows.
# PEER_PY: a Python with torch (default /tmp/pyvenv/bin/python).
source "$(dirname "$0")/peer-bench.sh"
side_by_side experiments/bench_skewfit_peer.py skewfit
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
b = [json.load(open(os.path.join(out, f))) for f in ("byfeel1.json", "byfeel2.json")]
p = json.load(open(os.path.join(out, "peer.json")))
print(f"peer: {p['peer']}, {p['threads']} threads; byfeel {b[0]['threads']} threads")
print("| | byfeel (run 1 / run 2) | PyTorch | byfeel ÷ PyTorch (time, worse run) |")
print("|---|---|---|---|")
for key, name, scale, unit in (
    ("sac_update_s", "SAC update, batch 1024, twin Q (400, 300)", 1e3, "ms"),
    ("vae_update_s", "VAE update, batch 128, 48×48", 1e3, "ms"),
    ("density_per_image_s", "density estimate per image, 10 latents", 1e3, "ms"),
):
    xs = [x[key] for x in b]
    print(f"| {name} | {xs[0]*scale:.2f} / {xs[1]*scale:.2f} {unit} | {p[key]*scale:.2f} {unit} | {max(xs)/p[key]:.2f}× |")
print(f"door schedule estimate (burn, run 1): {b[0]['door_50k_steps_hours_estimate']:.1f} h of updates")
PY
