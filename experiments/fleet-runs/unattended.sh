#!/bin/bash
# The unattended run, which is also the fleet's seed 1 of the generalisation experiment: 4
# robots on training doors 0-3, 12 000 steps, watched at 127.0.0.1:8790; a watcher saves the
# page every 10 minutes and a robot is SIGKILLed 60 minutes in (kill-one.sh); then the held-out
# evaluation.
# Run from a directory for the runs, with byfeel's Python package (and its fleet extra) and the
# byfeel command on PATH (or PYTHON=…, BYFEEL=… to name them).
py=${PYTHON:-python}
byfeel=${BYFEEL:-byfeel}
out=gen-fleet-s1
echo "started $(date -Is)" >> $out.log
nice -n 5 $py -m byfeel.fleet --robots 4 --doors 0,1,2,3 --out $out --env-steps 12000 --seed 1 \
  --set checkpoint_every=1 --watch 127.0.0.1:8790 >> $out.log 2>&1 &
fleet=$!
"$(dirname "$0")"/watch-shots.sh $fleet 127.0.0.1:8790 $out-watch &
( sleep 3600; "$(dirname "$0")"/kill-one.sh $out >> $out-kill.txt 2>&1 ) &
wait $fleet
echo "fleet ended $(date -Is)" >> $out.log
nice -n 5 $byfeel eval $out/learner --door $(seq -s, 1000000 1000009) --episodes 5 --strips 2 >> $out.log 2>&1
