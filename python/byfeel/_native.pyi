from typing import Any, Callable, Optional

import numpy as np

__version__: str

Obs = np.ndarray | dict[str, np.ndarray]

class Env:
    max_episode_steps: int
    step_seconds: float
    goal_conditioned: bool
    def __init__(
        self,
        task: str,
        obs_mode: Optional[str] = None,
        width: Optional[int] = None,
        height: Optional[int] = None,
        reward: str = "sparse",
        max_episode_steps: Optional[int] = None,
        randomize_scene: bool = False,
    ) -> None: ...
    def observation_space(self) -> dict[str, dict[str, Any]]: ...
    def reset(self, seed: Optional[int] = None, hard_reset: bool = False) -> tuple[Obs, dict[str, Any]]: ...
    def step(self, action: np.ndarray) -> tuple[Obs, float, bool, bool, dict[str, Any]]: ...
    def compute_reward(self, achieved: np.ndarray, desired: np.ndarray) -> np.ndarray: ...
    def goal_image(self) -> Optional[np.ndarray]: ...
    def goal(self) -> Optional[np.ndarray]: ...
    def render(self) -> np.ndarray: ...
    def set_reward_fn(self, reward_fn: Optional[Callable[[Obs, dict[str, Any]], float]] = None) -> None: ...

class VecEnv:
    num_envs: int
    step_seconds: float
    def __init__(
        self,
        num_envs: int,
        task: str,
        obs_mode: Optional[str] = None,
        width: Optional[int] = None,
        height: Optional[int] = None,
        reward: str = "sparse",
        max_episode_steps: Optional[int] = None,
        randomize_scene: bool = False,
        autoreset: str = "next_step",
    ) -> None: ...
    def observation_space(self) -> dict[str, dict[str, Any]]: ...
    def reset(self, seed: Optional[int] = None, hard_reset: bool = False) -> tuple[Obs, list[dict[str, Any]]]: ...
    def step(
        self, actions: np.ndarray
    ) -> tuple[Obs, np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]: ...
