#!/usr/bin/env bash
# What watching costs a run: the same short VICE run on the door (mostly environment steps and
# camera pictures: few updates) without --watch, and with --watch and a client polling the page
# as a browser does (state.json twice a second, every picture whose counter moved, the curves
# every 2 s). Runs alternate, REPEATS times each, so drift in the machine's load hits both.
# Prints each run's wall-clock and the ratio of the medians.
set -euo pipefail
cd "$(dirname "$0")/.."
REPEATS=${REPEATS:-3}
STEPS=${STEPS:-3000}
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
cargo build --release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./target/release/byfeel examples --task door-open --count 4 --out "$work/ex" > /dev/null
small=(--env-steps "$STEPS" --quiet --set steps_per_epoch=500 --set warmup_steps=500
       --set updates_per_epoch=10 --set classifier_updates=2 --set vae_batches=2)
poll() {  # a browser's requests, from one process, until the run ends
  python3 - "$1" <<'PY'
import json, sys, time, urllib.request
addr, seen, last_curves = sys.argv[1], {}, 0.0
get = lambda path: urllib.request.urlopen(f"http://{addr}{path}", timeout=5).read()
try:
    while True:
        time.sleep(0.5)
        state = json.loads(get("/state.json"))
        for i, robot in enumerate(state["robots"]):
            for view, seq in robot["pictures"].items():
                if seen.get((i, view)) != seq:
                    seen[(i, view)] = seq
                    get(f"/picture/{i}/{view}.png")
        if time.time() - last_curves >= 2:
            last_curves = time.time()
            get("/curves.json")
except OSError:
    pass
PY
}
run() {  # run NAME [--watch]: prints seconds
  local t0 t1
  rm -rf "$work/run"
  t0=$(date +%s.%N)
  if [ "${2:-}" = "--watch" ]; then
    ./target/release/byfeel train vice --watch 127.0.0.1:0 --examples "$work/ex" --out "$work/run" \
      "${small[@]}" > /dev/null 2> "$work/err" &
    local pid=$!
    local addr=""
    for _ in $(seq 100); do
      addr=$(sed -n 's#^watch this run at http://\(.*\)/$#\1#p' "$work/err")
      [ -n "$addr" ] && break
      sleep 0.1
    done
    poll "$addr" &
    local poller=$!
    wait "$pid"
    kill "$poller" 2> /dev/null || true
  else
    ./target/release/byfeel train vice --examples "$work/ex" --out "$work/run" "${small[@]}" > /dev/null
  fi
  t1=$(date +%s.%N)
  python3 -c "print(round($t1 - $t0, 2))"
}
echo "load before: $(cat /proc/loadavg)"
plain=(); watched=()
for _ in $(seq "$REPEATS"); do
  plain+=("$(run plain)")
  watched+=("$(run watched --watch)")
done
echo "load after: $(cat /proc/loadavg)"
python3 - "${plain[*]}" "${watched[*]}" "$STEPS" <<'PY'
import statistics, sys
plain = [float(x) for x in sys.argv[1].split()]
watched = [float(x) for x in sys.argv[2].split()]
steps = int(sys.argv[3])
print(f"VICE on the door, {steps} environment steps a run")
print(f"without --watch: {', '.join(f'{t:.1f}' for t in plain)} s")
print(f"with --watch and a polling client: {', '.join(f'{t:.1f}' for t in watched)} s")
m0, m1 = statistics.median(plain), statistics.median(watched)
print(f"median {m0:.1f} s vs {m1:.1f} s: watching costs {100 * (m1 / m0 - 1):+.1f} %")
PY
