"""How far the door swings on by itself after the hand stops pulling it.

Run: ``python experiments/door_coast.py`` (needs ``pip install ./python``; point ``BYFEEL_ASSETS``
at another assets folder to measure another door). Each row starts from a hard reset (the hand
hooked on the shut door's bar), pulls at full speed in one direction for k control steps, then
commands zero motion for 30 steps. It prints the door angle when the pull stops, one step later
(the arm's own lag: the hand is still catching up with its last target), and at the end, and
the swing after that first step, which is what the hinge's damping alone decides. A goal-reaching
policy learns to stop the hand where the goal's door is; a door that coasts on after the hand
stops puts the door past the goal.
"""

import argparse

import numpy as np

from byfeel.envs import ByfeelEnv

PULLS = {"back-left": [-1.0, -1.0, 0.0], "back": [-1.0, 0.0, 0.0], "left": [0.0, -1.0, 0.0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="3,5,8", help="pull lengths, comma-separated")
    parser.add_argument("--hold", type=int, default=30, help="zero-action steps after the pull")
    args = parser.parse_args()
    env = ByfeelEnv("DoorOpen", obs_mode="state")
    swings = []
    print("pull       steps  at stop  +1 step  end    swing after the first step")
    for name, action in PULLS.items():
        for k in (int(s) for s in args.steps.split(",")):
            obs, _ = env.reset(seed=0, options={"hard_reset": True})
            for _ in range(k):
                obs, *_ = env.step(np.array(action, dtype=np.float32))
            stop = float(obs[3])
            after = []
            for _ in range(args.hold):
                obs, *_ = env.step(np.zeros(3, dtype=np.float32))
                after.append(float(obs[3]))
            swing = max(after) - after[0]
            swings.append(swing)
            print(
                f"{name:10} {k:5}  {stop:7.3f}  {after[0]:7.3f}  {after[-1]:5.3f}  {swing:+.3f} rad"
            )
    print(f"largest swing after the first step: {max(swings):+.3f} rad")


if __name__ == "__main__":
    main()
