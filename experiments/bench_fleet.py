"""Fleet throughput: environment steps (actions) per second, written to stores, with 1, 2 and
4 robots as Ray actors (`byfeel.fleet`, random actions, no learner), against the same work in
this process: one robot's `Practice` stepped here (the actor's own code without Ray), K robots
in threads of one process (`byfeel.collect(robots=K)`, one store), and the in-process vector
env without any store or gel picture (`gym.make_vec`). Each fleet measurement excludes
start-up: the rate is over the steps added after the first report.

    python experiments/bench_fleet.py [--robots 1,2,4] [--steps 2000] [--json]

Needs byfeel[fleet]. On one machine the fleet can only lose to in-process stepping (it adds a
process per robot and Ray's scheduling); what it buys is machines beyond the first.
"""

import argparse
import json
import tempfile
import time

import gymnasium as gym
import numpy as np

import byfeel  # noqa: F401
from byfeel.store import collect


def fleet_rate(robots: int, steps: int, episodes_per_call: int) -> float:
    import ray

    from byfeel.fleet import FleetConfig, fleet_status, run_fleet

    with tempfile.TemporaryDirectory() as tmp:
        marks = []

        def report(r):
            marks.append((time.perf_counter(), fleet_status(tmp)["actions"]))

        config = FleetConfig(robots=robots, env_steps=steps, episodes_per_call=episodes_per_call,
                             learn=False)
        run_fleet(config, tmp, on_report=report,
                  init_kwargs={"num_cpus": robots, "include_dashboard": False})
        ray.shutdown()
    (t0, s0), (t1, s1) = marks[0], marks[-1]
    return (s1 - s0) / (t1 - t0)


def practice_rate(steps: int) -> float:
    """One robot's Practice in this process: what an actor runs, without Ray."""
    from byfeel import _native

    with tempfile.TemporaryDirectory() as tmp:
        robot = _native.Practice(0, 0, tmp + "/s")
        robot.run(1)
        t0 = time.perf_counter()
        added = robot.run(max(1, steps // 100))["actions"]
        return added / (time.perf_counter() - t0)


def collect_rate(robots: int, steps: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        collect("door-open", tmp + "/warm", episodes=robots, robots=robots)
        episodes = max(robots, steps // 101)
        t0 = time.perf_counter()
        episodes_added, added = collect("door-open", tmp + "/s", episodes=episodes, robots=robots)
        return (added - episodes_added) / (time.perf_counter() - t0)


def vec_rate(robots: int, steps: int) -> float:
    envs = gym.make_vec("byfeel/DoorOpen-v0", num_envs=robots)
    envs.reset(seed=0)
    rng = np.random.default_rng(0)
    n = max(1, steps // robots)
    t0 = time.perf_counter()
    for _ in range(n):
        envs.step(rng.uniform(-1, 1, size=(robots, 3)).astype(np.float32))
    rate = n * robots / (time.perf_counter() - t0)
    envs.close()
    return rate


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--robots", default="1,2,4")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--episodes-per-call", type=int, default=2)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    rows = []
    one = practice_rate(args.steps)
    for k in [int(x) for x in args.robots.split(",")]:
        rows.append({
            "robots": k,
            "practice_in_process_one_robot_steps_per_s": one,
            "vec_env_steps_per_s": vec_rate(k, args.steps),
            "collect_in_process_steps_per_s": collect_rate(k, args.steps),
            "fleet_on_ray_steps_per_s": fleet_rate(k, args.steps * k, args.episodes_per_call),
        })
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"one robot's Practice in this process: {one:.0f} steps/s")
    print("| robots | VecEnv, no store | collect in process, a store | fleet on Ray, a store each | Ray ÷ in process |")
    print("|---|---|---|---|---|")
    for r in rows:
        ratio = r["fleet_on_ray_steps_per_s"] / r["collect_in_process_steps_per_s"]
        print(f"| {r['robots']} | {r['vec_env_steps_per_s']:.0f} | {r['collect_in_process_steps_per_s']:.0f} "
              f"| {r['fleet_on_ray_steps_per_s']:.0f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
