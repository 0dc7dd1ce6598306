#!/bin/bash
# SIGKILLs one robot actor of the fleet running into $1 (the one holding $1's store open) and
# records what the stores held before and five minutes after.
# Run from the runs' directory, with byfeel's Python package on PATH (or PYTHON=… to name it).
py=${PYTHON:-python}
out=$1
for p in $(pgrep -f "ray::PracticeRobot"); do
  if ls -l /proc/$p/fd 2>/dev/null | grep -q "$out/robots/robot-"; then pid=$p; break; fi
done
[ -z "$pid" ] && { echo "$(date -Is) no robot of $out found"; exit 1; }
echo "$(date -Is) killing robot process $pid ($(ls -l /proc/$pid/fd | grep -o "$out/robots/robot-[0-9]*" | head -1))"
$py -m byfeel.fleet --out $out --status | tr -d '\n ' ; echo
kill -9 $pid
sleep 300
echo "$(date -Is) five minutes later"
$py -m byfeel.fleet --out $out --status | tr -d '\n ' ; echo
