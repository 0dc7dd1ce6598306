"""Environment steps per second from Python: byfeel's door with 48x48 image observations,
one env (gym.make) and native batches (gym.make_vec). Prints one JSON object.

    python experiments/bench_env.py [--task DoorOpen] [--obs image] [--num-envs 1,4,16] [--seconds 3]
"""

import argparse
import json
import os
import time

import gymnasium as gym
import numpy as np

import byfeel  # noqa: F401  (registers byfeel/*)


def rate(step, per_call, seconds):
    for _ in range(5):
        step()
    t0, n = time.perf_counter(), 0
    while time.perf_counter() - t0 < seconds:
        step()
        n += per_call
    return n / (time.perf_counter() - t0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--task", default="DoorOpen")
    p.add_argument("--obs", default="image")
    p.add_argument("--num-envs", default="1,4,16")
    p.add_argument("--seconds", type=float, default=3.0)
    args = p.parse_args()
    rng = np.random.default_rng(0)
    results = []
    for n in [int(x) for x in args.num_envs.split(",")]:
        if n == 1:
            env = gym.make(f"byfeel/{args.task}-v0", obs_mode=args.obs)
            env.reset(seed=0)

            def step():
                _, _, term, trunc, _ = env.step(rng.uniform(-1, 1, 3).astype(np.float32))
                if term or trunc:
                    env.reset()

            kind = "gym.make"
        else:
            env = gym.make_vec(f"byfeel/{args.task}-v0", num_envs=n, obs_mode=args.obs)
            env.reset(seed=0)

            def step():
                env.step(rng.uniform(-1, 1, (n, 3)).astype(np.float32))

            kind = "gym.make_vec"
        results.append({"num_envs": n, "api": kind, "steps_per_s": rate(step, n, args.seconds)})
        env.close()
    print(json.dumps({"bench": "python_env", "task": args.task, "obs": args.obs, "results": results,
                      "load": os.getloadavg()}))


if __name__ == "__main__":
    main()
