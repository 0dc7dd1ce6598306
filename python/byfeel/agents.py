"""byfeel's agents from Python.

``Predictive`` is the predictive agent of "Manipulation by Feel" and "Visual Foresight": a
frame predictor trained on an experience store's random play, and CEM planning through it
toward a goal image (200 samples, 10 elites, 3 iterations, actions held 3 steps)::

    import numpy as np
    import byfeel
    from byfeel.agents import Predictive

    byfeel.collect("die-roll", "die.zarr", episodes=200)
    agent = Predictive.train("die.zarr", "die-run", steps=2000)   # or Predictive.load("die-run")

    env = byfeel.ByfeelEnv("DieRoll")                 # tactile observations
    obs, info = env.reset(seed=7)
    goal = env.goal_image()
    frames = [obs] * agent.context_len
    for _ in range(20):
        actions = agent.plan(np.stack(frames[-agent.context_len:]), goal)
        obs, reward, terminated, truncated, info = env.step(actions[0])
        frames.append(obs)
        if terminated or truncated:
            break

The model runs on burn's CPU backend; a plan step takes seconds there (``score_every=3``
scores only the frames where held actions change, about 2x faster).
"""

from __future__ import annotations

import os
from typing import Optional

import numpy as np

from byfeel import _native


class Predictive:
    """A trained frame predictor and its CEM planner."""

    def __init__(self, native: _native.Predictive, run: str):
        self._native = native
        self.run = run

    @classmethod
    def load(cls, run, samples: int = 200, score_every: int = 1, seed: int = 0) -> "Predictive":
        """Loads the model of a run directory (from ``train`` or ``byfeel train predictive``)."""
        return cls(_native.Predictive.load(os.fspath(run), samples, score_every, seed), os.fspath(run))

    @classmethod
    def train(
        cls,
        data,
        out,
        task: Optional[str] = None,
        steps: int = 2000,
        batch: int = 16,
        horizon: int = 15,
        context: Optional[int] = None,
        lr: float = 1e-3,
        seed: int = 0,
        progress: bool = True,
        samples: int = 200,
        latent: int = 0,
    ) -> "Predictive":
        """Trains the frame predictor on the store ``data`` into the run directory ``out``
        (resuming it if it holds the same run), then loads it. The die learns the gel's
        images (3 context frames), other tasks the camera's (2); every 10th episode is held
        out for validation, logged to ``out/log.jsonl``. ``latent`` > 0 adds SV2P's stochastic
        latent of that many numbers: the planner then scores each candidate on one sampled
        future rather than on the blurred average of all of them."""
        _native.Predictive.train(
            os.fspath(data),
            os.fspath(out),
            task,
            steps,
            batch,
            horizon,
            context,
            lr,
            seed,
            progress,
            latent,
        )
        return cls.load(out, samples=samples, seed=seed)

    @property
    def context_len(self) -> int:
        """Frames the model needs before it can plan."""
        return self._native.context_len

    @property
    def image_shape(self) -> tuple:
        """(height, width, 3) of the images it takes."""
        return self._native.image_shape

    @property
    def task(self) -> str:
        return self._native.task

    def plan(self, context: np.ndarray, goal: np.ndarray) -> np.ndarray:
        """The best action sequence toward ``goal`` from the last ``context_len`` frames
        (uint8, shape (K, H, W, 3), oldest first): float32 (horizon, 3). Execute row 0, then
        plan again."""
        return self._native.plan(np.ascontiguousarray(context, dtype=np.uint8),
                                 np.ascontiguousarray(goal, dtype=np.uint8))

    def predict(self, context: np.ndarray, actions: np.ndarray) -> np.ndarray:
        """The frames the model expects after ``actions`` (float32 (T, 3)) from ``context``:
        uint8 (T, H, W, 3)."""
        return self._native.predict(np.ascontiguousarray(context, dtype=np.uint8),
                                    np.ascontiguousarray(actions, dtype=np.float32))

    def __repr__(self) -> str:
        return f"Predictive(run={self.run!r}, task={self.task!r}, image_shape={self.image_shape})"
