# Sourced by the bench-*-vs-pytorch.sh scripts: builds byfeel, then runs `byfeel bench BENCH`
# twice around the PyTorch peer, so that drift in the machine's load shows, writing
# $OUT/byfeel1.json, $OUT/peer.json and $OUT/byfeel2.json.
# PEER_PY: a Python with torch (default /tmp/pyvenv/bin/python); OUT: where the JSON goes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PEER_PY=${PEER_PY:-/tmp/pyvenv/bin/python}
OUT=${OUT:-$(mktemp -d)}
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}

# side_by_side PEER_SCRIPT BENCH [ARGS...]: byfeel bench BENCH ARGS, the peer, byfeel again.
side_by_side() {
    local peer=$1
    shift
    cargo build --release --workspace
    echo "load before: $(cat /proc/loadavg)"
    ./target/release/byfeel bench "$@" --json > "$OUT/byfeel1.json"
    "$PEER_PY" "$peer" > "$OUT/peer.json"
    ./target/release/byfeel bench "$@" --json > "$OUT/byfeel2.json"
    echo "load after: $(cat /proc/loadavg)"
}
