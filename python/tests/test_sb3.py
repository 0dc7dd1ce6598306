"""Stable-Baselines3 as a client: SAC learns Reach from state, SAC + HER runs on a goal dict.

These need torch (PyPI's Linux wheel pulls ~3.5 GB of CUDA libraries), so CI skips them with
the reason shown; run them with `pip install stable-baselines3` in the test venv.
"""

import os

import numpy as np
import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
sb3 = pytest.importorskip(
    "stable_baselines3", reason="stable-baselines3 (and torch, ~3.5 GB) is not installed; CI skips the SB3 client tests"
)

import gymnasium as gym  # noqa: E402
import torch  # noqa: E402
from gymnasium.wrappers import FilterObservation  # noqa: E402
from stable_baselines3 import SAC  # noqa: E402
from stable_baselines3.her import HerReplayBuffer  # noqa: E402

import byfeel  # noqa: E402,F401


def success_rate(env, policy, episodes=30, seed=1000):
    wins = 0
    for k in range(episodes):
        obs, _ = env.reset(seed=seed + k)
        while True:
            obs, _, terminated, truncated, info = env.step(policy(obs))
            if terminated or truncated:
                wins += bool(info["is_success"])
                break
    return wins / episodes


def test_sac_learns_reach_from_state():
    torch.set_num_threads(1)  # two threads collapse on a shared 2-core machine
    env = gym.make("byfeel/Reach-v0", reward="dense")
    random_rate = success_rate(env, lambda _obs: env.action_space.sample())
    # Short episodes and a dense reward in metres: a lower discount and a small starting
    # entropy weight keep the entropy bonus from drowning the reward early on.
    model = SAC(
        "MlpPolicy",
        env,
        learning_starts=500,
        learning_rate=1e-3,
        gamma=0.95,
        ent_coef="auto_0.05",
        batch_size=256,
        seed=0,
        verbose=0,
    )
    model.learn(total_timesteps=6000)
    learned = success_rate(env, lambda obs: model.predict(obs, deterministic=True)[0])
    print(f"Reach success: SAC after 6000 steps {learned:.2f}, random {random_rate:.2f}")
    assert learned >= 0.5 and learned > random_rate + 0.3


def test_sac_her_runs_on_a_goal_dict():
    torch.set_num_threads(1)
    env = FilterObservation(gym.make("byfeel/Reach-v0", obs_mode="goal"), ["observation", "achieved_goal", "desired_goal"])
    model = SAC(
        "MultiInputPolicy",
        env,
        replay_buffer_class=HerReplayBuffer,
        replay_buffer_kwargs={"n_sampled_goal": 4, "goal_selection_strategy": "future"},
        learning_starts=200,
        seed=0,
        verbose=0,
    )
    model.learn(total_timesteps=600)
    obs, _ = env.reset(seed=0)
    action, _ = model.predict(obs, deterministic=True)
    assert action.shape == (3,) and np.all(np.abs(action) <= 1)
