from typing import Any, Callable, Optional

import numpy as np

__version__: str

def set_assets_dir(path: str) -> bool: ...
def assets_dir() -> str: ...

Obs = np.ndarray | dict[str, np.ndarray]

class Env:
    action_dim: int
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
        actions: str = "hand",
        goal_rolls: int = 1,
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
    action_dim: int
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
        actions: str = "hand",
        goal_rolls: int = 1,
    ) -> None: ...
    def observation_space(self) -> dict[str, dict[str, Any]]: ...
    def reset(self, seed: Optional[int] = None, hard_reset: bool = False) -> tuple[Obs, list[dict[str, Any]]]: ...
    def step(
        self, actions: np.ndarray
    ) -> tuple[Obs, np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]: ...

class Store:
    """Native store reader; use `byfeel.Store`."""
    def __init__(self, path: str, cache_mib: int = 256) -> None: ...
    @property
    def num_steps(self) -> int: ...
    @property
    def num_episodes(self) -> int: ...
    @property
    def uncommitted_steps(self) -> int: ...
    @property
    def path(self) -> str: ...
    def fields(self) -> list[tuple[str, str, str, list[int], list[str]]]: ...
    def episode_ends(self) -> np.ndarray: ...
    def refresh(self) -> int: ...
    def episode(self, index: int) -> dict[str, np.ndarray]: ...
    def read(self, field: str, start: int, stop: int) -> np.ndarray: ...
    def sample(
        self, batch_size: int, fields: list[str], weights: Optional[np.ndarray] = None, seed: Optional[int] = None
    ) -> dict[str, np.ndarray]: ...

def collect(
    task: str,
    out: str,
    episodes: int = 10,
    robots: int = 4,
    seed: int = 0,
    width: int = 48,
    height: int = 48,
    max_episode_steps: Optional[int] = None,
    policy: str = "random",
    hold: int = 1,
    actions: str = "hand",
) -> tuple[int, int]: ...

class Predictive:
    @staticmethod
    def load(run: str, samples: int = 200, score_every: int = 1, seed: int = 0) -> "Predictive": ...
    @staticmethod
    def train(
        data: str,
        out: str,
        task: Optional[str] = None,
        steps: int = 2000,
        batch: int = 16,
        horizon: Optional[int] = None,
        context: Optional[int] = None,
        lr: float = 1e-3,
        seed: int = 0,
        progress: bool = True,
        latent: int = 0,
        model: str = "latent",
        ae_steps: Optional[int] = None,
        dynamics_steps: Optional[int] = None,
        latent_size: Optional[int] = None,
    ) -> tuple[int, float, Optional[float]]: ...
    def begin_episode(self, steps: Optional[int] = None) -> None: ...
    def plan(self, context: np.ndarray, goal: np.ndarray) -> np.ndarray: ...
    def predict(self, context: np.ndarray, actions: np.ndarray) -> np.ndarray: ...
    @property
    def context_len(self) -> int: ...
    @property
    def image_shape(self) -> tuple[int, int, int]: ...
    @property
    def task(self) -> str: ...
    @property
    def action_dim(self) -> int: ...
    @property
    def actions(self) -> str: ...

class SkewFit:
    @staticmethod
    def default_config() -> str: ...
    @staticmethod
    def train(out: str, config: str, progress: bool = True) -> list[str]: ...
    @staticmethod
    def load(run: str) -> "SkewFit": ...
    def act(self, image: np.ndarray, goal: np.ndarray, explore_seed: Optional[int] = None) -> np.ndarray: ...
    def evaluate(self, goals: int = 10, seed: int = 1000000, report: Optional[str] = None, strips: int = 10) -> str: ...
    @property
    def config(self) -> str: ...

def evaluate_run(
    run: str,
    episodes: int = 50,
    seed: int = 1000000,
    samples: int = 200,
    score_every: int = 1,
    strips: int = 10,
    held_out: int = 128,
    goal_rolls: int = 1,
    controllers: Optional[list[str]] = None,
) -> tuple[str, str]: ...

def evaluate_door_run(run: str, goals: int = 50, seed: int = 1000000, strips: int = 10) -> tuple[str, str]: ...
