"""One byfeel environment as a Gymnasium ``Env``."""

from __future__ import annotations

from typing import Any, Optional

import gymnasium
import numpy as np
from gymnasium import spaces

from byfeel import _native
from byfeel._spaces import check_actions, observation_space

#: Tasks and their default episode lengths (steps).
TASKS = {"Reach": 50, "DoorOpen": 100, "CupPush": 50, "DieRoll": 20}


class ByfeelEnv(gymnasium.Env):
    """A byfeel task: Δxyz hand actions in [-1, 1]^3 (scaled to the arm's 2 cm step).

    Goal-conditioned (``obs_mode="goal"``) environments return Gymnasium-Robotics' dict
    (``observation``, ``achieved_goal``, ``desired_goal``, plus ``image_observation`` and
    ``image_desired_goal``) and a vectorised :meth:`compute_reward` for HER.

    Rewards: ``"sparse"`` is 0 on success and -1 otherwise; ``"dense"`` is minus the distance to
    the goal from simulator state (sim only). Keys of ``info`` starting ``oracle_`` are
    simulator-only evaluation metrics. ``reset(options={"hard_reset": True})`` also puts the arm
    and objects back for the reset-free door.

    ``door=N`` (DoorOpen only) practises on door ``N`` of the door family
    (``assets/scenes/door-family.toml``: bar, lever or knob handle, hinged left or right, its
    size, damping, colours and light drawn from ``N``); doors from 1 000 000 on are held out for
    evaluation (:mod:`byfeel.doors`).

    ``robot="HOST:PORT"`` runs the task on the arm of a robot server (``byfeel serve`` or
    :func:`byfeel.serve`) instead of a simulated arm in this process. On a served simulator
    everything works as here; on an arm that is not simulated, give the goal as a picture
    (:meth:`set_goal_image`) before ``reset``, and expect no oracle metrics and a NaN reward
    unless you set a reward function.
    """

    metadata = {"render_modes": ["rgb_array", "human"], "render_fps": 10}

    def __init__(
        self,
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
        robot: Optional[str] = None,
        door: Optional[int] = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode {render_mode!r} is not one of {self.metadata['render_modes']}")
        self._env = _native.Env(
            task, obs_mode, width, height, reward, max_episode_steps, randomize_scene, actions, goal_rolls,
            robot, door,
        )
        self.task = task
        self.door = door
        self.robot = robot
        self.render_mode = render_mode
        self.observation_space = observation_space(self._env.observation_space())
        self.action_space = spaces.Box(-1.0, 1.0, shape=(self._env.action_dim,), dtype=np.float32)
        self.metadata = {**self.metadata, "render_fps": int(round(1.0 / self._env.step_seconds))}
        self._window = None

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict[str, Any]] = None):
        super().reset(seed=seed)
        options = dict(options or {})
        hard = bool(options.pop("hard_reset", False))
        if options:
            raise ValueError(f"unknown reset options {sorted(options)}; the only one is 'hard_reset'")
        # A seed restarts the world and the env's own generator; later unseeded resets draw from
        # that generator, so reset(seed=s) followed by reset() repeats exactly.
        obs, info = self._env.reset(seed, hard)
        return obs, info

    def step(self, action):
        a = check_actions(action, (self._env.action_dim,))
        obs, reward, terminated, truncated, info = self._env.step(a)
        if self.render_mode == "human":
            self.render()
        return obs, float(reward), bool(terminated), bool(truncated), info

    def compute_reward(self, achieved_goal, desired_goal, info=None):
        """Vectorised reward for HER: rows of achieved and desired goals (any leading shape)."""
        a = np.asarray(achieved_goal, dtype=np.float32)
        d = np.asarray(desired_goal, dtype=np.float32)
        return self._env.compute_reward(np.ascontiguousarray(a), np.ascontiguousarray(d))

    def goal_image(self) -> Optional[np.ndarray]:
        """The current goal as a picture (camera or gel image)."""
        return self._env.goal_image()

    def set_goal_image(self, image) -> None:
        """Gives the goal as a picture (H x W x 3 uint8, as observations' images): how goals
        are given on an arm that is not simulated (a photo of the door open)."""
        self._env.set_goal_image(np.ascontiguousarray(image, dtype=np.uint8))

    def set_reward_fn(self, fn) -> None:
        """Replaces the reward with ``fn(observation, info) -> float`` (``None`` restores it).
        An exception ``fn`` raises is raised again from the ``step`` that called it."""
        self._env.set_reward_fn(fn)

    def render(self):
        frame = self._env.render()
        if self.render_mode == "human":
            self._show(frame)
            return None
        return frame

    def _show(self, frame: np.ndarray) -> None:
        try:
            import pygame
        except ImportError as e:
            raise ImportError(
                "render_mode='human' draws with pygame: pip install 'byfeel[viewer]' (or pygame) "
                "(or watch the scene with the `byfeel view` window)"
            ) from e
        if self._window is None:
            pygame.init()
            self._window = pygame.display.set_mode((frame.shape[1], frame.shape[0]))
            pygame.display.set_caption(f"byfeel {self.task}")
        pygame.event.pump()
        surface = pygame.surfarray.make_surface(np.transpose(frame, (1, 0, 2)))
        self._window.blit(surface, (0, 0))
        pygame.display.flip()

    def close(self) -> None:
        if self.robot is not None and self._env is not None:
            self._env = None  # lets go of the served arm at once (the server's arm holds)
        if self._window is not None:
            import pygame

            pygame.display.quit()
            self._window = None
