#!/usr/bin/env bash
# The predictive agent's speed against the same network in PyTorch, side by side in one run:
# `byfeel bench predictor` (burn, CPU), then experiments/bench_predictor_peer.py (PyTorch, CPU,
# the same layers, batch, horizon and CEM sizes), then byfeel again. Prints the ratios.
#
# Needs: $PEER_PY with torch (e.g. bash ../shared/peers/setup.sh, or pip install torch).
# Usage: scripts/bench-predictor-vs-pytorch.sh
source "$(dirname "$0")/peer-bench.sh"
side_by_side experiments/bench_predictor_peer.py predictor
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
b = [json.load(open(os.path.join(out, f))) for f in ("byfeel1.json", "byfeel2.json")]
p = json.load(open(os.path.join(out, "peer.json")))
train = [x["train_step_s"] for x in b]
plan = [x["plan"]["every_frame_s"] for x in b]
sparse = [x["plan"]["every_third_frame_s"] for x in b]
worst = max
print(f"peer: {p['peer']}, {p['threads']} threads; byfeel {b[0]['threads']} threads")
print("| | byfeel (run 1 / run 2) | PyTorch | byfeel ÷ PyTorch (time, worse run) |")
print("|---|---|---|---|")
print(f"| training step, batch 16, 3 + 15 frames 48×64 | {train[0]*1e3:.0f} / {train[1]*1e3:.0f} ms | {p['train_step_s']*1e3:.0f} ms | {worst(train)/p['train_step_s']:.2f}× |")
print(f"| plan step: CEM 200 × 3 iterations × 18 frames | {plan[0]:.2f} / {plan[1]:.2f} s | {p['plan_s']:.2f} s | {worst(plan)/p['plan_s']:.2f}× |")
print(f"| the same, scoring every third frame | {sparse[0]:.2f} / {sparse[1]:.2f} s | | {worst(sparse)/p['plan_s']:.2f}× |")
PY
