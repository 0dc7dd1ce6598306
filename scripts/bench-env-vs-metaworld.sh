#!/usr/bin/env bash
# byfeel's door environment with 48x48 image observations against Meta-World's door-open with
# 48x48 rendering (../shared/peers/mujoco_door.py), side by side in one run: the Rust API
# (`byfeel bench env`), the Python API (experiments/bench_env.py), then the peer, then byfeel again.
#
# Needs: the byfeel package in $BYFEEL_PY's environment (pip install ./python) and the peers'
# venv (bash ../shared/peers/setup.sh) for $MUJOCO_PY.
# Usage: scripts/bench-env-vs-metaworld.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${PEERS:-../shared/peers}
BYFEEL_PY=${BYFEEL_PY:-target/py-test-venv/bin/python}
MUJOCO_PY=${MUJOCO_PY:-/tmp/peers-venv/bin/python}
OUT=${OUT:-$(mktemp -d)}
quick=${1:-}
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
mkdir -p "$OUT"
cargo build --release --workspace --all-targets
secs=3; [ "$quick" = "--quick" ] && secs=1
echo "load before: $(cat /proc/loadavg)"
./target/release/byfeel bench env --task door --obs image --num-envs 1,4,16 --seconds "$secs" --json > "$OUT/rust1.json"
"$BYFEEL_PY" experiments/bench_env.py --seconds "$secs" > "$OUT/py1.json"
(cd "$PEERS" && "$MUJOCO_PY" mujoco_door.py $quick) > "$OUT/mujoco.txt" 2> "$OUT/mujoco.err" || true
./target/release/byfeel bench env --task door --obs image --num-envs 1,4,16 --seconds "$secs" --json > "$OUT/rust2.json"
"$BYFEEL_PY" experiments/bench_env.py --seconds "$secs" > "$OUT/py2.json"
echo "load after: $(cat /proc/loadavg)"
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
load = lambda f: json.load(open(os.path.join(out, f)))
rust = [load("rust1.json"), load("rust2.json")]
py = [load("py1.json"), load("py2.json")]
text = open(os.path.join(out, "mujoco.txt")).read()
m = json.loads(text[text.index("{\n"):text.rindex("}") + 1])["render"]
fast = max(m[b]["fast_48"]["env_step_render"]["median"] for b in m if m[b].get("fast_48", {}).get("ok"))
default = max(m[b]["default_48"]["env_step_render"]["median"] for b in m if m[b].get("default_48", {}).get("ok"))
print(f"Meta-World door-open-v3, env.step + 48x48 render: default {default:.1f}, fast {fast:.1f} steps/s")
for name, runs in (("byfeel Rust VecEnv", rust), ("byfeel Python", py)):
    for k, row in enumerate(runs[0]["results"]):
        r = [x["results"][k]["steps_per_s"] for x in runs]
        print(f"{name:20s} {row['num_envs']:>3} envs: {r[0]:6.0f} | {r[1]:6.0f} steps/s   vs fast {min(r)/fast:4.1f}x, vs default {min(r)/default:5.1f}x")
print("raw results in", out)
PY
