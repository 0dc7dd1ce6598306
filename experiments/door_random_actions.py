"""How often uniform random actions open the reset-free door, and how far.

Run: ``python experiments/door_random_actions.py --steps 5000 --seeds 0,1,2`` (needs ``pip install
./python``). Each seed starts from a hard reset (the hand hooked on the shut door's bar), draws
actions uniformly from [-1, 1]^3 and, every 100 steps, only a new goal (reset-free). It prints
the share of steps with the door past 0.05 and 0.3 rad, the largest angle, the evenness of the
door-angle histogram (10 bins over 0 to 60 degrees; 1 is even), the span of the hand, and the
share of 500-step stretches (a training epoch's worth) with the door shut throughout (below
0.0525 rad, the first bin of the training logs' coverage).
"""

import argparse

import numpy as np

from byfeel.envs import ByfeelEnv
# The training logs' coverage bins, from the script that reads those logs (same folder).
from skewfit_coverage import BINS, RANGE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated")
    args = parser.parse_args()
    for seed in (int(s) for s in args.seeds.split(",")):
        env = ByfeelEnv("DoorOpen", obs_mode="state")
        obs, _ = env.reset(seed=seed, options={"hard_reset": True})
        rng = np.random.default_rng(seed)
        angles, hands = [], []
        for _ in range(args.steps):
            obs, _, terminated, truncated, _ = env.step(rng.uniform(-1, 1, 3).astype(np.float32))
            hands.append(obs[:3])
            angles.append(obs[3])
            if terminated or truncated:
                obs, _ = env.reset()
        angles, hands = np.array(angles), np.array(hands)
        share = np.histogram(angles, bins=10, range=(0, np.pi / 3))[0] / len(angles)
        share = share[share > 0]
        evenness = float(-(share * np.log(share)).sum() / np.log(10))
        print(
            f"seed {seed}: past 0.05 rad {np.mean(angles > 0.05):.3f}, past 0.3 rad "
            f"{np.mean(angles > 0.3):.3f}, largest {angles.max():.2f} rad, evenness "
            f"{evenness:.3f}, hand span {np.ptp(hands, axis=0).round(3)} m, 500-step stretches "
            f"with the door shut throughout {shut_share(angles):.2f}"
        )


def shut_share(angles, stretch=500, shut=RANGE / BINS):
    """Share of whole `stretch`-step stretches in which the door never left the first bin."""
    stretches = angles[: len(angles) // stretch * stretch].reshape(-1, stretch)
    return float(np.mean(stretches.max(axis=1) < shut)) if len(stretches) else float("nan")


if __name__ == "__main__":
    main()
