#!/usr/bin/env bash
# byfeel's renderer against the peers, side by side in one run on one machine:
#   - the gel sensor against TACTO (../shared/peers/tacto_rate.py, DIGIT 120x160, in contact);
#   - scene cameras against MuJoCo's offscreen renderer (../shared/peers/mujoco_door.py,
#     Meta-World door-open-v3, 48 and 64 pixels, its default look and a fast one).
# byfeel is measured before and after the peers to expose load drift; ratios use the worse.
#
# Needs the peers' venvs (bash ../shared/peers/setup.sh): /tmp/peers-venv-tacto, /tmp/peers-venv.
# Usage: scripts/bench-render-vs-peers.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${PEERS:-../shared/peers}
TACTO_PY=${TACTO_PY:-/tmp/peers-venv-tacto/bin/python}
MUJOCO_PY=${MUJOCO_PY:-/tmp/peers-venv/bin/python}
OUT=${OUT:-$(mktemp -d)}
quick=${1:-}
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
mkdir -p "$OUT"
# The same build as the tests (one feature set: no second compile of the dependencies).
cargo build --release --workspace --all-targets
secs=2; runs=5; [ "$quick" = "--quick" ] && { secs=1; runs=3; }
b() { ./target/release/byfeel bench "$@" --json --seconds "$secs" --runs "$runs"; }
echo "load before: $(cat /proc/loadavg)"
b tactile > "$OUT/tactile1.json"
b render > "$OUT/render1.json"
(cd "$PEERS" && PYOPENGL_PLATFORM=egl "$TACTO_PY" tacto_rate.py $quick) > "$OUT/tacto.txt" 2> "$OUT/tacto.err" || true
(cd "$PEERS" && "$MUJOCO_PY" mujoco_door.py $quick) > "$OUT/mujoco.txt" 2> "$OUT/mujoco.err" || true
b tactile > "$OUT/tactile2.json"
b render > "$OUT/render2.json"
echo "load after: $(cat /proc/loadavg)"
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
def load(name):
    return json.load(open(os.path.join(out, name)))
def peer(name):
    text = open(os.path.join(out, name)).read()
    return json.loads(text[text.index("{\n"):text.rindex("}") + 1])
tac = [load("tactile1.json"), load("tactile2.json")]
ren = [load("render1.json"), load("render2.json")]
print("adapter:", tac[0]["adapter"])
def ours_tactile(w, h, n, key="frames_per_s"):
    return [next(c[key] for c in t["tactile"] if (c["width"], c["height"], c["sensors"]) == (w, h, n)) for t in tac]
try:
    t = peer("tacto.txt")
    td, ts = t["default"]["contact_render"]["median"], t["small_64"]["contact_render"]["median"]
    print(f"\ntactile, in contact (TACTO: {t['default']['width']}x{t['default']['height']} DIGIT, pybullet + pyrender on {t.get('PYOPENGL_PLATFORM')})")
    for (w, h, n) in [(120, 160, 1), (120, 160, 16)]:
        o = ours_tactile(w, h, n)
        print(f"  byfeel {w}x{h}, {n:>2} per submission: {o[0]:7.0f} | {o[1]:7.0f} fps   TACTO {td:6.1f} fps   ratio {min(o)/td:5.1f}x")
        c = ours_tactile(w, h, n, "frames_per_cpu_s")
        tc = t["default"]["contact_render"]["rate_per_cpu_s"]
        print(f"  {'':31s} per CPU-s: {c[0]:7.0f} | {c[1]:7.0f}       TACTO {tc:6.1f}       ratio {min(c)/tc:5.1f}x")
    for (w, h, n) in [(64, 48, 1), (64, 48, 16)]:
        o = ours_tactile(w, h, n)
        print(f"  byfeel {w}x{h}, {n:>2} per submission: {o[0]:7.0f} | {o[1]:7.0f} fps   TACTO 64x64 {ts:6.1f} fps   ratio {min(o)/ts:5.1f}x")
except Exception as e:
    print("TACTO did not report:", e, "(see", os.path.join(out, "tacto.err"), ")")
try:
    m = peer("mujoco.txt")["render"]
    print("\ncameras (MuJoCo: Meta-World door-open-v3, best of EGL and OSMesa, renderer only)")
    for size in (48, 64):
        best = lambda cfg, key: max(m[b][f"{cfg}_{size}"][key]["median"] for b in m if m[b].get(f"{cfg}_{size}", {}).get("ok"))
        md, mf = best("default", "mj_renderer_only"), best("fast", "mj_renderer_only")
        for n in (1, 16, 64):
            o = [next(c["frames_per_s"] for c in r["render"] if (c["size"], c["envs"]) == (size, n)) for r in ren]
            print(f"  byfeel {size}x{size}, {n:>2} envs: {o[0]:6.0f} | {o[1]:6.0f} fps   MuJoCo default {md:5.1f}, fast {mf:5.1f}   ratio {min(o)/md:6.1f}x / {min(o)/mf:5.1f}x")
        sd = max(m[b][f"default_{size}"]["env_step_render"]["median"] for b in m)
        sf = max(m[b][f"fast_{size}"]["env_step_render"]["median"] for b in m)
        o = [next(c["steps_per_s"] for c in r["step_and_render"] if c["size"] == size) for r in ren]
        print(f"  step + render {size}: byfeel {o[0]:.0f} | {o[1]:.0f} steps/s   MuJoCo default {sd:.1f}, fast {sf:.1f}   ratio {min(o)/sf:.1f}x (fast)")
except Exception as e:
    print("MuJoCo did not report:", e, "(see", os.path.join(out, "mujoco.err"), ")")
print("\nraw results in", out)
PY
