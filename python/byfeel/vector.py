"""Many byfeel environments stepped in parallel in Rust, as a Gymnasium ``VectorEnv``."""

from __future__ import annotations

from typing import Any, Optional

import gymnasium
import numpy as np
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from byfeel import _native
from byfeel._spaces import check_actions, observation_space
from byfeel.envs import ByfeelEnv


class ByfeelVectorEnv(gymnasium.vector.VectorEnv):
    """``gymnasium.make_vec("byfeel/<Task>-v0", num_envs=N)``.

    Autoreset is Gymnasium's ``NEXT_STEP``: the step after an episode ends resets that
    environment (its action is ignored) and returns the first observation with reward 0.
    Environment ``i`` is seeded with ``seed + i``.
    """

    metadata = {"render_modes": ["rgb_array"], "autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(
        self,
        num_envs: int = 1,
        task: str = "Reach",
        obs_mode: Optional[str] = None,
        width: Optional[int] = None,
        height: Optional[int] = None,
        reward: str = "sparse",
        max_episode_steps: Optional[int] = None,
        randomize_scene: bool = False,
        render_mode: Optional[str] = None,
        actions: str = "hand",
        goal_rolls: int = 1,
        door: Optional[int] = None,
        **unused: Any,
    ) -> None:
        self._envs = _native.VecEnv(
            num_envs,
            task,
            obs_mode,
            width,
            height,
            reward,
            max_episode_steps,
            randomize_scene,
            "next_step",
            actions,
            goal_rolls,
            door,
        )
        self.num_envs = num_envs
        self.render_mode = render_mode
        self.single_observation_space = observation_space(self._envs.observation_space())
        self.single_action_space = gymnasium.spaces.Box(
            -1.0, 1.0, shape=(self._envs.action_dim,), dtype=np.float32
        )
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.metadata = {**self.metadata, "render_fps": int(round(1.0 / self._envs.step_seconds))}

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict[str, Any]] = None):
        options = dict(options or {})
        hard = bool(options.pop("hard_reset", False))
        if options:
            raise ValueError(f"unknown reset options {sorted(options)}; the only one is 'hard_reset'")
        obs, infos = self._envs.reset(seed, hard)
        return obs, _batch_infos(infos)

    def step(self, actions):
        a = check_actions(actions, (self.num_envs, self._envs.action_dim))
        obs, rewards, terminated, truncated, infos = self._envs.step(a)
        return obs, rewards, terminated, truncated, _batch_infos(infos)


def _batch_infos(infos: list[dict[str, Any]]) -> dict[str, Any]:
    """Gymnasium's vector info: each key an array over environments, with a ``_key`` mask."""
    out: dict[str, Any] = {}
    keys = sorted({k for i in infos for k in i})
    for k in keys:
        values = [i.get(k, 0) for i in infos]
        out[k] = np.array(values)
        out[f"_{k}"] = np.array([k in i for i in infos])
    return out


__all__ = ["ByfeelVectorEnv", "ByfeelEnv"]
