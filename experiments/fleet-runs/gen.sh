#!/bin/bash
# one generalisation run: fleet (4 robots, doors 0-3) or one door (1 robot on door S), 12 000
# steps at the paper's settings, then evaluation on held-out doors 1000000-1000009.
# usage: gen.sh fleet|one SEED
# Run from a directory for the runs, with byfeel's Python package (and its fleet extra) and the
# byfeel command on PATH (or PYTHON=…, BYFEEL=… to name them).
py=${PYTHON:-python}
byfeel=${BYFEEL:-byfeel}
kind=$1; seed=$2
out=gen-$kind-s$seed
if [ $kind = fleet ]; then args="--robots 4 --doors 0,1,2,3"; else args="--robots 1 --doors $seed"; fi
nice -n 5 $py -m byfeel.fleet $args --out $out --env-steps 12000 --seed $seed --set checkpoint_every=1 >> $out.log 2>&1 || exit 1
doors=$(seq -s, 1000000 1000009)
nice -n 5 $byfeel eval $out/learner --door $doors --episodes 5 --strips 2 >> $out.log 2>&1
