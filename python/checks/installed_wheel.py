"""Run by scripts/test-wheel.sh in a fresh venv holding only the built wheel, while the source
checkout's assets are moved away: everything a user does after `pip install byfeel-*.whl`
must work from what the wheel carries."""

import os
import sys
import tempfile

import gymnasium as gym
import numpy as np

import byfeel
from byfeel.agents import Predictive

assets = byfeel.assets_dir()
assert "site-packages" in assets, f"assets read from {assets}, not from the installed package"
for name in ["byfeel/Reach-v0", "byfeel/DoorOpen-v0", "byfeel/CupPush-v0", "byfeel/DieRoll-v0"]:
    env = gym.make(name)
    obs, _ = env.reset(seed=0)
    env.step(env.action_space.sample())
    env.close()
envs = gym.make_vec("byfeel/DieRoll-v0", num_envs=2)
envs.reset(seed=0)
envs.close()

for model in ["die-roll", "cup-push"]:
    agent = Predictive.load(byfeel.model_path(model))
    assert agent.task in ("DieRoll", "CupPush"), agent.task
die = Predictive.load(byfeel.model_path("die-roll"))
env = byfeel.ByfeelEnv("DieRoll", actions="roll")
obs, _ = env.reset(seed=1_000_000)
die.begin_episode(3)
assert die.plan(obs[None], env.goal_image()).shape == (1, 2)
from byfeel.agents import SkewFit  # noqa: E402

door = SkewFit.load(byfeel.model_path("door-skewfit"))
assert door.act(np.zeros((48, 48, 3), np.uint8), np.zeros((48, 48, 3), np.uint8)).shape == (3,)

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "die.zarr")
    byfeel.collect("die-roll", path, episodes=2, robots=2, max_episode_steps=3)
    store = byfeel.Store(path)
    assert len(store) == 2 and store[0]["tactile"].dtype == np.uint8
print(f"installed wheel works without the checkout (assets: {assets})", file=sys.stdout)
