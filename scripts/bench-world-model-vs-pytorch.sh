#!/usr/bin/env bash
# The latent world model's speed against the same network in PyTorch, side by side in one run:
# `byfeel bench predictor` (burn, CPU), then experiments/bench_world_model_peer.py (PyTorch, CPU,
# the same layers, batches, horizon and CEM sizes), then byfeel again. Prints the ratios.
#
# Needs: $PEER_PY with torch (e.g. bash ../shared/peers/setup.sh, or pip install torch).
# Usage: scripts/bench-world-model-vs-pytorch.sh
source "$(dirname "$0")/peer-bench.sh"
side_by_side experiments/bench_world_model_peer.py predictor --plans 10
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
b = [json.load(open(os.path.join(out, f))) for f in ("byfeel1.json", "byfeel2.json")]
p = json.load(open(os.path.join(out, "peer.json")))
print(f"peer: {p['peer']}, {p['threads']} threads; byfeel {b[0]['threads']} threads")
print("| | byfeel (run 1 / run 2) | PyTorch | byfeel ÷ PyTorch (time, worse run) |")
print("|---|---|---|---|")
for key, name in [("ae_step_s", "autoencoder + contrastive step, 64 + 64 frames 48×64"),
                  ("dynamics_step_s", "dynamics step, 256 windows × 18 steps"),
                  ("through_step_s", "die's second stage through the encoder, 64 windows × 18 steps, 6 target frames each")]:
    v = [x[key] for x in b]
    print(f"| {name} | {v[0]*1e3:.0f} / {v[1]*1e3:.0f} ms | {p[key]*1e3:.0f} ms | {max(v)/p[key]:.2f}× |")
v = [x["plan"]["plan_s"] for x in b]
print(f"| plan step: CEM 200 × 3 iterations × 18 steps | {v[0]*1e3:.1f} / {v[1]*1e3:.1f} ms | {p['plan_s']*1e3:.1f} ms | {max(v)/p['plan_s']:.2f}× |")
PY
