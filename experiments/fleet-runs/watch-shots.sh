#!/bin/bash
# Saves the watch page at $2 (HOST:PORT) every 10 minutes while process $1 lives: its state.json
# and a headless-Chromium screenshot, into $3 (a folder), named by the time of day.
pid=$1; address=$2; dir=$3
mkdir -p "$dir"
while kill -0 "$pid" 2>/dev/null; do
  sleep 600
  t=$(date +%H%M)
  curl -s --max-time 20 "http://$address/state.json" > "$dir/$t.json" || echo "$t no answer" >> "$dir/misses.txt"
  timeout 60 chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
    --window-size=1280,900 --virtual-time-budget=3000 --screenshot="$PWD/$dir/$t.png" \
    "http://$address/" > /dev/null 2>&1
done
