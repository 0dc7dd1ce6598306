#!/usr/bin/env bash
# byfeel's door scene against MuJoCo's Meta-World door-open-v3, side by side in one run, compared
# per simulated second. byfeel is measured before and after the peer to expose load drift.
#
# Needs the peers' venv (bash ../shared/peers/setup.sh, or at least mujoco, gymnasium and
# metaworld in $PEERS_PY's environment).
# Usage: scripts/bench-physics-vs-mujoco.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${PEERS:-../shared/peers}
PEERS_PY=${PEERS_PY:-/tmp/peers-venv/bin/python}
OUT=${OUT:-$(mktemp -d)}
quick=${1:-}
mkdir -p "$OUT"
cargo build --release --bin byfeel
secs=3; [ "$quick" = "--quick" ] && secs=1
echo "load before: $(cat /proc/loadavg)"
./target/release/byfeel bench physics --scene door --json --seconds "$secs" > "$OUT/byfeel1.json"
"$PEERS_PY" "$PEERS/mujoco_door.py" $quick > "$OUT/mujoco.txt" 2> "$OUT/mujoco.err" || true
./target/release/byfeel bench physics --scene door --json --seconds "$secs" > "$OUT/byfeel2.json"
echo "load after: $(cat /proc/loadavg)"
python3 - "$OUT" <<'PY'
import json, sys, os
out = sys.argv[1]
ours = [json.load(open(os.path.join(out, f))) for f in ("byfeel1.json", "byfeel2.json")]
text = open(os.path.join(out, "mujoco.txt")).read()
start = text.index("{\n")
peer = json.loads(text[start:text.rindex("}") + 1])
dt = peer["model"]["sim_seconds_per_env_step"]
rows = [
    ("Meta-World env.step (wrappers)", peer["env_wrapped"]["median"] * dt),
    ("Meta-World env.unwrapped.step", peer["env_unwrapped"]["median"] * dt),
    ("raw mj_step, no control", peer["mj_step"]["median"] * peer["model"]["timestep"]),
]
b = [o["sim_seconds_per_s"] for o in ours]
print(f"byfeel door, random end-effector actions: {b[0]:.1f} | {b[1]:.1f} simulated s per s "
      f"({ours[0]['control_steps_per_s']:.0f} | {ours[1]['control_steps_per_s']:.0f} control steps/s of {ours[0]['control_dt']} s)")
for name, rate in rows:
    print(f"{name:32s} {rate:7.1f} sim-s/s   byfeel / peer = {min(b)/rate:.2f} .. {max(b)/rate:.2f}")
print("raw results in", out)
PY
