#!/bin/bash
# The unattended run's second half. gen-fleet-s1 stops at its 12 000 steps (the fleet's seed 1 of
# the generalisation experiment, evaluated by unattended.sh); the same run then continues with a
# larger budget on the same watch address, and is stopped with SIGTERM once it has run 2 h 10 min
# in all. The 12 000-step learner is kept aside as it was. Started beside unattended.sh, from the
# same directory.
py=${PYTHON:-python}
out=gen-fleet-s1
stop_at=$(( $(date -d "$(grep -m1 started $out.log | cut -d' ' -f2)" +%s) + 7800 ))
until grep -q "fleet ended" $out.log; do sleep 5; done
cp -r $out/learner $out-learner-at-12000
sleep 10  # the evaluation loads the 12 000-step policy before the learner moves on
echo "continued $(date -Is), to stop at $(date -d @$stop_at -Is)" >> $out-continued.log
nice -n 5 $py -m byfeel.fleet --robots 4 --doors 0,1,2,3 --out $out --env-steps 40000 --seed 1 \
  --set checkpoint_every=1 --watch 127.0.0.1:8790 >> $out-continued.log 2>&1 &
fleet=$!
"$(dirname "$0")"/watch-shots.sh $fleet 127.0.0.1:8790 $out-watch &
while kill -0 $fleet 2>/dev/null && [ $(date +%s) -lt $stop_at ]; do sleep 10; done
kill -TERM $fleet 2>/dev/null
wait $fleet
echo "stopped $(date -Is)" >> $out-continued.log
$py -m byfeel.fleet --out $out --status >> $out-continued.log 2>&1
